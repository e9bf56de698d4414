// SigV4 against the examples AWS publishes in "Authenticating Requests:
// Using the Authorization Header (AWS Signature Version 4)" for S3, with the
// documentation's example credentials.

#include <gtest/gtest.h>

#include "storage/crypto.hpp"
#include "storage/sigv4.hpp"

namespace ldb::storage {
namespace {

const AwsCredentials k_example{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""};
constexpr const char* k_empty_hash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

TEST(SigV4, GetObjectExampleCanonicalRequestStringToSignAndSignature) {
  SigningRequest request{"GET",
                         "/test.txt",
                         {},
                         {{"Host", "examplebucket.s3.amazonaws.com"},
                          {"Range", "bytes=0-9"},
                          {"x-amz-content-sha256", k_empty_hash},
                          {"x-amz-date", "20130524T000000Z"}},
                         k_empty_hash};
  EXPECT_EQ(canonical_request(request),
            "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
            "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
            "x-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  std::string to_sign =
      string_to_sign("20130524T000000Z", "20130524/us-east-1/s3/aws4_request", canonical_request(request));
  EXPECT_EQ(to_sign,
            "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
            "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
  EXPECT_EQ(sigv4_signature(k_example.secret_access_key, "20130524", "us-east-1", "s3", to_sign),
            "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  EXPECT_EQ(authorization_header(request, k_example, "us-east-1", "s3", "20130524T000000Z"),
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(SigV4, ListObjectsExampleSortsAndEncodesTheQuery) {
  SigningRequest request{"GET",
                         "/",
                         {{"prefix", "J"}, {"max-keys", "2"}},
                         {{"host", "examplebucket.s3.amazonaws.com"},
                          {"x-amz-content-sha256", k_empty_hash},
                          {"x-amz-date", "20130524T000000Z"}},
                         k_empty_hash};
  EXPECT_EQ(canonical_query(request.query), "max-keys=2&prefix=J");
  EXPECT_EQ(authorization_header(request, k_example, "us-east-1", "s3", "20130524T000000Z"),
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
            "SignedHeaders=host;x-amz-content-sha256;x-amz-date,"
            "Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

TEST(SigV4, PutObjectExampleSignsThePayloadHash) {
  std::string body = "Welcome to Amazon S3.";
  std::string payload = to_hex(sha256(body));
  EXPECT_EQ(payload, "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  SigningRequest request{"PUT",
                         "/test%24file.text",
                         {},
                         {{"Host", "examplebucket.s3.amazonaws.com"},
                          {"Date", "Fri, 24 May 2013 00:00:00 GMT"},
                          {"x-amz-date", "20130524T000000Z"},
                          {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
                          {"x-amz-content-sha256", payload}},
                         payload};
  EXPECT_EQ(authorization_header(request, k_example, "us-east-1", "s3", "20130524T000000Z"),
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
            "SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class,"
            "Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
}

TEST(SigV4, HeaderValuesAreTrimmedAndQueryValuesEncoded) {
  SigningRequest request{"GET",
                         "/b/a%20b",
                         {{"continuation-token", "a/b+c="}},
                         {{"X-Custom", "  two   spaces  "}, {"host", "h"}},
                         "UNSIGNED-PAYLOAD"};
  EXPECT_EQ(canonical_request(request),
            "GET\n/b/a%20b\ncontinuation-token=a%2Fb%2Bc%3D\nhost:h\nx-custom:two spaces\n\nhost;x-custom\n"
            "UNSIGNED-PAYLOAD");
}

TEST(SigV4, TimestampHasTheBasicIsoForm) {
  std::string stamp = amz_timestamp_now();
  ASSERT_EQ(stamp.size(), 16u);
  EXPECT_EQ(stamp[8], 'T');
  EXPECT_EQ(stamp.back(), 'Z');
}

TEST(Crypto, Base64RoundTripsAndRefusesGarbage) {
  EXPECT_EQ(base64_encode("hello!?"), "aGVsbG8hPw==");
  auto decoded = base64_decode("aGVsbG8hPw==", "the key");
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(*decoded, "hello!?");
  auto bad = base64_decode("abc", "AZURE_STORAGE_KEY");
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find("AZURE_STORAGE_KEY"), std::string::npos);
  // RFC 4231 test case 2.
  EXPECT_EQ(to_hex(hmac_sha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

}  // namespace
}  // namespace ldb::storage

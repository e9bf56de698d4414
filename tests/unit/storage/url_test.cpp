#include <gtest/gtest.h>

#include <filesystem>

#include "storage/url.hpp"
#include "storage/xml_scan.hpp"

namespace ldb::storage {
namespace {

TEST(Url, ProtocolsAndAliases) {
  EXPECT_EQ(canonical_protocol("/data/x"), "file");
  EXPECT_EQ(canonical_protocol("relative/x"), "file");
  EXPECT_EQ(canonical_protocol("s3://b/k"), "s3");
  EXPECT_EQ(canonical_protocol("aws://b/k"), "s3");
  EXPECT_EQ(canonical_protocol("AZURE://c/k"), "az");
  EXPECT_EQ(canonical_protocol("gs://b"), "gs");
  EXPECT_EQ(canonical_protocol("https://h/p"), "https");
  EXPECT_FALSE(is_url("/a/b"));
  EXPECT_TRUE(is_url("gs://b/x"));
}

TEST(Url, NormalizesCloudPathsAndKeepsLocalBehaviour) {
  EXPECT_EQ(normalize_storage_path("aws://bucket/a//b/"), "s3://bucket/a/b");
  EXPECT_EQ(normalize_storage_path("azure://container/x"), "az://container/x");
  EXPECT_EQ(normalize_storage_path("s3://bucket/"), "s3://bucket");
  EXPECT_EQ(normalize_storage_path("S3://bucket/Key"), "s3://bucket/Key");
  EXPECT_EQ(normalize_storage_path("https://host/a//b"), "https://host/a//b");
  EXPECT_EQ(normalize_storage_path("/a/b/../c/"), "/a/c");
  EXPECT_EQ(normalize_storage_path("file:///a/./b"), "/a/b");
  auto cwd = std::filesystem::current_path().string();
  EXPECT_EQ(normalize_storage_path("rel"), cwd + "/rel");
}

TEST(Url, SplitsBucketUrls) {
  auto url = parse_object_url("s3://bucket/a/b.jpg");
  ASSERT_TRUE(url.has_value());
  EXPECT_EQ(url->bucket, "bucket");
  EXPECT_EQ(url->key, "a/b.jpg");
  EXPECT_EQ(url->text(), "s3://bucket/a/b.jpg");
  auto root = parse_object_url("gs://bucket");
  ASSERT_TRUE(root.has_value());
  EXPECT_EQ(root->key, "");
  EXPECT_FALSE(parse_object_url("s3:///key").has_value());
  auto not_bucket = parse_object_url("https://h/x");
  ASSERT_FALSE(not_bucket.has_value());
  EXPECT_NE(not_bucket.error().message.find("https://h/x"), std::string::npos);
}

TEST(Url, PercentEncoding) {
  EXPECT_EQ(uri_encode("a b/c$d~e", true), "a%20b/c%24d~e");
  EXPECT_EQ(uri_encode("a/b", false), "a%2Fb");
  EXPECT_EQ(uri_encode("\xc3\xa9", true), "%C3%A9");
  EXPECT_EQ(uri_decode("a%20b%2Fc%zz"), "a b/c%zz");
}

TEST(XmlScan, ElementsTextAndEntities) {
  std::string xml =
      "<ListBucketResult><IsTruncated>true</IsTruncated><Contents><Key>a&amp;b.jpg</Key><ETag>&quot;x&quot;</ETag>"
      "</Contents><Contents><Key>c&#233;.jpg</Key></Contents><NextContinuationToken>t/1=</NextContinuationToken>"
      "<Empty/></ListBucketResult>";
  auto contents = xml_elements(xml, "Contents");
  ASSERT_EQ(contents.size(), 2u);
  EXPECT_EQ(xml_text(contents[0], "Key"), "a&b.jpg");
  EXPECT_EQ(xml_text(contents[0], "ETag"), "\"x\"");
  EXPECT_EQ(xml_text(contents[1], "Key"), "c\xc3\xa9.jpg");
  EXPECT_EQ(xml_text(xml, "IsTruncated"), "true");
  EXPECT_EQ(xml_text(xml, "NextContinuationToken"), "t/1=");
  EXPECT_EQ(xml_text(xml, "Empty"), "");
  EXPECT_FALSE(xml_text(xml, "Missing").has_value());
  // A tag whose name starts like another is not confused with it.
  EXPECT_FALSE(xml_text("<Keys>1</Keys>", "Key").has_value());
}

TEST(XmlScan, Timestamps) {
  EXPECT_EQ(parse_timestamp("2009-10-12T17:50:30.000Z"), 1255369830);
  EXPECT_EQ(parse_timestamp("Mon, 12 Oct 2009 17:50:30 GMT"), 1255369830);
  // The two obsolete HTTP date forms recipients must still accept.
  EXPECT_EQ(parse_timestamp("Monday, 12-Oct-09 17:50:30 GMT"), 1255369830);
  EXPECT_EQ(parse_timestamp("Mon Oct 12 17:50:30 2009"), 1255369830);
  EXPECT_EQ(parse_timestamp("Sun Nov  6 08:49:37 1994"), 784111777);
  EXPECT_EQ(parse_timestamp("Thu, 01 Jan 1970 00:00:00 GMT"), 0);
  EXPECT_FALSE(parse_timestamp("yesterday").has_value());
  EXPECT_FALSE(parse_timestamp("").has_value());
  EXPECT_FALSE(parse_timestamp("Mon, 12 Okt 2009 17:50:30 GMT").has_value());
  EXPECT_FALSE(parse_timestamp("Mon, 12 Oct 2009 17:50 GMT").has_value());
  EXPECT_FALSE(parse_timestamp("Mon, 12 Oct 2009 25:50:30 GMT").has_value());
  EXPECT_FALSE(parse_timestamp("Mon, 32 Oct 2009 17:50:30 GMT").has_value());
  EXPECT_FALSE(parse_timestamp("Mon, 12 Oct 2009 17:50:30 CET").has_value());
}

}  // namespace
}  // namespace ldb::storage

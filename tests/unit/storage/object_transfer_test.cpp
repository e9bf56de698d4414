// The transfers shared by the S3, Azure and https backends
// (storage/object_transfer.hpp), driven by a scripted GET: status handling of
// ranged and streamed reads, restarts on a retry, and downloads that leave no
// file behind on failure.

#include "storage/object_transfer.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/hash.hpp"
#include "storage/crypto.hpp"
#include "test_support.hpp"

namespace ldb::storage {
namespace {

namespace fs = std::filesystem;
using ldb::testing::TempDir;

HttpResponse answer(long status, std::string body, HeaderList headers = {}) {
  HttpResponse out;
  out.status = status;
  out.body = std::move(body);
  out.headers = std::move(headers);
  return out;
}

// A GET that plays back `answers` in order, recording the headers of each call.
// An answer with a sink streams its body in two chunks; with `restart_once`
// the first streamed answer feeds a partial chunk, restarts the sink (as
// http_perform does on a retry) and then feeds the whole body.
struct ScriptedGet {
  std::vector<HttpResponse> answers;
  bool restart_once = false;
  std::vector<HeaderList> calls;

  ObjectGet callable() {
    return [this](HeaderList headers, BodySink* sink) -> Result<HttpResponse> {
      calls.push_back(std::move(headers));
      if (calls.size() > answers.size()) return fail(ErrorCode::io, "unexpected extra request", "");
      HttpResponse response = answers[calls.size() - 1];
      if (sink != nullptr && response.status / 100 == 2) {
        if (restart_once) {
          restart_once = false;
          sink->write("garbage from a failed try");
          sink->restart();
        }
        std::string_view body = response.body;
        std::size_t half = body.size() / 2;
        if (!sink->write(body.substr(0, half)) || !sink->write(body.substr(half))) {
          return fail(ErrorCode::io, "sink refused", "");
        }
        response.body.clear();
      }
      return response;
    };
  }
};

AnswerError answer_error_for(std::string_view subject) {
  return [subject = std::string(subject)](const HttpResponse& response) {
    return Error{ErrorCode::io, fmt::format("HTTP {} for '{}'", response.status, subject), "hint"};
  };
}

std::function<Result<FileInfo>()> stat_with(std::optional<core::Md5> md5) {
  return [md5]() -> Result<FileInfo> {
    FileInfo info;
    info.path = "s3://b/k";
    info.content_md5 = md5;
    return info;
  };
}

const HashFromHeaders k_etag_hash = [](const HttpResponse& response) -> std::optional<core::Md5> {
  auto etag = response.header("etag");
  if (!etag) return std::nullopt;
  auto md5 = core::Md5::from_hex(*etag);
  if (!md5) return std::nullopt;
  return *md5;
};

// hash_object_with_head of object "k" with no MD5 from stat and S3's range header.
Result<HashedFile> hash_unstated(ScriptedGet& get, std::size_t head_size) {
  return hash_object_with_head(get.callable(), answer_error_for("k"), stat_with(std::nullopt), "range", k_etag_hash,
                               head_size);
}

TEST(ObjectTransferTest, ReadObjectReturnsTheBodyOf200AndTheBackendsErrorOtherwise) {
  ScriptedGet get{{answer(200, "payload"), answer(404, "<Error/>")}};
  auto body = read_object(get.callable(), answer_error_for("s3://b/k"));
  ASSERT_OK(body);
  EXPECT_EQ(*body, "payload");
  auto missing = read_object(get.callable(), answer_error_for("s3://b/k"));
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().message, "HTTP 404 for 's3://b/k'");
}

TEST(ObjectTransferTest, HashWithoutHeadTakesTheStatedMd5WithoutAGet) {
  ScriptedGet get;
  auto md5 = core::md5_of("stated");
  auto hashed = hash_object_with_head(get.callable(), answer_error_for("k"), stat_with(md5), "range", k_etag_hash, 0);
  ASSERT_OK(hashed);
  EXPECT_EQ(hashed->hash, md5);
  EXPECT_EQ(hashed->head, "");
  EXPECT_TRUE(get.calls.empty());
}

TEST(ObjectTransferTest, HashWithoutHeadStreamsWhenNoMd5IsStated) {
  ScriptedGet get{{answer(200, "whole object")}};
  auto hashed = hash_unstated(get, 0);
  ASSERT_OK(hashed);
  EXPECT_EQ(hashed->hash, core::md5_of("whole object"));
  ASSERT_EQ(get.calls.size(), 1u);
  EXPECT_TRUE(get.calls[0].empty());
}

TEST(ObjectTransferTest, RangedGetOf416IsAnEmptyObject) {
  ScriptedGet get{{answer(416, "")}};
  auto hashed = hash_object_with_head(get.callable(), answer_error_for("k"), stat_with(std::nullopt), "x-ms-range",
                                      k_etag_hash, 8);
  ASSERT_OK(hashed);
  EXPECT_EQ(hashed->hash, core::md5_of(""));
  EXPECT_EQ(hashed->head, "");
  ASSERT_EQ(get.calls.size(), 1u);
  EXPECT_EQ(get.calls[0], (HeaderList{{"x-ms-range", "bytes=0-7"}}));
}

TEST(ObjectTransferTest, RangeHoldingTheWholeObjectIsHashedDirectly) {
  ScriptedGet get{{answer(206, "abc", {{"content-range", "bytes 0-2/3"}})}};
  auto hashed = hash_unstated(get, 10);
  ASSERT_OK(hashed);
  EXPECT_EQ(hashed->hash, core::md5_of("abc"));
  EXPECT_EQ(hashed->head, "abc");
  EXPECT_EQ(get.calls.size(), 1u);
}

TEST(ObjectTransferTest, LongerObjectTakesTheMd5FromTheRangedAnswersHeaders) {
  auto whole = core::md5_of("abcdefgh");
  ScriptedGet get{{answer(206, "abcd", {{"content-range", "bytes 0-3/8"}, {"etag", whole.hex()}})}};
  auto hashed = hash_unstated(get, 4);
  ASSERT_OK(hashed);
  EXPECT_EQ(hashed->hash, whole);
  EXPECT_EQ(hashed->head, "abcd");
  EXPECT_EQ(get.calls.size(), 1u);
}

TEST(ObjectTransferTest, LongerObjectWithoutAStatedMd5IsStreamedAndARetryRestartsTheHash) {
  ScriptedGet get{{answer(206, "abcd", {{"content-range", "bytes 0-3/8"}}), answer(200, "abcdefgh")}};
  get.restart_once = true;
  auto hashed = hash_unstated(get, 4);
  ASSERT_OK(hashed);
  EXPECT_EQ(hashed->hash, core::md5_of("abcdefgh"));
  EXPECT_EQ(hashed->head, "abcd");
  ASSERT_EQ(get.calls.size(), 2u);
  EXPECT_TRUE(get.calls[1].empty());
}

TEST(ObjectTransferTest, FailedRangedOrStreamedAnswerGivesTheBackendsError) {
  ScriptedGet ranged{{answer(403, "")}};
  auto denied = hash_unstated(ranged, 4);
  ASSERT_FALSE(denied.has_value());
  EXPECT_EQ(denied.error().message, "HTTP 403 for 'k'");
  ScriptedGet streamed{{answer(500, "")}};
  auto failing = hash_object_streaming(streamed.callable(), answer_error_for("u"), 4);
  ASSERT_FALSE(failing.has_value());
  EXPECT_EQ(failing.error().message, "HTTP 500 for 'u'");
}

TEST(ObjectTransferTest, DownloadWritesTheBodyAndARetryRewindsTheFile) {
  TempDir dir;
  ScriptedGet get{{answer(200, "the object's bytes")}};
  get.restart_once = true;
  auto dest = dir.path() / "copy.bin";
  ASSERT_OK(download_object(get.callable(), answer_error_for("k"), dest));
  std::ifstream in(dest, std::ios::binary);
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(content, "the object's bytes");
}

TEST(ObjectTransferTest, FailedDownloadLeavesNoFile) {
  TempDir dir;
  ScriptedGet get{{answer(404, "")}};
  auto dest = dir.path() / "copy.bin";
  auto done = download_object(get.callable(), answer_error_for("k"), dest);
  ASSERT_FALSE(done.has_value());
  EXPECT_EQ(done.error().message, "HTTP 404 for 'k'");
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

TEST(ObjectTransferTest, Md5OfBase64AcceptsOnly16Bytes) {
  auto md5 = core::md5_of("x");
  std::string encoded = base64_encode(std::string_view(reinterpret_cast<const char*>(md5.bytes.data()), 16));
  EXPECT_EQ(md5_of_base64(encoded), md5);
  EXPECT_EQ(md5_of_base64(""), std::nullopt);
  EXPECT_EQ(md5_of_base64(base64_encode("short")), std::nullopt);
}

TEST(ObjectTransferTest, FileInfoFromHeadersReadsSizeAndTime) {
  auto md5 = core::md5_of("x");
  auto info = file_info_from_headers(
      answer(200, "", {{"content-length", "42"}, {"last-modified", "Wed, 21 Oct 2015 07:28:00 GMT"}}), "az://c/b", md5);
  EXPECT_EQ(info.path, "az://c/b");
  EXPECT_EQ(info.size, 42u);
  EXPECT_EQ(info.mtime_ns, 1445412480LL * 1'000'000'000);
  EXPECT_EQ(info.content_md5, md5);
  auto bare = file_info_from_headers(answer(200, ""), "az://c/b", std::nullopt);
  EXPECT_EQ(bare.size, 0u);
  EXPECT_EQ(bare.mtime_ns, 0);
}

TEST(ObjectTransferTest, AnswerErrorsNameTheCodeSubjectAndLocation) {
  auto denied = access_denied_error("AuthFailed", "az://c/b", "(storage location 'L', endpoint E)", "fix the key");
  EXPECT_EQ(denied.code, ErrorCode::io);
  EXPECT_EQ(denied.message, "access denied (AuthFailed) reading 'az://c/b' (storage location 'L', endpoint E)");
  EXPECT_EQ(denied.hint, "fix the key");
  EXPECT_EQ(access_denied_error("", "k", "(w)", "h").message, "access denied reading 'k' (w)");
  auto busy = server_answer_error(answer(503, ""), "SlowDown", "k", "(w)");
  EXPECT_EQ(busy.message, "the server answered HTTP 503 (SlowDown) for 'k' (w)");
  EXPECT_EQ(busy.hint, "the server is failing; try again later");
  auto odd = server_answer_error(answer(409, ""), "", "k", "(w)");
  EXPECT_EQ(odd.message, "the server answered HTTP 409 for 'k' (w)");
  EXPECT_EQ(odd.hint, "check the path and the location's options: ldb storage list --json");
}

}  // namespace
}  // namespace ldb::storage

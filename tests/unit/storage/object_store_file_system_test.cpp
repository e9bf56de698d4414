// ObjectStoreFileSystem (storage/object_store_file_system.hpp): the shared
// stat/read/hash/copy_to of the S3 and Azure backends, over a fake backend
// that records the requests it is asked to send.

#include "storage/object_store_file_system.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/hash.hpp"
#include "test_support.hpp"

namespace ldb::storage {
namespace {

// A backend whose every request gets `m_answer`; an object's MD5 is stated by
// the "x-md5" header (hex) on a HEAD and by "x-whole-md5" on a ranged GET.
class FakeObjectStore final : public ObjectStoreFileSystem {
 public:
  std::string_view protocol() const override { return "s3"; }
  Result<std::vector<FileInfo>> list(std::string_view) override { return std::vector<FileInfo>{}; }
  Status write(std::string_view, std::string_view) override { return {}; }

  HttpResponse m_answer;
  std::vector<std::string> m_requests;  // "METHOD bucket/key [header=value]"

 private:
  Result<ObjectUrl> parse_object(std::string_view path) const override {
    auto url = parse_object_url(path);
    if (!url) return std::unexpected(url.error());
    if (url->key.empty()) return fail(ErrorCode::invalid_argument, fmt::format("'{}' names a bucket", path), "h");
    return url;
  }

  Result<HttpResponse> send_object(std::string method, const ObjectUrl& url, HeaderList headers, BodySink* sink,
                                   std::string_view) override {
    std::string request = fmt::format("{} {}/{}", method, url.bucket, url.key);
    for (const auto& [name, value] : headers) request += fmt::format(" {}={}", name, value);
    m_requests.push_back(request);
    HttpResponse response = m_answer;
    if (sink != nullptr && response.status == 200) {
      sink->write(response.body);
      response.body.clear();
    }
    return response;
  }

  Error answer_error(const HttpResponse& response, std::string_view subject, const ObjectUrl& url) const override {
    return Error{ErrorCode::not_found, fmt::format("HTTP {} for '{}' in {}", response.status, subject, url.bucket),
                 "h"};
  }

  std::string_view range_header() const override { return "range"; }

  std::optional<core::Md5> head_md5(const HttpResponse& head) const override { return md5_in(head, "x-md5"); }

  std::optional<core::Md5> stated_md5(const HttpResponse& ranged) const override {
    return md5_in(ranged, "x-whole-md5");
  }

  static std::optional<core::Md5> md5_in(const HttpResponse& response, std::string_view name) {
    auto hex = response.header(name);
    if (!hex) return std::nullopt;
    auto md5 = core::Md5::from_hex(*hex);
    if (!md5) return std::nullopt;
    return *md5;
  }
};

TEST(ObjectStoreFileSystemTest, StatSendsAHeadAndReadsSizeTimeAndMd5) {
  FakeObjectStore store;
  auto md5 = core::md5_of("abc");
  store.m_answer.status = 200;
  store.m_answer.headers = {{"content-length", "3"}, {"x-md5", md5.hex()}};
  auto info = store.stat("s3://b/k.jpg");
  ASSERT_OK(info);
  EXPECT_EQ(info->path, "s3://b/k.jpg");
  EXPECT_EQ(info->size, 3u);
  EXPECT_EQ(info->content_md5, md5);
  EXPECT_EQ(store.m_requests, (std::vector<std::string>{"HEAD b/k.jpg"}));
}

TEST(ObjectStoreFileSystemTest, HashTakesTheMd5TheHeadStates) {
  FakeObjectStore store;
  auto md5 = core::md5_of("abc");
  store.m_answer.status = 200;
  store.m_answer.headers = {{"x-md5", md5.hex()}};
  auto hash = store.hash("s3://b/k");
  ASSERT_OK(hash);
  EXPECT_EQ(*hash, md5);
  EXPECT_EQ(store.m_requests, (std::vector<std::string>{"HEAD b/k"}));
}

TEST(ObjectStoreFileSystemTest, HashWithHeadSendsOneRangedGetInTheBackendsHeader) {
  FakeObjectStore store;
  auto whole = core::md5_of("abcdefgh");
  store.m_answer.status = 206;
  store.m_answer.body = "abcd";
  store.m_answer.headers = {{"content-range", "bytes 0-3/8"}, {"x-whole-md5", whole.hex()}};
  auto hashed = store.hash_with_head("s3://b/k", 4);
  ASSERT_OK(hashed);
  EXPECT_EQ(hashed->hash, whole);
  EXPECT_EQ(hashed->head, "abcd");
  EXPECT_EQ(store.m_requests, (std::vector<std::string>{"GET b/k range=bytes=0-3"}));
}

TEST(ObjectStoreFileSystemTest, ReadAndCopyFailWithTheBackendsErrors) {
  FakeObjectStore store;
  store.m_answer.status = 404;
  auto body = store.read("s3://b/k");
  ASSERT_FALSE(body.has_value());
  EXPECT_EQ(body.error().message, "HTTP 404 for 's3://b/k' in b");
  ldb::testing::TempDir dir;
  auto bucket_only = store.copy_to("s3://b", dir.path() / "x");
  ASSERT_FALSE(bucket_only.has_value());
  EXPECT_EQ(bucket_only.error().message, "'s3://b' names a bucket");
  EXPECT_EQ(store.m_requests.size(), 1u);  // the bucket-only path sent nothing
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

TEST(ObjectStoreFileSystemTest, ReadReturnsTheBody) {
  FakeObjectStore store;
  store.m_answer.status = 200;
  store.m_answer.body = "payload";
  auto body = store.read("s3://b/k");
  ASSERT_OK(body);
  EXPECT_EQ(*body, "payload");
  EXPECT_EQ(store.m_requests, (std::vector<std::string>{"GET b/k"}));
}

}  // namespace
}  // namespace ldb::storage

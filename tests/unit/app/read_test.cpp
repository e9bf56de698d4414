// Reading objects for front ends (src/app/read.cpp): one object checked
// against its MD5, full-size decoding, and the Prefetcher's order, bounds,
// errors and shutdown.

#include "app/read.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include "codec_support.hpp"
#include "test_support.hpp"

namespace ldb::app {
namespace {

using ldb::testing::TempDir;

class ReadTest : public ::testing::Test {
 protected:
  ReadTest() {
    m_context.env.set("HOME", (m_dir.path() / "home").string());
    m_context.env.set("LDB_CACHE_DIR", "none");
    m_context.cwd = m_dir.path();
  }

  // An object of `count` files data/N.bin holding "object N" (and `extra`
  // bytes), each with its one path.
  struct Object {
    core::Md5 hash;
    std::vector<std::string> paths;
    std::string bytes;
    ObjectLocation location() const { return {hash, paths}; }
  };
  Object write_object(const std::string& name, std::string bytes) {
    auto path = m_dir.write("data/" + name, bytes);
    return Object{core::md5_of(bytes), {path.string()}, std::move(bytes)};
  }
  std::vector<Object> write_objects(std::size_t count) {
    std::vector<Object> objects;
    for (std::size_t i = 0; i < count; ++i) {
      objects.push_back(write_object(std::to_string(i) + ".bin", "object " + std::to_string(i)));
    }
    return objects;
  }
  static Prefetcher::Locate locate_in(const std::vector<Object>& objects) {
    return [&objects](std::size_t i) { return objects[i].location(); };
  }

  TempDir m_dir;
  Context m_context;
};

TEST_F(ReadTest, ReadsTheBytesOfAnObject) {
  Session session(m_context);
  auto object = write_object("a.bin", "bytes of a");
  auto bytes = read_object(session, object.location());
  ASSERT_OK(bytes);
  EXPECT_EQ(*bytes, "bytes of a");
}

// `result` failed with `code`, naming the object and its path, with the hint to index again.
template <class T>
void expect_names_object(const Result<T>& result, ErrorCode code, const core::Md5& hash, const std::string& path) {
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, code);
  EXPECT_NE(result.error().message.find("id:" + hash.hex()), std::string::npos) << result.error().message;
  EXPECT_NE(result.error().message.find(path), std::string::npos) << result.error().message;
  EXPECT_NE(result.error().hint.find("ldb index"), std::string::npos) << result.error().hint;
}

TEST_F(ReadTest, AVanishedFileIsNotFoundNamingTheObjectAndThePath) {
  Session session(m_context);
  auto object = write_object("gone.bin", "soon gone");
  std::filesystem::remove(object.paths[0]);
  expect_names_object(read_object(session, object.location()), ErrorCode::not_found, object.hash, object.paths[0]);
}

TEST_F(ReadTest, AFileChangedSinceIndexingIsCorruptionNamingTheObjectAndThePath) {
  Session session(m_context);
  auto object = write_object("changed.bin", "as indexed");
  m_dir.write("data/changed.bin", "edited later");
  expect_names_object(read_object(session, object.location()), ErrorCode::corruption, object.hash, object.paths[0]);
}

TEST_F(ReadTest, TheNextPathIsReadWhenTheFirstIsGone) {
  Session session(m_context);
  auto object = write_object("first.bin", "twice stored");
  object.paths.push_back(m_dir.write("data/second.bin", "twice stored").string());
  std::filesystem::remove(object.paths[0]);
  auto bytes = read_object(session, object.location());
  ASSERT_OK(bytes);
  EXPECT_EQ(*bytes, "twice stored");
}

TEST_F(ReadTest, AnObjectWithoutPathsIsNotFound) {
  Session session(m_context);
  auto bytes = read_object(session, ObjectLocation{core::md5_of("x"), {}});
  ASSERT_FALSE(bytes);
  EXPECT_EQ(bytes.error().code, ErrorCode::not_found);
  EXPECT_NE(bytes.error().message.find(core::md5_of("x").hex()), std::string::npos);
}

TEST_F(ReadTest, ReadsFromManyThreadsAtOnce) {
  Session session(m_context);
  auto objects = write_objects(200);
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (std::size_t i = t; i < objects.size(); i += 3) {
        auto bytes = read_object(session, objects[i].location());
        if (!bytes || *bytes != objects[i].bytes) ++wrong;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
}

TEST(DecodeImageTest, DecodesAtFullSize) {
  auto picture = image::testing::make_picture(
      5, 3, [](std::uint32_t x, std::uint32_t y) { return (x * 40) << 16 | (y * 80) << 8 | (x + y); });
  auto pixels = decode_image(image::testing::encode_png(picture), "pic.png");
  ASSERT_OK(pixels);
  EXPECT_EQ(pixels->width, 5u);
  EXPECT_EQ(pixels->height, 3u);
  EXPECT_EQ(pixels->data, picture.rgb);
}

TEST(DecodeImageTest, AppliesTheExifOrientationAndKeepsLargePhotosWhole) {
  auto picture = image::testing::make_picture(640, 360, [](std::uint32_t x, std::uint32_t) { return x << 8; });
  auto rotated = decode_image(image::testing::encode_jpeg(picture, {.orientation = 6}), "rotated.jpg");
  ASSERT_OK(rotated);
  EXPECT_EQ(rotated->width, 360u);
  EXPECT_EQ(rotated->height, 640u);
  EXPECT_EQ(rotated->data.size(), std::size_t{640} * 360 * 3);
}

TEST(DecodeImageTest, AFileThatDoesNotDecodeNamesTheSubject) {
  auto pixels = decode_image("not an image", "id:0123 (a.jpg)");
  ASSERT_FALSE(pixels);
  EXPECT_EQ(pixels.error().code, ErrorCode::unsupported);
  EXPECT_NE(pixels.error().message.find("id:0123 (a.jpg)"), std::string::npos) << pixels.error().message;
  auto truncated = image::testing::encode_jpeg(image::testing::make_picture(64, 64, [](auto x, auto) { return x; }));
  truncated.resize(truncated.size() / 2);
  pixels = decode_image(truncated, "half.jpg");
  ASSERT_FALSE(pixels);
  EXPECT_EQ(pixels.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(pixels.error().message.find("half.jpg"), std::string::npos) << pixels.error().message;
}

TEST_F(ReadTest, PrefetcherHandsBackEveryObjectInOrder) {
  Session session(m_context);
  auto objects = write_objects(100);
  for (unsigned depth : {1u, 4u, 300u}) {
    Prefetcher prefetcher(session, objects.size(), locate_in(objects), {.depth = depth});
    for (std::size_t i = 0; i < objects.size(); ++i) {
      auto item = prefetcher.next();
      ASSERT_TRUE(item);
      EXPECT_EQ(item->position, i);
      ASSERT_OK(item->value);
      EXPECT_EQ(std::get<std::string>(*item->value), objects[i].bytes);
    }
    EXPECT_FALSE(prefetcher.next());
    EXPECT_FALSE(prefetcher.next());
  }
}

TEST_F(ReadTest, PrefetcherReadsAtMostDepthAhead) {
  Session session(m_context);
  auto objects = write_objects(60);
  std::atomic<std::size_t> furthest{0};
  const unsigned depth = 5;
  Prefetcher prefetcher(session, objects.size(),
                        [&](std::size_t i) {
                          std::size_t seen = furthest.load();
                          while (i > seen && !furthest.compare_exchange_weak(seen, i)) {
                          }
                          return objects[i].location();
                        },
                        {.depth = depth});
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_LT(furthest.load(), depth);
  for (std::size_t taken = 1; taken <= objects.size(); ++taken) {
    ASSERT_TRUE(prefetcher.next());
    EXPECT_LT(furthest.load(), taken + depth);
  }
}

TEST_F(ReadTest, PrefetcherDeliversAnErrorInPlaceAndGoesOn) {
  Session session(m_context);
  auto objects = write_objects(20);
  std::filesystem::remove(objects[7].paths[0]);
  Prefetcher prefetcher(session, objects.size(), locate_in(objects), {.depth = 4});
  for (std::size_t i = 0; i < objects.size(); ++i) {
    auto item = prefetcher.next();
    ASSERT_TRUE(item);
    EXPECT_EQ(item->position, i);
    if (i == 7) {
      expect_names_object(item->value, ErrorCode::not_found, objects[7].hash, objects[7].paths[0]);
    } else {
      EXPECT_OK(item->value);
    }
  }
}

TEST_F(ReadTest, PrefetcherDecodesAndNamesWhatDoesNotDecode) {
  Session session(m_context);
  auto picture = image::testing::make_picture(8, 6, [](std::uint32_t x, std::uint32_t y) { return x * y; });
  std::vector<Object> objects{write_object("a.png", image::testing::encode_png(picture)),
                              write_object("b.png", "not a picture"),
                              write_object("c.png", image::testing::encode_png(picture))};
  Prefetcher prefetcher(session, objects.size(), locate_in(objects),
                        {.fetch = {.decode = true}, .depth = 3, .decoders = 1});
  for (std::size_t i = 0; i < objects.size(); ++i) {
    auto item = prefetcher.next();
    ASSERT_TRUE(item);
    if (i == 1) {
      ASSERT_FALSE(item->value);
      EXPECT_NE(item->value.error().message.find("id:" + objects[1].hash.hex()), std::string::npos)
          << item->value.error().message;
      EXPECT_NE(item->value.error().message.find(objects[1].paths[0]), std::string::npos);
      continue;
    }
    ASSERT_OK(item->value);
    const auto& pixels = std::get<Pixels>(*item->value);
    EXPECT_EQ(pixels.width, 8u);
    EXPECT_EQ(pixels.data, picture.rgb);
  }
}

TEST_F(ReadTest, PrefetcherStopsCleanlyMidStreamAndWithNothingToRead) {
  Session session(m_context);
  auto objects = write_objects(500);
  for (int round = 0; round < 20; ++round) {
    Prefetcher prefetcher(session, objects.size(), locate_in(objects), {.depth = 8});
    for (int i = 0; i < round; ++i) ASSERT_TRUE(prefetcher.next());
  }
  Prefetcher empty(session, 0, locate_in(objects), {.depth = 8});
  EXPECT_FALSE(empty.next());
}

}  // namespace
}  // namespace ldb::app

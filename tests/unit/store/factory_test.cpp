// The store factory (src/store/factory.cpp): choosing the backend from the
// instance's config, refusing one this build does not have, and the options
// the front end passes in.

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "store/factory.hpp"
#include "test_support.hpp"

namespace ldb::store {
namespace {

using std::chrono::milliseconds;

TEST(StoreFactoryTest, TheSettingNamesTheBackend) {
  ldb::testing::TempDir dir;
  auto unset = store_config_from(dir.path(), "");
  ASSERT_OK(unset);
  EXPECT_EQ(unset->backend, "sqlite");
  EXPECT_EQ(unset->instance_dir, dir.path());
  EXPECT_TRUE(unset->url.empty());
  auto named = store_config_from(dir.path(), "sqlite");
  ASSERT_OK(named);
  EXPECT_EQ(named->backend, "sqlite");
  auto url = store_config_from(dir.path(), "postgresql://db.example/ldb", {milliseconds(5), Access::read_only});
  ASSERT_OK(url);
  EXPECT_EQ(url->backend, "postgresql");
  EXPECT_EQ(url->url, "postgresql://db.example/ldb");
  EXPECT_EQ(url->instance_dir, dir.path());
  EXPECT_EQ(url->options.busy_timeout, milliseconds(5));
  EXPECT_EQ(url->options.access, Access::read_only);
  for (const char* bad : {"://db.example/ldb", "postgresql://"}) {
    auto refused = store_config_from(dir.path(), bad);
    ASSERT_FALSE(refused.has_value()) << bad;
    EXPECT_EQ(refused.error().code, ErrorCode::invalid_argument);
    EXPECT_NE(refused.error().message.find(bad), std::string::npos) << refused.error().message;
    EXPECT_FALSE(refused.error().hint.empty());
  }
}

TEST(StoreFactoryTest, AnUnknownBackendIsUnsupportedNamingIt) {
  ldb::testing::TempDir dir;
  auto config = store_config_from(dir.path(), "mysql://db.example/ldb");
  ASSERT_OK(config);
  auto expect_unsupported = [](const Error& error) {
    EXPECT_EQ(error.code, ErrorCode::unsupported);
    EXPECT_NE(error.message.find("'mysql'"), std::string::npos) << error.message;
    EXPECT_NE(error.message.find("mysql://db.example/ldb"), std::string::npos) << error.message;
    EXPECT_NE(error.message.find("it supports: sqlite"), std::string::npos) << error.message;
    EXPECT_FALSE(error.hint.empty());
  };
  auto created = create_store(*config);
  ASSERT_FALSE(created.has_value());
  expect_unsupported(created.error());
  auto opened = open_store(*config);
  ASSERT_FALSE(opened.has_value());
  expect_unsupported(opened.error());
  auto checked = check_store(*config);
  ASSERT_FALSE(checked.has_value());
  expect_unsupported(checked.error());
  auto holds = holds_store(*config);
  ASSERT_FALSE(holds.has_value());
  expect_unsupported(holds.error());
  // Nothing was written into the instance folder.
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

TEST(StoreFactoryTest, SqliteRefusesAUrl) {
  ldb::testing::TempDir dir;
  auto config = store_config_from(dir.path(), "sqlite:///elsewhere/ldb.sqlite");
  ASSERT_OK(config);
  EXPECT_EQ(config->backend, "sqlite");
  auto created = create_store(*config);
  ASSERT_FALSE(created.has_value());
  EXPECT_EQ(created.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(created.error().message.find("sqlite:///elsewhere/ldb.sqlite"), std::string::npos);
  EXPECT_FALSE(open_store(*config).has_value());
  EXPECT_FALSE(check_store(*config).has_value());
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

TEST(StoreFactoryTest, HoldsStoreOnceCreated) {
  ldb::testing::TempDir dir;
  auto config = sqlite_store_config(dir.path());
  auto before = holds_store(config);
  ASSERT_OK(before);
  EXPECT_FALSE(*before);
  ASSERT_OK(create_store(config));
  auto after = holds_store(config);
  ASSERT_OK(after);
  EXPECT_TRUE(*after);
  auto again = create_store(config);
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, ErrorCode::already_exists);
}

TEST(StoreFactoryTest, BusyTimeoutFromText) {
  EXPECT_EQ(k_default_busy_timeout, milliseconds(10'000));
  EXPECT_EQ(busy_timeout_from_text(nullptr), k_default_busy_timeout);
  EXPECT_EQ(busy_timeout_from_text(""), k_default_busy_timeout);
  EXPECT_EQ(busy_timeout_from_text("200"), milliseconds(200));
  EXPECT_EQ(busy_timeout_from_text("0"), milliseconds(0));
  EXPECT_EQ(busy_timeout_from_text("3600000"), milliseconds(3'600'000));
  EXPECT_EQ(busy_timeout_from_text(" 1500"), milliseconds(1500));  // as strtol has always read it
  for (const char* bad : {"abc", "-1", "3600001", "5x", "1.5"}) {
    EXPECT_EQ(busy_timeout_from_text(bad), k_default_busy_timeout) << bad;
  }
}

TEST(StoreFactoryTest, BackendsOfThisBuild) {
  auto names = store_backends();
  ASSERT_FALSE(names.empty());
  EXPECT_EQ(names.front(), k_sqlite_backend);
}

}  // namespace
}  // namespace ldb::store

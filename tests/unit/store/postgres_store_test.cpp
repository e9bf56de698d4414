// PostgreSQL only (store_test_support.hpp's LDB_POSTGRES_ONLY): what only a
// server backend does — URLs and logins, databases that are not (or not yet)
// ldb instances, a newer schema, commits that do not wait for each other, and
// roles that may only read. The conformance suite covers the rest.

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "postgres_test_server.hpp"
#include "store_test_support.hpp"

namespace ldb::store {
namespace {

using testing::file;
using testing::StoreTest;

class PostgresStoreTest : public StoreTest {
 protected:
  // A config of this test's instance with another URL.
  StoreConfig with_url(std::string url, StoreOptions options = {}) const {
    auto other = store_config_from(dir(), url, options);
    EXPECT_TRUE(other.has_value()) << ldb::testing::describe(other);
    return other ? *other : StoreConfig{};
  }
  // A new, empty database's config.
  StoreConfig empty_database() const { return with_url(testing::new_postgres_database()); }
};

TEST_P(PostgresStoreTest, AUrlWithAPasswordIsRefusedWithoutShowingIt) {
  for (std::string url : {"postgresql://ldb:s3cret@127.0.0.1:1/db", "postgresql://127.0.0.1:1/db?password=s3cret"}) {
    auto opened = open_store(with_url(url));
    ASSERT_FALSE(opened.has_value()) << url;
    EXPECT_EQ(opened.error().code, ErrorCode::invalid_argument);
    EXPECT_NE(opened.error().message.find("password"), std::string::npos) << opened.error().message;
    EXPECT_EQ(opened.error().message.find("s3cret"), std::string::npos) << opened.error().message;
    EXPECT_NE(opened.error().hint.find(".pgpass"), std::string::npos) << opened.error().hint;
  }
}

TEST_P(PostgresStoreTest, AnUnreachableServerIsOneClearErrorSoon) {
  auto start = std::chrono::steady_clock::now();
  // Port 1 on the loopback: nothing listens there; refused at once.
  auto opened = open_store(with_url("postgresql://ldb@127.0.0.1:1/db"));
  ASSERT_FALSE(opened.has_value());
  EXPECT_EQ(opened.error().code, ErrorCode::io);
  EXPECT_NE(opened.error().message.find("cannot reach PostgreSQL server postgresql://ldb@127.0.0.1:1/db"),
            std::string::npos)
      << opened.error().message;
  EXPECT_EQ(opened.error().message.find('\n'), std::string::npos) << opened.error().message;
  EXPECT_NE(opened.error().hint.find("server runs"), std::string::npos) << opened.error().hint;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(15));
}

TEST_P(PostgresStoreTest, AMissingDatabaseIsNotFound) {
  auto opened = open_store(with_url(config().url + "_missing"));
  ASSERT_FALSE(opened.has_value());
  EXPECT_EQ(opened.error().code, ErrorCode::not_found);
  EXPECT_NE(opened.error().hint.find("createdb"), std::string::npos) << opened.error().hint;
}

TEST_P(PostgresStoreTest, AnUnknownRoleIsARefusedLogin) {
  std::string url = config().url;
  url.replace(url.find("ldb@"), 4, "nobody@");
  auto opened = open_store(with_url(url));
  ASSERT_FALSE(opened.has_value());
  EXPECT_EQ(opened.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(opened.error().message.find("refused the login"), std::string::npos) << opened.error().message;
  EXPECT_NE(opened.error().hint.find(".pgpass"), std::string::npos) << opened.error().hint;
}

TEST_P(PostgresStoreTest, AnEmptyDatabaseHoldsNoInstance) {
  auto empty = empty_database();
  auto opened = open_store(empty);
  ASSERT_FALSE(opened.has_value());
  EXPECT_EQ(opened.error().code, ErrorCode::not_found);
  EXPECT_NE(opened.error().message.find("holds no ldb instance"), std::string::npos) << opened.error().message;
  EXPECT_NE(opened.error().hint.find("ldb init --store"), std::string::npos) << opened.error().hint;
  auto holds = holds_store(empty);
  ASSERT_OK(holds);
  EXPECT_FALSE(*holds);
  EXPECT_TRUE(*holds_store(config()));
}

TEST_P(PostgresStoreTest, ADatabaseOfAnotherProgramIsRefused) {
  auto other = empty_database();
  ASSERT_TRUE(testing::postgres_raw_exec(other.url, "CREATE TABLE invoices(id int)"));
  for (bool create : {false, true}) {
    auto result = create ? create_store(other) : open_store(other);
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, ErrorCode::invalid_argument);
    EXPECT_NE(result.error().message.find("another program"), std::string::npos) << result.error().message;
    EXPECT_NE(result.error().hint.find("createdb"), std::string::npos) << result.error().hint;
  }
  // Nothing was created in it.
  EXPECT_EQ(testing::postgres_raw_int(other.url, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"), 1);
}

TEST_P(PostgresStoreTest, CreatingOverAnInstanceIsAlreadyExists) {
  auto again = create_store(config());
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, ErrorCode::already_exists);
}

TEST_P(PostgresStoreTest, ANewerSchemaIsRefusedWithAHint) {
  ASSERT_TRUE(raw_exec(fmt::format("INSERT INTO ldb_schema_migrations(version, description) VALUES({}, 'future')",
                                   k_schema_version + 1)));
  auto opened = open_again();
  ASSERT_FALSE(opened.has_value());
  EXPECT_EQ(opened.error().code, ErrorCode::unsupported);
  EXPECT_NE(opened.error().message.find(fmt::format("schema version {}, newer than this ldb understands ({})",
                                                    k_schema_version + 1, k_schema_version)),
            std::string::npos)
      << opened.error().message;
  EXPECT_NE(opened.error().hint.find("upgrade ldb"), std::string::npos) << opened.error().hint;
}

TEST_P(PostgresStoreTest, ACommitInProgressDoesNotHoldUpACommitToAnotherDataset) {
  auto other = open_again({std::chrono::milliseconds(200)});
  ASSERT_OK(other);
  std::promise<void> deciding, finish;
  auto finished = finish.get_future().share();
  // One client is in the middle of committing "cats" (its decider waits) ...
  auto slow = std::async(std::launch::async, [&] {
    std::vector<std::string> names{"cats"};
    return store().commit_datasets_decided(
        names,
        [&](const std::vector<std::optional<DatasetVersion>>&) -> Result<std::vector<std::optional<NewVersion>>> {
          deciding.set_value();
          finished.wait();
          return std::vector<std::optional<NewVersion>>{NewVersion{}};
        },
        "slow", "a");
  });
  deciding.get_future().wait();
  // ... while another commits "dogs", and indexes, without waiting for it.
  auto dogs = (*other)->commit_dataset("dogs", {}, 0, "quick", "b");
  auto indexed = (*other)->ingest(std::vector<IndexedFile>{file("/d/a.jpg", "a")}, {});
  finish.set_value();
  EXPECT_OK(dogs);
  EXPECT_OK(indexed);
  auto cats = slow.get();
  ASSERT_OK(cats);
  EXPECT_EQ((*cats)[0]->version, 1u);
}

TEST_P(PostgresStoreTest, ReadOnlyAccessReadsAndRefusesWrites) {
  ingest({file("/d/a.jpg", "a", R"({"v":1})")});
  ASSERT_OK(store().commit_dataset("cats", {{core::md5_of("a"), 1}}, 0, "m", "a"));
  auto reader = open_again({k_default_busy_timeout, Access::read_only});
  ASSERT_OK(reader);
  EXPECT_EQ((*reader)->root_collection()->size(), 1u);
  EXPECT_EQ((*reader)->dataset_log("cats")->size(), 1u);
  auto refused = (*reader)->commit_dataset("cats", {}, 1, "m", "a");
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::io);
  EXPECT_NE(refused.error().message.find("read-only"), std::string::npos) << refused.error().message;
  EXPECT_FALSE((*reader)->check_writable().has_value());
}

TEST_P(PostgresStoreTest, ARoleThatMayOnlyReadGetsAnErrorNamingThePrivilege) {
  ingest({file("/d/a.jpg", "a", R"({"v":1})")});
  std::string role = fmt::format("reader_{}", std::chrono::steady_clock::now().time_since_epoch().count());
  ASSERT_TRUE(
      raw_exec(fmt::format("CREATE ROLE {} LOGIN; GRANT SELECT ON ALL TABLES IN SCHEMA public TO {}", role, role)));
  std::string url = config().url;
  url.replace(url.find("ldb@"), 4, role + "@");
  auto reader = open_store(with_url(url));
  ASSERT_OK(reader);
  EXPECT_EQ((*reader)->root_collection()->size(), 1u);
  auto refused = (*reader)->add_storage_location({"/data", false, {}});
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::io);
  EXPECT_NE(refused.error().message.find("lacks the INSERT privilege on table storage_locations"), std::string::npos)
      << refused.error().message;
  EXPECT_NE(refused.error().hint.find(fmt::format("GRANT INSERT ON TABLE storage_locations TO {}", role)),
            std::string::npos)
      << refused.error().hint;
}

TEST_P(PostgresStoreTest, CheckReportsAMissingCollection) {
  ingest({file("/d/a.jpg", "a")});
  ASSERT_OK(store().commit_dataset("cats", {{core::md5_of("a"), 0}}, 0, "m", "a"));
  ASSERT_TRUE(
      raw_exec("ALTER TABLE dataset_versions DROP CONSTRAINT dataset_versions_collection_hash_fkey; "
               "DELETE FROM collections"));
  auto report = check_store(config());
  ASSERT_OK(report);
  ASSERT_EQ(report->problems.size(), 1u);
  EXPECT_EQ(report->problems[0].where, "dataset ds:cats v1");
  EXPECT_NE(report->problems[0].message.find("is missing"), std::string::npos) << report->problems[0].message;
}

LDB_POSTGRES_ONLY(PostgresStoreTest);

}  // namespace
}  // namespace ldb::store

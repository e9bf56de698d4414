#include "postgres_test_server.hpp"

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string_view>

#include <fmt/format.h>

namespace ldb::store::testing {

namespace {

struct Server {
  std::string url;  // postgresql://ldb@127.0.0.1:PORT (no database)
  std::string unavailable;
  std::string own_dir;  // a cluster this process started ("" when the fixture's)
};

std::string read_url(const std::filesystem::path& dir) {
  std::ifstream in(dir / "url");
  std::string url;
  std::getline(in, url);
  return url;
}

Server start_server() {
  Server server;
  if (const char* dir = std::getenv("LDB_TEST_POSTGRES_DIR"); dir && *dir) {
    server.url = read_url(dir);
    if (server.url.empty()) {
      server.unavailable = fmt::format(
          "the PostgreSQL test cluster in {} did not start (see the ctest fixture "
          "store_postgres_cluster_start)",
          dir);
    }
    return server;
  }
  // Directly under /tmp: the unprivileged user the cluster runs as (when the
  // tests run as root) must reach it.
  char pattern[] = "/tmp/ldb-pg-test-XXXXXX";
  if (!mkdtemp(pattern)) {
    server.unavailable = "cannot make a folder for the PostgreSQL test cluster";
    return server;
  }
  std::string command =
      fmt::format("'{}/tests/support/postgres-cluster.sh' start '{}' >'{}.log' 2>&1", LDB_SOURCE_DIR, pattern, pattern);
  int status = std::system(command.c_str());
  server.url = read_url(pattern);
  if (status != 0 || server.url.empty()) {
    std::ifstream log(std::string(pattern) + ".log");
    std::string first;
    std::getline(log, first);
    server.unavailable = fmt::format("could not start a PostgreSQL test cluster: {}", first);
    std::filesystem::remove_all(pattern);
  } else {
    server.own_dir = pattern;
  }
  std::filesystem::remove(std::string(pattern) + ".log");
  return server;
}

void stop_own_server();

Server& server() {
  static Server s = start_server();
  // Registered once `s` is whole, so that it runs before `s` is destroyed.
  static const bool stops_at_exit = !s.own_dir.empty() && std::atexit(stop_own_server) == 0;
  (void)stops_at_exit;
  return s;
}

void stop_own_server() {
  const auto& s = server();
  std::string command =
      fmt::format("'{}/tests/support/postgres-cluster.sh' stop '{}' >/dev/null 2>&1", LDB_SOURCE_DIR, s.own_dir);
  (void)std::system(command.c_str());
}

// A connection for the test's own SQL; closed on destruction.
struct Raw {
  explicit Raw(const std::string& url) : conn(PQconnectdb(url.c_str())) {
    if (PQstatus(conn) != CONNECTION_OK) ADD_FAILURE() << "cannot connect to " << url << ": " << PQerrorMessage(conn);
    PQsetNoticeProcessor(
        conn, [](void*, const char*) {}, nullptr);
  }
  ~Raw() { PQfinish(conn); }
  Raw(const Raw&) = delete;
  Raw& operator=(const Raw&) = delete;
  bool exec(const std::string& sql) {
    PGresult* result = PQexec(conn, sql.c_str());
    auto status = PQresultStatus(result);
    bool ok = status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
    PQclear(result);
    return ok;
  }
  PGconn* conn;
};

}  // namespace

std::optional<std::string> postgres_unavailable() {
  const auto& s = server();
  if (s.unavailable.empty()) return std::nullopt;
  // CI (scripts/test.sh) must not pass by skipping the PostgreSQL cases.
  if (const char* require = std::getenv("LDB_REQUIRE_POSTGRES"); require && std::string_view(require) == "1") {
    ADD_FAILURE() << s.unavailable << " (LDB_REQUIRE_POSTGRES=1: no skipping)";
  }
  return s.unavailable;
}

std::string new_postgres_database() {
  static std::atomic<int> counter{0};
  std::string name = fmt::format("ldb_test_{}_{}", getpid(), counter++);
  Raw admin(server().url + "/postgres");
  EXPECT_TRUE(admin.exec(fmt::format("CREATE DATABASE {}", name))) << PQerrorMessage(admin.conn);
  return fmt::format("{}/{}", server().url, name);
}

std::int64_t postgres_raw_int(const std::string& url, const std::string& sql) {
  Raw raw(url);
  PGresult* result = PQexec(raw.conn, sql.c_str());
  std::int64_t out = -1;
  if (PQresultStatus(result) == PGRES_TUPLES_OK && PQntuples(result) > 0 && !PQgetisnull(result, 0, 0)) {
    out = std::strtoll(PQgetvalue(result, 0, 0), nullptr, 10);
  }
  PQclear(result);
  return out;
}

bool postgres_raw_exec(const std::string& url, const std::string& sql) { return Raw(url).exec(sql); }

std::shared_ptr<void> postgres_hold_write_lock(const std::string& url) {
  auto raw = std::make_shared<Raw>(url);
  // EXCLUSIVE mode conflicts with every write (ROW EXCLUSIVE) and with no
  // plain read (ACCESS SHARE): what a long write transaction of another
  // client looks like to the tables it touches.
  EXPECT_TRUE(raw->exec("BEGIN")) << PQerrorMessage(raw->conn);
  EXPECT_TRUE(
      raw->exec("DO $$ DECLARE t text; BEGIN FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = "
                "current_schema() LOOP EXECUTE format('LOCK TABLE %I IN EXCLUSIVE MODE', t); END LOOP; END $$"))
      << PQerrorMessage(raw->conn);
  return std::shared_ptr<void>(raw.get(), [raw](void*) mutable {
    raw->exec("ROLLBACK");
    raw.reset();
  });
}

}  // namespace ldb::store::testing

#pragma once
// The PostgreSQL server the store tests run the conformance suite against: a
// throwaway cluster (tests/support/postgres-cluster.sh). Under ctest a fixture
// starts one for the whole run and names its folder in $LDB_TEST_POSTGRES_DIR;
// a test binary run by hand starts its own on first use and stops it at exit.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace ldb::store::testing {

// Why the PostgreSQL tests cannot run (no server binaries, the cluster did
// not start), or nullopt when they can.
std::optional<std::string> postgres_unavailable();

// The URL of a new, empty database on the test server (one per call).
std::string new_postgres_database();

// One integer `sql` returns on `url` (-1 when it fails); runs `sql` (false
// when it fails).
std::int64_t postgres_raw_int(const std::string& url, const std::string& sql);
bool postgres_raw_exec(const std::string& url, const std::string& sql);
// Holds a lock on every table of the instance at `url` that lets readers in
// and keeps writers out, until the handle is destroyed.
std::shared_ptr<void> postgres_hold_write_lock(const std::string& url);

}  // namespace ldb::store::testing

#pragma once
// A thin RAII layer over the SQLite C API: a connection, prepared statements
// and transactions, each turning SQLite result codes into ldb Errors. Internal
// to src/store.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>

#include <sqlite3.h>

#include "core/error.hpp"
#include "store/types.hpp"

namespace ldb::store {

class Statement;

class Database {
 public:
  // Opens (create == yes: creates) the database file, enables WAL, foreign
  // keys and a busy timeout: a write waits up to `busy_timeout` for another
  // connection's lock, then fails with conflict.
  //
  // An existing file is opened read-only when access == read_only or when this
  // process may not write the file or its folder (a teammate's shared
  // instance, a read-only mount). Read-only follows SQLite's rules for WAL
  // databases (https://www.sqlite.org/wal.html, "Read-Only Databases"): with
  // the -shm file present (or creatable) it reads with normal locking and sees
  // what the WAL holds; when the folder is read-only and there is no -shm, it
  // reads the file as immutable, which is exact because then no -wal holds
  // changes (io error naming the -wal file when one does). Every write on a
  // read-only connection fails with read_only_error().
  enum class Create { no, yes };
  static Result<Database> open(const std::filesystem::path& file, Create create, Access access = Access::as_permitted,
                               std::chrono::milliseconds busy_timeout = k_default_busy_timeout);

  Database(Database&& other) noexcept
      : m_db(std::exchange(other.m_db, nullptr)), m_busy_timeout(other.m_busy_timeout) {}
  Database& operator=(Database&& other) noexcept;
  ~Database();

  // Runs one or more statements without results.
  Status exec(std::string_view sql);
  Result<Statement> prepare(std::string_view sql);
  std::int64_t last_insert_rowid() const;
  // Maps the connection's last error to an Error with `what` (SQL text, shown
  // shortened to whole words) as context.
  Error error(int rc, std::string_view what) const;
  // True when the connection cannot write (see open).
  bool read_only() const;
  // What a write on a read-only connection fails with: io, naming the
  // instance folder, with a hint on what still works and how to write.
  Error read_only_error() const;
  sqlite3* handle() const { return m_db; }
  // What open() was given (further connections to the same file use it too).
  std::chrono::milliseconds busy_timeout() const { return m_busy_timeout; }

 private:
  Database(sqlite3* db, std::chrono::milliseconds busy_timeout) : m_db(db), m_busy_timeout(busy_timeout) {}
  static Result<Database> open_read_only(const std::filesystem::path& file, std::chrono::milliseconds busy_timeout);
  sqlite3* m_db;
  std::chrono::milliseconds m_busy_timeout;
};

class Statement {
 public:
  Statement(Statement&& other) noexcept : m_db(other.m_db), m_stmt(std::exchange(other.m_stmt, nullptr)) {}
  Statement& operator=(Statement&&) = delete;
  ~Statement();

  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, std::string_view text);
  Statement& bind_blob(int index, std::span<const std::uint8_t> bytes);
  Statement& bind_blob(int index, std::string_view bytes);
  Statement& bind_null(int index);
  // A separate name: an overload of bind would make bind(i, some_int) ambiguous.
  Statement& bind_double(int index, double value);

  // Steps once: true when a row is available, false when done.
  Result<bool> step();
  // Steps to completion, ignoring rows.
  Status run();
  // Resets for re-execution (bindings kept until rebound).
  void reset();

  std::int64_t column_int(int index) const;
  double column_double(int index) const;
  std::string_view column_text(int index) const;
  std::string_view column_blob(int index) const;
  bool column_is_null(int index) const;

 private:
  friend class Database;
  Statement(const Database* db, sqlite3_stmt* stmt) : m_db(db), m_stmt(stmt) {}
  const Database* m_db;
  sqlite3_stmt* m_stmt;
};

// A read snapshot (BEGIN ... COMMIT) around a method that runs many
// statements: one consistent view of the instance (a concurrent commit is
// seen whole or not at all) and one file lock instead of one per statement.
class ReadTransaction {
 public:
  static Result<ReadTransaction> begin(Database& db);
  ReadTransaction(ReadTransaction&& other) noexcept : m_db(std::exchange(other.m_db, nullptr)) {}
  ReadTransaction& operator=(ReadTransaction&&) = delete;
  ~ReadTransaction();

 private:
  explicit ReadTransaction(Database* db) : m_db(db) {}
  Database* m_db;
};

// A write transaction (BEGIN IMMEDIATE ... COMMIT). Rolls back in the
// destructor unless committed, so every early error return leaves no trace.
// On a read-only connection begin() fails with Database::read_only_error().
class Transaction {
 public:
  static Result<Transaction> begin(Database& db);
  Transaction(Transaction&& other) noexcept : m_db(std::exchange(other.m_db, nullptr)) {}
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();
  Status commit();

 private:
  explicit Transaction(Database* db) : m_db(db) {}
  Database* m_db;
};

}  // namespace ldb::store

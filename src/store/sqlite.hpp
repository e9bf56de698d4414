#pragma once
// A thin RAII layer over the SQLite C API: a connection, prepared statements
// and transactions, each turning SQLite result codes into ldb Errors. Internal
// to src/store.

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>

#include <sqlite3.h>

#include "core/error.hpp"

namespace ldb::store {

class Statement;

class Database {
 public:
  // Opens (create == yes: creates) the database file, enables WAL, foreign
  // keys and a bounded busy timeout.
  enum class Create { no, yes };
  static Result<Database> open(const std::filesystem::path& file, Create create);

  Database(Database&& other) noexcept : m_db(std::exchange(other.m_db, nullptr)) {}
  Database& operator=(Database&& other) noexcept;
  ~Database();

  // Runs one or more statements without results.
  Status exec(std::string_view sql);
  Result<Statement> prepare(std::string_view sql);
  std::int64_t last_insert_rowid() const;
  // Maps the connection's last error to an Error with `what` as context.
  Error error(int rc, std::string_view what) const;
  sqlite3* handle() const { return m_db; }

 private:
  explicit Database(sqlite3* db) : m_db(db) {}
  sqlite3* m_db;
};

class Statement {
 public:
  Statement(Statement&& other) noexcept
      : m_db(other.m_db), m_stmt(std::exchange(other.m_stmt, nullptr)) {}
  Statement& operator=(Statement&&) = delete;
  ~Statement();

  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, std::string_view text);
  Statement& bind_blob(int index, std::span<const std::uint8_t> bytes);
  Statement& bind_blob(int index, std::string_view bytes);
  Statement& bind_null(int index);

  // Steps once: true when a row is available, false when done.
  Result<bool> step();
  // Steps to completion, ignoring rows.
  Status run();
  // Resets for re-execution (bindings kept until rebound).
  void reset();

  std::int64_t column_int(int index) const;
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

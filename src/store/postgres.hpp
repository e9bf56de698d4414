#pragma once
// A thin RAII layer over libpq for the PostgreSQL store: a connection with a
// cache of prepared statements, parameters and results in PostgreSQL's binary
// format, and transactions, each turning libpq's failures into ldb Errors.
// Internal to src/store.
//
// Every query is prepared once per connection (keyed by its text and its
// parameter types) and sent with binary parameters and results: no quoting,
// no text parsing of numbers or bytea. Arrays of hashes and integers travel
// as one parameter (bytea[] / int8[]), so a lookup of a million objects is one
// round trip (`unnest($1::bytea[]) WITH ORDINALITY`), not a million.

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "store/types.hpp"

struct pg_conn;
struct pg_result;

namespace ldb::store {

// A one-dimensional array parameter built element by element (NULLs
// allowed), for the multi-row statements of a batch:
// `INSERT ... SELECT * FROM unnest($1::int8[], $2::text[])`.
class PgArray {
 public:
  // Element type: "int8", "text" or "bytea".
  explicit PgArray(std::string_view type);
  PgArray& add(std::int64_t value);
  PgArray& add(std::string_view text);  // text or bytea, as the element type
  PgArray& add(const Md5& hash);
  PgArray& add_null();
  std::size_t size() const { return m_count; }

 private:
  friend class PgParams;
  PgArray& element(std::string_view bytes);
  unsigned m_type;
  std::size_t m_count = 0;
  bool m_has_null = false;
  std::string m_elements;  // length-prefixed elements, as the binary format has them
};

// The parameters of one query, in order ($1, $2, ...), in binary format.
class PgParams {
 public:
  PgParams& add(std::int64_t value);
  PgParams& add(std::string_view text);
  PgParams& add_bytes(std::string_view bytes);
  PgParams& add_bytes(const Md5& hash);
  PgParams& add_double(double value);
  // NULL of a type: "text", "bytea", "int8" or "float8".
  PgParams& add_null(std::string_view type);
  // Arrays (bytea[] of 16-byte hashes, int8[]), for unnest().
  PgParams& add_hashes(std::span<const Md5> hashes);
  PgParams& add_int_array(std::span<const std::int64_t> values);
  PgParams& add(const PgArray& array);

  std::size_t size() const { return m_types.size(); }

 private:
  friend class PgConnection;
  PgParams& push(unsigned type, std::string bytes, bool is_null = false);
  std::vector<unsigned> m_types;  // type OIDs
  std::vector<std::string> m_values;
  std::vector<char> m_null;
};

// The rows of one query, read in binary format. Column accessors take the
// row and column index; integers may be any of int2/int4/int8/bool.
class PgResult {
 public:
  PgResult() = default;
  explicit PgResult(pg_result* result);
  PgResult(PgResult&&) noexcept = default;
  PgResult& operator=(PgResult&&) noexcept = default;

  int rows() const;
  bool is_null(int row, int column) const;
  std::int64_t integer(int row, int column) const;
  double real(int row, int column) const;
  // Text and bytea values, as stored (no decoding needed in binary format).
  std::string_view text(int row, int column) const;
  Md5 hash(int row, int column) const;  // zero for NULL or a value of another size
  // The number of rows an INSERT, UPDATE or DELETE changed.
  std::uint64_t affected() const;
  pg_result* get() const { return m_result.get(); }

 private:
  struct Free {
    void operator()(pg_result* result) const;
  };
  std::unique_ptr<pg_result, Free> m_result;
};

class PgConnection {
 public:
  // Connects to the database a postgresql:// URL (or libpq connection
  // string) names. Passwords come from libpq's own sources (~/.pgpass,
  // PGPASSWORD, ...). Gives up after about 10 s (unless the URL sets
  // connect_timeout). Errors are one line naming the server (never a
  // password) with a hint: io for an unreachable server, invalid_argument
  // for a refused login, not_found for a missing database.
  //
  // Writes wait at most `busy_timeout` for another client's locks (then
  // conflict, as SQLite's busy timeout); access == read_only makes every
  // transaction read-only.
  static Result<PgConnection> connect(std::string_view url, std::chrono::milliseconds busy_timeout, Access access);

  PgConnection(PgConnection&& other) noexcept;
  PgConnection& operator=(PgConnection&& other) noexcept;
  ~PgConnection();

  // Runs `sql` (prepared and cached on first use) with `params`.
  Result<PgResult> query(std::string_view sql, const PgParams& params = {});
  // query() in two halves, so the caller can work while the server does:
  // send() returns once the statement is sent; receive() waits for its
  // result. Nothing else may use the connection in between.
  Status send(std::string_view sql, const PgParams& params = {});
  Result<PgResult> receive();
  // Runs one or more statements without parameters or results (DDL).
  Status exec(std::string_view sql);
  // Maps the failure `result` reports (nullptr: the connection's) to an Error,
  // with `what` (SQL text, shortened) as context.
  Error error(const pg_result* result, std::string_view what) const;

  bool read_only() const { return m_access == Access::read_only; }
  // What a write on a read-only connection fails with (io, naming the database).
  Error read_only_error() const;
  Error privilege_error(std::string_view what, std::string_view detail) const;
  // True inside a transaction (BEGIN without COMMIT yet).
  bool in_transaction() const;
  // The server as user@host:port/dbname, for messages (no password).
  const std::string& target() const { return m_target; }
  std::chrono::milliseconds busy_timeout() const { return m_busy_timeout; }
  // The libpq connection, for what this layer does not wrap (COPY, in migrate.cpp).
  pg_conn* handle() const { return m_conn; }

 private:
  PgConnection(pg_conn* conn, std::string target, std::chrono::milliseconds busy_timeout, Access access)
      : m_conn(conn), m_target(std::move(target)), m_busy_timeout(busy_timeout), m_access(access) {}
  // The name of the prepared statement for `sql` with `params`' types.
  Result<std::string> prepared(std::string_view sql, const PgParams& params);

  pg_conn* m_conn = nullptr;
  std::string m_target;
  std::string m_pending_sql;  // what send() sent last, for errors
  std::chrono::milliseconds m_busy_timeout;
  Access m_access;
  std::unordered_map<std::string, std::string> m_prepared;  // key -> statement name
};

// A transaction: BEGIN ... COMMIT, rolled back in the destructor unless
// committed. `snapshot` transactions are REPEATABLE READ (one consistent view
// over many statements) and read-only; write transactions are READ COMMITTED
// and fail with read_only_error() on a read-only connection. Inside another
// transaction, begin() does nothing (the outer one decides).
class PgTransaction {
 public:
  enum class Kind { write, snapshot };
  static Result<PgTransaction> begin(PgConnection& conn, Kind kind);
  PgTransaction(PgTransaction&& other) noexcept : m_conn(std::exchange(other.m_conn, nullptr)) {}
  PgTransaction& operator=(PgTransaction&&) = delete;
  ~PgTransaction();
  Status commit();

 private:
  explicit PgTransaction(PgConnection* conn) : m_conn(conn) {}
  PgConnection* m_conn;
};

// The server a URL or connection string names, as user@host:port/dbname
// (libpq's defaults where it names none), without any password.
std::string postgres_target(std::string_view url);
// invalid_argument when the URL is not one libpq understands, or carries a
// password (which belongs in ~/.pgpass or PGPASSWORD, never in the config).
Status check_postgres_url(std::string_view url);

}  // namespace ldb::store

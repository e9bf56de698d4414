#include <algorithm>
#include <cctype>
#include "store/postgres.hpp"

#include <libpq-fe.h>

#include <bit>
#include <cstring>

#include <fmt/format.h>

#include "store/backend_common.hpp"

namespace ldb::store {

namespace {

// Type OIDs (pg_type.oid; fixed since PostgreSQL 7).
constexpr unsigned k_bool = 16, k_bytea = 17, k_int8 = 20, k_int2 = 21, k_int4 = 23, k_text = 25, k_float4 = 700,
                   k_float8 = 701, k_bytea_array = 1001, k_text_array = 1009, k_int8_array = 1016;

static_assert(std::endian::native == std::endian::little, "binary values are converted from network byte order");

template <class T>
std::string big_endian(T value) {
  std::string out(sizeof(T), '\0');
  auto swapped = std::byteswap(value);
  std::memcpy(out.data(), &swapped, sizeof(T));
  return out;
}

void append_int32(std::string& out, std::int32_t value) {
  auto swapped = std::byteswap(static_cast<std::uint32_t>(value));
  out.append(reinterpret_cast<const char*>(&swapped), 4);
}

template <class T>
T read_big_endian(const char* p) {
  T value;
  std::memcpy(&value, p, sizeof(T));
  return std::byteswap(value);
}

// The header of a one-dimensional array in PostgreSQL's binary array format.
std::string array_header(unsigned element_type, std::size_t count, bool has_null = false) {
  std::string out;
  append_int32(out, 1);  // dimensions
  append_int32(out, has_null ? 1 : 0);
  append_int32(out, static_cast<std::int32_t>(element_type));
  append_int32(out, static_cast<std::int32_t>(count));
  append_int32(out, 1);  // lower bound
  return out;
}

unsigned type_of(std::string_view name) {
  if (name == "bytea") return k_bytea;
  if (name == "int8") return k_int8;
  if (name == "float8") return k_float8;
  return k_text;
}

// libpq writes notices (e.g. "relation already exists, skipping") to stderr
// unless told otherwise; library code never prints.
void ignore_notice(void*, const char*) {}

std::string option(const PQconninfoOption* options, std::string_view keyword) {
  for (const auto* o = options; o && o->keyword; ++o) {
    if (keyword == o->keyword && o->val) return o->val;
  }
  return {};
}

}  // namespace

// --- parameters --------------------------------------------------------------

PgParams& PgParams::push(unsigned type, std::string bytes, bool is_null) {
  m_types.push_back(type);
  m_values.push_back(std::move(bytes));
  m_null.push_back(is_null ? 1 : 0);
  return *this;
}

PgParams& PgParams::add(std::int64_t value) { return push(k_int8, big_endian(value)); }
PgParams& PgParams::add(std::string_view text) { return push(k_text, std::string(text)); }
PgParams& PgParams::add_bytes(std::string_view bytes) { return push(k_bytea, std::string(bytes)); }
PgParams& PgParams::add_bytes(const Md5& hash) {
  return push(k_bytea, std::string(reinterpret_cast<const char*>(hash.bytes.data()), hash.bytes.size()));
}
PgParams& PgParams::add_double(double value) { return push(k_float8, big_endian(std::bit_cast<std::int64_t>(value))); }
PgParams& PgParams::add_null(std::string_view type) { return push(type_of(type), {}, true); }

PgParams& PgParams::add_hashes(std::span<const Md5> hashes) {
  std::string out = array_header(k_bytea, hashes.size());
  out.reserve(out.size() + hashes.size() * 20);
  for (const auto& hash : hashes) {
    append_int32(out, 16);
    out.append(reinterpret_cast<const char*>(hash.bytes.data()), 16);
  }
  return push(k_bytea_array, std::move(out));
}

PgParams& PgParams::add_int_array(std::span<const std::int64_t> values) {
  std::string out = array_header(k_int8, values.size());
  out.reserve(out.size() + values.size() * 12);
  for (auto value : values) {
    append_int32(out, 8);
    out += big_endian(value);
  }
  return push(k_int8_array, std::move(out));
}

PgArray::PgArray(std::string_view type) : m_type(type_of(type)) {}

PgArray& PgArray::element(std::string_view bytes) {
  append_int32(m_elements, static_cast<std::int32_t>(bytes.size()));
  m_elements.append(bytes);
  ++m_count;
  return *this;
}

PgArray& PgArray::add(std::int64_t value) { return element(big_endian(value)); }
PgArray& PgArray::add(std::string_view text) { return element(text); }
PgArray& PgArray::add(const Md5& hash) {
  return element(std::string_view(reinterpret_cast<const char*>(hash.bytes.data()), hash.bytes.size()));
}
PgArray& PgArray::add_null() {
  append_int32(m_elements, -1);
  m_has_null = true;
  ++m_count;
  return *this;
}

PgParams& PgParams::add(const PgArray& array) {
  unsigned array_type = array.m_type == k_int8 ? k_int8_array : array.m_type == k_bytea ? k_bytea_array : k_text_array;
  return push(array_type, array_header(array.m_type, array.size(), array.m_has_null) + array.m_elements);
}

// --- results -------------------------------------------------------------------

void PgResult::Free::operator()(pg_result* result) const { PQclear(result); }

PgResult::PgResult(pg_result* result) : m_result(result) {}

int PgResult::rows() const { return m_result ? PQntuples(m_result.get()) : 0; }

bool PgResult::is_null(int row, int column) const { return PQgetisnull(m_result.get(), row, column) != 0; }

std::int64_t PgResult::integer(int row, int column) const {
  if (is_null(row, column)) return 0;
  const char* p = PQgetvalue(m_result.get(), row, column);
  switch (PQftype(m_result.get(), column)) {
    case k_int8:
      return read_big_endian<std::int64_t>(p);
    case k_int4:
      return read_big_endian<std::int32_t>(p);
    case k_int2:
      return read_big_endian<std::int16_t>(p);
    case k_bool:
      return *p != 0;
    default:
      return 0;
  }
}

double PgResult::real(int row, int column) const {
  if (is_null(row, column)) return 0;
  const char* p = PQgetvalue(m_result.get(), row, column);
  if (PQftype(m_result.get(), column) == k_float4) return std::bit_cast<float>(read_big_endian<std::uint32_t>(p));
  if (PQftype(m_result.get(), column) == k_float8) return std::bit_cast<double>(read_big_endian<std::uint64_t>(p));
  return static_cast<double>(integer(row, column));
}

std::string_view PgResult::text(int row, int column) const {
  if (is_null(row, column)) return {};
  return std::string_view(PQgetvalue(m_result.get(), row, column),
                          static_cast<std::size_t>(PQgetlength(m_result.get(), row, column)));
}

Md5 PgResult::hash(int row, int column) const { return md5_from_blob(text(row, column)); }

std::uint64_t PgResult::affected() const {
  const char* n = m_result ? PQcmdTuples(m_result.get()) : "";
  return *n ? std::strtoull(n, nullptr, 10) : 0;
}

// --- connection ----------------------------------------------------------------

std::string postgres_target(std::string_view url) {
  char* err = nullptr;
  PQconninfoOption* options = PQconninfoParse(std::string(url).c_str(), &err);
  PQfreemem(err);
  if (!options) return "(unreadable store URL)";
  std::string user = option(options, "user"), host = option(options, "host"), port = option(options, "port"),
              db = option(options, "dbname");
  PQconninfoFree(options);
  return fmt::format("postgresql://{}{}{}{}/{}", user, user.empty() ? "" : "@", host.empty() ? "localhost" : host,
                     port.empty() ? "" : ":" + port, db);
}

Status check_postgres_url(std::string_view url) {
  char* err = nullptr;
  PQconninfoOption* options = PQconninfoParse(std::string(url).c_str(), &err);
  if (!options) {
    std::string detail = err ? err : "out of memory";
    PQfreemem(err);
    while (!detail.empty() && detail.back() == '\n') detail.pop_back();
    // libpq's message may quote the URL; the URL may hold a password: say
    // only what is wrong with it.
    return fail(ErrorCode::invalid_argument, fmt::format("the store URL is not a PostgreSQL URL ({})", detail),
                "write it as postgresql://USER@HOST:PORT/DATABASE");
  }
  bool has_password = !option(options, "password").empty();
  PQconninfoFree(options);
  if (has_password) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("the store URL {} carries a password, which ldb does not keep in an instance's config",
                            postgres_target(url)),
                "remove it from the URL and put it in ~/.pgpass (or PGPASSWORD) as PostgreSQL clients expect");
  }
  return {};
}

namespace {

// One line out of libpq's message (which may span several).
std::string first_line(std::string_view message) {
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.remove_suffix(1);
  auto nl = message.find('\n');
  if (nl != std::string_view::npos) {
    // "connection to server at ... failed: FATAL:  ..." comes on one line;
    // a second line carries the detail ("Is the server running ...?").
    return std::string(message.substr(0, nl));
  }
  return std::string(message);
}

Error connect_error(std::string_view target, std::string_view message) {
  std::string line = first_line(message);
  auto has = [&](std::string_view s) { return message.find(s) != std::string_view::npos; };
  if (has("password authentication failed") || has("no password supplied") || has("authentication failed") ||
      (has("role \"") && has("does not exist"))) {
    return Error{ErrorCode::invalid_argument, fmt::format("PostgreSQL server {} refused the login: {}", target, line),
                 "check the user in the store URL and its password in ~/.pgpass (or PGPASSWORD)"};
  }
  if (has("database \"") && has("does not exist")) {
    return Error{ErrorCode::not_found, fmt::format("PostgreSQL server {}: {}", target, line),
                 "create the database first (createdb), or correct the store URL"};
  }
  return Error{ErrorCode::io, fmt::format("cannot reach PostgreSQL server {}: {}", target, line),
               "check that the server runs and that the store URL's host and port are right"};
}

}  // namespace

Result<PgConnection> PgConnection::connect(std::string_view url, std::chrono::milliseconds busy_timeout,
                                           Access access) {
  LDB_TRY(check_postgres_url(url));
  std::string target = postgres_target(url);
  std::string dbname(url);
  // connect_timeout first: the URL may override it (later keywords win).
  const char* keywords[] = {"connect_timeout", "fallback_application_name", "dbname", nullptr};
  const char* values[] = {"10", "ldb", dbname.c_str(), nullptr};
  pg_conn* conn = PQconnectdbParams(keywords, values, 1);
  if (!conn) return fail(ErrorCode::internal, "out of memory connecting to PostgreSQL");
  if (PQstatus(conn) != CONNECTION_OK) {
    Error error = connect_error(target, PQerrorMessage(conn));
    PQfinish(conn);
    return std::unexpected(std::move(error));
  }
  PQsetNoticeProcessor(conn, ignore_notice, nullptr);
  PgConnection out(conn, std::move(target), busy_timeout, access);
  // lock_timeout is what SQLite's busy timeout is: how long a statement waits
  // for another client's lock before failing.
  LDB_TRY(out.exec(fmt::format("SET lock_timeout = {}; SET client_min_messages = warning{}", busy_timeout.count(),
                               access == Access::read_only ? "; SET default_transaction_read_only = on" : "")));
  return out;
}

PgConnection::PgConnection(PgConnection&& other) noexcept
    : m_conn(std::exchange(other.m_conn, nullptr)),
      m_target(std::move(other.m_target)),
      m_busy_timeout(other.m_busy_timeout),
      m_access(other.m_access),
      m_prepared(std::move(other.m_prepared)) {}

PgConnection& PgConnection::operator=(PgConnection&& other) noexcept {
  if (this != &other) {
    if (m_conn) PQfinish(m_conn);
    m_conn = std::exchange(other.m_conn, nullptr);
    m_target = std::move(other.m_target);
    m_busy_timeout = other.m_busy_timeout;
    m_access = other.m_access;
    m_prepared = std::move(other.m_prepared);
  }
  return *this;
}

PgConnection::~PgConnection() {
  if (m_conn) PQfinish(m_conn);
}

bool PgConnection::in_transaction() const { return PQtransactionStatus(m_conn) != PQTRANS_IDLE; }

Error PgConnection::read_only_error() const {
  return Error{ErrorCode::io, fmt::format("the instance store {} is opened read-only", m_target),
               "list, query, stats, diff and instantiate still work; run without read-only access to change it"};
}

// "permission denied for table tags" while running `what`: which privilege
// the statement needed on which object, and the GRANT that gives it.
Error PgConnection::privilege_error(std::string_view what, std::string_view detail) const {
  std::string upper(what);
  std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });
  std::string_view object_kind;
  std::string object;
  for (std::string_view kind : {"table", "schema", "sequence", "database"}) {
    auto prefix = fmt::format("permission denied for {} ", kind);
    if (detail.starts_with(prefix)) {
      object_kind = kind;
      object = std::string(detail.substr(prefix.size()));
    }
  }
  std::string privilege = "SELECT";
  if (object_kind == "schema") {
    privilege = "CREATE";
  } else if (object_kind == "sequence") {
    privilege = "USAGE";
  } else if (object_kind == "database") {
    privilege = "CONNECT";
  } else if (upper.find("INSERT") != std::string::npos || upper.starts_with("COPY")) {
    privilege = "INSERT";
  } else if (upper.find("UPDATE") != std::string::npos) {
    privilege = "UPDATE";
  } else if (upper.find("DELETE") != std::string::npos) {
    privilege = "DELETE";
  }
  auto user_end = m_target.find('@');
  auto scheme_end = m_target.find("://");
  std::string role = user_end != std::string::npos && scheme_end != std::string::npos
                         ? m_target.substr(scheme_end + 3, user_end - scheme_end - 3)
                         : std::string("ROLE");
  std::string on(object_kind);
  std::transform(on.begin(), on.end(), on.begin(), [](unsigned char c) { return std::toupper(c); });
  std::string grant = object.empty() ? fmt::format("GRANT {} ... TO {}", privilege, role)
                                     : fmt::format("GRANT {} ON {} {} TO {}", privilege, on, object, role);
  return Error{ErrorCode::io,
               fmt::format("the database role {} lacks the {} privilege{} in the instance store {}", role, privilege,
                           object.empty() ? std::string() : fmt::format(" on {} {}", object_kind, object), m_target),
               fmt::format("ask the database's owner to run: {} (or use a role that has it); reading commands (list, "
                           "query, stats, diff, instantiate) need SELECT only",
                           grant)};
}

Error PgConnection::error(const pg_result* result, std::string_view what) const {
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  std::string sqlstate = state ? state : "";
  std::string detail = first_line(result ? PQresultErrorMessage(result) : PQerrorMessage(m_conn));
  if (detail.starts_with("ERROR:  ")) detail.erase(0, 8);
  if (sqlstate == "55P03") return instance_busy(m_busy_timeout, what);  // lock_not_available
  if (sqlstate == "40001" || sqlstate == "40P01") {                     // serialization failure, deadlock
    return Error{ErrorCode::conflict,
                 fmt::format("another client changed the instance store {} at the same time ({})", m_target, what),
                 "run the command again"};
  }
  if (sqlstate == "25006") return read_only_error();  // read_only_sql_transaction
  if (sqlstate == "42501") return privilege_error(what, detail);  // insufficient_privilege
  if (sqlstate == "22021") {  // character_not_in_repertoire: bytes that are not UTF-8
    return Error{ErrorCode::unsupported,
                 fmt::format("the PostgreSQL instance store {} takes only UTF-8 text: {}", m_target, detail),
                 "a file or folder name that is not valid UTF-8 cannot be indexed into a PostgreSQL instance: rename "
                 "it, or keep such data in a SQLite instance; nothing was changed"};
  }
  if (sqlstate == "53100") {  // disk_full
    return Error{ErrorCode::io, fmt::format("the PostgreSQL server {} is out of disk space ({})", m_target, what),
                 "free some space on the server, then run the command again; nothing was changed"};
  }
  if (sqlstate.starts_with("08") || PQstatus(m_conn) != CONNECTION_OK) {
    return Error{ErrorCode::io, fmt::format("lost the connection to PostgreSQL server {}: {}", m_target, detail),
                 "check the server and the network, then run the command again; nothing was changed"};
  }
  return Error{ErrorCode::internal, fmt::format("PostgreSQL error ({}): {}", what, detail), ""};
}

Status PgConnection::exec(std::string_view sql) {
  PgResult result(PQexec(m_conn, std::string(sql).c_str()));
  auto status = PQresultStatus(result.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    return std::unexpected(error(result.get(), sql_summary(sql)));
  }
  return {};
}

Result<std::string> PgConnection::prepared(std::string_view sql, const PgParams& params) {
  // A statement is prepared once per connection and parameter types.
  std::string key(sql);
  for (auto type : params.m_types) key += fmt::format("\x1f{}", type);
  auto it = m_prepared.find(key);
  if (it == m_prepared.end()) {
    std::string name = fmt::format("ldb_{}", m_prepared.size());
    std::vector<Oid> types(params.m_types.begin(), params.m_types.end());
    PgResult prepared(
        PQprepare(m_conn, name.c_str(), std::string(sql).c_str(), static_cast<int>(types.size()), types.data()));
    if (PQresultStatus(prepared.get()) != PGRES_COMMAND_OK) {
      return std::unexpected(error(prepared.get(), sql_summary(sql)));
    }
    it = m_prepared.emplace(std::move(key), std::move(name)).first;
  }
  return it->second;
}

Result<PgResult> PgConnection::query(std::string_view sql, const PgParams& params) {
  LDB_TRY(send(sql, params));
  return receive();
}

Status PgConnection::send(std::string_view sql, const PgParams& params) {
  LDB_TRY_ASSIGN(auto name, prepared(sql, params));
  std::size_t n = params.size();
  std::vector<const char*> values(n);
  std::vector<int> lengths(n);
  std::vector<int> formats(n, 1);
  for (std::size_t i = 0; i < n; ++i) {
    values[i] = params.m_null[i] ? nullptr : params.m_values[i].data();
    lengths[i] = static_cast<int>(params.m_values[i].size());
  }
  m_pending_sql = sql_summary(sql);
  if (PQsendQueryPrepared(m_conn, name.c_str(), static_cast<int>(n), values.data(), lengths.data(), formats.data(),
                          1) != 1) {
    return std::unexpected(error(nullptr, m_pending_sql));
  }
  return {};
}

Result<PgResult> PgConnection::receive() {
  // One result per statement, then nullptr; an error result is kept over
  // what follows it.
  PgResult result(PQgetResult(m_conn));
  while (pg_result* more = PQgetResult(m_conn)) PQclear(more);
  auto status = PQresultStatus(result.get());
  if (!result.get() || (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)) {
    return std::unexpected(error(result.get(), m_pending_sql));
  }
  return result;
}

// --- transactions ----------------------------------------------------------------

Result<PgTransaction> PgTransaction::begin(PgConnection& conn, Kind kind) {
  if (conn.in_transaction()) return PgTransaction(nullptr);
  if (kind == Kind::write && conn.read_only()) return std::unexpected(conn.read_only_error());
  LDB_TRY(conn.exec(kind == Kind::write ? "BEGIN" : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"));
  return PgTransaction(&conn);
}

PgTransaction::~PgTransaction() {
  if (m_conn) (void)m_conn->exec("ROLLBACK");
}

Status PgTransaction::commit() {
  if (!m_conn) return {};
  auto* conn = std::exchange(m_conn, nullptr);
  auto st = conn->exec("COMMIT");
  if (!st) (void)conn->exec("ROLLBACK");
  return st;
}

}  // namespace ldb::store

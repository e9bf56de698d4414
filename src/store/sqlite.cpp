#include "store/sqlite.hpp"

#include <unistd.h>

#include <cctype>

#include <fmt/format.h>

#include "store/backend_common.hpp"

namespace ldb::store {

namespace {

constexpr const char* k_connection_pragmas =
    "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;";

bool may_write(const std::filesystem::path& file) {
  std::filesystem::path folder = file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
  return ::access(file.c_str(), W_OK) == 0 && ::access(folder.c_str(), W_OK) == 0;
}

// `file` as the path of a SQLite URI: bytes other than unreserved ones and
// '/' are %-escaped, so '?', '#' and '%' in a folder name stay part of it.
std::string uri_path(const std::filesystem::path& file) {
  std::string out;
  for (char c : file.string()) {
    auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '/' || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(c);
    } else {
      out += fmt::format("%{:02X}", u);
    }
  }
  return out;
}

// True when the -wal file beside `file` exists and is not empty: then the
// database file alone is not the whole instance.
bool wal_holds_changes(const std::filesystem::path& file) {
  std::error_code ec;
  auto size = std::filesystem::file_size(std::filesystem::path(file.string() + "-wal"), ec);
  return !ec && size > 0;
}

Error cannot_open(const std::filesystem::path& file, std::string_view detail) {
  return Error{ErrorCode::io, fmt::format("cannot open instance database '{}': {}", file.string(), detail),
               "check that the instance folder exists and is readable"};
}

}  // namespace

Result<Database> Database::open(const std::filesystem::path& file, Create create, Access access,
                                std::chrono::milliseconds busy_timeout) {
  if (create == Create::no && (access == Access::read_only || !may_write(file))) {
    return open_read_only(file, busy_timeout);
  }
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
  if (create == Create::yes) flags |= SQLITE_OPEN_CREATE;
  int rc = sqlite3_open_v2(file.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return fail(ErrorCode::io, fmt::format("cannot open instance database '{}': {}", file.string(), msg),
                "check that the instance folder exists and is readable and writable");
  }
  Database out(db, busy_timeout);
  sqlite3_busy_timeout(db, static_cast<int>(busy_timeout.count()));
  sqlite3_extended_result_codes(db, 1);
  LDB_TRY(out.exec("PRAGMA journal_mode=WAL;"));
  LDB_TRY(out.exec(k_connection_pragmas));
  return out;
}

Result<Database> Database::open_read_only(const std::filesystem::path& file, std::chrono::milliseconds busy_timeout) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return std::unexpected(cannot_open(file, "no such file"));
  // Reading the schema is the first read, which in WAL mode needs the -shm.
  auto attempt = [&](std::string_view parameters, int* read_rc) -> Result<Database> {
    std::string uri = fmt::format("file:{}?{}", uri_path(file), parameters);
    sqlite3* db = nullptr;
    int rc = sqlite3_open_v2(uri.c_str(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
      std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
      sqlite3_close(db);
      return std::unexpected(cannot_open(file, msg));
    }
    Database out(db, busy_timeout);
    sqlite3_busy_timeout(db, static_cast<int>(busy_timeout.count()));
    sqlite3_extended_result_codes(db, 1);
    *read_rc = sqlite3_exec(db, "SELECT count(*) FROM sqlite_master", nullptr, nullptr, nullptr);
    int primary = *read_rc & 0xff;
    if (primary == SQLITE_READONLY || primary == SQLITE_CANTOPEN) {
      return std::unexpected(cannot_open(file, sqlite3_errmsg(db)));
    }
    if (*read_rc != SQLITE_OK) return std::unexpected(out.error(*read_rc, "reading the schema"));
    LDB_TRY(out.exec(k_connection_pragmas));
    return out;
  };
  int rc = SQLITE_OK;
  auto shared = attempt("mode=ro", &rc);
  if (shared) return shared;
  int primary = rc & 0xff;
  // SQLite could neither open nor create the -shm (a read-only folder).
  if (primary != SQLITE_READONLY && primary != SQLITE_CANTOPEN) return shared;
  if (wal_holds_changes(file)) {
    return fail(ErrorCode::io,
                fmt::format("cannot read instance database '{}': its write-ahead log {}-wal holds changes, but there "
                            "is no {}-shm and this user cannot create one in the read-only folder",
                            file.string(), file.filename().string(), file.filename().string()),
                "ask the instance's owner to run any ldb command there (e.g. ldb ds list), which folds the log "
                "into the database");
  }
  return attempt("mode=ro&immutable=1", &rc);
}
Database& Database::operator=(Database&& other) noexcept {
  if (this != &other) {
    if (m_db) sqlite3_close_v2(m_db);
    m_db = std::exchange(other.m_db, nullptr);
  }
  return *this;
}

Database::~Database() {
  if (m_db) sqlite3_close_v2(m_db);
}

bool Database::read_only() const { return m_db && sqlite3_db_readonly(m_db, "main") == 1; }

Error Database::read_only_error() const {
  const char* name = m_db ? sqlite3_db_filename(m_db, "main") : nullptr;
  std::filesystem::path file(name ? name : "");
  std::filesystem::path folder = file.parent_path();
  return Error{ErrorCode::io,
               fmt::format("instance '{}' is read-only: this user cannot write its database {} or its folder",
                           folder.string(), file.filename().string()),
               fmt::format("commands that only read it work (list, eval, diff, ds list, log, show, instantiate into a "
                           "folder of yours); to change it, ask its owner, or copy it: cp -r '{}' DIR, then "
                           "LDB_DIR=DIR ldb ...",
                           folder.string())};
}

Error Database::error(int rc, std::string_view what) const {
  int primary = rc & 0xff;
  std::string detail = m_db ? sqlite3_errmsg(m_db) : sqlite3_errstr(rc);
  if (primary == SQLITE_READONLY && read_only()) return read_only_error();
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) {
    return instance_busy(m_busy_timeout, what);
  }
  if (primary == SQLITE_FULL) {
    return Error{ErrorCode::io, fmt::format("disk full while writing the instance ({})", what),
                 "free some disk space, then run the command again; nothing was changed"};
  }
  if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB) {
    return Error{ErrorCode::corruption, fmt::format("the instance database is damaged ({}): {}", what, detail),
                 "restore the instance from a backup"};
  }
  if (primary == SQLITE_READONLY || primary == SQLITE_CANTOPEN || primary == SQLITE_IOERR || primary == SQLITE_PERM) {
    return Error{ErrorCode::io, fmt::format("cannot write the instance database ({}): {}", what, detail),
                 "check the permissions and free space of the instance folder"};
  }
  return Error{ErrorCode::internal, fmt::format("database error ({}): {}", what, detail), ""};
}

Status Database::exec(std::string_view sql) {
  char* err = nullptr;
  std::string text(sql);
  int rc = sqlite3_exec(m_db, text.c_str(), nullptr, nullptr, &err);
  sqlite3_free(err);
  if (rc != SQLITE_OK) return std::unexpected(error(rc, sql_summary(text)));
  return {};
}

Result<Statement> Database::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(m_db, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) return std::unexpected(error(rc, sql_summary(sql)));
  return Statement(this, stmt);
}

std::int64_t Database::last_insert_rowid() const { return sqlite3_last_insert_rowid(m_db); }

Statement::~Statement() {
  if (m_stmt) sqlite3_finalize(m_stmt);
}

Statement& Statement::bind(int index, std::int64_t value) {
  sqlite3_bind_int64(m_stmt, index, value);
  return *this;
}

Statement& Statement::bind_double(int index, double value) {
  sqlite3_bind_double(m_stmt, index, value);
  return *this;
}

Statement& Statement::bind(int index, std::string_view text) {
  // A default-constructed string_view has a null data(), which SQLite would
  // bind as NULL; text columns are NOT NULL, so bind an empty string instead.
  sqlite3_bind_text(m_stmt, index, text.data() ? text.data() : "", static_cast<int>(text.size()), SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::bind_blob(int index, std::span<const std::uint8_t> bytes) {
  sqlite3_bind_blob(m_stmt, index, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::bind_blob(int index, std::string_view bytes) {
  sqlite3_bind_blob(m_stmt, index, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::bind_null(int index) {
  sqlite3_bind_null(m_stmt, index);
  return *this;
}

Result<bool> Statement::step() {
  int rc = sqlite3_step(m_stmt);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  auto err = m_db->error(rc, sql_summary(sqlite3_sql(m_stmt) ? sqlite3_sql(m_stmt) : ""));
  sqlite3_reset(m_stmt);
  return std::unexpected(std::move(err));
}

Status Statement::run() {
  for (;;) {
    auto row = step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
  }
  reset();
  return {};
}

void Statement::reset() { sqlite3_reset(m_stmt); }

std::int64_t Statement::column_int(int index) const { return sqlite3_column_int64(m_stmt, index); }

double Statement::column_double(int index) const { return sqlite3_column_double(m_stmt, index); }

std::string_view Statement::column_text(int index) const {
  auto* p = reinterpret_cast<const char*>(sqlite3_column_text(m_stmt, index));
  return p ? std::string_view(p, static_cast<std::size_t>(sqlite3_column_bytes(m_stmt, index))) : std::string_view();
}

std::string_view Statement::column_blob(int index) const {
  auto* p = static_cast<const char*>(sqlite3_column_blob(m_stmt, index));
  return p ? std::string_view(p, static_cast<std::size_t>(sqlite3_column_bytes(m_stmt, index))) : std::string_view();
}

bool Statement::column_is_null(int index) const { return sqlite3_column_type(m_stmt, index) == SQLITE_NULL; }

Result<ReadTransaction> ReadTransaction::begin(Database& db) {
  // Inside a write transaction already (or autocommit off): nothing to do.
  if (!sqlite3_get_autocommit(db.handle())) return ReadTransaction(nullptr);
  LDB_TRY(db.exec("BEGIN"));
  return ReadTransaction(&db);
}

ReadTransaction::~ReadTransaction() {
  if (m_db) (void)m_db->exec("COMMIT");
}

Result<Transaction> Transaction::begin(Database& db) {
  if (db.read_only()) return std::unexpected(db.read_only_error());
  LDB_TRY(db.exec("BEGIN IMMEDIATE"));
  return Transaction(&db);
}

Transaction::~Transaction() {
  if (m_db) (void)m_db->exec("ROLLBACK");
}

Status Transaction::commit() {
  auto st = m_db->exec("COMMIT");
  if (!st) return st;
  m_db = nullptr;
  return {};
}

}  // namespace ldb::store

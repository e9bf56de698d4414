#include "store/sqlite_parallel.hpp"

#include <thread>

#include <fmt/format.h>

namespace ldb::store {

namespace {

// Makes a deferred BEGIN take its snapshot now rather than at the first read.
Status take_snapshot(Database& db) {
  auto read = db.prepare("SELECT count(*) FROM meta");
  if (!read) return std::unexpected(read.error());
  auto row = read->step();
  if (!row) return std::unexpected(row.error());
  return {};
}

}  // namespace

Result<SharedSnapshot> share_snapshot(Database& db, unsigned extra) {
  SharedSnapshot out;
  const char* file = sqlite3_db_filename(db.handle(), "main");
  bool in_transaction = sqlite3_get_autocommit(db.handle()) == 0;
  std::optional<Database> lock;
  if (extra > 0 && !in_transaction && file && *file) {
    if (auto opened = Database::open(file, Database::Create::no)) {
      sqlite3_busy_timeout(opened->handle(), 0);
      if (opened->exec("BEGIN IMMEDIATE")) lock.emplace(std::move(*opened));
    }
  }
  auto own = ReadTransaction::begin(db);
  if (!own) return std::unexpected(own.error());
  out.own.emplace(std::move(*own));
  LDB_TRY(take_snapshot(db));
  if (!lock) return out;
  for (unsigned i = 0; i < extra; ++i) {
    auto opened = Database::open(file, Database::Create::no, Access::as_permitted, db.busy_timeout());
    if (!opened) break;
    auto connection = std::make_unique<Database>(std::move(*opened));
    auto snapshot = ReadTransaction::begin(*connection);
    if (!snapshot || !take_snapshot(*connection)) break;
    out.readers.push_back(PinnedReader{std::move(connection), std::move(*snapshot)});
  }
  (void)lock->exec("ROLLBACK");
  return out;
}

std::vector<std::pair<std::int64_t, std::int64_t>> split_id_range(std::int64_t first, std::int64_t last,
                                                                  std::size_t parts) {
  std::vector<std::pair<std::int64_t, std::int64_t>> out;
  const auto n = static_cast<std::int64_t>(parts);
  const std::int64_t width = last >= first ? last - first + 1 : 0;
  for (std::int64_t part = 0; part < n; ++part) {
    if (width == 0) {
      out.emplace_back(1, 0);
      continue;
    }
    std::int64_t begin = first + width * part / n;
    std::int64_t end = part + 1 == n ? last : first + width * (part + 1) / n - 1;
    out.emplace_back(begin, end);
  }
  return out;
}

Status read_id_ranges(
    Database& db, std::string_view table, std::string_view column, std::int64_t split_above, unsigned parts,
    const std::function<Status(Database&, std::pair<std::int64_t, std::int64_t>, std::size_t)>& read_part) {
  auto ids = id_range(db, table, column);
  if (!ids) return std::unexpected(ids.error());
  auto shared = share_snapshot(db, ids->second - ids->first >= split_above && parts > 1 ? parts - 1 : 0);
  if (!shared) return std::unexpected(shared.error());
  ids = id_range(db, table, column);  // again, now on the shared snapshot
  if (!ids) return std::unexpected(ids.error());
  auto ranges = split_id_range(ids->first, ids->second, shared->readers.size() + 1);
  std::vector<Status> outcomes(ranges.size());
  {
    std::vector<std::jthread> threads;
    for (std::size_t i = 1; i < ranges.size(); ++i) {
      threads.emplace_back([&, i] { outcomes[i] = read_part(*shared->readers[i - 1].connection, ranges[i], i); });
    }
    outcomes[0] = read_part(db, ranges[0], 0);
  }
  for (auto& outcome : outcomes) LDB_TRY(outcome);
  return {};
}

Result<std::pair<std::int64_t, std::int64_t>> id_range(Database& db, std::string_view table, std::string_view column) {
  // Two subqueries: SQLite answers a lone min() or max() from the index end,
  // but both in one SELECT with a full scan.
  auto range = db.prepare(fmt::format("SELECT (SELECT min({1}) FROM {0}), (SELECT max({1}) FROM {0})", table, column));
  if (!range) return std::unexpected(range.error());
  auto row = range->step();
  if (!row) return std::unexpected(row.error());
  if (!*row || range->column_is_null(0)) return std::pair<std::int64_t, std::int64_t>{1, 0};
  return std::pair{range->column_int(0), range->column_int(1)};
}

}  // namespace ldb::store

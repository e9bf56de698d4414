#pragma once
// Splitting one large read over threads: connections of their own whose read
// transactions all see one snapshot. Debian's SQLite has no sqlite3_snapshot
// API, so they are begun while a further connection holds the write lock
// (BEGIN IMMEDIATE, without waiting), when no commit can come between them.
// Internal to src/store.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "store/sqlite.hpp"

namespace ldb::store {

// A further connection in a read transaction on the shared snapshot.
struct PinnedReader {
  std::unique_ptr<Database> connection;  // declared first: outlives the transaction
  ReadTransaction snapshot;
};

struct SharedSnapshot {
  std::optional<ReadTransaction> own;  // `db`'s read transaction, already on the snapshot
  std::vector<PinnedReader> readers;   // 0 to `extra` further connections on the same one
};

// Begins a read transaction on `db` that has taken its snapshot, and up to
// `extra` further connections on the same snapshot. Fewer (none) come back
// when the write lock is not free at once (a writer is at work), when `db` is
// inside a transaction of its own (other connections would not see its
// writes), or when a connection cannot be opened; callers then read serially.
Result<SharedSnapshot> share_snapshot(Database& db, unsigned extra);

// Splits the id range [first, last] into `parts` contiguous ranges of about
// equal width; the last ends at `last`. An empty range (last < first) gives
// `parts` empty ranges.
std::vector<std::pair<std::int64_t, std::int64_t>> split_id_range(std::int64_t first, std::int64_t last,
                                                                  std::size_t parts);

// Reads the rows of `table` by id ranges of its integer column `column`:
// read_part(connection, range, part) is called once on `db` with the whole
// range, or — when the range spans at least `split_above` ids and a shared
// snapshot can be had — once per part on threads of their own, part 0 on
// `db`, all on one snapshot, which ends when this returns. The first error
// of a part is returned.
Status read_id_ranges(
    Database& db, std::string_view table, std::string_view column, std::int64_t split_above, unsigned parts,
    const std::function<Status(Database&, std::pair<std::int64_t, std::int64_t>, std::size_t)>& read_part);

// The smallest and largest value of integer column `column` of `table` (each
// from its index end, without a scan); {1, 0} for an empty table.
Result<std::pair<std::int64_t, std::int64_t>> id_range(Database& db, std::string_view table, std::string_view column);

}  // namespace ldb::store

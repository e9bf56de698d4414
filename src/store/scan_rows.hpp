#pragma once
// Placing the rows of a scan of every annotation version (the large-selection
// read behind SqliteStore's and PostgresStore's scan_annotations) into the
// selection they were read for. Internal to src/store.

#include <cstdint>
#include <span>

#include "core/hash_index.hpp"
#include "store/annotation_cursor.hpp"

namespace ldb::store {

// Gives row i of `batch` (added as k_unplaced, of object hashes[i] and
// version versions[i]) its position in `refs` by `position` (ref hash ->
// index), and drops the rows of objects not in refs or pinned to another
// version.
void place_scanned_rows(AnnotationBatch& batch, std::span<const ObjectRef> refs, const core::HashIndex& position,
                        std::span<const Md5> hashes, std::span<const std::uint32_t> versions);

}  // namespace ldb::store

#pragma once
// An ingest in several steps: files are added batch by batch (so `index` can
// write what it has hashed while it hashes the rest) and the whole run is
// committed at once — one transaction, landing whole or not at all.

#include <memory>
#include <span>
#include <vector>

#include "core/error.hpp"
#include "store/types.hpp"

namespace ldb::store {

class Store;

// Begun by Store::begin_ingest. Destroying a session that was not committed
// discards everything added (nothing of it is ever visible). Not thread-safe:
// callers serialize add() and commit() (they may run on different threads in
// turn), and use no other method of the store while the session is alive.
class IngestSession {
 public:
  virtual ~IngestSession() = default;
  // Records files with the rules of Store::ingest. An error leaves the session
  // unusable: destroy it (nothing is written).
  virtual Status add(std::span<const IndexedFile> files) = 0;
  // Commits everything added. IngestResult::refs holds one entry per file, in
  // the order the files were added across every add() call.
  virtual Result<IngestResult> commit() = 0;
};

// A session that keeps the added files in memory and passes them to
// store.ingest() at commit; the default Store::begin_ingest.
std::unique_ptr<IngestSession> make_buffered_ingest(Store& store, const IngestOptions& options);

}  // namespace ldb::store

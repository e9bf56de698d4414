#pragma once
// A shared work queue for scale-out indexing (SPEC section 12): several
// `ldb index` processes, on one machine or many, indexing the same paths of
// one instance share the work through the store. A run's plan is split into
// numbered batches; a worker leases one batch at a time, hashes it, and
// ingests it in ONE transaction that also marks the batch done — only while
// the worker still holds the lease, so a batch lands exactly once. A lease
// expires unless renewed; whoever claims next takes an expired lease over (a
// crashed worker's batch is done by another).
//
// Offered by stores that several processes on several machines write at once
// (PostgreSQL); Store::work_queue() is nullptr for SQLite, whose index runs
// stay one transaction.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>

#include "core/error.hpp"
#include "store/ingest_session.hpp"
#include "store/types.hpp"

namespace ldb::store {

// A run joined or created by WorkQueue::join_run.
struct WorkRun {
  std::int64_t id = 0;
  std::uint32_t batches = 0;  // batch numbers are 0 .. batches-1
  bool created = false;       // this call created it (else it joined a run in progress)
};

// One batch leased to this worker.
struct Lease {
  std::int64_t run = 0;
  std::uint32_t batch = 0;
  // How many times the batch has been leased, this lease included: above 1
  // when an earlier worker's lease expired (it was taken over) or was given back.
  std::int64_t attempt = 0;
};

// Where a run stands.
struct RunProgress {
  std::uint32_t batches = 0;
  std::uint32_t done = 0;
  std::uint32_t leased = 0;  // held by a worker, lease not expired
  bool finished() const { return done == batches; }
};

// Used by one thread at a time, except renew(), which a heartbeat thread may
// call while another thread uses the store (it has a connection of its own).
// Lease times are the server's clock, so workers on machines with different
// clocks agree on what has expired.
class WorkQueue {
 public:
  virtual ~WorkQueue() = default;
  // Joins the unfinished run with `key` (a digest of what the run indexes and
  // how) or, when there is none, creates it with `batches` pending batches.
  // Two workers starting at once create one run. A run whose batches are all
  // done is never joined: the same key then creates a new run.
  virtual Result<WorkRun> join_run(const Md5& key, std::uint32_t batches) = 0;
  // Leases the lowest-numbered batch of `run` that is pending or whose lease
  // has expired, for `duration`, without waiting for batches other workers
  // are claiming (SKIP LOCKED). nullopt when there is none.
  virtual Result<std::optional<Lease>> claim(std::int64_t run, std::chrono::milliseconds duration) = 0;
  // Extends a lease to `duration` from now. conflict when the lease was taken
  // over or the batch is done. Thread-safe with respect to the store.
  virtual Status renew(const Lease& lease, std::chrono::milliseconds duration) = 0;
  // Gives a lease back (after an error) so that another worker may take the
  // batch at once. Does nothing when the lease was taken over.
  virtual Status release(const Lease& lease) = 0;
  // An ingest session (Store::begin_ingest) whose commit() also marks the
  // batch done, in the same transaction, when `lease` still holds; when it
  // was taken over, commit() writes nothing and fails with conflict. The
  // store may not be used otherwise while the session is alive.
  virtual Result<std::unique_ptr<IngestSession>> begin_batch(const Lease& lease, const IngestOptions& options) = 0;
  // How far `run` has come (a run that no longer exists counts as finished).
  virtual Result<RunProgress> progress(std::int64_t run) = 0;
};

}  // namespace ldb::store

#include <signal.h>
#include <unistd.h>

#include <cerrno>

#include <mutex>
#include <random>

#include <fmt/format.h>

#include "store/postgres_store.hpp"
#include "store/work_queue.hpp"

// The work queue of scale-out indexing on PostgreSQL (store/work_queue.hpp),
// over the tables index_runs and index_batches (postgres_schema.cpp).
//
// Leases are taken on a connection of the queue's own, each claim one
// autocommitted statement: `SELECT ... FOR UPDATE SKIP LOCKED` picks the
// lowest batch that is pending or whose lease expired, skipping rows another
// worker is claiming at that moment, and the UPDATE around it records the
// new owner, bumps `attempt` and sets the expiry from the server's clock. A
// heartbeat renews through the same connection (under a mutex) while the
// store's own connection is busy with the batch's ingest transaction.
//
// The batch is marked done in that ingest transaction, by an UPDATE that
// matches only while `attempt` is still this worker's: a worker whose lease
// expired and was taken over updates no row, and its whole batch rolls back.
// Whichever of the two commits first wins; the other's claim or completion
// sees the batch leased anew or done. A lease whose owner is a process of
// this host that no longer exists expires at the next claim, so that a rerun
// after a crash need not wait for it.

namespace ldb::store {

namespace {

// Creating a run takes this transaction-scoped advisory lock on the run key,
// so that two workers starting at once create one run.
constexpr std::int64_t k_run_lock = 7160523;

std::string host_name() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return host;
}

std::string worker_name(const std::string& host) {
  std::random_device random;
  return fmt::format("{}:{}:{:08x}", host, static_cast<long>(getpid()), random());
}

// True when `owner` (host:pid:random) names a process of this host that no
// longer exists. A reused pid reads as alive: that lease then just expires.
bool dead_here(std::string_view owner, std::string_view host) {
  if (!owner.starts_with(host) || owner.size() <= host.size() || owner[host.size()] != ':') return false;
  auto rest = owner.substr(host.size() + 1);
  long pid = 0;
  for (char c : rest.substr(0, rest.find(':'))) {
    if (c < '0' || c > '9') return false;
    pid = pid * 10 + (c - '0');
  }
  return pid > 0 && kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
}

std::int64_t millis(std::chrono::milliseconds duration) { return static_cast<std::int64_t>(duration.count()); }

// The session of one batch: the store's ingest session inside a transaction
// of its own, which commit() ends by marking the batch done.
class BatchIngestSession final : public IngestSession {
 public:
  BatchIngestSession(PgConnection& conn, PgTransaction txn, std::unique_ptr<IngestSession> ingest, const Lease& lease)
      : m_conn(conn), m_txn(std::move(txn)), m_ingest(std::move(ingest)), m_lease(lease) {}

  Status add(std::span<const IndexedFile> files) override { return m_ingest->add(files); }

  Result<IngestResult> commit() override {
    // Inside m_txn, the ingest session's own transaction is a part of it: its
    // commit writes the last rows, the COMMIT is ours.
    LDB_TRY_ASSIGN(auto result, m_ingest->commit());
    PgParams params;
    params.add(m_lease.run).add(std::int64_t{m_lease.batch}).add(m_lease.attempt);
    LDB_TRY_ASSIGN(auto done, m_conn.query("UPDATE index_batches SET state = 'done', done_at = clock_timestamp(), "
                                           "expires_at = NULL WHERE run_id = $1 AND batch = $2 AND attempt = $3 "
                                           "AND state = 'leased'",
                                           params));
    if (done.affected() == 0) {
      return fail(ErrorCode::conflict,
                  fmt::format("index batch {} was taken over by another worker after this one's lease expired; "
                              "its work was not recorded",
                              m_lease.batch),
                  "the other worker indexes it; nothing is lost");
    }
    LDB_TRY(m_txn.commit());
    return result;
  }

 private:
  PgConnection& m_conn;
  PgTransaction m_txn;  // declared before m_ingest: destroyed (rolled back) after it
  std::unique_ptr<IngestSession> m_ingest;
  Lease m_lease;
};

class PostgresWorkQueue final : public WorkQueue {
 public:
  PostgresWorkQueue(PostgresStore& store, PgConnection leases)
      : m_store(store), m_leases(std::move(leases)), m_host(host_name()), m_owner(worker_name(m_host)) {}

  Result<WorkRun> join_run(const Md5& key, std::uint32_t batches) override {
    std::lock_guard lock(m_mutex);
    LDB_TRY_ASSIGN(auto txn, PgTransaction::begin(m_leases, PgTransaction::Kind::write));
    PgParams key_param;
    key_param.add_bytes(key);
    LDB_TRY(m_leases.query(fmt::format("SELECT pg_advisory_xact_lock({}, hashtext(encode($1, 'hex')))", k_run_lock),
                           key_param));
    LDB_TRY_ASSIGN(auto open, m_leases.query("SELECT r.id, r.batches FROM index_runs r WHERE r.key = $1 AND "
                                             "EXISTS (SELECT 1 FROM index_batches b WHERE b.run_id = r.id AND "
                                             "b.state <> 'done') ORDER BY r.id DESC LIMIT 1",
                                             key_param));
    if (open.rows() == 1) {
      WorkRun run{open.integer(0, 0), static_cast<std::uint32_t>(open.integer(0, 1)), false};
      LDB_TRY(txn.commit());
      return run;
    }
    // Finished runs of this key, and any finished a week ago, are history.
    LDB_TRY(
        m_leases.query("DELETE FROM index_runs r WHERE (r.key = $1 OR r.created_at < now() - interval '7 days') "
                       "AND NOT EXISTS (SELECT 1 FROM index_batches b WHERE b.run_id = r.id AND "
                       "b.state <> 'done')",
                       key_param));
    PgParams params;
    params.add_bytes(key).add(std::int64_t{batches});
    LDB_TRY_ASSIGN(auto created,
                   m_leases.query("INSERT INTO index_runs(key, batches) VALUES($1, $2) RETURNING id", params));
    WorkRun run{created.integer(0, 0), batches, true};
    PgParams rows;
    rows.add(run.id).add(std::int64_t{batches});
    LDB_TRY(m_leases.query("INSERT INTO index_batches(run_id, batch) SELECT $1, generate_series(0, $2 - 1)", rows));
    LDB_TRY(txn.commit());
    return run;
  }

  Result<std::optional<Lease>> claim(std::int64_t run, std::chrono::milliseconds duration) override {
    std::lock_guard lock(m_mutex);
    LDB_TRY(expire_dead_owners(run));
    PgParams params;
    params.add(run).add(std::string_view(m_owner)).add(millis(duration));
    LDB_TRY_ASSIGN(auto rows, m_leases.query("WITH next AS (SELECT batch FROM index_batches WHERE run_id = $1 AND "
                                             "(state = 'pending' OR (state = 'leased' AND expires_at < "
                                             "clock_timestamp())) ORDER BY batch LIMIT 1 FOR UPDATE SKIP LOCKED) "
                                             "UPDATE index_batches b SET state = 'leased', owner = $2, attempt = "
                                             "b.attempt + 1, expires_at = clock_timestamp() + $3::float8 * "
                                             "interval '1 millisecond' FROM next WHERE b.run_id = $1 AND b.batch = "
                                             "next.batch RETURNING b.batch, b.attempt",
                                             params));
    if (rows.rows() == 0) return std::nullopt;
    return Lease{run, static_cast<std::uint32_t>(rows.integer(0, 0)), rows.integer(0, 1)};
  }

  Status renew(const Lease& lease, std::chrono::milliseconds duration) override {
    std::lock_guard lock(m_mutex);
    PgParams params;
    params.add(lease.run).add(std::int64_t{lease.batch}).add(lease.attempt).add(millis(duration));
    LDB_TRY_ASSIGN(auto rows, m_leases.query("UPDATE index_batches SET expires_at = clock_timestamp() + $4::float8 "
                                             "* interval '1 millisecond' WHERE run_id = $1 AND batch = $2 AND "
                                             "attempt = $3 AND state = 'leased'",
                                             params));
    if (rows.affected() == 0) {
      return fail(ErrorCode::conflict,
                  fmt::format("the lease on index batch {} was lost (taken over or done)", lease.batch));
    }
    return {};
  }

  Status release(const Lease& lease) override {
    std::lock_guard lock(m_mutex);
    PgParams params;
    params.add(lease.run).add(std::int64_t{lease.batch}).add(lease.attempt);
    LDB_TRY(
        m_leases.query("UPDATE index_batches SET state = 'pending', expires_at = NULL WHERE run_id = $1 AND "
                       "batch = $2 AND attempt = $3 AND state = 'leased'",
                       params));
    return {};
  }

  Result<std::unique_ptr<IngestSession>> begin_batch(const Lease& lease, const IngestOptions& options) override {
    auto& conn = m_store.connection();
    LDB_TRY_ASSIGN(auto txn, PgTransaction::begin(conn, PgTransaction::Kind::write));
    LDB_TRY_ASSIGN(auto ingest, m_store.begin_ingest(options));
    return std::make_unique<BatchIngestSession>(conn, std::move(txn), std::move(ingest), lease);
  }

  Result<RunProgress> progress(std::int64_t run) override {
    std::lock_guard lock(m_mutex);
    LDB_TRY_ASSIGN(auto rows, m_leases.query("SELECT count(*), count(*) FILTER (WHERE state = 'done'), count(*) "
                                             "FILTER (WHERE state = 'leased' AND expires_at >= clock_timestamp()) "
                                             "FROM index_batches WHERE run_id = $1",
                                             PgParams().add(run)));
    return RunProgress{static_cast<std::uint32_t>(rows.integer(0, 0)), static_cast<std::uint32_t>(rows.integer(0, 1)),
                       static_cast<std::uint32_t>(rows.integer(0, 2))};
  }

 private:
  // The leases of workers of this host whose process is gone (killed, crashed)
  // expire now rather than at their time: a rerun after a crash does not wait.
  Status expire_dead_owners(std::int64_t run) {
    PgParams params;
    params.add(run).add(std::string_view(m_owner));
    LDB_TRY_ASSIGN(auto owners, m_leases.query("SELECT DISTINCT owner FROM index_batches WHERE run_id = $1 AND "
                                               "state = 'leased' AND owner <> $2",
                                               params));
    for (int r = 0; r < owners.rows(); ++r) {
      auto owner = owners.text(r, 0);
      if (!dead_here(owner, m_host)) continue;
      PgParams dead;
      dead.add(run).add(owner);
      LDB_TRY(
          m_leases.query("UPDATE index_batches SET expires_at = clock_timestamp() - interval '1 millisecond' "
                         "WHERE run_id = $1 AND owner = $2 AND state = 'leased'",
                         dead));
    }
    return {};
  }

  PostgresStore& m_store;
  std::mutex m_mutex;  // guards m_leases (renew comes from a heartbeat thread)
  PgConnection m_leases;
  std::string m_host;
  std::string m_owner;  // this worker, as index_batches.owner shows it: host:pid:random
};

}  // namespace

Result<WorkQueue*> PostgresStore::work_queue() {
  if (!m_work_queue) {
    LDB_TRY(check_writable());
    LDB_TRY_ASSIGN(auto leases, PgConnection::connect(m_url, m_conn.busy_timeout(), Access::as_permitted));
    m_work_queue = std::make_unique<PostgresWorkQueue>(*this, std::move(leases));
  }
  return m_work_queue.get();
}

}  // namespace ldb::store

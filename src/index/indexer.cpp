// index_paths: scan, plan, decide per file what must be (re)read, do that
// work in parallel and write the results in path order to one ingest session
// (one transaction) while the rest is still being hashed.
//
// Work results go into slots pre-sized to the plan, one per item, so workers
// never share a buffer and the output order is the plan's (sorted by path)
// whatever the scheduling. Errors are kept per item and the first one in path
// order is reported, so a run fails the same way every time.

#include <algorithm>
#include <condition_variable>
#include <future>
#include <iterator>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "core/json.hpp"
#include "index/image_probe.hpp"
#include "index/indexer.hpp"
#include "index/known_paths.hpp"
#include "index/plan.hpp"
#include "index/roots.hpp"
#include "index/scan.hpp"
#include "store/work_queue.hpp"

namespace ldb::index {

namespace {

constexpr std::size_t k_chunk = 32;

struct Work {
  const store::KnownPath* known = nullptr;
  bool hash = false;             // hash the data file
  bool read_annotation = false;  // read and parse the annotation file
  bool ingest = false;           // pass to Store::ingest
};

struct Outcome {
  core::Md5 hash;
  std::optional<store::ImageInfo> image;  // when hashed and the bytes are a known image
  std::string canonical_json;
  std::optional<Error> error;
  bool malformed_annotation = false;  // the error is the annotation's invalid JSON
};

ParallelLoop loop_on(core::ThreadPool& pool) {
  return [&pool](std::size_t n, const std::function<void(std::size_t, std::size_t)>& body) {
    pool.parallel_for(n, k_chunk, [&](std::size_t begin, std::size_t end, unsigned) { body(begin, end); });
  };
}

// Decides the work per item. Derived annotations of unchanged files are
// compared with the stored content in one Store::annotations call.
Result<std::vector<Work>> decide_work(store::Store& store, const Plan& plan, const KnownPaths& known_paths,
                                      const IndexOptions& options) {
  bool tagging = !options.ingest.add_tags.empty();
  std::vector<Work> work(plan.items.size());
  std::vector<std::size_t> derived_candidates;
  for (std::size_t i = 0; i < plan.items.size(); ++i) {
    const auto& item = plan.items[i];
    Work& w = work[i];
    w.known = known_paths.find(item.data->info.path);
    bool same_data = w.known && data_unchanged(*w.known, item.data->info);
    // Objects indexed before image attributes existed are hashed again once
    // to read their header.
    bool probe = same_data && w.known->image_unprobed;
    w.hash = !same_data || probe;
    if (same_data && !probe && item.source == AnnotationSource::derived && w.known->annotation_path.empty() &&
        w.known->annotation_version != 0) {
      derived_candidates.push_back(i);  // settled below
      continue;
    }
    bool same_annotation = same_data && annotation_file_unchanged(*w.known, item);
    w.ingest = !(same_data && same_annotation) || tagging || probe;
    w.read_annotation = w.ingest && item.source == AnnotationSource::file;
  }
  if (!derived_candidates.empty()) {
    std::vector<store::ObjectRef> refs;
    refs.reserve(derived_candidates.size());
    for (auto i : derived_candidates) refs.push_back({work[i].known->hash, work[i].known->annotation_version});
    auto stored = store.annotations(refs);
    if (!stored) return std::unexpected(std::move(stored).error());
    for (std::size_t k = 0; k < derived_candidates.size(); ++k) {
      std::size_t i = derived_candidates[k];
      work[i].ingest = (*stored)[k] != plan.items[i].derived_json || tagging;
    }
  }
  return work;
}

// Hashes and reads what item i needs (its Work) into `out`.
void run_item(storage::FileSystem& fs, const PlannedItem& item, const Work& w, bool features, Outcome& out) {
  if (w.hash) {
    auto probed = hash_and_probe(fs, item.data->info, features);
    if (!probed) {
      out.error = std::move(probed).error();
      return;
    }
    out.hash = probed->hash;
    out.image = std::move(probed->image);
  } else if (w.known) {
    out.hash = w.known->hash;
  }
  if (w.read_annotation) {
    const auto& path = item.annotation_file->info.path;
    auto text = fs.read(path);
    auto canonical = text ? core::canonical_json(*text, path) : std::unexpected(std::move(text).error());
    if (!canonical) {
      out.malformed_annotation = canonical.error().code == ErrorCode::invalid_argument;
      out.error = std::move(canonical).error();
      return;
    }
    out.canonical_json = std::move(*canonical);
  }
}

std::optional<store::FoundAnnotation> found_annotation(const PlannedItem& item, Outcome& outcome) {
  switch (item.source) {
    case AnnotationSource::none:
      return std::nullopt;
    case AnnotationSource::file: {
      const auto& file = item.annotation_file->info;
      return store::FoundAnnotation{file.path, file.size, file.mtime_ns, std::move(outcome.canonical_json)};
    }
    case AnnotationSource::derived:
      return store::FoundAnnotation{"", 0, 0, item.derived_json};
  }
  return std::nullopt;
}

// Opens the ingest session a pipeline writes to.
using BeginSession = std::function<Result<std::unique_ptr<store::IngestSession>>()>;

// The hashing and the store writes of the items [first, last) of a plan,
// overlapped: workers hash chunks in parallel and, whenever a worker
// finishes a chunk and no other worker is writing, it writes every finished
// chunk at the front of the range to the ingest session (in path order). The
// session is one transaction committed at the end; any error discards it
// whole. Counts go to `report`, the objects found to `refs`.
class IngestPipeline {
 public:
  enum class Session {
    when_needed,  // begun for the first file to write (or roots to record), written as hashed
    // Always begun and committed (it records that a batch is done), the
    // files written at commit in hash order: concurrent batches then take
    // object rows in one order and do not deadlock on shared objects.
    batch,
  };

  IngestPipeline(storage::FileSystem& fs, const Plan& plan, const std::vector<Work>& work, std::size_t first,
                 std::size_t last, const IndexOptions& options, BeginSession begin_session, Session when,
                 IndexReport& report, store::Collection& refs)
      : m_fs(fs),
        m_plan(plan),
        m_work(work),
        m_first(first),
        m_last(last),
        m_options(options),
        m_begin_session(std::move(begin_session)),
        m_when(when),
        m_report(report),
        m_refs(refs),
        m_outcomes(last - first),
        m_chunks((last - first + k_chunk - 1) / k_chunk),
        m_hashed(m_chunks, 0) {}

  // Runs everything on the pool; then the caller commits.
  Status run(core::ThreadPool& pool, core::Progress& progress) {
    pool.parallel_for(pool.size(), 1, [&](std::size_t, std::size_t, unsigned) { work_loop(progress); });
    write_finished(Wait::yes);  // chunks finished after the last worker looked
    if (m_failure) return std::unexpected(std::move(*m_failure));
    return {};
  }

  // Commits the session (when anything was written, or the run decided the
  // roots' format, or always) and completes the report.
  Status commit() {
    bool roots = !(m_options.ingest.remember_roots.empty() && m_options.ingest.forget_roots.empty());
    if (m_when == Session::batch && !m_files.empty()) {
      std::stable_sort(m_files.begin(), m_files.end(), [](const auto& a, const auto& b) { return a.hash < b.hash; });
      LDB_TRY(begin_session());
      LDB_TRY(m_session->add(m_files));
      m_files.clear();
    }
    if (!m_session && (roots || m_when == Session::batch)) {
      // Nothing changed on disk, but the run decided the roots' format (or
      // the session records that the batch is done).
      LDB_TRY(begin_session());
    }
    if (m_session) {
      auto ingested = m_session->commit();
      if (!ingested) return std::unexpected(std::move(ingested).error());
      m_report.new_objects += ingested->new_objects;
      m_report.new_annotations += ingested->new_annotations;
      std::move(ingested->current_from_another_path.begin(), ingested->current_from_another_path.end(),
                std::back_inserter(m_report.current_from_another_path));
      m_refs.insert(m_refs.end(), ingested->refs.begin(), ingested->refs.end());
    }
    return {};
  }

 private:
  enum class Wait { no, yes };

  void work_loop(core::Progress& progress) {
    for (;;) {
      std::size_t chunk;
      {
        std::lock_guard lock(m_state_mutex);
        if (m_stop || m_next_chunk == m_chunks) return;
        chunk = m_next_chunk++;
      }
      std::uint64_t done = 0;
      std::size_t end = std::min(m_last, m_first + (chunk + 1) * k_chunk);
      for (std::size_t i = m_first + chunk * k_chunk; i < end; ++i) {
        run_item(m_fs, m_plan.items[i], m_work[i], m_options.features, m_outcomes[i - m_first]);
        if (m_work[i].hash || m_work[i].read_annotation) ++done;
      }
      progress.advance(done);
      {
        std::lock_guard lock(m_state_mutex);
        m_hashed[chunk] = 1;
      }
      write_finished(Wait::no);
    }
  }

  // Writes the finished chunks at the front of the range, unless another
  // worker is writing (Wait::no) — it will take these too.
  void write_finished(Wait wait) {
    std::unique_lock writing(m_write_mutex, std::defer_lock);
    if (wait == Wait::yes) {
      writing.lock();
    } else if (!writing.try_lock()) {
      return;
    }
    for (;;) {
      std::size_t chunk;
      {
        std::lock_guard lock(m_state_mutex);
        if (m_stop || m_written == m_chunks || !m_hashed[m_written]) return;
        chunk = m_written;
      }
      auto written = write_chunk(chunk);
      std::lock_guard lock(m_state_mutex);
      if (!written) {
        m_failure = std::move(written).error();
        m_stop = true;
        return;
      }
      ++m_written;
    }
  }

  // Passes one chunk's files to the session (begun on the first file that
  // needs writing: a re-index of unchanged files writes nothing). Errors stop
  // the run: the first in path order, as chunks are written in order.
  Status write_chunk(std::size_t chunk) {
    std::size_t end = std::min(m_last, m_first + (chunk + 1) * k_chunk);
    if (m_when == Session::when_needed) m_files.clear();
    for (std::size_t i = m_first + chunk * k_chunk; i < end; ++i) {
      const auto& item = m_plan.items[i];
      const Work& w = m_work[i];
      Outcome& outcome = m_outcomes[i - m_first];
      if (outcome.error) {
        if (outcome.malformed_annotation && m_options.bad_annotation == BadAnnotation::skip) {
          m_report.skipped.push_back(std::move(*outcome.error));
          continue;
        }
        return std::unexpected(std::move(*outcome.error));
      }
      ++m_report.data_objects_found;
      if (item.source != AnnotationSource::none) ++m_report.annotations_found;
      if (!w.hash) ++m_report.skipped_unchanged;
      if (outcome.image && outcome.image->features) {
        const auto& features = *outcome.image->features;
        if (features.error.empty()) {
          ++m_report.images_with_features;
        } else {
          m_report.undecodable_images.push_back({item.data->info.path, features.error});
        }
      }
      if (!w.ingest) {
        m_refs.push_back({w.known->hash, w.known->annotation_version});
        continue;
      }
      const auto& data = item.data->info;
      m_files.push_back(store::IndexedFile{data.path, data.size, data.mtime_ns, outcome.hash,
                                           found_annotation(item, outcome), w.hash, std::move(outcome.image)});
    }
    if (m_files.empty() || m_when == Session::batch) return {};  // a batch writes at commit
    LDB_TRY(begin_session());
    LDB_TRY(m_session->add(m_files));
    m_files.clear();
    return {};
  }

  Status begin_session() {
    if (m_session) return {};
    auto session = m_begin_session();
    if (!session) return std::unexpected(std::move(session).error());
    m_session = std::move(*session);
    return {};
  }

  storage::FileSystem& m_fs;
  const Plan& m_plan;
  const std::vector<Work>& m_work;
  const std::size_t m_first;
  const std::size_t m_last;
  const IndexOptions& m_options;
  BeginSession m_begin_session;
  const Session m_when;
  IndexReport& m_report;
  store::Collection& m_refs;
  std::vector<Outcome> m_outcomes;  // one slot per item of the range
  const std::size_t m_chunks;

  std::mutex m_state_mutex;  // guards the fields below up to m_failure
  std::vector<char> m_hashed;
  std::size_t m_next_chunk = 0;
  std::size_t m_written = 0;
  bool m_stop = false;
  std::optional<Error> m_failure;

  std::mutex m_write_mutex;  // held by the one worker writing; guards the fields below
  std::unique_ptr<store::IngestSession> m_session;
  std::vector<store::IndexedFile> m_files;
};

std::uint64_t work_total(const std::vector<Work>& work) {
  std::uint64_t total = 0;
  for (const auto& w : work) total += (w.hash || w.read_annotation) ? 1 : 0;
  return total;
}

IndexReport report_of(Plan& plan) {
  IndexReport report;
  report.format_used = plan.format;
  report.skipped = std::move(plan.skipped);
  report.missing_images = std::move(plan.missing_images);
  report.not_detection = std::move(plan.not_detection);
  return report;
}

// Adds a batch's counts and notes to the run's.
void add_batch(IndexReport& total, IndexReport&& batch) {
  total.data_objects_found += batch.data_objects_found;
  total.new_objects += batch.new_objects;
  total.annotations_found += batch.annotations_found;
  total.new_annotations += batch.new_annotations;
  total.skipped_unchanged += batch.skipped_unchanged;
  total.images_with_features += batch.images_with_features;
  auto append = [](auto& to, auto& from) { std::move(from.begin(), from.end(), std::back_inserter(to)); };
  append(total.undecodable_images, batch.undecodable_images);
  append(total.skipped, batch.skipped);
  append(total.current_from_another_path, batch.current_from_another_path);
}

// What identifies a shared run: the same paths, options and files (path,
// size, mtime of data and annotation) cut into the same batches. Workers that
// see the same plan join one run; a worker that saw files change meanwhile
// starts a run of its own (both then index correctly; ingest is idempotent).
// The roots a run remembers are not part of it: a worker starting after batch
// 0 recorded them finds them remembered (and the same format in the key).
core::Md5 run_key(std::span<const std::string> paths, const Plan& plan, const IndexOptions& options) {
  core::Md5Hasher hasher;
  auto field = [&hasher](std::string_view text) {
    hasher.update(text);
    hasher.update(std::string_view("\0", 1));
  };
  field("ldb index run 1");
  for (const auto& path : paths) field(path);
  field(format_name(plan.format));
  for (const auto& [key, value] : options.params) {
    field(key);
    field(value);
  }
  field(options.ingest.update == store::AnnotationUpdate::merge ? "merge" : "replace");
  for (const auto& tag : options.ingest.add_tags) field(tag);
  field(options.features ? "features" : "no features");
  field(fmt::format("{}", options.share.batch_files));
  for (const auto& item : plan.items) {
    const auto& data = item.data->info;
    field(fmt::format("{} {} {}", data.path, data.size, data.mtime_ns));
    if (item.annotation_file) {
      const auto& file = item.annotation_file->info;
      field(fmt::format("{} {} {}", file.path, file.size, file.mtime_ns));
    }
    field(item.derived_json);
  }
  return hasher.finish();
}

// Renews a lease every third of its duration until destroyed. A failed
// renewal is left to the batch's commit, which then fails as it must.
class Heartbeat {
 public:
  Heartbeat(store::WorkQueue& queue, const store::Lease& lease, std::chrono::milliseconds duration)
      : m_thread([this, &queue, lease, duration] {
          std::unique_lock lock(m_mutex);
          while (!m_cv.wait_for(lock, duration / 3, [this] { return m_stop; })) {
            lock.unlock();
            (void)queue.renew(lease, duration);
            lock.lock();
          }
        }) {}
  Heartbeat(const Heartbeat&) = delete;
  Heartbeat& operator=(const Heartbeat&) = delete;
  ~Heartbeat() {
    {
      std::lock_guard lock(m_mutex);
      m_stop = true;
    }
    m_cv.notify_all();
    m_thread.join();
  }

 private:
  std::mutex m_mutex;
  std::condition_variable m_cv;
  bool m_stop = false;
  std::thread m_thread;  // last: started once the fields above exist
};

// index_pairs through a work queue: leases batches of the plan until the run
// is done (ShareWork).
Result<IndexReport> index_shared(store::WorkQueue& queue, storage::FileSystem& fs, core::ThreadPool& pool,
                                 core::Progress& progress, std::span<const std::string> paths, Plan& plan,
                                 const std::vector<Work>& work, const IndexOptions& options) {
  constexpr int k_tries = 5;
  const auto& share = options.share;
  std::size_t batch_files = std::max<std::size_t>(1, share.batch_files);
  auto batches =
      static_cast<std::uint32_t>(std::max<std::size_t>(1, (plan.items.size() + batch_files - 1) / batch_files));
  LDB_TRY_ASSIGN(auto run, queue.join_run(run_key(paths, plan, options), batches));
  IndexReport report = report_of(plan);
  report.shared = SharedRun{true, !run.created, run.batches, 0, 0, 0};
  // The roots' formats are recorded once, with batch 0, so that concurrent
  // batches do not queue on the same indexed_roots rows.
  IndexOptions first_options = options;
  IndexOptions other_options = options;
  other_options.ingest.remember_roots.clear();
  other_options.ingest.forget_roots.clear();
  store::Collection refs;
  progress.start("indexing", work_total(work));
  for (int tries = 0;;) {
    LDB_TRY_ASSIGN(auto lease, queue.claim(run.id, share.lease));
    if (!lease) {
      LDB_TRY_ASSIGN(auto state, queue.progress(run.id));
      if (state.finished()) break;
      std::this_thread::sleep_for(share.poll);  // others' batches are in flight
      continue;
    }
    const auto& batch_options = lease->batch == 0 ? first_options : other_options;
    std::size_t first = std::min(plan.items.size(), std::size_t{lease->batch} * batch_files);
    std::size_t last = std::min(plan.items.size(), first + batch_files);
    IndexReport batch;
    store::Collection batch_refs;
    auto done = [&]() -> Status {
      Heartbeat heartbeat(queue, *lease, share.lease);
      if (share.batch_pause.count() > 0) std::this_thread::sleep_for(share.batch_pause);
      IngestPipeline pipeline(
          fs, plan, work, first, last, batch_options, [&] { return queue.begin_batch(*lease, batch_options.ingest); },
          IngestPipeline::Session::batch, batch, batch_refs);
      LDB_TRY(pipeline.run(pool, progress));
      return pipeline.commit();
    }();
    if (!done) {
      // A conflict is either the lease lost (another worker has the batch
      // now; nothing of this attempt landed) or another transaction in the
      // way (deadlock, serialization failure): worth another try.
      bool conflict = done.error().code == ErrorCode::conflict;
      if (conflict && !queue.renew(*lease, share.lease)) {
        ++report.shared.lost;
        continue;
      }
      (void)queue.release(*lease);  // another worker may take it at once
      if (conflict && ++tries < k_tries) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50 * tries));  // let the other transaction finish
        continue;
      }
      return std::unexpected(std::move(done).error());
    }
    tries = 0;
    ++report.shared.indexed;
    if (lease->attempt > 1) ++report.shared.taken_over;
    add_batch(report, std::move(batch));
    refs.insert(refs.end(), batch_refs.begin(), batch_refs.end());
  }
  progress.finish();
  report.refs = newest_per_hash(std::move(refs));
  return report;
}

Result<IndexReport> index_pairs(store::Store& store, storage::FileSystem& fs, core::ThreadPool& pool,
                                core::Progress& progress, std::span<const std::string> paths, Plan& plan,
                                Result<KnownPaths> known_paths, const IndexOptions& options) {
  if (!known_paths) return std::unexpected(std::move(known_paths).error());
  LDB_TRY(known_paths->add(store, outside_paths(plan)));
  auto work = decide_work(store, plan, *known_paths, options);
  if (!work) return std::unexpected(std::move(work).error());

  if (options.share.enabled) {
    LDB_TRY_ASSIGN(auto queue, store.work_queue());
    if (queue) return index_shared(*queue, fs, pool, progress, paths, plan, *work, options);
  }
  IndexReport report = report_of(plan);
  store::Collection refs;
  IngestPipeline pipeline(
      fs, plan, *work, 0, plan.items.size(), options, [&] { return store.begin_ingest(options.ingest); },
      IngestPipeline::Session::when_needed, report, refs);
  progress.start("indexing", work_total(*work));
  auto ran = pipeline.run(pool, progress);
  progress.finish();
  LDB_TRY(ran);
  LDB_TRY(pipeline.commit());
  report.refs = newest_per_hash(std::move(refs));
  return report;
}

Result<IndexReport> index_annotation_only(store::Store& store, Plan& plan, const IndexOptions& options) {
  LDB_TRY(check_objects_indexed(store, plan.annotation_only));
  IndexReport report;
  report.format_used = plan.format;
  report.skipped = std::move(plan.skipped);
  std::vector<store::IndexedFile> files;
  for (auto& file : plan.annotation_only) {
    const auto& info = file.file->info;
    for (auto& entry : file.entries) {
      // An empty path tells the store: an annotation for an existing object.
      files.push_back(store::IndexedFile{
          "", 0, 0, entry.object,
          store::FoundAnnotation{info.path, info.size, info.mtime_ns, std::move(entry.canonical_json)}});
    }
  }
  report.annotations_found = files.size();
  if (files.empty() && options.ingest.remember_roots.empty() && options.ingest.forget_roots.empty()) return report;
  auto ingested = store.ingest(files, options.ingest);
  if (!ingested) return std::unexpected(std::move(ingested).error());
  report.new_objects = ingested->new_objects;
  report.new_annotations = ingested->new_annotations;
  report.refs = newest_per_hash(ingested->refs);
  return report;
}

}  // namespace

std::string describe_missing(const MissingImages& missing) {
  constexpr std::size_t k_named = 3;
  std::size_t count = missing.images.size();
  std::string names;
  for (std::size_t i = 0; i < count && i < k_named; ++i) {
    names += fmt::format("{}'{}'", i == 0 ? "" : ", ", missing.images[i].file_name);
  }
  if (count > k_named) names += fmt::format(" and {} more", count - k_named);
  return fmt::format("{} image{} of '{}' skipped: {} not found: {}", count, count == 1 ? "" : "s",
                     missing.annotation_file, count == 1 ? "file" : "files", names);
}

std::string describe_missing_image(std::string_view annotation_file, const MissingImage& image) {
  std::string looked;
  for (const auto& path : image.looked_for) looked += fmt::format("{}'{}'", looked.empty() ? "" : ", ", path);
  return fmt::format("'{}': image id {}: '{}' is not at {}", annotation_file, image.id, image.file_name, looked);
}

Result<IndexReport> index_paths(store::Store& store, storage::FileSystem& fs, core::ThreadPool& pool,
                                core::Progress& progress, std::span<const std::string> paths,
                                const IndexOptions& options) {
  if (paths.empty()) {
    return fail(ErrorCode::invalid_argument, "no paths to index", "give one or more files or folders");
  }
  auto settings = resolve_run(store, paths, options);
  if (!settings) return std::unexpected(std::move(settings).error());
  // What the store knows of these paths is read while the folders are walked
  // (the walk is system calls; this is SQLite): about 15% of an unchanged
  // re-index. Nothing else uses the store until it is joined.
  auto roots = scan_roots(settings->scan_paths);
  auto known_paths = std::async(std::launch::async, [&store, &roots] { return KnownPaths::load(store, roots); });
  auto scan = scan_paths(fs, settings->scan_paths, progress);
  if (!scan) return std::unexpected(std::move(scan).error());
  auto run = plan_run(fs, *settings, std::move(*scan), options, loop_on(pool));
  if (!run) return std::unexpected(std::move(run).error());
  Plan plan = take_merged_plan(*run);
  IndexOptions run_options = options;
  run_options.ingest.remember_roots = std::move(run->remember);
  run_options.ingest.forget_roots = std::move(run->forget);
  auto report = [&]() -> Result<IndexReport> {
    if (plan.format == Format::annotation_only) {
      known_paths.wait();  // done with the store before anything else uses it
      return index_annotation_only(store, plan, run_options);
    }
    return index_pairs(store, fs, pool, progress, paths, plan, known_paths.get(), run_options);
  }();
  if (report) report->formats_used = std::move(run->formats);
  return report;
}

}  // namespace ldb::index

// Instantiation reconciles three views of the target folder: the plan (what
// the format says must be there), the manifest (what ldb wrote last time) and
// the disk (what is there now). Every file on disk is classified as ours
// (listed in the manifest and untouched, or already holding exactly the planned
// bytes) or foreign (unknown, or an ldb file the user changed). Foreign files
// stop the run unless -f, which moves them aside (never deletes them); ours
// are kept when they already match the plan, removed when the plan no longer
// has them, rewritten otherwise. Size and mtime
// decide "untouched" cheaply; only files whose size and mtime disagree with the
// manifest (or files the manifest lacks, e.g. after a crash) are hashed. Removal
// happens before writing so that a stale file never blocks a folder the plan
// needs; writes go to a temporary name and are renamed, so a killed run leaves
// only complete files, which the next run recognizes by content.

#include "formats/instantiate.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <optional>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "formats/hard_link.hpp"
#include "formats/layout.hpp"

namespace ldb::formats {
namespace {

namespace fs_std = std::filesystem;

// Temporary files of generated content start with this (hidden, so never
// mistaken for user files); leftovers of a killed run are deleted by the scan.
constexpr std::string_view k_temp_prefix = ".ldb-tmp-";
constexpr std::size_t k_hash_buffer_bytes = 1 << 20;

struct DiskFile {
  std::string path;  // relative to the target
  bool regular = false;
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;
};

Error io_error(std::string_view what, const fs_std::path& path, int err) {
  return Error{ErrorCode::io, fmt::format("cannot {} '{}': {}", what, path.string(), std::strerror(err)),
               "check the folder's permissions and free space, then run instantiate again"};
}

Result<DiskFile> stat_file(const fs_std::path& path, std::string relative) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return std::unexpected(io_error("stat", path, errno));
  DiskFile file;
  file.path = std::move(relative);
  file.regular = S_ISREG(st.st_mode);
  file.size = static_cast<std::uint64_t>(st.st_size);
  file.mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  return file;
}

// Every non-folder entry below `target` (symlinks are entries, never followed),
// skipping hidden files and folders; deletes leftover temporary files.
Result<std::vector<DiskFile>> scan_target(const fs_std::path& target) {
  std::vector<DiskFile> files;
  std::error_code ec;
  fs_std::recursive_directory_iterator it(target, ec);
  if (ec) return std::unexpected(io_error("list", target, ec.value()));
  for (; it != fs_std::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) return std::unexpected(io_error("list", target, ec.value()));
    const fs_std::path& path = it->path();
    std::string name = path.filename().string();
    bool is_folder = it->is_directory(ec) && !it->is_symlink(ec);
    if (name.starts_with('.')) {
      if (is_folder) {
        it.disable_recursion_pending();
      } else if (name.find(k_temp_prefix) != std::string::npos) {
        // ".ldb-tmp-NAME" (generated content) or ".NAME.ldb-tmp-PID-..."
        // (FileSystem::copy_to, write_file_atomic) left by a killed run.
        fs_std::remove(path, ec);
      }
      continue;
    }
    if (is_folder) continue;
    auto file = stat_file(path, path.lexically_relative(target).generic_string());
    if (!file) return std::unexpected(file.error());
    files.push_back(std::move(*file));
  }
  std::sort(files.begin(), files.end(), [](const DiskFile& a, const DiskFile& b) { return a.path < b.path; });
  return files;
}

Result<core::Md5> hash_local_file(const fs_std::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::unexpected(io_error("read", path, errno));
  core::Md5Hasher hasher;
  std::string buffer(k_hash_buffer_bytes, '\0');
  for (;;) {
    ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return std::unexpected(io_error("read", path, err));
    }
    if (n == 0) break;
    hasher.update(std::string_view(buffer.data(), static_cast<std::size_t>(n)));
  }
  ::close(fd);
  return hasher.finish();
}

// Copies a local file (a transform's output) to `dest` through a temporary
// file in the same folder.
Status copy_local(const fs_std::path& source, const fs_std::path& dest) {
  fs_std::path temp = dest.parent_path() / (std::string(k_temp_prefix) + dest.filename().string());
  std::error_code ec;
  fs_std::copy_file(source, temp, fs_std::copy_options::overwrite_existing, ec);
  if (ec) {
    fs_std::remove(temp, ec);
    return std::unexpected(io_error("copy into", dest, ec ? ec.value() : EIO));
  }
  if (::rename(temp.c_str(), dest.c_str()) != 0) {
    int err = errno;
    ::unlink(temp.c_str());
    return std::unexpected(io_error("rename into", dest, err));
  }
  return {};
}

// What the reconciliation decided for one file on disk.
enum class Verdict { keep, rewrite, remove, foreign_planned, foreign_unplanned };

struct Judged {
  Verdict verdict = Verdict::keep;
  bool modified = false;  // foreign because the user changed an ldb file
};

// Classifies one file on disk (may hash it; runs on pool workers).
Result<Judged> judge(const fs_std::path& target, const DiskFile& disk, const ManifestEntry* record,
                     const PlannedFile* planned) {
  std::optional<core::Md5> content;
  auto content_hash = [&]() -> Result<core::Md5> {
    if (!content) {
      auto hash = hash_local_file(target / disk.path);
      if (!hash) return std::unexpected(hash.error());
      content = *hash;
    }
    return *content;
  };
  auto holds = [&](std::uint64_t size, const core::Md5& md5) -> Result<bool> {
    if (!disk.regular || disk.size != size) return false;
    auto hash = content_hash();
    if (!hash) return std::unexpected(hash.error());
    return *hash == md5;
  };

  bool ours = false;
  bool pending = false;
  core::Md5 ours_md5;
  if (record != nullptr && record->mtime_ns == k_pending_mtime) {
    // Checkpointed by a run that did not finish: ldb's file, possibly torn.
    ours = true;
    pending = true;
  } else if (record != nullptr) {
    if (disk.regular && disk.size == record->size && disk.mtime_ns == record->mtime_ns) {
      ours = true;
    } else {
      auto same = holds(record->size, record->md5);
      if (!same) return std::unexpected(same.error());
      ours = *same;
    }
    ours_md5 = record->md5;
  }
  if (!ours && planned != nullptr) {
    // Already exactly what the plan wants (a run killed after writing it, or the
    // same bytes put there by hand): adopt it.
    auto same = holds(planned->size, planned->md5);
    if (!same) return std::unexpected(same.error());
    if (*same) {
      ours = true;
      ours_md5 = planned->md5;
    }
  }
  if (!ours) {
    return Judged{planned != nullptr ? Verdict::foreign_planned : Verdict::foreign_unplanned, record != nullptr};
  }
  if (planned == nullptr) return Judged{Verdict::remove, false};
  if (pending) {
    auto same = holds(planned->size, planned->md5);
    if (!same) return std::unexpected(same.error());
    return Judged{*same ? Verdict::keep : Verdict::rewrite, false};
  }
  if (ours_md5 == planned->md5 && disk.size == planned->size) return Judged{Verdict::keep, false};
  return Judged{Verdict::rewrite, false};
}

// "a, b, c" for up to k_conflicts_named paths, then "and N more".
std::string name_paths(const std::vector<std::string>& paths) {
  std::string out;
  for (std::size_t i = 0; i < paths.size() && i < k_conflicts_named; ++i) {
    if (i > 0) out += ", ";
    out += fmt::format("'{}'", paths[i]);
  }
  if (paths.size() > k_conflicts_named) out += fmt::format(" and {} more", paths.size() - k_conflicts_named);
  return out;
}

Error conflict_error(const fs_std::path& target, const std::vector<std::string>& unknown,
                     const std::vector<std::string>& modified) {
  std::string what;
  if (!unknown.empty()) {
    what = fmt::format("{} file(s) that ldb did not write ({})", unknown.size(), name_paths(unknown));
  }
  if (!modified.empty()) {
    if (!what.empty()) what += " and ";
    what += fmt::format("{} file(s) changed since ldb wrote them ({})", modified.size(), name_paths(modified));
  }
  return Error{ErrorCode::conflict, fmt::format("'{}' holds {}", target.string(), what),
               "move them away, or pass -f to move them aside (into a hidden folder of the target that the "
               "message names) and instantiate exactly the dataset"};
}

// Removes the folders of `relative` (below `target`, never `target` itself)
// that are empty now, deepest first.
void prune_empty_folders(const fs_std::path& target, std::string_view relative) {
  std::error_code ignored;
  for (std::size_t slash = relative.rfind('/'); slash != std::string_view::npos && slash > 0;
       slash = relative.rfind('/', slash - 1)) {
    fs_std::path folder = target / relative.substr(0, slash);
    if (!fs_std::is_empty(folder, ignored) || ignored) break;
    fs_std::remove(folder, ignored);
    if (ignored) break;
  }
}

// Removes `relative` and then every folder of it that this leaves empty.
void remove_and_prune(const fs_std::path& target, std::string_view relative, std::error_code& ec) {
  fs_std::remove(target / relative, ec);
  if (!ec) prune_empty_folders(target, relative);
}

// Moves `relative` below `target` to the same relative path below `folder`,
// then prunes the folders this leaves empty. A rename, so the file is in one
// place or the other whenever the process stops; across file systems a copy
// and then a removal (killed in between: the original is still in place).
Status move_aside(const fs_std::path& target, std::string_view relative, const fs_std::path& folder) {
  fs_std::path from = target / relative;
  fs_std::path to = folder / relative;
  std::error_code ec;
  fs_std::create_directories(to.parent_path(), ec);
  if (ec) return std::unexpected(io_error("create folder", to.parent_path(), ec.value()));
  if (::rename(from.c_str(), to.c_str()) != 0) {
    if (errno != EXDEV) return std::unexpected(io_error("move aside", from, errno));
    fs_std::copy(from, to, fs_std::copy_options::copy_symlinks | fs_std::copy_options::overwrite_existing, ec);
    if (!ec) fs_std::remove(from, ec);
    if (ec) return std::unexpected(io_error("move aside", from, ec.value()));
  }
  prune_empty_folders(target, relative);
  return {};
}

// Collects the first error reported by any worker and tells the others to stop.
class FirstError {
 public:
  void set(Error error) {
    std::lock_guard lock(m_mutex);
    if (!m_error) m_error = std::move(error);
    m_failed.store(true, std::memory_order_relaxed);
  }
  bool failed() const { return m_failed.load(std::memory_order_relaxed); }
  std::optional<Error> take() { return std::move(m_error); }

 private:
  std::mutex m_mutex;
  std::optional<Error> m_error;
  std::atomic<bool> m_failed{false};
};

}  // namespace

Result<Format> parse_format(std::string_view name) {
  if (const auto* info = index::find_format(name, index::FormatRole::write)) return info->format;
  return fail(ErrorCode::invalid_argument, fmt::format("unknown instantiate format '{}'", name),
              fmt::format("use one of: {}", index::describe_format_names(index::FormatRole::write)));
}

std::vector<std::string_view> format_names() { return index::format_names(index::FormatRole::write); }

Result<InstantiateResult> instantiate(storage::FileSystem& fs, core::ThreadPool& pool, core::Progress& progress,
                                      const fs_std::path& target_folder, std::span<const Member> members,
                                      std::span<const ManifestEntry> previous_manifest, const Options& options) {
  std::error_code ec;
  fs_std::path target = fs_std::absolute(target_folder, ec).lexically_normal();
  if (ec) return std::unexpected(io_error("resolve", target_folder, ec.value()));
  if (target.filename().empty()) target = target.parent_path();  // "ws/" -> "ws"
  if (!fs_std::is_directory(target, ec)) {
    return fail(ErrorCode::not_found, fmt::format("instantiate target '{}' is not a folder", target.string()),
                "create it first, or stage a workspace there: ldb stage ds:NAME -t DIR");
  }
  // Transforms run before anything below the target changes, so a failing
  // one leaves the folder as it was. Their outputs live until this returns.
  auto transform_runs = run_transforms(fs, pool, progress, members, options);
  if (!transform_runs) return std::unexpected(transform_runs.error());
  auto plan = build_plan(members, options, transform_runs->outputs);
  if (!plan) return std::unexpected(plan.error());

  std::unordered_map<std::string_view, const ManifestEntry*> manifest;
  for (const auto& entry : previous_manifest) manifest.emplace(entry.path, &entry);
  std::unordered_map<std::string_view, const PlannedFile*> planned;
  for (const auto& file : plan->files) planned.emplace(file.path, &file);

  auto disk = scan_target(target);
  if (!disk) return std::unexpected(disk.error());

  // Classify every file on disk (hashing where size and mtime cannot decide).
  std::vector<Judged> verdicts(disk->size());
  FirstError first_error;
  pool.parallel_for(disk->size(), 16, [&](std::size_t begin, std::size_t end, unsigned) {
    for (std::size_t i = begin; i < end && !first_error.failed(); ++i) {
      const DiskFile& file = (*disk)[i];
      auto record = manifest.find(file.path);
      auto plan_it = planned.find(file.path);
      auto verdict = judge(target, file, record == manifest.end() ? nullptr : record->second,
                           plan_it == planned.end() ? nullptr : plan_it->second);
      if (!verdict) {
        first_error.set(std::move(verdict).error());
        return;
      }
      verdicts[i] = *verdict;
    }
  });
  if (auto error = first_error.take()) return std::unexpected(std::move(*error));

  std::vector<std::string> unknown;
  std::vector<std::string> modified;
  for (std::size_t i = 0; i < disk->size(); ++i) {
    Verdict verdict = verdicts[i].verdict;
    if (verdict == Verdict::foreign_planned || verdict == Verdict::foreign_unplanned) {
      (verdicts[i].modified ? modified : unknown).push_back((*disk)[i].path);
    }
  }
  if ((!unknown.empty() || !modified.empty()) && options.force == Overwrite::no) {
    return std::unexpected(conflict_error(target, unknown, modified));
  }
  for (std::size_t i = 0; i < disk->size(); ++i) {
    if (verdicts[i].verdict == Verdict::keep || !options.storage_paths.contains((*disk)[i].path)) continue;
    const Verdict verdict = verdicts[i].verdict;
    return fail(ErrorCode::conflict,
                fmt::format("'{}' is an indexed object's storage path; instantiating into '{}' would {}",
                            (target / (*disk)[i].path).string(), target.string(),
                            verdict == Verdict::rewrite  ? "overwrite it"
                            : verdict == Verdict::remove ? "delete it"
                                                         : "move it aside"),
                "instantiate into another folder (-t DIR), or move the file into storage and index it there");
  }

  InstantiateResult result;
  Report& report = result.report;
  report.data_files = plan->data_files;
  report.annotation_files = plan->annotation_files;
  report.skipped = plan->skipped;
  report.warnings = std::move(plan->warnings);

  if (options.data_files == DataFiles::hard_link) {
    // Before anything changes: every data file still to write must be linkable.
    std::unordered_set<std::string_view> keep;
    for (std::size_t i = 0; i < disk->size(); ++i) {
      if (verdicts[i].verdict == Verdict::keep) keep.insert((*disk)[i].path);
    }
    std::vector<const std::string*> sources;
    for (const auto& file : plan->files) {
      if (file.kind == PlannedFile::Kind::data && !keep.contains(file.path)) sources.push_back(&file.source);
    }
    LDB_TRY(check_linkable(target, sources));
  }

  if (options.force == Overwrite::yes && options.removed_folder.empty() && !(unknown.empty() && modified.empty())) {
    return fail(ErrorCode::internal, "instantiate -f was given no folder to move files aside to");
  }
  std::unordered_map<std::string_view, const DiskFile*> kept;
  std::unordered_set<std::string_view> occupied;  // planned paths a foreign file holds until it is moved
  for (std::size_t i = 0; i < disk->size(); ++i) {
    if (verdicts[i].verdict == Verdict::keep) kept.emplace((*disk)[i].path, &(*disk)[i]);
    if (verdicts[i].verdict == Verdict::foreign_planned) occupied.insert((*disk)[i].path);
  }

  // The first change below the target comes after this: the manifest says the
  // run is under way, lists the files still to write as pending (not those a
  // foreign file still holds: left unlisted, such a file stays foreign if the
  // run is killed before -f moves it) and keeps the stale files still to remove.
  if (options.checkpoint) {
    std::vector<ManifestEntry> intent;
    intent.reserve(plan->files.size());
    for (const auto& file : plan->files) {
      if (occupied.contains(file.path)) continue;
      auto it = kept.find(file.path);
      intent.push_back(
          ManifestEntry{file.path, file.size, it != kept.end() ? it->second->mtime_ns : k_pending_mtime, file.md5});
    }
    for (std::size_t i = 0; i < disk->size(); ++i) {
      if (verdicts[i].verdict != Verdict::remove) continue;
      if (auto record = manifest.find((*disk)[i].path); record != manifest.end()) intent.push_back(*record->second);
    }
    LDB_TRY(options.checkpoint(intent));
  }

  // Remove stale files and move foreign ones aside first, keep what already matches.
  for (std::size_t i = 0; i < disk->size(); ++i) {
    const DiskFile& file = (*disk)[i];
    switch (verdicts[i].verdict) {
      case Verdict::keep:
        break;
      case Verdict::remove:
        remove_and_prune(target, file.path, ec);
        if (ec) return std::unexpected(io_error("remove", target / file.path, ec.value()));
        ++report.removed;
        break;
      case Verdict::foreign_unplanned:
      case Verdict::foreign_planned:
        LDB_TRY(move_aside(target, file.path, options.removed_folder));
        ++report.moved;
        report.moved_to = options.removed_folder;
        break;
      case Verdict::rewrite:
        if (!file.regular) {
          // A symlink (or other entry) where a file goes: never write through it.
          fs_std::remove(target / file.path, ec);
          if (ec) return std::unexpected(io_error("remove", target / file.path, ec.value()));
        }
        break;
    }
  }

  // Folders (sequentially: concurrent creation of one folder races).
  std::set<std::string_view> folders;
  std::vector<const PlannedFile*> to_write;
  for (const auto& file : plan->files) {
    if (kept.contains(file.path)) continue;
    to_write.push_back(&file);
    std::size_t slash = file.path.rfind('/');
    if (slash != std::string::npos) folders.insert(std::string_view(file.path).substr(0, slash));
  }
  for (std::string_view folder : folders) {
    fs_std::create_directories(target / folder, ec);
    if (ec) return std::unexpected(io_error("create folder", target / folder, ec.value()));
  }

  progress.start("instantiating", plan->files.size());
  progress.advance(plan->files.size() - to_write.size());
  std::vector<ManifestEntry> written(to_write.size());
  pool.parallel_for(to_write.size(), 1, [&](std::size_t begin, std::size_t end, unsigned) {
    for (std::size_t i = begin; i < end && !first_error.failed(); ++i) {
      const PlannedFile& file = *to_write[i];
      fs_std::path dest = target / file.path;
      Status status = file.kind == PlannedFile::Kind::annotation   ? storage::write_file_replacing(dest, file.content)
                      : file.kind == PlannedFile::Kind::local      ? copy_local(file.source, dest)
                      : options.data_files == DataFiles::hard_link ? link_read_only(file.source, dest)
                                                                   : fs.copy_object_to(file.source, file.md5, dest);
      if (!status) {
        // Never leave a torn file under the final name.
        std::error_code ignored;
        fs_std::remove(dest, ignored);
        Error error = std::move(status).error();
        // A storage file deleted since it was indexed: re-indexing cannot
        // bring it back; the dataset has to let go of the object.
        if (error.code == ErrorCode::not_found && file.kind != PlannedFile::Kind::annotation) {
          error.hint = fmt::format(
              "storage is expected not to change: restore the file, or drop the object from the dataset "
              "(ldb del id:{}, then ldb commit)",
              file.object.hex());
        }
        first_error.set(std::move(error));
        return;
      }
      auto stat = stat_file(dest, file.path);
      if (!stat) {
        first_error.set(std::move(stat).error());
        return;
      }
      if (stat->size != file.size) {
        std::error_code ignored;
        fs_std::remove(dest, ignored);
        // Storage changed behind ldb's back: a conflict, as in resolve; the
        // instance itself is whole.
        first_error.set(Error{ErrorCode::conflict,
                              fmt::format("'{}' (id:{}) is {} bytes, but {} bytes were indexed", file.source,
                                          file.object.hex(), stat->size, file.size),
                              fmt::format("storage is expected not to change: restore the file, or drop the object "
                                          "from the dataset (ldb del id:{}, then ldb commit) and index the new "
                                          "content: ldb index {}",
                                          file.object.hex(), file.source)});
        return;
      }
      written[i] = ManifestEntry{file.path, file.size, stat->mtime_ns, file.md5};
      progress.advance(1);
    }
  });
  progress.finish();
  if (auto error = first_error.take()) return std::unexpected(std::move(*error));
  report.written = to_write.size();
  report.unchanged = plan->files.size() - to_write.size();

  result.manifest.reserve(plan->files.size());
  std::size_t next_written = 0;
  for (const auto& file : plan->files) {
    if (auto it = kept.find(file.path); it != kept.end()) {
      result.manifest.push_back(ManifestEntry{file.path, file.size, it->second->mtime_ns, file.md5});
    } else {
      result.manifest.push_back(std::move(written[next_written++]));
    }
  }
  return result;
}

}  // namespace ldb::formats

#pragma once
// A FileSystem that wraps another and fails chosen calls, for tests of the
// layers above storage (leveldb's ErrorEnv): "hashing any path containing
// 'b.jpg' fails with ENOSPC", "reading x.json finds it vanished", "copying
// tears the destination". It also records every call, so tests can assert
// which files were read or hashed (e.g. that a re-index skipped them).

#include <cstdint>
#include <limits>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "storage/file_system.hpp"

namespace ldb::storage {

enum class Operation { list, stat, read, hash, copy_to };

// What an injected fault does: fail the call with the error, or (copy_to
// only) leave a torn, half-written file at the destination and then fail.
enum class FaultAction { fail, torn_copy };

struct Fault {
  Operation operation = Operation::read;
  std::string path_substring;  // matches calls whose path contains it ("" = every path)
  Error error;
  FaultAction action = FaultAction::fail;
  std::uint64_t remaining = std::numeric_limits<std::uint64_t>::max();  // how many calls it fails
};

// Errors shaped like the local backend's, for use in faults.
Error no_space_error(std::string_view path);
Error vanished_error(std::string_view path);

// Thread-safe like every FileSystem. The wrapped file system must outlive it.
class FaultInjectingFileSystem final : public FileSystem {
 public:
  explicit FaultInjectingFileSystem(FileSystem& inner) : m_inner(inner) {}

  // Adds a fault; the first matching fault (in the order added) applies.
  void add_fault(Fault fault);
  void clear_faults();
  // Paths passed to `operation` so far, sorted (calls from workers arrive in any order).
  std::vector<std::string> calls(Operation operation) const;
  void clear_calls();

  std::string_view protocol() const override { return m_inner.protocol(); }
  Result<std::vector<FileInfo>> list(std::string_view root) override;
  Result<std::vector<FileInfo>> list_top(std::string_view root) override;  // faults of Operation::list
  Result<FileInfo> stat(std::string_view path) override;
  Result<std::string> read(std::string_view path) override;
  Result<core::Md5> hash(std::string_view path) override;
  // Recorded and faulted as Operation::hash.
  Result<HashedFile> hash_with_head(std::string_view path, std::size_t head_size) override;
  Status copy_to(std::string_view path, const std::filesystem::path& dest) override;
  // Forwarded unrecorded (no fault applies to writes).
  Status write(std::string_view path, std::string_view data) override { return m_inner.write(path, data); }

 private:
  // Records the call and returns the fault that applies to it, if any.
  std::optional<Fault> check(Operation operation, std::string_view path);

  FileSystem& m_inner;
  mutable std::mutex m_mutex;
  std::vector<Fault> m_faults;
  std::vector<std::pair<Operation, std::string>> m_calls;
};

}  // namespace ldb::storage

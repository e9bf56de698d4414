#include "storage/fault_injection.hpp"

#include <algorithm>
#include <fstream>
#include <optional>

#include <fmt/format.h>

namespace ldb::storage {

Error no_space_error(std::string_view path) {
  return Error{ErrorCode::io, fmt::format("no space left on device: cannot write '{}'", path),
               "free some disk space, then run the command again"};
}

Error vanished_error(std::string_view path) {
  return Error{ErrorCode::not_found, fmt::format("'{}' does not exist", path),
               "check the path; the file may have been moved or deleted"};
}

void FaultInjectingFileSystem::add_fault(Fault fault) {
  std::lock_guard lock(m_mutex);
  m_faults.push_back(std::move(fault));
}

void FaultInjectingFileSystem::clear_faults() {
  std::lock_guard lock(m_mutex);
  m_faults.clear();
}

std::vector<std::string> FaultInjectingFileSystem::calls(Operation operation) const {
  std::vector<std::string> out;
  {
    std::lock_guard lock(m_mutex);
    for (const auto& [op, path] : m_calls) {
      if (op == operation) out.push_back(path);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

void FaultInjectingFileSystem::clear_calls() {
  std::lock_guard lock(m_mutex);
  m_calls.clear();
}

std::optional<Fault> FaultInjectingFileSystem::check(Operation operation, std::string_view path) {
  std::lock_guard lock(m_mutex);
  m_calls.emplace_back(operation, std::string(path));
  for (auto& fault : m_faults) {
    if (fault.operation != operation || fault.remaining == 0) continue;
    if (path.find(fault.path_substring) == std::string_view::npos) continue;
    --fault.remaining;
    return fault;
  }
  return std::nullopt;
}

Result<std::vector<FileInfo>> FaultInjectingFileSystem::list(std::string_view root) {
  if (auto fault = check(Operation::list, root)) return std::unexpected(fault->error);
  return m_inner.list(root);
}

Result<std::vector<FileInfo>> FaultInjectingFileSystem::list_top(std::string_view root) {
  if (auto fault = check(Operation::list, root)) return std::unexpected(fault->error);
  return m_inner.list_top(root);
}

Result<FileInfo> FaultInjectingFileSystem::stat(std::string_view path) {
  if (auto fault = check(Operation::stat, path)) return std::unexpected(fault->error);
  return m_inner.stat(path);
}

Result<std::string> FaultInjectingFileSystem::read(std::string_view path) {
  if (auto fault = check(Operation::read, path)) return std::unexpected(fault->error);
  return m_inner.read(path);
}

Result<core::Md5> FaultInjectingFileSystem::hash(std::string_view path) {
  if (auto fault = check(Operation::hash, path)) return std::unexpected(fault->error);
  return m_inner.hash(path);
}

Result<HashedFile> FaultInjectingFileSystem::hash_with_head(std::string_view path, std::size_t head_size) {
  if (auto fault = check(Operation::hash, path)) return std::unexpected(fault->error);
  return m_inner.hash_with_head(path, head_size);
}

Status FaultInjectingFileSystem::copy_to(std::string_view path, const std::filesystem::path& dest) {
  auto fault = check(Operation::copy_to, path);
  if (!fault) return m_inner.copy_to(path, dest);
  if (fault->action == FaultAction::torn_copy) {
    // A writer killed mid-copy: half the bytes at the final name.
    auto content = m_inner.read(path);
    if (content) {
      std::ofstream out(dest, std::ios::binary | std::ios::trunc);
      out.write(content->data(), static_cast<std::streamsize>(content->size() / 2));
    }
  }
  return std::unexpected(fault->error);
}

}  // namespace ldb::storage

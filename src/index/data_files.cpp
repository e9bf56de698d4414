#include "index/data_files.hpp"

#include <fmt/format.h>

#include "core/paths.hpp"

namespace ldb::index {

DataFiles::DataFiles(storage::FileSystem& fs, const Scan& scan, LocationCheck location_check)
    : m_fs(fs), m_scan(scan), m_location_check(std::move(location_check)) {}

bool DataFiles::under_scanned_roots(std::string_view path) const {
  for (const auto& root : m_scan.roots) {
    if (core::path_is_within(path, root)) return true;
  }
  return false;
}

bool DataFiles::exists(std::string_view path) {
  if (is_json_path(path)) return false;
  if (under_scanned_roots(path)) return find_file(m_scan.data, path) != nullptr;
  auto it = m_stat.find(path);
  if (it == m_stat.end()) {
    auto info = m_fs.stat(path);
    it = m_stat.emplace(std::string(path), info ? std::optional(std::move(*info)) : std::nullopt).first;
  }
  return it->second.has_value();
}

Status DataFiles::check_location(std::string_view path) const {
  if (!m_location_check) {
    return fail(ErrorCode::invalid_argument, fmt::format("'{}' lies outside the paths being indexed", path),
                "index a folder that holds it");
  }
  return m_location_check(path);
}

Result<const ScannedFile*> DataFiles::get(std::string_view path, std::uint32_t root) {
  if (under_scanned_roots(path)) {
    const ScannedFile* file = find_file(m_scan.data, path);
    if (!file)
      return fail(ErrorCode::not_found, fmt::format("'{}' was not found", path), "index a folder that holds it");
    return file;
  }
  if (auto known = m_outside.find(path); known != m_outside.end()) return &known->second;
  auto looked_up = m_stat.find(path);
  if (looked_up == m_stat.end() || !looked_up->second) {
    return fail(ErrorCode::not_found, fmt::format("'{}' was not found", path), "index a folder that holds it");
  }
  LDB_TRY(check_location(path));
  auto placed = m_outside.emplace(std::string(path), ScannedFile{*looked_up->second, root}).first;
  return &placed->second;
}

OutsideFiles DataFiles::take_outside() { return std::move(m_outside); }

}  // namespace ldb::index

#include "index/known_paths.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace ldb::index {

Result<KnownPaths> KnownPaths::load(store::Store& store, std::span<const std::string> roots) {
  KnownPaths out;
  LDB_TRY(out.add(store, roots));
  return out;
}

Status KnownPaths::add(store::Store& store, std::span<const std::string> roots) {
  if (roots.empty()) return {};
  for (const auto& root : roots) {
    auto known = store.known_paths_under(root);
    if (!known) return std::unexpected(std::move(known).error());
    m_paths.insert(m_paths.end(), std::make_move_iterator(known->begin()), std::make_move_iterator(known->end()));
  }
  // The keys view the paths' text, which moved if the vector grew.
  m_by_path.clear();
  m_by_path.reserve(m_paths.size());
  for (std::size_t i = 0; i < m_paths.size(); ++i) m_by_path.emplace(m_paths[i].path, i);
  return {};
}

const store::KnownPath* KnownPaths::find(std::string_view path) const {
  auto it = m_by_path.find(path);
  return it == m_by_path.end() ? nullptr : &m_paths[it->second];
}

bool data_unchanged(const store::KnownPath& known, const storage::FileInfo& file) {
  // An object store that reports the MD5 (S3's single-part ETag) decides by
  // content: a re-upload of the same bytes is unchanged, new bytes are not.
  if (file.content_md5) return known.size == file.size && known.hash == *file.content_md5;
  return known.size == file.size && known.mtime_ns == file.mtime_ns;
}

bool annotation_file_unchanged(const store::KnownPath& known, const PlannedItem& item) {
  switch (item.source) {
    case AnnotationSource::none:
      return known.annotation_path.empty() && known.annotation_version == 0;
    case AnnotationSource::file: {
      const auto& file = item.annotation_file->info;
      return known.annotation_version != 0 && known.annotation_path == file.path &&
             known.annotation_size == file.size && known.annotation_mtime_ns == file.mtime_ns;
    }
    case AnnotationSource::derived:
      return false;
  }
  return false;
}

store::Collection newest_per_hash(store::Collection refs) {
  std::sort(refs.begin(), refs.end());
  // Sorted by (hash, version): the last of each run of a hash is the newest.
  store::Collection out;
  out.reserve(refs.size());
  for (const auto& ref : refs) {
    if (!out.empty() && out.back().hash == ref.hash) {
      out.back() = ref;
    } else {
      out.push_back(ref);
    }
  }
  return out;
}

Status check_objects_indexed(store::Store& store, std::span<const AnnotationOnlyFile> files) {
  std::vector<core::Md5> ids;
  for (const auto& file : files) {
    for (const auto& entry : file.entries) ids.push_back(entry.object);
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  if (ids.empty()) return {};
  auto known = store.current_versions(ids);
  if (known) return {};
  if (known.error().code != ErrorCode::not_found) return std::unexpected(std::move(known).error());
  // Find the first unknown object, in file order, to name it and its file.
  for (const auto& file : files) {
    for (const auto& entry : file.entries) {
      std::string hex = entry.object.hex();
      auto found = store.objects_with_prefix(hex, 1);
      if (!found) return std::unexpected(std::move(found).error());
      if (found->empty()) {
        return fail(ErrorCode::not_found,
                    fmt::format("'{}' annotates object id:{}, which is not indexed", file.file->info.path, hex),
                    "index the data files first (ldb index <data path>), then index the annotations again");
      }
    }
  }
  return std::unexpected(std::move(known).error());
}

}  // namespace ldb::index

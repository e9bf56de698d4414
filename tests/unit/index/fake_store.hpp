#pragma once
// An in-memory ldb::store::Store with just what src/index uses (paths,
// ingest, object lookups, annotation contents), following the contract in
// store/store.hpp: new annotation versions only for unseen content, an empty
// path means "annotation for an existing object" (not_found when unknown).
// It counts ingest calls so tests can check "one transaction" and "nothing
// written". Everything else answers unsupported.

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "core/paths.hpp"
#include "store/store.hpp"

namespace ldb::testing {

class FakeStore final : public store::Store {
 public:
  struct Object {
    std::vector<std::string> versions;  // canonical JSON of version i+1
    std::vector<std::string> paths;
    std::vector<std::string> tags;
  };

  std::map<core::Md5, Object> objects;
  std::map<std::string, store::KnownPath> paths;
  std::map<std::string, store::IndexedRoot> roots;  // by prefix
  int ingest_calls = 0;
  std::vector<store::IndexedFile> last_ingest;
  store::IngestOptions last_options;

  Status check_writable() override { return {}; }

  // --- what src/index uses --------------------------------------------------
  Result<std::vector<store::KnownPath>> known_paths_under(std::string_view prefix) override {
    std::vector<store::KnownPath> out;
    for (const auto& [path, known] : paths) {
      if (core::path_is_within(path, prefix)) out.push_back(known);
    }
    return out;
  }

  Result<store::IngestResult> ingest(std::span<const store::IndexedFile> files,
                                     const store::IngestOptions& options) override {
    ++ingest_calls;
    last_ingest.assign(files.begin(), files.end());
    last_options = options;
    store::IngestResult result;
    for (const auto& file : files) {
      if (file.path.empty() && !objects.contains(file.hash)) {
        return fail(ErrorCode::not_found, fmt::format("object id:{} is not indexed", file.hash.hex()), "index it");
      }
    }
    for (const auto& prefix : options.forget_roots) roots.erase(prefix);
    for (const auto& root : options.remember_roots) roots[root.prefix] = root;
    for (const auto& file : files) {
      auto [it, inserted] = objects.try_emplace(file.hash);
      Object& object = it->second;
      if (inserted) ++result.new_objects;
      std::uint32_t version = 0;
      if (file.annotation) {
        auto found = std::find(object.versions.begin(), object.versions.end(), file.annotation->canonical_json);
        if (found == object.versions.end()) {
          object.versions.push_back(file.annotation->canonical_json);
          ++result.new_annotations;
          found = object.versions.end() - 1;
        }
        version = static_cast<std::uint32_t>(found - object.versions.begin()) + 1;
      }
      for (const auto& tag : options.add_tags) {
        if (std::find(object.tags.begin(), object.tags.end(), tag) == object.tags.end()) object.tags.push_back(tag);
      }
      if (!file.path.empty()) {
        if (std::find(object.paths.begin(), object.paths.end(), file.path) == object.paths.end()) {
          object.paths.push_back(file.path);
        }
        store::KnownPath known{file.path, file.size, file.mtime_ns, file.hash, "", 0, 0, version};
        if (file.annotation) {
          known.annotation_path = file.annotation->path;
          known.annotation_size = file.annotation->size;
          known.annotation_mtime_ns = file.annotation->mtime_ns;
        }
        paths[file.path] = known;
      }
      result.refs.push_back({file.hash, version});
    }
    return result;
  }

  Result<std::vector<store::IndexedRoot>> indexed_roots() override {
    std::vector<store::IndexedRoot> out;
    for (const auto& [prefix, root] : roots) out.push_back(root);
    return out;
  }

  Result<std::vector<core::Md5>> objects_with_prefix(std::string_view hex_prefix, std::size_t limit) override {
    std::vector<core::Md5> out;
    for (const auto& [hash, object] : objects) {
      if (hash.hex().starts_with(hex_prefix) && out.size() < limit) out.push_back(hash);
    }
    return out;
  }

  Result<store::Collection> current_versions(std::span<const core::Md5> hashes) override {
    store::Collection out;
    for (const auto& hash : hashes) {
      auto it = objects.find(hash);
      if (it == objects.end()) {
        return fail(ErrorCode::not_found, fmt::format("object id:{} is not indexed", hash.hex()), "index it");
      }
      out.push_back({hash, static_cast<std::uint32_t>(it->second.versions.size())});
    }
    return out;
  }

  Result<std::vector<std::string>> annotations(std::span<const store::ObjectRef> refs) override {
    std::vector<std::string> out;
    for (const auto& ref : refs) {
      auto it = objects.find(ref.hash);
      if (it == objects.end() || ref.annotation_version == 0 || ref.annotation_version > it->second.versions.size()) {
        out.emplace_back();
      } else {
        out.push_back(it->second.versions[ref.annotation_version - 1]);
      }
    }
    return out;
  }

  Result<std::vector<store::ObjectInfo>> objects_info(std::span<const core::Md5> hashes) override {
    std::vector<store::ObjectInfo> out;
    for (const auto& hash : hashes) {
      auto it = objects.find(hash);
      if (it == objects.end()) return fail(ErrorCode::not_found, "unknown object " + hash.hex(), "index it");
      store::ObjectInfo info;
      info.hash = hash;
      info.current_version = static_cast<std::uint32_t>(it->second.versions.size());
      info.paths = it->second.paths;
      info.tags = it->second.tags;
      for (std::uint32_t v = 1; v <= it->second.versions.size(); ++v) info.versions.push_back({v, 0, {}});
      out.push_back(std::move(info));
    }
    return out;
  }

  Result<std::vector<store::ObjectFiles>> object_files(std::span<const core::Md5> hashes) override {
    std::vector<store::ObjectFiles> out;
    for (const auto& hash : hashes) {
      auto it = objects.find(hash);
      if (it == objects.end()) return fail(ErrorCode::not_found, "unknown object " + hash.hex(), "index it");
      out.push_back({0, it->second.paths});
    }
    return out;
  }

  // --- not needed by src/index ----------------------------------------------
  Result<std::vector<store::StorageLocation>> storage_locations() override { return unsupported(); }
  Status add_storage_location(const store::StorageLocation&) override { return unsupported(); }
  Status remove_storage_location(std::string_view) override { return unsupported(); }
  Status put_storage_location(const store::StorageLocation&, std::span<const std::string>) override {
    return unsupported();
  }
  Result<store::ObjectInfo> object_info(const core::Md5&) override { return unsupported(); }
  Result<store::Collection> root_collection() override { return unsupported(); }
  Result<std::vector<core::Md5>> annotation_hashes(std::span<const store::ObjectRef>) override { return unsupported(); }
  Result<std::uint64_t> update_tags(std::span<const core::Md5>, std::span<const std::string>,
                                    std::span<const std::string>) override {
    return unsupported();
  }
  Result<store::RemovalOutcome> remove_objects(std::span<const core::Md5>) override { return unsupported(); }
  Result<std::vector<std::optional<store::ImageFeatures>>> image_features(std::span<const core::Md5>) override {
    return unsupported();
  }
  Status put_image_features(std::span<const std::pair<core::Md5, store::ImageFeatures>>) override {
    return unsupported();
  }
  Result<store::Embeddings> embeddings(std::string_view, std::span<const core::Md5>) override { return unsupported(); }
  Status put_embeddings(std::string_view, std::span<const core::Md5>, const store::Embeddings&) override {
    return unsupported();
  }
  Result<std::vector<std::optional<store::Point2>>> projection(std::string_view, std::string_view,
                                                               std::span<const core::Md5>) override {
    return unsupported();
  }
  Status put_projection(std::string_view, std::string_view, std::span<const core::Md5>,
                        std::span<const store::Point2>) override {
    return unsupported();
  }
  Result<store::Collection> collection(const core::Md5&) override { return unsupported(); }
  Result<std::vector<store::DatasetSummary>> datasets() override { return unsupported(); }
  Result<store::DatasetVersion> dataset_version(std::string_view, std::uint32_t) override { return unsupported(); }
  Result<std::vector<store::DatasetVersion>> dataset_log(std::string_view) override { return unsupported(); }
  Result<store::DatasetVersion> commit_dataset(std::string_view, const store::Collection&, std::uint32_t,
                                               std::string_view, std::string_view) override {
    return unsupported();
  }
  Result<store::DatasetVersion> commit_dataset_with_transforms(std::string_view, const store::Collection&,
                                                               const store::TransformAssignments&, std::uint32_t,
                                                               std::string_view, std::string_view) override {
    return unsupported();
  }
  Result<std::vector<std::optional<store::DatasetVersion>>> commit_datasets_decided(std::span<const std::string>,
                                                                                    const store::MultiCommitDecider&,
                                                                                    std::string_view,
                                                                                    std::string_view) override {
    return unsupported();
  }
  Result<store::TransformAssignments> transform_assignments(const core::Md5&) override { return unsupported(); }
  Status delete_dataset(std::string_view) override { return unsupported(); }
  Result<std::vector<std::pair<std::string, std::uint32_t>>> datasets_containing(const core::Md5&) override {
    return unsupported();
  }

 private:
  static std::unexpected<Error> unsupported() {
    return fail(ErrorCode::unsupported, "not supported by the test FakeStore", "");
  }
};

}  // namespace ldb::testing

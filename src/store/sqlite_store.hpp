#pragma once
// The SQLite implementation of Store (internal to src/store; callers open it
// through store/factory.hpp). Split across
//   sqlite_store.cpp             open, storage locations, datasets and versions
//   schema.cpp                   creating the schema, migrating older ones
//   sqlite_ingest.cpp            ingest, in one call or in batches (begin_ingest)
//   sqlite_objects.cpp           objects, paths, annotations, tags
//   sqlite_annotation_cursor.cpp streaming annotations to queries (scan_annotations)
//   sqlite_parallel.cpp          connections sharing one read snapshot, for split scans
//   sqlite_transforms.cpp        commits and the transform sets they record
//   sqlite_remove.cpp            unindexing objects
//   sqlite_indexed_roots.cpp     the formats indexed folders were indexed with
// on the connection layer in sqlite.cpp.

#include <unordered_map>

#include "store/backend_common.hpp"
#include "store/sqlite.hpp"
#include "store/store.hpp"

namespace ldb::store {

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(Database db) : m_db(std::move(db)) {}

  Status check_writable() override;

  Result<std::vector<StorageLocation>> storage_locations() override;
  Status add_storage_location(const StorageLocation& location) override;
  Status remove_storage_location(std::string_view prefix) override;
  Status put_storage_location(const StorageLocation& location, std::span<const std::string> replaced) override;

  Result<std::vector<KnownPath>> known_paths_under(std::string_view prefix) override;
  Result<IngestResult> ingest(std::span<const IndexedFile> files, const IngestOptions& options) override;
  Result<std::unique_ptr<IngestSession>> begin_ingest(const IngestOptions& options) override;
  Result<std::vector<IndexedRoot>> indexed_roots() override;

  Result<std::vector<Md5>> objects_with_prefix(std::string_view hex_prefix, std::size_t limit) override;
  Result<ObjectInfo> object_info(const Md5& hash) override;
  Result<Collection> root_collection() override;
  Result<Collection> current_versions(std::span<const Md5> hashes) override;
  Result<std::vector<std::string>> annotations(std::span<const ObjectRef> refs) override;
  Result<std::vector<Md5>> annotation_hashes(std::span<const ObjectRef> refs) override;
  Result<std::vector<std::unique_ptr<AnnotationCursor>>> scan_annotations(std::span<const ObjectRef> refs,
                                                                          unsigned parts) override;
  Result<std::vector<ObjectInfo>> objects_info(std::span<const Md5> hashes) override;
  Result<std::vector<ObjectFiles>> object_files(std::span<const Md5> hashes) override;
  Result<std::uint64_t> update_tags(std::span<const Md5> hashes, std::span<const std::string> add,
                                    std::span<const std::string> remove) override;
  Result<RemovalOutcome> remove_objects(std::span<const Md5> hashes) override;

  Result<std::vector<std::optional<ImageFeatures>>> image_features(std::span<const Md5> hashes) override;
  Status put_image_features(std::span<const std::pair<Md5, ImageFeatures>> features) override;
  Result<Embeddings> embeddings(std::string_view model, std::span<const Md5> hashes) override;
  Status put_embeddings(std::string_view model, std::span<const Md5> hashes, const Embeddings& vectors) override;
  Result<std::vector<std::optional<Point2>>> projection(std::string_view model, std::string_view method,
                                                        std::span<const Md5> hashes) override;
  Status put_projection(std::string_view model, std::string_view method, std::span<const Md5> hashes,
                        std::span<const Point2> points) override;

  Result<Collection> collection(const Md5& collection_hash) override;
  Result<std::vector<DatasetSummary>> datasets() override;
  Result<DatasetVersion> dataset_version(std::string_view name, std::uint32_t version) override;
  Result<std::vector<DatasetVersion>> dataset_log(std::string_view name) override;
  Result<DatasetVersion> commit_dataset(std::string_view name, const Collection& members, std::uint32_t parent,
                                        std::string_view message, std::string_view author) override;
  Result<DatasetVersion> commit_dataset_with_transforms(std::string_view name, const Collection& members,
                                                        const TransformAssignments& transforms, std::uint32_t parent,
                                                        std::string_view message, std::string_view author) override;
  Result<std::vector<std::optional<DatasetVersion>>> commit_datasets_decided(std::span<const std::string> names,
                                                                             const MultiCommitDecider& decide,
                                                                             std::string_view message,
                                                                             std::string_view author) override;
  Result<TransformAssignments> transform_assignments(const Md5& transforms_hash) override;
  Status delete_dataset(std::string_view name) override;
  Result<std::vector<std::pair<std::string, std::uint32_t>>> datasets_containing(const Md5& hash) override;

  Database& db() { return m_db; }

 private:
  Result<std::int64_t> object_id(const Md5& hash);
  // Validates and stores the transform sets of `members` inside the caller's
  // transaction; returns their hash (zero for none).
  Result<Md5> put_transform_assignments(const Collection& members, const TransformAssignments& transforms);
  // Inserts `version` as the next version of `name` (creating the dataset)
  // inside the caller's write transaction.
  Result<DatasetVersion> append_version(std::string_view name, const NewVersion& version, std::string_view message,
                                        std::string_view author);
  Result<std::vector<DatasetVersion>> read_versions(std::string_view where_sql, std::string_view name,
                                                    std::uint32_t version);

  Database m_db;
};

// Creates the schema in an empty database / migrates an older one.
Status create_schema(Database& db);
Status migrate_schema(Database& db);

// Applies IngestOptions::forget_roots and remember_roots to indexed_roots
// inside the caller's write transaction.
Status update_indexed_roots(Database& db, const IngestOptions& options);

// An image_features row: binds the 8 columns phash .. error from parameter
// `first` on; reads them back from result column `first` on (nothing when
// the row is absent, i.e. all NULL).
void bind_image_features(Statement& stmt, int first, const ImageFeatures& features);
std::optional<ImageFeatures> read_image_features(const Statement& row, int first);

}  // namespace ldb::store

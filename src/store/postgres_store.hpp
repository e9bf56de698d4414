#pragma once
// The PostgreSQL implementation of Store: one database holds one instance, so
// that a team on several machines shares it (SPEC section 12). Internal to
// src/store; callers open it through store/factory.hpp with a postgresql://
// store URL. Split across
//   postgres.cpp              the libpq connection layer (binary parameters and results)
//   postgres_schema.cpp       creating the schema, recognising and migrating an instance
//   postgres_store.cpp        open, storage locations, datasets, versions and transform sets
//   postgres_ingest.cpp       ingest (the rules are ingest_writer.cpp's, shared with SQLite)
//   postgres_objects.cpp      objects, paths, annotations, tags, removal
//   postgres_images.cpp       image features, embeddings, projections
//   postgres_leases.cpp       the work queue of scale-out indexing (store/work_queue.hpp)
//
// Concurrency is PostgreSQL's: readers never wait; a write waits at most the
// busy timeout for a lock another client holds (lock_timeout), then fails
// with conflict like SQLite's busy instance. Commits to one dataset are
// serialised by a transaction-scoped advisory lock on its name, so commits
// to different datasets never wait for each other, and N concurrent commits
// to one dataset give N versions.

#include <chrono>
#include <memory>
#include <optional>
#include <string_view>

#include "store/backend_common.hpp"
#include "store/check_report.hpp"
#include "store/postgres.hpp"
#include "store/store.hpp"
#include "store/work_queue.hpp"

namespace ldb::store {

class PostgresStore final : public Store {
 public:
  // `url`: where `conn` was opened, for the work queue's own connection.
  PostgresStore(PgConnection conn, std::string url) : m_conn(std::move(conn)), m_url(std::move(url)) {}

  Status check_writable() override;

  Result<std::vector<StorageLocation>> storage_locations() override;
  Status add_storage_location(const StorageLocation& location) override;
  Status remove_storage_location(std::string_view prefix) override;
  Status put_storage_location(const StorageLocation& location, std::span<const std::string> replaced) override;

  Result<std::vector<KnownPath>> known_paths_under(std::string_view prefix) override;
  Result<IngestResult> ingest(std::span<const IndexedFile> files, const IngestOptions& options) override;
  Result<std::unique_ptr<IngestSession>> begin_ingest(const IngestOptions& options) override;
  Result<std::vector<IndexedRoot>> indexed_roots() override;
  Result<WorkQueue*> work_queue() override;  // postgres_leases.cpp

  Result<std::vector<Md5>> objects_with_prefix(std::string_view hex_prefix, std::size_t limit) override;
  Result<ObjectInfo> object_info(const Md5& hash) override;
  Result<Collection> root_collection() override;
  Result<Collection> current_versions(std::span<const Md5> hashes) override;
  Result<std::vector<std::string>> annotations(std::span<const ObjectRef> refs) override;
  Result<std::vector<std::unique_ptr<AnnotationCursor>>> scan_annotations(std::span<const ObjectRef> refs,
                                                                          unsigned parts) override;
  Result<std::vector<Md5>> annotation_hashes(std::span<const ObjectRef> refs) override;
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

  PgConnection& connection() { return m_conn; }

 private:
  // The object ids of `hashes`, in order; not_found for an unknown hash.
  Result<std::vector<std::int64_t>> object_ids(std::span<const Md5> hashes);
  Result<Md5> put_transform_assignments(const Collection& members, const TransformAssignments& transforms);
  Result<DatasetVersion> append_version(std::string_view name, const NewVersion& version, std::string_view message,
                                        std::string_view author);
  // Versions joined with their dataset's name, filtered and ordered by
  // `where_sql` (with `params` as $1...).
  Result<std::vector<DatasetVersion>> read_versions(std::string_view where_sql, const PgParams& params);

  PgConnection m_conn;
  std::string m_url;
  std::unique_ptr<WorkQueue> m_work_queue;  // opened on first use
};

// An image_features row: adds the 8 columns phash .. error as parameters;
// reads them back from column `first` on (nothing when all are NULL).
void add_image_features(PgParams& params, const ImageFeatures& features);
std::optional<ImageFeatures> read_image_features(const PgResult& rows, int row, int first);
// Stores one object's features ($1 = object id, then add_image_features).
inline constexpr std::string_view k_put_image_features =
    "INSERT INTO image_features(object_id, phash, dhash, mean, std, sharpness, entropy, channels, error) "
    "VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (object_id) DO UPDATE SET phash = excluded.phash, "
    "dhash = excluded.dhash, mean = excluded.mean, std = excluded.std, sharpness = excluded.sharpness, "
    "entropy = excluded.entropy, channels = excluded.channels, error = excluded.error";

// The tables of the work queue of scale-out indexing (postgres_leases.cpp):
// PostgreSQL's alone, coordination rather than instance data (not copied).
inline constexpr std::string_view k_postgres_work_queue_tables[] = {"index_runs", "index_batches"};

// Creates the schema in an empty database. already_exists when it holds an
// ldb instance; invalid_argument when it holds another program's tables.
Status create_postgres_schema(PgConnection& conn);
// Checks that the database holds an ldb instance this build understands and
// migrates an older schema. not_found for an empty database; invalid_argument
// for another program's; unsupported for a newer schema. Returns the version.
Result<int> open_postgres_schema(PgConnection& conn);

// The factory's entry points for postgresql:// store URLs.
Result<std::unique_ptr<Store>> create_postgres_store(std::string_view url, std::chrono::milliseconds busy_timeout);
Result<std::unique_ptr<Store>> open_postgres_store(std::string_view url, Access access,
                                                   std::chrono::milliseconds busy_timeout);
// Checks the instance without changing it: schema version, counts, and that
// every dataset version's collection is present and stored under its hash.
Result<CheckReport> check_postgres_store(std::string_view url, std::chrono::milliseconds busy_timeout);
// True when the database at `url` holds an ldb instance (false when it cannot
// be reached).
bool postgres_holds_store(std::string_view url);

}  // namespace ldb::store

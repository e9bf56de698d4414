#pragma once
// The instance store: objects, their paths, annotation versions, tags,
// datasets, dataset versions, collections and storage locations.
//
// Store is an interface so that a PostgreSQL implementation can later serve a
// team that outgrows a shared disk; the embedded default is SQLite in WAL mode
// (store/sqlite_store.cpp). Every method that writes does so in one
// transaction: it lands whole or not at all. A store object is used by one
// thread at a time; open one per process.

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "store/annotation_cursor.hpp"
#include "store/ingest_session.hpp"
#include "store/types.hpp"

namespace ldb::store {

class WorkQueue;

// Schema version written by this build; older stores are migrated on open.
inline constexpr int k_schema_version = 6;

// The file name of the database inside an instance folder.
inline constexpr std::string_view k_database_file = "ldb.sqlite";

// A dataset version to append, as a CommitDecider chose it.
struct NewVersion {
  Collection members;               // sorted, unique hashes
  TransformAssignments transforms;  // as for commit_dataset_with_transforms
  std::uint32_t parent = 0;         // the version the workspace started from (0 = none)
  std::uint32_t merge_parent = 0;   // the latest version merged with it (0 = not a merge)
};

// Decides, once and inside a commit's write transaction, what to append given the
// dataset's latest version (nullopt when the dataset does not exist). It may
// call the store's reading methods, which then see that transaction. Returns
// the version to append, nullopt to append nothing, or an error (nothing is
// written).
using CommitDecider = std::function<Result<std::optional<NewVersion>>(const std::optional<DatasetVersion>& latest)>;
// The same for several datasets committed together (ldb split): gets the
// latest version of each name (in the order of the names) and returns one
// choice per name.
using MultiCommitDecider = std::function<Result<std::vector<std::optional<NewVersion>>>(
    const std::vector<std::optional<DatasetVersion>>& latest)>;

class Store {
 public:
  virtual ~Store() = default;

  // Ok when this process may change the instance; otherwise the error every
  // write fails with (io: the instance is read-only, naming it, with a hint),
  // so that a command can refuse before doing any work.
  virtual Status check_writable() = 0;

  // --- storage locations -------------------------------------------------
  virtual Result<std::vector<StorageLocation>> storage_locations() = 0;
  // Adds a location. Callers validate nesting rules; this only persists.
  // already_exists when the prefix is registered.
  virtual Status add_storage_location(const StorageLocation& location) = 0;
  // not_found when the prefix is not registered.
  virtual Status remove_storage_location(std::string_view prefix) = 0;
  // In one transaction: removes the `replaced` prefixes, then registers
  // `location` (replacing a registration of the same prefix); when
  // location.read_add, every other location loses its read-add mark. Callers
  // validate nesting rules. not_found when a replaced prefix is not registered.
  virtual Status put_storage_location(const StorageLocation& location, std::span<const std::string> replaced) = 0;

  // --- indexing -----------------------------------------------------------
  // Paths recorded at or below `prefix` (a file or folder), sorted by path.
  virtual Result<std::vector<KnownPath>> known_paths_under(std::string_view prefix) = 0;
  // Records files found by an index run in one transaction: new objects, every
  // path, new annotation versions (only for content the object has not had),
  // and tags. Returns, per file, the object and the annotation version matching
  // what was found with it.
  virtual Result<IngestResult> ingest(std::span<const IndexedFile> files, const IngestOptions& options) = 0;
  // The same as ingest() in steps: add batches to the returned session, then
  // commit it (one transaction for the whole). The default buffers the files
  // and calls ingest() at commit; SqliteStore writes each batch as it comes.
  virtual Result<std::unique_ptr<IngestSession>> begin_ingest(const IngestOptions& options);
  // Every recorded indexed root, sorted by prefix. Roots are recorded and
  // forgotten by ingest (IngestOptions::remember_roots, forget_roots).
  virtual Result<std::vector<IndexedRoot>> indexed_roots() = 0;
  // The queue through which several index processes share one run
  // (store/work_queue.hpp), owned by the store; nullptr when this store
  // offers none (SQLite: an index run is one transaction).
  virtual Result<WorkQueue*> work_queue() { return nullptr; }

  // --- objects ------------------------------------------------------------
  // Objects whose hash starts with `hex_prefix` (at most `limit`).
  virtual Result<std::vector<Md5>> objects_with_prefix(std::string_view hex_prefix, std::size_t limit) = 0;
  // not_found when the object is not indexed.
  virtual Result<ObjectInfo> object_info(const Md5& hash) = 0;
  // Every indexed object with its current annotation version, sorted by hash.
  virtual Result<Collection> root_collection() = 0;
  // Current annotation version of each hash (0 if none); not_found for an unknown hash.
  virtual Result<Collection> current_versions(std::span<const Md5> hashes) = 0;
  // Canonical annotation JSON for each ref, in order; "" where version is 0 or missing.
  virtual Result<std::vector<std::string>> annotations(std::span<const ObjectRef> refs) = 0;
  // The content hash of each ref's annotation (zero Md5 where none), in order.
  virtual Result<std::vector<Md5>> annotation_hashes(std::span<const ObjectRef> refs) = 0;
  // Cursors over the annotations of `refs` (which must outlive them), for
  // evaluating queries while reading: at least one and at most `parts`, each
  // handing out different rows, all reading one snapshot; different cursors
  // may be read on different threads at the same time. No other method of
  // this store may be called while a cursor is alive. The default reads
  // everything with annotations() into one cursor; SqliteStore streams, and
  // splits large scans when no writer is at work.
  virtual Result<std::vector<std::unique_ptr<AnnotationCursor>>> scan_annotations(std::span<const ObjectRef> refs,
                                                                                  unsigned parts);
  // Object info (paths, tags, size, times) for each hash, in order.
  virtual Result<std::vector<ObjectInfo>> objects_info(std::span<const Md5> hashes) = 0;
  // The size and paths of each hash, in order: what reading a selection's
  // files needs, for selections of any size (SqliteStore reads a large one
  // with one scan of every path instead of lookups per object). not_found
  // for an unknown hash.
  virtual Result<std::vector<ObjectFiles>> object_files(std::span<const Md5> hashes) = 0;
  // Adds and removes tags on objects; returns how many objects changed.
  virtual Result<std::uint64_t> update_tags(std::span<const Md5> hashes, std::span<const std::string> add,
                                            std::span<const std::string> remove) = 0;
  // Removes objects from the index with their paths, annotation versions and
  // tags (annotation contents no other object uses go too), in one
  // transaction — unless a saved dataset version holds one of them: then
  // nothing changes and the outcome names the versions. not_found for an
  // unknown hash (nothing removed).
  virtual Result<RemovalOutcome> remove_objects(std::span<const Md5> hashes) = 0;

  // --- what ldb sees in images (SPEC section 8) ----------------------------
  // The stored features of each hash, in order (nothing where none were
  // computed: not an image, or indexed with features off). not_found for an
  // unknown hash.
  virtual Result<std::vector<std::optional<ImageFeatures>>> image_features(std::span<const Md5> hashes) = 0;
  // Records features computed after indexing (`ldb features`), replacing what
  // was stored, in one transaction. not_found for an unknown hash (nothing
  // written).
  virtual Status put_image_features(std::span<const std::pair<Md5, ImageFeatures>> features) = 0;
  // The vectors of `model` (a model key: "builtin" or a plugin's command)
  // stored for each hash, in order; rows of an absent vector are left empty.
  // not_found for an unknown hash.
  virtual Result<Embeddings> embeddings(std::string_view model, std::span<const Md5> hashes) = 0;
  // Stores vectors of `model` (replacing any for the same objects), in one
  // transaction. All of a model's vectors have one length: invalid_argument
  // (nothing written) when they differ from each other or from what the
  // model stored before. not_found for an unknown hash.
  virtual Status put_embeddings(std::string_view model, std::span<const Md5> hashes, const Embeddings& vectors) = 0;
  // The 2-D points stored by `method` for `model`'s vectors of each hash, in
  // order (nothing where none). not_found for an unknown hash.
  virtual Result<std::vector<std::optional<Point2>>> projection(std::string_view model, std::string_view method,
                                                                std::span<const Md5> hashes) = 0;
  // Replaces the whole projection of (model, method) with `points` (one per
  // hash), in one transaction: a projection is computed over a set of
  // objects and is only meaningful as a whole. not_found for an unknown hash.
  virtual Status put_projection(std::string_view model, std::string_view method, std::span<const Md5> hashes,
                                std::span<const Point2> points) = 0;

  // --- collections and datasets --------------------------------------------
  virtual Result<Collection> collection(const Md5& collection_hash) = 0;
  virtual Result<std::vector<DatasetSummary>> datasets() = 0;
  // version 0 = latest. not_found when the dataset or version does not exist.
  virtual Result<DatasetVersion> dataset_version(std::string_view name, std::uint32_t version) = 0;
  // All versions of a dataset, oldest first; not_found for an unknown dataset.
  virtual Result<std::vector<DatasetVersion>> dataset_log(std::string_view name) = 0;
  // Saves `members` (sorted, unique hashes) as the next version of `name`
  // (creating the dataset), recording parent/message/author/time. Returns the
  // saved version. One transaction; concurrent commits each get their own version.
  virtual Result<DatasetVersion> commit_dataset(std::string_view name, const Collection& members, std::uint32_t parent,
                                                std::string_view message, std::string_view author) = 0;
  // commit_dataset that also records the members' transform sets (`transforms`:
  // sorted by hash, each hash a member, no set equal to {self}; anything else
  // is invalid_argument). The saved version's transforms_hash names them.
  virtual Result<DatasetVersion> commit_dataset_with_transforms(std::string_view name, const Collection& members,
                                                                const TransformAssignments& transforms,
                                                                std::uint32_t parent, std::string_view message,
                                                                std::string_view author) = 0;
  // Appends the version `decide` chooses as the next version of `name`
  // (creating the dataset), in one write transaction that also reads the
  // latest version handed to `decide`: no other commit can land between that
  // read and the append. Returns the saved version, or nullopt when `decide`
  // chose to append nothing; `decide`'s error is returned as is.
  Result<std::optional<DatasetVersion>> commit_dataset_decided(std::string_view name, const CommitDecider& decide,
                                                               std::string_view message, std::string_view author);
  // commit_dataset_decided for several datasets (distinct names) in one write
  // transaction: every chosen version is appended, or none is. The result has
  // one entry per name (nullopt where `decide` chose nothing).
  virtual Result<std::vector<std::optional<DatasetVersion>>> commit_datasets_decided(std::span<const std::string> names,
                                                                                     const MultiCommitDecider& decide,
                                                                                     std::string_view message,
                                                                                     std::string_view author) = 0;
  // The transform sets a DatasetVersion::transforms_hash names; empty for the
  // zero hash. corruption when the instance lacks them.
  virtual Result<TransformAssignments> transform_assignments(const Md5& transforms_hash) = 0;
  // Deletes every version of a dataset; not_found when unknown.
  virtual Status delete_dataset(std::string_view name) = 0;
  // Every (dataset, version) whose collection holds the object.
  virtual Result<std::vector<std::pair<std::string, std::uint32_t>>> datasets_containing(const Md5& hash) = 0;
};

// The SQLite backend (store/factory.hpp opens a store by the instance's
// config and is what callers use; these stay for the SQLite-specific tests).
// `busy_timeout`: how long a write waits for another process's lock.
//
// Creates a new, empty instance store in `instance_dir` (which must exist).
Result<std::unique_ptr<Store>> create_sqlite_store(const std::filesystem::path& instance_dir,
                                                   std::chrono::milliseconds busy_timeout = k_default_busy_timeout);
// Opens the store of an existing instance, migrating an older schema.
// not_found when there is none; corruption when it cannot be read. An instance
// this process may not write (or access == read_only) is opened read-only
// (Database::open): reading works, writing fails with check_writable()'s
// error; an older schema that would need migrating is then an io error.
Result<std::unique_ptr<Store>> open_sqlite_store(const std::filesystem::path& instance_dir,
                                                 Access access = Access::as_permitted,
                                                 std::chrono::milliseconds busy_timeout = k_default_busy_timeout);

// The root at or above `path` (component-wise, core::path_is_within) with the
// longest prefix; nullptr when none covers it. `roots` as indexed_roots()
// returns them; the result points into it.
const IndexedRoot* covering_root(std::span<const IndexedRoot> roots, std::string_view path);

// Binary form of a collection (what is content-addressed): per member 16 bytes
// of hash then the version as 4 bytes little-endian.
std::string serialize_collection(const Collection& members);
Result<Collection> deserialize_collection(std::string_view bytes);
Md5 collection_hash(const Collection& members);

// Canonical text of transform assignments (what transforms_hash is the MD5
// of; independent of the instance): a JSON array of [hex hash, [command, ...]]
// with "self" for k_self_transform. "" for none.
std::string serialize_transform_assignments(const TransformAssignments& transforms);
// The zero hash for none, else the MD5 of serialize_transform_assignments.
Md5 transform_assignments_hash(const TransformAssignments& transforms);

}  // namespace ldb::store

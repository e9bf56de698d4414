#pragma once
// The rules of ingest (Store::ingest, IngestSession), written once for every
// backend: which object a file is, which annotation version its annotation
// is (new content, content the object had before, an undone edit, a merge),
// what becomes current, and which objects were relabelled from another path.
// A backend supplies the storage steps as an IngestTarget (its SQL, inside
// one write transaction it opened) and gets an IngestSession back.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "store/ingest_session.hpp"
#include "store/types.hpp"

namespace ldb::store {

// An object row as ingest needs it.
struct StoredObject {
  std::int64_t id = 0;
  std::uint32_t current = 0;  // current annotation version
  std::uint32_t newest = 0;   // highest annotation version
};

// An object to insert: the file it is first found at and its current version.
struct NewObject {
  const IndexedFile* file = nullptr;
  std::uint32_t current = 0;
};

// What a paths row records.
struct StoredPath {
  std::int64_t object_id = 0;
  std::uint32_t annotation_version = 0;
};

// The storage steps of one ingest, all inside the write transaction the
// backend opened before making the target; the target owns that transaction
// (dropping the target uncommitted rolls it back). Called from one thread.
//
// The writer hands the files over in batches (one per IngestSession::add).
// A target on a server may use prefetch() and insert_objects() to spend a
// few round trips per batch instead of several per file: load what the
// batch's steps will read, buffer writes and send them together (before
// anything reads them back, and at commit). The defaults suit a local
// database: nothing ahead, one insert_object per object.
class IngestTarget {
 public:
  virtual ~IngestTarget() = default;
  // Called once per batch before its other steps. When
  // `annotations_stored_as_found`, every annotation of the batch is stored as
  // found (no merge), so their contents may be inserted ahead.
  virtual Status prefetch(std::span<const IndexedFile> files, bool annotations_stored_as_found) {
    (void)files;
    (void)annotations_stored_as_found;
    return {};
  }
  // insert_object for each of `objects` (distinct hashes) in order; their
  // ids, nullopt where the hash exists already.
  virtual Result<std::vector<std::optional<std::int64_t>>> insert_objects(std::span<const NewObject> objects,
                                                                          std::int64_t now) {
    std::vector<std::optional<std::int64_t>> ids;
    ids.reserve(objects.size());
    for (const auto& object : objects) {
      LDB_TRY_ASSIGN(auto id, insert_object(*object.file, object.current, now));
      ids.push_back(id);
    }
    return ids;
  }
  // Inserts a new object for `file` (size, image attributes) with current
  // version `current`, first and last indexed `now`; its id, or nullopt when
  // an object with that hash exists already (nothing changed).
  virtual Result<std::optional<std::int64_t>> insert_object(const IndexedFile& file, std::uint32_t current,
                                                            std::int64_t now) = 0;
  virtual Result<std::optional<StoredObject>> find_object(const Md5& hash) = 0;
  // Records the image attributes of a probed file on an existing object.
  virtual Status set_image(std::int64_t object_id, const IndexedFile& file) = 0;
  virtual Status put_features(std::int64_t object_id, const ImageFeatures& features) = 0;
  virtual Status touch_object(std::int64_t object_id, std::int64_t now, std::uint32_t current) = 0;
  // The id of the annotation content `json` (whose MD5 is `hash`), inserting it when new.
  virtual Result<std::int64_t> content_id(const Md5& hash, std::string_view json) = 0;
  // The object's version with that content, if it has one.
  virtual Result<std::optional<std::uint32_t>> version_with_content(std::int64_t object_id,
                                                                    std::int64_t content_id) = 0;
  virtual Status insert_version(std::int64_t object_id, std::uint32_t version, std::int64_t content_id,
                                std::int64_t now) = 0;
  virtual Result<std::optional<std::string>> annotation_json(std::int64_t object_id, std::uint32_t version) = 0;
  // Records (or re-records) file.path for the object with its annotation's
  // path, size and mtime and `version`.
  virtual Status put_path(const IndexedFile& file, std::int64_t object_id, std::uint32_t version) = 0;
  virtual Status add_tag(std::int64_t object_id, std::string_view tag) = 0;
  virtual Result<std::optional<StoredPath>> find_path(std::string_view path) = 0;
  // The first path (in path order) recorded with this version of the object.
  virtual Result<std::optional<std::string>> first_path_of_version(std::int64_t object_id, std::uint32_t version) = 0;
  // Applies IngestOptions::forget_roots and remember_roots, then commits.
  virtual Status commit(const IngestOptions& options) = 0;
};

std::unique_ptr<IngestSession> make_ingest_writer(std::unique_ptr<IngestTarget> target, IngestOptions options);

}  // namespace ldb::store

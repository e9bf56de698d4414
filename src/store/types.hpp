#pragma once
// Value types shared by the instance store and the layers above it.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/hash.hpp"

namespace ldb::store {

using core::Md5;

// A dataset member: an object and the annotation version pinned with it
// (0 = the object has no annotation).
struct ObjectRef {
  Md5 hash;
  std::uint32_t annotation_version = 0;

  auto operator<=>(const ObjectRef&) const = default;
  bool operator==(const ObjectRef&) const = default;
};

// Membership of a dataset version: sorted by hash, one entry per object.
using Collection = std::vector<ObjectRef>;

enum class AnnotationUpdate { replace, merge };

// How an instance is opened: as_permitted writes when this process may write
// the database file and its folder and reads only otherwise; read_only never
// writes (every write fails with the "instance is read-only" error).
enum class Access { as_permitted, read_only };

// How long a write waits for another process's lock on the instance before it
// fails with conflict ("the instance is busy"), unless the caller passes
// another time (the CLI takes $LDB_BUSY_TIMEOUT_MS).
inline constexpr std::chrono::milliseconds k_default_busy_timeout{10'000};

// An annotation found beside (or for) a data file during indexing.
struct FoundAnnotation {
  std::string path;        // the annotation file ("" when derived, e.g. from a folder name)
  std::uint64_t size = 0;  // of the annotation file, for cheap re-index checks
  std::int64_t mtime_ns = 0;
  std::string canonical_json;  // core::canonical_json form
};

// The content features of an image (SPEC section 8; src/image computes them,
// image/features.hpp says how): perceptual hashes and luma statistics, or why
// the file did not decode.
struct ImageFeatures {
  std::uint64_t phash = 0;
  std::uint64_t dhash = 0;
  double mean = 0;
  double std = 0;
  double sharpness = 0;
  double entropy = 0;
  std::uint8_t channels = 0;
  std::string error;  // non-empty: the file claims to be an image and does not decode; the rest is unset

  bool operator==(const ImageFeatures&) const = default;
};

// Size and format of an object whose bytes are a known image (JPEG, PNG,
// GIF, BMP, WebP, TIFF), read from its header. Width and height are as
// displayed (after the EXIF orientation's rotation).
struct ImageInfo {
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  std::string format;  // "jpeg", "png", "gif", "bmp", "webp", "tiff"
  // Computed when the image was indexed with features on (or by `ldb
  // features`); nothing when never computed. Ingest leaves stored features
  // alone when this is empty.
  std::optional<ImageFeatures> features;

  bool operator==(const ImageInfo&) const = default;
};

// Embedding vectors of one model for a list of objects: `dimensions` floats
// per row, row-major; present[i] says whether row i holds a vector (absent
// rows are zeros).
struct Embeddings {
  std::size_t dimensions = 0;
  std::vector<float> rows;
  std::vector<char> present;
};

// A point of a 2-D projection (`ldb project`).
struct Point2 {
  float x = 0;
  float y = 0;

  bool operator==(const Point2&) const = default;
};

// A data file found and hashed during indexing.
struct IndexedFile {
  std::string path;  // absolute, normalized
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;
  Md5 hash;
  std::optional<FoundAnnotation> annotation;
  // Whether the file's header was examined (it is whenever the file was
  // hashed); when false, ingest leaves the object's image attributes alone.
  bool image_probed = false;
  std::optional<ImageInfo> image;  // when probed: set iff the bytes are a known image
};

// What the store knows of a path from an earlier index run. A re-index may skip
// hashing the data file when size and mtime match, and skip re-reading the
// annotation when its path, size and mtime match too.
struct KnownPath {
  std::string path;
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;
  Md5 hash;
  std::string annotation_path;
  std::uint64_t annotation_size = 0;
  std::int64_t annotation_mtime_ns = 0;
  std::uint32_t annotation_version = 0;  // the version whose content was found at this path
  // The object was indexed before image attributes were recorded (schema 1):
  // a re-index hashes the file again once to read its header.
  bool image_unprobed = false;
};

// A folder (or bucket prefix) that was indexed, with the format and -p
// parameters it was indexed with; a later index or `add` of it, or of a path
// below it, without -m uses them again (the longest prefix wins: see
// covering_root in store/store.hpp).
struct IndexedRoot {
  std::string prefix;  // normalized path or URL prefix
  std::string format;  // the index format's canonical name ("tensorflow-inferred", ...)
  std::vector<std::pair<std::string, std::string>> params;  // -p KEY=VALUE, in the order given

  bool operator==(const IndexedRoot&) const = default;
};

struct IngestOptions {
  AnnotationUpdate update = AnnotationUpdate::replace;
  std::vector<std::string> add_tags;
  // Written in the ingest's transaction at commit, even when no file was
  // added: the roots in forget_roots (exact prefixes) are deleted, then each
  // of remember_roots is recorded, replacing a root of the same prefix.
  std::vector<IndexedRoot> remember_roots;
  std::vector<std::string> forget_roots;
};

// An object whose current annotation an ingest changed to one found at a
// path where its previous current annotation was not found: the same bytes,
// indexed at another path with another annotation, relabel the object for
// every dataset that pulls the current version, not just for that path.
struct CurrentFromAnotherPath {
  Md5 hash;
  std::uint32_t previous_version = 0;
  std::uint32_t version = 0;  // current now
  std::string path;           // the data file's path the new current annotation was found with
  std::string previous_path;  // a path where the previous one was found ("" when no path records it)
};

struct IngestResult {
  // One per input file, in input order: the object and the annotation version
  // that corresponds to the annotation found with it (0 = none found).
  std::vector<ObjectRef> refs;
  std::uint64_t new_objects = 0;
  std::uint64_t new_annotations = 0;  // annotation versions created
  // Objects that had a current annotation before, sorted by hash. Not for
  // annotation-only files, which name the object they annotate.
  std::vector<CurrentFromAnotherPath> current_from_another_path;
};

struct StorageLocation {
  std::string prefix;  // normalized absolute path or URL prefix
  bool read_add = false;
  std::vector<std::pair<std::string, std::string>> options;  // non-secret backend options
};

struct AnnotationVersionInfo {
  std::uint32_t version = 0;
  std::int64_t indexed_at = 0;  // unix seconds
  Md5 content_hash;
};

struct ObjectInfo {
  Md5 hash;
  std::uint64_t size = 0;
  std::int64_t first_indexed = 0;  // unix seconds
  std::int64_t last_indexed = 0;
  std::uint32_t current_version = 0;  // 0 = no annotation
  std::vector<std::string> paths;     // every path it was seen at, sorted
  std::int64_t mtime_ns = 0;          // of the first path
  std::vector<std::string> tags;      // sorted
  std::vector<AnnotationVersionInfo> versions;
  std::optional<ImageInfo> image;  // when its bytes are a known image
};

// What reading an object's bytes needs (Store::object_files).
struct ObjectFiles {
  std::uint64_t size = 0;
  std::vector<std::string> paths;  // every path it was seen at, sorted
};

struct DatasetVersion {
  std::string name;
  std::uint32_t version = 0;
  std::uint32_t parent = 0;  // the version the workspace started from (0 = none)
  // The latest version that a three-way merge combined with the workspace
  // (its second parent, schema 4); 0 when the commit was not a merge.
  std::uint32_t merge_parent = 0;
  Md5 collection_hash;
  std::string message;
  std::string author;
  std::int64_t time = 0;  // unix seconds
  std::uint64_t num_objects = 0;
  std::uint64_t num_annotations = 0;  // members with an annotation
  // Content hash of the members' transform sets (serialize_transform_assignments);
  // the zero hash when every member has the default {self}.
  Md5 transforms_hash;
};

// The transform every member has unless it is given others: a plain copy.
inline constexpr std::string_view k_self_transform = "self";

// A member's transforms, each named by its command: the canonical JSON array
// of a configured `run` (e.g. ["rotate","90"]), or k_self_transform. Sorted,
// unique, never empty. Commands, not config names, so that renaming a
// transform in the config does not change what a dataset means.
using TransformSet = std::vector<std::string>;

struct MemberTransforms {
  Md5 hash;
  TransformSet transforms;

  bool operator==(const MemberTransforms&) const = default;
};

// The transform sets of the members that do not have the default {self},
// sorted by hash. Members absent here have {self}.
using TransformAssignments = std::vector<MemberTransforms>;

// What Store::remove_objects did. When a saved dataset version holds one of
// the objects, nothing is removed: `held_by` lists every such version (sorted
// by name, then version) and `held` the objects concerned (sorted).
struct RemovalOutcome {
  std::uint64_t removed = 0;  // objects removed from the index
  std::vector<std::pair<std::string, std::uint32_t>> held_by;
  std::vector<Md5> held;
};

struct DatasetSummary {
  std::string name;
  DatasetVersion latest;
};

}  // namespace ldb::store

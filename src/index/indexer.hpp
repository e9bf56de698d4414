#pragma once
// The indexer: walks storage paths, pairs data files with their annotations in
// one of the ingest formats (SPEC section 5), hashes and parses in parallel,
// and records everything in the store with ONE Store::ingest call (one
// transaction: the index lands whole or not at all) — or, shared with other
// index processes through a store's work queue (ShareWork, PostgreSQL), in
// batches that each land whole.
//
// Formats (index/format_registry.hpp describes each; parse_format, format_name
// and format_names are declared there):
// - strict-pairs: `x.jpg` + `x.json` side by side (the annotation is the data
//   path with its last extension replaced by ".json"); only complete pairs are
//   indexed; a lone .json is ignored. Every non-.json regular file is data.
// - bare-pairs: as strict, plus data files without an annotation.
// - tensorflow-inferred: the annotation comes from the folders between the
//   indexed root and the file: `root/cat/1.png` -> {"label":"cat"},
//   `root/animal/cat/1.png` -> {"label":{"animal":"cat"}}. As in the original
//   LDB, `-p label-key=a.b` replaces the key path ["label"] by ["a","b"]
//   (-> {"a":{"b":"cat"}}), and `-p base-label=L` labels files directly in the
//   root with L; without base-label those files are skipped (not indexed).
//   JSON files under the root are an error in this format.
// - annotation-only: files `{"annotation": ANY, "ldb_meta": {"data_object_id":
//   "<md5>"}}`, or one file holding an array of those (instantiate's
//   `-p single-file=true`), annotating objects that are already indexed.
// - auto: annotation-only when there are .json files, none of which pairs with
//   a data file, and all are annotation-only; else strict-pairs when a pair
//   exists; else (no .json) tensorflow-inferred when every data file sits in a
//   subfolder of its root; else bare-pairs. Before those rules: coco when
//   there is no pair and every .json file is a COCO file (index/coco.hpp).
// - coco: every .json file is a COCO detection file; each image it lists is
//   indexed with its annotations as its ldb annotation (index/coco.hpp).
//   Data files no COCO file names are not indexed; an image whose file is
//   missing is left out (IndexReport::missing_images). -p images=DIR names
//   the image folder.
// - yolo: Ultralytics layout, images/ + labels/*.txt + data.yaml or
//   classes.txt (index/yolo.hpp); auto picks it, when there is no pair,
//   for a root holding images/, labels/ and a names file.
// - voc: Pascal VOC, one .xml per image (index/voc.hpp); auto picks it, when
//   there is no pair and no .json file, when every .xml file has the root
//   element <annotation>.
// - label-studio: every .json file is a Label Studio export, an array of
//   tasks (index/label_studio.hpp); each task's data file is indexed with the
//   task as its annotation; -p data-key=K names the data key. auto picks it,
//   when there is no pair, when every .json file is an array of tasks with
//   "data" objects.

#include <chrono>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "core/progress.hpp"
#include "core/thread_pool.hpp"
#include "index/format_registry.hpp"
#include "storage/file_system.hpp"
#include "store/store.hpp"

namespace ldb::index {

// What to do with an annotation file that is not valid JSON.
enum class BadAnnotation {
  fail,  // the whole index fails naming the file; nothing is written
  skip,  // the file's pair is left out, the error is kept in IndexReport::skipped
};

// Whether a data file outside the paths being indexed may be indexed (the
// caller's storage rule: inside a registered storage location); its error
// says why not.
using LocationCheck = std::function<Status(std::string_view path)>;

// Scale-out indexing (SPEC section 12; docs/team.md "Scale-out indexing"):
// on a store that offers a work queue (store/work_queue.hpp: PostgreSQL),
// index processes indexing the same paths with the same options at the same
// time share one run. The plan (sorted by data path) is cut into batches of
// `batch_files` items (an item is a data file with its annotation, so pairs
// stay together); each batch is leased, hashed and ingested in one
// transaction that marks it done. A worker with no batch left waits for the
// others' batches, taking over any whose lease expires, until the run is
// done. Without a queue (SQLite) a run is one transaction, as always.
struct ShareWork {
  bool enabled = false;
  std::size_t batch_files = 2000;            // short transactions; tests set it small
  std::chrono::milliseconds lease{60'000};   // renewed every lease/3 while a batch is worked on
  std::chrono::milliseconds poll{250};       // how often a worker with no batch left looks again
  std::chrono::milliseconds batch_pause{0};  // tests only: a pause per batch, to be killed in the middle
};

struct IndexOptions {
  Format format = Format::auto_detect;
  std::vector<std::pair<std::string, std::string>> params;  // -p K=V: label-key, base-label (infer), images (coco)
  store::IngestOptions ingest;                              // annotation-update mode, add-tags
  BadAnnotation bad_annotation = BadAnnotation::fail;
  // Files that annotations name outside the paths being indexed (an absolute
  // path in a Label Studio task, COCO's -p images=DIR) are indexed when this
  // accepts them; without it they are refused.
  LocationCheck location_check;
  // Compute the content features of the images hashed (SPEC section 8) in the
  // same pass; off, their stored features are left as they are.
  bool features = true;
  ShareWork share;
};

// An image file that claims a format and does not decode (its features hold
// the error instead): indexed all the same.
struct UndecodableImage {
  std::string path;
  std::string error;
};

// An image a COCO file lists whose file was found nowhere.
struct MissingImage {
  std::int64_t id = 0;
  std::string file_name;                // as the COCO file writes it
  std::vector<std::string> looked_for;  // the paths tried, in order
};

// The images of one annotation file left out because their files are missing.
struct MissingImages {
  std::string annotation_file;
  std::vector<MissingImage> images;  // in file order
};

// One line for people: "1 image of 'F' skipped: file not found: 'x.jpg'"
// (up to three names, then "and N more").
std::string describe_missing(const MissingImages& missing);

// One line per image: "'F': image id 3: 'x.jpg' is not at 'P1', 'P2'".
std::string describe_missing_image(std::string_view annotation_file, const MissingImage& image);

// What a worker of a shared run (ShareWork) did. Its IndexReport counts only
// the batches it committed.
struct SharedRun {
  bool shared = false;           // the run went through a work queue
  bool joined = false;           // another worker had created the run
  std::uint32_t batches = 0;     // in the whole run
  std::uint32_t indexed = 0;     // batches this worker committed
  std::uint32_t taken_over = 0;  // of those, batches another worker's lease had expired on
  std::uint32_t lost = 0;        // batches this worker's lease expired on and another took over
};

struct IndexReport {
  Format format_used = Format::auto_detect;
  // Every format the run read files in (index/roots.hpp), format_used first.
  std::vector<Format> formats_used;
  std::uint64_t data_objects_found = 0;  // data files found (paths)
  std::uint64_t new_objects = 0;
  std::uint64_t annotations_found = 0;
  std::uint64_t new_annotations = 0;
  std::uint64_t skipped_unchanged = 0;               // data files whose hash was not recomputed
  std::uint64_t images_with_features = 0;            // images hashed whose features were computed
  std::vector<UndecodableImage> undecodable_images;  // in path order
  // The objects found under the paths with the annotation version found there:
  // sorted by hash, one per hash; when one object was found at several paths
  // with different annotations, the highest version wins.
  store::Collection refs;
  // With BadAnnotation::skip: one error per annotation file left out, by path.
  std::vector<Error> skipped;
  // Images left out of otherwise indexed COCO files, by annotation file path:
  // not errors, for the caller to warn about.
  std::vector<MissingImages> missing_images;
  // -m coco: JSON files beside COCO detection files that have images and
  // annotations but no "categories" (captions_*.json), left out, by path.
  std::vector<std::string> not_detection;
  // Objects already annotated whose current annotation is now one found at
  // another path (store::IngestResult::current_from_another_path).
  std::vector<store::CurrentFromAnotherPath> current_from_another_path;
  SharedRun shared;
};

// Indexes `paths` (files or folders; globs already expanded by the caller)
// into the store in one Store::ingest call (with options.share on a store
// with a work queue: in batches shared with other processes, ShareWork). Without options.format (and
// params), files below a folder an earlier run indexed are read in the format
// it remembers; the folders whose format this run decides are remembered
// (index/roots.hpp). Hashing and JSON parsing run on
// `pool`. Data files whose path, size and mtime match store.known_paths_under
// are not hashed again; their annotation file is not re-read when its path,
// size and mtime match too. Progress phases: "scanning", "indexing".
// Errors (nothing written): not_found for a missing path, invalid_argument for
// a bad format parameter or malformed annotation, not_found for an
// annotation-only file naming an unindexed object, io for unreadable files.
Result<IndexReport> index_paths(store::Store& store, storage::FileSystem& fs, core::ThreadPool& pool,
                                core::Progress& progress, std::span<const std::string> paths,
                                const IndexOptions& options);

// Without writing anything: the objects found under `paths` (read in the
// remembered formats, as index_paths would) as the store already knows them (for instances where auto-indexing is off),
// sorted by hash with the newest version winning. not_found naming the first file that was never indexed, conflict
// naming the first file whose data or annotation changed since; both hint "run: ldb index <path>".
Result<store::Collection> resolve_indexed(store::Store& store, storage::FileSystem& fs,
                                          std::span<const std::string> paths, const IndexOptions& options);

}  // namespace ldb::index

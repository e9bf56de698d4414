#pragma once
// ldb index: reading data objects and annotations in place into the instance.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "app/selection.hpp"
#include "app/session.hpp"

namespace ldb::app {

// How `ldb index` shares a run with other index processes on a store that
// offers a work queue (PostgreSQL; index::ShareWork). Unset: the defaults
// (2000 files per batch, 60 s leases). The CLI sets these from
// LDB_INDEX_BATCH_FILES / LDB_INDEX_LEASE_MS (tuning, tests) and
// LDB_INDEX_BATCH_PAUSE_MS (tests only).
struct IndexSharing {
  std::optional<std::size_t> batch_files;
  std::optional<std::chrono::milliseconds> lease;
  std::optional<std::chrono::milliseconds> batch_pause;
};

struct IndexRequest {
  std::vector<std::string> paths;  // files, folders, globs, URLs; relative to the Context's cwd
  IndexSettings settings;
  IndexSharing sharing;
};

// An annotation file whose images were not all found: left out, the rest indexed.
struct MissingImagesNote {
  std::string summary;               // one line naming the file and how many
  std::vector<std::string> details;  // where each image was looked for
};

struct IndexSummary {
  std::vector<std::string> formats;  // the formats files were read in, the main one first
  std::uint64_t data_objects_found = 0;
  std::uint64_t new_objects = 0;
  std::uint64_t annotations_found = 0;
  std::uint64_t new_annotations = 0;
  std::uint64_t skipped_unchanged = 0;  // data files whose hash was not recomputed
  std::uint64_t images_with_features = 0;
  // Files that claim to be images and do not decode: indexed, with image.error.
  struct UndecodableImage {
    std::string path;
    std::string error;
  };
  std::vector<UndecodableImage> undecodable_images;
  std::vector<MissingImagesNote> missing_images;
  std::vector<std::string> not_detection;  // COCO-like JSON files left out (captions_*.json)
  // Objects whose current annotation is now one found at another path.
  struct Relabel {
    core::Md5 hash;
    std::uint32_t previous_version = 0;
    std::uint32_t version = 0;
    std::string path;
    std::string previous_path;  // "" when no path records it
  };
  std::vector<Relabel> current_from_another_path;
  // Malformed annotation files, left out (the rest of the run is indexed):
  // one error each. The front end reports them and fails the command.
  std::vector<Error> skipped;
  // A run shared through the store's work queue (several index processes):
  // the counts above are this process's batches only.
  struct Shared {
    bool joined = false;           // another process had started the run
    std::uint32_t batches = 0;     // in the whole run
    std::uint32_t indexed = 0;     // committed by this process
    std::uint32_t taken_over = 0;  // of those, batches whose earlier lease had expired
    std::uint32_t lost = 0;        // this process's leases that expired and were taken over
  };
  std::optional<Shared> shared;
};

Result<IndexSummary> index(Session& session, const IndexRequest& request);

}  // namespace ldb::app

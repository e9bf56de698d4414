#pragma once
// ldb index: reading data objects and annotations in place into the instance.

#include <cstdint>
#include <string>
#include <vector>

#include "app/selection.hpp"
#include "app/session.hpp"

namespace ldb::app {

struct IndexRequest {
  std::vector<std::string> paths;  // files, folders, globs, URLs; relative to the Context's cwd
  IndexSettings settings;
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
};

Result<IndexSummary> index(Session& session, const IndexRequest& request);

}  // namespace ldb::app

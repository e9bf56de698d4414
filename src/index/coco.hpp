#pragma once
// Reader of the COCO detection format (SPEC section 5): one JSON file with
// top-level "images", "annotations" and "categories". Each image becomes a
// data object whose ldb annotation is the detection shape shared by every
// detection format, canonical:
//   {"source_format": "coco",
//    "image": {"id", "file_name", "width"?, "height"?, "license"?, ...every
//              other key of the COCO image entry, as written},
//    "objects": [{"category" (the category's name), "category_id",
//                 "supercategory"? (the category's, when it has one),
//                 "id"? (the annotation's), "bbox" [x, y, w, h] absolute,
//                 "segmentation"? (polygons or RLE; an empty list is dropped),
//                 "area"?, "iscrowd"?, ...every other key of the COCO
//                 annotation, as written}]}
// An annotation's "image_id" is not kept (the image is the object), nor its
// own "category" or "supercategory" keys (the shape's come from the category).
// The COCO writer (formats/coco_writer.hpp) writes these keys back.

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "index/indexer.hpp"
#include "index/scan.hpp"

namespace ldb::index {

struct CocoImage {
  std::int64_t id = 0;         // the COCO image id
  std::string data_path;       // the image file, found as CocoImageFolders says
  std::string canonical_json;  // the image's ldb annotation (detection shape)
};

struct CocoFile {
  std::vector<CocoImage> images;      // the images whose file was found, in file order
  std::vector<MissingImage> missing;  // the others, in file order
};

// True when `text` is a JSON object holding the keys "images", "annotations"
// and "categories" (what -m auto takes for COCO); nothing else is checked.
bool is_coco_json(std::string_view text);

// True for a JSON object with "images" and "annotations" but no
// "categories": a COCO file of another task (captions_*.json), which the
// COCO downloads keep beside the detection files.
bool is_coco_without_categories(std::string_view text);

struct CocoMergeNames {
  std::string_view data_path;   // the image file both COCO files name
  std::string_view first_file;  // the COCO files, for messages
  std::string_view second_file;
};

// One image's annotations from two COCO files (parse_coco's canonical JSON)
// as one: the image entry's keys of both; objects with the same annotation
// id merged key by key (person_keypoints_*.json repeats the person boxes of
// instances_*.json with keypoints added), the others of both kept, first's
// first. invalid_argument naming the image, both files and the key when
// they disagree on a value.
Result<std::string> merge_coco_images(std::string_view first, std::string_view second, const CocoMergeNames& names);

// Tells whether a candidate path is a data file that may be indexed.
using FileExists = std::function<bool(std::string_view path)>;

// Where the images of a COCO file are looked for. Empty `images`: an image's
// file_name F resolves against, in order, (1) the JSON's folder, (2) its
// "images/" folder, (3) the `siblings`: "/d/val2017/F" for
// "/d/annotations/instances_val2017.json", the layout of the COCO downloads.
// The first step that finds F wins; F in two sibling folders is ambiguous
// (an error, never a guess). A non-empty `images` (-p images=DIR) is the one
// folder looked in.
struct CocoImageFolders {
  std::string images;                 // a folder path ending in '/', or empty
  std::vector<std::string> siblings;  // folder paths ending in '/', sorted
};

// The sibling folders of the folder of `json_path`: every folder beside it
// that holds one of the scanned `data` files (sorted by path), ending in '/',
// sorted. None when the JSON's folder is a root ("/", "s3://bucket/").
std::vector<std::string> coco_sibling_folders(std::string_view json_path, std::span<const ScannedFile> data);

// Parses the COCO file at `json_path` (its text is `text`), finding each
// image's file as `folders` says. An image whose file is found nowhere is
// left out and listed in CocoFile::missing, unless no image of the file is
// found at all: then not_found naming the first one, with a hint on where
// images are looked for. Errors name the file and the entry ("image id 3",
// "annotation id 17"): invalid_argument for malformed JSON, missing or
// mistyped keys, duplicate ids, an annotation whose image_id or category_id
// is unknown, a bbox that is not 4 numbers, a file_name that is absolute or
// leaves the folder ("../"), and a file_name found in two sibling folders.
Result<CocoFile> parse_coco(std::string_view text, std::string_view json_path, const CocoImageFolders& folders,
                            const FileExists& file_exists);

}  // namespace ldb::index

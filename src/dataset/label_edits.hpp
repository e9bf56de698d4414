#pragma once
// Edited label files of a detection layout (COCO, YOLO, VOC, Label Studio) in
// a workspace. Such a file is a lossy rendering of ldb's annotations: YOLO
// holds a class and a normalized box per object, VOC no segmentation, none of
// them COCO's ids, areas or extra keys. So an edited file is not recorded as
// the annotation it reads as: it is merged into the annotation instantiate
// wrote, object by object. Each object of the original annotation is matched
// with the file by its written form, i.e. by what the layout's reader gives
// back for what the writer wrote for it (formats/label_read_back.hpp): a file
// object equal to that is the original object, kept verbatim (its
// segmentation, area, ids and exact coordinates); a file object matching none
// is an edited or added box; an original object the file no longer holds was
// deleted. One piece of logic serves every layout; the layouts differ only in
// the written forms they report.

#include <cstddef>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/hash.hpp"
#include "index/indexer.hpp"
#include "store/types.hpp"

namespace ldb::dataset {

// One member of a detection layout with the annotation version its files were written from.
struct LabelSource {
  core::Md5 hash;
  std::string_view annotation;            // canonical JSON
  std::optional<store::ImageInfo> image;  // the data file's size, when it is an image ldb read the header of
};

// What a layout's file holds for one annotation, as the layout's reader reads it back.
struct WrittenLabels {
  // Canonical JSON of each object the reader gives back, in file order.
  std::vector<std::string> objects;
  // Per entry of `objects`: the index of the annotation's object it was written
  // for, or nullopt for one the writer made up (COCO's whole-image box for an
  // image-level label). Annotation objects no entry names were not written
  // (a box outside its image, ...).
  std::vector<std::optional<std::size_t>> written_for;
  // Set when the file holds the annotation's other top-level keys as they are
  // (a Label Studio task written back as indexed from Label Studio): those
  // keys then come from the edited file, except these, which stay the
  // annotation's (the file holds its own version of them).
  std::optional<std::vector<std::string>> kept_keys;
};

// Renders members' annotations the way instantiate writes `layout` and reads
// the result back with the layout's reader: one WrittenLabels per entry of
// `wanted` (indexes into `members`). `members` are all members the layout
// holds, as writers decide class tables and ids over the whole dataset.
// Errors are the writer's (an annotation it cannot write).
using ReadBackLabels = std::function<Result<std::vector<WrittenLabels>>(
    index::Format layout, std::span<const LabelSource> members, std::span<const std::size_t> wanted)>;

// The WrittenLabels of an annotation whose objects read back as they are:
// each object is its own written form. For callers without a layout's writer.
WrittenLabels written_as_is(std::string_view annotation);

// The annotation an edited label file gives. `original` is the annotation
// version the file was written from, `written` what the file held for it,
// `edited` the layout reader's annotation of the file now (both canonical).
// The result is `original` with its "objects" replaced by the file's objects
// in file order: a file object equal to an unused entry of written.objects is
// the original object that entry was written for, verbatim (or nothing, for a
// made-up entry); an original object that was not written is kept, after the
// original object before it (at the end when that one was deleted); any other
// file object is new, and takes
// "category_id" and "supercategory" from an original object of its category.
// Original objects the file no longer holds are dropped. The other top-level
// keys are the original's (see WrittenLabels::kept_keys). Returns canonical
// JSON, equal to `original` when the file changed nothing the annotation holds;
// `edited` itself when `original` is not a JSON object. invalid_argument
// naming `subject` when either is not valid JSON.
Result<std::string> merge_label_edit(std::string_view original, const WrittenLabels& written, std::string_view edited,
                                     std::string_view subject);

// One change to a box (an entry of the annotation's "objects"), as the web
// UI's object panel makes it.
enum class BoxAction { set_category, remove };

struct BoxEdit {
  std::size_t index = 0;  // into "objects", as stored
  BoxAction action = BoxAction::set_category;
  std::string category;  // set_category: the new class (not empty)
};

// `original` (a stored annotation, canonical) with `edits` applied: a box's
// "category" set (its "category_id" and "supercategory" then come from a box
// of that class in the annotation, as merge_label_edit gives them, else go),
// or the box removed; every other byte stays. invalid_argument naming
// `subject` when the annotation has no "objects" array (not the detection
// shape), an index is out of range or given twice, the entry is not a JSON
// object, a class is empty, or there are no edits. Returns canonical JSON.
Result<std::string> edit_boxes(std::string_view original, std::span<const BoxEdit> edits, std::string_view subject);

}  // namespace ldb::dataset

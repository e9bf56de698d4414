#pragma once
// The written form of annotations in a detection layout (COCO, YOLO, VOC,
// Label Studio), for merging edited label files (dataset/label_edits.hpp):
// each annotation is written as instantiate writes it, by the layout's own
// writer over the same members, and read back by the layout's own reader, so
// that an object of an edited file equals its written form exactly when the
// file still says what instantiate wrote for it (however the file is
// formatted). Nothing touches the disk.

#include <cstddef>
#include <span>
#include <vector>

#include "core/error.hpp"
#include "dataset/label_edits.hpp"
#include "index/indexer.hpp"

namespace ldb::formats {

// dataset::ReadBackLabels for the detection layouts. YOLO and COCO write every
// member of `members` (their class tables and ids are decided over all of
// them), VOC and Label Studio only the `wanted` ones. invalid_argument for a
// layout that is not a detection layout, and the writer's errors (an
// annotation it cannot write); internal when the reader does not give back
// what the writer says it wrote.
Result<std::vector<dataset::WrittenLabels>> read_back_labels(index::Format layout,
                                                             std::span<const dataset::LabelSource> members,
                                                             std::span<const std::size_t> wanted);

}  // namespace ldb::formats

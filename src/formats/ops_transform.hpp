#pragma once
// Running a built-in image-ops transform (`[transform.NAME] ops = [...]`) on
// one member: read the data object, decode it shrunk as far as the ops allow
// (image/decode.hpp, image/ops.hpp needed_scale), run the ops, encode, and map
// the member's annotation through the same geometry so that its boxes frame
// the same things in the new pixels.
//
// Orientation: decoding applies the EXIF/TIFF orientation, the ops work on
// the picture as a viewer shows it, and the output carries no EXIF, so its
// stored pixels are what is shown. Boxes are taken to be in the stored
// pixels' frame (as the detection readers record them), and are first turned
// by the orientation — unless the annotation's image width and height are the
// displayed size and not the stored one (a 90° or 270° orientation of a
// non-square image), which says the boxes were drawn on the displayed image.
// An annotation whose image size differs from the pixels' is scaled to them.

#include <filesystem>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "formats/instantiate.hpp"
#include "formats/transform_runner.hpp"
#include "image/ops.hpp"
#include "storage/file_system.hpp"

namespace ldb::formats {

// Runs `transform` (whose ops are set) on `member`, writing the encoded image
// into `output_dir` as "image.<ext>": the format op's format, else the
// source's when it is JPEG, PNG or WebP, else PNG. The output has
// TransformOutput::annotation_json set when the member has an annotation.
// invalid_argument naming the transform and object when the data object is
// not an image ldb decodes; io / not_found reading it or writing the output.
Result<TransformOutput> run_ops_transform(storage::FileSystem& fs, const Member& member,
                                          const MemberTransform& transform, const std::filesystem::path& output_dir);

// The canonical JSON of `annotation` (canonical JSON) for an image made from
// one whose pixels are `pixels` (as displayed, after `orientation`) by `ops`:
// in the detection shape ("image" and/or "objects"), each object's "bbox"
// and polygon "segmentation" mapped (objects a crop cuts away dropped, an RLE
// segmentation dropped, "area" recomputed where present, "id"s removed so
// that a writer numbers them afresh), "image" width and height set to the new
// size and its "id" removed; a Label Studio task keeps only "image" and
// "objects". Any other annotation is returned unchanged. invalid_argument for
// an annotation that is not JSON.
Result<std::string> transformed_annotation(std::string_view annotation, const image::OpList& ops, image::Size pixels,
                                           std::uint8_t orientation);

}  // namespace ldb::formats

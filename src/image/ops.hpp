#pragma once
// Built-in image ops: the `ops = ["resize 256x256 fit", "center-crop 224x224",
// ...]` of a `[transform.NAME]` (docs/transforms.md). This file parses op
// texts, computes the geometry an op list gives an image of a known size, maps
// boxes and polygons through it (so annotations follow the pixels), and runs
// the ops on a decoded Picture. Encoding is in image/encode.hpp.
//
// Geometry works on continuous pixel-edge coordinates: an image of W × H
// covers [0, W] × [0, H], and a box [x, y, w, h] its rectangle. Every op is an
// axis-aligned map (a scale, a shift, a mirror, a quarter turn) followed by a
// clip to the new image, so a box stays a box: a resize scales it, a crop
// shifts and clips it (a box cut away entirely is dropped), flips mirror it,
// rotations turn it.

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "image/decode.hpp"

namespace ldb::image {

// The largest width or height an op may name.
inline constexpr std::uint32_t k_max_op_side = 16384;

enum class ResizeMode { fit, fill, stretch };
enum class OutputFormat { jpeg, png, webp };

struct Size {
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  bool operator==(const Size&) const = default;
};

struct Op {
  enum class Kind { resize, center_crop, flip_h, flip_v, rotate, grayscale };
  Kind kind = Kind::flip_h;
  Size size;                          // resize, center_crop
  ResizeMode mode = ResizeMode::fit;  // resize
  int degrees = 0;                    // rotate: 90, 180 or 270, clockwise
  bool operator==(const Op&) const = default;
};

// An op list: the pixel ops in order, and the output format when a `format`
// op (always the last) names one.
struct OpList {
  std::vector<Op> steps;
  std::optional<OutputFormat> format;
  int quality = 0;  // 1..100 for jpeg and webp, 0 for png
  bool operator==(const OpList&) const = default;
};

// Parses op texts (words separated by blanks): `resize WxH [fit|fill|stretch]`
// (fit when no mode is given), `center-crop WxH`, `flip-h`, `flip-v`,
// `rotate 90|180|270`, `grayscale`, `format jpeg Q | png | webp Q` (Q 1..100;
// at most one format op, and the last). Sides are 1..k_max_op_side.
// invalid_argument whose message starts with "op 'TEXT': " and names the
// problem, with a hint giving the op's grammar.
Result<OpList> parse_ops(std::span<const std::string> texts);

// The normalised texts of an op list (single spaces, the resize mode spelled
// out, the format last): parse_ops(normalised(ops)) == ops.
std::vector<std::string> normalised(const OpList& ops);

// One op as a map of continuous coordinates (internal to the geometry, public
// for tests): x' = ax * (swap ? y : x) + bx, y' = ay * (swap ? x : y) + by,
// then clipped to [0, out.width] × [0, out.height].
struct Step {
  bool swap = false;
  double ax = 1, bx = 0, ay = 1, by = 0;
  Size out;
};

// What an op list does to an image of a given size.
struct Geometry {
  Size input;
  Size output;
  std::vector<Step> steps;
};

// The geometry of `ops` applied to an image of `input` (both sides >= 1).
// Sizes: fit keeps the aspect, largest inside W × H (each side at least 1);
// fill scales to cover W × H and crops the middle; stretch is W × H; a
// center-crop larger than the image keeps the image's side; a quarter turn
// swaps width and height.
Geometry geometry(const OpList& ops, Size input);

// The ops that turn stored pixels into the picture a viewer shows under an
// EXIF/TIFF orientation (1..8; others: none): 2 flip-h, 3 rotate 180, 4
// flip-v, 5 rotate 90 + flip-h, 6 rotate 90, 7 rotate 270 + flip-h, 8 rotate 270.
OpList orientation_ops(std::uint8_t orientation);

// [x, y, width, height].
using Box = std::array<double, 4>;

// `box` mapped through `geometry`: clipped at every crop; nullopt when a crop
// leaves nothing of it (no area where it had area, or nothing at all).
std::optional<Box> map_box(const Geometry& geometry, const Box& box);

// A polygon [x1, y1, x2, y2, ...] mapped through `geometry`, clipped to each
// image on the way (Sutherland-Hodgman); empty when nothing of it is left.
std::vector<double> map_polygon(const Geometry& geometry, std::span<const double> polygon);

// The smallest share (0, 1] of the source's resolution the ops need: the
// largest scale any resize leaves relative to the source (1 without a
// resize, or when a resize enlarges). A decoder may shrink the source to
// about this share before apply_ops without losing detail the output has.
double needed_scale(const OpList& ops, Size input);

// Runs the ops on `picture`, which shows the whole source of size `source`
// (the same size, or the source shrunk on decoding: each side scaled by about
// picture/source). The result has geometry(ops, source).output's size.
// Resizing is separable Lanczos-3 over the source window each output pixel
// covers (its support widened by the shrink factor, so it averages what it
// shrinks), done once per resize op; crops, flips and turns before and after
// a resize move the window, not pixels, except that flips and turns are
// applied to the picture (exactly). grayscale is BT.601 luma and makes the
// picture's source_channels 1.
Picture apply_ops(Picture picture, const OpList& ops, Size source);

}  // namespace ldb::image

// Image ops: parsing, geometry, and running them on pixels.
//
// Pixels follow the geometry lazily. The picture P (the decoded source,
// perhaps shrunk on decoding) is kept with a window — the rectangle of P, in
// continuous coordinates, that the current image shows — and the current
// image's nominal size. A crop moves the window, a resize changes the nominal
// size, and only a second resize (or the end) resamples the window to the
// nominal size. So `resize 256x256 fill, center-crop 224x224` resamples once,
// straight from the decoded source, and a crop of an unresized image copies
// pixels. Flips and quarter turns are exact on any picture, so they are
// applied to P at once (and to the window).
//
// Resampling is separable Lanczos-3 with its support widened by the shrink
// factor (as Pillow and libvips' reduce do): shrinking, each output pixel is
// a windowed-sinc weighted mean of the source it covers, which keeps edges
// sharp without the aliasing of point sampling; enlarging, it interpolates
// with less blur than bilinear. The decoders' integer box shrink before it
// (JPEG's scaled DCT, the box filter of the row decoders) is left at least a
// factor of two above the output, as vipsthumbnail leaves it, so that Lanczos
// does the final, quality-deciding step.

#include "image/ops.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include <fmt/format.h>

namespace ldb::image {
namespace {

constexpr std::string_view k_grammar =
    "ops are: resize WxH fit|fill|stretch, center-crop WxH, flip-h, flip-v, rotate 90|180|270, grayscale, "
    "format jpeg Q | png | webp Q (Q 1..100)";

std::vector<std::string> words_of(std::string_view text) {
  std::vector<std::string> words;
  std::string word;
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      if (!word.empty()) words.push_back(std::move(word));
      word.clear();
    } else {
      word.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  return words;
}

std::unexpected<Error> bad_op(std::string_view text, std::string_view problem, std::string_view hint) {
  return fail(ErrorCode::invalid_argument, fmt::format("op '{}': {}", text, problem), std::string(hint));
}

// A whole number 1..max written in decimal digits only.
std::optional<std::uint32_t> whole(std::string_view digits, std::uint32_t max) {
  if (digits.empty() || digits.size() > 6) return std::nullopt;
  std::uint32_t value = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<std::uint32_t>(c - '0');
  }
  if (value < 1 || value > max) return std::nullopt;
  return value;
}

std::optional<Size> size_of(std::string_view word) {
  auto x = word.find('x');
  if (x == std::string_view::npos) return std::nullopt;
  auto width = whole(word.substr(0, x), k_max_op_side);
  auto height = whole(word.substr(x + 1), k_max_op_side);
  if (!width || !height) return std::nullopt;
  return Size{*width, *height};
}

Result<Size> size_arg(std::string_view text, const std::vector<std::string>& words, std::string_view example) {
  if (words.size() < 2) return bad_op(text, "needs a size WxH", fmt::format("for example: {}", example));
  auto size = size_of(words[1]);
  if (!size) {
    return bad_op(text, fmt::format("the size '{}' is not WxH with whole numbers 1..{}", words[1], k_max_op_side),
                  fmt::format("for example: {}", example));
  }
  return *size;
}

struct FormatOp {
  OutputFormat format;
  int quality = 0;
};

Result<FormatOp> parse_format(std::string_view text, const std::vector<std::string>& words) {
  constexpr std::string_view hint = "for example: format jpeg 90, format png or format webp 80";
  if (words.size() < 2) return bad_op(text, "needs jpeg Q, png or webp Q", hint);
  if (words[1] == "png") {
    if (words.size() > 2) return bad_op(text, "png takes no quality", hint);
    return FormatOp{OutputFormat::png, 0};
  }
  if (words[1] != "jpeg" && words[1] != "jpg" && words[1] != "webp") {
    return bad_op(text, fmt::format("unknown output format '{}'", words[1]), hint);
  }
  OutputFormat format = words[1] == "webp" ? OutputFormat::webp : OutputFormat::jpeg;
  if (words.size() != 3) return bad_op(text, fmt::format("{} needs one quality 1..100", words[1]), hint);
  auto quality = whole(words[2], 100);
  if (!quality) return bad_op(text, fmt::format("the quality '{}' is not a whole number 1..100", words[2]), hint);
  return FormatOp{format, static_cast<int>(*quality)};
}

Result<Op> parse_step(std::string_view text, const std::vector<std::string>& words) {
  const std::string& name = words.front();
  auto no_args = [&](Op::Kind kind) -> Result<Op> {
    if (words.size() > 1) return bad_op(text, fmt::format("{} takes no arguments", name), k_grammar);
    Op op;
    op.kind = kind;
    return op;
  };
  if (name == "resize") {
    constexpr std::string_view example = "resize 256x256 fit";
    auto size = size_arg(text, words, example);
    if (!size) return std::unexpected(size.error());
    Op op{Op::Kind::resize, *size, ResizeMode::fit, 0};
    if (words.size() > 3) return bad_op(text, "has words after the mode", "for example: resize 256x256 fill");
    if (words.size() == 3) {
      if (words[2] == "fit") {
        op.mode = ResizeMode::fit;
      } else if (words[2] == "fill") {
        op.mode = ResizeMode::fill;
      } else if (words[2] == "stretch") {
        op.mode = ResizeMode::stretch;
      } else {
        return bad_op(text, fmt::format("unknown resize mode '{}'", words[2]),
                      "the modes are fit (inside WxH, aspect kept), fill (cover WxH, then crop the middle) and "
                      "stretch (exactly WxH)");
      }
    }
    return op;
  }
  if (name == "center-crop") {
    auto size = size_arg(text, words, "center-crop 224x224");
    if (!size) return std::unexpected(size.error());
    if (words.size() > 2) return bad_op(text, "has words after the size", "for example: center-crop 224x224");
    return Op{Op::Kind::center_crop, *size, ResizeMode::fit, 0};
  }
  if (name == "flip-h") return no_args(Op::Kind::flip_h);
  if (name == "flip-v") return no_args(Op::Kind::flip_v);
  if (name == "grayscale" || name == "greyscale") return no_args(Op::Kind::grayscale);
  if (name == "rotate") {
    if (words.size() != 2 || (words[1] != "90" && words[1] != "180" && words[1] != "270")) {
      return bad_op(text, "rotate takes 90, 180 or 270 (degrees clockwise)", "for example: rotate 90");
    }
    return Op{Op::Kind::rotate, {}, ResizeMode::fit, std::stoi(words[1])};
  }
  return bad_op(text, fmt::format("unknown op '{}'", name), k_grammar);
}

std::string_view mode_name(ResizeMode mode) {
  switch (mode) {
    case ResizeMode::fit:
      return "fit";
    case ResizeMode::fill:
      return "fill";
    case ResizeMode::stretch:
      return "stretch";
  }
  return "fit";
}

std::uint32_t clamp_side(double value, std::uint32_t max) {
  return static_cast<std::uint32_t>(std::clamp(std::round(value), 1.0, static_cast<double>(max)));
}

// The map an op gives an image of size `in`; nullopt for grayscale.
std::optional<Step> step_of(const Op& op, Size in) {
  const double w = in.width;
  const double h = in.height;
  Step step;
  step.out = in;
  switch (op.kind) {
    case Op::Kind::resize: {
      const double W = op.size.width;
      const double H = op.size.height;
      if (op.mode == ResizeMode::stretch) {
        step.ax = W / w;
        step.ay = H / h;
        step.out = op.size;
      } else if (op.mode == ResizeMode::fit) {
        double s = std::min(W / w, H / h);
        step.out = Size{clamp_side(w * s, op.size.width), clamp_side(h * s, op.size.height)};
        step.ax = step.out.width / w;
        step.ay = step.out.height / h;
      } else {
        double s = std::max(W / w, H / h);
        step.ax = step.ay = s;
        step.bx = -(w * s - W) / 2;
        step.by = -(h * s - H) / 2;
        step.out = op.size;
      }
      return step;
    }
    case Op::Kind::center_crop: {
      std::uint32_t cw = std::min(op.size.width, in.width);
      std::uint32_t ch = std::min(op.size.height, in.height);
      // Whole-pixel offsets, so that a crop of an unresized image copies pixels.
      step.bx = -static_cast<double>((in.width - cw) / 2);
      step.by = -static_cast<double>((in.height - ch) / 2);
      step.out = Size{cw, ch};
      return step;
    }
    case Op::Kind::flip_h:
      step.ax = -1;
      step.bx = w;
      return step;
    case Op::Kind::flip_v:
      step.ay = -1;
      step.by = h;
      return step;
    case Op::Kind::rotate:
      if (op.degrees == 180) {
        step.ax = step.ay = -1;
        step.bx = w;
        step.by = h;
        return step;
      }
      step.swap = true;
      step.out = Size{in.height, in.width};
      if (op.degrees == 90) {  // (x, y) -> (h - y, x)
        step.ax = -1;
        step.bx = h;
      } else {  // 270: (x, y) -> (y, w - x)
        step.ay = -1;
        step.by = w;
      }
      return step;
    case Op::Kind::grayscale:
      return std::nullopt;
  }
  return std::nullopt;
}

std::array<double, 2> apply_step(const Step& step, double x, double y) {
  if (step.swap) std::swap(x, y);
  return {step.ax * x + step.bx, step.ay * y + step.by};
}

// Sutherland-Hodgman against one edge: keeps the points with inside(p).
template <class Inside, class Cross>
std::vector<std::array<double, 2>> clip_edge(const std::vector<std::array<double, 2>>& points, Inside inside,
                                             Cross cross) {
  std::vector<std::array<double, 2>> out;
  for (std::size_t i = 0; i < points.size(); ++i) {
    const auto& current = points[i];
    const auto& previous = points[(i + points.size() - 1) % points.size()];
    bool in_now = inside(current);
    bool in_before = inside(previous);
    if (in_now) {
      if (!in_before) out.push_back(cross(previous, current));
      out.push_back(current);
    } else if (in_before) {
      out.push_back(cross(previous, current));
    }
  }
  return out;
}

std::vector<std::array<double, 2>> clip_polygon(std::vector<std::array<double, 2>> points, Size size) {
  const double limits[2] = {static_cast<double>(size.width), static_cast<double>(size.height)};
  for (int axis = 0; axis < 2 && !points.empty(); ++axis) {
    const int other = 1 - axis;
    auto at = [&](double bound) {
      return [=](const std::array<double, 2>& a, const std::array<double, 2>& b) {
        double t = (bound - a[axis]) / (b[axis] - a[axis]);
        std::array<double, 2> p{};
        p[axis] = bound;
        p[other] = a[other] + t * (b[other] - a[other]);
        return p;
      };
    };
    points = clip_edge(
        points, [&](const auto& p) { return p[axis] >= 0; }, at(0));
    if (points.empty()) break;
    points = clip_edge(
        points, [&](const auto& p) { return p[axis] <= limits[axis]; }, at(limits[axis]));
  }
  return points;
}

// ---- pixels ----

void flip_h(Picture& p) {
  for (std::uint32_t y = 0; y < p.height; ++y) {
    std::uint8_t* row = &p.rgb[std::size_t{y} * p.width * 3];
    for (std::uint32_t a = 0, b = p.width - 1; a < b; ++a, --b) {
      std::swap_ranges(row + std::size_t{a} * 3, row + std::size_t{a} * 3 + 3, row + std::size_t{b} * 3);
    }
  }
}

void flip_v(Picture& p) {
  const std::size_t stride = std::size_t{p.width} * 3;
  for (std::uint32_t a = 0, b = p.height - 1; a < b; ++a, --b) {
    std::swap_ranges(p.rgb.begin() + a * stride, p.rgb.begin() + (a + 1) * stride, p.rgb.begin() + b * stride);
  }
}

// A picture of `size` with p's provenance (source channels, orientation) and
// room for its pixels.
Picture blank_like(const Picture& p, Size size) {
  Picture out;
  out.width = size.width;
  out.height = size.height;
  out.source_channels = p.source_channels;
  out.orientation = p.orientation;
  out.rgb.resize(std::size_t{size.width} * size.height * 3);
  return out;
}

Picture turned(const Picture& p, int degrees) {
  Picture out = blank_like(p, Size{p.height, p.width});
  for (std::uint32_t y = 0; y < p.height; ++y) {
    for (std::uint32_t x = 0; x < p.width; ++x) {
      // 90: (x, y) -> (h - 1 - y, x); 270: (x, y) -> (y, w - 1 - x).
      std::uint32_t dx = degrees == 90 ? p.height - 1 - y : y;
      std::uint32_t dy = degrees == 90 ? x : p.width - 1 - x;
      const std::uint8_t* from = &p.rgb[(std::size_t{y} * p.width + x) * 3];
      std::uint8_t* to = &out.rgb[(std::size_t{dy} * out.width + dx) * 3];
      to[0] = from[0];
      to[1] = from[1];
      to[2] = from[2];
    }
  }
  return out;
}

void to_grey(Picture& p) {
  for (std::size_t i = 0; i + 2 < p.rgb.size(); i += 3) {
    auto luma = static_cast<std::uint8_t>((299 * p.rgb[i] + 587 * p.rgb[i + 1] + 114 * p.rgb[i + 2] + 500) / 1000);
    p.rgb[i] = p.rgb[i + 1] = p.rgb[i + 2] = luma;
  }
  p.source_channels = 1;
}

double lanczos3(double x) {
  x = std::abs(x);
  if (x < 1e-12) return 1.0;
  if (x >= 3.0) return 0.0;
  const double pi_x = std::numbers::pi * x;
  return 3.0 * std::sin(pi_x) * std::sin(pi_x / 3.0) / (pi_x * pi_x);
}

struct Taps {
  std::uint32_t first = 0;
  std::vector<float> weights;
};

// For each of `out` pixels covering [from, to) of a side of `in` pixels: the
// source pixels and their normalised Lanczos-3 weights.
std::vector<Taps> taps_for(std::uint32_t in, double from, double to, std::uint32_t out) {
  const double scale = (to - from) / out;
  const double stretch = std::max(scale, 1.0);
  const double support = 3.0 * stretch;
  std::vector<Taps> all(out);
  for (std::uint32_t i = 0; i < out; ++i) {
    const double centre = from + (i + 0.5) * scale;
    auto lo = static_cast<std::int64_t>(std::floor(centre - support));
    auto hi = static_cast<std::int64_t>(std::ceil(centre + support));
    lo = std::max<std::int64_t>(lo, 0);
    hi = std::min<std::int64_t>(hi, in);
    if (hi <= lo) {  // a window at the very edge: the nearest pixel
      lo = std::clamp<std::int64_t>(static_cast<std::int64_t>(centre), 0, in - 1);
      hi = lo + 1;
    }
    Taps& taps = all[i];
    taps.first = static_cast<std::uint32_t>(lo);
    double sum = 0;
    for (std::int64_t j = lo; j < hi; ++j) {
      double weight = lanczos3((static_cast<double>(j) + 0.5 - centre) / stretch);
      taps.weights.push_back(static_cast<float>(weight));
      sum += weight;
    }
    if (std::abs(sum) < 1e-9) {
      taps.weights.assign(taps.weights.size(), 0.0f);
      taps.weights[taps.weights.size() / 2] = 1.0f;
    } else {
      for (auto& weight : taps.weights) weight = static_cast<float>(weight / sum);
    }
  }
  return all;
}

std::uint8_t to_byte(float value) { return static_cast<std::uint8_t>(std::clamp(std::lround(value), 0L, 255L)); }

struct Window {
  double x0, y0, x1, y1;
};

// The window of `p` resampled to width × height.
Picture resample(const Picture& p, const Window& window, Size size) {
  const auto across = taps_for(p.width, window.x0, window.x1, size.width);
  const auto down = taps_for(p.height, window.y0, window.y1, size.height);
  std::uint32_t row_lo = p.height;
  std::uint32_t row_hi = 0;
  for (const auto& taps : down) {
    row_lo = std::min(row_lo, taps.first);
    row_hi = std::max(row_hi, taps.first + static_cast<std::uint32_t>(taps.weights.size()));
  }
  // Rows first, only those the columns pass reads.
  std::vector<float> rows(std::size_t{row_hi - row_lo} * size.width * 3);
  for (std::uint32_t y = row_lo; y < row_hi; ++y) {
    const std::uint8_t* src = &p.rgb[std::size_t{y} * p.width * 3];
    float* dst = &rows[std::size_t{y - row_lo} * size.width * 3];
    for (std::uint32_t x = 0; x < size.width; ++x) {
      const Taps& taps = across[x];
      const std::uint8_t* s = src + std::size_t{taps.first} * 3;
      float r = 0, g = 0, b = 0;
      for (float weight : taps.weights) {
        r += weight * s[0];
        g += weight * s[1];
        b += weight * s[2];
        s += 3;
      }
      dst[x * 3] = r;
      dst[x * 3 + 1] = g;
      dst[x * 3 + 2] = b;
    }
  }
  Picture out = blank_like(p, size);
  const std::size_t stride = std::size_t{size.width} * 3;
  std::vector<float> line(stride);
  for (std::uint32_t y = 0; y < size.height; ++y) {
    const Taps& taps = down[y];
    std::fill(line.begin(), line.end(), 0.0f);
    for (std::size_t k = 0; k < taps.weights.size(); ++k) {
      const float weight = taps.weights[k];
      const float* src = &rows[std::size_t{taps.first + k - row_lo} * stride];
      for (std::size_t i = 0; i < stride; ++i) line[i] += weight * src[i];
    }
    std::uint8_t* dst = &out.rgb[y * stride];
    for (std::size_t i = 0; i < stride; ++i) dst[i] = to_byte(line[i]);
  }
  return out;
}

Picture cropped(const Picture& p, std::uint32_t x, std::uint32_t y, Size size) {
  Picture out = blank_like(p, size);
  for (std::uint32_t row = 0; row < size.height; ++row) {
    const std::uint8_t* src = &p.rgb[((std::size_t{y} + row) * p.width + x) * 3];
    std::copy(src, src + std::size_t{size.width} * 3, &out.rgb[std::size_t{row} * size.width * 3]);
  }
  return out;
}

bool whole_number(double v) { return std::abs(v - std::round(v)) < 1e-9; }

}  // namespace

Result<OpList> parse_ops(std::span<const std::string> texts) {
  OpList ops;
  bool have_format = false;
  for (const auto& text : texts) {
    auto words = words_of(text);
    if (words.empty()) return bad_op(text, "is empty", k_grammar);
    if (have_format) {
      return bad_op(text, "comes after the format op",
                    "the format op (format jpeg Q | png | webp Q) is the last op, and there is at most one");
    }
    if (words.front() == "format") {
      auto format = parse_format(text, words);
      if (!format) return std::unexpected(format.error());
      ops.format = format->format;
      ops.quality = format->quality;
      have_format = true;
      continue;
    }
    auto op = parse_step(text, words);
    if (!op) return std::unexpected(op.error());
    ops.steps.push_back(*op);
  }
  return ops;
}

std::vector<std::string> normalised(const OpList& ops) {
  std::vector<std::string> out;
  for (const auto& op : ops.steps) {
    switch (op.kind) {
      case Op::Kind::resize:
        out.push_back(fmt::format("resize {}x{} {}", op.size.width, op.size.height, mode_name(op.mode)));
        break;
      case Op::Kind::center_crop:
        out.push_back(fmt::format("center-crop {}x{}", op.size.width, op.size.height));
        break;
      case Op::Kind::flip_h:
        out.emplace_back("flip-h");
        break;
      case Op::Kind::flip_v:
        out.emplace_back("flip-v");
        break;
      case Op::Kind::rotate:
        out.push_back(fmt::format("rotate {}", op.degrees));
        break;
      case Op::Kind::grayscale:
        out.emplace_back("grayscale");
        break;
    }
  }
  if (ops.format) {
    switch (*ops.format) {
      case OutputFormat::jpeg:
        out.push_back(fmt::format("format jpeg {}", ops.quality));
        break;
      case OutputFormat::png:
        out.emplace_back("format png");
        break;
      case OutputFormat::webp:
        out.push_back(fmt::format("format webp {}", ops.quality));
        break;
    }
  }
  return out;
}

Geometry geometry(const OpList& ops, Size input) {
  Geometry g;
  g.input = input;
  Size size = input;
  for (const auto& op : ops.steps) {
    auto step = step_of(op, size);
    if (!step) continue;
    size = step->out;
    g.steps.push_back(*step);
  }
  g.output = size;
  return g;
}

OpList orientation_ops(std::uint8_t orientation) {
  // Orientations 2..8: a quarter turn (0: none), then a mirror (grayscale: none).
  struct Turn {
    int degrees;
    Op::Kind mirror;
  };
  constexpr Turn k_turns[] = {{0, Op::Kind::flip_h},     {180, Op::Kind::grayscale}, {0, Op::Kind::flip_v},
                              {90, Op::Kind::flip_h},    {90, Op::Kind::grayscale},  {270, Op::Kind::flip_h},
                              {270, Op::Kind::grayscale}};
  OpList ops;
  if (orientation < 2 || orientation > 8) return ops;
  const Turn& turn = k_turns[orientation - 2];
  if (turn.degrees != 0) ops.steps.push_back(Op{Op::Kind::rotate, {}, ResizeMode::fit, turn.degrees});
  if (turn.mirror != Op::Kind::grayscale) ops.steps.push_back(Op{turn.mirror, {}, ResizeMode::fit, 0});
  return ops;
}

std::optional<Box> map_box(const Geometry& geometry, const Box& box) {
  double x0 = box[0], y0 = box[1], x1 = box[0] + box[2], y1 = box[1] + box[3];
  for (const Step& step : geometry.steps) {
    const bool had_width = x1 > x0;
    const bool had_height = y1 > y0;
    auto a = apply_step(step, x0, y0);
    auto b = apply_step(step, x1, y1);
    x0 = std::max(std::min(a[0], b[0]), 0.0);
    x1 = std::min(std::max(a[0], b[0]), static_cast<double>(step.out.width));
    y0 = std::max(std::min(a[1], b[1]), 0.0);
    y1 = std::min(std::max(a[1], b[1]), static_cast<double>(step.out.height));
    const bool width_now = step.swap ? had_height : had_width;
    const bool height_now = step.swap ? had_width : had_height;
    if (x1 < x0 || y1 < y0 || (width_now && x1 <= x0) || (height_now && y1 <= y0)) return std::nullopt;
  }
  return Box{x0, y0, x1 - x0, y1 - y0};
}

std::vector<double> map_polygon(const Geometry& geometry, std::span<const double> polygon) {
  std::vector<std::array<double, 2>> points;
  for (std::size_t i = 0; i + 1 < polygon.size(); i += 2) points.push_back({polygon[i], polygon[i + 1]});
  for (const Step& step : geometry.steps) {
    for (auto& p : points) p = apply_step(step, p[0], p[1]);
    points = clip_polygon(std::move(points), step.out);
    if (points.size() < 3) return {};
  }
  std::vector<double> out;
  for (const auto& p : points) {
    out.push_back(p[0]);
    out.push_back(p[1]);
  }
  return out;
}

double needed_scale(const OpList& ops, Size input) {
  double sx = 1, sy = 1;  // the current image's scale along its x and y, relative to the source
  bool resized = false;
  double needed = 0;
  Size size = input;
  for (const auto& op : ops.steps) {
    auto step = step_of(op, size);
    if (!step) continue;
    if (step->swap) std::swap(sx, sy);
    sx *= std::abs(step->ax);
    sy *= std::abs(step->ay);
    size = step->out;
    resized = resized || op.kind == Op::Kind::resize;
    if (resized) needed = std::max({needed, sx, sy});
  }
  if (!resized) return 1.0;
  return std::clamp(needed, 1e-9, 1.0);
}

Picture apply_ops(Picture picture, const OpList& ops, Size source) {
  Window window{0, 0, static_cast<double>(picture.width), static_cast<double>(picture.height)};
  Size nominal = source;
  bool pending = false;  // a resize op not yet resampled
  for (const auto& op : ops.steps) {
    if (op.kind == Op::Kind::grayscale) {
      to_grey(picture);
      continue;
    }
    const auto step = step_of(op, nominal);
    if (op.kind == Op::Kind::flip_h || (op.kind == Op::Kind::rotate && op.degrees == 180)) {
      flip_h(picture);
      window = Window{picture.width - window.x1, window.y0, picture.width - window.x0, window.y1};
    }
    if (op.kind == Op::Kind::flip_v || (op.kind == Op::Kind::rotate && op.degrees == 180)) {
      flip_v(picture);
      window = Window{window.x0, picture.height - window.y1, window.x1, picture.height - window.y0};
    }
    if (op.kind == Op::Kind::rotate && op.degrees != 180) {
      const double w = picture.width;
      const double h = picture.height;
      picture = turned(picture, op.degrees);
      window = op.degrees == 90 ? Window{h - window.y1, window.x0, h - window.y0, window.x1}
                                : Window{window.y0, w - window.x1, window.y1, w - window.x0};
    }
    if (op.kind == Op::Kind::resize || op.kind == Op::Kind::center_crop) {
      if (op.kind == Op::Kind::resize && pending) {
        picture = resample(picture, window, nominal);
        window = Window{0, 0, static_cast<double>(nominal.width), static_cast<double>(nominal.height)};
      }
      pending = pending || op.kind == Op::Kind::resize;
      // The part of the current image the step's output shows, in its nominal
      // coordinates, then in the picture's.
      const double kx = (window.x1 - window.x0) / nominal.width;
      const double ky = (window.y1 - window.y0) / nominal.height;
      const double u0 = -step->bx / step->ax;
      const double u1 = (step->out.width - step->bx) / step->ax;
      const double v0 = -step->by / step->ay;
      const double v1 = (step->out.height - step->by) / step->ay;
      window = Window{window.x0 + u0 * kx, window.y0 + v0 * ky, window.x0 + u1 * kx, window.y0 + v1 * ky};
    }
    nominal = step->out;
  }
  const bool full = window.x0 == 0 && window.y0 == 0 && window.x1 == picture.width && window.y1 == picture.height;
  if (full && nominal == Size{picture.width, picture.height}) return picture;
  if (whole_number(window.x0) && whole_number(window.y0) && whole_number(window.x1 - window.x0 - nominal.width) &&
      whole_number(window.y1 - window.y0 - nominal.height) && std::abs(window.x1 - window.x0 - nominal.width) < 1e-9 &&
      std::abs(window.y1 - window.y0 - nominal.height) < 1e-9) {
    return cropped(picture, static_cast<std::uint32_t>(std::lround(window.x0)),
                   static_cast<std::uint32_t>(std::lround(window.y0)), nominal);
  }
  return resample(picture, window, nominal);
}

}  // namespace ldb::image

// JPEG with libjpeg-turbo: scaled DCT (1/8, 1/4, 1/2 or 1/1), then the box
// shrinker, then the EXIF orientation. Data that ends early is an error, not
// a picture whose rest libjpeg fills with grey (see on_emit_message and the
// source below). The DCT method is libjpeg's default (JDCT_ISLOW): at 1/2 to
// 1/8 libjpeg uses its reduced-size IDCTs whatever the method, and at full
// size the picture is small. libjpeg reports fatal errors through
// error_exit, which must not return: it longjmps back to run_jpeg. So that
// no C++ destructor is skipped, run_jpeg (the function that calls setjmp)
// has no local objects with destructors, and C++ code never runs below a
// libjpeg frame (the callbacks only format a message and jump).

#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <optional>

// jpeglib.h needs FILE and size_t declared first.
#include <jerror.h>
#include <jpeglib.h>

#include "image/decode_detail.hpp"
#include "image/tiff_ifd.hpp"

namespace ldb::image::detail {

namespace {

// Progressive JPEGs can repeat scans over the whole coefficient buffer with a
// few bytes each; real encoders write about 10, TurboJPEG's limit is 500.
constexpr int k_max_scans = 1000;

struct JpegState {
  jpeg_decompress_struct cinfo{};
  struct Errors {
    jpeg_error_mgr mgr{};
    std::jmp_buf jump{};
    char message[JMSG_LENGTH_MAX] = {};
  } errors;
  jpeg_progress_mgr progress{};
  jpeg_source_mgr source{};
  bool header_read = false;  // jpeg_read_header returned: the image data has begun
  bool fake_eoi = false;     // the data ran out and the source supplied an EOI marker
  std::optional<BoxShrinker> shrinker;
  std::vector<std::uint8_t> row;
  std::vector<std::uint8_t> rgb;  // a CMYK row converted
  std::uint8_t orientation = 1;
  std::uint8_t source_channels = 3;
  std::optional<Error> refused;  // a check of ours failed (size limit)
};

JpegState::Errors& errors_of(j_common_ptr cinfo) { return *reinterpret_cast<JpegState::Errors*>(cinfo->err); }

[[noreturn]] void jump_with(j_common_ptr cinfo, const char* message) {
  auto& errors = errors_of(cinfo);
  std::snprintf(errors.message, sizeof errors.message, "%s", message);
  std::longjmp(errors.jump, 1);
}

extern "C" void on_error_exit(j_common_ptr cinfo) {
  auto& errors = errors_of(cinfo);
  (*cinfo->err->format_message)(cinfo, errors.message);
  std::longjmp(errors.jump, 1);
}

// Warnings (level -1) are errors when the data ends early: libjpeg would go
// on and fill the rest of the picture with grey.
extern "C" void on_emit_message(j_common_ptr cinfo, int level) {
  if (level >= 0) return;  // trace messages
  int code = cinfo->err->msg_code;
  if (code == JWRN_JPEG_EOF || code == JWRN_HIT_MARKER) jump_with(cinfo, "premature end of data");
}

// The source: the bytes in memory, then, once they run out, an EOI marker
// (as libjpeg's memory source, but without its "premature end" warning). So
// a baseline JPEG that lacks only its final EOI decodes; one cut inside its
// image data still fails, because the decoder then needs bits it finds a
// marker in place of (JWRN_HIT_MARKER), and one cut before its image data
// fails at once. A multi-scan (progressive) JPEG that reaches the fake EOI
// is refused after decoding: a scan may be missing.
JpegState& state_of(j_decompress_ptr cinfo) { return *static_cast<JpegState*>(cinfo->client_data); }

extern "C" void source_init(j_decompress_ptr) {}
extern "C" void source_term(j_decompress_ptr) {}

extern "C" boolean source_fill(j_decompress_ptr cinfo) {
  static const JOCTET k_eoi[2] = {0xFF, JPEG_EOI};
  JpegState& state = state_of(cinfo);
  if (!state.header_read) jump_with(reinterpret_cast<j_common_ptr>(cinfo), "premature end of data");
  state.fake_eoi = true;
  cinfo->src->next_input_byte = k_eoi;
  cinfo->src->bytes_in_buffer = sizeof k_eoi;
  return TRUE;
}

extern "C" void source_skip(j_decompress_ptr cinfo, long count) {
  if (count <= 0) return;
  if (static_cast<std::size_t>(count) > cinfo->src->bytes_in_buffer) {
    source_fill(cinfo);  // skipping past the end lands on the fake EOI
    return;
  }
  cinfo->src->next_input_byte += count;
  cinfo->src->bytes_in_buffer -= static_cast<std::size_t>(count);
}

extern "C" void on_output_message(j_common_ptr) {}

extern "C" void on_progress(j_common_ptr cinfo) {
  if (cinfo->is_decompressor && reinterpret_cast<j_decompress_ptr>(cinfo)->input_scan_number > k_max_scans) {
    jump_with(cinfo, "more than 1000 progressive scans");
  }
}

// The largest libjpeg scale denominator (8, 4, 2, 1) whose output keeps the
// shorter side >= min_side (libjpeg rounds scaled sizes up).
unsigned scale_denominator(std::uint32_t width, std::uint32_t height, std::uint32_t min_side) {
  std::uint32_t shorter = std::min(width, height);
  for (unsigned denominator : {8u, 4u, 2u}) {
    if ((shorter + denominator - 1) / denominator >= min_side) return denominator;
  }
  return 1;
}

// Adobe CMYK JPEGs store inverted values (255 = no ink); libjpeg converts
// YCCK to that same CMYK.
void cmyk_to_rgb(const std::uint8_t* cmyk, std::uint8_t* rgb, std::uint32_t width, bool inverted) {
  for (std::uint32_t x = 0; x < width; ++x, cmyk += 4, rgb += 3) {
    unsigned c = cmyk[0], m = cmyk[1], y = cmyk[2], k = cmyk[3];
    if (!inverted) c = 255 - c, m = 255 - m, y = 255 - y, k = 255 - k;
    rgb[0] = static_cast<std::uint8_t>((c * k + 127) / 255);
    rgb[1] = static_cast<std::uint8_t>((m * k + 127) / 255);
    rgb[2] = static_cast<std::uint8_t>((y * k + 127) / 255);
  }
}

// Reads the header, picks the scale and decodes every row into the
// shrinker. False when libjpeg failed (errors.message says why) or a check of
// ours did (state.refused).
bool run_jpeg(JpegState& state, const DecodeRequest& request) {
  jpeg_decompress_struct& cinfo = state.cinfo;
  if (setjmp(state.errors.jump) != 0) return false;
  jpeg_create_decompress(&cinfo);
  cinfo.progress = &state.progress;
  cinfo.src = &state.source;
  jpeg_save_markers(&cinfo, JPEG_APP0 + 1, 0xFFFF);
  jpeg_read_header(&cinfo, TRUE);
  state.header_read = true;
  if (auto size = check_size("JPEG", cinfo.image_width, cinfo.image_height, request.limits); !size) {
    state.refused = std::move(size).error();
    return false;
  }
  for (jpeg_saved_marker_ptr marker = cinfo.marker_list; marker != nullptr; marker = marker->next) {
    if (marker->marker != JPEG_APP0 + 1) continue;
    std::uint8_t orientation =
        exif_orientation(std::string_view(reinterpret_cast<const char*>(marker->data), marker->data_length));
    if (orientation != 1) {
      state.orientation = orientation;
      break;
    }
  }
  bool cmyk = cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK;
  state.source_channels = cinfo.num_components == 1 ? 1 : 3;
  cinfo.out_color_space = cmyk ? JCS_CMYK : JCS_RGB;
  cinfo.scale_num = 1;
  cinfo.scale_denom = scale_denominator(cinfo.image_width, cinfo.image_height, request.min_side);
  cinfo.dct_method = JDCT_ISLOW;
  jpeg_start_decompress(&cinfo);
  state.shrinker.emplace(cinfo.output_width, cinfo.output_height, request.min_side);
  state.row.resize(std::size_t{cinfo.output_width} * cinfo.output_components);
  if (cmyk) state.rgb.resize(std::size_t{cinfo.output_width} * 3);
  while (cinfo.output_scanline < cinfo.output_height) {
    std::uint32_t y = cinfo.output_scanline;
    std::uint8_t* direct = cmyk ? nullptr : state.shrinker->direct_row(y);
    JSAMPROW rows[1] = {direct ? direct : state.row.data()};
    if (jpeg_read_scanlines(&cinfo, rows, 1) != 1) jump_with(reinterpret_cast<j_common_ptr>(&cinfo), "no rows read");
    if (direct) continue;
    const std::uint8_t* rgb = state.row.data();
    if (cmyk) {
      cmyk_to_rgb(state.row.data(), state.rgb.data(), cinfo.output_width, cinfo.saw_Adobe_marker);
      rgb = state.rgb.data();
    }
    state.shrinker->add(y, 0, cinfo.output_width, rgb, 3);
  }
  if (state.fake_eoi && jpeg_has_multiple_scans(&cinfo))
    jump_with(reinterpret_cast<j_common_ptr>(&cinfo), "premature end of data");
  return true;
}

}  // namespace

Result<Picture> decode_jpeg(const DecodeRequest& request) {
  JpegState state;
  state.cinfo.err = jpeg_std_error(&state.errors.mgr);
  state.errors.mgr.error_exit = on_error_exit;
  state.errors.mgr.emit_message = on_emit_message;
  state.errors.mgr.output_message = on_output_message;
  state.progress.progress_monitor = on_progress;
  state.cinfo.client_data = &state;
  state.source.next_input_byte = reinterpret_cast<const JOCTET*>(request.bytes.data());
  state.source.bytes_in_buffer = request.bytes.size();
  state.source.init_source = source_init;
  state.source.fill_input_buffer = source_fill;
  state.source.skip_input_data = source_skip;
  state.source.resync_to_restart = jpeg_resync_to_restart;
  state.source.term_source = source_term;
  bool ok = run_jpeg(state, request);
  jpeg_destroy_decompress(&state.cinfo);
  if (state.refused) return std::unexpected(std::move(*state.refused));
  if (!ok) return corrupt("JPEG", state.errors.message);
  return state.shrinker->finish(state.source_channels, state.orientation);
}

}  // namespace ldb::image::detail

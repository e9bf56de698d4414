// jpeg_floor: the floor for computing image features while indexing — what
// any program must do per photo before it computes a single feature: read the
// file, MD5 it (the object's identity) and decode it at the smallest size
// features need. For a JPEG that is libjpeg-turbo at 1/8 scale (its scaled
// IDCT: a DC term per block, so the cost is the Huffman decoding); for a PNG,
// which has no scaled decoding, libspng decoding every row to RGB. bench/
// images_bench.py divides `ldb index`'s wall time by this tool's, measured in
// the same run on the same files.
//
//   jpeg_floor [--threads T] [--md5-only] (--list FILE | FILE...)
//
// --threads: worker threads (default: every core, std::thread::hardware_concurrency).
// --md5-only: read and MD5 each file, decode nothing (the I/O + hash part).
// --list: a file naming one input file per line.
// Prints one JSON line: {"mode", "threads", "files", "bytes", "seconds", "files_per_s"}
// (seconds from the first read to the last decode, not counting start-up).
// Exits 1 naming the first file that cannot be read or decoded.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

// jpeglib.h needs FILE and size_t declared first.
#include <jpeglib.h>
#include <spng.h>

#include "core/hash.hpp"

namespace {

struct JpegErrors {
  jpeg_error_mgr mgr{};
  std::jmp_buf jump{};
  char message[JMSG_LENGTH_MAX] = {};
};

extern "C" void on_error_exit(j_common_ptr cinfo) {
  auto* errors = reinterpret_cast<JpegErrors*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, errors->message);
  std::longjmp(errors->jump, 1);
}

extern "C" void on_output_message(j_common_ptr) {}

// One libjpeg decompressor per thread, reused across files as an application
// decoding many files would. The function that calls setjmp keeps no objects
// with destructors (longjmp would skip them).
class JpegDecoder {
 public:
  JpegDecoder() {
    m_cinfo.err = jpeg_std_error(&m_errors.mgr);
    m_errors.mgr.error_exit = on_error_exit;
    m_errors.mgr.output_message = on_output_message;
    jpeg_create_decompress(&m_cinfo);
  }
  ~JpegDecoder() { jpeg_destroy_decompress(&m_cinfo); }
  JpegDecoder(const JpegDecoder&) = delete;
  JpegDecoder& operator=(const JpegDecoder&) = delete;

  // Decodes every scanline at 1/8 scale. Returns nullptr or the error message.
  const char* decode(const std::string& bytes) {
    if (setjmp(m_errors.jump) != 0) {
      jpeg_abort_decompress(&m_cinfo);
      return m_errors.message;
    }
    jpeg_mem_src(&m_cinfo, reinterpret_cast<const unsigned char*>(bytes.data()),
                 static_cast<unsigned long>(bytes.size()));
    jpeg_read_header(&m_cinfo, TRUE);
    m_cinfo.out_color_space = JCS_RGB;
    m_cinfo.scale_num = 1;
    m_cinfo.scale_denom = 8;
    jpeg_start_decompress(&m_cinfo);
    m_row.resize(std::size_t{m_cinfo.output_width} * static_cast<std::size_t>(m_cinfo.output_components));
    while (m_cinfo.output_scanline < m_cinfo.output_height) {
      JSAMPROW rows[1] = {m_row.data()};
      jpeg_read_scanlines(&m_cinfo, rows, 1);
    }
    jpeg_finish_decompress(&m_cinfo);
    return nullptr;
  }

 private:
  jpeg_decompress_struct m_cinfo{};
  JpegErrors m_errors;
  std::vector<unsigned char> m_row;
};

// Decodes every row of a PNG to 8-bit RGB(A). Returns an empty string or the error.
std::string decode_png(const std::string& bytes, std::vector<unsigned char>& row) {
  spng_ctx* ctx = spng_ctx_new(0);
  if (ctx == nullptr) return "cannot create a libspng decoder";
  spng_set_png_buffer(ctx, bytes.data(), bytes.size());
  std::string error;
  spng_ihdr ihdr{};
  int rc = spng_get_ihdr(ctx, &ihdr);
  bool alpha = ihdr.color_type == 4 || ihdr.color_type == 6;
  if (rc == 0) rc = spng_decode_image(ctx, nullptr, 0, alpha ? SPNG_FMT_RGBA8 : SPNG_FMT_RGB8, SPNG_DECODE_PROGRESSIVE);
  if (rc == 0) {
    row.resize(std::size_t{ihdr.width} * (alpha ? 4 : 3));
    do {
      rc = spng_decode_row(ctx, row.data(), row.size());
    } while (rc == 0);
  }
  if (rc != SPNG_EOI) error = spng_strerror(rc);
  spng_ctx_free(ctx);
  return error;
}

bool is_png(const std::string& bytes) { return bytes.size() >= 8 && std::memcmp(bytes.data(), "\x89PNG\r\n\x1a\n", 8) == 0; }

// Reads the whole file into `out` (reusing its capacity).
std::string read_file(const std::string& path, std::string& out) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::strerror(errno);
  struct stat st{};
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return std::strerror(err);
  }
  out.resize(static_cast<std::size_t>(st.st_size));
  std::size_t done = 0;
  while (done < out.size()) {
    ssize_t n = ::read(fd, out.data() + done, out.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int err = n < 0 ? errno : EIO;
      ::close(fd);
      return n < 0 ? std::strerror(err) : "file shrank while read";
    }
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
  return {};
}

struct Failure {
  std::mutex mutex;
  std::string message;
  std::atomic<bool> failed{false};

  void set(const std::string& path, std::string_view what) {
    std::lock_guard lock(mutex);
    if (failed.exchange(true)) return;
    message = path + ": " + std::string(what);
  }
};

int usage() {
  std::fprintf(stderr, "usage: jpeg_floor [--threads T] [--md5-only] (--list FILE | FILE...)\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  bool md5_only = false;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--threads" && i + 1 < argc) {
      threads = static_cast<unsigned>(std::stoul(argv[++i]));
      if (threads == 0) return usage();
    } else if (arg == "--md5-only") {
      md5_only = true;
    } else if (arg == "--list" && i + 1 < argc) {
      std::ifstream list(argv[++i]);
      if (!list) {
        std::fprintf(stderr, "jpeg_floor: cannot read the list %s\n", argv[i]);
        return 1;
      }
      for (std::string line; std::getline(list, line);) {
        if (!line.empty()) files.push_back(line);
      }
    } else if (arg.starts_with("--")) {
      return usage();
    } else {
      files.emplace_back(arg);
    }
  }
  if (files.empty()) return usage();

  std::atomic<std::size_t> next{0};
  std::atomic<std::uint64_t> total_bytes{0};
  std::atomic<std::uint64_t> digest_xor{0};  // keeps the MD5 work observable
  Failure failure;
  auto start = std::chrono::steady_clock::now();
  auto work = [&] {
    ldb::core::Md5Hasher hasher;
    JpegDecoder jpeg;
    std::string bytes;
    std::vector<unsigned char> png_row;
    std::uint64_t bytes_read = 0;
    std::uint64_t digests = 0;
    for (std::size_t i; (i = next.fetch_add(1)) < files.size() && !failure.failed;) {
      const std::string& path = files[i];
      if (auto error = read_file(path, bytes); !error.empty()) {
        failure.set(path, error);
        break;
      }
      bytes_read += bytes.size();
      hasher.update(std::string_view(bytes));
      auto digest = hasher.finish();
      std::uint64_t word;
      std::memcpy(&word, digest.bytes.data(), sizeof word);
      digests ^= word;
      if (md5_only) continue;
      if (is_png(bytes)) {
        if (auto error = decode_png(bytes, png_row); !error.empty()) {
          failure.set(path, "PNG: " + error);
          break;
        }
      } else if (const char* error = jpeg.decode(bytes); error != nullptr) {
        failure.set(path, std::string("JPEG: ") + error);
        break;
      }
    }
    total_bytes += bytes_read;
    digest_xor ^= digests;
  };
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t) pool.emplace_back(work);
  for (auto& thread : pool) thread.join();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (failure.failed) {
    std::fprintf(stderr, "jpeg_floor: %s\n", failure.message.c_str());
    return 1;
  }
  std::printf(
      "{\"mode\": \"%s\", \"threads\": %u, \"files\": %zu, \"bytes\": %llu, \"seconds\": %.6f, "
      "\"files_per_s\": %.1f, \"digest_xor\": \"%016llx\"}\n",
      md5_only ? "read+md5" : "read+md5+decode", threads, files.size(),
      static_cast<unsigned long long>(total_bytes.load()), seconds, static_cast<double>(files.size()) / seconds,
      static_cast<unsigned long long>(digest_xor.load()));
  return 0;
}

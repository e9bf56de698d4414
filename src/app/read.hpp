#pragma once
// Reading objects for a front end that consumes their bytes (the Python
// module's Member.read() and ldb.torch): one object through the session's
// storage backends and object cache, checked against its MD5; images decoded
// to full-size RGB pixels; and a Prefetcher that keeps several reads (and
// decodes) in flight on its own threads and hands the results back in order,
// so that a slow backend (S3) does not stall the consumer.

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <semaphore>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <variant>
#include <vector>

#include "app/session.hpp"
#include "core/error.hpp"
#include "core/hash.hpp"

namespace ldb::app {

// Where to read an object: its id and the paths it was indexed at. The paths
// are borrowed: they must outlive the call (or the Prefetcher).
struct ObjectLocation {
  core::Md5 hash;
  std::span<const std::string> paths;
};

// The bytes of `object`, from the first of its paths that reads, through the
// session's storage backends (cloud objects through its object cache), checked
// against the object's MD5. Errors name `id:HASH` and the path (the first
// path's error when none reads): not_found when the file is gone, corruption
// when it no longer holds the object, each with the hint to index again; also
// not_found when the object has no path. Unlike the other use cases, safe to
// call from several threads at once, and while the session serves another
// call: it uses only the session's storage backends, which are thread-safe.
Result<std::string> read_object(Session& session, const ObjectLocation& object);

// 8-bit RGB pixels, interleaved, rows top to bottom:
// data[(y * width + x) * 3 + channel], as numpy and PIL hold them (a torch
// tensor views them as 3 x height x width without a copy, as
// torchvision.io.decode_jpeg does).
struct Pixels {
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  std::vector<std::uint8_t> data;  // width * height * 3
};

// `bytes` (JPEG, PNG, WebP, GIF, BMP, TIFF) decoded at full size as src/image
// decodes them everywhere in ldb: grey expanded to RGB, alpha composited on
// black, the EXIF/TIFF orientation applied (as displayed). Errors name
// `subject` ("'SUBJECT': JPEG: premature end of data"): invalid_argument for
// a file that does not decode, unsupported for one that is not an image ldb
// decodes.
Result<Pixels> decode_image(std::string_view bytes, std::string_view subject);

// What the Prefetcher (and fetch_object) hand back for one object: its
// bytes, or (decode) its pixels.
using Fetched = std::variant<std::string, Pixels>;

struct FetchOptions {
  bool decode = false;  // decode_image the bytes
};

// read_object, and with options.decode decode_image; a decoding error, too,
// names `id:HASH` and the path. Thread-safe as read_object.
Result<Fetched> fetch_object(Session& session, const ObjectLocation& object, const FetchOptions& options);

struct PrefetchOptions {
  FetchOptions fetch;
  // At most this many objects read (and decoded) ahead of the consumer, each
  // on its own thread; at least 1.
  unsigned depth = 8;
  // At most this many of those threads decode at once; 0: one per core.
  unsigned decoders = 0;
};

// Reads `count` objects in order, `depth` ahead of the consumer, on threads
// of its own. The objects are given by position: locate(i) for i in [0,
// count) — called on those threads, so it must be safe to call concurrently
// (a lookup in data that does not change), and what it returns must stay
// valid while the Prefetcher lives. next() returns the results in position
// order; an object that cannot be read or decoded is delivered in its place
// as its error (naming `id:HASH`), and the objects after it still come.
// Destroying a Prefetcher mid-stream waits only for the reads in flight.
// next() is for one consumer thread at a time.
class Prefetcher {
 public:
  using Locate = std::function<ObjectLocation(std::size_t position)>;

  Prefetcher(Session& session, std::size_t count, Locate locate, PrefetchOptions options);
  ~Prefetcher();
  Prefetcher(const Prefetcher&) = delete;
  Prefetcher& operator=(const Prefetcher&) = delete;

  struct Item {
    std::size_t position = 0;
    Result<Fetched> value;
  };
  // The next object's result, waiting for it if it is still being read;
  // nothing after the last.
  std::optional<Item> next();

  std::size_t size() const { return m_count; }

 private:
  void work();

  Session& m_session;
  const std::size_t m_count;
  const Locate m_locate;
  const PrefetchOptions m_options;

  std::mutex m_mutex;
  std::condition_variable m_ready;  // a slot was filled
  std::condition_variable m_space;  // the consumer took one, or stop
  std::size_t m_claimed = 0;        // the next position a worker takes
  std::size_t m_consumed = 0;       // the next position next() returns
  bool m_stop = false;
  // Position p's result waits in m_slots[p % depth] until next() takes it:
  // workers claim only positions below m_consumed + depth.
  std::vector<std::optional<Result<Fetched>>> m_slots;
  std::counting_semaphore<> m_decoders;
  std::vector<std::thread> m_threads;
};

}  // namespace ldb::app

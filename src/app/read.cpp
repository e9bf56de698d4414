// Reading objects for consumers of their bytes (app/read.hpp). The
// Prefetcher is a ring of `depth` result slots filled by `depth` threads:
// a thread claims the next position only while it is less than `depth` ahead
// of the consumer, so position p always has slot p % depth to itself, memory
// stays bounded by depth results, and a slow object delays only the consumer
// (the threads behind it go on reading the ones after it). Reads wait on
// storage, so many may be in flight (S3); decoding is work for the cores, so
// a semaphore lets only `decoders` threads decode at once.

#include "app/read.hpp"

#include <algorithm>
#include <limits>

#include <fmt/format.h>

#include "app/detail/session.hpp"
#include "image/decode.hpp"

namespace ldb::app {

namespace {

// `error` (of reading or decoding one of the object's files) naming the
// object it was read for.
Error naming_object(const core::Md5& hash, Error error) {
  std::string id = "id:" + hash.hex();
  if (error.message.find(id) == std::string::npos) error.message = fmt::format("object {}: {}", id, error.message);
  if (error.code == ErrorCode::not_found) {
    error.hint =
        "the file was moved or deleted after it was indexed; index the storage that holds it now: "
        "ldb index <path>";
  }
  return error;
}

}  // namespace

Result<std::string> read_object(Session& session, const ObjectLocation& object) {
  if (object.paths.empty()) {
    return fail(ErrorCode::not_found, fmt::format("object id:{} has no known path", object.hash.hex()),
                "index the storage that holds it again: ldb index <path>");
  }
  auto& fs = session.state().fs;
  std::optional<Error> first;
  for (const auto& path : object.paths) {
    auto bytes = fs.read_checked(path, object.hash);
    if (bytes) return bytes;
    if (!first) first = std::move(bytes).error();
  }
  return std::unexpected(naming_object(object.hash, std::move(*first)));
}

Result<Pixels> decode_image(std::string_view bytes, std::string_view subject) {
  // A shorter side no image reaches: the full size (image/decode.hpp).
  constexpr std::uint32_t k_full_size = std::numeric_limits<std::uint32_t>::max();
  LDB_TRY_ASSIGN(auto picture, image::decode_small(bytes, subject, k_full_size));
  return Pixels{picture.width, picture.height, std::move(picture.rgb)};
}

namespace {

// fetch_object, decoding while holding one of `decoders` (when given).
Result<Fetched> fetch(Session& session, const ObjectLocation& object, const FetchOptions& options,
                      std::counting_semaphore<>* decoders) {
  LDB_TRY_ASSIGN(auto bytes, read_object(session, object));
  if (!options.decode) return Fetched(std::move(bytes));
  if (decoders) decoders->acquire();
  auto pixels = decode_image(bytes, object.paths.front());
  if (decoders) decoders->release();
  if (!pixels) return std::unexpected(naming_object(object.hash, std::move(pixels).error()));
  return Fetched(std::move(*pixels));
}

unsigned decoder_count(const PrefetchOptions& options) {
  if (options.decoders > 0) return options.decoders;
  return std::max(1u, std::thread::hardware_concurrency());
}

}  // namespace

Result<Fetched> fetch_object(Session& session, const ObjectLocation& object, const FetchOptions& options) {
  return fetch(session, object, options, nullptr);
}

Prefetcher::Prefetcher(Session& session, std::size_t count, Locate locate, PrefetchOptions options)
    : m_session(session),
      m_count(count),
      m_locate(std::move(locate)),
      m_options(options),
      m_decoders(static_cast<std::ptrdiff_t>(decoder_count(options))) {
  unsigned depth = std::max(1u, m_options.depth);
  m_slots.resize(depth);
  unsigned threads = static_cast<unsigned>(std::min<std::size_t>(depth, count));
  m_threads.reserve(threads);
  for (unsigned t = 0; t < threads; ++t) m_threads.emplace_back([this] { work(); });
}

Prefetcher::~Prefetcher() {
  {
    std::lock_guard lock(m_mutex);
    m_stop = true;
  }
  m_space.notify_all();
  for (auto& thread : m_threads) thread.join();
}

void Prefetcher::work() {
  const std::size_t depth = m_slots.size();
  std::unique_lock lock(m_mutex);
  for (;;) {
    m_space.wait(lock, [&] { return m_stop || m_claimed >= m_count || m_claimed < m_consumed + depth; });
    if (m_stop || m_claimed >= m_count) return;
    std::size_t position = m_claimed++;
    lock.unlock();
    auto result = fetch(m_session, m_locate(position), m_options.fetch, &m_decoders);
    lock.lock();
    m_slots[position % depth] = std::move(result);
    m_ready.notify_all();
  }
}

std::optional<Prefetcher::Item> Prefetcher::next() {
  std::unique_lock lock(m_mutex);
  if (m_consumed >= m_count) return std::nullopt;
  auto& slot = m_slots[m_consumed % m_slots.size()];
  m_ready.wait(lock, [&] { return slot.has_value(); });
  Item item{m_consumed, std::move(*slot)};
  slot.reset();
  ++m_consumed;
  lock.unlock();
  m_space.notify_all();
  return item;
}

}  // namespace ldb::app

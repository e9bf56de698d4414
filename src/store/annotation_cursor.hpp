#pragma once
// Streaming annotation reads for queries over many objects: a cursor hands out
// the annotations of a selection in batches whose buffers are reused, so that
// reading a million annotations allocates nothing per object and evaluation
// can run on other threads while the next batch is read.

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "store/types.hpp"

namespace ldb::store {

// Up to max_rows annotations: row i is the annotation of refs[position(i)]
// (the span given to Store::scan_annotations), json(i) its canonical JSON text.
// The buffers keep their capacity across clear(), so a reused batch stops
// allocating once it has seen its largest rows.
class AnnotationBatch {
 public:
  std::size_t size() const { return m_positions.size(); }
  std::uint32_t position(std::size_t i) const { return m_positions[i]; }
  std::string_view json(std::size_t i) const {
    std::size_t begin = i == 0 ? 0 : m_ends[i - 1];
    return std::string_view(m_text).substr(begin, m_ends[i] - begin);
  }
  void clear() {
    m_positions.clear();
    m_ends.clear();
    m_text.clear();
  }
  // Appends one row (used by cursors).
  void add(std::uint32_t position, std::string_view json) {
    m_positions.push_back(position);
    m_text.append(json);
    m_ends.push_back(m_text.size());
  }

  // For cursors that learn a row's position only after reading a batch of
  // them: rows added as k_unplaced get their position with place(), and
  // remove_unplaced() then drops those that got none, keeping the order.
  static constexpr std::uint32_t k_unplaced = 0xffffffffu;
  void place(std::size_t i, std::uint32_t position) { m_positions[i] = position; }
  void remove_unplaced();

 private:
  std::vector<std::uint32_t> m_positions;
  std::vector<std::size_t> m_ends;
  std::string m_text;
};

// A read of the annotations of a selection, begun by Store::scan_annotations.
// Rows come in no particular order; refs without an annotation (version 0, or
// a version the store does not have) produce no row. One cursor is not
// thread-safe: callers serialize its next() (it may be called from different
// threads in turn); different cursors of one scan may be read at once.
class AnnotationCursor {
 public:
  virtual ~AnnotationCursor() = default;
  // Clears `batch` and fills it with up to `max_rows` further rows. Returns
  // false once every row has been handed out; store errors as Error.
  virtual Result<bool> next(AnnotationBatch& batch, std::size_t max_rows) = 0;
};

// A cursor over annotation texts already in memory (texts[i] belongs to
// refs[i]; "" means none). The default Store::scan_annotations uses it.
std::unique_ptr<AnnotationCursor> make_memory_cursor(std::vector<std::string> texts);

}  // namespace ldb::store

#include "store/annotation_cursor.hpp"

#include <cstring>

#include "store/scan_rows.hpp"
#include "store/store.hpp"

namespace ldb::store {

void AnnotationBatch::remove_unplaced() {
  std::size_t kept = 0;
  std::size_t text_end = 0;
  for (std::size_t i = 0; i < m_positions.size(); ++i) {
    std::size_t begin = i == 0 ? 0 : m_ends[i - 1];
    std::size_t length = m_ends[i] - begin;
    if (m_positions[i] == k_unplaced) continue;
    if (text_end != begin) std::memmove(m_text.data() + text_end, m_text.data() + begin, length);
    text_end += length;
    m_positions[kept] = m_positions[i];
    m_ends[kept] = text_end;
    ++kept;
  }
  m_positions.resize(kept);
  m_ends.resize(kept);
  m_text.resize(text_end);
}

void place_scanned_rows(AnnotationBatch& batch, std::span<const ObjectRef> refs, const core::HashIndex& position,
                        std::span<const Md5> hashes, std::span<const std::uint32_t> versions) {
  for (std::size_t row = 0; row < batch.size(); ++row) {
    auto i = position.find(hashes[row]);
    if (i) {
      batch.place(row, *i);
      __builtin_prefetch(&refs[*i]);
    }
  }
  bool dropped = false;
  for (std::size_t row = 0; row < batch.size(); ++row) {
    std::uint32_t i = batch.position(row);
    if (i != AnnotationBatch::k_unplaced && refs[i].annotation_version != versions[row]) {
      batch.place(row, AnnotationBatch::k_unplaced);
    }
    dropped = dropped || batch.position(row) == AnnotationBatch::k_unplaced;
  }
  if (dropped) batch.remove_unplaced();
}

namespace {

class MemoryCursor final : public AnnotationCursor {
 public:
  explicit MemoryCursor(std::vector<std::string> texts) : m_texts(std::move(texts)) {}

  Result<bool> next(AnnotationBatch& batch, std::size_t max_rows) override {
    batch.clear();
    while (m_next < m_texts.size() && batch.size() < max_rows) {
      if (!m_texts[m_next].empty()) batch.add(static_cast<std::uint32_t>(m_next), m_texts[m_next]);
      ++m_next;
    }
    return batch.size() > 0;
  }

 private:
  std::vector<std::string> m_texts;
  std::size_t m_next = 0;
};

}  // namespace

std::unique_ptr<AnnotationCursor> make_memory_cursor(std::vector<std::string> texts) {
  return std::make_unique<MemoryCursor>(std::move(texts));
}

Result<std::vector<std::unique_ptr<AnnotationCursor>>> Store::scan_annotations(std::span<const ObjectRef> refs,
                                                                               unsigned /*parts*/) {
  auto texts = annotations(refs);
  if (!texts) return std::unexpected(texts.error());
  std::vector<std::unique_ptr<AnnotationCursor>> cursors;
  cursors.push_back(make_memory_cursor(std::move(*texts)));
  return cursors;
}

}  // namespace ldb::store

#include "store/annotation_cursor.hpp"

#include "store/store.hpp"

namespace ldb::store {

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

Result<std::unique_ptr<AnnotationCursor>> Store::scan_annotations(std::span<const ObjectRef> refs) {
  auto texts = annotations(refs);
  if (!texts) return std::unexpected(texts.error());
  return make_memory_cursor(std::move(*texts));
}

}  // namespace ldb::store

#include "store/ingest_session.hpp"

#include "store/store.hpp"

namespace ldb::store {

namespace {

class BufferedIngest final : public IngestSession {
 public:
  BufferedIngest(Store& store, IngestOptions options) : m_store(store), m_options(std::move(options)) {}

  Status add(std::span<const IndexedFile> files) override {
    m_files.insert(m_files.end(), files.begin(), files.end());
    return {};
  }

  Result<IngestResult> commit() override {
    if (m_files.empty() && m_options.remember_roots.empty() && m_options.forget_roots.empty()) return IngestResult{};
    return m_store.ingest(m_files, m_options);
  }

 private:
  Store& m_store;
  IngestOptions m_options;
  std::vector<IndexedFile> m_files;
};

}  // namespace

std::unique_ptr<IngestSession> make_buffered_ingest(Store& store, const IngestOptions& options) {
  return std::make_unique<BufferedIngest>(store, options);
}

Result<std::unique_ptr<IngestSession>> Store::begin_ingest(const IngestOptions& options) {
  return make_buffered_ingest(*this, options);
}

}  // namespace ldb::store

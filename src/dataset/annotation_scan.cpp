#include "dataset/annotation_scan.hpp"

#include <atomic>
#include <mutex>

namespace ldb::dataset {

Status scan_annotations(Context& ctx, const std::vector<store::ObjectRef>& selection, Unannotated unannotated,
                        const DocumentVisitor& visit) {
  constexpr std::size_t k_batch_rows = 512;
  auto cursors = ctx.store.scan_annotations(selection, ctx.pool.size());
  if (!cursors) return std::unexpected(cursors.error());
  struct Source {
    store::AnnotationCursor* cursor = nullptr;
    std::mutex mutex;
    bool finished = false;
  };
  std::vector<Source> sources(cursors->size());
  for (std::size_t i = 0; i < sources.size(); ++i) sources[i].cursor = (*cursors)[i].get();
  const bool as_null = unannotated == Unannotated::as_null;
  std::vector<char> seen(as_null ? selection.size() : 0, 0);
  std::mutex failure_mutex;
  Status failure;
  std::atomic<bool> failed = false;
  ctx.pool.parallel_for(ctx.pool.size(), 1, [&](std::size_t first, std::size_t, unsigned worker) {
    store::AnnotationBatch batch;
    simdjson::dom::parser parser;
    for (std::size_t k = 0; k < sources.size(); ++k) {
      Source& source = sources[(first + k) % sources.size()];
      for (;;) {
        {
          std::lock_guard lock(source.mutex);
          if (source.finished || failed) break;
          auto more = source.cursor->next(batch, k_batch_rows);
          if (!more) {
            std::lock_guard failure_lock(failure_mutex);
            if (!failed) failure = std::unexpected(more.error());
            failed = true;
            source.finished = true;
            break;
          }
          if (!*more) source.finished = true;
        }
        for (std::size_t row = 0; row < batch.size(); ++row) {
          std::string_view text = batch.json(row);
          std::size_t i = batch.position(row);
          if (as_null) seen[i] = 1;
          simdjson::dom::element element;
          if (parser.parse(text.data(), text.size(), true).get(element)) {
            visit(worker, i, std::nullopt);
          } else {
            visit(worker, i, element);
          }
        }
      }
    }
  });
  cursors->clear();  // ends the read transactions before anything else uses the store
  if (!failure) return failure;
  if (as_null) {
    simdjson::dom::parser parser;
    simdjson::dom::element null_document = parser.parse(std::string_view("null")).value_unsafe();
    for (std::size_t i = 0; i < selection.size(); ++i) {
      if (!seen[i]) visit(0, i, null_document);
    }
  }
  return {};
}

Result<std::vector<std::string>> annotation_texts(Context& ctx, const std::vector<store::ObjectRef>& selection) {
  constexpr std::size_t k_batch_rows = 512;
  auto cursors = ctx.store.scan_annotations(selection, ctx.pool.size());
  if (!cursors) return std::unexpected(cursors.error());
  std::vector<std::string> out(selection.size());
  std::vector<Status> failures(cursors->size());
  // Each cursor hands out different positions: the workers write apart.
  ctx.pool.parallel_for(cursors->size(), 1, [&](std::size_t begin, std::size_t end, unsigned) {
    store::AnnotationBatch batch;
    for (std::size_t c = begin; c < end; ++c) {
      for (;;) {
        auto more = (*cursors)[c]->next(batch, k_batch_rows);
        if (!more) {
          failures[c] = std::unexpected(more.error());
          break;
        }
        for (std::size_t row = 0; row < batch.size(); ++row) out[batch.position(row)] = batch.json(row);
        if (!*more) break;
      }
    }
  });
  cursors->clear();  // ends the read transactions before anything else uses the store
  for (auto& failure : failures) {
    if (!failure) return std::unexpected(std::move(failure).error());
  }
  return out;
}

void for_each_document(core::ThreadPool& pool, const std::vector<std::string>& docs, const DocumentVisitor& visit) {
  std::vector<simdjson::dom::parser> parsers(pool.size());
  pool.parallel_for(docs.size(), 256, [&](std::size_t begin, std::size_t end, unsigned worker) {
    auto& parser = parsers[worker];
    for (std::size_t i = begin; i < end; ++i) {
      std::string_view text = docs[i].empty() ? std::string_view("null") : std::string_view(docs[i]);
      simdjson::dom::element element;
      if (parser.parse(text.data(), text.size(), true).get(element)) {
        visit(worker, i, std::nullopt);
      } else {
        visit(worker, i, element);
      }
    }
  });
}

}  // namespace ldb::dataset

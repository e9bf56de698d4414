#pragma once
// Reading the documents of a selection on all cores, for whatever evaluates
// them: query filters, sort keys, eval (dataset/pipeline.cpp) and ldb stats
// (dataset/stats.cpp). Each worker parses with its own simdjson parser and
// hands the parsed document to a visitor together with its worker index, so
// that callers can keep per-worker partial results and merge them at the end.

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <simdjson.h>

#include "core/error.hpp"
#include "core/thread_pool.hpp"
#include "dataset/context.hpp"
#include "store/types.hpp"

namespace ldb::dataset {

// Called with the worker's index (< pool.size(); calls with one index never
// overlap), the document's position in the selection and the parsed document
// (nullopt: not valid JSON). The element is valid only during the call.
using DocumentVisitor =
    std::function<void(unsigned worker, std::size_t position, std::optional<simdjson::dom::element> document)>;

// What scan_annotations does with objects that have no annotation.
enum class Unannotated { skip, as_null };

// Reads and parses the annotations of `selection` while visiting them: the
// store hands out up to one cursor per worker; each worker reads batches from
// its own cursor, parses and visits them, and when its cursor is done helps
// with the others' (reading one at a time under that cursor's lock). So
// reading overlaps evaluating, and no per-object string is built. Positions
// come in no particular order. Objects without an annotation are skipped, or
// with Unannotated::as_null visited with JSON null (worker 0) after the
// parallel part. Store errors stop the scan and are returned.
Status scan_annotations(Context& ctx, const std::vector<store::ObjectRef>& selection, Unannotated unannotated,
                        const DocumentVisitor& visit);

// The annotation texts (canonical JSON) of `selection`, in its order; "" for
// an object without one. Read like scan_annotations (the store's cursors, one
// worker each), without parsing: a million in about a second.
Result<std::vector<std::string>> annotation_texts(Context& ctx, const std::vector<store::ObjectRef>& selection);

// Visits documents already in memory on the pool, one parser per worker. A
// document that is "" is visited as JSON null.
void for_each_document(core::ThreadPool& pool, const std::vector<std::string>& docs, const DocumentVisitor& visit);

}  // namespace ldb::dataset

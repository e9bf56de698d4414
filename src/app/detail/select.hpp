#pragma once
// Selecting objects (src/app only): a Selector resolved and filtered into a
// dataset::Selection, and the workspace a command acts on.

#include <optional>
#include <string>
#include <vector>

#include "app/selection.hpp"
#include "app/session.hpp"
#include "dataset/context.hpp"
#include "dataset/pipeline.hpp"
#include "dataset/sources.hpp"
#include "dataset/workspace.hpp"
#include "index/indexer.hpp"

namespace ldb::app::detail {

// app's filters as the pipeline takes them (a --similar image path made
// absolute against the Context's cwd); invalid_argument for an unknown name.
Result<std::vector<dataset::FilterSpec>> filter_specs(const Context& context, std::span<const Filter> filters);

// The workspace for commands that act on the staged dataset: `target` (made
// absolute against the Context's cwd), else the Context's cwd or a parent.
Result<dataset::Workspace> workspace(const Context& context, const std::optional<std::string>& target);

// With no objects named, `default_source` is used — only when a filter is
// given if NoObjects::need_filter (add/del), always if NoObjects::use_default.
enum class NoObjects { need_filter, use_default };

// How paths are read: commands that put objects into the staged dataset
// (add, sync, get) index a path first; others prefer what is indexed.
enum class PathsAs { indexed_first, index_first };

struct SelectOptions {
  std::string_view command;  // for messages: "ldb add needs objects or a filter"
  std::vector<std::string> default_source;
  NoObjects no_objects = NoObjects::use_default;
  PathsAs paths = PathsAs::indexed_first;
  // index_first: how paths indexed on the fly are read (-m, -p).
  IndexSettings index;
};

// IndexSettings checked and turned into what the indexer takes.
Result<index::IndexOptions> index_options(const IndexSettings& settings);

// The objects of `selector`, passed through its filters in order.
Result<dataset::Selection> select_objects(Session& session, dataset::Context& ctx, const Selector& selector,
                                          const SelectOptions& options);

// `sources` passed through the filters (for sources read otherwise than
// select_objects reads them).
Result<dataset::Selection> filter_selection(const Context& context, dataset::Context& ctx,
                                            std::span<const Filter> filters, dataset::Selection sources);

// The staged dataset as an object-list identifier ("ws:DIR"), for commands
// whose default source is the workspace (list, eval, stats); none when
// `selector` names objects.
Result<std::vector<std::string>> default_source_for(const Context& context, const Selector& selector,
                                                    const std::optional<std::string>& target);

// A local path (or glob) identifier made absolute against the Context's cwd
// (a trailing slash kept); ws:DIR likewise; ids, datasets and URLs as they are.
std::string absolute_identifier(const Context& context, const std::string& ident);

// A --threshold in pHash bits as given (unset: the default), checked.
Result<unsigned> parse_dup_threshold(const std::optional<std::string>& text);

// Plain app refs from a selection and back.
std::vector<ObjectRef> to_refs(const dataset::Selection& selection);
dataset::Selection from_refs(std::span<const ObjectRef> refs);

}  // namespace ldb::app::detail

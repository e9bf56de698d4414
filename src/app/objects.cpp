#include "app/objects.hpp"

#include <fmt/format.h>

#include "app/detail/select.hpp"
#include "app/detail/session.hpp"
#include "dataset/collection_ops.hpp"
#include "dataset/object_ops.hpp"

namespace ldb::app {

Result<TagOutcome> tag(Session& session, const TagRequest& request) {
  auto add = dataset::parse_tag_list(request.add, "-a");
  if (!add) return std::unexpected(add.error());
  auto remove = dataset::parse_tag_list(request.remove, "-r");
  if (!remove) return std::unexpected(remove.error());
  if (add->empty() && remove->empty()) {
    return fail(ErrorCode::invalid_argument, "ldb tag needs tags to add (-a) or remove (-r)",
                "for example: ldb tag ds:root --query 'class == `cat`' -a cats,reviewed");
  }
  // No object list: ds:root with a filter, else the staged dataset.
  std::vector<std::string> defaults;
  if (request.selector.objects.empty()) {
    if (!request.selector.filters.empty()) {
      defaults.push_back("ds:root");
    } else {
      auto ws = detail::workspace(session.context(), request.target);
      if (!ws) return std::unexpected(ws.error());
      defaults.push_back("ws:" + ws->root().string());
    }
  }
  auto instance = detail::instance(session);
  if (!instance) return std::unexpected(instance.error());
  auto ctx = detail::dataset_context(session, **instance);
  detail::SelectOptions select{"tag", defaults, detail::NoObjects::use_default};
  auto selection = detail::select_objects(session, ctx, request.selector, select);
  if (!selection) return std::unexpected(selection.error());
  auto objects = dataset::normalize(std::move(*selection));
  auto outcome = dataset::tag_objects(ctx, objects, *add, *remove);
  if (!outcome) return std::unexpected(outcome.error());
  detail::report(session, ctx);
  return TagOutcome{outcome->selected, outcome->changed};
}

Result<std::uint64_t> unindex(Session& session, const UnindexRequest& request) {
  auto instance = detail::instance(session);
  if (!instance) return std::unexpected(instance.error());
  auto ctx = detail::dataset_context(session, **instance);
  detail::SelectOptions select{"unindex", {"ds:root"}, detail::NoObjects::need_filter};
  auto selection = detail::select_objects(session, ctx, request.selector, select);
  if (!selection) return std::unexpected(selection.error());
  auto objects = dataset::normalize(std::move(*selection));
  // Objects staged in the workspace the command runs in (or -t) stay indexed.
  store::Collection staged;
  auto ws = detail::workspace(session.context(), request.target);
  if (ws) {
    staged = ws->state().members;
  } else if (request.target) {
    return std::unexpected(ws.error());
  }
  auto removed = dataset::unindex(ctx, objects, staged);
  if (!removed) return std::unexpected(removed.error());
  detail::report(session, ctx);
  return *removed;
}

}  // namespace ldb::app

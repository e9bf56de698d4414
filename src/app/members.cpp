#include "app/members.hpp"

#include "app/detail/select.hpp"
#include "app/detail/session.hpp"
#include "dataset/annotation_scan.hpp"

namespace ldb::app {

Result<std::vector<Member>> members(Session& session, const ListRequest& request) {
  LDB_TRY_ASSIGN(auto defaults, detail::default_source_for(session.context(), request.selector, request.target));
  LDB_TRY_ASSIGN(auto* instance, detail::instance(session));
  auto ctx = detail::dataset_context(session, *instance);
  detail::SelectOptions select{"list", std::move(defaults), detail::NoObjects::use_default};
  LDB_TRY_ASSIGN(auto selection, detail::select_objects(session, ctx, request.selector, select));
  detail::report(session, ctx);
  std::vector<core::Md5> hashes;
  hashes.reserve(selection.size());
  for (const auto& r : selection) hashes.push_back(r.hash);
  LDB_TRY_ASSIGN(auto files, ctx.store.object_files(hashes));
  LDB_TRY_ASSIGN(auto annotations, dataset::annotation_texts(ctx, selection));
  std::vector<Member> out;
  out.reserve(selection.size());
  for (std::size_t i = 0; i < selection.size(); ++i) {
    out.push_back({{selection[i].hash, selection[i].annotation_version},
                   std::move(files[i].paths),
                   files[i].size,
                   std::move(annotations[i])});
  }
  return out;
}

}  // namespace ldb::app

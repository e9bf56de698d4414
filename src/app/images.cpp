#include "app/images.hpp"

#include <charconv>

#include <fmt/format.h>

#include "app/detail/select.hpp"
#include "app/detail/session.hpp"
#include "dataset/images.hpp"
#include "image/near_dups.hpp"

namespace ldb::app {

namespace {

// What a command over images acts on when no objects are named: ds:root, or
// (dups) the staged dataset when the cwd is a workspace.
enum class Default { root, workspace_else_root };

Result<dataset::Selection> select(Session& session, dataset::Context& ctx, const Selector& selector,
                                  std::string_view command, Default fallback) {
  detail::SelectOptions options{command, {"ds:root"}, detail::NoObjects::use_default};
  if (fallback == Default::workspace_else_root && selector.objects.empty()) {
    if (auto ws = detail::workspace(session.context(), std::nullopt)) {
      options.default_source = {"ws:" + ws->root().string()};
    }
  }
  return detail::select_objects(session, ctx, selector, options);
}

// The first path of each object, in order; empty paths unless `paths` is yes.
Result<std::vector<std::string>> first_paths(dataset::Context& ctx, const dataset::Selection& selection,
                                             std::span<const std::size_t> positions, DupsRequest::Paths paths) {
  if (paths == DupsRequest::Paths::no) return std::vector<std::string>(positions.size());
  std::vector<core::Md5> hashes;
  hashes.reserve(positions.size());
  for (auto i : positions) hashes.push_back(selection[i].hash);
  auto infos = ctx.store.objects_info(hashes);
  if (!infos) return std::unexpected(infos.error());
  std::vector<std::string> out;
  out.reserve(infos->size());
  for (auto& info : *infos) out.push_back(info.paths.empty() ? std::string() : std::move(info.paths.front()));
  return out;
}

}  // namespace

unsigned default_dup_threshold() { return dataset::k_default_dup_threshold; }

namespace detail {

Result<unsigned> parse_dup_threshold(const std::optional<std::string>& text) {
  if (!text) return dataset::k_default_dup_threshold;
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (text->empty() || ec != std::errc() || end != text->data() + text->size() || value > image::k_max_threshold) {
    return fail(
        ErrorCode::invalid_argument,
        fmt::format("--threshold expects a number of bits from 0 to {}, got '{}'", image::k_max_threshold, *text),
        fmt::format("the default is {}: pHash distances up to it are near duplicates",
                    dataset::k_default_dup_threshold));
  }
  return value;
}

}  // namespace detail

Result<FeaturesSummary> compute_features(Session& session, const FeaturesRequest& request) {
  auto instance = detail::instance(session);
  if (!instance) return std::unexpected(instance.error());
  LDB_TRY((*instance)->store->check_writable());
  auto ctx = detail::dataset_context(session, **instance);
  auto selection = select(session, ctx, request.selector, "features", Default::root);
  if (!selection) return std::unexpected(selection.error());
  auto outcome = dataset::compute_features(ctx, *selection, request.force);
  detail::report(session, ctx);
  if (!outcome) return std::unexpected(outcome.error());
  FeaturesSummary out{outcome->selected, outcome->not_images, outcome->already, outcome->computed, {}};
  for (auto& [path, error] : outcome->undecodable) out.undecodable.push_back({std::move(path), std::move(error)});
  return out;
}

Result<DupsResult> find_dups(Session& session, const DupsRequest& request) {
  LDB_TRY_ASSIGN(auto threshold, detail::parse_dup_threshold(request.threshold));
  auto instance = detail::instance(session);
  if (!instance) return std::unexpected(instance.error());
  auto ctx = detail::dataset_context(session, **instance);
  auto selection = select(session, ctx, request.selector, "dups", Default::workspace_else_root);
  if (!selection) return std::unexpected(selection.error());
  DupsResult out;
  out.threshold = threshold;
  out.objects = selection->size();
  if (request.against) {
    auto other = select(session, ctx, *request.against, "dups --against", Default::root);
    if (!other) return std::unexpected(other.error());
    out.objects += other->size();
    auto cross = dataset::near_duplicates_across(ctx, *selection, *other, threshold);
    if (!cross) return std::unexpected(cross.error());
    out.without_hash = cross->without_hash;
    std::vector<std::size_t> left, right;
    for (const auto& p : cross->pairs) {
      left.push_back(p.left);
      right.push_back(p.right);
    }
    auto left_paths = first_paths(ctx, *selection, left, request.paths);
    if (!left_paths) return std::unexpected(left_paths.error());
    auto right_paths = first_paths(ctx, *other, right, request.paths);
    if (!right_paths) return std::unexpected(right_paths.error());
    for (std::size_t k = 0; k < cross->pairs.size(); ++k) {
      const auto& p = cross->pairs[k];
      out.groups.push_back({DupMember{(*selection)[p.left].hash, std::move((*left_paths)[k]), 0},
                            DupMember{(*other)[p.right].hash, std::move((*right_paths)[k]), p.distance}});
    }
  } else {
    auto groups = dataset::near_duplicate_groups(ctx, *selection, threshold);
    if (!groups) return std::unexpected(groups.error());
    out.without_hash = groups->without_hash;
    std::vector<std::size_t> positions;
    for (const auto& g : groups->groups) positions.insert(positions.end(), g.members.begin(), g.members.end());
    auto paths = first_paths(ctx, *selection, positions, request.paths);
    if (!paths) return std::unexpected(paths.error());
    std::size_t next = 0;
    for (const auto& g : groups->groups) {
      std::vector<DupMember> members;
      for (std::size_t k = 0; k < g.members.size(); ++k) {
        members.push_back({(*selection)[g.members[k]].hash, std::move((*paths)[next++]), g.distance[k]});
      }
      out.groups.push_back(std::move(members));
    }
  }
  detail::report(session, ctx);
  return out;
}

namespace {

// Runs `work(ctx, selection, model)` for the commands that store what a
// model gives (embed, project): the model is checked before any object is
// read, and a read-only instance is refused before any work.
template <class Work>
auto with_model(Session& session, const Selector& selector, const std::string& model_name, std::string_view command,
                Work work) -> decltype(work(std::declval<dataset::Context&>(), std::declval<dataset::Selection&>(),
                                            std::declval<dataset::EmbeddingModel&>())) {
  auto instance = detail::instance(session);
  if (!instance) return std::unexpected(instance.error());
  auto ctx = detail::dataset_context(session, **instance);
  auto model = dataset::embedding_model(ctx, model_name);
  if (!model) return std::unexpected(model.error());
  LDB_TRY((*instance)->store->check_writable());
  auto selection = select(session, ctx, selector, command, Default::root);
  if (!selection) return std::unexpected(selection.error());
  auto out = work(ctx, *selection, *model);
  detail::report(session, ctx);
  return out;
}

}  // namespace

Result<EmbedSummary> embed(Session& session, const EmbedRequest& request) {
  return with_model(
      session, request.selector, request.model, "embed",
      [](dataset::Context& ctx, dataset::Selection& selection, dataset::EmbeddingModel& model) -> Result<EmbedSummary> {
        auto outcome = dataset::embed(ctx, selection, model);
        if (!outcome) return std::unexpected(outcome.error());
        return EmbedSummary{model.name,        outcome->selected,   outcome->already,
                            outcome->embedded, outcome->not_images, outcome->dimensions};
      });
}

Result<ProjectSummary> project(Session& session, const ProjectRequest& request) {
  return with_model(session, request.selector, request.model, "project",
                    [&](dataset::Context& ctx, dataset::Selection& selection,
                        dataset::EmbeddingModel& model) -> Result<ProjectSummary> {
                      auto outcome = dataset::project(ctx, selection, model, request.method);
                      if (!outcome) return std::unexpected(outcome.error());
                      return ProjectSummary{model.name, request.method, outcome->projected, outcome->without_embedding};
                    });
}

Result<std::vector<ProjectedPoint>> projected_points(Session& session, const ProjectRequest& request) {
  auto instance = detail::instance(session);
  if (!instance) return std::unexpected(instance.error());
  auto ctx = detail::dataset_context(session, **instance);
  auto model = dataset::embedding_model(ctx, request.model);
  if (!model) return std::unexpected(model.error());
  auto selection = select(session, ctx, request.selector, "project", Default::root);
  if (!selection) return std::unexpected(selection.error());
  std::vector<core::Md5> hashes;
  for (const auto& r : *selection) hashes.push_back(r.hash);
  auto points = ctx.store.projection(model->key, request.method, hashes);
  if (!points) return std::unexpected(points.error());
  std::vector<ProjectedPoint> out;
  for (std::size_t i = 0; i < hashes.size(); ++i) {
    if ((*points)[i]) out.push_back({hashes[i], (*points)[i]->x, (*points)[i]->y});
  }
  detail::report(session, ctx);
  return out;
}

}  // namespace ldb::app

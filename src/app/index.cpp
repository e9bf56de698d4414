#include "app/index.hpp"

#include "app/detail/select.hpp"
#include "app/detail/session.hpp"
#include "dataset/sources.hpp"
#include "index/indexer.hpp"

namespace ldb::app {

Result<IndexSummary> index(Session& session, const IndexRequest& request) {
  if (request.paths.empty()) {
    return fail(ErrorCode::invalid_argument, "ldb index needs at least one path",
                "usage: ldb index [-m FORMAT] PATH...");
  }
  auto options = detail::index_options(request.settings);
  if (!options) return std::unexpected(options.error());
  auto instance = detail::instance(session);
  if (!instance) return std::unexpected(instance.error());
  // Refuse a read-only instance before walking and hashing the files.
  LDB_TRY((*instance)->store->check_writable());
  auto ctx = detail::dataset_context(session, **instance);
  std::vector<std::string> given;
  for (const auto& p : request.paths) given.push_back(detail::absolute_identifier(session.context(), p));
  auto paths = dataset::expand_storage_paths(ctx, given);
  if (!paths) return std::unexpected(paths.error());
  // A malformed annotation file is reported and left out; the rest of the
  // run is indexed and the command still exits non-zero.
  options->bad_annotation = index::BadAnnotation::skip;
  // `ldb index` (not the indexing that other commands do on the way) shares
  // its run with other index processes when the store offers a work queue.
  options->share.enabled = true;
  const auto& sharing = request.sharing;
  if (sharing.batch_files) options->share.batch_files = *sharing.batch_files;
  if (sharing.lease) options->share.lease = *sharing.lease;
  if (sharing.batch_pause) options->share.batch_pause = *sharing.batch_pause;
  auto index_options = dataset::with_location_check(ctx, std::move(*options));
  auto& state = session.state();
  auto report = index::index_paths(*(*instance)->store, state.fs, state.pool, state.progress(), *paths, index_options);
  state.progress().finish();
  if (!report) return std::unexpected(report.error());
  IndexSummary out;
  out.formats.emplace_back(index::format_name(report->format_used));
  for (auto format : report->formats_used) {
    if (format != report->format_used) out.formats.emplace_back(index::format_name(format));
  }
  out.data_objects_found = report->data_objects_found;
  out.new_objects = report->new_objects;
  out.annotations_found = report->annotations_found;
  out.new_annotations = report->new_annotations;
  out.skipped_unchanged = report->skipped_unchanged;
  out.images_with_features = report->images_with_features;
  for (auto& image : report->undecodable_images) {
    out.undecodable_images.push_back({std::move(image.path), std::move(image.error)});
  }
  for (const auto& missing : report->missing_images) {
    MissingImagesNote note{index::describe_missing(missing), {}};
    for (const auto& image : missing.images) {
      note.details.push_back(index::describe_missing_image(missing.annotation_file, image));
    }
    out.missing_images.push_back(std::move(note));
  }
  out.not_detection = std::move(report->not_detection);
  for (const auto& c : report->current_from_another_path) {
    out.current_from_another_path.push_back({c.hash, c.previous_version, c.version, c.path, c.previous_path});
  }
  out.skipped = std::move(report->skipped);
  if (const auto& shared = report->shared; shared.shared) {
    out.shared = IndexSummary::Shared{shared.joined, shared.batches, shared.indexed, shared.taken_over, shared.lost};
  }
  detail::report(session, ctx);
  return out;
}

}  // namespace ldb::app

#pragma once
// Looking at what the instance holds: list, eval, diff, datasets, log, show.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "app/selection.hpp"
#include "app/session.hpp"
#include "app/workspace.hpp"

namespace ldb::app {

struct ListRequest {
  Selector selector;                  // no objects: the staged dataset
  std::optional<std::string> target;  // the workspace for the default
  bool details = true;                // false: only refs (list -s)
};

struct ObjectRow {
  ObjectRef ref;
  std::vector<std::string> paths;  // every path it was seen at, sorted
  std::uint64_t size = 0;
  std::vector<std::string> tags;
  std::vector<std::string> transforms;  // display names of its transform set in the datasets listed, sorted
};

struct Listing {
  std::size_t count = 0;
  std::vector<ObjectRow> rows;  // empty unless details
};

Result<Listing> list(Session& session, const ListRequest& request);

struct EvalRequest {
  // A trailing query/jquery/file filter is evaluated on each object instead
  // of filtering; without one, the annotation itself is the value.
  Selector selector;
  std::optional<std::string> target;
};

struct Evaluation {
  ObjectRef ref;
  bool ok = true;
  std::string json;  // canonical JSON value, or the error message when !ok
};

Result<std::vector<Evaluation>> eval(Session& session, const EvalRequest& request);

struct DiffRequest {
  // Zero, one or two of ds:NAME[.vN], ws:DIR, id:..., paths. None: the
  // workspace's staged dataset against the version it was staged from; one:
  // that against the workspace.
  std::vector<std::string> sides;
  std::optional<std::string> target;
  bool details = true;  // false: counts only
};

struct DiffEntry {
  // added: `to` is the object; deleted: `from`; modified: both (other
  // annotation versions); transforms_changed: `to`, with the two sets.
  ObjectRef from;
  ObjectRef to;
  std::string path;
  std::vector<std::string> from_transforms, to_transforms;  // retransformed only
};

struct DiffResult {
  std::vector<DiffEntry> added, deleted, modified, transforms_changed;
};

Result<DiffResult> diff(Session& session, const DiffRequest& request);

struct DatasetInfo {
  std::string name;
  std::uint32_t version = 0;  // the latest
  std::uint64_t objects = 0;
  std::uint64_t annotations = 0;
  std::int64_t time = 0;  // unix seconds of the latest commit
};

Result<std::vector<DatasetInfo>> datasets(Session& session);

// Deletes whole datasets (ds:NAME each); every name is checked before any is
// deleted, so that a typo deletes nothing. Returns the names deleted.
Result<std::vector<std::string>> delete_datasets(Session& session, const std::vector<std::string>& datasets);

struct LogEntry {
  VersionSummary version;
  std::uint32_t parent = 0;
  std::uint32_t merge_parent = 0;
  std::int64_t time = 0;
  std::string author;
  std::string message;
  // Against `against` (the merge parent for a merge, else the parent; 0: none).
  std::uint32_t against = 0;
  std::size_t added = 0, deleted = 0, modified = 0, transforms_changed = 0;
};

// A dataset's versions, newest first.
Result<std::vector<LogEntry>> log(Session& session, const std::string& dataset);

struct AnnotationVersion {
  std::uint32_t version = 0;
  std::int64_t indexed_at = 0;
  core::Md5 annotation_hash;
};

struct ObjectDetails {
  core::Md5 hash;
  std::uint64_t size = 0;
  std::vector<std::string> paths;
  std::vector<std::string> tags;
  std::int64_t first_indexed = 0;
  std::int64_t last_indexed = 0;
  std::uint32_t current_version = 0;
  std::vector<AnnotationVersion> versions;
  std::vector<std::string> datasets;  // "ds:NAME.vN" holding it
  // Its transform names in each version holding it, where not {self}.
  std::map<std::string, std::vector<std::string>> dataset_transforms;
};

// What ldb knows of one object (id:HASH or a unique prefix).
Result<ObjectDetails> show(Session& session, const std::string& object);

}  // namespace ldb::app

#pragma once
// The workspace's staged dataset: stage, add, del, status, commit — what
// `git checkout`, `git add`, `git status` and `git commit` are to a repository.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "app/selection.hpp"
#include "app/session.hpp"

namespace ldb::app {

// A committed version's counts.
struct VersionSummary {
  std::string name;  // without "ds:"
  std::uint32_t version = 0;
  std::uint64_t objects = 0;
  std::uint64_t annotations = 0;
};

// "ds:NAME", or a description of the unnamed dataset the caller words.
std::string dataset_label(const std::string& name, std::string_view unnamed);

struct StageRequest {
  std::string dataset;                // ds:NAME[.vN]
  std::optional<std::string> folder;  // unset: the Context's cwd
  bool force = false;                 // discard uncommitted changes
};

struct StageOutcome {
  std::string name;
  std::uint32_t version = 0;  // 0: a new dataset
  std::size_t objects = 0;
  std::filesystem::path root;
};

// Makes a folder a workspace for a dataset (the QuickStart instance is made
// when none is configured).
Result<StageOutcome> stage(Session& session, const StageRequest& request);

struct AddRequest {
  Selector selector;                           // no objects: ds:root, and a filter is then required
  std::optional<std::string> target;           // the workspace folder; unset: the Context's cwd or a parent
  IndexSettings index;                         // how paths indexed on the fly are read
  std::optional<std::uint32_t> label_version;  // pin this annotation version
};

struct AddOutcome {
  std::string dataset;  // name, "" for an unnamed one
  std::size_t added = 0;
  std::size_t selected = 0;
  std::size_t modified = 0;  // staged already with another annotation version
};

Result<AddOutcome> add(Session& session, const AddRequest& request);

struct DelRequest {
  Selector selector;  // no objects: ds:root, and a filter is then required
  std::optional<std::string> target;
};

struct DelOutcome {
  std::string dataset;
  std::size_t deleted = 0;
};

Result<DelOutcome> del(Session& session, const DelRequest& request);

// The workspace's files against the manifest of the last instantiate.
struct FilesStatus {
  std::string state;      // "none" (never instantiated), "finished", "unfinished"
  std::size_t files = 0;  // files the manifest lists
  std::vector<std::string> edited;
  std::vector<std::string> deleted;
  std::vector<std::string> added;
  std::size_t unwritten = 0;
};

struct WorkspaceStatus {
  std::string dataset;        // name, "" for an unnamed one
  std::uint32_t version = 0;  // the version staged, 0 when new
  std::filesystem::path root;
  std::size_t objects = 0;
  std::size_t annotations = 0;
  std::size_t added = 0, deleted = 0, modified = 0, transforms_changed = 0;  // uncommitted
  std::uint32_t behind = 0;  // the dataset's latest version when others committed since staging, else 0
  FilesStatus files;
};

// The staged dataset of the workspace at `target` (or the Context's cwd).
Result<WorkspaceStatus> workspace_status(Session& session, const std::optional<std::string>& target);

// The root of the workspace at the Context's cwd or above, if any (looks
// only for the folder; reads nothing).
std::optional<std::filesystem::path> workspace_root(const Context& context);

// The workspace at the Context's cwd or above, as workspace_status gives it
// but without comparing its files (`files` is left empty: what a front end
// asks after each change); nullopt when there is none.
Result<std::optional<WorkspaceStatus>> find_workspace(Session& session);

// A committed dataset version (ds:NAME, ds:NAME.vN).
Result<VersionSummary> dataset_status(Session& session, const std::string& dataset);

enum class Resolution { none, ours, theirs };

struct CommitRequest {
  std::optional<std::string> target;
  std::string message;
  std::optional<std::string> dataset;  // ds:NAME to commit as (names an unnamed dataset)
  Resolution resolution = Resolution::none;
};

struct CommitOutcome {
  VersionSummary version;  // the saved version, else the latest (which holds the members)
  bool committed = false;  // false: nothing to commit
  std::uint32_t staged_from = 0;
  std::uint32_t merged_with = 0;  // others had committed: the latest version merged with
  std::size_t conflicts_decided = 0;
};

Result<CommitOutcome> commit(Session& session, const CommitRequest& request);

struct PullRequest {
  Selector selector;  // no objects: the staged dataset
  std::optional<std::string> target;
  std::uint32_t version = 0;  // 0: the current annotation version
};

struct PullOutcome {
  std::string dataset;
  std::uint64_t updated = 0;
  std::uint64_t unchanged = 0;
  std::uint64_t missing = 0;     // objects without that version, left as they were
  std::uint64_t not_staged = 0;  // selected objects not staged, ignored
};

// Moves staged members to the current (or given) annotation version.
Result<PullOutcome> pull(Session& session, const PullRequest& request);

struct SyncRequest {
  // No objects: the workspace's own files (as `add .` reads them), through
  // the filters; else the objects named.
  Selector selector;
  std::optional<std::string> target;
  IndexSettings index;
};

struct SyncOutcome {
  std::string dataset;
  std::size_t added = 0, deleted = 0, modified = 0;
  std::uint64_t edited_annotations = 0;
};

// Makes the staged dataset equal the objects.
Result<SyncOutcome> sync(Session& session, const SyncRequest& request);

enum class TransformEdit { add, remove, set };

struct TransformRequest {
  Selector selector;  // no objects: the staged dataset
  std::optional<std::string> target;
  TransformEdit edit = TransformEdit::add;
  std::vector<std::string> names;  // comma-separated lists of configured transform names ("self": the plain copy)
};

struct TransformOutcome {
  std::string dataset;
  std::size_t changed = 0;
  std::size_t selected = 0;
};

// Adds, removes or sets the transforms of the staged members.
Result<TransformOutcome> transform(Session& session, const TransformRequest& request);

}  // namespace ldb::app

#pragma once
// ldb instantiate and ldb get: writing objects' data files and annotations
// into a folder in the layout training code wants.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "app/selection.hpp"
#include "app/session.hpp"

namespace ldb::app {

// How to write (-m, -p, -f, --annotations-only, --preserve-paths, --link, --apply).
struct WriteOptions {
  std::optional<std::string> format;  // an instantiate format name or alias; unset: strict-pairs
  std::vector<std::pair<std::string, std::string>> params;
  bool force = false;  // move aside files ldb did not write (or that were changed) and replace them
  bool annotations_only = false;
  bool preserve_paths = false;
  bool link = false;  // hard-link data files instead of copying them
  // Instantiate into a temporary folder and run this program (and its
  // arguments) on it instead of writing the target.
  std::vector<std::string> apply;
};

// What was written.
struct WriteReport {
  std::filesystem::path target;
  std::uint64_t data_files = 0;
  std::uint64_t annotation_files = 0;
  std::uint64_t written = 0;
  std::uint64_t unchanged = 0;
  std::uint64_t removed = 0;
  std::uint64_t moved = 0;  // with force: files moved aside into moved_to
  std::filesystem::path moved_to;
  bool applied = false;  // --apply ran a program on a temporary folder; target holds its output
};

struct InstantiateRequest {
  Selector selector;                  // no objects: the staged dataset of the target (or of the workspace at cwd)
  std::optional<std::string> target;  // -t DIR; unset: the workspace
  WriteOptions write;
};

Result<WriteReport> instantiate(Session& session, const InstantiateRequest& request);

struct GetRequest {
  Selector selector;                  // objects or filters are required (no objects + a filter: ds:root)
  std::optional<std::string> target;  // unset: the cwd
  WriteOptions write;
};

struct GetOutcome {
  std::string dataset;  // "ds:NAME" or "the unnamed dataset"
  std::filesystem::path target;
  std::size_t added = 0;
  std::size_t selected = 0;
  WriteReport written;
};

// Stages (unnamed when the target is not a workspace yet), adds and
// instantiates in one step; a failure leaves no workspace it created.
Result<GetOutcome> get(Session& session, const GetRequest& request);

}  // namespace ldb::app

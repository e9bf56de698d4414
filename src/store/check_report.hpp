#pragma once
// What a consistency check of an instance store (`ldb fsck`) reports, whatever
// the backend: store/factory.hpp's check_store runs the backend's own check
// and returns this.

#include <cstdint>
#include <string>
#include <vector>

namespace ldb::store {

// One thing found wrong: where it is ("dataset ds:cats v3", "table objects"),
// what is wrong, and what the user can do about it.
struct Problem {
  std::string where;
  std::string message;
  std::string hint;
};

// What a check looked at, and what it found (empty problems = healthy).
struct CheckReport {
  int schema_version = 0;
  std::uint64_t objects = 0;
  std::uint64_t annotation_versions = 0;
  std::uint64_t datasets = 0;
  std::uint64_t dataset_versions = 0;
  std::uint64_t collections = 0;
  std::vector<Problem> problems;
};

}  // namespace ldb::store

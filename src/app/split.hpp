#pragma once
// ldb split (SPEC section 9): the selection split into ds:PREFIX-NAME
// datasets, one new version each, in one transaction; near-duplicate groups
// kept in one part, earlier members never moved (dataset/split.hpp says how).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "app/selection.hpp"
#include "app/session.hpp"

namespace ldb::app {

struct SplitRequest {
  Selector selector;                     // no objects: the staged dataset, else ds:root; --seed seeds the split
  std::string into;                      // "train=0.8,val=0.1,test=0.1"
  std::optional<std::string> stratify;   // an annotation expression
  std::optional<std::string> threshold;  // pHash bits, as given; unset: the dups default
  std::string target;                    // ds:PREFIX
  std::optional<std::string> message;    // unset: "split into ... (seed N)"
};

struct SplitPartSummary {
  std::string dataset;  // PREFIX-NAME
  double fraction = 0;  // asked for
  std::uint64_t objects = 0;
  std::uint64_t kept = 0;  // already in this part's previous version
  bool committed = false;  // false: its latest version already held exactly these
  std::uint32_t version = 0;
};

struct SplitSummary {
  // What was split: the identifiers given, else the default used (ds:root,
  // or ws:DIR for the staged dataset of the workspace there).
  std::vector<std::string> source;
  std::vector<SplitPartSummary> parts;
  std::uint64_t objects = 0;
  std::uint64_t grouped_objects = 0;    // in near-duplicate groups of two or more
  std::uint64_t without_features = 0;   // no pHash (ldb features computes it): split alone
  std::uint64_t straddling_groups = 0;  // groups whose earlier members were in different parts already
  std::uint64_t unvalued = 0;           // --stratify: objects without a value
  std::uint64_t seed = 0;
  unsigned threshold = 0;
};

Result<SplitSummary> split(Session& session, const SplitRequest& request);

}  // namespace ldb::app

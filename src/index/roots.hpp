#pragma once
// Indexed roots: a folder an index run decides the format of remembers that
// format and its -p parameters (store::IndexedRoot). A later run without -m
// reads the files below a remembered folder the same way, the longest prefix
// winning: `ldb index DATA/bag` after `ldb index -m tensorflow-inferred DATA`
// labels DATA/bag/x.png "bag" (its folder counted from DATA); a COCO file,
// YOLO labels/ or a Label Studio export in DATA still annotates
// DATA/images/x.jpg; and `ldb index DATA` reads a sub-folder remembered with
// another format in that format. An explicit -m or -p applies to the whole of
// each path given: when it differs from what is remembered it is remembered
// in its turn, and the roots below the path are forgotten.
//
// A run therefore reads its files in one or more "readings" (format and
// parameters); each is planned on its own part of the scan and the plans are
// merged, so the run still lands in one ingest.

#include <deque>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "index/indexer.hpp"
#include "index/plan.hpp"
#include "index/scan.hpp"

namespace ldb::index {

// A format and its parameters: how a set of files is read.
struct Reading {
  Format format = Format::auto_detect;
  std::vector<std::pair<std::string, std::string>> params;

  bool operator==(const Reading&) const = default;
};

// What resolve_run decides before anything is listed.
struct RunSettings {
  // What to list (normalized, unique): the paths given, except that a path
  // below a root remembered with a shared-file format (COCO, YOLO, VOC, Label
  // Studio) is replaced by that root, whose files annotate it.
  std::vector<std::string> scan_paths;
  std::vector<std::string> bases;       // per scan path: the folder inferred labels count from
  std::vector<std::size_t> reading_of;  // per scan path: index into readings
  std::vector<Reading> readings;
  // Roots remembered below a scan path that keep their own reading (runs
  // without -m or -p): the files below one are read as it was indexed.
  std::vector<std::string> sub_roots;
  std::vector<std::size_t> sub_reading;  // per sub-root: index into readings
  // Not empty when a root was listed in place of a path: only data files
  // within one of these (the paths given) are read.
  std::vector<std::string> keep_under;
  // Paths whose reading the run decides, with its index: recorded (when they
  // are folders) with the format the plan ends up using.
  std::vector<std::pair<std::string, std::size_t>> remember;
  // Roots below a path given with -m or -p: superseded by this run.
  std::vector<std::string> forget;
};

// Looks up the roots that cover or lie below the paths (as given, globs
// expanded). corruption when a root names a format this ldb does not know.
Result<RunSettings> resolve_run(store::Store& store, std::span<const std::string> paths, const IndexOptions& options);

// One part of a run: the files of one reading, planned.
struct RunPart {
  Reading reading;
  Scan scan;  // the part's files (roots and bases of the whole run)
  Plan plan;
};

struct RunPlan {
  std::deque<RunPart> parts;    // stable addresses: plans point into their scans
  std::vector<Format> formats;  // the formats used, unique, the first path's first
  // What the run records in the store when it lands (IngestOptions).
  std::vector<store::IndexedRoot> remember;
  std::vector<std::string> forget;
};

// Splits `scan` (of settings.scan_paths) into its readings and plans each
// with `options` (bad_annotation etc.). Each path whose reading the run
// decides is to be remembered when it is a folder, with the format its plan
// uses (a detected one only when something was found to index).
// invalid_argument when annotation-only files and data files would be read in
// one run; the errors of make_plan otherwise.
Result<RunPlan> plan_run(storage::FileSystem& fs, const RunSettings& settings, Scan scan, const IndexOptions& options,
                         const ParallelLoop& loop);

// The parts' plans as one (items sorted by data path, annotation-only files by
// path), moved out of `run`, which must outlive it: its parts keep the scans
// (and data files outside them) that the items point into.
Plan take_merged_plan(RunPlan& run);

}  // namespace ldb::index

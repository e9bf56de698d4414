#pragma once
// A workspace's own files as a source of objects (`ldb add .`, `ldb sync`):
// the round trip after `instantiate`, where the user edits annotation files,
// deletes data files and copies new ones in.
//
// The workspace's layout is detected as `index` does (pairs `x.png` +
// `x.json`, COCO, YOLO, VOC, Label Studio); a data file without an annotation
// is kept with the annotation version it had, and annotation-only files are
// read as bare pairs (their annotations do not round-trip). Class folders are
// read as bare pairs too, unless instantiate recorded that it wrote them
// (dataset/class_folders.hpp): then a data file's folder is its label, and a
// file moved to another folder (not at a path instantiate wrote, unchanged)
// is a relabel. Workspace files are ephemeral, so they are read as a source,
// never recorded as storage:
// - a data file of an indexed object keeps the staged annotation version (or
//   the current one, when the object is not staged) when its .json is
//   unchanged; an edited .json is recorded as the object's annotation — a new
//   version, or the older version it equals — without recording a path; in a
//   detection layout (COCO, YOLO, VOC, Label Studio), which cannot carry every
//   key of an annotation, a member whose label files are as instantiate wrote
//   them keeps its version, and an edited label file is merged into the
//   version it was written from (dataset/label_edits.hpp): untouched objects
//   are kept verbatim, so only a member whose objects the edit changed gets a
//   new version;
// - a data file ldb never indexed is copied, with its .json, to the read-add
//   location (dataset/read_add.hpp) and indexed there; without one it goes to
//   the instance's own read-add/ folder when the instance may read the
//   workspace (QuickStart's read_any_location, or a workspace inside
//   registered storage) — never indexed in the workspace, whose files the next
//   `instantiate -f` may delete — else the whole call fails with a hint naming
//   `ldb add-storage -a true`.
// Everything lands in one Store::ingest call.

#include <cstdint>
#include <span>
#include <string>

#include "dataset/context.hpp"
#include "dataset/workspace.hpp"

namespace ldb::dataset {

struct WorkspaceFiles {
  store::Collection members;             // one per object found, with the version its files say
  std::uint64_t data_files = 0;          // data files read
  std::uint64_t edited_annotations = 0;  // .json files that differ from the version compared with
  std::uint64_t new_annotations = 0;     // annotation versions created
  std::uint64_t new_objects = 0;         // data files ldb had not indexed
  std::string copied_to;                 // folder below the read-add location ("" when nothing was copied)
  // The files whose content `members` now holds, as read: every data file
  // (new objects included) and each .json beside one, whether an edit or
  // equal to the version it is compared with. Not in a class-folder layout
  // (tensorflow-inferred) whose labels are not read back (no layout record),
  // and never shared annotation files (COCO, YOLO, ...), which are read only
  // in part. The caller may count them as ldb's from now on: a file moved to
  // another class folder, once taken in, is where its new label puts it.
  std::vector<TakenFile> taken;
};

// Reads the files below `ws.root()` (hidden files and folders skipped). Errors:
// invalid_argument for a malformed .json (naming it) or for new data files
// that cannot be stored (with the add-storage hint); io/not_found from reading
// or copying. On error nothing is written and copies are removed.
// `untouched`: absolute paths of files still as instantiate wrote them. Their
// annotations are not edits, so a member keeps its staged version even when
// `pull` moved it past what the (stale) file holds; in a detection layout that
// holds for a member when every file its annotation is read from is untouched
// (its YOLO label file and data.yaml, its VOC XML, the COCO or Label Studio
// JSON). Edited label files are read back through ctx.read_back_labels.
Result<WorkspaceFiles> read_workspace_files(Context& ctx, const Workspace& ws,
                                            std::span<const std::string> untouched = {});

// The files of `taken` (WorkspaceFiles::taken) that hold `members`: the data
// files of those objects and the .json beside each.
std::vector<TakenFile> taken_of_members(std::span<const TakenFile> taken, const store::Collection& members);

}  // namespace ldb::dataset

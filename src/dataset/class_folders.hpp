#pragma once
// Class folders in a workspace: after `instantiate -m tensorflow-inferred`,
// moving a file from bag/ to coat/ is a relabel. Instantiate records the
// layout it wrote (format and -p parameters) in `.ldb_workspace/layout`, and
// `ldb add .` / `ldb sync` (dataset/workspace_files.hpp) read a file's folder
// back as its label with the same parameters.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <simdjson.h>

#include "core/error.hpp"
#include "index/infer.hpp"

namespace ldb::dataset {

// File name of the layout record inside .ldb_workspace/.
inline constexpr std::string_view k_layout_file_name = "layout";

// How instantiate last laid out a workspace's files.
struct InstantiatedLayout {
  std::string format;                                       // instantiate's format name ("tensorflow-inferred", ...)
  std::vector<std::pair<std::string, std::string>> params;  // its -p KEY=VALUE parameters, in order

  bool operator==(const InstantiatedLayout&) const = default;
};

// Writes the layout record of the workspace at `root` atomically, as one JSON
// line {"format": F, "params": [[K, V], ...]}.
Status write_instantiated_layout(const std::filesystem::path& root, const InstantiatedLayout& layout);

// The layout record of the workspace at `root`; nullopt when instantiate never
// wrote one (workspaces from earlier builds, or never instantiated).
// corruption naming the file when it is not such a JSON line.
Result<std::optional<InstantiatedLayout>> read_instantiated_layout(const std::filesystem::path& root);

// The annotation a file in a class folder stands for, given the annotation it
// had (`stored`, canonical JSON, "" for none) and its folder relative to the
// workspace root (`relative_dir`, '/'-separated, "" in the root). "" when its
// folder is the one the stored label makes (nothing to record) or when the
// folder makes no label (the root without a base label). Otherwise the stored
// annotation with only the value at the label key replaced (other keys kept;
// a number or boolean label stays one when the folder name reads as one), or
// the folder's annotation when nothing was stored.
Result<std::string> relabel_from_folder(simdjson::dom::parser& parser, std::string_view stored,
                                        std::string_view relative_dir, const index::InferParams& params);

}  // namespace ldb::dataset

#pragma once
// --pipe plugins: external programs (e.g. an ML model) that choose and order
// objects. The program gets a JSON array of [hash, data_path, annotation_path]
// on stdin and prints the hashes to keep, one a line, in its order. A name
// without '/' is looked up first in the instance's custom_code/ldb_user_filters/
// and then on PATH.

#include <filesystem>
#include <optional>
#include <span>
#include <string>

#include "dataset/context.hpp"
#include "store/types.hpp"

namespace ldb::dataset {

// The executable a plugin name refers to, or nullopt when none is installed.
std::optional<std::filesystem::path> find_plugin(const std::filesystem::path& instance_dir, std::string_view name);

// Runs the plugin over `selection`; returns the objects it printed, in its
// order. invalid_argument when it is not found, fails, or prints an unknown hash.
Result<std::vector<store::ObjectRef>> run_pipe_plugin(Context& ctx, std::vector<store::ObjectRef> selection,
                                                      std::string_view name, std::span<const std::string> args);

}  // namespace ldb::dataset

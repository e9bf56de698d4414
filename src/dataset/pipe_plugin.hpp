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
#include "dataset/pipeline.hpp"
#include "store/types.hpp"

namespace ldb::dataset {

// The executable a plugin name refers to, or nullopt when none is installed.
// `search_path` is the $PATH the front end gave (colon-separated folders).
std::optional<std::filesystem::path> find_plugin(const std::filesystem::path& instance_dir, std::string_view name,
                                                 std::string_view search_path);

// Runs the plugin over `selection`; returns the objects it printed, in its
// order. invalid_argument when it is not found, fails, or prints an unknown hash.
Result<std::vector<store::ObjectRef>> run_pipe_plugin(Context& ctx, std::vector<store::ObjectRef> selection,
                                                      std::string_view name, std::span<const std::string> args);

// Splits a plugin command written as one argument into words the way a shell
// would for simple cases: blanks separate words, '...' and "..." group (no
// escapes inside '...'; \" and \\ inside "..."). invalid_argument on an
// unterminated quote.
Result<std::vector<std::string>> split_words(std::string_view text);

// The seeds' shorthand `--sort 'CLIP "dog dance"'`: a --sort whose first word
// names an installed plugin becomes `--pipe CLIP "dog dance"`; any other --sort
// stays a JMESPath sort key. A --sort of one word is a plugin only when it is
// in the instance's plugin folder (`--sort size` must not run /usr/bin/size). A --sort that is neither (it does not
// parse as an expression and its first word is a name) fails naming the plugin and where plugins are looked up.
Result<std::vector<FilterSpec>> expand_plugin_sorts(const std::filesystem::path& instance_dir,
                                                    std::span<const FilterSpec> filters, std::string_view search_path);

}  // namespace ldb::dataset

#pragma once
// Transforms as the command line sees them: the `[transform.NAME] run = [...]`
// tables of the instance's config, names turned into the commands the store
// records (and back, for display), and a member's set turned into programs to
// run. A transform is identified by its command, so renaming it in the config
// changes only how it is shown.

#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "formats/instantiate.hpp"
#include "store/types.hpp"

namespace ldb::app::detail {

// The key of the command recorded for built-in image ops: {"ops": [...]}.
// A program's command is a JSON array, so the two never meet.
inline constexpr std::string_view k_ops_key = "ops";

struct TransformConfig {
  // Configured program transforms by name, each its `run` array (program, arguments).
  std::map<std::string, std::vector<std::string>> runs;
  // Configured built-in image-op transforms by name, each its normalised ops
  // (image::normalised).
  std::map<std::string, std::vector<std::string>> ops;
  // The command the store records for each transform to its name.
  std::map<std::string, std::string> names;
};

// Reads the [transform.NAME] tables of `instance_dir`/config. invalid_argument
// naming the file and transform for a name that is not [A-Za-z0-9_-]+ or is
// "self", a table with both `run` and `ops` or neither, a `run` that is
// empty or not an array of strings, an `ops` array with an op that does not
// parse (the message names the op text; image::parse_ops), and two names with
// the same command; the TOML syntax errors of the file.
Result<TransformConfig> read_transform_config(const std::filesystem::path& instance_dir);

// The command the store records for a `run` array: its canonical JSON.
std::string transform_command(std::span<const std::string> run);

// The command the store records for normalised ops: the canonical JSON
// {"ops": [...]}, so that renaming the transform keeps its meaning.
std::string ops_command(std::span<const std::string> ops);

// Comma-separated (and repeated) transform names to a sorted, unique set of
// commands; "self" is the plain copy. invalid_argument naming an unknown name
// and listing the configured ones.
Result<store::TransformSet> resolve_transform_names(const TransformConfig& config, std::span<const std::string> lists);

// How a command is shown: its configured name, "self", or — when no configured
// transform has that command any more — the command's JSON argv.
std::string transform_display_name(const TransformConfig& config, const std::string& command);

// The transforms to run for a member's set: the plain copy has an empty
// command; a recorded {"ops": [...]} has its parsed ops (named "ops" when no
// configured transform has them);
// each other command's program (its first word) is looked up like a pipe plugin
// (the instance's custom_code/ldb_user_filters/, then `search_path`, the
// $PATH the front end gave). A command no
// configured transform has is named after its program. not_found naming the
// transform when its program is not installed; corruption for a malformed command.
Result<std::vector<formats::MemberTransform>> member_transforms(const TransformConfig& config,
                                                                const std::filesystem::path& instance_dir,
                                                                std::string_view search_path,
                                                                const store::TransformSet& set);

}  // namespace ldb::app::detail

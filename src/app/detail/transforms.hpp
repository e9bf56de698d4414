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

struct TransformConfig {
  // Configured transforms by name, each its `run` array (program, arguments).
  std::map<std::string, std::vector<std::string>> runs;
  // The canonical JSON of each `run` array (the command the store records) to its name.
  std::map<std::string, std::string> names;
};

// Reads the [transform.NAME] tables of `instance_dir`/config. invalid_argument
// naming the file and transform for a name that is not [A-Za-z0-9_-]+ or is
// "self", a `run` that is missing, empty or not an array of strings, and two
// names with the same command; the TOML syntax errors of the file.
Result<TransformConfig> read_transform_config(const std::filesystem::path& instance_dir);

// The command the store records for a `run` array: its canonical JSON.
std::string transform_command(std::span<const std::string> run);

// Comma-separated (and repeated) transform names to a sorted, unique set of
// commands; "self" is the plain copy. invalid_argument naming an unknown name
// and listing the configured ones.
Result<store::TransformSet> resolve_transform_names(const TransformConfig& config, std::span<const std::string> lists);

// How a command is shown: its configured name, "self", or — when no configured
// transform has that command any more — the command's JSON argv.
std::string transform_display_name(const TransformConfig& config, const std::string& command);

// The programs to run for a member's set: the plain copy has an empty command;
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

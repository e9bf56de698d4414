#pragma once
// Turning index-related command-line options (-m, -p, --add-tags,
// --annotation-update) into index::IndexOptions; shared by index and add.

#include "cli/args.hpp"
#include "index/indexer.hpp"

namespace ldb::cli {

Result<index::IndexOptions> index_options_from(const ParsedArgs& args);

// The -p KEY=VALUE format parameters, in order; invalid_argument for a malformed one.
Result<std::vector<std::pair<std::string, std::string>>> format_params_from(const ParsedArgs& args);

// Tags are [A-Za-z0-9_-]+; invalid_argument otherwise.
Status validate_tag(std::string_view tag);

}  // namespace ldb::cli

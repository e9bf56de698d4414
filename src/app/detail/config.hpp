#pragma once
// The instance's TOML config file (src/app only).

#include <filesystem>

#include <toml++/toml.h>

#include "core/error.hpp"

namespace ldb::app::detail {

// Parses the TOML config file `file`; a missing file is an empty table. A
// syntax error is invalid_argument naming the file and line.
Result<toml::table> read_toml(const std::filesystem::path& file);

}  // namespace ldb::app::detail

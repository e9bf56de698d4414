#pragma once
// The formats ldb reads (index -m) and writes (instantiate -m), for help
// texts and shell completion.

#include <string_view>
#include <vector>

namespace ldb::app {

// Canonical names, the default first.
std::vector<std::string_view> index_format_names();
std::vector<std::string_view> write_format_names();

}  // namespace ldb::app

#include "app/formats.hpp"

#include "formats/instantiate.hpp"
#include "index/indexer.hpp"

namespace ldb::app {

std::vector<std::string_view> index_format_names() { return index::format_names(); }
std::vector<std::string_view> write_format_names() { return formats::format_names(); }

}  // namespace ldb::app

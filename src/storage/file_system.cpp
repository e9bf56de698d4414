// What every FileSystem shares: reading an object checked against its MD5.

#include "storage/file_system.hpp"

#include <fmt/format.h>

namespace ldb::storage {

Error object_changed(std::string_view subject, const core::Md5& expected, const core::Md5& actual) {
  return Error{
      ErrorCode::corruption,
      fmt::format("'{}' no longer holds object id:{} (its bytes hash to {})", subject, expected.hex(), actual.hex()),
      "storage should be immutable; index the location again: ldb index <path>"};
}

Result<std::string> FileSystem::read_checked(std::string_view path, const core::Md5& hash) {
  LDB_TRY_ASSIGN(auto bytes, read(path));
  if (auto actual = core::md5_of(bytes); actual != hash) return std::unexpected(object_changed(path, hash, actual));
  return bytes;
}

}  // namespace ldb::storage

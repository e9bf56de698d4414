#pragma once
// Which ldb this is: what `ldb --version` prints and a front end may show.
// Defined in the ldb_version library, whose source the build generates
// (cmake/version.cmake); only the targets that link it (the ldb binary)
// relink when the commit changes.

#include <string_view>

namespace ldb::app {

// The release version, e.g. "0.1.0" (CMake's project version).
std::string_view version();
// The git commit the binary was built from (12 hex digits, "-dirty" when the
// tree had uncommitted changes), or "unknown" when built outside a checkout.
std::string_view build_commit();

}  // namespace ldb::app

// Reading members' bytes and decoding images for ldb.torch (filled in by the
// reading layer: issue N).

#include "members.hpp"

namespace ldb::python {

void bind_read(pybind11::module_& m) { (void)m; }

}  // namespace ldb::python

#pragma once
// The Python module's shared C++ types: the members table behind
// ldb._ldb.Members (a Selection's members, as app::members() returns them),
// and the binding entry points of the module's other files.

#include <cstddef>
#include <vector>

#include <pybind11/pybind11.h>

#include "app/members.hpp"

namespace ldb::python {

// The members of a selection, in selection order. Immutable once made:
// Python shares one table between a Selection, its slices (through subset())
// and the DataLoader workers that inherit it.
struct MemberTable {
  std::vector<app::Member> members;

  std::size_t size() const { return members.size(); }
  // The member at `index` (negative: from the end, as Python indexes);
  // raises IndexError outside the table.
  const app::Member& at(std::ptrdiff_t index) const;
};

// Registers _ldb.Members (module.cpp).
void bind_members(pybind11::module_& m);

// Registers the reading and decoding calls (read.cpp), after Session and
// Members are registered.
void bind_read(pybind11::module_& m);

}  // namespace ldb::python

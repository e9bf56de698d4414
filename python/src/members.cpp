// _ldb.Members: a selection's members, read one field at a time so that a
// Selection of a million members makes Python objects only for those used.

#include <pybind11/stl.h>

#include "call.hpp"
#include "members.hpp"

namespace ldb::python {

namespace py = pybind11;

const app::Member& MemberTable::at(std::ptrdiff_t index) const {
  const auto n = static_cast<std::ptrdiff_t>(members.size());
  if (index < -n || index >= n) {
    throw py::index_error("member index " + std::to_string(index) + " out of range (" + std::to_string(n) +
                          " members)");
  }
  return members[static_cast<std::size_t>(index < 0 ? index + n : index)];
}

namespace {

py::list paths_of(const app::Member& member) {
  py::list out(member.paths.size());
  for (std::size_t i = 0; i < member.paths.size(); ++i) out[i] = path_str(member.paths[i]);
  return out;
}

// Pickled as (hash, annotation version, paths, size, annotation) tuples, so
// that a DataLoader started with "spawn" can send a Dataset to its workers.
py::list state_of(const MemberTable& table) {
  py::list out(table.size());
  for (std::size_t i = 0; i < table.size(); ++i) {
    const auto& m = table.members[i];
    out[i] = py::make_tuple(py::bytes(reinterpret_cast<const char*>(m.ref.hash.bytes.data()), m.ref.hash.bytes.size()),
                            m.ref.annotation_version, paths_of(m), m.size, py::bytes(m.annotation));
  }
  return out;
}

MemberTable table_of(const py::list& state) {
  MemberTable table;
  table.members.reserve(state.size());
  auto fsencode = py::module_::import("os").attr("fsencode");
  for (const auto& item : state) {
    auto t = item.cast<py::tuple>();
    app::Member m;
    auto hash = t[0].cast<std::string>();
    if (hash.size() != m.ref.hash.bytes.size()) throw py::value_error("not a pickled ldb members table");
    std::copy(hash.begin(), hash.end(), reinterpret_cast<char*>(m.ref.hash.bytes.data()));
    m.ref.annotation_version = t[1].cast<std::uint32_t>();
    for (const auto& p : t[2].cast<py::list>()) {
      m.paths.push_back(fsencode(p).cast<std::string>());
    }
    m.size = t[3].cast<std::uint64_t>();
    m.annotation = t[4].cast<std::string>();
    table.members.push_back(std::move(m));
  }
  return table;
}

}  // namespace

void bind_members(py::module_& m) {
  py::class_<MemberTable>(m, "Members",
                          "The members of a selection, in order: object, annotation version, paths, size, "
                          "annotation (read-only).")
      .def("__len__", &MemberTable::size)
      .def(
          "id", [](const MemberTable& t, std::ptrdiff_t i) { return "id:" + t.at(i).ref.hash.hex(); }, py::arg("index"),
          "The object id as ldb list prints it: 'id:' and 32 hex digits.")
      .def(
          "hash", [](const MemberTable& t, std::ptrdiff_t i) { return t.at(i).ref.hash.hex(); }, py::arg("index"),
          "The MD5 of the object's bytes, 32 hex digits.")
      .def(
          "paths", [](const MemberTable& t, std::ptrdiff_t i) { return paths_of(t.at(i)); }, py::arg("index"),
          "Every path the object was seen at, sorted.")
      .def(
          "path",
          [](const MemberTable& t, std::ptrdiff_t i) -> py::object {
            const auto& paths = t.at(i).paths;
            return paths.empty() ? py::object(py::none()) : py::object(path_str(paths.front()));
          },
          py::arg("index"), "The first of paths(), None when there is none.")
      .def(
          "annotation",
          [](const MemberTable& t, std::ptrdiff_t i) -> py::object {
            const auto& a = t.at(i).annotation;
            return a.empty() ? py::object(py::none()) : py::object(text_str(a));
          },
          py::arg("index"), "The pinned annotation as canonical JSON text, None when there is none.")
      .def(
          "annotation_version", [](const MemberTable& t, std::ptrdiff_t i) { return t.at(i).ref.annotation_version; },
          py::arg("index"), "The pinned annotation version, 0 when there is none.")
      .def(
          "size", [](const MemberTable& t, std::ptrdiff_t i) { return t.at(i).size; }, py::arg("index"),
          "The object's size in bytes.")
      .def(
          "subset",
          [](const MemberTable& t, const py::slice& slice) {
            py::ssize_t start = 0, stop = 0, step = 0, length = 0;
            if (!slice.compute(static_cast<py::ssize_t>(t.size()), &start, &stop, &step, &length)) {
              throw py::error_already_set();
            }
            MemberTable out;
            out.members.reserve(static_cast<std::size_t>(length));
            for (py::ssize_t i = 0; i < length; ++i)
              out.members.push_back(t.members[static_cast<std::size_t>(start + i * step)]);
            return out;
          },
          py::arg("slice"), "A new table of the members in a slice of this one.")
      .def(
          "subset",
          [](const MemberTable& t, const std::vector<std::ptrdiff_t>& indices) {
            MemberTable out;
            out.members.reserve(indices.size());
            for (auto i : indices) out.members.push_back(t.at(i));
            return out;
          },
          py::arg("indices"), "A new table of the members at these indices, in their order.")
      .def(py::pickle([](const MemberTable& t) { return state_of(t); },
                      [](const py::list& state) { return table_of(state); }));
}

}  // namespace ldb::python

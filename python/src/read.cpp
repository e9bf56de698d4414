// Reading members' bytes and decoding images (app/read.hpp) for Member.read()
// and ldb.torch: one member at a time, decode_image on bytes from anywhere,
// and _ldb.Prefetcher, an iterator that reads (and decodes) members ahead on
// threads of its own. The GIL is released while C++ reads, decodes or waits;
// decoded pixels become a numpy array that owns them (no copy).
//
// Reads do not take the Session's call lock (call.hpp): they touch only its
// storage backends, which are thread-safe, so a DataLoader in the main process
// or several Python threads may read while another call runs.

#include <Python.h>
#include <malloc.h>
#include <unistd.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <utility>

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include "app/read.hpp"
#include "call.hpp"
#include "members.hpp"

namespace ldb::python {

namespace py = pybind11;

namespace {

// The pixels as a height x width x 3 uint8 numpy array that owns their buffer.
py::array to_array(app::Pixels pixels) {
  auto owned = std::make_unique<std::vector<std::uint8_t>>(std::move(pixels.data));
  const std::uint8_t* data = owned->data();
  py::capsule owner(owned.get(), [](void* p) { delete static_cast<std::vector<std::uint8_t>*>(p); });
  owned.release();  // the capsule owns it now
  const py::ssize_t w = pixels.width, h = pixels.height;
  return py::array_t<std::uint8_t>({h, w, py::ssize_t{3}}, {w * 3, py::ssize_t{3}, py::ssize_t{1}}, data, owner);
}

py::object to_python(app::Fetched value) {
  if (auto* bytes = std::get_if<std::string>(&value)) return py::bytes(*bytes);
  return to_array(std::move(std::get<app::Pixels>(value)));
}

app::ObjectLocation location_of(const app::Member& member) { return {member.ref.hash, member.paths}; }

// One member's bytes, or its pixels when `decode`, read without the GIL.
py::object load(app::Session& session, const MemberTable& table, std::ptrdiff_t index, bool decode) {
  check_process(session);
  const app::Member& member = table.at(index);
  std::optional<Result<app::Fetched>> result;
  {
    py::gil_scoped_release release;
    result.emplace(app::fetch_object(session, location_of(member), {decode}));
  }
  if (!*result) raise_error(result->error());
  return to_python(std::move(**result));
}

// _ldb.Prefetcher: the members at `order` (indices into the table), read
// `depth` ahead; iterating yields (index, bytes or array) in order and raises
// a member's error at its place.
class PyPrefetcher {
 public:
  PyPrefetcher(app::Session& session, const MemberTable& table, std::vector<std::size_t> order,
               app::PrefetchOptions options)
      : m_session(session), m_table(table), m_order(std::move(order)) {
    for (std::size_t index : m_order) {
      if (index >= m_table.size()) {
        throw py::index_error("member index " + std::to_string(index) + " out of range (" +
                              std::to_string(m_table.size()) + " members)");
      }
    }
    check_process(session);
    m_prefetcher = std::make_unique<app::Prefetcher>(
        session, m_order.size(), [this](std::size_t i) { return location_of(m_table.members[m_order[i]]); }, options);
  }
  ~PyPrefetcher() { close(); }

  py::tuple next() {
    if (!m_prefetcher) throw py::stop_iteration();
    check_process(m_session);
    std::optional<app::Prefetcher::Item> item;
    {
      py::gil_scoped_release release;
      item = m_prefetcher->next();
    }
    if (!item) {
      close();
      throw py::stop_iteration();
    }
    if (!item->value) raise_error(item->value.error());
    return py::make_tuple(m_order[item->position], to_python(std::move(*item->value)));
  }

  std::size_t size() const { return m_order.size(); }

  // Stops reading ahead, waiting (without the GIL) for the reads in flight.
  // One inherited through fork() is left alone, as its Session is
  // (SessionDeleter): its threads are not in this process.
  void close() {
    if (!m_prefetcher) return;
    if (m_pid != getpid()) {
      (void)m_prefetcher.release();
      return;
    }
    if (PyGILState_Check()) {
      py::gil_scoped_release release;
      m_prefetcher.reset();
    } else {
      m_prefetcher.reset();
    }
  }

 private:
  app::Session& m_session;
  const MemberTable& m_table;
  std::vector<std::size_t> m_order;
  std::unique_ptr<app::Prefetcher> m_prefetcher;
  pid_t m_pid = getpid();
};

std::vector<std::size_t> indices_of(const py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>& a) {
  if (a.ndim() != 1) throw py::value_error("order must be one-dimensional");
  std::vector<std::size_t> out(static_cast<std::size_t>(a.size()));
  auto view = a.unchecked<1>();
  for (py::ssize_t i = 0; i < a.size(); ++i) {
    if (view(i) < 0) throw py::index_error("member index " + std::to_string(view(i)) + " is negative");
    out[static_cast<std::size_t>(i)] = static_cast<std::size_t>(view(i));
  }
  return out;
}

}  // namespace

void bind_read(py::module_& m) {
  m.def(
      "keep_freed_memory",
      [] {
        mallopt(M_MMAP_THRESHOLD, 64 << 20);
        mallopt(M_TRIM_THRESHOLD, 512 << 20);
      },
      "Makes this process's malloc serve blocks up to 64 MiB from its heap and keep up to 512 MiB freed there "
      "(glibc's mallopt), instead of mapping each decoded picture afresh and faulting its pages in: for the "
      "DataLoader worker processes ldb.torch reads in, which allocate and free a batch of pictures at a time.");
  m.def("load", &load, py::arg("session"), py::arg("members"), py::arg("index"), py::arg("decode") = false,
        "The bytes of members[index] read through the session's storage backends and cache and checked against "
        "its id, or with decode=True its pixels (a uint8 numpy array, height x width x 3). Raises an ldb.Error naming "
        "the object when it cannot be read or decoded.");
  m.def(
      "decode_image",
      [](const py::bytes& data, const std::string& subject) {
        std::string_view bytes = data;  // borrowed from `data`, which the caller holds
        std::optional<Result<app::Pixels>> pixels;
        {
          py::gil_scoped_release release;
          pixels.emplace(app::decode_image(bytes, subject));
        }
        if (!*pixels) raise_error(pixels->error());
        return to_array(std::move(**pixels));
      },
      py::arg("data"), py::arg("subject") = "image",
      "JPEG, PNG, WebP, GIF, BMP or TIFF bytes decoded at full size to 8-bit RGB (EXIF orientation applied), "
      "as a uint8 numpy array height x width x 3. Errors name `subject`.");

  py::class_<PyPrefetcher>(m, "Prefetcher",
                           "Reads members ahead on threads of its own: iterating yields (index, bytes or array) "
                           "for each index of `order`, in order; a member that cannot be read raises its error "
                           "in its place (iterating on continues with the next). `depth` members are read ahead, "
                           "each on a thread; at most `decoders` of them decode at once (0: one per core).")
      .def(py::init([](app::Session& session, const MemberTable& members,
                       const py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>& order, bool decode,
                       unsigned depth, unsigned decoders) {
             app::PrefetchOptions options{{decode}, depth, decoders};
             return std::make_unique<PyPrefetcher>(session, members, indices_of(order), options);
           }),
           py::arg("session"), py::arg("members"), py::arg("order"), py::arg("decode") = false, py::arg("depth") = 8,
           py::arg("decoders") = 0, py::keep_alive<1, 2>(), py::keep_alive<1, 3>())
      .def("__iter__", [](py::object self) { return self; })
      .def("__next__", &PyPrefetcher::next)
      .def("__len__", &PyPrefetcher::size)
      .def("close", &PyPrefetcher::close, "Stops reading ahead (waits for the reads in flight).");
}

}  // namespace ldb::python

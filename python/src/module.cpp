// ldb._ldb: the Python module's C++ half, a thin front end over src/app as
// the CLI is. Python (python/ldb/__init__.py) fills a Session's Context from
// os.environ, os.getcwd() and getpass.getuser(), turns keyword arguments into
// filters, and wraps the results; each call here translates arguments, calls
// app without the GIL (call.hpp) and converts the result.

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include <pybind11/stl.h>

#include "app/instance.hpp"
#include "app/json_output.hpp"
#include "app/members.hpp"
#include "app/stats.hpp"
#include "app/workspace.hpp"
#include "call.hpp"
#include "members.hpp"

namespace ldb::python {

namespace {

namespace py = pybind11;
using namespace py::literals;

// A filter as Python hands it over: (name, value, arguments), e.g.
// ("query", "class == 'cat'", []) or ("pipe", "clip", ["dog"]).
using FilterTuple = std::tuple<std::string, std::string, std::vector<std::string>>;
using Environment = std::map<std::string, std::string, std::less<>>;

app::Selector selector_of(std::vector<std::string> objects, const std::vector<FilterTuple>& filters) {
  app::Selector out{std::move(objects), {}};
  for (const auto& [name, value, args] : filters) out.filters.push_back(app::Filter{name, value, args});
  return out;
}

py::object parse_json(const std::string& text) { return py::module_::import("json").attr("loads")(text_str(text)); }

py::list filter_infos() {
  py::list out;
  for (const auto& f : app::filters()) {
    out.append(py::dict("name"_a = std::string(f.name), "help"_a = std::string(f.help), "takes_value"_a = f.takes_value,
                        "is_expression"_a = f.is_expression, "takes_args"_a = f.takes_args,
                        "takes_model"_a = f.takes_model));
  }
  return out;
}

py::list error_codes() {
  py::list out;
  for (auto code : {ErrorCode::not_found, ErrorCode::invalid_argument, ErrorCode::already_exists, ErrorCode::conflict,
                    ErrorCode::corruption, ErrorCode::io, ErrorCode::unsupported, ErrorCode::internal}) {
    out.append(core::to_string(code));
  }
  return out;
}

std::optional<app::Resolution> resolution_of(const std::optional<std::string>& text) {
  if (!text) return app::Resolution::none;
  if (*text == "ours") return app::Resolution::ours;
  if (*text == "theirs") return app::Resolution::theirs;
  return std::nullopt;
}

void bind_session(py::module_& m) {
  using app::Session;
  py::class_<Session, SessionHolder>(
      m, "Session",
      "One front end's handle on ldb (app::Session): environment, folder and user as given, "
      "worker threads, storage backends and the instance, opened on first use. Not to be used "
      "in another process (after a fork): open a new one there.")
      .def(py::init([](Environment env, std::string cwd, std::string user, unsigned threads) {
             return SessionHolder(new Session(make_context(std::move(env), std::move(cwd), std::move(user), threads)));
           }),
           py::arg("env"), py::arg("cwd"), py::arg("user"), py::arg("threads") = 0)
      .def(
          "instance_dir", [](Session& s) { return path_str(call(s, [&] { return app::open_instance(s); }).string()); },
          "Opens the instance (found as the CLI finds it) and returns its folder.")
      .def(
          "select",
          [](Session& s, std::vector<std::string> objects, const std::vector<FilterTuple>& filters,
             std::optional<std::string> target) {
            app::ListRequest request{selector_of(std::move(objects), filters), std::move(target), true};
            return MemberTable{call(s, [&] { return app::members(s, request); })};
          },
          py::arg("objects"), py::arg("filters"), py::arg("target") = py::none(),
          "The members the objects (none: the staged dataset of the workspace `target` or the current "
          "folder) and filters select, as ldb list selects them.")
      .def(
          "stats",
          [](Session& s, std::vector<std::string> objects, const std::vector<FilterTuple>& filters,
             std::vector<std::string> by, std::vector<std::string> file_by, std::optional<std::string> bins,
             std::optional<std::string> top, std::optional<std::string> target) {
            app::StatsRequest request{selector_of(std::move(objects), filters),
                                      std::move(target),
                                      {std::move(by), std::move(file_by), std::move(bins), std::move(top)}};
            auto result = call(s, [&] { return app::stats(s, request); });
            return parse_json(app::stats_json(result, app::JsonLayout::compact));
          },
          py::arg("objects"), py::arg("filters"), py::arg("by"), py::arg("file_by"), py::arg("bins") = py::none(),
          py::arg("top") = py::none(), py::arg("target") = py::none(), "What ldb stats --json prints, as a dict.")
      .def(
          "stage",
          [](Session& s, std::string dataset, std::optional<std::string> folder, bool force) {
            app::StageRequest request{std::move(dataset), std::move(folder), force};
            auto staged = call(s, [&] { return app::stage(s, request); });
            return py::dict("dataset"_a = staged.name, "version"_a = staged.version, "objects"_a = staged.objects,
                            "workspace"_a = path_str(staged.root.string()));
          },
          py::arg("dataset"), py::arg("folder") = py::none(), py::arg("force") = false)
      .def(
          "add",
          [](Session& s, std::vector<std::string> objects, const std::vector<FilterTuple>& filters,
             std::optional<std::string> target) {
            app::AddRequest request{selector_of(std::move(objects), filters), std::move(target), {}, {}};
            auto added = call(s, [&] { return app::add(s, request); });
            return py::dict("dataset"_a = added.dataset, "added"_a = added.added, "selected"_a = added.selected,
                            "modified"_a = added.modified);
          },
          py::arg("objects"), py::arg("filters"), py::arg("target") = py::none())
      .def(
          "delete",
          [](Session& s, std::vector<std::string> objects, const std::vector<FilterTuple>& filters,
             std::optional<std::string> target) {
            app::DelRequest request{selector_of(std::move(objects), filters), std::move(target)};
            auto deleted = call(s, [&] { return app::del(s, request); });
            return py::dict("dataset"_a = deleted.dataset, "deleted"_a = deleted.deleted);
          },
          py::arg("objects"), py::arg("filters"), py::arg("target") = py::none())
      .def(
          "commit",
          [](Session& s, std::string message, std::optional<std::string> dataset, std::optional<std::string> resolve,
             std::optional<std::string> target) {
            auto resolution = resolution_of(resolve);
            if (!resolution) throw py::value_error("resolve takes 'ours', 'theirs' or None, not '" + *resolve + "'");
            app::CommitRequest request{std::move(target), std::move(message), std::move(dataset), *resolution};
            auto outcome = call(s, [&] { return app::commit(s, request); });
            const auto& v = outcome.version;
            return py::dict("dataset"_a = v.name, "version"_a = v.version, "objects"_a = v.objects,
                            "annotations"_a = v.annotations, "committed"_a = outcome.committed,
                            "staged_from"_a = outcome.staged_from, "merged_with"_a = outcome.merged_with,
                            "conflicts_decided"_a = outcome.conflicts_decided);
          },
          py::arg("message"), py::arg("dataset") = py::none(), py::arg("resolve") = py::none(),
          py::arg("target") = py::none())
      .def(
          "status",
          [](Session& s, std::optional<std::string> target) {
            auto status = call(s, [&] { return app::workspace_status(s, target); });
            return parse_json(app::workspace_status_json(status, app::JsonLayout::compact));
          },
          py::arg("target") = py::none(), "What ldb status --json prints for a workspace, as a dict.")
      .def(
          "dataset_status",
          [](Session& s, std::string dataset) {
            auto version = call(s, [&] { return app::dataset_status(s, dataset); });
            return parse_json(app::version_json(version, app::JsonLayout::compact));
          },
          py::arg("dataset"), "What ldb status ds:NAME --json prints, as a dict.");
}

}  // namespace

}  // namespace ldb::python

PYBIND11_MODULE(_ldb, m) {
  namespace py = pybind11;
  m.doc() = "ldb's C++ core (src/app) for Python; use it through the ldb package.";
  ldb::python::bind_members(m);
  ldb::python::bind_session(m);
  m.def("filters", &ldb::python::filter_infos,
        "The selection filters, in the order help lists them: name, help, takes_value, is_expression, takes_args, "
        "takes_model.");
  m.def("error_codes", &ldb::python::error_codes, "The names of ldb's error codes (an ldb.Error's code).");
  ldb::python::bind_read(m);
}

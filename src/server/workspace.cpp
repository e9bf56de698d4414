// The workspace routes of `ldb ui` (docs/ui.md "The workspace"): add, delete,
// tag and commit the grid's selection, and edit a staged object's boxes. Each
// route is a call into src/app — the same app::add, del, tag, commit the CLI
// makes — under the Session's lock; what is new here is reading the JSON body.
// A change drops the kept selections (a ws: grid, a tag filter, a query over
// an edited annotation may now select other objects) and answers the
// workspace's counts in the shape of `ldb status --json`.

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "app/annotation_edit.hpp"
#include "app/instance.hpp"
#include "app/json_output.hpp"
#include "app/objects.hpp"
#include "app/workspace.hpp"
#include "server/api.hpp"
#include "server/security.hpp"

namespace ldb::server {

namespace {

using nlohmann::json;

Reply reply_of(const json& value) {
  return Reply{200, "application/json", value.dump(-1, ' ', false, json::error_handler_t::replace), {}};
}

Result<json> parse_body(std::string_view body) {
  auto value = json::parse(body, nullptr, false);
  if (value.is_discarded() || !value.is_object()) {
    return fail(ErrorCode::invalid_argument, "the request body is not a JSON object",
                "send a JSON object, as ldb ui's page does (docs/ui.md lists each route's fields)");
  }
  return value;
}

// The string field `name` of `body` ("" when absent); invalid_argument when it is not a string.
Result<std::string> string_field(const json& body, std::string_view name) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return std::string();
  if (!it->is_string()) {
    return fail(ErrorCode::invalid_argument, fmt::format("\"{}\" must be a string", name),
                fmt::format("for example: {{\"{}\": \"...\"}}", name));
  }
  return it->get<std::string>();
}

// {"selection": {"objects": ["ds:root"], "query": ["..."], ...}} as the
// parameters GET /api/objects takes (a value may be a string or a list of them).
Result<Params> selection_params(const json& body) {
  auto it = body.find("selection");
  if (it == body.end() || !it->is_object()) {
    return fail(ErrorCode::invalid_argument, "the request has no \"selection\" object",
                R"(send the grid's selection: {"selection": {"objects": ["ds:root"], "query": ["..."]}})");
  }
  Params params;
  for (const auto& [name, value] : it->items()) {
    const json values = value.is_array() ? value : json::array({value});
    for (const auto& v : values) {
      if (!v.is_string()) {
        return fail(ErrorCode::invalid_argument, fmt::format("selection \"{}\" must hold strings", name),
                    R"(for example: {"query": ["class == 'cat'"]})");
      }
      params.emplace(name, v.get<std::string>());
    }
  }
  return params;
}

// Outside a workspace: the error every write route answers.
Status need_workspace(app::Session& session) {
  if (app::workspace_root(session.context())) return {};
  return fail(ErrorCode::not_found, "ldb ui was not started in a workspace, so there is nothing to change",
              std::string(k_no_workspace_hint));
}

Result<app::BoxEdit> box_edit_of(const json& entry) {
  auto index = entry.is_object() ? entry.find("index") : entry.end();
  if (index == entry.end() || !index->is_number_unsigned()) {
    return fail(ErrorCode::invalid_argument, "each edit needs \"index\", a box's place in \"objects\" (from 0)",
                R"(for example: {"index": 0, "category": "dog"} or {"index": 1, "delete": true})");
  }
  app::BoxEdit edit;
  edit.index = index->get<std::size_t>();
  if (entry.value("delete", false)) {
    edit.action = app::BoxAction::remove;
    return edit;
  }
  auto category = entry.find("category");
  if (category == entry.end() || !category->is_string()) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("the edit of box {} needs \"category\" or \"delete\"", edit.index),
                R"(for example: {"index": 0, "category": "dog"} or {"index": 1, "delete": true})");
  }
  edit.category = category->get<std::string>();
  return edit;
}

Result<app::EditAnnotationRequest> edit_request_of(const json& body) {
  app::EditAnnotationRequest request;
  LDB_TRY_ASSIGN(auto id, string_field(body, "id"));
  auto hash = parse_object_id(id);
  if (!hash) {
    return fail(ErrorCode::invalid_argument, fmt::format("'{}' is not an object id", id),
                "an object id is 32 hex digits, as ldb list shows after id:");
  }
  request.hash = *hash;
  if (auto version = body.find("version"); version != body.end() && !version->is_null()) {
    if (!version->is_number_unsigned()) {
      return fail(ErrorCode::invalid_argument, "\"version\" must be an annotation version number",
                  "send the version GET /api/workspace/annotation/ID gave");
    }
    request.version = version->get<std::uint32_t>();
  }
  auto edits = body.find("edits");
  if (edits == body.end() || !edits->is_array()) {
    return fail(ErrorCode::invalid_argument, "the request has no \"edits\" list",
                R"(for example: {"id": "...", "edits": [{"index": 0, "category": "dog"}]})");
  }
  for (const auto& entry : *edits) {
    LDB_TRY_ASSIGN(auto edit, box_edit_of(entry));
    request.edits.push_back(std::move(edit));
  }
  return request;
}

json annotation_json(const std::string& text) {
  return text.empty() ? json(nullptr) : json::parse(text, nullptr, false);
}

}  // namespace

Reply Api::info() {
  std::lock_guard lock(m_call);
  auto instance = app::open_instance(m_session);
  if (!instance) return error_reply(instance.error());
  auto status = app::find_workspace(m_session);
  if (!status) return error_reply(status.error());
  json workspace = *status ? json::parse(app::workspace_status_json(**status, app::JsonLayout::compact)) : json();
  return reply_of({{"instance", instance->string()}, {"workspace", std::move(workspace)}});
}

template <class Change>
Reply Api::write(std::string_view body, Change change) {
  auto request = parse_body(body);
  if (!request) return error_reply(request.error());
  std::lock_guard lock(m_call);
  if (auto in_workspace = need_workspace(m_session); !in_workspace) return error_reply(in_workspace.error());
  json out;
  if (auto done = change(*request, out); !done) return error_reply(done.error());
  m_selections.clear();
  auto status = app::find_workspace(m_session);
  if (!status) return error_reply(status.error());
  out["workspace"] = *status ? json::parse(app::workspace_status_json(**status, app::JsonLayout::compact)) : json();
  return reply_of(out);
}

Reply Api::workspace_add(std::string_view body) {
  return write(body, [this](const json& request, json& out) -> Status {
    LDB_TRY_ASSIGN(auto params, selection_params(request));
    LDB_TRY_ASSIGN(auto selector, this->selector(params));
    LDB_TRY_ASSIGN(auto added, app::add(m_session, {std::move(selector), std::nullopt, {}, {}}));
    out = {{"added", added.added}, {"selected", added.selected}, {"modified", added.modified}};
    return {};
  });
}

Reply Api::workspace_delete(std::string_view body) {
  return write(body, [this](const json& request, json& out) -> Status {
    LDB_TRY_ASSIGN(auto params, selection_params(request));
    LDB_TRY_ASSIGN(auto selector, this->selector(params));
    LDB_TRY_ASSIGN(auto deleted, app::del(m_session, {std::move(selector), std::nullopt}));
    out = {{"deleted", deleted.deleted}};
    return {};
  });
}

Reply Api::workspace_tag(std::string_view body) {
  return write(body, [this](const json& request, json& out) -> Status {
    LDB_TRY_ASSIGN(auto params, selection_params(request));
    LDB_TRY_ASSIGN(auto selector, this->selector(params));
    LDB_TRY_ASSIGN(auto add, string_field(request, "add"));
    LDB_TRY_ASSIGN(auto remove, string_field(request, "remove"));
    if (add.empty() && remove.empty()) {
      return fail(ErrorCode::invalid_argument, "no tag to add or remove",
                  R"(give tags: {"add": "reviewed,good"} or {"remove": "todo"})");
    }
    app::TagRequest tag{std::move(selector), std::nullopt, {}, {}};
    if (!add.empty()) tag.add.push_back(add);
    if (!remove.empty()) tag.remove.push_back(remove);
    LDB_TRY_ASSIGN(auto tagged, app::tag(m_session, tag));
    out = {{"selected", tagged.selected}, {"changed", tagged.changed}};
    return {};
  });
}

Reply Api::workspace_commit(std::string_view body) {
  return write(body, [this](const json& request, json& out) -> Status {
    app::CommitRequest commit;
    LDB_TRY_ASSIGN(commit.message, string_field(request, "message"));
    LDB_TRY_ASSIGN(auto outcome, app::commit(m_session, commit));
    out = json::parse(app::version_json(outcome.version, app::JsonLayout::compact));
    out["committed"] = outcome.committed;
    out["merged_with"] = outcome.merged_with;
    return {};
  });
}

Reply Api::staged_annotation(const core::Md5& id) {
  std::lock_guard lock(m_call);
  if (auto in_workspace = need_workspace(m_session); !in_workspace) return error_reply(in_workspace.error());
  auto staged = app::staged_annotation(m_session, id, std::nullopt);
  if (!staged) return error_reply(staged.error());
  return reply_of({{"id", id.hex()},
                   {"dataset", staged->dataset},
                   {"staged", staged->staged},
                   {"version", staged->version},
                   {"annotation", annotation_json(staged->annotation)}});
}

Reply Api::edit_annotation(std::string_view body) {
  return write(body, [this](const json& request, json& out) -> Status {
    LDB_TRY_ASSIGN(auto edit, edit_request_of(request));
    LDB_TRY_ASSIGN(auto edited, app::edit_annotation(m_session, edit));
    out = {{"id", edit.hash.hex()},
           {"previous_version", edited.previous_version},
           {"version", edited.version},
           {"changed", edited.changed},
           {"annotation", annotation_json(edited.annotation)}};
    return {};
  });
}

}  // namespace ldb::server

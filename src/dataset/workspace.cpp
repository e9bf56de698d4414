#include "dataset/workspace.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "storage/file_system.hpp"
#include "store/store.hpp"

namespace ldb::dataset {

namespace {

constexpr std::string_view k_staged_file = "staged";
constexpr int k_format_version = 1;

std::string encode(const WorkspaceState& state) {
  nlohmann::json header = {{"format", k_format_version},
                           {"dataset", state.dataset_name},
                           {"parent_version", state.parent_version},
                           {"instance", state.instance}};
  std::string out = header.dump();
  out.push_back('\n');
  out += store::serialize_collection(state.members);
  return out;
}

Result<WorkspaceState> decode(std::string_view bytes, const std::filesystem::path& file) {
  auto corrupt = [&](std::string_view why) {
    return fail(ErrorCode::corruption, fmt::format("workspace file '{}' is damaged: {}", file.string(), why),
                "stage the dataset again with: ldb stage -f ds:NAME");
  };
  auto nl = bytes.find('\n');
  if (nl == std::string_view::npos) return corrupt("no header line");
  WorkspaceState state;
  try {
    auto header = nlohmann::json::parse(bytes.substr(0, nl));
    if (header.value("format", 0) != k_format_version) return corrupt("unknown format version");
    state.dataset_name = header.at("dataset").get<std::string>();
    state.parent_version = header.at("parent_version").get<std::uint32_t>();
    state.instance = header.value("instance", "");
  } catch (const nlohmann::json::exception& e) {
    return corrupt(e.what());
  }
  auto members = store::deserialize_collection(bytes.substr(nl + 1));
  if (!members) return corrupt(members.error().message);
  state.members = std::move(*members);
  for (std::size_t i = 1; i < state.members.size(); ++i) {
    if (!(state.members[i - 1].hash < state.members[i].hash)) return corrupt("members are not sorted");
  }
  return state;
}

}  // namespace

bool Workspace::exists(const std::filesystem::path& root) {
  std::error_code ec;
  return std::filesystem::is_regular_file(root / k_workspace_dir / k_staged_file, ec);
}

Result<Workspace> Workspace::open(const std::filesystem::path& root) {
  auto file = root / k_workspace_dir / k_staged_file;
  if (!exists(root)) {
    return fail(ErrorCode::not_found, fmt::format("'{}' is not an ldb workspace", root.string()),
                "stage a dataset there first: ldb stage ds:NAME");
  }
  auto bytes = storage::read_local_file(file);
  if (!bytes) return std::unexpected(bytes.error());
  auto state = decode(*bytes, file);
  if (!state) return std::unexpected(state.error());
  return Workspace(root, std::move(*state));
}

Result<Workspace> Workspace::find(const std::filesystem::path& start) {
  std::error_code ec;
  auto dir = std::filesystem::absolute(start, ec).lexically_normal();
  // "a/b/.." normalizes to "a/": drop the trailing separator so root() is "a".
  if (!dir.has_filename() && dir.has_relative_path()) dir = dir.parent_path();
  for (auto cur = dir;; cur = cur.parent_path()) {
    if (exists(cur)) return open(cur);
    if (cur == cur.root_path() || cur.empty()) break;
  }
  return fail(ErrorCode::not_found, fmt::format("no workspace at '{}' or above it", dir.string()),
              "stage a dataset first: ldb stage ds:NAME (or pass -t DIR)");
}

Result<Workspace> Workspace::create(const std::filesystem::path& root, WorkspaceState state) {
  std::error_code ec;
  std::filesystem::create_directories(root / k_workspace_dir, ec);
  if (ec) {
    return fail(ErrorCode::io, fmt::format("cannot create workspace folder '{}': {}", (root / k_workspace_dir).string(), ec.message()),
                "check that the folder is writable");
  }
  Workspace ws(root, std::move(state));
  LDB_TRY(ws.save());
  return ws;
}

Status Workspace::save() const {
  return storage::write_file_atomic(meta_dir() / k_staged_file, encode(m_state));
}

Status validate_dataset_name(std::string_view name) {
  if (name.empty()) {
    return fail(ErrorCode::invalid_argument, "empty dataset name", "dataset names look like ds:my-dataset");
  }
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("dataset name '{}' has an illegal character '{}'", name, c),
                  "dataset names use only letters, digits, '_' and '-'");
    }
  }
  return {};
}

}  // namespace ldb::dataset

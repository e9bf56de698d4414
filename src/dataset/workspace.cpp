#include "dataset/workspace.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>

#include "core/hash.hpp"
#include "dataset/transform_sets.hpp"
#include "storage/file_system.hpp"
#include "store/store.hpp"

namespace ldb::dataset {

namespace {

constexpr std::string_view k_staged_file = "staged";
constexpr int k_format_version = 1;
// Written when a member has transforms other than {self}: an ldb that does not
// know transform sets refuses the file rather than silently dropping them.
constexpr int k_transforms_format_version = 2;

std::string encode(const WorkspaceState& state) {
  // The member count and checksum of the collection let open() tell a torn
  // or truncated file from a smaller dataset (a cut at a member boundary
  // still decodes). XXH3 rather than MD5: every status and add reads this
  // file, and MD5 of 100k members took 3 ms of a 20 ms status.
  auto collection = store::serialize_collection(state.members);
  nlohmann::json header = {{"format", k_format_version},
                           {"dataset", state.dataset_name},
                           {"parent_version", state.parent_version},
                           {"base_version", state.base_version},
                           {"instance", state.instance},
                           {"members", state.members.size()},
                           {"xxh3", fmt::format("{:016x}", core::checksum64(collection))}};
  auto transforms = prune_transforms(state.members, state.transforms);
  if (!transforms.empty()) {
    header["format"] = k_transforms_format_version;
    auto& by_object = header["transforms"] = nlohmann::json::object();
    for (const auto& entry : transforms) by_object[entry.hash.hex()] = entry.transforms;
  }
  // An instance path that is not UTF-8 is stored with U+FFFD rather than
  // letting nlohmann throw.
  std::string out = header.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  out.push_back('\n');
  out += collection;
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
  std::optional<std::uint64_t> expected_members;
  std::string expected_xxh3;
  std::string expected_md5;  // what earlier ldb builds wrote; still checked
  try {
    auto header = nlohmann::json::parse(bytes.substr(0, nl));
    int format = header.value("format", 0);
    if (format != k_format_version && format != k_transforms_format_version) return corrupt("unknown format version");
    state.dataset_name = header.at("dataset").get<std::string>();
    state.parent_version = header.at("parent_version").get<std::uint32_t>();
    // Files from builds before merging commits have no base: they were
    // staged from the version they name.
    state.base_version = std::max(header.value("base_version", state.parent_version), state.parent_version);
    state.instance = header.value("instance", "");
    if (header.contains("members")) expected_members = header.at("members").get<std::uint64_t>();
    expected_xxh3 = header.value("xxh3", "");
    expected_md5 = header.value("md5", "");
    if (header.contains("transforms")) {
      for (const auto& [hex, commands] : header.at("transforms").items()) {
        auto hash = core::Md5::from_hex(hex);
        if (!hash) return corrupt(fmt::format("'{}' is not an object hash", hex));
        auto set = commands.get<store::TransformSet>();
        std::sort(set.begin(), set.end());
        set.erase(std::unique(set.begin(), set.end()), set.end());
        if (set.empty()) return corrupt(fmt::format("id:{} has an empty transform set", hex));
        state.transforms.push_back(store::MemberTransforms{*hash, std::move(set)});
      }
    }
  } catch (const nlohmann::json::exception& e) {
    return corrupt(e.what());
  }
  auto body = bytes.substr(nl + 1);
  auto members = store::deserialize_collection(body);
  if (!members) return corrupt(members.error().message);
  if (expected_members && *expected_members != members->size()) {
    return corrupt(fmt::format("it holds {} of its {} staged members (a torn or truncated write)", members->size(),
                               *expected_members));
  }
  if (!expected_xxh3.empty() ? fmt::format("{:016x}", core::checksum64(body)) != expected_xxh3
                             : !expected_md5.empty() && core::md5_of(body).hex() != expected_md5) {
    return corrupt("its staged members do not match their checksum");
  }
  state.members = std::move(*members);
  for (std::size_t i = 1; i < state.members.size(); ++i) {
    if (!(state.members[i - 1].hash < state.members[i].hash)) return corrupt("members are not sorted");
  }
  std::sort(state.transforms.begin(), state.transforms.end(),
            [](const store::MemberTransforms& a, const store::MemberTransforms& b) { return a.hash < b.hash; });
  state.transforms = prune_transforms(state.members, std::move(state.transforms));
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

namespace {

std::filesystem::path normalized_start(const std::filesystem::path& start) {
  std::error_code ec;
  auto dir = std::filesystem::absolute(start, ec).lexically_normal();
  // "a/b/.." normalizes to "a/": drop the trailing separator so root() is "a".
  if (!dir.has_filename() && dir.has_relative_path()) dir = dir.parent_path();
  return dir;
}

}  // namespace

std::optional<std::filesystem::path> Workspace::find_root(const std::filesystem::path& start) {
  for (auto cur = normalized_start(start);; cur = cur.parent_path()) {
    if (exists(cur)) return cur;
    if (cur == cur.root_path() || cur.empty()) return std::nullopt;
  }
}

Result<Workspace> Workspace::find(const std::filesystem::path& start) {
  if (auto root = find_root(start)) return open(*root);
  auto dir = normalized_start(start);
  return fail(ErrorCode::not_found, fmt::format("no workspace at '{}' or above it", dir.string()),
              "stage a dataset first: ldb stage ds:NAME (or pass -t DIR)");
}

Result<Workspace> Workspace::create(const std::filesystem::path& root, WorkspaceState state) {
  std::error_code ec;
  std::filesystem::create_directories(root / k_workspace_dir, ec);
  if (ec) {
    return fail(ErrorCode::io,
                fmt::format("cannot create workspace folder '{}': {}", (root / k_workspace_dir).string(), ec.message()),
                "check that the folder is writable");
  }
  Workspace ws(root, std::move(state));
  LDB_TRY(ws.save());
  return ws;
}

Status Workspace::save() const { return storage::write_file_atomic(meta_dir() / k_staged_file, encode(m_state)); }

Status validate_dataset_name(std::string_view name) {
  if (name.empty()) {
    return fail(ErrorCode::invalid_argument, "empty dataset name", "dataset names look like ds:my-dataset");
  }
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) {
      return fail(ErrorCode::invalid_argument,
                  // A byte of a multi-byte character or a control character
                  // is shown as hex, so the message stays valid UTF-8.
                  fmt::format("dataset name '{}' has an illegal character {}", name,
                              c >= 0x20 && c < 0x7f ? fmt::format("'{}'", c)
                                                    : fmt::format("(byte 0x{:02X})", static_cast<unsigned char>(c))),
                  "dataset names use only letters, digits, '_' and '-'");
    }
  }
  return {};
}

}  // namespace ldb::dataset

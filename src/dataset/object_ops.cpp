#include "dataset/object_ops.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "dataset/collection_ops.hpp"

namespace ldb::dataset {

namespace {

constexpr std::size_t k_listed = 5;  // objects or versions named in one message

std::vector<core::Md5> hashes_of(const store::Collection& refs) {
  std::vector<core::Md5> out;
  out.reserve(refs.size());
  for (const auto& r : refs) out.push_back(r.hash);
  return out;
}

std::string list_some(const std::vector<std::string>& items) {
  std::string out;
  for (std::size_t i = 0; i < items.size() && i < k_listed; ++i) out += (i ? ", " : "") + items[i];
  if (items.size() > k_listed) out += fmt::format(" and {} more", items.size() - k_listed);
  return out;
}

}  // namespace

Status validate_tag(std::string_view tag) {
  if (tag.empty()) {
    return fail(ErrorCode::invalid_argument, "a tag cannot be empty", "tags are made of letters, digits, '_' and '-'");
  }
  for (char c : tag) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) {
      // A byte of a multi-byte character is not printed alone (the message
      // would not be UTF-8); the tag itself shows it.
      const bool printable = c >= ' ' && c < 0x7f;
      return fail(ErrorCode::invalid_argument,
                  printable ? fmt::format("tag '{}' contains the character '{}'", tag, c)
                            : fmt::format("tag '{}' contains a control or non-ASCII character", tag),
                  "tags are made of letters, digits, '_' and '-'");
    }
  }
  return {};
}

Result<std::vector<std::string>> parse_tag_list(std::span<const std::string> values, std::string_view flag) {
  std::vector<std::string> out;
  for (const auto& value : values) {
    std::size_t begin = 0;
    for (;;) {
      auto comma = value.find(',', begin);
      std::string tag = value.substr(begin, comma == std::string::npos ? std::string::npos : comma - begin);
      auto ok = validate_tag(tag);
      if (!ok) {
        return fail(ErrorCode::invalid_argument, fmt::format("{} '{}': {}", flag, value, ok.error().message),
                    ok.error().hint);
      }
      if (std::find(out.begin(), out.end(), tag) == out.end()) out.push_back(std::move(tag));
      if (comma == std::string::npos) break;
      begin = comma + 1;
    }
  }
  return out;
}

Result<TagOutcome> tag_objects(Context& ctx, const store::Collection& objects, std::span<const std::string> add,
                               std::span<const std::string> remove) {
  for (const auto& tag : add) {
    if (std::find(remove.begin(), remove.end(), tag) != remove.end()) {
      return fail(ErrorCode::invalid_argument, fmt::format("tag '{}' is both added and removed", tag),
                  "give it to either -a or -r");
    }
  }
  auto hashes = hashes_of(objects);
  auto changed = ctx.store.update_tags(hashes, add, remove);
  if (!changed) return std::unexpected(changed.error());
  return TagOutcome{hashes.size(), *changed};
}

Result<PullOutcome> pull(Context& ctx, const store::Collection& staged, const store::Collection& selected,
                         std::uint32_t version) {
  PullOutcome out;
  auto chosen = intersect(staged, selected);
  out.not_staged = selected.size() - chosen.size();
  auto infos = ctx.store.objects_info(hashes_of(chosen));
  if (!infos) return std::unexpected(infos.error());
  store::Collection moved;
  moved.reserve(chosen.size());
  for (std::size_t i = 0; i < chosen.size(); ++i) {
    const auto& info = (*infos)[i];
    std::uint32_t wanted = version == 0 ? info.current_version : version;
    if (version != 0 && info.current_version < version) {
      // Versions are numbered 1..newest without gaps.
      ++out.missing;
      continue;
    }
    if (wanted == chosen[i].annotation_version) {
      ++out.unchanged;
      continue;
    }
    moved.push_back({chosen[i].hash, wanted});
    ++out.updated;
  }
  out.members = merge(staged, moved, Pinned::yes);
  return out;
}

Result<std::uint64_t> unindex(Context& ctx, const store::Collection& objects, const store::Collection& staged) {
  auto in_workspace = intersect(objects, staged);
  if (!in_workspace.empty()) {
    std::vector<std::string> ids;
    for (const auto& r : in_workspace) ids.push_back("id:" + r.hash.hex());
    return fail(ErrorCode::conflict,
                fmt::format("{} of the objects to unindex {} staged in this workspace: {}", in_workspace.size(),
                            in_workspace.size() == 1 ? "is" : "are", list_some(ids)),
                "remove them from the staged dataset first (ldb del ...), or run ldb unindex outside the workspace");
  }
  auto outcome = ctx.store.remove_objects(hashes_of(objects));
  if (!outcome) return std::unexpected(outcome.error());
  if (!outcome->held_by.empty()) {
    std::vector<std::string> versions;
    for (const auto& [name, v] : outcome->held_by) versions.push_back(fmt::format("ds:{}.v{}", name, v));
    std::vector<std::string> ids;
    for (const auto& h : outcome->held) ids.push_back("id:" + h.hex());
    return fail(ErrorCode::conflict,
                fmt::format("{} of the objects to unindex {} held by saved datasets ({}): {}", outcome->held.size(),
                            outcome->held.size() == 1 ? "is" : "are", list_some(versions), list_some(ids)),
                "saved dataset versions are immutable; delete those datasets first (ldb ds del ds:NAME) "
                "or leave those objects out (e.g. --no-tag or a narrower object list)");
  }
  return outcome->removed;
}

}  // namespace ldb::dataset

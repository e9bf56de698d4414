#include "store/backend_common.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/json.hpp"

namespace ldb::store {

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string sql_summary(std::string_view sql, std::size_t limit) {
  std::string words;
  for (char c : sql) {
    bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
    if (!space) {
      words.push_back(c);
    } else if (!words.empty() && words.back() != ' ') {
      words.push_back(' ');
    }
  }
  while (!words.empty() && words.back() == ' ') words.pop_back();
  if (words.size() <= limit) return words;
  std::size_t cut = words.rfind(' ', limit);
  if (cut == std::string::npos || cut == 0) cut = limit;
  while (cut > 0 && (words[cut - 1] == ' ' || words[cut - 1] == ';' || words[cut - 1] == ',')) --cut;
  return words.substr(0, cut) + "...";
}

std::string encode_options(const std::vector<std::pair<std::string, std::string>>& options) {
  std::string out;
  for (const auto& [k, v] : options) {
    out += k;
    out.push_back('\x1f');
    out += v;
    out.push_back('\x1e');
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> decode_options(std::string_view text) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!text.empty()) {
    auto rec = text.find('\x1e');
    auto item = text.substr(0, rec);
    auto sep = item.find('\x1f');
    if (sep != std::string_view::npos) out.emplace_back(item.substr(0, sep), item.substr(sep + 1));
    if (rec == std::string_view::npos) break;
    text.remove_prefix(rec + 1);
  }
  return out;
}

Md5 md5_from_blob(std::string_view blob) {
  Md5 m;
  if (blob.size() == 16) std::copy(blob.begin(), blob.end(), reinterpret_cast<char*>(m.bytes.data()));
  return m;
}

Error unknown_object(const Md5& hash) {
  return Error{ErrorCode::not_found, fmt::format("object id:{} is not indexed", hash.hex()),
               "index the data first: ldb index <path>"};
}

Error instance_busy(std::chrono::milliseconds waited, std::string_view what) {
  return Error{ErrorCode::conflict,
               fmt::format("the instance is busy: another ldb process held its lock for over {:g} s ({})",
                           waited.count() / 1000.0, what),
               "wait for the other command to finish, then run this one again"};
}

Error storage_location_exists(std::string_view prefix) {
  return Error{ErrorCode::already_exists, fmt::format("storage location '{}' is already registered", prefix),
               "see them with: ldb storage list"};
}

Error storage_location_unknown(std::string_view prefix) {
  return Error{ErrorCode::not_found, fmt::format("storage location '{}' is not registered", prefix),
               "see them with: ldb storage list"};
}

Error dataset_unknown(std::string_view name) {
  return Error{ErrorCode::not_found, fmt::format("dataset 'ds:{}' does not exist", name),
               "see the datasets with: ldb ds list"};
}

Error dataset_version_unknown(std::string_view name, std::uint32_t version, std::uint32_t latest) {
  return Error{ErrorCode::not_found,
               fmt::format("dataset 'ds:{}' has no version {} (latest is v{})", name, version, latest),
               fmt::format("see its versions with: ldb log ds:{}", name)};
}

Result<std::string> merge_annotations(std::string_view current, std::string_view update) {
  try {
    auto base = nlohmann::json::parse(current);
    auto add = nlohmann::json::parse(update);
    if (base.is_object() && add.is_object()) {
      base.update(add);
    } else {
      base = std::move(add);
    }
    return core::canonical_json(base.dump(), "merged annotation");
  } catch (const nlohmann::json::exception& e) {
    return fail(ErrorCode::corruption, fmt::format("cannot merge annotations: {}", e.what()));
  }
}

// --- transform sets ---------------------------------------------------------

namespace {
Error corrupt(std::string message) {
  return Error{ErrorCode::corruption, std::move(message), "the instance may be damaged; restore it from a backup"};
}
}  // namespace

Status validate_transform_assignments(const Collection& members, const TransformAssignments& transforms) {
  auto invalid = [](std::string message) {
    return fail(ErrorCode::invalid_argument, std::move(message), "this is a bug in the caller of commit");
  };
  for (std::size_t i = 0; i < transforms.size(); ++i) {
    const auto& entry = transforms[i];
    if (i > 0 && !(transforms[i - 1].hash < entry.hash)) {
      return invalid(fmt::format("transform sets are not sorted by object (at id:{})", entry.hash.hex()));
    }
    bool member = std::binary_search(members.begin(), members.end(), ObjectRef{entry.hash, 0},
                                     [](const ObjectRef& a, const ObjectRef& b) { return a.hash < b.hash; });
    if (!member) return invalid(fmt::format("id:{} has a transform set but is not a member", entry.hash.hex()));
    const auto& set = entry.transforms;
    if (set.empty()) return invalid(fmt::format("id:{} has an empty transform set", entry.hash.hex()));
    if (set.size() == 1 && set.front() == k_self_transform) {
      return invalid(fmt::format("id:{} lists the default transform set {{self}}", entry.hash.hex()));
    }
    for (std::size_t t = 0; t < set.size(); ++t) {
      const auto& command = set[t];
      // A program's argv is a JSON array, built-in image ops a JSON object.
      const bool json_array_or_object = command.size() >= 2 && ((command.front() == '[' && command.back() == ']') ||
                                                                (command.front() == '{' && command.back() == '}'));
      bool well_formed =
          command == k_self_transform || (json_array_or_object && command.find('\n') == std::string::npos);
      if (!well_formed)
        return invalid(fmt::format("id:{} has a malformed transform command '{}'", entry.hash.hex(), command));
      if (t > 0 && !(set[t - 1] < command)) {
        return invalid(fmt::format("the transform set of id:{} is not sorted and unique", entry.hash.hex()));
      }
    }
  }
  return {};
}

std::string transform_set_text(const TransformSet& set) {
  std::string out;
  for (const auto& command : set) {
    if (!out.empty()) out.push_back('\n');
    out += command;
  }
  return out;
}

TransformSet transform_set_from_text(std::string_view text) {
  TransformSet out;
  while (true) {
    auto nl = text.find('\n');
    out.emplace_back(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return out;
}

void append_assignment(std::string& blob, const Md5& hash, std::uint32_t set_id) {
  blob.append(reinterpret_cast<const char*>(hash.bytes.data()), 16);
  for (int i = 0; i < 4; ++i) blob.push_back(static_cast<char>((set_id >> (8 * i)) & 0xff));
}

Result<std::vector<std::pair<Md5, std::uint32_t>>> read_assignments(std::string_view blob, const Md5& transforms_hash) {
  if (blob.size() % k_assignment_bytes != 0) {
    return std::unexpected(corrupt(fmt::format("transform sets {} are {} bytes, not a whole number of members",
                                               transforms_hash.hex(), blob.size())));
  }
  std::vector<std::pair<Md5, std::uint32_t>> out(blob.size() / k_assignment_bytes);
  const char* p = blob.data();
  for (auto& [hash, id] : out) {
    std::copy(p, p + 16, reinterpret_cast<char*>(hash.bytes.data()));
    id = 0;
    for (int i = 0; i < 4; ++i) id |= static_cast<std::uint32_t>(static_cast<unsigned char>(p[16 + i])) << (8 * i);
    p += k_assignment_bytes;
  }
  return out;
}

Error transform_assignments_missing(const Md5& transforms_hash) {
  return corrupt(fmt::format("transform sets {} are missing from the instance", transforms_hash.hex()));
}

Error transform_set_missing(std::uint32_t id) {
  return corrupt(fmt::format("transform set {} is missing from the instance", id));
}

// --- dataset versions ---------------------------------------------------------

DatasetVersion make_dataset_version(std::string_view name, std::uint32_t number, const NewVersion& version,
                                    const Md5& transforms_hash, std::string_view message, std::string_view author) {
  const auto& members = version.members;
  DatasetVersion v;
  v.name = std::string(name);
  v.version = number;
  v.parent = version.parent;
  v.merge_parent = version.merge_parent;
  v.collection_hash = collection_hash(members);
  v.transforms_hash = transforms_hash;
  v.message = std::string(message);
  v.author = std::string(author);
  v.time = unix_now();
  v.num_objects = members.size();
  v.num_annotations = static_cast<std::uint64_t>(
      std::count_if(members.begin(), members.end(), [](const ObjectRef& r) { return r.annotation_version != 0; }));
  return v;
}

Status find_holding_versions(const std::vector<DatasetVersion>& versions, std::span<const Md5> sorted,
                             const std::function<Result<Collection>(const Md5&)>& collection, RemovalOutcome& outcome) {
  std::map<Md5, bool> holds;  // collection hash -> holds one of the objects
  std::set<Md5> held;
  for (const auto& v : versions) {
    auto it = holds.find(v.collection_hash);
    if (it == holds.end()) {
      auto members = collection(v.collection_hash);
      if (!members) return std::unexpected(members.error());
      bool any = false;
      // Both sides are sorted by hash: one merge pass.
      auto m = members->begin();
      for (const auto& hash : sorted) {
        while (m != members->end() && m->hash < hash) ++m;
        if (m != members->end() && m->hash == hash) {
          any = true;
          held.insert(hash);
        }
      }
      it = holds.emplace(v.collection_hash, any).first;
    }
    if (it->second) outcome.held_by.emplace_back(v.name, v.version);
  }
  outcome.held.assign(held.begin(), held.end());
  return {};
}

Collection sort_by_hash(Collection refs) {
  // One counting pass by the first two bytes (MD5s are uniform, so the
  // buckets are small and even), then each small bucket on its own, which
  // stays in cache.
  constexpr std::size_t k_buckets = 1 << 16;
  if (refs.size() < k_buckets) {
    std::sort(refs.begin(), refs.end());
    return refs;
  }
  auto bucket_of = [](const ObjectRef& r) { return std::size_t{r.hash.bytes[0]} << 8 | r.hash.bytes[1]; };
  std::vector<std::uint32_t> starts(k_buckets + 1, 0);
  for (const auto& r : refs) ++starts[bucket_of(r) + 1];
  for (std::size_t b = 0; b < k_buckets; ++b) starts[b + 1] += starts[b];
  Collection out(refs.size());
  std::vector<std::uint32_t> next(starts.begin(), starts.end() - 1);
  for (const auto& r : refs) out[next[bucket_of(r)]++] = r;
  for (std::size_t b = 0; b < k_buckets; ++b) std::sort(out.begin() + starts[b], out.begin() + starts[b + 1]);
  return out;
}

Result<DatasetVersion> commit_given_version(Store& store, std::string_view name, const Collection& members,
                                            const TransformAssignments& transforms, std::uint32_t parent,
                                            std::string_view message, std::string_view author) {
  auto saved = store.commit_dataset_decided(
      name,
      [&](const std::optional<DatasetVersion>&) -> Result<std::optional<NewVersion>> {
        return NewVersion{members, transforms, parent, 0};
      },
      message, author);
  if (!saved) return std::unexpected(saved.error());
  return **saved;
}

}  // namespace ldb::store

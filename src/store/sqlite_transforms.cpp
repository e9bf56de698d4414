// Transform sets in the SQLite store. A set is one row of transform_sets (its
// commands, one a line: canonical JSON contains no raw newline); a dataset
// version's assignments are one content-addressed row of
// transform_assignments holding 20 bytes a member (object hash, set id), like
// a collection. Versions whose members all have {self} store nothing.

#include <algorithm>
#include <cstring>
#include <unordered_map>

#include <fmt/format.h>

#include "store/sqlite_store.hpp"

namespace ldb::store {

namespace {

constexpr std::size_t k_assignment_bytes = 20;

Error corrupt(std::string message) {
  return Error{ErrorCode::corruption, std::move(message), "the instance may be damaged; restore it from a backup"};
}

Status validate(const Collection& members, const TransformAssignments& transforms) {
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
      const bool json_array_or_object =
          command.size() >= 2 && ((command.front() == '[' && command.back() == ']') ||
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

std::string join_lines(const TransformSet& set) {
  std::string out;
  for (const auto& command : set) {
    if (!out.empty()) out.push_back('\n');
    out += command;
  }
  return out;
}

TransformSet split_lines(std::string_view text) {
  TransformSet out;
  while (true) {
    auto nl = text.find('\n');
    out.emplace_back(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return out;
}

}  // namespace

Result<Md5> SqliteStore::put_transform_assignments(const Collection& members, const TransformAssignments& transforms) {
  LDB_TRY(validate(members, transforms));
  if (transforms.empty()) return Md5{};
  auto hash = transform_assignments_hash(transforms);
  auto put_set = m_db.prepare("INSERT OR IGNORE INTO transform_sets(commands) VALUES(?)");
  if (!put_set) return std::unexpected(put_set.error());
  auto get_set = m_db.prepare("SELECT id FROM transform_sets WHERE commands = ?");
  if (!get_set) return std::unexpected(get_set.error());
  std::unordered_map<std::string, std::int64_t> set_ids;
  std::string blob(transforms.size() * k_assignment_bytes, '\0');
  char* p = blob.data();
  for (const auto& entry : transforms) {
    std::string text = join_lines(entry.transforms);
    auto it = set_ids.find(text);
    if (it == set_ids.end()) {
      put_set->reset();
      put_set->bind(1, text);
      LDB_TRY(put_set->run());
      get_set->reset();
      get_set->bind(1, text);
      auto row = get_set->step();
      if (!row) return std::unexpected(row.error());
      if (!*row) return fail(ErrorCode::internal, "a transform set vanished while it was being stored");
      it = set_ids.emplace(std::move(text), get_set->column_int(0)).first;
    }
    std::memcpy(p, entry.hash.bytes.data(), 16);
    auto id = static_cast<std::uint32_t>(it->second);
    for (int i = 0; i < 4; ++i) p[16 + i] = static_cast<char>((id >> (8 * i)) & 0xff);
    p += k_assignment_bytes;
  }
  auto put = m_db.prepare("INSERT OR IGNORE INTO transform_assignments(hash, members) VALUES(?, ?)");
  if (!put) return std::unexpected(put.error());
  put->bind_blob(1, hash.bytes).bind_blob(2, std::string_view(blob));
  LDB_TRY(put->run());
  return hash;
}

Result<TransformAssignments> SqliteStore::transform_assignments(const Md5& transforms_hash) {
  if (transforms_hash == Md5{}) return TransformAssignments{};
  auto snapshot = ReadTransaction::begin(m_db);
  if (!snapshot) return std::unexpected(snapshot.error());
  auto stmt = m_db.prepare("SELECT members FROM transform_assignments WHERE hash = ?");
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_blob(1, transforms_hash.bytes);
  auto row = stmt->step();
  if (!row) return std::unexpected(row.error());
  if (!*row)
    return std::unexpected(
        corrupt(fmt::format("transform sets {} are missing from the instance", transforms_hash.hex())));
  std::string blob(stmt->column_blob(0));
  if (blob.size() % k_assignment_bytes != 0) {
    return std::unexpected(corrupt(fmt::format("transform sets {} are {} bytes, not a whole number of members",
                                               transforms_hash.hex(), blob.size())));
  }
  auto get_set = m_db.prepare("SELECT commands FROM transform_sets WHERE id = ?");
  if (!get_set) return std::unexpected(get_set.error());
  std::unordered_map<std::uint32_t, TransformSet> sets;
  TransformAssignments out(blob.size() / k_assignment_bytes);
  const char* p = blob.data();
  for (auto& entry : out) {
    std::memcpy(entry.hash.bytes.data(), p, 16);
    std::uint32_t id = 0;
    for (int i = 0; i < 4; ++i) id |= static_cast<std::uint32_t>(static_cast<unsigned char>(p[16 + i])) << (8 * i);
    p += k_assignment_bytes;
    auto it = sets.find(id);
    if (it == sets.end()) {
      get_set->reset();
      get_set->bind(1, static_cast<std::int64_t>(id));
      auto set_row = get_set->step();
      if (!set_row) return std::unexpected(set_row.error());
      if (!*set_row) return std::unexpected(corrupt(fmt::format("transform set {} is missing from the instance", id)));
      it = sets.emplace(id, split_lines(get_set->column_text(0))).first;
    }
    entry.transforms = it->second;
  }
  return out;
}

Result<DatasetVersion> SqliteStore::commit_dataset(std::string_view name, const Collection& members,
                                                   std::uint32_t parent, std::string_view message,
                                                   std::string_view author) {
  return commit_dataset_with_transforms(name, members, {}, parent, message, author);
}

}  // namespace ldb::store

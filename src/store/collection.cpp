#include <cstring>

#include <fmt/format.h>

#include "store/store.hpp"

namespace ldb::store {

namespace {
constexpr std::size_t k_member_bytes = 20;
}

std::string serialize_collection(const Collection& members) {
  std::string out(members.size() * k_member_bytes, '\0');
  char* p = out.data();
  for (const auto& m : members) {
    std::memcpy(p, m.hash.bytes.data(), 16);
    std::uint32_t v = m.annotation_version;
    for (int i = 0; i < 4; ++i) p[16 + i] = static_cast<char>((v >> (8 * i)) & 0xff);
    p += k_member_bytes;
  }
  return out;
}

Result<Collection> deserialize_collection(std::string_view bytes) {
  if (bytes.size() % k_member_bytes != 0) {
    return fail(ErrorCode::corruption,
                fmt::format("a collection of {} bytes is not a whole number of members", bytes.size()),
                "the instance may be damaged; restore it from a backup");
  }
  Collection out(bytes.size() / k_member_bytes);
  const char* p = bytes.data();
  for (auto& m : out) {
    std::memcpy(m.hash.bytes.data(), p, 16);
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= static_cast<std::uint32_t>(static_cast<unsigned char>(p[16 + i])) << (8 * i);
    m.annotation_version = v;
    p += k_member_bytes;
  }
  return out;
}

Md5 collection_hash(const Collection& members) { return core::md5_of(serialize_collection(members)); }

}  // namespace ldb::store

namespace ldb::store {

Result<std::optional<DatasetVersion>> Store::commit_dataset_decided(std::string_view name, const CommitDecider& decide,
                                                                    std::string_view message, std::string_view author) {
  const std::string names[] = {std::string(name)};
  auto saved = commit_datasets_decided(
      names,
      [&](const std::vector<std::optional<DatasetVersion>>& latest) -> Result<std::vector<std::optional<NewVersion>>> {
        auto chosen = decide(latest.front());
        if (!chosen) return std::unexpected(chosen.error());
        std::vector<std::optional<NewVersion>> out;
        out.push_back(std::move(*chosen));
        return out;
      },
      message, author);
  if (!saved) return std::unexpected(saved.error());
  return std::move(saved->front());
}

}  // namespace ldb::store

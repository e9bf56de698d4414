#pragma once
// What the store backends (SQLite, PostgreSQL) share beyond the Store
// interface: the encodings they store the same way, the errors they report
// with the same words, and the pieces of logic that do not depend on the SQL
// dialect (merging annotations, validating transform sets, building a new
// dataset version, finding the versions that hold objects). Internal to
// src/store; each backend keeps only its SQL and its connection handling.

#include <chrono>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "store/store.hpp"
#include "store/types.hpp"

namespace ldb::store {

std::int64_t unix_now();

// The start of `sql` for a message: white space runs collapsed, then whole
// words up to `limit` characters, "..." marking a cut (never inside a word,
// unless the first word alone is longer than `limit`).
std::string sql_summary(std::string_view sql, std::size_t limit = 60);

// KEY/VALUE pairs as stored in a text column (storage options, format
// parameters): each `KEY 0x1F VALUE 0x1E`, in order.
std::string encode_options(const std::vector<std::pair<std::string, std::string>>& options);
std::vector<std::pair<std::string, std::string>> decode_options(std::string_view text);

// An MD5 stored as 16 bytes; zero for a value of any other size.
Md5 md5_from_blob(std::string_view blob);

// --- errors every backend reports alike -------------------------------------
// not_found naming the object, with the hint to index it.
Error unknown_object(const Md5& hash);
// conflict: another client held the lock a write needed for over `waited`.
Error instance_busy(std::chrono::milliseconds waited, std::string_view what);
Error storage_location_exists(std::string_view prefix);
Error storage_location_unknown(std::string_view prefix);
Error dataset_unknown(std::string_view name);
// not_found for a version of an existing dataset past its latest.
Error dataset_version_unknown(std::string_view name, std::uint32_t version, std::uint32_t latest);

// --- logic shared by the backends --------------------------------------------
// Shallow merge for --annotation-update merge: top-level keys of `update`
// replace those of `current` when both are objects; otherwise update wins.
// Returns canonical JSON.
Result<std::string> merge_annotations(std::string_view current, std::string_view update);

// invalid_argument unless `transforms` fits `members` as
// Store::commit_dataset_with_transforms requires.
Status validate_transform_assignments(const Collection& members, const TransformAssignments& transforms);
// A transform set as stored (its commands, one a line: canonical JSON holds
// no raw newline), and back.
std::string transform_set_text(const TransformSet& set);
TransformSet transform_set_from_text(std::string_view text);
// Transform assignments as stored: 20 bytes a member (object hash, then the
// stored set's id as 4 bytes little-endian), like a collection.
inline constexpr std::size_t k_assignment_bytes = 20;
void append_assignment(std::string& blob, const Md5& hash, std::uint32_t set_id);
// corruption when `blob` is not a whole number of members.
Result<std::vector<std::pair<Md5, std::uint32_t>>> read_assignments(std::string_view blob, const Md5& transforms_hash);
Error transform_assignments_missing(const Md5& transforms_hash);
Error transform_set_missing(std::uint32_t id);

// The DatasetVersion that appending `version` as number `number` of `name`
// records (collection and transforms hashes, counts, time now).
DatasetVersion make_dataset_version(std::string_view name, std::uint32_t number, const NewVersion& version,
                                    const Md5& transforms_hash, std::string_view message, std::string_view author);

// Store::commit_dataset_with_transforms as every backend does it: the given
// version appended through store.commit_dataset_decided (one transaction).
Result<DatasetVersion> commit_given_version(Store& store, std::string_view name, const Collection& members,
                                            const TransformAssignments& transforms, std::uint32_t parent,
                                            std::string_view message, std::string_view author);

// Which of `versions` (sorted by name, then version) hold any of `sorted`
// (sorted, unique hashes): fills outcome.held_by and outcome.held.
// `collection` reads a collection by hash; each distinct one is read once.
Status find_holding_versions(const std::vector<DatasetVersion>& versions, std::span<const Md5> sorted,
                             const std::function<Result<Collection>(const Md5&)>& collection, RemovalOutcome& outcome);

// Sorts refs with distinct hashes by hash, fast for millions (MD5s are uniform).
Collection sort_by_hash(Collection refs);

}  // namespace ldb::store

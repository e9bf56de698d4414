#include "dataset/pipe_plugin.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "core/json.hpp"
#include "core/process.hpp"
#include "query/expression.hpp"

namespace ldb::dataset {

namespace {

bool is_executable(const std::filesystem::path& p) {
  std::error_code ec;
  return std::filesystem::is_regular_file(p, ec) && access(p.c_str(), X_OK) == 0;
}

// Unlinked temporary annotation files handed to the plugin live here for the run.
struct TempFolder {
  std::filesystem::path path;
  ~TempFolder() {
    std::error_code ec;
    if (!path.empty()) std::filesystem::remove_all(path, ec);
  }
};

}  // namespace

std::optional<std::filesystem::path> find_plugin(const std::filesystem::path& instance_dir, std::string_view name,
                                                 std::string_view search_path) {
  if (name.find('/') != std::string_view::npos) {
    std::filesystem::path p{std::string(name)};
    return is_executable(p) ? std::optional(std::filesystem::absolute(p)) : std::nullopt;
  }
  auto local = instance_dir / "custom_code" / "ldb_user_filters" / std::string(name);
  if (is_executable(local)) return local;
  std::string_view dirs = search_path;
  while (!dirs.empty()) {
    auto colon = dirs.find(':');
    auto dir = dirs.substr(0, colon);
    if (!dir.empty()) {
      auto candidate = std::filesystem::path(std::string(dir)) / std::string(name);
      if (is_executable(candidate)) return candidate;
    }
    if (colon == std::string_view::npos) break;
    dirs.remove_prefix(colon + 1);
  }
  return std::nullopt;
}

Result<std::vector<std::string>> split_words(std::string_view text) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == ' ' || c == '\t' || c == '\n') {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
      continue;
    }
    in_word = true;
    if (c != '\'' && c != '"') {
      word += c;
      continue;
    }
    const std::size_t open = i;
    for (++i; i < text.size() && text[i] != c; ++i) {
      if (c == '"' && text[i] == '\\' && i + 1 < text.size() && (text[i + 1] == '"' || text[i + 1] == '\\')) ++i;
      word += text[i];
    }
    if (i >= text.size()) {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("unterminated {} quote at position {} in '{}'", c, open + 1, text),
                  fmt::format("close the quote, e.g. CLIP {}dog dance{}", c, c));
    }
  }
  if (in_word) words.push_back(std::move(word));
  return words;
}

Result<std::vector<FilterSpec>> expand_plugin_sorts(const std::filesystem::path& instance_dir,
                                                    std::span<const FilterSpec> filters, std::string_view search_path) {
  std::vector<FilterSpec> out(filters.begin(), filters.end());
  for (auto& f : out) {
    if (f.kind != FilterKind::sort) continue;
    auto first_end = f.value.find_first_of(" \t\n");
    std::string_view first = std::string_view(f.value).substr(0, first_end);
    const bool looks_like_name = !first.empty() && first.find_first_of("'\"`[]{}()|&!<>=@,*") == std::string_view::npos;
    if (!looks_like_name) continue;
    // A single word is a plugin only from the instance's plugin folder: on PATH,
    // `--sort size` or `--sort time` would otherwise run /usr/bin/size or time.
    const bool single_word = first_end == std::string::npos;
    auto local = instance_dir / "custom_code" / "ldb_user_filters" / std::string(first);
    const bool installed = single_word ? (::access(local.c_str(), X_OK) == 0 && std::filesystem::is_regular_file(local))
                                       : find_plugin(instance_dir, first, search_path).has_value();
    if (installed) {
      auto words = split_words(f.value);
      if (!words) return std::unexpected(words.error());
      f = FilterSpec{FilterKind::pipe, words->front(), std::vector<std::string>(words->begin() + 1, words->end())};
      continue;
    }
    // A plain key such as `--sort score` is a sort key; only something that is
    // not an expression but starts like a command is taken for a missing plugin.
    if (first_end != std::string::npos && !query::Expression::parse(f.value, query::Dialect::ldb)) {
      return fail(
          ErrorCode::not_found,
          fmt::format("--sort '{}': no plugin named '{}' is installed, and it is not a query expression", f.value,
                      first),
          fmt::format(
              "plugins are looked up in {} and then on PATH; a sort key is JMESPath, e.g. --sort inference.confidence",
              (instance_dir / "custom_code" / "ldb_user_filters").string()));
    }
  }
  return out;
}

Result<std::vector<store::ObjectRef>> run_pipe_plugin(Context& ctx, std::vector<store::ObjectRef> selection,
                                                      std::string_view name, std::span<const std::string> args) {
  auto exe = find_plugin(ctx.instance_dir, name, ctx.program_path);
  if (!exe) {
    return fail(ErrorCode::not_found, fmt::format("plugin '{}' was not found", name),
                fmt::format("plugins are looked up in {} and then on PATH",
                            (ctx.instance_dir / "custom_code" / "ldb_user_filters").string()));
  }
  // The plugin reads data and annotation files: annotations are written to a
  // temporary folder, data paths are the objects' first recorded paths.
  std::vector<core::Md5> hashes;
  for (const auto& r : selection) hashes.push_back(r.hash);
  auto infos = ctx.store.objects_info(hashes);
  if (!infos) return std::unexpected(infos.error());
  auto annotations = ctx.store.annotations(selection);
  if (!annotations) return std::unexpected(annotations.error());
  TempFolder tmp;
  char tmpl[] = "/tmp/ldb-pipe-XXXXXX";
  if (!mkdtemp(tmpl)) {
    return fail(ErrorCode::io, fmt::format("cannot create a temporary folder: {}", std::strerror(errno)),
                "check that /tmp is writable");
  }
  tmp.path = tmpl;
  std::string input = "[";
  for (std::size_t i = 0; i < selection.size(); ++i) {
    std::string annotation_path;
    if (!(*annotations)[i].empty()) {
      annotation_path = (tmp.path / (selection[i].hash.hex() + ".json")).string();
      auto st = storage::write_file_atomic(annotation_path, (*annotations)[i]);
      if (!st) return std::unexpected(st.error());
    }
    if (i) input.push_back(',');
    input.push_back('[');
    core::append_json_string(selection[i].hash.hex(), input);
    input.push_back(',');
    core::append_json_string((*infos)[i].paths.empty() ? "" : (*infos)[i].paths.front(), input);
    input.push_back(',');
    core::append_json_string(annotation_path, input);
    input.push_back(']');
  }
  input.push_back(']');

  auto run = core::run_program(*exe, args, input, core::StdoutMode::capture);
  if (!run) {
    return fail(ErrorCode::invalid_argument, fmt::format("plugin '{}': {}", name, run.error().message),
                "check that the plugin file is executable");
  }
  if (!run->succeeded()) {
    return fail(ErrorCode::invalid_argument, fmt::format("plugin '{}' failed ({})", name, run->describe()),
                "run the plugin by hand to see its error output");
  }
  const std::string& output = run->output;
  std::unordered_map<core::Md5, store::ObjectRef> by_hash;
  for (const auto& r : selection) by_hash.emplace(r.hash, r);
  std::vector<store::ObjectRef> out;
  std::unordered_set<core::Md5> printed;
  std::size_t pos = 0;
  while (pos < output.size()) {
    auto nl = output.find('\n', pos);
    if (nl == std::string::npos) nl = output.size();
    std::string_view line(output.data() + pos, nl - pos);
    pos = nl + 1;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    if (line.starts_with("id:")) line.remove_prefix(3);
    if (line.empty()) continue;
    auto hash = core::Md5::from_hex(line);
    if (hash && printed.contains(*hash)) continue;  // each object at most once
    auto it = hash ? by_hash.find(*hash) : by_hash.end();
    if (it == by_hash.end()) {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("plugin '{}' printed '{}', which is not one of the objects it was given", name, line),
                  "a pipe plugin prints only hashes it received, one a line");
    }
    out.push_back(it->second);
    printed.insert(it->first);
  }
  return out;
}

}  // namespace ldb::dataset

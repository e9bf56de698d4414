#include "formats/naming.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/json.hpp"
#include "index/infer.hpp"

namespace ldb::formats {
namespace {

// Long stems are cut so that "<stem>-<32 hex><ext>" stays far below NAME_MAX (255).
constexpr std::size_t k_max_stem_bytes = 160;
constexpr std::size_t k_max_extension_bytes = 16;

bool is_control(unsigned char c) { return c < 0x20 || c == 0x7f; }

// Cuts `text` to at most `limit` bytes without splitting a UTF-8 sequence.
void truncate_utf8(std::string& text, std::size_t limit) {
  if (text.size() <= limit) return;
  std::size_t cut = limit;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  text.resize(cut);
}

Status check_folder_name(std::string_view name, std::string_view subject) {
  if (name.empty() || name == "." || name == "..") {
    return fail(ErrorCode::invalid_argument,
                fmt::format("the label of {} would make the folder name '{}'", subject, name),
                "fix the annotation's label, or remove the object from the dataset");
  }
  if (name.front() == '.') {
    return fail(ErrorCode::invalid_argument,
                fmt::format("the label '{}' of {} would make a hidden folder", name, subject),
                "fix the annotation's label, or remove the object from the dataset");
  }
  for (char c : name) {
    if (c == '/' || is_control(static_cast<unsigned char>(c))) {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("the label '{}' of {} contains '/' or a control character, which a "
                              "folder name cannot hold",
                              name, subject),
                  "fix the annotation's label, or remove the object from the dataset");
    }
  }
  return {};
}

}  // namespace

NameParts split_name(std::string_view base_name) {
  std::size_t first_non_dot = base_name.find_first_not_of('.');
  std::size_t dot = base_name.rfind('.');
  if (first_non_dot == std::string_view::npos || dot == std::string_view::npos || dot < first_non_dot) {
    return {std::string(base_name), {}};
  }
  return {std::string(base_name.substr(0, dot)), std::string(base_name.substr(dot))};
}

std::string_view base_name_of(std::string_view path) {
  std::size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::string flat_stem(std::string_view base_name, const core::Md5& hash) {
  std::string prefix = split_name(base_name).stem;
  for (char& c : prefix) {
    if (c == '.') {
      c = '-';
    } else if (c == '/' || c == '\\' || is_control(static_cast<unsigned char>(c))) {
      c = '_';
    }
  }
  truncate_utf8(prefix, k_max_stem_bytes);
  std::string hex = hash.hex();
  if (prefix.empty()) return hex;
  if (prefix.ends_with(hex)) return prefix;
  return prefix + "-" + hex;
}

std::string safe_extension(std::string_view ext) {
  if (ext.size() < 2 || ext.front() != '.' || ext.size() > k_max_extension_bytes) return {};
  std::string out = ".";
  for (char c : ext.substr(1)) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return {};
    out.push_back((c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c);
  }
  return out;
}

Status check_relative_path(std::string_view relative, std::string_view subject) {
  auto refuse = [&](std::string_view why) -> Status {
    return fail(ErrorCode::invalid_argument, fmt::format("refusing to write '{}' for {}: {}", relative, subject, why),
                "paths written by instantiate must stay inside the target folder; fix or remove "
                "the offending entry");
  };
  if (relative.empty()) return refuse("the path is empty");
  if (relative.front() == '/') return refuse("the path is absolute");
  std::size_t start = 0;
  while (start <= relative.size()) {
    std::size_t end = relative.find('/', start);
    if (end == std::string_view::npos) end = relative.size();
    std::string_view part = relative.substr(start, end - start);
    if (part.empty()) return refuse("the path has an empty component");
    if (part == "..") return refuse("the path climbs out with '..'");
    if (part == ".") return refuse("the path has a '.' component");
    if (part.front() == '.') return refuse("the path has a hidden component");
    for (char c : part) {
      if (is_control(static_cast<unsigned char>(c))) return refuse("the path holds a control character");
    }
    start = end + 1;
  }
  return {};
}

std::string pretty_json(std::string_view canonical) {
  std::string out;
  out.reserve(canonical.size() * 2);
  int depth = 0;
  bool in_string = false;
  auto newline = [&] {
    out.push_back('\n');
    out.append(static_cast<std::size_t>(depth) * 2, ' ');
  };
  for (std::size_t i = 0; i < canonical.size(); ++i) {
    char c = canonical[i];
    if (in_string) {
      out.push_back(c);
      if (c == '\\' && i + 1 < canonical.size()) {
        out.push_back(canonical[++i]);
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        out.push_back(c);
        break;
      case '{':
      case '[': {
        out.push_back(c);
        char close = c == '{' ? '}' : ']';
        if (i + 1 < canonical.size() && canonical[i + 1] == close) {
          out.push_back(close);
          ++i;
        } else {
          ++depth;
          newline();
        }
        break;
      }
      case '}':
      case ']':
        --depth;
        newline();
        out.push_back(c);
        break;
      case ',':
        out.push_back(c);
        newline();
        break;
      case ':':
        out += ": ";
        break;
      default:
        out.push_back(c);
    }
  }
  out.push_back('\n');
  return out;
}

Result<std::vector<std::string>> label_folders(simdjson::dom::parser& parser, std::string_view annotation_json,
                                               const std::vector<std::string>& label_key, const std::string* base_label,
                                               std::string_view subject) {
  auto folders = index::label_folders(parser, annotation_json, label_key, base_label, subject);
  if (!folders) return folders;
  for (const auto& folder : *folders) LDB_TRY(check_folder_name(folder, subject));
  return folders;
}

}  // namespace ldb::formats

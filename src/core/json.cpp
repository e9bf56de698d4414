#include "core/json.hpp"

#include <algorithm>
#include <vector>

#include <fmt/format.h>

namespace ldb::core {

namespace {

// `text` without a leading UTF-8 byte order mark (EF BB BF).
std::string_view without_bom(std::string_view text) {
  constexpr std::string_view k_bom = "\xEF\xBB\xBF";
  if (text.starts_with(k_bom)) text.remove_prefix(k_bom.size());
  return text;
}

}  // namespace

void append_json_string(std::string_view s, std::string& out) {
  out.push_back('"');
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (u < 0x20) {
          out += fmt::format("\\u{:04x}", u);
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

namespace {

// Length of the well-formed UTF-8 sequence starting at text[at] (Unicode
// Table 3-7: no overlong forms, no surrogates, nothing above U+10FFFF), or 0.
std::size_t utf8_sequence_length(std::string_view text, std::size_t at) {
  auto byte = [&](std::size_t i) { return at + i < text.size() ? static_cast<unsigned char>(text[at + i]) : 0u; };
  auto continuation = [&](std::size_t i, unsigned low = 0x80, unsigned high = 0xBF) {
    return byte(i) >= low && byte(i) <= high;
  };
  unsigned lead = byte(0);
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return continuation(1) ? 2 : 0;
  if (lead >= 0xE0 && lead <= 0xEF) {
    unsigned low = lead == 0xE0 ? 0xA0 : 0x80;
    unsigned high = lead == 0xED ? 0x9F : 0xBF;
    return continuation(1, low, high) && continuation(2) ? 3 : 0;
  }
  if (lead >= 0xF0 && lead <= 0xF4) {
    unsigned low = lead == 0xF0 ? 0x90 : 0x80;
    unsigned high = lead == 0xF4 ? 0x8F : 0xBF;
    return continuation(1, low, high) && continuation(2) && continuation(3) ? 4 : 0;
  }
  return 0;
}

}  // namespace

std::string escape_invalid_utf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (std::size_t i = 0; i < bytes.size();) {
    std::size_t length = utf8_sequence_length(bytes, i);
    if (length == 0) {
      fmt::format_to(std::back_inserter(out), "\\x{:02x}", static_cast<unsigned char>(bytes[i]));
      ++i;
    } else {
      out.append(bytes.substr(i, length));
      i += length;
    }
  }
  return out;
}

void append_canonical(simdjson::dom::element element, std::string& out) {
  using simdjson::dom::element_type;
  switch (element.type()) {
    case element_type::NULL_VALUE:
      out += "null";
      break;
    case element_type::BOOL:
      out += bool(element.get_bool()) ? "true" : "false";
      break;
    case element_type::INT64:
      fmt::format_to(std::back_inserter(out), "{}", int64_t(element.get_int64()));
      break;
    case element_type::UINT64:
      fmt::format_to(std::back_inserter(out), "{}", uint64_t(element.get_uint64()));
      break;
    case element_type::DOUBLE: {
      double d = element.get_double();
      // -0.0 would print as "-0", which reads back as the integer 0: print the
      // zero it equals so that canonical text stays canonical when re-read.
      if (d == 0.0) d = 0.0;
      // Integral doubles keep a fraction marker so that 1.0 and 1 stay distinct
      // the way the source wrote them is not recoverable; fmt's shortest form is.
      fmt::format_to(std::back_inserter(out), "{}", d);
      break;
    }
    case element_type::STRING:
      append_json_string(std::string_view(element.get_string()), out);
      break;
    case element_type::ARRAY: {
      out.push_back('[');
      bool first = true;
      for (auto child : element.get_array()) {
        if (!first) out.push_back(',');
        first = false;
        append_canonical(child, out);
      }
      out.push_back(']');
      break;
    }
    case element_type::OBJECT: {
      std::vector<std::pair<std::string_view, simdjson::dom::element>> fields;
      for (auto field : element.get_object()) fields.emplace_back(field.key, field.value);
      std::stable_sort(fields.begin(), fields.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
      out.push_back('{');
      bool first = true;
      for (const auto& [key, value] : fields) {
        if (!first) out.push_back(',');
        first = false;
        append_json_string(key, out);
        out.push_back(':');
        append_canonical(value, out);
      }
      out.push_back('}');
      break;
    }
  }
}

Result<simdjson::dom::element> parse_json(simdjson::dom::parser& parser, std::string_view text,
                                          std::string_view origin) {
  // Every JSON ldb reads from storage comes through here: editors on Windows
  // (and PowerShell's Out-File) start UTF-8 files with a byte order mark,
  // which RFC 8259 lets parsers ignore and simdjson does not.
  text = without_bom(text);
  simdjson::dom::element root;
  if (auto err = parser.parse(text.data(), text.size(), true).get(root); err) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("malformed JSON in '{}': {}", origin, simdjson::error_message(err)),
                "fix or remove the file, then run the command again");
  }
  return root;
}

Result<std::string> canonical_json(std::string_view text, std::string_view origin) {
  thread_local simdjson::dom::parser parser;
  auto root = parse_json(parser, text, origin);
  if (!root) return std::unexpected(root.error());
  std::string out;
  out.reserve(text.size());
  append_canonical(*root, out);
  return out;
}

}  // namespace ldb::core

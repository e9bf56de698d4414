// A recursive-descent reader over the whole text: one pass, no allocation
// beyond the element tree. Recursion is bounded by k_max_xml_depth, so hostile
// nesting cannot exhaust the stack; every scan forward is bounded by the text,
// so no input can make it loop. Only what annotation files need is accepted:
// anything else (a DOCTYPE, an unknown entity, a stray '<') is an error that
// names the file and line, never a guess.

#include "index/xml.hpp"

#include <fmt/format.h>

namespace ldb::index {

namespace {

constexpr std::string_view k_hint = "fix the XML file (it must be well-formed XML without a DOCTYPE)";

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

bool is_name_start(char c) {
  auto u = static_cast<unsigned char>(c);
  return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || u == '_' || u == ':' || u >= 0x80;
}

bool is_name_char(char c) { return is_name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.'; }

// A character XML allows in a document (bytes >= 0x80 are passed through as UTF-8).
bool is_allowed_byte(char c) {
  auto u = static_cast<unsigned char>(c);
  return u >= 0x20 || c == '\t' || c == '\n' || c == '\r';
}

bool is_allowed_code_point(std::uint32_t c) {
  return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD) ||
         (c >= 0x10000 && c <= 0x10FFFF);
}

void append_utf8(std::uint32_t c, std::string& out) {
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (c >> 12)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (c >> 18)));
    out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

class Parser {
 public:
  Parser(std::string_view text, std::string_view origin) : m_text(text), m_origin(origin) {}

  Result<XmlElement> document() {
    if (m_text.size() > k_max_xml_bytes) {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("'{}' is {} bytes, more than the {} an XML annotation may hold", m_origin, m_text.size(),
                              k_max_xml_bytes),
                  "split the file, or check that it is really an annotation file");
    }
    if (m_text.starts_with("\xEF\xBB\xBF")) m_pos = 3;
    LDB_TRY(misc());
    if (at_end() || peek() != '<') return error("expected the root element");
    XmlElement root;
    LDB_TRY(element(root, 1));
    LDB_TRY(misc());
    if (!at_end()) return error("content after the root element");
    return root;
  }

 private:
  bool at_end() const { return m_pos >= m_text.size(); }
  char peek() const { return m_text[m_pos]; }
  bool looking_at(std::string_view s) const { return m_text.substr(m_pos).starts_with(s); }

  void advance(std::size_t n) {
    for (std::size_t i = 0; i < n && m_pos < m_text.size(); ++i, ++m_pos) {
      if (m_text[m_pos] == '\n') ++m_line;
    }
  }

  std::unexpected<Error> error(std::string_view problem) const {
    return fail(ErrorCode::invalid_argument, fmt::format("'{}':{}: malformed XML: {}", m_origin, m_line, problem),
                std::string(k_hint));
  }

  void skip_spaces() {
    while (!at_end() && is_space(peek())) advance(1);
  }

  // Skips to just past `end`; false when it never comes.
  bool skip_past(std::string_view end) {
    std::size_t found = m_text.find(end, m_pos);
    if (found == std::string_view::npos) return false;
    advance(found + end.size() - m_pos);
    return true;
  }

  // Whitespace, comments and processing instructions (the XML declaration
  // included) outside the root element.
  Status misc() {
    while (true) {
      skip_spaces();
      if (looking_at("<?")) {
        LDB_TRY(processing_instruction());
      } else if (looking_at("<!--")) {
        LDB_TRY(comment());
      } else if (looking_at("<!DOCTYPE") || looking_at("<!doctype")) {
        return error("a DOCTYPE is not accepted (entity definitions are not supported)");
      } else {
        return {};
      }
    }
  }

  Status processing_instruction() {
    std::size_t line = m_line;
    if (!skip_past("?>")) return fail_at(line, "unterminated processing instruction '<?'");
    return {};
  }

  Status comment() {
    std::size_t line = m_line;
    advance(4);
    if (!skip_past("-->")) return fail_at(line, "unterminated comment '<!--'");
    return {};
  }

  std::unexpected<Error> fail_at(std::size_t line, std::string_view problem) const {
    return fail(ErrorCode::invalid_argument, fmt::format("'{}':{}: malformed XML: {}", m_origin, line, problem),
                std::string(k_hint));
  }

  Result<std::string_view> name() {
    if (at_end() || !is_name_start(peek())) return error("expected an element or attribute name");
    std::size_t start = m_pos;
    while (!at_end() && is_name_char(peek())) advance(1);
    return m_text.substr(start, m_pos - start);
  }

  // At '&': decodes one entity or character reference into `out`.
  Status entity(std::string& out) {
    std::size_t semicolon = m_text.find(';', m_pos);
    if (semicolon == std::string_view::npos || semicolon - m_pos > 12) return error("'&' that starts no entity");
    std::string_view ref = m_text.substr(m_pos + 1, semicolon - m_pos - 1);
    if (ref == "lt") {
      out.push_back('<');
    } else if (ref == "gt") {
      out.push_back('>');
    } else if (ref == "amp") {
      out.push_back('&');
    } else if (ref == "quot") {
      out.push_back('"');
    } else if (ref == "apos") {
      out.push_back('\'');
    } else if (ref.starts_with('#')) {
      bool hex = ref.size() > 1 && ref[1] == 'x';
      std::string_view digits = ref.substr(hex ? 2 : 1);
      if (digits.empty() || digits.size() > 8) return error(fmt::format("bad character reference '&{};'", ref));
      std::uint32_t code = 0;
      for (char c : digits) {
        int digit = -1;
        if (c >= '0' && c <= '9') digit = c - '0';
        if (hex && c >= 'a' && c <= 'f') digit = c - 'a' + 10;
        if (hex && c >= 'A' && c <= 'F') digit = c - 'A' + 10;
        if (digit < 0) return error(fmt::format("bad character reference '&{};'", ref));
        code = code * (hex ? 16 : 10) + static_cast<std::uint32_t>(digit);
      }
      if (!is_allowed_code_point(code)) {
        return error(fmt::format("character reference '&{};' names a character XML does not allow", ref));
      }
      append_utf8(code, out);
    } else {
      return error(fmt::format("unknown entity '&{};' (only &lt; &gt; &amp; &quot; &apos; and &#N; are known)", ref));
    }
    advance(semicolon + 1 - m_pos);
    return {};
  }

  // Attributes up to '>' or '/>'; returns true when the tag closed itself.
  Result<bool> attributes() {
    while (true) {
      bool spaced = !at_end() && is_space(peek());
      skip_spaces();
      if (at_end()) return error("unterminated start tag");
      if (looking_at("/>")) {
        advance(2);
        return true;
      }
      if (peek() == '>') {
        advance(1);
        return false;
      }
      if (!spaced) return error("expected whitespace before an attribute");
      auto attribute = name();
      if (!attribute) return std::unexpected(std::move(attribute).error());
      skip_spaces();
      if (at_end() || peek() != '=') return error(fmt::format("attribute '{}' has no '=' value", *attribute));
      advance(1);
      skip_spaces();
      if (at_end() || (peek() != '"' && peek() != '\'')) {
        return error(fmt::format("attribute '{}' needs a quoted value", *attribute));
      }
      char quote = peek();
      std::size_t close = m_text.find(quote, m_pos + 1);
      if (close == std::string_view::npos) return error(fmt::format("attribute '{}' has no closing quote", *attribute));
      std::string_view value = m_text.substr(m_pos + 1, close - m_pos - 1);
      if (value.find('<') != std::string_view::npos) {
        return error(fmt::format("attribute '{}' holds a '<'", *attribute));
      }
      advance(close + 1 - m_pos);
    }
  }

  // At '<' of a start tag: reads the element and everything inside it.
  Status element(XmlElement& out, std::size_t depth) {
    if (depth > k_max_xml_depth) {
      return error(fmt::format("elements nest deeper than {} levels", k_max_xml_depth));
    }
    if (++m_elements > k_max_xml_elements) {
      return error(fmt::format("more than {} elements", k_max_xml_elements));
    }
    out.line = m_line;
    advance(1);
    auto tag = name();
    if (!tag) return std::unexpected(std::move(tag).error());
    out.name = std::string(*tag);
    auto closed = attributes();
    if (!closed) return std::unexpected(std::move(closed).error());
    if (*closed) return {};
    while (true) {
      if (at_end()) return fail_at(out.line, fmt::format("<{}> is never closed", out.name));
      char c = peek();
      if (c == '<') {
        if (looking_at("</")) {
          advance(2);
          auto end = name();
          if (!end) return std::unexpected(std::move(end).error());
          if (*end != out.name) {
            return error(fmt::format("</{}> closes <{}> (opened at line {})", *end, out.name, out.line));
          }
          skip_spaces();
          if (at_end() || peek() != '>') return error(fmt::format("end tag </{}> has no '>'", out.name));
          advance(1);
          return {};
        }
        if (looking_at("<!--")) {
          LDB_TRY(comment());
        } else if (looking_at("<![CDATA[")) {
          std::size_t line = m_line;
          std::size_t end = m_text.find("]]>", m_pos);
          if (end == std::string_view::npos) return fail_at(line, "unterminated CDATA section");
          std::string_view data = m_text.substr(m_pos + 9, end - m_pos - 9);
          for (char d : data) {
            if (!is_allowed_byte(d)) return error("a control character in a CDATA section");
          }
          out.text.append(data);
          advance(end + 3 - m_pos);
        } else if (looking_at("<?")) {
          LDB_TRY(processing_instruction());
        } else if (looking_at("<!")) {
          return error("markup declarations ('<!') are not accepted inside elements");
        } else {
          out.children.emplace_back();
          LDB_TRY(element(out.children.back(), depth + 1));
        }
      } else if (c == '&') {
        LDB_TRY(entity(out.text));
      } else {
        if (!is_allowed_byte(c)) {
          return error(fmt::format("control character 0x{:02x} in text", static_cast<unsigned char>(c)));
        }
        out.text.push_back(c);
        advance(1);
      }
    }
  }

  std::string_view m_text;
  std::string_view m_origin;
  std::size_t m_pos = 0;
  std::size_t m_line = 1;
  std::size_t m_elements = 0;
};

}  // namespace

const XmlElement* XmlElement::child(std::string_view wanted) const {
  for (const auto& element : children) {
    if (element.name == wanted) return &element;
  }
  return nullptr;
}

Result<XmlElement> parse_xml(std::string_view text, std::string_view origin) { return Parser(text, origin).document(); }

std::string root_element_name(std::string_view text) {
  std::size_t pos = text.starts_with("\xEF\xBB\xBF") ? 3 : 0;
  while (pos < text.size()) {
    if (is_space(text[pos])) {
      ++pos;
      continue;
    }
    std::string_view rest = text.substr(pos);
    std::size_t end = std::string_view::npos;
    if (rest.starts_with("<?")) {
      end = rest.find("?>");
      if (end != std::string_view::npos) end += 2;
    } else if (rest.starts_with("<!--")) {
      end = rest.find("-->", 4);
      if (end != std::string_view::npos) end += 3;
    } else if (rest.size() > 1 && rest[0] == '<' && is_name_start(rest[1])) {
      std::size_t stop = 1;
      while (stop < rest.size() && is_name_char(rest[stop])) ++stop;
      return std::string(rest.substr(1, stop - 1));
    } else {
      return "";
    }
    if (end == std::string_view::npos) return "";
    pos += end;
  }
  return "";
}

}  // namespace ldb::index

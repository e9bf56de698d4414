#include "storage/xml_scan.hpp"

#include <curl/curl.h>

#include <cstdint>
#include <ctime>

namespace ldb::storage {

namespace {

void append_utf8(std::string& out, std::uint32_t code) {
  if (code < 0x80) {
    out.push_back(static_cast<char>(code));
  } else if (code < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (code >> 6)));
    out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
  } else if (code < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (code >> 12)));
    out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (code >> 18)));
    out.push_back(static_cast<char>(0x80 | ((code >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
  }
}

// Finds "<tag>" or "<tag attr...>" at or after `from`; returns the position
// just past the '>' and sets `open` to where the '<' is.
std::size_t find_open(std::string_view xml, std::string_view tag, std::size_t from, std::size_t& open) {
  for (;;) {
    std::size_t lt = xml.find('<', from);
    if (lt == std::string_view::npos) return std::string_view::npos;
    std::string_view rest = xml.substr(lt + 1);
    if (rest.starts_with(tag) && rest.size() > tag.size() &&
        (rest[tag.size()] == '>' || rest[tag.size()] == ' ' || rest[tag.size()] == '/')) {
      std::size_t gt = xml.find('>', lt);
      if (gt == std::string_view::npos) return std::string_view::npos;
      open = lt;
      if (xml[gt - 1] == '/') {  // <tag/>: empty element
        open = std::string_view::npos - 1;
        return gt + 1;
      }
      return gt + 1;
    }
    from = lt + 1;
  }
}

}  // namespace

std::string xml_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '&') {
      out.push_back(text[i]);
      continue;
    }
    std::size_t semi = text.find(';', i);
    if (semi == std::string_view::npos || semi - i > 10) {
      out.push_back('&');
      continue;
    }
    std::string_view entity = text.substr(i + 1, semi - i - 1);
    if (entity == "amp") out.push_back('&');
    else if (entity == "lt") out.push_back('<');
    else if (entity == "gt") out.push_back('>');
    else if (entity == "quot") out.push_back('"');
    else if (entity == "apos") out.push_back('\'');
    else if (entity.starts_with('#')) {
      std::uint32_t code = 0;
      bool hex = entity.size() > 1 && (entity[1] == 'x' || entity[1] == 'X');
      for (char c : entity.substr(hex ? 2 : 1)) {
        int digit = (c >= '0' && c <= '9') ? c - '0'
                    : (hex && c >= 'a' && c <= 'f') ? c - 'a' + 10
                    : (hex && c >= 'A' && c <= 'F') ? c - 'A' + 10
                    : -1;
        if (digit < 0) break;
        code = code * (hex ? 16 : 10) + static_cast<std::uint32_t>(digit);
      }
      append_utf8(out, code);
    } else {
      out.append(text.substr(i, semi - i + 1));
    }
    i = semi;
  }
  return out;
}

std::vector<std::string_view> xml_elements(std::string_view xml, std::string_view tag) {
  std::vector<std::string_view> out;
  std::string closing = "</" + std::string(tag) + ">";
  std::size_t from = 0;
  for (;;) {
    std::size_t open = 0;
    std::size_t start = find_open(xml, tag, from, open);
    if (start == std::string_view::npos) break;
    if (open == std::string_view::npos - 1) {  // empty element
      out.emplace_back();
      from = start;
      continue;
    }
    std::size_t end = xml.find(closing, start);
    if (end == std::string_view::npos) break;
    out.push_back(xml.substr(start, end - start));
    from = end + closing.size();
  }
  return out;
}

std::optional<std::string> xml_text(std::string_view xml, std::string_view tag) {
  auto found = xml_elements(xml, tag);
  if (found.empty()) return std::nullopt;
  return xml_decode(found.front());
}

std::optional<std::int64_t> parse_timestamp(std::string_view text) {
  if (text.size() >= 19 && text[4] == '-' && text[10] == 'T') {
    std::tm tm{};
    std::string copy(text.substr(0, 19));
    if (strptime(copy.c_str(), "%Y-%m-%dT%H:%M:%S", &tm) == nullptr) return std::nullopt;
    return static_cast<std::int64_t>(timegm(&tm));
  }
  std::string copy(text);
  time_t t = curl_getdate(copy.c_str(), nullptr);
  if (t < 0) return std::nullopt;
  return static_cast<std::int64_t>(t);
}

}  // namespace ldb::storage

#include "storage/xml_scan.hpp"

#include <array>
#include <charconv>
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
    if (entity == "amp")
      out.push_back('&');
    else if (entity == "lt")
      out.push_back('<');
    else if (entity == "gt")
      out.push_back('>');
    else if (entity == "quot")
      out.push_back('"');
    else if (entity == "apos")
      out.push_back('\'');
    else if (entity.starts_with('#')) {
      std::uint32_t code = 0;
      bool hex = entity.size() > 1 && (entity[1] == 'x' || entity[1] == 'X');
      for (char c : entity.substr(hex ? 2 : 1)) {
        int digit = (c >= '0' && c <= '9')          ? c - '0'
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

namespace {

std::optional<int> month_number(std::string_view name) {
  static constexpr std::array<std::string_view, 12> k_months = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                                "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (int i = 0; i < 12; ++i) {
    if (name == k_months[static_cast<std::size_t>(i)]) return i;
  }
  return std::nullopt;
}

std::optional<int> number(std::string_view text) {
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// "HH:MM:SS" into tm.
bool clock_time(std::string_view text, std::tm& tm) {
  if (text.size() != 8 || text[2] != ':' || text[5] != ':') return false;
  auto h = number(text.substr(0, 2)), m = number(text.substr(3, 2)), s = number(text.substr(6, 2));
  if (!h || !m || !s || *h > 23 || *m > 59 || *s > 60) return false;
  tm.tm_hour = *h;
  tm.tm_min = *m;
  tm.tm_sec = *s;
  return true;
}

std::vector<std::string_view> words(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && text[i] == ' ') ++i;
    auto start = i;
    while (i < text.size() && text[i] != ' ') ++i;
    if (i > start) out.push_back(text.substr(start, i - start));
  }
  return out;
}

// The three date forms HTTP/1.1 recipients accept (RFC 9110 section 5.6.7):
// "Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT" and
// asctime's "Sun Nov  6 08:49:37 1994".
std::optional<std::int64_t> parse_http_date(std::string_view text) {
  auto w = words(text);
  std::tm tm{};
  std::optional<int> day, month, year;
  if (w.size() == 6 && w[0].ends_with(',') && w[5] == "GMT") {
    day = number(w[1]);
    month = month_number(w[2]);
    year = number(w[3]);
    if (!clock_time(w[4], tm)) return std::nullopt;
  } else if (w.size() == 4 && w[0].ends_with(',') && w[3] == "GMT" && w[1].size() == 9 && w[1][2] == '-' &&
             w[1][6] == '-') {
    day = number(w[1].substr(0, 2));
    month = month_number(w[1].substr(3, 3));
    year = number(w[1].substr(7, 2));
    if (year) *year += *year < 70 ? 2000 : 1900;
    if (!clock_time(w[2], tm)) return std::nullopt;
  } else if (w.size() == 5) {
    month = month_number(w[1]);
    day = number(w[2]);
    year = number(w[4]);
    if (!clock_time(w[3], tm)) return std::nullopt;
  } else {
    return std::nullopt;
  }
  if (!day || !month || !year || *day < 1 || *day > 31 || *year < 1900) return std::nullopt;
  tm.tm_mday = *day;
  tm.tm_mon = *month;
  tm.tm_year = *year - 1900;
  return static_cast<std::int64_t>(timegm(&tm));
}

}  // namespace

std::optional<std::int64_t> parse_timestamp(std::string_view text) {
  if (text.size() >= 19 && text[4] == '-' && text[10] == 'T') {
    std::tm tm{};
    std::string copy(text.substr(0, 19));
    if (strptime(copy.c_str(), "%Y-%m-%dT%H:%M:%S", &tm) == nullptr) return std::nullopt;
    return static_cast<std::int64_t>(timegm(&tm));
  }
  return parse_http_date(text);
}

}  // namespace ldb::storage

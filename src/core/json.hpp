#pragma once
// Canonical JSON: the one textual form in which ldb stores an annotation, so
// that equal content has equal bytes and an equal content hash. Object keys are
// sorted (by UTF-8 bytes), there is no insignificant white space, strings are
// escaped minimally, integers print as integers and other numbers in the shortest
// form that reads back to the same double.

#include <string>
#include <string_view>

#include <simdjson.h>

#include "core/error.hpp"

namespace ldb::core {

// Parses `text` (any JSON value; a leading UTF-8 byte order mark is skipped)
// and returns its canonical form. `origin` names the source in the error (e.g.
// a file path). invalid_argument on malformed JSON or nesting deeper than
// k_max_json_depth.
Result<std::string> canonical_json(std::string_view text, std::string_view origin);

// Parses `text` with `parser` (the element lives as long as the parser's next
// parse); a leading UTF-8 byte order mark is skipped. invalid_argument naming
// `origin` on malformed JSON or too deep nesting.
Result<simdjson::dom::element> parse_json(simdjson::dom::parser& parser, std::string_view text,
                                          std::string_view origin);

// Appends the canonical form of an already parsed element.
void append_canonical(simdjson::dom::element element, std::string& out);

// Appends `s` as a JSON string literal (quotes included). `s` must be UTF-8
// for the result to be valid JSON (see escape_invalid_utf8).
void append_json_string(std::string_view s, std::string& out);

// `bytes` as valid UTF-8 text, for names that need not be UTF-8 (a file name
// is any bytes but '/' and NUL): each byte that is not part of a well-formed
// UTF-8 sequence becomes the four characters \xhh (two lowercase hex digits),
// exactly as Python's bytes.decode('utf-8', 'backslashreplace') writes it.
// UTF-8 input comes back unchanged.
std::string escape_invalid_utf8(std::string_view bytes);

inline constexpr std::size_t k_max_json_depth = 1024;

}  // namespace ldb::core

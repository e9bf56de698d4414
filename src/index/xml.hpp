#pragma once
// A small, strict, bounded XML reader: enough XML for annotation files such as
// Pascal VOC. It reads elements (attributes are checked for syntax and
// ignored), character data and CDATA sections, comments, the XML declaration
// and processing instructions, the five predefined entities and numeric
// character references. A DOCTYPE (and so any user-defined entity) is refused,
// which keeps hostile input from expanding. Size, depth and element count are
// bounded; errors name the file and line.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace ldb::index {

inline constexpr std::size_t k_max_xml_bytes = 16 * 1024 * 1024;
inline constexpr std::size_t k_max_xml_depth = 64;
inline constexpr std::size_t k_max_xml_elements = 1'000'000;

struct XmlElement {
  std::string name;                  // as written (prefix included: "a:b")
  std::string text;                  // character data directly inside, entities decoded, concatenated
  std::vector<XmlElement> children;  // child elements in document order
  std::size_t line = 0;              // 1-based line of the start tag

  // The first child element named `name`; nullptr when there is none.
  const XmlElement* child(std::string_view name) const;
};

// Parses a whole document and returns its root element. `origin` names the
// file in errors ("'<origin>':<line>: ..."). invalid_argument for malformed
// XML, a DOCTYPE, an unknown entity, a document larger than k_max_xml_bytes,
// nesting deeper than k_max_xml_depth or more than k_max_xml_elements elements.
Result<XmlElement> parse_xml(std::string_view text, std::string_view origin);

// The name of the root element without parsing the rest of the document
// (skips a BOM, the declaration, comments and processing instructions); ""
// when the text does not start like an XML document. Cheap enough for
// format detection.
std::string root_element_name(std::string_view text);

}  // namespace ldb::index

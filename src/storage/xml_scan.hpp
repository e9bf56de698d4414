#pragma once
// Just enough XML for object-store listings and error documents: the text of
// elements found by name, entities decoded. Listing answers are flat and
// machine-written (no CDATA, no comments in practice), so a scan for
// "<Name>...</Name>" is exact for them; nothing here validates XML.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ldb::storage {

// The decoded text of the first <tag>...</tag> in `xml` (nullopt if none).
std::optional<std::string> xml_text(std::string_view xml, std::string_view tag);

// The raw inner XML of every <tag>...</tag>, in order (not decoded).
std::vector<std::string_view> xml_elements(std::string_view xml, std::string_view tag);

// Decodes &amp; &lt; &gt; &quot; &apos; and numeric character references.
std::string xml_decode(std::string_view text);

// Seconds since the epoch of "2009-10-12T17:50:30.000Z" (ISO 8601, UTC), or of
// an HTTP date "Wed, 12 Oct 2009 17:50:30 GMT"; nullopt when unreadable.
std::optional<std::int64_t> parse_timestamp(std::string_view text);

}  // namespace ldb::storage

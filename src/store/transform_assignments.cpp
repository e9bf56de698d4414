// The instance-independent text of transform assignments, whose MD5 names them
// (DatasetVersion::transforms_hash), like a collection's bytes name it.

#include <fmt/format.h>

#include "core/json.hpp"
#include "store/store.hpp"

namespace ldb::store {

std::string serialize_transform_assignments(const TransformAssignments& transforms) {
  if (transforms.empty()) return {};
  std::string out = "[";
  for (std::size_t i = 0; i < transforms.size(); ++i) {
    if (i) out.push_back(',');
    out += "[\"";
    out += transforms[i].hash.hex();
    out += "\",[";
    for (std::size_t t = 0; t < transforms[i].transforms.size(); ++t) {
      if (t) out.push_back(',');
      const auto& command = transforms[i].transforms[t];
      if (command == k_self_transform) {
        core::append_json_string(command, out);
      } else {
        out += command;  // already canonical JSON
      }
    }
    out += "]]";
  }
  out.push_back(']');
  return out;
}

Md5 transform_assignments_hash(const TransformAssignments& transforms) {
  if (transforms.empty()) return Md5{};
  return core::md5_of(serialize_transform_assignments(transforms));
}

}  // namespace ldb::store

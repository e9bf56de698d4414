// The COCO reader validates as it goes (one pass over categories, images and
// annotations) and builds each image's canonical JSON by hand, keys in sorted
// order, so the text is canonical without a second parse. Numbers are copied
// through core::append_canonical, so a value's text is the same whichever
// reader or writer last touched it.

#include "index/coco.hpp"
#include "core/paths.hpp"

#include <algorithm>
#include <optional>
#include <unordered_map>

#include <fmt/format.h>
#include <simdjson.h>

#include "core/json.hpp"

namespace ldb::index {

namespace {

using simdjson::dom::element;

constexpr std::string_view k_hint =
    "fix the COCO file: see https://cocodataset.org/#format-data (images, annotations, categories)";

std::unexpected<Error> malformed(std::string_view file, std::string_view entry, std::string_view problem) {
  return fail(ErrorCode::invalid_argument, fmt::format("'{}': {}: {}", file, entry, problem), std::string(k_hint));
}

bool is_number(element e) { return e.is_int64() || e.is_uint64() || e.is_double(); }

std::optional<std::int64_t> as_integer(element e) {
  if (e.is_int64()) return std::int64_t(e.get_int64());
  if (e.is_double()) {
    double d = e.get_double();
    if (d >= -9.0e15 && d <= 9.0e15 && static_cast<double>(static_cast<std::int64_t>(d)) == d) {
      return static_cast<std::int64_t>(d);
    }
  }
  return std::nullopt;
}

std::optional<element> field(element object, std::string_view key) {
  element value;
  if (object.at_key(key).get(value) != simdjson::SUCCESS) return std::nullopt;
  return value;
}

// The integer "id" of an entry; `entry` names it for messages ("images[3]").
Result<std::int64_t> required_id(element entry, std::string_view key, std::string_view file, std::string_view what) {
  auto value = field(entry, key);
  if (!value) return malformed(file, what, fmt::format("missing \"{}\"", key));
  auto id = as_integer(*value);
  if (!id) return malformed(file, what, fmt::format("\"{}\" must be an integer", key));
  return *id;
}

Result<simdjson::dom::array> top_array(element root, std::string_view key, std::string_view file) {
  auto value = field(root, key);
  if (!value) {
    return fail(ErrorCode::invalid_argument, fmt::format("'{}' has no \"{}\" array", file, key),
                "a COCO file holds \"images\", \"annotations\" and \"categories\" arrays; index other JSON "
                "with another -m format");
  }
  if (!value->is_array()) return malformed(file, fmt::format("\"{}\"", key), "must be an array");
  return simdjson::dom::array(value->get_array());
}

Status check_bbox(element bbox, std::string_view file, std::string_view entry) {
  if (!bbox.is_array()) return malformed(file, entry, "\"bbox\" must be an array of 4 numbers [x, y, w, h]");
  std::size_t count = 0;
  for (auto value : bbox.get_array()) {
    if (!is_number(value)) return malformed(file, entry, "\"bbox\" must hold numbers only");
    ++count;
  }
  if (count != 4) {
    return malformed(file, entry, fmt::format("\"bbox\" has {} numbers, expected 4 [x, y, w, h]", count));
  }
  return {};
}

// Polygons (an array of arrays of numbers) or RLE ({"counts": string or
// array of integers, "size": [h, w]}). Returns false for an empty polygon list.
Result<bool> check_segmentation(element seg, std::string_view file, std::string_view entry) {
  if (seg.is_array()) {
    std::size_t polygons = 0;
    for (auto polygon : seg.get_array()) {
      if (!polygon.is_array()) return malformed(file, entry, "\"segmentation\" polygons must be arrays of numbers");
      for (auto value : polygon.get_array()) {
        if (!is_number(value)) return malformed(file, entry, "\"segmentation\" polygons must hold numbers only");
      }
      ++polygons;
    }
    return polygons > 0;
  }
  if (seg.is_object()) {
    auto counts = field(seg, "counts");
    auto size = field(seg, "size");
    bool counts_ok = counts && (counts->is_string() || counts->is_array());
    if (counts_ok && counts->is_array()) {
      for (auto value : counts->get_array()) counts_ok = counts_ok && as_integer(value).has_value();
    }
    std::size_t dims = 0;
    bool size_ok = size && size->is_array();
    if (size_ok) {
      for (auto value : size->get_array()) {
        size_ok = size_ok && as_integer(value).has_value();
        ++dims;
      }
    }
    if (!counts_ok || !size_ok || dims != 2) {
      return malformed(file, entry, "RLE \"segmentation\" needs \"counts\" (string or integers) and \"size\" [h, w]");
    }
    return true;
  }
  return malformed(file, entry, "\"segmentation\" must be a list of polygons or an RLE object");
}

// One key of an entry in the shape and its canonical value text.
using Fields = std::vector<std::pair<std::string_view, std::string>>;

// Appends {"key":value,...} with the keys sorted, so the text is canonical.
void append_fields(Fields& fields, std::string& out) {
  std::stable_sort(fields.begin(), fields.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  out.push_back('{');
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out.push_back(',');
    core::append_json_string(fields[i].first, out);
    out.push_back(':');
    out += fields[i].second;
  }
  out.push_back('}');
}

std::string canonical_text(element value) {
  std::string text;
  core::append_canonical(value, text);
  return text;
}

struct Category {
  std::string name;
  std::string supercategory;  // canonical text; empty when the category has none
};

struct ImageState {
  std::int64_t id = 0;
  std::string file_name;
  std::string data_path;                // empty when the file was not found
  std::vector<std::string> looked_for;  // where the file was looked for
  std::string header;                   // {"image":{...},"objects":[   (the objects follow)
  std::string objects;                  // comma-separated object texts
};

// The value text of an annotation key the shape defines, validated; nullopt
// for a key that is dropped (an empty polygon list).
Result<std::optional<std::string>> shape_value(std::string_view key, element value, std::string_view file,
                                               std::string_view entry) {
  if (key == "area") {
    if (!is_number(value)) return malformed(file, entry, "\"area\" must be a number");
  } else if (key == "iscrowd") {
    auto crowd = as_integer(value);
    if (!crowd || (*crowd != 0 && *crowd != 1)) return malformed(file, entry, "\"iscrowd\" must be 0 or 1");
    return std::optional(fmt::format("{}", *crowd));
  } else if (key == "segmentation") {
    auto keep = check_segmentation(value, file, entry);
    if (!keep) return std::unexpected(std::move(keep).error());
    if (!*keep) return std::optional<std::string>();
  } else if (key == "bbox") {
    LDB_TRY(check_bbox(value, file, entry));
  }
  return std::optional(canonical_text(value));
}

// Appends one object of the shared shape (see coco.hpp): the annotation's
// keys but image_id, with the category's name and supercategory.
Status append_object(element annotation, const Category& category, std::int64_t category_id, std::string_view file,
                     std::string_view entry, std::string& out) {
  if (!field(annotation, "bbox")) return malformed(file, entry, "missing \"bbox\" [x, y, w, h]");
  Fields fields;
  for (auto [key, value] : annotation.get_object()) {
    // Set from the category below, or implied by the image the object is in.
    if (key == "image_id" || key == "category_id" || key == "category" || key == "supercategory") continue;
    auto text = shape_value(key, value, file, entry);
    if (!text) return std::unexpected(std::move(text).error());
    if (*text) fields.emplace_back(key, std::move(**text));
  }
  std::string name;
  core::append_json_string(category.name, name);
  fields.emplace_back("category", std::move(name));
  fields.emplace_back("category_id", fmt::format("{}", category_id));
  if (!category.supercategory.empty()) fields.emplace_back("supercategory", category.supercategory);
  if (!out.empty()) out.push_back(',');
  append_fields(fields, out);
  return {};
}

Result<std::unordered_map<std::int64_t, Category>> read_categories(element root, std::string_view file) {
  auto categories = top_array(root, "categories", file);
  if (!categories) return std::unexpected(std::move(categories).error());
  std::unordered_map<std::int64_t, Category> out;
  std::size_t index = 0;
  for (auto category : *categories) {
    std::string entry = fmt::format("categories[{}]", index++);
    if (!category.is_object()) return malformed(file, entry, "must be an object");
    auto id = required_id(category, "id", file, entry);
    if (!id) return std::unexpected(std::move(id).error());
    entry = fmt::format("category id {}", *id);
    auto name = field(category, "name");
    if (!name || !name->is_string()) return malformed(file, entry, "\"name\" must be a string");
    Category value{std::string(std::string_view(name->get_string())), {}};
    if (auto super = field(category, "supercategory")) value.supercategory = canonical_text(*super);
    if (!out.emplace(*id, std::move(value)).second) return malformed(file, entry, "the id appears twice");
  }
  return out;
}

std::string quoted_list(std::span<const std::string> paths) {
  std::string out;
  for (const auto& path : paths) out += fmt::format("{}'{}'", out.empty() ? "" : ", ", path);
  return out;
}

// Finds the file of `relative` (a contained file_name) as CocoImageFolders
// says, recording every path tried in state.looked_for.
Status find_image(std::string_view relative, std::string_view file, const CocoImageFolders& folders,
                  const FileExists& file_exists, ImageState& state) {
  auto found = [&](std::string candidate) {
    state.looked_for.push_back(std::move(candidate));
    return file_exists(state.looked_for.back());
  };
  if (!folders.images.empty()) {
    if (found(folders.images + std::string(relative))) state.data_path = state.looked_for.back();
    return {};
  }
  std::string folder(core::folder_of(file));
  for (const std::string& base : {folder, folder + "images/"}) {
    if (found(base + std::string(relative))) {
      state.data_path = state.looked_for.back();
      return {};
    }
  }
  std::vector<std::string> matches;
  for (const auto& sibling : folders.siblings) {
    if (found(sibling + std::string(relative))) matches.push_back(state.looked_for.back());
  }
  if (matches.size() > 1) {
    std::string_view first = matches.front();
    std::string_view parent = core::folder_of(folder.substr(0, folder.size() - 1));
    std::string_view sibling = first.substr(parent.size(), first.size() - parent.size() - relative.size() - 1);
    return fail(ErrorCode::invalid_argument,
                fmt::format("'{}': image id {}: file_name '{}' is in {} folders beside the COCO file's: {}", file,
                            state.id, state.file_name, matches.size(), quoted_list(matches)),
                fmt::format("name the folder of this file's images, e.g. -p images=../{}", sibling));
  }
  if (matches.size() == 1) state.data_path = std::move(matches.front());
  return {};
}

Status read_image(element image, std::size_t index, std::string_view file, const CocoImageFolders& folders,
                  const FileExists& file_exists, ImageState& state) {
  std::string entry = fmt::format("images[{}]", index);
  if (!image.is_object()) return malformed(file, entry, "must be an object");
  auto id = required_id(image, "id", file, entry);
  if (!id) return std::unexpected(std::move(id).error());
  state.id = *id;
  entry = fmt::format("image id {}", *id);
  auto name = field(image, "file_name");
  if (!name || !name->is_string()) return malformed(file, entry, "\"file_name\" must be a string");
  state.file_name = std::string_view(name->get_string());
  auto relative = core::contained_relative_name(state.file_name);
  if (!relative) {
    return fail(
        ErrorCode::invalid_argument,
        fmt::format("'{}': {}: file_name '{}' leaves the folder of the COCO file", file, entry, state.file_name),
        "file names must be relative to the image folder, without '..'");
  }
  LDB_TRY(find_image(*relative, file, folders, file_exists, state));
  Fields fields;
  for (auto [key, value] : image.get_object()) {
    if (key == "width" || key == "height") {
      auto size = as_integer(value);
      if (!size || *size < 0) return malformed(file, entry, fmt::format("\"{}\" must be a non-negative integer", key));
      fields.emplace_back(key, fmt::format("{}", *size));
    } else {
      fields.emplace_back(key, key == "id" ? fmt::format("{}", *id) : canonical_text(value));
    }
  }
  state.header = "{\"image\":";
  append_fields(fields, state.header);
  state.header += ",\"objects\":[";
  return {};
}

// not_found for a COCO file none of whose images was found.
std::unexpected<Error> no_image_found(std::string_view file, const ImageState& first, std::size_t count,
                                      const CocoImageFolders& folders) {
  std::string message = fmt::format("'{}': none of its {} images was found (image id {}: '{}' is not at {})", file,
                                    count, first.id, first.file_name, quoted_list(first.looked_for));
  if (!folders.images.empty()) {
    return fail(ErrorCode::not_found, std::move(message),
                "-p images=DIR names the folder holding the images: relative to the COCO file's folder, or absolute");
  }
  return fail(ErrorCode::not_found, std::move(message),
              "index a folder that holds the COCO file and its images: beside it, in its images/ folder, or in a "
              "folder next to its own (annotations/ + val2017/ as in the COCO downloads); or name the image "
              "folder: -p images=DIR");
}

}  // namespace

bool is_coco_json(std::string_view text) {
  simdjson::dom::parser parser;
  auto root = core::parse_json(parser, text, "");
  if (!root || !root->is_object()) return false;
  return field(*root, "images") && field(*root, "annotations") && field(*root, "categories");
}

bool is_coco_without_categories(std::string_view text) {
  simdjson::dom::parser parser;
  auto root = core::parse_json(parser, text, "");
  if (!root || !root->is_object()) return false;
  return field(*root, "images") && field(*root, "annotations") && !field(*root, "categories");
}

std::vector<std::string> coco_sibling_folders(std::string_view json_path, std::span<const ScannedFile> data) {
  std::string_view folder = core::folder_of(json_path);
  if (folder.size() < 2) return {};
  std::string_view parent = core::folder_of(folder.substr(0, folder.size() - 1));
  if (parent.empty() || parent.ends_with("//")) return {};
  auto by_path = [](const ScannedFile& f, std::string_view p) { return f.info.path < p; };
  std::vector<std::string> out;
  auto it = std::lower_bound(data.begin(), data.end(), parent, by_path);
  while (it != data.end() && it->info.path.starts_with(parent)) {
    std::string_view rest = std::string_view(it->info.path).substr(parent.size());
    std::size_t slash = rest.find('/');
    if (slash == std::string_view::npos) {
      ++it;
      continue;
    }
    std::string sibling = std::string(parent) + std::string(rest.substr(0, slash + 1));
    // Every path below the sibling sorts before its name + '0' ('0' follows '/').
    std::string past = sibling;
    past.back() = '0';
    if (sibling != folder) out.push_back(std::move(sibling));
    it = std::lower_bound(it, data.end(), past, by_path);
  }
  std::sort(out.begin(), out.end());
  return out;
}

Result<CocoFile> parse_coco(std::string_view text, std::string_view json_path, const CocoImageFolders& folders,
                            const FileExists& file_exists) {
  simdjson::dom::parser parser;
  auto parsed = core::parse_json(parser, text, json_path);
  if (!parsed) return std::unexpected(std::move(parsed).error());
  element root = *parsed;
  if (!root.is_object()) {
    return fail(ErrorCode::invalid_argument, fmt::format("'{}' is not a COCO file: not a JSON object", json_path),
                std::string(k_hint));
  }
  auto categories = read_categories(root, json_path);
  if (!categories) return std::unexpected(std::move(categories).error());

  auto images = top_array(root, "images", json_path);
  if (!images) return std::unexpected(std::move(images).error());
  std::vector<ImageState> states;
  std::unordered_map<std::int64_t, std::size_t> by_id;
  std::unordered_map<std::string, std::int64_t> by_path;
  for (auto image : *images) {
    ImageState state;
    LDB_TRY(read_image(image, states.size(), json_path, folders, file_exists, state));
    if (!by_id.emplace(state.id, states.size()).second) {
      return malformed(json_path, fmt::format("image id {}", state.id), "the id appears twice");
    }
    if (!state.data_path.empty()) {
      auto [it, inserted] = by_path.emplace(state.data_path, state.id);
      if (!inserted) {
        return malformed(json_path, fmt::format("image id {}", state.id),
                         fmt::format("its file '{}' is also image id {}", state.data_path, it->second));
      }
    }
    states.push_back(std::move(state));
  }
  if (!states.empty() && by_path.empty()) return no_image_found(json_path, states.front(), states.size(), folders);

  auto annotations = top_array(root, "annotations", json_path);
  if (!annotations) return std::unexpected(std::move(annotations).error());
  std::size_t index = 0;
  for (auto annotation : *annotations) {
    std::string entry = fmt::format("annotations[{}]", index++);
    if (!annotation.is_object()) return malformed(json_path, entry, "must be an object");
    if (auto id = field(annotation, "id")) {
      if (auto value = as_integer(*id)) entry = fmt::format("annotation id {}", *value);
    }
    auto image_id = required_id(annotation, "image_id", json_path, entry);
    if (!image_id) return std::unexpected(std::move(image_id).error());
    auto image = by_id.find(*image_id);
    if (image == by_id.end()) {
      return malformed(json_path, entry, fmt::format("image_id {} is not among the images", *image_id));
    }
    auto category_id = required_id(annotation, "category_id", json_path, entry);
    if (!category_id) return std::unexpected(std::move(category_id).error());
    auto category = categories->find(*category_id);
    if (category == categories->end()) {
      return malformed(json_path, entry, fmt::format("category_id {} is not among the categories", *category_id));
    }
    LDB_TRY(append_object(annotation, category->second, *category_id, json_path, entry, states[image->second].objects));
  }

  CocoFile out;
  out.images.reserve(by_path.size());
  for (auto& state : states) {
    if (state.data_path.empty()) {
      out.missing.push_back(MissingImage{state.id, std::move(state.file_name), std::move(state.looked_for)});
      continue;
    }
    std::string json = std::move(state.header);
    json += state.objects;
    json += "],\"source_format\":\"coco\"}";
    out.images.push_back(CocoImage{state.id, std::move(state.data_path), std::move(json)});
  }
  return out;
}

}  // namespace ldb::index

namespace ldb::index {

namespace {

std::string canonical_of(element value) {
  std::string out;
  core::append_canonical(value, out);
  return out;
}

// Appends `first`'s fields with `second`'s added: a key in both must hold the
// same value, else conflict(key).
template <typename Conflict>
Status merge_fields(simdjson::dom::object first, simdjson::dom::object second, std::string& out,
                    const Conflict& conflict) {
  out.push_back('{');
  bool any = false;
  auto put = [&](std::string_view key, element value) {
    if (any) out.push_back(',');
    any = true;
    core::append_json_string(key, out);
    out.push_back(':');
    core::append_canonical(value, out);
  };
  for (auto [key, value] : first) {
    element other;
    if (!second.at_key(key).get(other) && canonical_of(other) != canonical_of(value)) return conflict(key);
    put(key, value);
  }
  for (auto [key, value] : second) {
    element mine;
    if (first.at_key(key).get(mine)) put(key, value);  // not in first
  }
  out.push_back('}');
  return {};
}

std::optional<std::string> object_id(element object) {
  element id;
  if (!object.is_object() || object.at_key("id").get(id)) return std::nullopt;
  return canonical_of(id);
}

}  // namespace

Result<std::string> merge_coco_images(std::string_view first, std::string_view second, const CocoMergeNames& names) {
  simdjson::dom::parser first_parser;
  simdjson::dom::parser second_parser;
  auto a = core::parse_json(first_parser, first, names.first_file);
  if (!a) return std::unexpected(std::move(a).error());
  auto b = core::parse_json(second_parser, second, names.second_file);
  if (!b) return std::unexpected(std::move(b).error());
  auto differ = [&](std::string what) -> Status {
    return fail(ErrorCode::invalid_argument,
                fmt::format("'{}' is an image of both '{}' and '{}', which disagree on {}", names.data_path,
                            names.first_file, names.second_file, what),
                "index the COCO files separately (-p images=DIR on each), or make them agree");
  };
  simdjson::dom::object a_root;
  simdjson::dom::object b_root;
  if (a->get(a_root) || b->get(b_root)) return std::unexpected(differ("their shape").error());
  std::string out = "{";
  bool any = false;
  for (auto [key, value] : a_root) {
    if (any) out.push_back(',');
    any = true;
    core::append_json_string(key, out);
    out.push_back(':');
    element other;
    const bool in_b = !b_root.at_key(key).get(other);
    if (key == "image" && in_b && value.is_object() && other.is_object()) {
      LDB_TRY(merge_fields(value.get_object().value_unsafe(), other.get_object().value_unsafe(), out,
                           [&](std::string_view k) { return differ(fmt::format("the image's \"{}\"", k)); }));
    } else if (key == "objects" && in_b && value.is_array() && other.is_array()) {
      // Annotations with the same id are one annotation (person_keypoints
      // repeats the person boxes of instances with keypoints added).
      simdjson::dom::array mine = value.get_array().value_unsafe();
      simdjson::dom::array theirs = other.get_array().value_unsafe();
      std::unordered_map<std::string, element> theirs_by_id;
      for (element object : theirs) {
        if (auto id = object_id(object)) theirs_by_id.emplace(*id, object);
      }
      std::unordered_map<std::string, bool> used;
      out.push_back('[');
      bool first_object = true;
      auto comma = [&] {
        if (!first_object) out.push_back(',');
        first_object = false;
      };
      for (element object : mine) {
        comma();
        auto id = object_id(object);
        auto match = id ? theirs_by_id.find(*id) : theirs_by_id.end();
        if (match == theirs_by_id.end() || !match->second.is_object()) {
          core::append_canonical(object, out);
          continue;
        }
        used[*id] = true;
        LDB_TRY(
            merge_fields(object.get_object().value_unsafe(), match->second.get_object().value_unsafe(), out,
                         [&](std::string_view k) { return differ(fmt::format("annotation id {}'s \"{}\"", *id, k)); }));
      }
      for (element object : theirs) {
        auto id = object_id(object);
        if (id && used.contains(*id)) continue;
        comma();
        core::append_canonical(object, out);
      }
      out.push_back(']');
    } else {
      if (in_b && canonical_of(other) != canonical_of(value))
        return std::unexpected(differ(fmt::format("\"{}\"", key)).error());
      core::append_canonical(value, out);
    }
  }
  out.push_back('}');
  return core::canonical_json(out, names.first_file);  // keys back in canonical order
}

}  // namespace ldb::index

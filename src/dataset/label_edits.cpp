// The merge works on canonical text: objects kept from the original are
// copied with core::append_canonical, which gives back a stored (canonical)
// annotation's bytes exactly, so a kept box's 128.5 stays 128.5 and its keys
// stay as they were. Matching is by the canonical text of what the layout's
// reader gives back, so formatting the file differently (key order, spaces,
// trailing zeros) is no edit.

#include "dataset/label_edits.hpp"

#include <algorithm>
#include <deque>
#include <map>
#include <unordered_map>

#include <fmt/format.h>
#include <simdjson.h>

#include "core/json.hpp"

namespace ldb::dataset {

namespace {

using simdjson::dom::element;

std::optional<element> field(element object, std::string_view key) {
  element value;
  if (object.at_key(key).get(value) != simdjson::SUCCESS) return std::nullopt;
  return value;
}

std::optional<simdjson::dom::array> objects_of(element annotation) {
  simdjson::dom::array objects;
  if (!annotation.is_object() || annotation.at_key("objects").get_array().get(objects) != simdjson::SUCCESS) {
    return std::nullopt;
  }
  return objects;
}

std::string canonical_of(element value) {
  std::string out;
  core::append_canonical(value, out);
  return out;
}

void append_member(std::string_view key, std::string_view value_text, std::string& out) {
  if (out.size() > 1) out.push_back(',');
  core::append_json_string(key, out);
  out.push_back(':');
  out += value_text;
}

// "category_id" and "supercategory" of the first original object of each category.
using CategoryKeys = std::map<std::string, std::vector<std::pair<std::string, std::string>>, std::less<>>;

CategoryKeys category_keys(std::span<const element> originals) {
  CategoryKeys out;
  for (auto object : originals) {
    auto category = object.is_object() ? field(object, "category") : std::nullopt;
    if (!category || !category->is_string()) continue;
    std::string name(std::string_view(category->get_string()));
    if (out.contains(name)) continue;
    auto& keys = out[name];
    for (std::string_view key : {"category_id", "supercategory"}) {
      if (auto value = field(object, key)) keys.emplace_back(std::string(key), canonical_of(*value));
    }
  }
  return out;
}

// A new object of the file, with its category's ids from the original.
std::string new_object(element object, const CategoryKeys& categories) {
  auto category = object.is_object() ? field(object, "category") : std::nullopt;
  auto it =
      category && category->is_string() ? categories.find(std::string_view(category->get_string())) : categories.end();
  if (it == categories.end() || it->second.empty()) return canonical_of(object);
  std::string out = "{";
  for (auto [key, value] : object.get_object()) {
    if (key == "category_id" || key == "supercategory") continue;
    append_member(key, canonical_of(value), out);
  }
  for (const auto& [key, text] : it->second) append_member(key, text, out);
  out.push_back('}');
  return out;
}

}  // namespace

WrittenLabels written_as_is(std::string_view annotation) {
  WrittenLabels out;
  simdjson::dom::parser parser;
  auto root = core::parse_json(parser, annotation, "an annotation");
  if (!root) return out;
  auto objects = objects_of(*root);
  if (!objects) return out;
  for (auto object : *objects) {
    out.written_for.emplace_back(out.objects.size());
    out.objects.push_back(canonical_of(object));
  }
  return out;
}

Result<std::string> merge_label_edit(std::string_view original, const WrittenLabels& written, std::string_view edited,
                                     std::string_view subject) {
  simdjson::dom::parser original_parser, edited_parser;
  auto old_root = core::parse_json(original_parser, original, fmt::format("the annotation of {}", subject));
  if (!old_root) return std::unexpected(std::move(old_root).error());
  auto new_root = core::parse_json(edited_parser, edited, fmt::format("the edited annotation of {}", subject));
  if (!new_root) return std::unexpected(std::move(new_root).error());
  if (!old_root->is_object()) return canonical_of(*new_root);

  std::vector<element> originals;
  if (auto objects = objects_of(*old_root)) {
    for (auto object : *objects) originals.push_back(object);
  }
  std::vector<bool> was_written(originals.size(), false);
  std::unordered_map<std::string_view, std::deque<std::size_t>> by_form;
  for (std::size_t k = 0; k < written.objects.size(); ++k) {
    by_form[written.objects[k]].push_back(k);
    const auto& index = written.written_for[k];
    if (index && *index < originals.size()) was_written[*index] = true;
  }
  const CategoryKeys categories = category_keys(originals);

  std::string objects = "[";
  auto append_object = [&](std::string_view text) {
    if (objects.size() > 1) objects.push_back(',');
    objects += text;
  };
  // Objects the file cannot hold stay where they were: after the original
  // object before them (or first), else at the end.
  std::vector<bool> kept(originals.size(), false);
  auto keep_unwritten_from = [&](std::size_t first) {
    for (std::size_t i = first; i < originals.size() && !was_written[i]; ++i) {
      if (kept[i]) continue;
      kept[i] = true;
      append_object(canonical_of(originals[i]));
    }
  };
  keep_unwritten_from(0);
  if (auto file_objects = objects_of(*new_root)) {
    for (auto object : *file_objects) {
      std::string form = canonical_of(object);
      auto match = by_form.find(form);
      if (match == by_form.end() || match->second.empty()) {
        append_object(new_object(object, categories));
        continue;
      }
      std::size_t k = match->second.front();
      match->second.pop_front();
      const auto& index = written.written_for[k];
      if (!index || *index >= originals.size()) continue;  // made up by the writer: nothing of the annotation's
      append_object(canonical_of(originals[*index]));
      keep_unwritten_from(*index + 1);
    }
  }
  for (std::size_t i = 0; i < originals.size(); ++i) {
    if (!was_written[i]) keep_unwritten_from(i);
  }
  objects.push_back(']');

  auto is_kept = [&](std::string_view key) {
    return !written.kept_keys ||
           std::find(written.kept_keys->begin(), written.kept_keys->end(), key) != written.kept_keys->end();
  };
  std::string text = "{";
  for (auto [key, value] : old_root->get_object()) {
    if (key == "objects" || !is_kept(key)) continue;
    append_member(key, canonical_of(value), text);
  }
  if (written.kept_keys && new_root->is_object()) {
    for (auto [key, value] : new_root->get_object()) {
      if (key == "objects" || is_kept(key)) continue;
      append_member(key, canonical_of(value), text);
    }
  }
  if (objects_of(*old_root) || objects != "[]") append_member("objects", objects, text);
  text.push_back('}');
  return core::canonical_json(text, fmt::format("the edited annotation of {}", subject));
}

Result<std::string> edit_boxes(std::string_view original, std::span<const BoxEdit> edits, std::string_view subject) {
  if (edits.empty()) {
    return fail(ErrorCode::invalid_argument, fmt::format("no change to the annotation of {}", subject),
                "change a box's class or delete a box, then save");
  }
  simdjson::dom::parser parser;
  auto root = core::parse_json(parser, original, fmt::format("the annotation of {}", subject));
  if (!root) return std::unexpected(std::move(root).error());
  auto objects = objects_of(*root);
  if (!objects) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("the annotation of {} has no \"objects\" array: it is not in the detection shape", subject),
                "only annotations with boxes (\"objects\": [{\"bbox\": [x, y, w, h], \"category\": ...}]) can be "
                "edited box by box");
  }
  std::vector<element> entries;
  for (auto entry : *objects) entries.push_back(entry);
  std::vector<const BoxEdit*> edit_of(entries.size(), nullptr);
  for (const auto& edit : edits) {
    if (edit.index >= entries.size()) {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("the annotation of {} has no box {} (it has {}, numbered from 0)", subject, edit.index,
                              entries.size()),
                  "reload the object: its annotation may have changed");
    }
    if (edit_of[edit.index] != nullptr) {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("box {} of {} is changed twice in one edit", edit.index, subject),
                  "give each box at most one change");
    }
    if (!entries[edit.index].is_object()) {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("box {} of {} is not a JSON object: it has no class to change", edit.index, subject),
                  "only entries like {\"bbox\": [x, y, w, h], \"category\": ...} can be edited");
    }
    if (edit.action == BoxAction::set_category && edit.category.empty()) {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("the new class of box {} of {} is empty", edit.index, subject),
                  "give a class name, or delete the box");
    }
    edit_of[edit.index] = &edit;
  }
  // The annotation as a label file holding the edited boxes would read; the
  // merge keeps every untouched box verbatim and gives a changed one its
  // class's ids.
  std::string text = "{\"objects\":[";
  bool first = true;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const BoxEdit* edit = edit_of[i];
    if (edit && edit->action == BoxAction::remove) continue;
    if (!first) text.push_back(',');
    first = false;
    if (!edit) {
      text += canonical_of(entries[i]);
      continue;
    }
    std::string box = "{";
    for (auto [key, value] : entries[i].get_object()) {
      if (key == "category" || key == "category_id" || key == "supercategory") continue;
      append_member(key, canonical_of(value), box);
    }
    std::string name;
    core::append_json_string(edit->category, name);
    append_member("category", name, box);
    box.push_back('}');
    text += box;
  }
  text += "]}";
  return merge_label_edit(original, written_as_is(original), text, subject);
}

}  // namespace ldb::dataset

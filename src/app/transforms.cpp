#include "app/detail/transforms.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <toml++/toml.h>
#include <nlohmann/json.hpp>

#include "app/detail/config.hpp"
#include "dataset/pipe_plugin.hpp"

namespace ldb::app::detail {

namespace {

bool valid_name(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

std::string configured_list(const TransformConfig& config) {
  std::vector<std::string> names{std::string(store::k_self_transform)};
  for (const auto& [name, run] : config.runs) names.push_back(name);
  for (const auto& [name, ops] : config.ops) names.push_back(name);
  std::sort(names.begin() + 1, names.end());
  return fmt::format("{}", fmt::join(names, ", "));
}

// A file-name-safe name for a command no configured transform has: its
// program's base name.
std::string fallback_name(const std::vector<std::string>& run) {
  std::string base = std::filesystem::path(run.front()).filename().string();
  std::string out;
  for (char c : base) out.push_back(valid_name(std::string_view(&c, 1)) ? c : '_');
  return out.empty() ? std::string("transform") : out;
}

// The `ops` array of [transform.NAME], parsed and normalised. invalid_argument
// naming the file, the transform and the op text.
Result<std::vector<std::string>> read_ops(const toml::table& table, const std::filesystem::path& file,
                                          const std::string& name) {
  const auto* array = table["ops"].as_array();
  auto bad = [&](std::string_view why, std::string hint) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("config file '{}': transform '{}' {}", file.string(), name, why), std::move(hint));
  };
  constexpr std::string_view example = "for example: ops = [\"resize 256x256 fill\", \"center-crop 224x224\"]";
  if (array == nullptr || array->empty()) return bad("needs a non-empty ops array", std::string(example));
  std::vector<std::string> texts;
  for (const auto& element : *array) {
    auto text = element.value<std::string>();
    if (!text) return bad("has an ops element that is not a string", std::string(example));
    texts.push_back(*text);
  }
  auto ops = image::parse_ops(texts);
  if (!ops) return bad(ops.error().message, ops.error().hint);
  return image::normalised(*ops);
}

}  // namespace

std::string transform_command(std::span<const std::string> run) {
  return nlohmann::json(std::vector<std::string>(run.begin(), run.end())).dump();
}

std::string ops_command(std::span<const std::string> ops) {
  nlohmann::json command = nlohmann::json::object();
  command[std::string(k_ops_key)] = std::vector<std::string>(ops.begin(), ops.end());
  return command.dump();
}

Result<TransformConfig> read_transform_config(const std::filesystem::path& instance_dir) {
  TransformConfig config;
  auto file = instance_dir / "config";
  auto parsed = read_toml(file);
  if (!parsed) return std::unexpected(parsed.error());
  const toml::table& root = *parsed;
  const auto* transforms = root["transform"].as_table();
  if (transforms == nullptr) {
    if (root.contains("transform")) {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("config file '{}': 'transform' is not a table", file.string()),
                  "declare each transform as [transform.NAME] with run = [\"program\", \"arg\", ...] or "
                  "ops = [\"resize 224x224 fit\", ...]");
    }
    return config;
  }
  for (const auto& [key, node] : *transforms) {
    std::string name(key.str());
    auto bad = [&](std::string_view why) {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("config file '{}': transform '{}' {}", file.string(), name, why),
                  fmt::format("declare it as [transform.{}] with run = [\"program\", \"arg\", ...] or "
                              "ops = [\"resize 224x224 fit\", ...]",
                              valid_name(name) ? name : "NAME"));
    };
    if (!valid_name(name)) return bad("has a name with characters other than letters, digits, '_' and '-'");
    if (name == store::k_self_transform) return bad("uses the reserved name of the plain copy");
    const auto* table = node.as_table();
    if (table == nullptr) return bad("is not a table");
    const bool has_run = table->contains("run");
    const bool has_ops = table->contains("ops");
    if (has_run && has_ops) return bad("has both run and ops; a transform is a program or built-in image ops");
    if (has_ops) {
      auto texts = read_ops(*table, file, name);
      if (!texts) return std::unexpected(texts.error());
      auto command = ops_command(*texts);
      auto [it, inserted] = config.names.emplace(command, name);
      if (!inserted) return bad(fmt::format("has the same ops as transform '{}'", it->second));
      config.ops.emplace(name, std::move(*texts));
      continue;
    }
    const auto* run = (*table)["run"].as_array();
    if (run == nullptr || run->empty()) return bad("needs a non-empty run array (or an ops array)");
    std::vector<std::string> argv;
    for (const auto& element : *run) {
      auto word = element.value<std::string>();
      if (!word) return bad("has a run element that is not a string");
      argv.push_back(*word);
    }
    if (argv.front().empty()) return bad("has an empty program name");
    auto command = transform_command(argv);
    auto [it, inserted] = config.names.emplace(command, name);
    if (!inserted) {
      return bad(fmt::format("has the same run command as transform '{}'", it->second));
    }
    config.runs.emplace(name, std::move(argv));
  }
  return config;
}

Result<store::TransformSet> resolve_transform_names(const TransformConfig& config, std::span<const std::string> lists) {
  store::TransformSet out;
  for (const auto& list : lists) {
    std::size_t start = 0;
    while (start <= list.size()) {
      auto comma = list.find(',', start);
      if (comma == std::string::npos) comma = list.size();
      std::string name = list.substr(start, comma - start);
      start = comma + 1;
      if (name.empty()) continue;
      if (name == store::k_self_transform) {
        out.emplace_back(store::k_self_transform);
        continue;
      }
      if (auto ops = config.ops.find(name); ops != config.ops.end()) {
        out.push_back(ops_command(ops->second));
        continue;
      }
      auto it = config.runs.find(name);
      if (it == config.runs.end()) {
        return fail(ErrorCode::invalid_argument, fmt::format("unknown transform '{}'", name),
                    fmt::format("configured transforms: {}; add one to the instance config as "
                                "[transform.{}] with run = [\"program\", \"arg\"] or ops = [\"resize 224x224 fit\"]",
                                configured_list(config), valid_name(name) ? name : "NAME"));
      }
      out.push_back(transform_command(it->second));
    }
  }
  if (out.empty()) {
    return fail(ErrorCode::invalid_argument, "no transform names given", "for example: ldb transform -a rotate,self");
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::string transform_display_name(const TransformConfig& config, const std::string& command) {
  if (command == store::k_self_transform) return command;
  auto it = config.names.find(command);
  return it != config.names.end() ? it->second : command;
}

// The ops of a recorded {"ops": [...]} command. corruption when it is not one.
Result<image::OpList> recorded_ops(const std::string& command) {
  std::vector<std::string> texts;
  try {
    texts = nlohmann::json::parse(command).at(std::string(k_ops_key)).get<std::vector<std::string>>();
  } catch (const nlohmann::json::exception&) {
    texts.clear();
  }
  auto ops = texts.empty() ? Result<image::OpList>(fail(ErrorCode::corruption, "")) : image::parse_ops(texts);
  if (!ops) {
    return fail(ErrorCode::corruption, fmt::format("the recorded transform command '{}' is malformed", command),
                "reset the members' transforms: ldb transform -s self");
  }
  return ops;
}

Result<std::vector<formats::MemberTransform>> member_transforms(const TransformConfig& config,
                                                                const std::filesystem::path& instance_dir,
                                                                std::string_view search_path,
                                                                const store::TransformSet& set) {
  std::vector<formats::MemberTransform> out;
  for (const auto& command : set) {
    if (command == store::k_self_transform) {
      out.push_back(formats::MemberTransform{std::string(store::k_self_transform), {}});
      continue;
    }
    auto named = config.names.find(command);
    if (command.starts_with('{')) {
      auto ops = recorded_ops(command);
      if (!ops) return std::unexpected(ops.error());
      out.push_back(formats::MemberTransform{
          named != config.names.end() ? named->second : std::string(k_ops_key), {}, std::move(*ops)});
      continue;
    }
    std::vector<std::string> run;
    try {
      run = nlohmann::json::parse(command).get<std::vector<std::string>>();
    } catch (const nlohmann::json::exception&) {
      run.clear();
    }
    if (run.empty()) {
      return fail(ErrorCode::corruption, fmt::format("the recorded transform command '{}' is malformed", command),
                  "reset the members' transforms: ldb transform -s self");
    }
    std::string name = named != config.names.end() ? named->second : fallback_name(run);
    auto exe = dataset::find_plugin(instance_dir, run.front(), search_path);
    if (!exe) {
      return fail(ErrorCode::not_found,
                  fmt::format("the program '{}' of transform '{}' was not found", run.front(), name),
                  fmt::format("transform programs are looked up in {} and then on PATH",
                              (instance_dir / "custom_code" / "ldb_user_filters").string()));
    }
    run.front() = exe->string();
    out.push_back(formats::MemberTransform{std::move(name), std::move(run)});
  }
  return out;
}

}  // namespace ldb::app::detail

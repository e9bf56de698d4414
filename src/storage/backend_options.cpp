#include "storage/backend_options.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <fstream>

#include <fmt/format.h>

namespace ldb::storage {

namespace {

std::string trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  return std::string(text);
}

std::filesystem::path home_file(const core::Environment& env, const char* env_name, std::string_view relative) {
  if (auto value = env.get(env_name); !value.empty()) return value;
  return std::filesystem::path(env.get("HOME")) / relative;
}

std::optional<bool> parse_flag(std::string_view text) {
  if (text == "true" || text == "yes" || text == "1") return true;
  if (text == "false" || text == "no" || text == "0") return false;
  return std::nullopt;
}

std::optional<long> parse_positive(std::string_view text) {
  if (text.empty() || text.size() > 9) return std::nullopt;
  long out = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    out = out * 10 + (c - '0');
  }
  return out;
}

struct SecretOption {
  std::string_view key;
  std::string_view instead;
};

constexpr std::array k_secrets{
    SecretOption{"key", "AWS_SECRET_ACCESS_KEY or AZURE_STORAGE_KEY"},
    SecretOption{"secret", "AWS_SECRET_ACCESS_KEY"},
    SecretOption{"secret_key", "AWS_SECRET_ACCESS_KEY"},
    SecretOption{"secret_access_key", "AWS_SECRET_ACCESS_KEY"},
    SecretOption{"access_key", "AWS_ACCESS_KEY_ID"},
    SecretOption{"access_key_id", "AWS_ACCESS_KEY_ID"},
    SecretOption{"session_token", "AWS_SESSION_TOKEN"},
    SecretOption{"token", "AWS_SESSION_TOKEN"},
    SecretOption{"account_key", "AZURE_STORAGE_KEY"},
    SecretOption{"sas", "AZURE_STORAGE_SAS_TOKEN"},
    SecretOption{"sas_token", "AZURE_STORAGE_SAS_TOKEN"},
    SecretOption{"connection_string", "AZURE_STORAGE_CONNECTION_STRING"},
    SecretOption{"password", "the backend's credential environment variables"},
};

std::vector<std::string_view> allowed_keys(std::string_view protocol) {
  if (protocol == "s3") return {"endpoint", "region", "profile", "anon", "addressing", "timeout", "retries"};
  if (protocol == "gs") return {"endpoint", "profile", "anon", "timeout", "retries"};
  if (protocol == "az") return {"account", "endpoint", "anon", "timeout", "retries"};
  if (protocol == "http" || protocol == "https") return {"timeout", "retries"};
  return {};
}

}  // namespace

std::optional<std::string> option_value(const BackendOptions& options, std::string_view key) {
  for (auto it = options.rbegin(); it != options.rend(); ++it) {
    if (it->first == key) return it->second;
  }
  return std::nullopt;
}

bool option_flag(const BackendOptions& options, std::string_view key, bool fallback) {
  auto value = option_value(options, key);
  if (!value) return fallback;
  return parse_flag(*value).value_or(fallback);
}

Status validate_options(std::string_view protocol, const BackendOptions& options) {
  auto allowed = allowed_keys(protocol);
  for (const auto& [key, value] : options) {
    for (const auto& secret : k_secrets) {
      if (key == secret.key) {
        return fail(ErrorCode::invalid_argument,
                    fmt::format("-o {} would store a secret in the instance; ldb never stores credentials", key),
                    fmt::format("set it in the environment instead ({})", secret.instead));
      }
    }
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      std::string list;
      for (auto k : allowed) list += (list.empty() ? "" : ", ") + std::string(k);
      return fail(ErrorCode::invalid_argument, fmt::format("unknown option '{}' for {}:// storage", key, protocol),
                  list.empty() ? std::string("this kind of storage takes no -o options")
                               : fmt::format("options for {}:// storage: {}", protocol, list));
    }
    if ((key == "anon") && !parse_flag(value)) {
      return fail(ErrorCode::invalid_argument, fmt::format("-o {} expects true or false, got '{}'", key, value),
                  fmt::format("for example: -o {} true", key));
    }
    if ((key == "timeout" || key == "retries") && !parse_positive(value)) {
      return fail(ErrorCode::invalid_argument, fmt::format("-o {} expects a whole number, got '{}'", key, value),
                  fmt::format("for example: -o {} 30", key));
    }
    if (key == "addressing" && value != "path" && value != "virtual") {
      return fail(ErrorCode::invalid_argument, fmt::format("-o addressing expects path or virtual, got '{}'", value),
                  "path: https://endpoint/bucket/key; virtual: https://bucket.endpoint/key");
    }
    if (key == "endpoint" && !value.starts_with("http://") && !value.starts_with("https://")) {
      return fail(ErrorCode::invalid_argument, fmt::format("-o endpoint expects an http(s) URL, got '{}'", value),
                  "for example: -o endpoint https://s3.eu-west-1.amazonaws.com");
    }
  }
  return {};
}

HttpSettings http_settings_from(const BackendOptions& options, const HttpSettings& defaults) {
  HttpSettings out = defaults;
  if (auto t = option_value(options, "timeout")) {
    if (auto seconds = parse_positive(*t)) {
      out.low_speed_seconds = std::max(1L, *seconds);
      out.connect_timeout_ms = std::max(1L, *seconds) * 1000;
    }
  }
  if (auto r = option_value(options, "retries")) {
    if (auto retries = parse_positive(*r)) out.attempts = static_cast<int>(*retries) + 1;
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> read_ini_section(const std::filesystem::path& file,
                                                                  std::string_view section) {
  std::vector<std::pair<std::string, std::string>> out;
  std::ifstream in(file);
  if (!in) return out;
  std::string line;
  bool inside = false;
  while (std::getline(in, line)) {
    std::string text = trim(line);
    if (text.empty() || text[0] == '#' || text[0] == ';') continue;
    if (text.front() == '[' && text.back() == ']') {
      inside = trim(std::string_view(text).substr(1, text.size() - 2)) == section;
      continue;
    }
    if (!inside) continue;
    auto eq = text.find('=');
    if (eq == std::string::npos) continue;
    out.emplace_back(trim(std::string_view(text).substr(0, eq)), trim(std::string_view(text).substr(eq + 1)));
  }
  return out;
}

namespace {

AwsCredentials credentials_from_profile(const core::Environment& env, const std::string& profile) {
  AwsCredentials out;
  auto take = [&](const std::vector<std::pair<std::string, std::string>>& values) {
    for (const auto& [k, v] : values) {
      if (k == "aws_access_key_id" && out.access_key_id.empty()) out.access_key_id = v;
      if (k == "aws_secret_access_key" && out.secret_access_key.empty()) out.secret_access_key = v;
      if (k == "aws_session_token" && out.session_token.empty()) out.session_token = v;
    }
  };
  take(read_ini_section(home_file(env, "AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials"), profile));
  std::string config_section = profile == "default" ? profile : "profile " + profile;
  take(read_ini_section(home_file(env, "AWS_CONFIG_FILE", ".aws/config"), config_section));
  return out;
}

}  // namespace

Result<AwsCredentials> find_aws_credentials(std::string_view protocol, const BackendOptions& options,
                                            std::string_view location, const core::Environment& env) {
  if (auto profile = option_value(options, "profile")) {
    auto found = credentials_from_profile(env, *profile);
    if (found.access_key_id.empty() || found.secret_access_key.empty()) {
      return fail(ErrorCode::not_found,
                  fmt::format("the profile '{}' of storage location '{}' has no access keys", *profile, location),
                  "add aws_access_key_id and aws_secret_access_key to it in ~/.aws/credentials");
    }
    return found;
  }
  if (protocol == "gs" && !env.get("GS_ACCESS_KEY_ID").empty()) {
    return AwsCredentials{env.get("GS_ACCESS_KEY_ID"), env.get("GS_SECRET_ACCESS_KEY"), ""};
  }
  if (!env.get("AWS_ACCESS_KEY_ID").empty()) {
    return AwsCredentials{env.get("AWS_ACCESS_KEY_ID"), env.get("AWS_SECRET_ACCESS_KEY"), env.get("AWS_SESSION_TOKEN")};
  }
  std::string profile = env.get("AWS_PROFILE");
  return credentials_from_profile(env, profile.empty() ? "default" : profile);
}

std::string find_aws_region(const BackendOptions& options, const core::Environment& env) {
  if (auto region = option_value(options, "region")) return *region;
  if (auto region = env.get("AWS_REGION"); !region.empty()) return region;
  if (auto region = env.get("AWS_DEFAULT_REGION"); !region.empty()) return region;
  std::string profile = option_value(options, "profile").value_or(env.get("AWS_PROFILE"));
  if (profile.empty()) profile = "default";
  std::string section = profile == "default" ? profile : "profile " + profile;
  for (const auto& [k, v] : read_ini_section(home_file(env, "AWS_CONFIG_FILE", ".aws/config"), section)) {
    if (k == "region" && !v.empty()) return v;
  }
  return "us-east-1";
}

}  // namespace ldb::storage

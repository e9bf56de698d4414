#include "storage/azure_auth.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <ctime>

#include <fmt/format.h>

#include "storage/crypto.hpp"
#include "storage/url.hpp"

namespace ldb::storage {

namespace {

std::string field(const std::vector<std::pair<std::string, std::string>>& fields, std::string_view name) {
  for (const auto& [k, v] : fields) {
    if (ascii_lower(k) == ascii_lower(name)) return v;
  }
  return {};
}

}  // namespace

std::vector<std::pair<std::string, std::string>> parse_connection_string(std::string_view text) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!text.empty()) {
    auto semi = text.find(';');
    std::string_view part = text.substr(0, semi);
    auto eq = part.find('=');
    if (eq != std::string_view::npos)
      out.emplace_back(std::string(part.substr(0, eq)), std::string(part.substr(eq + 1)));
    if (semi == std::string_view::npos) break;
    text.remove_prefix(semi + 1);
  }
  return out;
}

Result<AzureConfig> make_azure_config(const BackendOptions& options, std::string_view location,
                                      const HttpSettings& http_defaults, const core::Environment& env) {
  AzureConfig config;
  config.location = std::string(location);
  config.http = http_settings_from(options, http_defaults);
  config.anonymous = option_flag(options, "anon", false);
  auto connection = parse_connection_string(env.get("AZURE_STORAGE_CONNECTION_STRING"));
  config.account = option_value(options, "account").value_or(env.get("AZURE_STORAGE_ACCOUNT"));
  if (config.account.empty()) config.account = field(connection, "AccountName");
  config.endpoint = option_value(options, "endpoint").value_or(field(connection, "BlobEndpoint"));
  if (config.account.empty()) {
    return fail(ErrorCode::invalid_argument, fmt::format("no Azure storage account for '{}'", location),
                "register the location with -o account NAME, or set AZURE_STORAGE_ACCOUNT");
  }
  if (config.endpoint.empty()) {
    std::string protocol = field(connection, "DefaultEndpointsProtocol");
    std::string suffix = field(connection, "EndpointSuffix");
    config.endpoint = fmt::format("{}://{}.blob.{}", protocol.empty() ? "https" : protocol, config.account,
                                  suffix.empty() ? "core.windows.net" : suffix);
  }
  while (config.endpoint.ends_with('/')) config.endpoint.pop_back();
  if (config.anonymous) return config;
  std::string key = field(connection, "AccountKey");
  if (key.empty()) key = env.get("AZURE_STORAGE_KEY");
  std::string sas = field(connection, "SharedAccessSignature");
  if (sas.empty()) sas = env.get("AZURE_STORAGE_SAS_TOKEN");
  if (!sas.empty() && sas.front() == '?') sas.erase(0, 1);
  if (!key.empty()) {
    auto decoded =
        base64_decode(key, "the Azure account key (AZURE_STORAGE_KEY or the connection string's AccountKey)");
    if (!decoded) return std::unexpected(decoded.error());
    config.account_key = std::move(*decoded);
  } else if (!sas.empty()) {
    config.sas_token = std::move(sas);
  } else {
    return fail(ErrorCode::invalid_argument, fmt::format("no Azure credentials for '{}'", location),
                "set AZURE_STORAGE_KEY, AZURE_STORAGE_SAS_TOKEN or AZURE_STORAGE_CONNECTION_STRING, or register the "
                "location with -o anon true for a public container");
  }
  return config;
}

std::string azure_string_to_sign(const std::string& method, const HeaderList& headers, const std::string& account,
                                 const std::string& encoded_path,
                                 const std::vector<std::pair<std::string, std::string>>& query) {
  auto header = [&](std::string_view name) -> std::string {
    for (const auto& [k, v] : headers) {
      if (ascii_lower(k) == name) return v;
    }
    return {};
  };
  std::string length = header("content-length");
  if (length == "0") length.clear();
  std::string out = method + "\n";
  for (std::string_view name : {"content-encoding", "content-language"}) out += header(name) + "\n";
  out += length + "\n";
  for (std::string_view name : {"content-md5", "content-type", "date", "if-modified-since", "if-match", "if-none-match",
                                "if-unmodified-since", "range"}) {
    out += header(name) + "\n";
  }
  std::vector<std::pair<std::string, std::string>> ms;
  for (const auto& [k, v] : headers) {
    std::string name = ascii_lower(k);
    if (name.starts_with("x-ms-")) ms.emplace_back(name, v);
  }
  std::sort(ms.begin(), ms.end());
  for (const auto& [k, v] : ms) out += k + ":" + v + "\n";
  out += "/" + account + (encoded_path.empty() ? "/" : encoded_path);
  std::vector<std::pair<std::string, std::string>> params;
  for (const auto& [k, v] : query) params.emplace_back(ascii_lower(k), v);
  std::sort(params.begin(), params.end());
  for (std::size_t i = 0; i < params.size();) {
    std::string line = "\n" + params[i].first + ":" + params[i].second;
    std::size_t j = i + 1;
    for (; j < params.size() && params[j].first == params[i].first; ++j) line += "," + params[j].second;
    out += line;
    i = j;
  }
  return out;
}

std::string azure_authorization(const std::string& account, const std::string& account_key,
                                const std::string& string_to_sign) {
  return fmt::format("SharedKey {}:{}", account, base64_encode(hmac_sha256(account_key, string_to_sign)));
}

std::string http_date_now() {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  static constexpr const char* k_days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* k_months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                             "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  return fmt::format("{}, {:02} {} {} {:02}:{:02}:{:02} GMT", k_days[utc.tm_wday], utc.tm_mday, k_months[utc.tm_mon],
                     utc.tm_year + 1900, utc.tm_hour, utc.tm_min, utc.tm_sec);
}

}  // namespace ldb::storage

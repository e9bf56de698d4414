#pragma once
// Per-location backend options (`ldb add-storage -o KEY VALUE`) and where
// credentials come from. Options hold only names and non-secret values
// (endpoint, region, profile, anon, account, addressing, timeout, retries);
// secrets come from the environment or the usual credential files and are
// never stored in the instance.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/environment.hpp"
#include "core/error.hpp"
#include "storage/http_client.hpp"
#include "storage/sigv4.hpp"

namespace ldb::storage {

using BackendOptions = std::vector<std::pair<std::string, std::string>>;

// The value of option `key` (the last one given wins).
std::optional<std::string> option_value(const BackendOptions& options, std::string_view key);

// Checks the options for a location of `protocol` ("s3", "gs", "az", "https",
// "file"): unknown keys and malformed values are invalid_argument, and a
// secret (a key, secret, token, SAS or connection string) is refused with a
// hint naming the environment variable to use instead.
Status validate_options(std::string_view protocol, const BackendOptions& options);

// Reads a boolean option ("true"/"false", "yes"/"no", "1"/"0"); `fallback`
// when absent.
bool option_flag(const BackendOptions& options, std::string_view key, bool fallback);

// HTTP settings from the options "timeout" (seconds without progress before a
// request is abandoned) and "retries" (extra tries), over `defaults`.
HttpSettings http_settings_from(const BackendOptions& options, const HttpSettings& defaults);

// One section of an INI-style AWS file (~/.aws/credentials, ~/.aws/config).
// Empty when the file or section is missing.
std::vector<std::pair<std::string, std::string>> read_ini_section(const std::filesystem::path& file,
                                                                  std::string_view section);

// AWS credentials for a location, in the AWS CLI's order: with an explicit
// `profile` option, that profile from AWS_SHARED_CREDENTIALS_FILE
// (~/.aws/credentials) then AWS_CONFIG_FILE (~/.aws/config), and not_found
// if it has no keys; otherwise AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY /
// AWS_SESSION_TOKEN, then AWS_PROFILE (or "default") from the files. Empty
// credentials when none are found. For gs://, GS_ACCESS_KEY_ID /
// GS_SECRET_ACCESS_KEY (Cloud Storage HMAC keys) come before the AWS ones.
Result<AwsCredentials> find_aws_credentials(std::string_view protocol, const BackendOptions& options,
                                            std::string_view location, const core::Environment& env);

// The region for an s3:// location: the "region" option, AWS_REGION,
// AWS_DEFAULT_REGION, the profile's region in ~/.aws/config, or us-east-1.
std::string find_aws_region(const BackendOptions& options, const core::Environment& env);

}  // namespace ldb::storage

#pragma once
// Azure Blob Storage configuration and Shared Key signing. Shared Key signs a
// canonical string built from the verb, standard headers, the x-ms-* headers
// and the resource ("Authorize with Shared Key", Azure Storage REST docs);
// a SAS token is appended to the query string instead.

#include <string>
#include <vector>

#include "core/error.hpp"
#include "storage/backend_options.hpp"
#include "storage/sigv4.hpp"

namespace ldb::storage {

struct AzureConfig {
  std::string account;
  std::string endpoint;     // "https://ACCOUNT.blob.core.windows.net" or "http://127.0.0.1:10000/ACCOUNT"
  std::string account_key;  // raw bytes (decoded from base64); empty with SAS or anonymous
  std::string sas_token;    // without the leading '?'
  bool anonymous = false;
  HttpSettings http;
  std::string location;  // the registered prefix, for messages
};

// The configuration of an az:// location. Account: -o account, else
// AZURE_STORAGE_ACCOUNT, else the connection string's AccountName. Endpoint:
// -o endpoint, else the connection string's BlobEndpoint, else
// https://ACCOUNT.blob.core.windows.net. Credentials (never options):
// AZURE_STORAGE_CONNECTION_STRING (AccountKey or SharedAccessSignature),
// AZURE_STORAGE_KEY, AZURE_STORAGE_SAS_TOKEN; -o anon true sends none.
Result<AzureConfig> make_azure_config(const BackendOptions& options, std::string_view location,
                                      const HttpSettings& http_defaults, const core::Environment& env);

// "key=value;key=value" connection-string fields.
std::vector<std::pair<std::string, std::string>> parse_connection_string(std::string_view text);

// The Shared Key string to sign for a request. `headers` are the request's
// headers (any case); `encoded_path` the URL path as sent; `query` the raw
// (decoded) parameters.
std::string azure_string_to_sign(const std::string& method, const HeaderList& headers, const std::string& account,
                                 const std::string& encoded_path,
                                 const std::vector<std::pair<std::string, std::string>>& query);

// "SharedKey ACCOUNT:SIGNATURE" for the string to sign.
std::string azure_authorization(const std::string& account, const std::string& account_key,
                                const std::string& string_to_sign);

// An RFC 1123 date for x-ms-date ("Sun, 06 Nov 1994 08:49:37 GMT"), now.
std::string http_date_now();

}  // namespace ldb::storage

#pragma once
// A small HTTP client over libcurl for the object-store backends: one easy
// handle per thread (reused, so connections are kept alive), connect and
// low-speed timeouts so that no request hangs, and retries with exponential
// backoff on connection failures, 429 and 5xx answers (S3's 503 SlowDown).
// Thread-safe: any thread may call http_perform concurrently.

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "storage/sigv4.hpp"

namespace ldb::storage {

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  HeaderList headers;     // sent as given
  std::string_view body;  // for PUT; must outlive the call
};

struct HttpResponse {
  long status = 0;
  HeaderList headers;         // names lower-cased, values trimmed
  std::string body;           // the whole body, unless a sink took a 2xx body
  std::string effective_url;  // the URL answered, after any redirects

  // The value of the first header named `name` (lower-case), if any.
  std::optional<std::string> header(std::string_view name) const;
};

struct HttpSettings {
  long connect_timeout_ms = 10'000;
  // A transfer slower than 1 byte/s for this long is abandoned (and retried).
  long low_speed_seconds = 30;
  int attempts = 4;       // tries per request, the first included
  long backoff_ms = 200;  // the wait before the second try; doubled each time
  bool follow_redirects = false;
};

// Receives the body of a 2xx answer in chunks. `write` returns false to abort
// the transfer (the error it wants reported is the caller's to keep);
// `restart` is called before a retry, to drop what a failed try delivered.
struct BodySink {
  std::function<bool(std::string_view)> write;
  std::function<void()> restart;
};

// Builds the request with `build` (called again for every try, so signatures
// carry a fresh date), performs it and retries as described above. Returns the
// final answer whatever its status (the caller maps 4xx/5xx to errors); io
// error naming `subject` and the server (never the query string, which may
// hold a SAS token) when no answer came after every try.
Result<HttpResponse> http_perform(const HttpSettings& settings, const std::function<Result<HttpRequest>()>& build,
                                  BodySink* sink, std::string_view subject);

// "scheme://host[:port]" of a URL: what error messages may show of it.
std::string url_origin(std::string_view url);

}  // namespace ldb::storage

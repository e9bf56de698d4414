#include "storage/http_client.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <mutex>
#include <thread>

#include <fmt/format.h>

namespace ldb::storage {

namespace {

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// The calling thread's easy handle, created on first use and reset (keeping
// its connection cache) before each request.
class ThreadHandle {
 public:
  ThreadHandle() {
    global_init();
    m_handle = curl_easy_init();
  }
  ~ThreadHandle() {
    if (m_handle) curl_easy_cleanup(m_handle);
  }
  ThreadHandle(const ThreadHandle&) = delete;
  ThreadHandle& operator=(const ThreadHandle&) = delete;
  CURL* get() { return m_handle; }

 private:
  CURL* m_handle = nullptr;
};

struct Transfer {
  CURL* curl = nullptr;
  HttpResponse* response = nullptr;
  BodySink* sink = nullptr;
  std::string_view upload;
  std::size_t uploaded = 0;
  bool sink_refused = false;
};

std::string trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  return std::string(text);
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  std::string_view line(data, size * count);
  if (line.starts_with("HTTP/")) {
    transfer->response->headers.clear();  // a new answer (after 100-continue or a redirect)
    return size * count;
  }
  auto colon = line.find(':');
  if (colon == std::string_view::npos) return size * count;
  std::string name = trim(line.substr(0, colon));
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  transfer->response->headers.emplace_back(std::move(name), trim(line.substr(colon + 1)));
  return size * count;
}

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  std::string_view chunk(data, size * count);
  long status = 0;
  curl_easy_getinfo(transfer->curl, CURLINFO_RESPONSE_CODE, &status);
  if (transfer->sink && status >= 200 && status < 300) {
    if (!transfer->sink->write(chunk)) {
      transfer->sink_refused = true;
      return 0;  // aborts the transfer
    }
    return chunk.size();
  }
  // Error answers are small XML documents; keep at most 64 KiB of one.
  if (transfer->response->body.size() < 64 * 1024) transfer->response->body += chunk;
  return chunk.size();
}

std::size_t on_upload(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  std::size_t n = std::min(size * count, transfer->upload.size() - transfer->uploaded);
  std::copy_n(transfer->upload.data() + transfer->uploaded, n, buffer);
  transfer->uploaded += n;
  return n;
}

bool retryable_status(long status) { return status == 429 || (status >= 500 && status <= 599 && status != 501); }

bool retryable_curl_error(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_COULDNT_RESOLVE_HOST:
      return true;
    default:
      return false;
  }
}

}  // namespace

std::optional<std::string> HttpResponse::header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (n == name) return v;
  }
  return std::nullopt;
}

std::string url_origin(std::string_view url) {
  auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return "the server";
  auto path_start = url.find_first_of("/?#", scheme_end + 3);
  std::string_view origin = url.substr(0, path_start);
  // Drop any user:password@ part.
  if (auto at = origin.find('@'); at != std::string_view::npos) {
    return std::string(origin.substr(0, scheme_end + 3)) + std::string(origin.substr(at + 1));
  }
  return std::string(origin);
}

Result<HttpResponse> http_perform(const HttpSettings& settings, const std::function<Result<HttpRequest>()>& build,
                                  BodySink* sink, std::string_view subject) {
  thread_local ThreadHandle handle;
  CURL* curl = handle.get();
  if (curl == nullptr) return fail(ErrorCode::internal, "libcurl could not create a handle", "");
  int attempts = std::max(1, settings.attempts);
  std::string last_failure;
  std::string origin;
  for (int attempt = 1; attempt <= attempts; ++attempt) {
    if (attempt > 1) {
      long wait = settings.backoff_ms << std::min(attempt - 2, 6);
      std::this_thread::sleep_for(std::chrono::milliseconds(wait));
      if (sink && sink->restart) sink->restart();
    }
    auto request = build();
    if (!request) return std::unexpected(std::move(request).error());
    origin = url_origin(request->url);
    HttpResponse response;
    Transfer transfer{curl, &response, sink, request->body};
    curl_easy_reset(curl);
    curl_easy_setopt(curl, CURLOPT_URL, request->url.c_str());
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, settings.connect_timeout_ms);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, settings.low_speed_seconds);
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, settings.follow_redirects ? 1L : 0L);
    curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &transfer);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "ldb/0.1");
    if (request->method == "HEAD") {
      curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    } else if (request->method == "PUT") {
      curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
      curl_easy_setopt(curl, CURLOPT_READFUNCTION, on_upload);
      curl_easy_setopt(curl, CURLOPT_READDATA, &transfer);
      curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(request->body.size()));
    } else if (request->method != "GET") {
      curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request->method.c_str());
    }
    struct curl_slist* list = nullptr;
    for (const auto& [name, value] : request->headers) {
      list = curl_slist_append(list, fmt::format("{}: {}", name, value).c_str());
    }
    if (request->method == "PUT") list = curl_slist_append(list, "Expect:");
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
    CURLcode code = curl_easy_perform(curl);
    curl_slist_free_all(list);
    if (transfer.sink_refused) {
      return fail(ErrorCode::io, fmt::format("reading '{}' from {} was stopped", subject, origin),
                  "see the error before this one");
    }
    if (code != CURLE_OK) {
      last_failure = curl_easy_strerror(code);
      if (code == CURLE_OPERATION_TIMEDOUT) last_failure = "the server stopped answering (timed out)";
      if (retryable_curl_error(code)) continue;
      break;
    }
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
    char* effective = nullptr;
    curl_easy_getinfo(curl, CURLINFO_EFFECTIVE_URL, &effective);
    if (effective) response.effective_url = effective;
    if (retryable_status(response.status) && attempt < attempts) continue;
    return response;
  }
  return fail(ErrorCode::io,
              fmt::format("could not read '{}' from {}: {} (tried {} time{})", subject, origin, last_failure,
                          attempts, attempts == 1 ? "" : "s"),
              "check that the server is up and reachable, and the endpoint in: ldb storage list --json");
}

}  // namespace ldb::storage

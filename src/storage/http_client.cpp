#include "storage/http_client.hpp"

#include <curl/curl.h>
#include <dlfcn.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <mutex>
#include <thread>

#include <fmt/format.h>

namespace ldb::storage {

namespace {

// libcurl is loaded on the first request rather than linked. Linked, its
// dependency tree (some 30 libraries: TLS, Kerberos, LDAP, SSH, IDN...) costs
// every ldb process about 5 ms of dynamic loading, a quarter of a 20 ms
// `ldb status`, though only commands that reach a server use it.
struct Curl {
  decltype(&::curl_global_init) global_init = nullptr;
  decltype(&::curl_easy_init) easy_init = nullptr;
  decltype(&::curl_easy_cleanup) easy_cleanup = nullptr;
  decltype(&::curl_easy_reset) easy_reset = nullptr;
  decltype(&::curl_easy_setopt) easy_setopt = nullptr;
  decltype(&::curl_easy_perform) easy_perform = nullptr;
  decltype(&::curl_easy_getinfo) easy_getinfo = nullptr;
  decltype(&::curl_easy_strerror) easy_strerror = nullptr;
  decltype(&::curl_slist_append) slist_append = nullptr;
  decltype(&::curl_slist_free_all) slist_free_all = nullptr;
};

constexpr const char* k_curl_soname = "libcurl.so.4";

Result<const Curl*> load_curl() {
  static const Result<const Curl*> loaded = []() -> Result<const Curl*> {
    auto cannot = [](std::string why) {
      return fail(ErrorCode::unsupported, fmt::format("cannot load libcurl ({}): {}", k_curl_soname, why),
                  "install it (apt-get install libcurl4); ldb needs it only for http, S3, GCS and Azure storage");
    };
    void* library = dlopen(k_curl_soname, RTLD_NOW | RTLD_LOCAL);
    if (library == nullptr) return cannot(dlerror());
    static Curl curl;
    std::string missing;
    auto bind = [&](auto& slot, const char* name) {
      slot = reinterpret_cast<std::remove_reference_t<decltype(slot)>>(dlsym(library, name));
      if (slot == nullptr) missing = name;
    };
    bind(curl.global_init, "curl_global_init");
    bind(curl.easy_init, "curl_easy_init");
    bind(curl.easy_cleanup, "curl_easy_cleanup");
    bind(curl.easy_reset, "curl_easy_reset");
    bind(curl.easy_setopt, "curl_easy_setopt");
    bind(curl.easy_perform, "curl_easy_perform");
    bind(curl.easy_getinfo, "curl_easy_getinfo");
    bind(curl.easy_strerror, "curl_easy_strerror");
    bind(curl.slist_append, "curl_slist_append");
    bind(curl.slist_free_all, "curl_slist_free_all");
    if (!missing.empty()) return cannot(fmt::format("it has no {}", missing));
    if (curl.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return cannot("curl_global_init failed");
    return &curl;
  }();
  return loaded;
}

// The calling thread's easy handle, created on first use and reset (keeping
// its connection cache) before each request.
class ThreadHandle {
 public:
  explicit ThreadHandle(const Curl& curl) : m_curl(curl), m_handle(curl.easy_init()) {}
  ~ThreadHandle() {
    if (m_handle) m_curl.easy_cleanup(m_handle);
  }
  ThreadHandle(const ThreadHandle&) = delete;
  ThreadHandle& operator=(const ThreadHandle&) = delete;
  CURL* get() { return m_handle; }

 private:
  const Curl& m_curl;
  CURL* m_handle = nullptr;
};

struct Transfer {
  const Curl* api = nullptr;
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
  transfer->api->easy_getinfo(transfer->curl, CURLINFO_RESPONSE_CODE, &status);
  if (transfer->sink && status >= 200 && status < 300) {
    if (!transfer->sink->write(chunk)) {
      transfer->sink_refused = true;
      return 0;  // aborts the transfer
    }
    return chunk.size();
  }
  // A success answer without a sink is kept whole (a listing page of 1000
  // keys, an annotation file); error answers are small XML documents: keep at
  // most 64 KiB of one.
  bool success = status >= 200 && status < 300;
  if (success || transfer->response->body.size() < 64 * 1024) transfer->response->body += chunk;
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
  auto api = load_curl();
  if (!api) return std::unexpected(api.error());
  const Curl& lib = **api;
  thread_local ThreadHandle handle(lib);
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
    Transfer transfer{&lib, curl, &response, sink, request->body};
    lib.easy_reset(curl);
    lib.easy_setopt(curl, CURLOPT_URL, request->url.c_str());
    lib.easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    lib.easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, settings.connect_timeout_ms);
    lib.easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
    lib.easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, settings.low_speed_seconds);
    lib.easy_setopt(curl, CURLOPT_FOLLOWLOCATION, settings.follow_redirects ? 1L : 0L);
    lib.easy_setopt(curl, CURLOPT_MAXREDIRS, 5L);
    lib.easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
    lib.easy_setopt(curl, CURLOPT_HEADERDATA, &transfer);
    lib.easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    lib.easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);
    lib.easy_setopt(curl, CURLOPT_USERAGENT, "ldb/0.1");
    if (request->method == "HEAD") {
      lib.easy_setopt(curl, CURLOPT_NOBODY, 1L);
    } else if (request->method == "PUT") {
      lib.easy_setopt(curl, CURLOPT_UPLOAD, 1L);
      lib.easy_setopt(curl, CURLOPT_READFUNCTION, on_upload);
      lib.easy_setopt(curl, CURLOPT_READDATA, &transfer);
      lib.easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(request->body.size()));
    } else if (request->method != "GET") {
      lib.easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request->method.c_str());
    }
    struct curl_slist* list = nullptr;
    for (const auto& [name, value] : request->headers) {
      list = lib.slist_append(list, fmt::format("{}: {}", name, value).c_str());
    }
    if (request->method == "PUT") list = lib.slist_append(list, "Expect:");
    lib.easy_setopt(curl, CURLOPT_HTTPHEADER, list);
    CURLcode code = lib.easy_perform(curl);
    lib.slist_free_all(list);
    if (transfer.sink_refused) {
      return fail(ErrorCode::io, fmt::format("reading '{}' from {} was stopped", subject, origin),
                  "see the error before this one");
    }
    if (code != CURLE_OK) {
      last_failure = lib.easy_strerror(code);
      if (code == CURLE_OPERATION_TIMEDOUT) last_failure = "the server stopped answering (timed out)";
      if (retryable_curl_error(code)) continue;
      break;
    }
    lib.easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
    char* effective = nullptr;
    lib.easy_getinfo(curl, CURLINFO_EFFECTIVE_URL, &effective);
    if (effective) response.effective_url = effective;
    if (retryable_status(response.status) && attempt < attempts) continue;
    return response;
  }
  return fail(ErrorCode::io,
              fmt::format("could not read '{}' from {}: {} (tried {} time{})", subject, origin, last_failure, attempts,
                          attempts == 1 ? "" : "s"),
              "check that the server is up and reachable, and the endpoint in: ldb storage list --json");
}

}  // namespace ldb::storage

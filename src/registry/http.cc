// libcurl transport: per-thread easy handles, streamed bodies, manual redirects, Go-worded errors.
#include "registry/http.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <mutex>

#include "base/file.h"
#include "base/strings.h"

namespace skiff::registry::http {

namespace {

constexpr const char* kSystemCaBundle = "/etc/ssl/certs/ca-certificates.crt";
constexpr long kRecvBuffer = 1L << 20;        // CURLOPT_BUFFERSIZE: 1 MiB reads from the socket
constexpr long kSendBuffer = 2L << 20;        // CURLOPT_UPLOAD_BUFFERSIZE: curl's maximum, 2 MiB
constexpr size_t kErrorBodyCap = 1u << 20;    // non-2xx bodies kept for error messages
constexpr int kMaxRedirects = 10;

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct CurlCleanup {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
using CurlPtr = std::unique_ptr<CURL, CurlCleanup>;
struct SlistFree {
  void operator()(curl_slist* s) const { curl_slist_free_all(s); }
};
using SlistPtr = std::unique_ptr<curl_slist, SlistFree>;

// One easy handle per thread, reused (its connection cache with it); a nested request on the same thread
// (a callback that issues one) gets a handle of its own.
thread_local CurlPtr tl_handle;
thread_local bool tl_busy = false;

class HandleLease {
 public:
  HandleLease() {
    GlobalInit();
    if (!tl_busy) {
      if (!tl_handle) tl_handle.reset(curl_easy_init());
      h_ = tl_handle.get();
      shared_ = true;
      tl_busy = true;
      curl_easy_reset(h_);
    } else {
      own_.reset(curl_easy_init());
      h_ = own_.get();
    }
  }
  ~HandleLease() {
    if (shared_) tl_busy = false;
  }
  HandleLease(const HandleLease&) = delete;
  HandleLease& operator=(const HandleLease&) = delete;
  CURL* get() const { return h_; }

 private:
  CURL* h_ = nullptr;
  CurlPtr own_;
  bool shared_ = false;
};

struct Transfer {
  const Request* req = nullptr;
  Response* resp = nullptr;
  bool follow = false;        // the request follows redirects
  bool final_head = false;    // the final response's headers are complete
  bool to_sink = false;       // body bytes go to req->sink
  std::optional<Error> err;   // from a callback
};

bool IsRedirect(int status) { return status == 301 || status == 302 || status == 303 || status == 307 || status == 308; }

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string_view line(data, size * n);
  size_t total = size * n;
  if (line.starts_with("HTTP/")) {
    t->resp->headers.clear();
    auto parts = SplitN(Trim(line), ' ', 3);
    t->resp->status = parts.size() > 1 ? static_cast<int>(ParseInt(parts[1]).value_or(0)) : 0;
    t->resp->reason = parts.size() > 2 ? std::string(Trim(parts[2])) : std::string();
    return total;
  }
  if (Trim(line).empty()) {
    int st = t->resp->status;
    if (st < 200) return total;  // 100 Continue and friends
    if (t->follow && IsRedirect(st) && !t->resp->Header("location").empty()) return total;
    t->final_head = true;
    t->to_sink = st >= 200 && st < 300 && t->req->sink != nullptr;
    if (t->req->on_head) {
      Status s = t->req->on_head(*t->resp);
      if (!s.ok()) {
        t->err = s.error();
        return 0;
      }
    }
    return total;
  }
  auto colon = line.find(':');
  if (colon != std::string_view::npos) {
    t->resp->headers.emplace_back(ToLower(Trim(line.substr(0, colon))), std::string(Trim(line.substr(colon + 1))));
  }
  return total;
}

size_t OnWrite(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t total = size * n;
  if (t->to_sink) {
    Status s = t->req->sink(data, total);
    if (!s.ok()) {
      t->err = s.error();
      return 0;
    }
    return total;
  }
  bool ok2xx = t->resp->status >= 200 && t->resp->status < 300;
  if (ok2xx || t->resp->body.size() < kErrorBodyCap) t->resp->body.append(data, total);
  return total;
}

size_t OnRead(char* buf, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  auto r = t->req->read_body(buf, size * n);
  if (!r.ok()) {
    t->err = r.error();
    return CURL_READFUNC_ABORT;
  }
  return *r;
}

std::string HostPortOf(const std::string& url) {
  std::string o = Origin(url);
  auto p = o.find("://");
  if (p == std::string::npos) return o;
  std::string hp = o.substr(p + 3);
  bool has_port = hp.rfind(':') != std::string::npos && hp.back() != ']';
  if (!has_port) hp += o.starts_with("https") ? ":443" : ":80";
  return hp;
}

std::string HostOnly(const std::string& url) {
  std::string hp = HostPortOf(url);
  if (!hp.empty() && hp.front() == '[') return hp.substr(1, hp.find(']') - 1);
  return hp.substr(0, hp.rfind(':'));
}

// curl's failure worded as Go's net/http would word it.
std::string TransportText(CURLcode rc, const char* errbuf, long os_errno, const std::string& url) {
  std::string eb = errbuf && *errbuf ? errbuf : curl_easy_strerror(rc);
  switch (rc) {
    case CURLE_COULDNT_CONNECT:
      return "dial tcp " + HostPortOf(url) + ": connect: " +
             (os_errno ? GoErrnoText(static_cast<int>(os_errno)) : std::string("connection refused"));
    case CURLE_COULDNT_RESOLVE_HOST:
      return "dial tcp: lookup " + HostOnly(url) + ": no such host";
    case CURLE_PEER_FAILED_VERIFICATION: {
      std::string low = ToLower(eb);
      if (low.find("local issuer") != std::string::npos || low.find("self-signed") != std::string::npos ||
          low.find("self signed") != std::string::npos || low.find("unable to get issuer") != std::string::npos)
        return "x509: certificate signed by unknown authority";
      if (low.find("expired") != std::string::npos || low.find("not yet valid") != std::string::npos)
        return "x509: certificate has expired or is not yet valid";
      if (low.find("subject name") != std::string::npos || low.find("does not match") != std::string::npos)
        return "x509: certificate is not valid for " + HostOnly(url);
      return "x509: " + eb;
    }
    case CURLE_SSL_CONNECT_ERROR:
      if (eb.find("wrong version number") != std::string::npos || eb.find("packet length too long") != std::string::npos)
        return "http: server gave HTTP response to HTTPS client";
      return "tls: " + eb;
    case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
      return "unexpected EOF (" + eb + ")";
    case CURLE_OPERATION_TIMEDOUT:
      return "i/o timeout (" + eb + ")";
    default:
      return eb;
  }
}

}  // namespace

std::string Response::Header(std::string_view name) const {
  std::string n = ToLower(name);
  for (const auto& [k, v] : headers) {
    if (k == n) return v;
  }
  return {};
}

std::vector<std::string> Response::Headers(std::string_view name) const {
  std::string n = ToLower(name);
  std::vector<std::string> out;
  for (const auto& [k, v] : headers) {
    if (k == n) out.push_back(v);
  }
  return out;
}

std::string GoMethod(std::string_view method) {
  std::string m = ToLower(method);
  if (!m.empty()) m[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(m[0])));
  return m;
}

std::string Origin(const std::string& url) {
  auto p = url.find("://");
  if (p == std::string::npos) return {};
  auto end = url.find_first_of("/?#", p + 3);
  return ToLower(url.substr(0, end));
}

Result<std::string> ResolveUrl(const std::string& base, const std::string& ref) {
  if (ref.starts_with("http://") || ref.starts_with("https://")) return ref;
  std::string origin = Origin(base);
  if (origin.empty()) return Error(Errc::kInvalidArgument, "cannot resolve " + ref + " against " + base);
  if (ref.starts_with("//")) return origin.substr(0, origin.find("://") + 1) + ref;
  if (ref.starts_with("/")) return origin + ref;
  // A relative path: replace the last segment of base's path.
  std::string path = base.substr(origin.size());
  path = path.substr(0, path.find_first_of("?#"));
  auto slash = path.rfind('/');
  path = slash == std::string::npos ? "/" : path.substr(0, slash + 1);
  return origin + path + ref;
}

std::string QueryEscape(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

Result<TlsConfig> LoadTlsConfig(const std::string& certs_dir, const std::string& hostport, bool verify) {
  TlsConfig tls;
  tls.verify = verify;
  if (certs_dir.empty() || hostport.empty()) return tls;
  std::string dir = JoinPath(certs_dir, hostport);
  if (!IsDirectory(dir)) return tls;
  std::vector<std::string> names = ListDir(dir);
  std::sort(names.begin(), names.end());
  std::string cas;
  for (const auto& n : names) {
    std::string path = JoinPath(dir, n);
    if (n.ends_with(".crt")) {
      std::string pem = SKIFF_TRY(ReadFile(path));
      cas += pem;
      if (!pem.empty() && pem.back() != '\n') cas += '\n';
    } else if (n.ends_with(".cert")) {
      std::string key = n.substr(0, n.size() - 5) + ".key";
      if (std::find(names.begin(), names.end(), key) == names.end())
        return Error(Errc::kInvalidArgument,
                     "missing key " + key + " for client certificate " + n + ". CA certificates must use the extension .crt");
      if (tls.client_cert.empty()) {
        tls.client_cert = path;
        tls.client_key = JoinPath(dir, key);
      }
    } else if (n.ends_with(".key")) {
      std::string cert = n.substr(0, n.size() - 4) + ".cert";
      if (std::find(names.begin(), names.end(), cert) == names.end())
        return Error(Errc::kInvalidArgument, "missing client certificate " + cert + " for key " + n);
    }
  }
  if (!cas.empty()) {
    auto system = ReadFile(kSystemCaBundle);
    tls.ca_pem = (system.ok() ? *system + "\n" : std::string()) + cas;
  }
  return tls;
}

Result<Response> Transport::Do(const Request& req) const {
  std::string url = req.url;
  bool send_auth = true;
  std::string origin = Origin(req.url);
  for (int hop = 0;; ++hop) {
    Response resp = SKIFF_TRY(DoOnce(req, url, send_auth));
    if (!req.follow_redirects || !IsRedirect(resp.status) || resp.Header("location").empty()) return resp;
    if (hop >= kMaxRedirects)
      return Error(Errc::kUnavailable, GoMethod(req.method) + " \"" + url + "\": stopped after 10 redirects");
    url = SKIFF_TRY(ResolveUrl(url, resp.Header("location")));
    if (Origin(url) != origin) send_auth = false;
  }
}

Result<Response> Transport::DoOnce(const Request& req, const std::string& url, bool send_auth) const {
  HandleLease lease;
  CURL* h = lease.get();
  if (!h) return Error(Errc::kInternal, "curl_easy_init failed");
  Response resp;
  resp.url = url;
  Transfer t;
  t.req = &req;
  t.resp = &resp;
  t.follow = req.follow_redirects;
  char errbuf[CURL_ERROR_SIZE] = {0};

  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(h, CURLOPT_USERAGENT, user_agent_.c_str());
  curl_easy_setopt(h, CURLOPT_BUFFERSIZE, kRecvBuffer);
  curl_easy_setopt(h, CURLOPT_UPLOAD_BUFFERSIZE, kSendBuffer);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 30L);
  // A connection that stalls for two minutes is dead (Docker has no overall timeout either).
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 120L);
  curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, OnWrite);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &t);
  // TLS
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, tls_.verify ? 1L : 0L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, tls_.verify ? 2L : 0L);
  curl_blob ca{};
  if (!tls_.ca_pem.empty()) {
    ca.data = const_cast<char*>(tls_.ca_pem.data());
    ca.len = tls_.ca_pem.size();
    ca.flags = CURL_BLOB_NOCOPY;
    curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &ca);
  }
  if (!tls_.client_cert.empty()) {
    curl_easy_setopt(h, CURLOPT_SSLCERT, tls_.client_cert.c_str());
    curl_easy_setopt(h, CURLOPT_SSLKEY, tls_.client_key.c_str());
  }

  curl_slist* raw = nullptr;
  for (const auto& hd : req.headers) raw = curl_slist_append(raw, hd.c_str());
  if (send_auth && !req.authorization.empty()) raw = curl_slist_append(raw, ("Authorization: " + req.authorization).c_str());
  raw = curl_slist_append(raw, "Expect:");
  raw = curl_slist_append(raw, req.content_type.empty() ? "Content-Type:" : ("Content-Type: " + req.content_type).c_str());
  SlistPtr headers(raw);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());

  const std::string& m = req.method;
  if (m == "HEAD") {
    curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
  } else if (req.read_body) {
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);  // PUT with a streamed body of unknown length: chunked
    curl_easy_setopt(h, CURLOPT_READFUNCTION, OnRead);
    curl_easy_setopt(h, CURLOPT_READDATA, &t);
    if (m != "PUT") curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, m.c_str());
  } else if (m != "GET" && m != "DELETE") {
    std::string_view body = req.body.value_or(std::string_view());
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.data() ? body.data() : "");
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    if (m != "POST") curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, m.c_str());
  } else if (m == "DELETE") {
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "DELETE");
  }

  CURLcode rc = curl_easy_perform(h);
  if (t.err) return *t.err;
  if (rc != CURLE_OK) {
    long os_errno = 0;
    curl_easy_getinfo(h, CURLINFO_OS_ERRNO, &os_errno);
    return Error(Errc::kUnavailable, GoMethod(m) + " \"" + url + "\": " + TransportText(rc, errbuf, os_errno, url));
  }
  return resp;
}

}  // namespace skiff::registry::http

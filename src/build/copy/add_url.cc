#include "build/copy/add_url.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <memory>
#include <mutex>

#include "base/fd.h"
#include "base/file.h"
#include "base/strings.h"
#include "build/copy/paths.h"

namespace skiff::build::copy {
namespace {

struct Sink {
  int fd = -1;
  Sha256 hash;
  std::optional<Error> error;
  std::string status_line;  // the last "HTTP/1.1 404 Not Found"
};

size_t OnData(char* p, size_t size, size_t n, void* user) {
  auto* s = static_cast<Sink*>(user);
  size_t len = size * n;
  if (auto w = WriteAll(s->fd, std::string_view(p, len)); !w) {
    s->error = w.error();
    return 0;
  }
  s->hash.Update(p, len);
  return len;
}

size_t OnHeader(char* p, size_t size, size_t n, void* user) {
  auto* s = static_cast<Sink*>(user);
  std::string_view line(p, size * n);
  if (line.starts_with("HTTP/")) {
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
    s->status_line = std::string(line);
  }
  return size * n;
}

std::string TrimSpace(std::string s) {
  size_t a = s.find_first_not_of(" \t\r\n");
  if (a == std::string::npos) return "";
  size_t b = s.find_last_not_of(" \t\r\n");
  return s.substr(a, b - a + 1);
}

}  // namespace

Result<Digest> DownloadUrl(const std::string& url, const std::string& dir, const std::string& file_name,
                           const std::string& checksum) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  std::string path = JoinPath(dir, file_name);
  Sink sink;
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!fd) return GoSys("open " + path);
  sink.fd = fd.get();
  std::unique_ptr<CURL, void (*)(CURL*)> c(curl_easy_init(), curl_easy_cleanup);
  if (!c) return Error(Errc::kInternal, "curl_easy_init failed");
  char errbuf[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(c.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(c.get(), CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(c.get(), CURLOPT_MAXREDIRS, 10L);
  curl_easy_setopt(c.get(), CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c.get(), CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c.get(), CURLOPT_FILETIME, 1L);
  curl_easy_setopt(c.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c.get(), CURLOPT_USERAGENT, "Go-http-client/1.1");
  curl_easy_setopt(c.get(), CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c.get(), CURLOPT_WRITEFUNCTION, OnData);
  curl_easy_setopt(c.get(), CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(c.get(), CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(c.get(), CURLOPT_HEADERDATA, &sink);
  CURLcode rc = curl_easy_perform(c.get());
  if (sink.error) return *sink.error;
  if (rc != CURLE_OK) {
    std::string why = errbuf[0] ? errbuf : curl_easy_strerror(rc);
    return Error(Errc::kUnavailable, "Get \"" + url + "\": " + why);
  }
  long code = 0;
  curl_easy_getinfo(c.get(), CURLINFO_RESPONSE_CODE, &code);
  if (code >= 400) {
    std::string status = std::to_string(code);
    // "HTTP/1.0 404 File not found" -> "404 File not found" (Go's resp.Status).
    if (size_t sp = sink.status_line.find(' '); sp != std::string::npos) status = sink.status_line.substr(sp + 1);
    std::string body;
    if (::lseek(fd.get(), 0, SEEK_SET) == 0) body = ReadFd(fd.get()).value_or("");
    ::unlink(path.c_str());
    return Error(code == 404 ? Errc::kNotFound : Errc::kUnavailable,
                 "failed to GET " + url + " with status " + status + ": " + TrimSpace(body));
  }
  Digest got = sink.hash.Finish();
  if (!checksum.empty()) {
    auto want = Digest::Parse(checksum);
    if (!want) return Error(Errc::kInvalidArgument, "invalid checksum digest format: " + checksum);
    if (*want != got)
      return Error(Errc::kDataLoss, "checksum mismatch for " + url + ": expected " + want->str() + ", got " + got.str());
  }
  curl_off_t ft = -1;
  curl_easy_getinfo(c.get(), CURLINFO_FILETIME_T, &ft);
  struct timespec ts[2];
  ts[0].tv_sec = ts[1].tv_sec = ft > 0 ? static_cast<time_t>(ft) : 0;
  ts[0].tv_nsec = ts[1].tv_nsec = 0;
  if (::futimens(fd.get(), ts) != 0) return GoSys("chtimes " + path);
  return got;
}

}  // namespace skiff::build::copy

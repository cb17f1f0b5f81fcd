// ADD's URL sources (internal to skiff_build_copy): downloads with libcurl (redirects followed, the
// environment's proxies honoured) into a file of the given directory, mode 0600, mtime from
// Last-Modified (the Unix epoch without one), as dockerd 20.10's downloadSource; a status >= 400 is
// "failed to GET <url> with status 404 Not Found: <body>". The sha256 of the content comes back, and is
// checked against `checksum` ("sha256:<hex>") when one is given.
#pragma once

#include <string>

#include "base/digest.h"
#include "base/error.h"

namespace skiff::build::copy {

// Writes <dir>/<file_name>. Returns the content's digest.
Result<Digest> DownloadUrl(const std::string& url, const std::string& dir, const std::string& file_name,
                           const std::string& checksum);

}  // namespace skiff::build::copy

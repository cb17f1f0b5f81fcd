// The image model: OCI and Docker schema2 manifests, image indexes / manifest lists (platform selection),
// and the image config. The config's raw bytes are kept as the source of truth: an image's ID is the
// sha256 of exactly those bytes, as in Docker. Chain IDs are derived from the rootfs diff IDs.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/digest.h"
#include "base/json.h"

namespace skiff::image {

namespace media {
inline constexpr char kDockerManifest[] = "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr char kDockerList[] = "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr char kDockerConfig[] = "application/vnd.docker.container.image.v1+json";
inline constexpr char kDockerLayer[] = "application/vnd.docker.image.rootfs.diff.tar";
inline constexpr char kDockerLayerGzip[] = "application/vnd.docker.image.rootfs.diff.tar.gzip";
inline constexpr char kOciManifest[] = "application/vnd.oci.image.manifest.v1+json";
inline constexpr char kOciIndex[] = "application/vnd.oci.image.index.v1+json";
inline constexpr char kOciConfig[] = "application/vnd.oci.image.config.v1+json";
inline constexpr char kOciLayer[] = "application/vnd.oci.image.layer.v1.tar";
inline constexpr char kOciLayerGzip[] = "application/vnd.oci.image.layer.v1.tar+gzip";
inline constexpr char kOciLayerZstd[] = "application/vnd.oci.image.layer.v1.tar+zstd";
}  // namespace media

struct Platform {
  std::string os = "linux";
  std::string architecture = "amd64";
  std::string variant;
};

struct Descriptor {
  std::string media_type;
  Digest digest;
  int64_t size = 0;
  std::optional<Platform> platform;
  std::map<std::string, std::string> annotations;
  Json ToJson() const;
};
Result<Descriptor> ParseDescriptor(const Json& j, std::string_view what);

struct Manifest {
  std::string media_type;
  Descriptor config;
  std::vector<Descriptor> layers;
};

struct Index {
  std::string media_type;
  std::vector<Descriptor> manifests;
};

bool IsIndexType(std::string_view media_type);
bool IsManifestType(std::string_view media_type);
// Decides from the mediaType field (or the shape, for OCI documents that omit it).
bool JsonIsIndex(const Json& j);
Result<Manifest> ParseManifest(std::string_view bytes);
Result<Index> ParseIndex(std::string_view bytes);
// Picks the manifest for the platform (linux/amd64 by default); NotFound names the platforms offered.
Result<Descriptor> PickPlatform(const Index& index, const Platform& want = {});

// One history entry of the image config.
struct HistoryEntry {
  std::string created;  // RFC 3339
  std::string created_by;
  std::string author;
  std::string comment;
  bool empty_layer = false;
};

// The runtime part of the image config ("config" in the JSON). Unset fields stay absent when written.
struct RunConfig {
  std::optional<std::string> user, working_dir, stop_signal;
  std::optional<std::vector<std::string>> env, cmd, entrypoint, on_build, shell;
  std::optional<std::vector<std::string>> exposed_ports, volumes;  // keys of the JSON objects
  std::optional<std::map<std::string, std::string>> labels;
  std::optional<Json> healthcheck;
  // Reads/writes the JSON object, keeping unknown fields of `base` as they were.
  static Result<RunConfig> FromJson(const Json& j);
  Json ToJson(Json base = Json::object()) const;
};

// A parsed image config. `raw` holds the exact bytes; the image ID is Sha256Of(raw).
struct ImageConfig {
  std::string raw;
  Json json;
  std::vector<Digest> diff_ids;
  std::vector<HistoryEntry> history;
  RunConfig config;
  std::string created, architecture, os, author, comment;

  Digest Id() const { return Sha256Of(raw); }
};
Result<ImageConfig> ParseImageConfig(std::string_view bytes);
// Serialises a config JSON to canonical bytes (compact, sorted keys, as Docker's Go encoder).
std::string SerializeConfig(const Json& j);

// Chain IDs: ChainID(L0) = DiffID(L0); ChainID(Ln) = sha256(ChainID(Ln-1) + " " + DiffID(Ln)).
std::vector<Digest> ChainIds(const std::vector<Digest>& diff_ids);

// RFC 3339 with nanoseconds, UTC, from a unix time.
std::string FormatTime(int64_t sec, int64_t nsec = 0);
// Parses RFC 3339 timestamps as found in configs; returns unix seconds (0 when unparsable).
int64_t ParseTime(std::string_view s);

}  // namespace skiff::image

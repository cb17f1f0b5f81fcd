#include "image/model.h"

#include <time.h>

#include <cstdio>

namespace skiff::image {
namespace {

Error Bad(std::string_view what, std::string_view why) {
  return Error(Errc::kInvalidArgument, std::string(what) + ": " + std::string(why));
}

Result<std::optional<std::vector<std::string>>> StringList(const Json& j, const char* key, std::string_view what) {
  if (!j.contains(key) || j[key].is_null()) return std::optional<std::vector<std::string>>();
  if (!j[key].is_array()) return Bad(std::string(what) + "." + key, "expected an array of strings");
  std::vector<std::string> out;
  for (const auto& v : j[key]) {
    if (!v.is_string()) return Bad(std::string(what) + "." + key, "expected an array of strings");
    out.push_back(v.get<std::string>());
  }
  return std::optional<std::vector<std::string>>(std::move(out));
}

std::optional<std::string> OptString(const Json& j, const char* key) {
  if (j.contains(key) && j[key].is_string()) return j[key].get<std::string>();
  return std::nullopt;
}

}  // namespace

Json Descriptor::ToJson() const {
  Json j = {{"mediaType", media_type}, {"digest", digest.str()}, {"size", size}};
  if (!annotations.empty()) j["annotations"] = annotations;
  if (platform) {
    j["platform"] = {{"os", platform->os}, {"architecture", platform->architecture}};
    if (!platform->variant.empty()) j["platform"]["variant"] = platform->variant;
  }
  return j;
}

Result<Descriptor> ParseDescriptor(const Json& j, std::string_view what) {
  if (!j.is_object()) return Bad(what, "expected an object");
  Descriptor d;
  if (j.contains("mediaType") && j["mediaType"].is_string()) d.media_type = j["mediaType"];
  if (!j.contains("digest") || !j["digest"].is_string()) return Bad(what, "missing digest");
  d.digest = SKIFF_TRY_CTX(Digest::Parse(j["digest"].get<std::string>()), std::string(what) + ".digest");
  if (j.contains("size") && j["size"].is_number_integer()) d.size = j["size"];
  if (j.contains("platform") && j["platform"].is_object()) {
    Platform p;
    p.os = j["platform"].value("os", "");
    p.architecture = j["platform"].value("architecture", "");
    p.variant = j["platform"].value("variant", "");
    d.platform = p;
  }
  if (j.contains("annotations") && j["annotations"].is_object())
    for (auto& [k, v] : j["annotations"].items())
      if (v.is_string()) d.annotations[k] = v.get<std::string>();
  return d;
}

bool IsIndexType(std::string_view t) { return t == media::kOciIndex || t == media::kDockerList; }
bool IsManifestType(std::string_view t) { return t == media::kOciManifest || t == media::kDockerManifest; }

bool JsonIsIndex(const Json& j) {
  if (j.contains("mediaType") && j["mediaType"].is_string()) return IsIndexType(j["mediaType"].get<std::string>());
  return j.contains("manifests") && !j.contains("layers");
}

Result<Manifest> ParseManifest(std::string_view bytes) {
  Json j = SKIFF_TRY(ParseJson(bytes, "manifest"));
  if (!j.is_object()) return Bad("manifest", "expected an object");
  if (j.value("schemaVersion", 0) != 2) return Bad("manifest", "unsupported schemaVersion (want 2)");
  Manifest m;
  m.media_type = j.value("mediaType", std::string(media::kOciManifest));
  if (!IsManifestType(m.media_type)) return Bad("manifest", "unsupported mediaType " + m.media_type);
  if (!j.contains("config")) return Bad("manifest", "missing config");
  m.config = SKIFF_TRY(ParseDescriptor(j["config"], "manifest.config"));
  if (!j.contains("layers") || !j["layers"].is_array()) return Bad("manifest", "missing layers");
  for (size_t i = 0; i < j["layers"].size(); ++i)
    m.layers.push_back(SKIFF_TRY(ParseDescriptor(j["layers"][i], "manifest.layers[" + std::to_string(i) + "]")));
  return m;
}

Result<Index> ParseIndex(std::string_view bytes) {
  Json j = SKIFF_TRY(ParseJson(bytes, "index"));
  if (!j.is_object() || !j.contains("manifests") || !j["manifests"].is_array())
    return Bad("index", "missing manifests array");
  Index ix;
  ix.media_type = j.value("mediaType", std::string(media::kOciIndex));
  for (size_t i = 0; i < j["manifests"].size(); ++i)
    ix.manifests.push_back(SKIFF_TRY(ParseDescriptor(j["manifests"][i], "index.manifests[" + std::to_string(i) + "]")));
  return ix;
}

Result<Descriptor> PickPlatform(const Index& index, const Platform& want) {
  std::string offered;
  const Descriptor* fallback = nullptr;
  for (const auto& d : index.manifests) {
    if (!d.platform) {
      if (!fallback && IsManifestType(d.media_type)) fallback = &d;
      continue;
    }
    if (d.platform->os == want.os && d.platform->architecture == want.architecture &&
        (want.variant.empty() || d.platform->variant == want.variant))
      return d;
    if (!offered.empty()) offered += ", ";
    offered += d.platform->os + "/" + d.platform->architecture;
  }
  if (fallback) return *fallback;
  return Error(Errc::kNotFound, "no manifest for platform " + want.os + "/" + want.architecture +
                                    (offered.empty() ? "" : " (index offers " + offered + ")"));
}

Result<RunConfig> RunConfig::FromJson(const Json& j) {
  RunConfig c;
  if (j.is_null()) return c;
  if (!j.is_object()) return Bad("config", "expected an object");
  c.user = OptString(j, "User");
  c.working_dir = OptString(j, "WorkingDir");
  c.stop_signal = OptString(j, "StopSignal");
  c.env = SKIFF_TRY(StringList(j, "Env", "config"));
  c.cmd = SKIFF_TRY(StringList(j, "Cmd", "config"));
  c.entrypoint = SKIFF_TRY(StringList(j, "Entrypoint", "config"));
  c.on_build = SKIFF_TRY(StringList(j, "OnBuild", "config"));
  c.shell = SKIFF_TRY(StringList(j, "Shell", "config"));
  for (auto [key, field] : {std::pair{"ExposedPorts", &c.exposed_ports}, std::pair{"Volumes", &c.volumes}}) {
    if (j.contains(key) && j[key].is_object()) {
      std::vector<std::string> keys;
      for (auto& [k, v] : j[key].items()) keys.push_back(k);
      *field = keys;
    }
  }
  if (j.contains("Labels") && j["Labels"].is_object()) {
    std::map<std::string, std::string> labels;
    for (auto& [k, v] : j["Labels"].items())
      if (v.is_string()) labels[k] = v.get<std::string>();
    c.labels = labels;
  }
  if (j.contains("Healthcheck") && j["Healthcheck"].is_object()) c.healthcheck = j["Healthcheck"];
  return c;
}

Json RunConfig::ToJson(Json base) const {
  if (!base.is_object()) base = Json::object();
  auto put = [&](const char* k, const auto& v) {
    if (v) base[k] = *v;
  };
  put("User", user);
  put("WorkingDir", working_dir);
  put("StopSignal", stop_signal);
  put("Env", env);
  put("Cmd", cmd);
  put("Entrypoint", entrypoint);
  put("OnBuild", on_build);
  put("Shell", shell);
  put("Labels", labels);
  put("Healthcheck", healthcheck);
  if (exposed_ports) {
    base["ExposedPorts"] = Json::object();
    for (const auto& p : *exposed_ports) base["ExposedPorts"][p] = Json::object();
  }
  if (volumes) {
    base["Volumes"] = Json::object();
    for (const auto& v : *volumes) base["Volumes"][v] = Json::object();
  }
  return base;
}

Result<ImageConfig> ParseImageConfig(std::string_view bytes) {
  ImageConfig c;
  c.raw = std::string(bytes);
  c.json = SKIFF_TRY(ParseJson(bytes, "image config"));
  const Json& j = c.json;
  if (!j.is_object()) return Bad("image config", "expected an object");
  if (!j.contains("rootfs") || !j["rootfs"].is_object()) return Bad("image config", "missing rootfs");
  if (j["rootfs"].value("type", "") != "layers") return Bad("image config: rootfs.type", "must be \"layers\"");
  if (j["rootfs"].contains("diff_ids") && !j["rootfs"]["diff_ids"].is_null()) {
    if (!j["rootfs"]["diff_ids"].is_array()) return Bad("image config: rootfs.diff_ids", "expected an array");
    for (size_t i = 0; i < j["rootfs"]["diff_ids"].size(); ++i) {
      const Json& d = j["rootfs"]["diff_ids"][i];
      if (!d.is_string()) return Bad("image config: rootfs.diff_ids[" + std::to_string(i) + "]", "expected a string");
      c.diff_ids.push_back(
          SKIFF_TRY_CTX(Digest::Parse(d.get<std::string>()), "image config: rootfs.diff_ids[" + std::to_string(i) + "]"));
    }
  }
  if (j.contains("history") && j["history"].is_array()) {
    for (const auto& h : j["history"]) {
      if (!h.is_object()) continue;
      HistoryEntry e;
      e.created = h.value("created", "");
      e.created_by = h.value("created_by", "");
      e.author = h.value("author", "");
      e.comment = h.value("comment", "");
      e.empty_layer = h.value("empty_layer", false);
      c.history.push_back(e);
    }
  }
  if (j.contains("config")) c.config = SKIFF_TRY_CTX(RunConfig::FromJson(j["config"]), "image config");
  c.created = j.value("created", "");
  c.architecture = j.value("architecture", "");
  c.os = j.value("os", "");
  c.author = j.value("author", "");
  c.comment = j.value("comment", "");
  return c;
}

std::string SerializeConfig(const Json& j) { return DumpJson(j); }

std::vector<Digest> ChainIds(const std::vector<Digest>& diff_ids) {
  std::vector<Digest> out;
  for (const auto& d : diff_ids) {
    if (out.empty())
      out.push_back(d);
    else
      out.push_back(Sha256Of(out.back().str() + " " + d.str()));
  }
  return out;
}

std::string FormatTime(int64_t sec, int64_t nsec) {
  time_t t = static_cast<time_t>(sec);
  struct tm tm;
  gmtime_r(&t, &tm);
  char buf[64];
  size_t n = strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  if (nsec) {
    char frac[16];
    snprintf(frac, sizeof frac, ".%09lld", static_cast<long long>(nsec));
    std::string f(frac);
    while (f.back() == '0') f.pop_back();
    return std::string(buf, n) + f + "Z";
  }
  return std::string(buf, n) + "Z";
}

int64_t ParseTime(std::string_view s) {
  struct tm tm{};
  std::string str(s);
  const char* p = strptime(str.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (!p) return 0;
  int64_t t = timegm(&tm);
  while (*p == '.' || (*p >= '0' && *p <= '9')) ++p;
  if (*p == '+' || *p == '-') {
    int hh = 0, mm = 0;
    if (sscanf(p + 1, "%d:%d", &hh, &mm) == 2) t -= (*p == '+' ? 1 : -1) * (hh * 3600 + mm * 60);
  }
  return t;
}

}  // namespace skiff::image

// Small helpers shared by the registry integration tests: starting a registry or skipping, manifests.
#pragma once

#include <gtest/gtest.h>

#include "base/digest.h"
#include "base/json.h"
#include "fixtures.h"
#include "registry/client.h"

namespace skiff::registry::testing {

#define SKIFF_START_REGISTRY(var, ...)                                              \
  std::string var##_why;                                                            \
  bool var##_skip = false;                                                          \
  auto var = PrivateRegistry::Start({__VA_ARGS__}, &var##_why, &var##_skip);        \
  if (!var && var##_skip) GTEST_SKIP() << var##_why;                                \
  ASSERT_TRUE(var) << var##_why

inline AuthConfig UserAuth(const std::string& user_pass) {
  AuthConfig a;
  a.username = user_pass.substr(0, user_pass.find(':'));
  a.password = user_pass.substr(user_pass.find(':') + 1);
  return a;
}

inline std::string Schema2(const Digest& config, size_t config_size, const Digest& layer, size_t layer_size) {
  Json m = {{"schemaVersion", 2},
            {"mediaType", "application/vnd.docker.distribution.manifest.v2+json"},
            {"config", {{"mediaType", "application/vnd.docker.container.image.v1+json"}, {"size", config_size}, {"digest", config.str()}}},
            {"layers", Json::array({{{"mediaType", "application/vnd.docker.image.rootfs.diff.tar.gzip"}, {"size", layer_size}, {"digest", layer.str()}}})}};
  return m.dump(3);
}

}  // namespace skiff::registry::testing

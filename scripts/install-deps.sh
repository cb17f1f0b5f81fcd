#!/usr/bin/env bash
# Installs what building, testing and the demo need on Debian 12. Quiet and quick when all is present.
set -euo pipefail
PKGS=(
  build-essential cmake ninja-build pkg-config git
  nlohmann-json3-dev libfmt-dev libssl-dev libseccomp-dev libcap-dev libarchive-dev libzstd-dev zlib1g-dev
  libcurl4-openssl-dev libboost-dev libcli11-dev libsqlite3-dev libyaml-cpp-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  busybox-static iproute2 tmux
  runc crun docker.io podman golang-go skopeo docker-registry apache2-utils libisal-dev
)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  if [ "$(id -u)" != 0 ]; then
    echo "install-deps: missing packages (${missing[*]}); run as root or install them" >&2
    exit 1
  fi
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # docker.io's postinst may try to start a system dockerd; we never use it (tests run private daemons).
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

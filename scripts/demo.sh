#!/usr/bin/env bash
# `make demo`: the tutorials' tour (../shared/seeds) on a local base image, no network needed.
# A private skiffd runs with everything under a temp dir (socket, data root, exec root, cgroups); the
# `skiff` CLI talks to it. The base image is busybox from Debian's busybox-static, imported as
# busybox:latest and tagged as the tutorials' ubuntu. Everything made here is removed at the end; only
# processes this script starts are stopped. Two loopback registries (Debian's docker-registry) stand in for
# Docker Hub (as the daemon's registry mirror) and for a private registry with a login. A short runtime
# tour (skiff-runtime under a private real dockerd) follows when docker.io is installed.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${SKIFF_BIN:-$here/build/bin}
[ "$(id -u)" = 0 ] || { echo "demo: run as root (containers need it)" >&2; exit 1; }
tmp=$(mktemp -d /tmp/skiff-demo.XXXXXX)
export SKIFF_HOST=unix://$tmp/daemon/skiff.sock
export DOCKER_CONFIG=$tmp/docker-config  # skiff login's credentials stay in the demo
cleanup() {
  SKIFFD=$bin/skiffd "$here/tests/support/private-skiffd.sh" stop "$tmp/daemon" >/dev/null 2>&1 || true
  for r in "$tmp"/registry-*; do [ -d "$r" ] && { "$here/tests/support/private-registry.sh" stop "$r" >/dev/null 2>&1 || true; }; done
  [ -f "$tmp/dockerd/docker.pid" ] && "$here/tests/support/private-dockerd.sh" stop "$tmp/dockerd" >/dev/null 2>&1 || true
  rm -rf --one-file-system "$tmp"
}
trap cleanup EXIT
say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
run() { say "$*"; "$@"; }
skiff() { "$bin/skiff" "$@"; }

echo "== Skiff demo: a private skiffd on $SKIFF_HOST =="
# Docker Hub's stand-in: the daemon's registry mirror, so `skiff pull mongo` works as the tutorials write it.
hub=$("$here/tests/support/private-registry.sh" start "$tmp/registry-hub")
printf '{"registry-mirrors": ["http://%s"]}\n' "$hub" > "$tmp/daemon.json"
SKIFFD_CONFIG=$tmp/daemon.json SKIFFD=$bin/skiffd "$here/tests/support/private-skiffd.sh" start "$tmp/daemon"
"$here/tests/support/busybox-rootfs.sh" "$tmp/rootfs"
say "tar -C rootfs -c . | skiff import - busybox:latest"
tar -C "$tmp/rootfs" -c . | skiff import - busybox:latest
run skiff tag busybox ubuntu
run skiff version
run skiff images

echo; echo "== Images and containers (seed 001) =="
run skiff run ubuntu ls -al
run skiff container ps -a
run skiff run --name test ubuntu ls
run skiff container rm test
say "echo 'echo hello from an interactive shell; exit' | skiff run --rm -i ubuntu sh"
echo 'echo hello from an interactive shell; exit' | skiff run --rm -i ubuntu sh
run skiff run --name myUbuntuContainer -d ubuntu sh -c "sliep 5; echo 'Hello World'; sleep 60"
sleep 1
run skiff ps -a
run skiff logs myUbuntuContainer
run skiff container rm -f myUbuntuContainer
run skiff run -d --name limited --memory=6m --cpus=1 ubuntu sleep 60
run skiff inspect -f 'Memory={{.HostConfig.Memory}} NanoCpus={{.HostConfig.NanoCpus}} Status={{.State.Status}}' limited
run skiff exec limited cat /sys/fs/cgroup/memory/memory.limit_in_bytes

echo; echo "== Volumes (seed 001) =="
mkdir -p "$tmp/sharedfolder"
run skiff run --rm -v "$tmp/sharedfolder:/shared" --name sharing-is-caring ubuntu sh -c 'echo written in a container > /shared/note'
run cat "$tmp/sharedfolder/note"
run skiff run -d --name sky-client -v "$tmp/sharedfolder:/shared" ubuntu sleep 60
run skiff run --rm --name sky-server --volumes-from sky-client ubuntu cat /shared/note

echo; echo "== Working with running containers (seed 003) =="
run skiff exec sky-client sh -c 'echo in exec: $(hostname); ps'
run skiff top sky-client
run skiff stats --no-stream sky-client limited
run skiff pause sky-client
run skiff ps --format 'table {{.Names}}\t{{.Status}}'
run skiff unpause sky-client
run skiff container stop $(skiff ps -aq)
run skiff container start $(skiff ps -aq)
run skiff ps

echo; echo "== Commit, save/load, export/import (seeds 000, 001, 004) =="
run skiff run --name test2 ubuntu sh -c 'echo "#!/bin/sh" > /bin/figlet; echo "echo \"[\$*]\"" >> /bin/figlet; chmod +x /bin/figlet'
run skiff diff test2
run skiff commit --message "added figlet" --author programmingpercy test2 programmingpercy/ubuntu:1.0
run skiff run --rm programmingpercy/ubuntu:1.0 figlet "hello docker"
run skiff history programmingpercy/ubuntu:1.0
run skiff image save programmingpercy/ubuntu:1.0 -o "$tmp/ubuntu.image"
run skiff rm test2
run skiff image rm programmingpercy/ubuntu:1.0
run skiff image load -i "$tmp/ubuntu.image"
say "skiff export sky-client > nginx-v1.0.0.tar; skiff import nginx-v1.0.0.tar nginx:v1.0.0"
skiff export sky-client > "$tmp/nginx-v1.0.0.tar"
skiff import "$tmp/nginx-v1.0.0.tar" nginx:v1.0.0
run skiff images
run skiff cp sky-client:/etc/hostname "$tmp/hostname.copy"
run cat "$tmp/hostname.copy"

echo; echo "== Building images (the tutorials' Dockerfiles, on busybox) =="
corpus=$here/tests/e2e/build_corpus
cp -r "$corpus/seed-alpine-figlet" "$tmp/figlet" && cd "$tmp/figlet"
run skiff build -t alpine-figlet-from-dockerfile .
run skiff run --rm alpine-figlet-from-dockerfile figlet hello skiff
say "skiff build -t alpine-figlet-from-dockerfile .   # again: every step from the cache"
skiff build --progress=plain -t alpine-figlet-from-dockerfile . | grep -E "Step|cache|Successfully"
cp -r "$corpus/seed-multistaged" "$tmp/multistaged" && cd "$tmp/multistaged"
run skiff build -t multistaged .
run skiff build --target builder -t singlestaged .
run skiff images
run skiff history multistaged
run skiff system df
run skiff builder prune -f
cd "$tmp"

echo; echo "== Registries (seeds 002, 003): pull, login, push =="
say "(the mirror standing in for Docker Hub gets library/mongo:latest and :4.4.20-rc0, both busybox)"
skiff tag busybox "$hub/library/mongo:latest"
skiff tag busybox "$hub/library/mongo:4.4.20-rc0"
skiff push -a -q "$hub/library/mongo" >/dev/null
skiff rmi -f "$hub/library/mongo:latest" "$hub/library/mongo:4.4.20-rc0" >/dev/null
run skiff pull mongo
run skiff pull mongo:4.4.20-rc0
priv=$("$here/tests/support/private-registry.sh" start "$tmp/registry-private" --auth basic --user demo:secret)
run skiff login -u demo -p secret "$priv"
run skiff tag alpine-figlet-from-dockerfile "$priv/example_flask_app:latest"
run skiff push "$priv/example_flask_app:latest"
run skiff rmi "$priv/example_flask_app:latest"
run skiff pull "$priv/example_flask_app:latest"
run skiff run --rm "$priv/example_flask_app:latest" figlet pulled
run skiff logout "$priv"

echo; echo "== Containers outlive the daemon =="
pid=$(cat "$tmp/daemon/skiffd.pid")
say "kill -9 skiffd ($pid)"
kill -9 "$pid"
sleep 0.5
SKIFFD_CONFIG=$tmp/daemon.json SKIFFD=$bin/skiffd "$here/tests/support/private-skiffd.sh" start "$tmp/daemon" >/dev/null
run skiff ps
run skiff exec sky-client echo "still running after the daemon restarted"
run skiff rm -f $(skiff ps -aq)
run skiff system df

if command -v dockerd >/dev/null; then
  echo; echo "== skiff-runtime as a real dockerd's runtime =="
  "$here/tests/support/private-dockerd.sh" start "$tmp/dockerd" --add-runtime "skiff=$bin/skiff-runtime" >/dev/null
  export DOCKER_HOST=unix://$tmp/dockerd/docker.sock
  tar -C "$tmp/rootfs" -c . | /usr/bin/docker import - busybox:local >/dev/null
  run /usr/bin/docker run --rm --runtime skiff --network none --memory 64m --cap-drop ALL busybox:local \
    sh -c 'echo hello from docker + skiff-runtime; grep -E "^CapEff" /proc/self/status'
  unset DOCKER_HOST
fi
echo; echo "demo: done"

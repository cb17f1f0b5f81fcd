#!/usr/bin/env bash
# `make demo`: a tour of what Skiff does today, on a local busybox base image (no network needed).
# Everything lives in a temp dir and is removed at the end; only processes this script starts are stopped.
# Today's tour: skiff-runtime (the OCI runtime) on its own, then a private real dockerd and podman running
# containers through it. The daemon/CLI tour of the tutorials joins when skiffd lands (issue 4).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${SKIFF_BIN:-$here/build/bin}
rt=$bin/skiff-runtime
[ "$(id -u)" = 0 ] || { echo "demo: run as root (containers need it)" >&2; exit 1; }
tmp=$(mktemp -d /tmp/skiff-demo.XXXXXX)
state=$tmp/state
cleanup() {
  for id in $("$rt" --root "$state" list -q 2>/dev/null); do "$rt" --root "$state" delete --force "$id" >/dev/null 2>&1 || true; done
  [ -f "$tmp/dockerd/docker.pid" ] && "$here/tests/support/private-dockerd.sh" stop "$tmp/dockerd" || true
  rm -rf "$tmp"
}
trap cleanup EXIT
say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
run() { say "$*"; "$@"; }

echo "== Skiff demo: a busybox bundle from Debian's busybox-static =="
"$here/tests/support/busybox-rootfs.sh" "$tmp/bundle/rootfs"
(cd "$tmp/bundle" && "$rt" spec)
python3 - "$tmp/bundle/config.json" <<'PY'
import json, sys
p = sys.argv[1]; c = json.load(open(p))
c["process"]["terminal"] = False
c["process"]["args"] = ["sh", "-c", "echo hello from $(hostname), pid $$; cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || true"]
c["hostname"] = "skiff-demo"
c["linux"]["resources"]["memory"] = {"limit": 64 * 1024 * 1024}
json.dump(c, open(p, "w"), indent=2)
PY
cd "$tmp/bundle"
run "$rt" --root "$state" run demo1
python3 - config.json <<'PY'
import json, sys
p = sys.argv[1]; c = json.load(open(p)); c["process"]["args"] = ["sleep", "300"]; json.dump(c, open(p, "w"), indent=2)
PY
run "$rt" --root "$state" create demo2
run "$rt" --root "$state" state demo2
run "$rt" --root "$state" start demo2
run "$rt" --root "$state" exec demo2 ps
run "$rt" --root "$state" pause demo2
run "$rt" --root "$state" list
run "$rt" --root "$state" resume demo2
run "$rt" --root "$state" kill demo2 KILL
sleep 0.2
run "$rt" --root "$state" delete demo2

if command -v dockerd >/dev/null; then
  echo; echo "== A private real dockerd using skiff-runtime as its runtime =="
  "$here/tests/support/private-dockerd.sh" start "$tmp/dockerd" --add-runtime "skiff=$rt" >/dev/null
  export DOCKER_HOST=unix://$tmp/dockerd/docker.sock
  tar -C "$tmp/bundle/rootfs" -c . | /usr/bin/docker import - busybox:local >/dev/null
  run /usr/bin/docker run --rm --runtime skiff --network none busybox:local echo "hello from docker + skiff-runtime"
  run /usr/bin/docker run --rm --runtime skiff --network none --memory 64m --pids-limit 20 --cap-drop ALL busybox:local \
    sh -c 'grep -E "^Cap(Eff|Bnd)" /proc/self/status'
  unset DOCKER_HOST
fi
echo; echo "demo: done"

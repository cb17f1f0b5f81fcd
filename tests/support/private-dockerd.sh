#!/usr/bin/env bash
# private-dockerd.sh start DIR [dockerd args...] | stop DIR
# Runs Debian's docker.io dockerd with everything private under DIR: data root, exec root, pidfile,
# socket DIR/docker.sock, its own containerd. No bridge, no iptables, so the host's network is untouched.
# `start` waits until the daemon answers; `stop` stops only the dockerd whose pid is in DIR/docker.pid.
set -euo pipefail
cmd=${1:?usage: private-dockerd.sh start|stop DIR}; dir=${2:?DIR}; shift 2
case "$cmd" in
start)
  command -v dockerd >/dev/null || { echo "private-dockerd: dockerd not installed (apt-get install docker.io)" >&2; exit 77; }
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  cat > "$dir/daemon.json" <<JSON
{"containerd-namespace":"skiff-test","containerd-plugins-namespace":"skiff-test-plugins"}
JSON
  dockerd --config-file "$dir/daemon.json" --data-root "$dir/data" --exec-root "$dir/exec" --pidfile "$dir/docker.pid" \
    -H "unix://$dir/docker.sock" --bridge none --iptables=false --ip6tables=false --ip-masq=false \
    --userland-proxy=false --containerd "" "$@" >"$dir/dockerd.log" 2>&1 &
  for _ in $(seq 1 150); do
    if DOCKER_HOST="unix://$dir/docker.sock" /usr/bin/docker version >/dev/null 2>&1; then exit 0; fi
    sleep 0.2
  done
  echo "private-dockerd: did not come up; log:" >&2; tail -20 "$dir/dockerd.log" >&2; exit 1 ;;
stop)
  [ -f "$dir/docker.pid" ] || exit 0
  pid=$(cat "$dir/docker.pid")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  # dockerd's own containerd exits with it; unmount anything left under DIR.
  grep -o " $dir[^ ]*" /proc/self/mountinfo | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done ;;
*) echo "usage: private-dockerd.sh start|stop DIR" >&2; exit 2 ;;
esac

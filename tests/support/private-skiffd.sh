#!/usr/bin/env bash
# private-skiffd.sh start DIR [skiffd args...] | stop DIR
# Runs a skiffd with everything private under DIR: data root DIR/data, exec root DIR/exec, pidfile
# DIR/skiffd.pid, socket DIR/skiff.sock, log DIR/skiffd.log, containers under the cgroup parent
# /skiff-test-<unique> (the name is kept in DIR/cgroup-parent). `start` waits until the daemon answers.
# `stop` removes every container through the API (containers outlive the daemon), SIGTERMs only the pid in
# DIR/skiffd.pid, unmounts whatever is left under DIR, removes the cgroup dirs and then DIR itself. If the
# daemon is not running at `stop` (killed by a test), it is started again with the recorded command line
# (DIR/skiffd.cmd) so its containers can be removed; processes left in the container cgroups and shims
# of DIR are then killed by pid.
# Env: SKIFFD   daemon binary (default $SKIFF_BIN/skiffd, SKIFF_BIN default /work/main/build/bin);
#      DOCKER   client (default /usr/bin/docker).
#      SKIFFD_CONFIG  daemon.json for the daemon (default: none, DIR/no-daemon.json, which does not exist).
set -euo pipefail
cmd=${1:?usage: private-skiffd.sh start|stop DIR}; dir=${2:?DIR}; shift 2
DOCKER=${DOCKER:-/usr/bin/docker}
# A live process, not a zombie (a killed daemon may wait a while for its parent to reap it).
live_pid() { [ -n "$1" ] && [ -r "/proc/$1/stat" ] && [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]; }
case "$cmd" in
start)
  skiffd=${SKIFFD:-${SKIFF_BIN:-/work/main/build/bin}/skiffd}
  [ -x "$skiffd" ] || { echo "private-skiffd: $skiffd missing (build the skiffd target)" >&2; exit 1; }
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  if [ -f "$dir/skiffd.pid" ] && live_pid "$(cat "$dir/skiffd.pid")"; then
    echo "private-skiffd: already running in $dir (pid $(cat "$dir/skiffd.pid"))" >&2; exit 1
  fi
  [ -f "$dir/cgroup-parent" ] || echo "skiff-test-$(basename "$dir" | tr -c 'A-Za-z0-9_.\n-' _)-$$" > "$dir/cgroup-parent"
  cgparent=$(cat "$dir/cgroup-parent")
  # A config file that does not exist: /etc/skiff/daemon.json of the host must not leak in.
  args=("$(readlink -f "$skiffd")" --config-file "${SKIFFD_CONFIG:-$dir/no-daemon.json}" --data-root "$dir/data" --exec-root "$dir/exec"
        -H "unix://$dir/skiff.sock" --pidfile "$dir/skiffd.pid" --cgroup-parent "/$cgparent" "$@")
  printf '%q ' "${args[@]}" > "$dir/skiffd.cmd"
  "${args[@]}" >>"$dir/skiffd.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 150); do
    if DOCKER_HOST="unix://$dir/skiff.sock" "$DOCKER" version >/dev/null 2>&1; then exit 0; fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  echo "private-skiffd: did not come up; log:" >&2; tail -20 "$dir/skiffd.log" >&2
  kill "$pid" 2>/dev/null || true
  exit 1 ;;
stop)
  [ -d "$dir" ] || exit 0
  dir=$(cd "$dir" && pwd)
  sock="unix://$dir/skiff.sock"
  alive() { [ -f "$dir/skiffd.pid" ] && live_pid "$(cat "$dir/skiffd.pid")"; }
  if ! alive && [ -f "$dir/skiffd.cmd" ] && [ -d "$dir/data" ]; then
    eval "$(cat "$dir/skiffd.cmd")" >>"$dir/skiffd.log" 2>&1 &
    for _ in $(seq 1 100); do
      if DOCKER_HOST=$sock "$DOCKER" version >/dev/null 2>&1; then break; fi
      kill -0 $! 2>/dev/null || break
      sleep 0.2
    done
  fi
  pid=""; [ -f "$dir/skiffd.pid" ] && pid=$(cat "$dir/skiffd.pid")
  if live_pid "$pid"; then
    ids=$(DOCKER_HOST=$sock timeout 30 "$DOCKER" ps -aq 2>/dev/null || true)
    # shellcheck disable=SC2086
    [ -n "$ids" ] && DOCKER_HOST=$sock timeout 60 "$DOCKER" rm -f -v $ids >/dev/null 2>&1 || true
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do live_pid "$pid" || break; sleep 0.1; done
    if live_pid "$pid"; then
      echo "private-skiffd: pid $pid ignored SIGTERM for 10 s, killing" >&2; kill -9 "$pid" 2>/dev/null || true
    fi
  fi
  # Leftovers: processes in our container cgroups, then shims serving containers of DIR.
  cgparent=""; [ -f "$dir/cgroup-parent" ] && cgparent=$(cat "$dir/cgroup-parent")
  if [ -n "$cgparent" ]; then
    for p in $(find /sys/fs/cgroup/*/"$cgparent" -name cgroup.procs -exec cat {} + 2>/dev/null | sort -u); do
      kill -9 "$p" 2>/dev/null || true
    done
  fi
  for f in /proc/[0-9]*/cmdline; do
    c=$(tr '\0' ' ' 2>/dev/null < "$f") || continue
    case "$c" in *" shim $dir/"*) p=${f#/proc/}; kill -9 "${p%/cmdline}" 2>/dev/null || true ;; esac
  done
  # Anything still mounted under DIR (deepest first).
  for _ in 1 2 3; do
    mounts=$(awk -v d="$dir" '$5 == d || index($5, d "/") == 1 {print $5}' /proc/self/mountinfo | sort -r)
    [ -z "$mounts" ] && break
    while read -r m; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true; done <<<"$mounts"
  done
  if [ -n "$cgparent" ]; then
    sleep 0.2
    for c in /sys/fs/cgroup/*/"$cgparent" /sys/fs/cgroup/"$cgparent"; do
      if [ -d "$c" ]; then find "$c" -depth -type d -exec rmdir {} \; 2>/dev/null || true; fi
    done
  fi
  rm -rf --one-file-system "$dir" ;;
*) echo "usage: private-skiffd.sh start|stop DIR" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# bench/daemon/run.sh [N]: the daemon issue's measurements, Skiff beside a private real dockerd (docker.io
# 20.10 with its own containerd and runc) and podman (runc, cgroupfs, private storage), each driven by its
# own CLI (`skiff`, /usr/bin/docker, podman), same busybox image, --network none.
#
#   run       `X run --rm busybox true`, N times each, interleaved: median ms (also the docker CLI
#             pointed at skiffd, to show what the client costs)
#   run -d    50 `X run -d busybox sleep 600` one after another: total ms
#   ps        `X ps` with those 50 running: median of N, ms
#   rm -f     one `X rm -f` of the 50: ms
#   monitor   PSS (KB) per container monitor with the 50 running: skiff shim, containerd-shim-runc-v2, conmon
#   idle      RSS (KB) of the idle daemon: skiffd vs dockerd + containerd
# Prints each number and the ratio other/skiff (above 1: Skiff is faster or smaller), then the issue's
# targets: run 15x docker and 8x podman, run -d / ps / rm -f 10x docker, monitor under 1 MB PSS, idle
# skiffd under 1/4 of dockerd+containerd. Exit 0 when they all hold, 1 otherwise, 77 when not root or
# docker.io is missing. Podman is optional (n/a when missing or failing). Everything (daemons,
# containers, mounts, cgroups, temp dir) is removed at the end.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/../.." && pwd)
bin=${SKIFF_BIN:-$src/build/bin}
n=${1:-10}
[ "$(id -u)" = 0 ] || { echo "bench/daemon: needs root" >&2; exit 77; }
command -v dockerd >/dev/null && [ -x /usr/bin/docker ] || { echo "bench/daemon: docker.io not installed" >&2; exit 77; }
[ -x "$bin/skiffd" ] && [ -x "$bin/skiff" ] || { echo "bench/daemon: $bin/skiffd or skiff missing (make build)" >&2; exit 1; }

tmp=$(mktemp -d /tmp/skiff-bench-daemon.XXXXXX)
cg="skiff-bench-${tmp##*.}"
S=unix://$tmp/skiff/skiff.sock
K=unix://$tmp/docker/docker.sock
sk() { "$bin/skiff" -H "$S" "$@"; }
dk() { DOCKER_HOST=$K /usr/bin/docker "$@"; }
dks() { DOCKER_HOST=$S /usr/bin/docker "$@"; }
# Podman with everything private; no default ulimits (this machine's hard limits are below podman's
# defaults) and runc (crun refuses this hybrid cgroup layout).
mkdir -p "$tmp/podman"
printf '[containers]\ndefault_ulimits = []\n' > "$tmp/podman/containers.conf"
pm() {
  CONTAINERS_CONF=$tmp/podman/containers.conf podman --root "$tmp/podman/root" --runroot "$tmp/podman/run" \
    --tmpdir "$tmp/podman/tmp" --storage-driver overlay --cgroup-manager cgroupfs --events-backend file \
    --runtime "$(command -v runc)" "$@"
}
have_podman=0

cleanup() {
  [ -S "$tmp/skiff/skiff.sock" ] && { ids=$(sk ps -aq 2>/dev/null); [ -n "$ids" ] && sk rm -f $ids >/dev/null 2>&1; }
  [ -S "$tmp/docker/docker.sock" ] && { ids=$(dk ps -aq 2>/dev/null); [ -n "$ids" ] && dk rm -f $ids >/dev/null 2>&1; }
  [ $have_podman = 1 ] && pm rm -f -a >/dev/null 2>&1
  "$src/tests/support/private-skiffd.sh" stop "$tmp/skiff" >/dev/null 2>&1
  "$src/tests/support/private-dockerd.sh" stop "$tmp/docker" >/dev/null 2>&1
  # dockerd's and podman's cgroup parents (/<cg>-docker, /<cg>-podman) empty out shortly after their
  # containers are gone: a few tries.
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    left=0
    for c in /sys/fs/cgroup/*/"$cg"*; do
      [ -d "$c" ] || continue
      find "$c" -depth -type d -exec rmdir {} \; 2>/dev/null
      [ -d "$c" ] && left=1
    done
    [ $left = 0 ] && break
    sleep 0.3
  done
  grep -o " $tmp[^ ]*" /proc/self/mountinfo | sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
  rm -rf --one-file-system "$tmp"
}
trap cleanup EXIT

SKIFFD=$bin/skiffd "$src/tests/support/private-skiffd.sh" start "$tmp/skiff" >/dev/null || { echo "skiffd did not start" >&2; exit 1; }
"$src/tests/support/private-dockerd.sh" start "$tmp/docker" --cgroup-parent "/$cg-docker" >/dev/null || { echo "dockerd did not start" >&2; exit 1; }
"$src/tests/support/busybox-rootfs.sh" "$tmp/rootfs"
tar -C "$tmp/rootfs" -c . | sk import - busybox:latest >/dev/null
tar -C "$tmp/rootfs" -c . | dk import - busybox:latest >/dev/null
if command -v podman >/dev/null && tar -C "$tmp/rootfs" -c . | pm import - busybox:latest >/dev/null 2>&1 &&
   pm run --rm --network none --cgroup-parent "/$cg-podman" busybox true >/dev/null 2>&1; then
  have_podman=1
fi

now_us() { echo "${EPOCHREALTIME/./}"; }
median_ms() { sort -n | awk '{a[NR]=$1} END {if (NR==0) {print "n/a"; exit}; printf "%.1f", a[int((NR+1)/2)]/1000}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "n/a" || b == "n/a" || b == 0) print "n/a"; else printf "%.2f", a / b }'; }
timed() { local t0 t1; t0=$(now_us); "$@" >/dev/null 2>&1; t1=$(now_us); echo $((t1 - t0)); }

# Idle daemons first (nothing created yet but the image).
rss() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
pss() { awk '/^Pss:/ {print $2}' "/proc/$1/smaps_rollup" 2>/dev/null || echo 0; }
skiffd_pid=$(cat "$tmp/skiff/skiffd.pid")
dockerd_pid=$(cat "$tmp/docker/docker.pid")
idle_s=$(rss "$skiffd_pid")
idle_k=$(rss "$dockerd_pid"); for p in $(pgrep -P "$dockerd_pid" containerd); do idle_k=$((idle_k + $(rss "$p"))); done

# --- run --rm true
sk run --rm --network none busybox true >/dev/null; dk run --rm --network none busybox true >/dev/null
for f in S K D P; do : > "$tmp/run.$f"; done
for i in $(seq 1 "$n"); do
  timed sk run --rm --network none busybox true >> "$tmp/run.S"
  timed dk run --rm --network none busybox true >> "$tmp/run.K"
  timed dks run --rm --network none busybox true >> "$tmp/run.D"
  [ $have_podman = 1 ] && timed pm run --rm --network none --cgroup-parent "/$cg-podman" busybox true >> "$tmp/run.P"
done
run_s=$(median_ms < "$tmp/run.S"); run_k=$(median_ms < "$tmp/run.K"); run_d=$(median_ms < "$tmp/run.D"); run_p=$(median_ms < "$tmp/run.P")

# --- 50 run -d in a row
run50() { for i in $(seq 1 50); do "$@" run -d --network none busybox sleep 600 >/dev/null 2>&1; done; }
us=$(timed run50 sk); d50_s=$(awk -v v="$us" 'BEGIN{printf "%.0f", v/1000}')
us=$(timed run50 dk); d50_k=$(awk -v v="$us" 'BEGIN{printf "%.0f", v/1000}')
d50_p=n/a
if [ $have_podman = 1 ]; then
  runp() { for i in $(seq 1 50); do pm run -d --network none --cgroup-parent "/$cg-podman" busybox sleep 600 >/dev/null 2>&1; done; }
  us=$(timed runp); d50_p=$(awk -v v="$us" 'BEGIN{printf "%.0f", v/1000}')
fi

# --- ps with 50 running
: > "$tmp/ps.S"; : > "$tmp/ps.K"
for i in $(seq 1 "$n"); do timed sk ps >> "$tmp/ps.S"; timed dk ps >> "$tmp/ps.K"; done
ps_s=$(median_ms < "$tmp/ps.S"); ps_k=$(median_ms < "$tmp/ps.K")
running_s=$(sk ps -q | wc -l); running_k=$(dk ps -q | wc -l)

# --- monitor PSS with the 50 running
sum=0; cnt=0; for p in $(pgrep -f "skiff-runtime shim $tmp/skiff"); do sum=$((sum + $(pss "$p"))); cnt=$((cnt + 1)); done
mon_s=$(( cnt ? sum / cnt : 0 ))
sum=0; cnt=0; for p in $(pgrep -f "containerd-shim-runc-v2.*$tmp/docker"); do sum=$((sum + $(pss "$p"))); cnt=$((cnt + 1)); done
mon_k=$(( cnt ? sum / cnt : 0 ))
mon_p=n/a
if [ $have_podman = 1 ]; then
  sum=0; cnt=0; for p in $(pgrep -f "conmon.*$tmp/podman"); do sum=$((sum + $(pss "$p"))); cnt=$((cnt + 1)); done
  [ $cnt -gt 0 ] && mon_p=$((sum / cnt))
fi

# --- rm -f of the 50
us=$(timed sk rm -f $(sk ps -q)); rm_s=$(awk -v v="$us" 'BEGIN{printf "%.0f", v/1000}')
us=$(timed dk rm -f $(dk ps -q)); rm_k=$(awk -v v="$us" 'BEGIN{printf "%.0f", v/1000}')

row() { printf '%-38s %10s %10s %10s %9s %9s\n' "$@"; }
echo "bench/daemon: $(nproc) cores, N=$n; podman: $([ $have_podman = 1 ] && echo "podman+runc" || echo "not available")"
row "metric" "skiff" "docker" "podman" "dk/skiff" "pm/skiff"
row "run --rm true, median ms" "$run_s" "$run_k" "$run_p" "$(ratio "$run_k" "$run_s")" "$(ratio "$run_p" "$run_s")"
row "  (docker CLI -> skiffd), median ms" "$run_d" "" "" "$(ratio "$run_k" "$run_d")" ""
row "50 run -d in a row, ms" "$d50_s" "$d50_k" "$d50_p" "$(ratio "$d50_k" "$d50_s")" "$(ratio "$d50_p" "$d50_s")"
row "ps with $running_s/$running_k running, median ms" "$ps_s" "$ps_k" "" "$(ratio "$ps_k" "$ps_s")" ""
row "rm -f of 50, ms" "$rm_s" "$rm_k" "" "$(ratio "$rm_k" "$rm_s")" ""
row "monitor PSS KB per container" "$mon_s" "$mon_k" "$mon_p" "$(ratio "$mon_k" "$mon_s")" "$(ratio "$mon_p" "$mon_s")"
row "idle daemon RSS KB (+containerd)" "$idle_s" "$idle_k" "" "$(ratio "$idle_k" "$idle_s")" ""

ok=0
target() { awk -v r="$2" -v t="$3" 'BEGIN { exit !(r != "n/a" && r >= t) }' && echo "target met:    $1 (${2}x >= ${3}x)" || { echo "target missed: $1 (${2}x < ${3}x)"; ok=1; }; }
target "run --rm vs docker" "$(ratio "$run_k" "$run_s")" 15
[ $have_podman = 1 ] && target "run --rm vs podman" "$(ratio "$run_p" "$run_s")" 8
target "50 run -d vs docker" "$(ratio "$d50_k" "$d50_s")" 10
target "ps vs docker" "$(ratio "$ps_k" "$ps_s")" 10
target "rm -f vs docker" "$(ratio "$rm_k" "$rm_s")" 10
[ "$mon_s" -gt 0 ] && [ "$mon_s" -lt 1024 ] && echo "target met:    monitor PSS ${mon_s} KB < 1024 KB" || { echo "target missed: monitor PSS ${mon_s} KB >= 1024 KB"; ok=1; }
target "idle daemon memory vs dockerd+containerd" "$(ratio "$idle_k" "$idle_s")" 4
exit $ok

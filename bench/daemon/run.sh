#!/usr/bin/env bash
# bench/daemon/run.sh [N]: skiffd beside a private real dockerd (docker.io 20.10 with its own containerd
# and runc), both driven by the same /usr/bin/docker client, same busybox image, --network none.
#
#   run      `docker run --rm busybox true`, N times each, interleaved: median / min / max in ms
#   start    20 `docker run -d busybox sleep 600` in parallel: wall time to all running, in ms
#   ps       `docker ps -a` with those 20 (and 30 more created) containers: median of N, in ms
#   memory   RSS (KB) of the daemon side with 20 running containers: skiffd + its shims vs
#            dockerd + containerd + containerd-shim-runc-v2 processes; and per container (shim) RSS
# Prints each number for both and the ratio docker/skiff (above 1: Skiff is faster or smaller).
# Targets: run and start at least 1.5x faster than Docker, memory per container below Docker's.
# Exit 0 when the targets hold, 1 otherwise, 77 when not root or docker.io is missing.
# Everything (daemons, containers, mounts, cgroups, temp dir) is removed at the end.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/../.." && pwd)
bin=${SKIFF_BIN:-$src/build/bin}
n=${1:-20}
[ "$(id -u)" = 0 ] || { echo "bench/daemon: needs root" >&2; exit 77; }
command -v dockerd >/dev/null && [ -x /usr/bin/docker ] || { echo "bench/daemon: docker.io not installed" >&2; exit 77; }
[ -x "$bin/skiffd" ] || { echo "bench/daemon: $bin/skiffd missing (make build)" >&2; exit 1; }

tmp=$(mktemp -d /tmp/skiff-bench-daemon.XXXXXX)
cg="skiff-bench-${tmp##*.}"
cleanup() {
  for s in "$tmp/skiff/skiff.sock" "$tmp/docker/docker.sock"; do
    [ -S "$s" ] || continue
    ids=$(DOCKER_HOST=unix://$s /usr/bin/docker ps -aq 2>/dev/null)
    [ -n "$ids" ] && DOCKER_HOST=unix://$s /usr/bin/docker rm -f $ids >/dev/null 2>&1
  done
  "$src/tests/support/private-skiffd.sh" stop "$tmp/skiff" >/dev/null 2>&1
  "$src/tests/support/private-dockerd.sh" stop "$tmp/docker" >/dev/null 2>&1
  for c in /sys/fs/cgroup/*/"$cg"; do [ -d "$c" ] && find "$c" -depth -type d -exec rmdir {} \; 2>/dev/null; done
  grep -o " $tmp[^ ]*" /proc/self/mountinfo | sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
  rm -rf --one-file-system "$tmp"
}
trap cleanup EXIT

SKIFFD=$bin/skiffd "$src/tests/support/private-skiffd.sh" start "$tmp/skiff" >/dev/null || { echo "skiffd did not start" >&2; exit 1; }
"$src/tests/support/private-dockerd.sh" start "$tmp/docker" --cgroup-parent "/$cg-docker" >/dev/null || { echo "dockerd did not start" >&2; exit 1; }
"$src/tests/support/busybox-rootfs.sh" "$tmp/rootfs"
S=unix://$tmp/skiff/skiff.sock
K=unix://$tmp/docker/docker.sock
for h in $S $K; do tar -C "$tmp/rootfs" -c . | DOCKER_HOST=$h /usr/bin/docker import - busybox:latest >/dev/null; done
dk() { local h=$1; shift; DOCKER_HOST=$h /usr/bin/docker "$@"; }

ms_now() { echo "${EPOCHREALTIME/./}"; }
median() { sort -n | awk '{a[NR]=$1} END {if (NR==0) {print 0; exit}; print a[int((NR+1)/2)]}'; }
stats() { sort -n | awk '{a[NR]=$1} END {printf "%.1f %.1f %.1f", a[int((NR+1)/2)]/1000, a[1]/1000, a[NR]/1000}'; }

# --- run --rm true
for h in $S $K; do dk $h run --rm --network none busybox true >/dev/null; done  # warm up
: > "$tmp/run.S"; : > "$tmp/run.K"
for i in $(seq 1 "$n"); do
  for side in S K; do
    h=$S; [ $side = K ] && h=$K
    t0=$(ms_now); dk $h run --rm --network none busybox true >/dev/null 2>&1; t1=$(ms_now)
    echo $((t1 - t0)) >> "$tmp/run.$side"
  done
done
read -r rs rs_min rs_max < <(stats < "$tmp/run.S")
read -r rk rk_min rk_max < <(stats < "$tmp/run.K")

# --- 20 parallel detached starts
start20() {
  local h=$1 t0 t1
  t0=$(ms_now)
  for i in $(seq 1 20); do dk $h run -d --network none busybox sleep 600 >/dev/null 2>&1 & done
  wait
  t1=$(ms_now)
  echo $(((t1 - t0) / 1000))
}
ss=$(start20 $S); sk=$(start20 $K)
for h in $S $K; do for i in $(seq 1 30); do dk $h create --network none busybox true >/dev/null; done; done

# --- ps -a
: > "$tmp/ps.S"; : > "$tmp/ps.K"
for i in $(seq 1 "$n"); do
  for side in S K; do
    h=$S; [ $side = K ] && h=$K
    t0=$(ms_now); dk $h ps -a >/dev/null; t1=$(ms_now); echo $((t1 - t0)) >> "$tmp/ps.$side"
  done
done
ps_s=$(median < "$tmp/ps.S"); ps_k=$(median < "$tmp/ps.K")

# --- memory with 20 running containers
rss() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
skiffd_pid=$(cat "$tmp/skiff/skiffd.pid")
dockerd_pid=$(cat "$tmp/docker/docker.pid")
mem_s=$(rss "$skiffd_pid"); shims_s=0; nshim_s=0
for p in $(pgrep -f "skiff-runtime shim $tmp/skiff"); do shims_s=$((shims_s + $(rss "$p"))); nshim_s=$((nshim_s + 1)); done
mem_k=$(rss "$dockerd_pid"); shims_k=0; nshim_k=0
for p in $(pgrep -P "$dockerd_pid" containerd); do mem_k=$((mem_k + $(rss "$p"))); done
for p in $(pgrep -f "containerd-shim-runc-v2.*$tmp/docker" ); do shims_k=$((shims_k + $(rss "$p"))); nshim_k=$((nshim_k + 1)); done
per_s=$(( nshim_s ? shims_s / nshim_s : 0 )); per_k=$(( nshim_k ? shims_k / nshim_k : 0 ))

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "n/a"; else printf "%.2f", a / b }'; }
printf '%-34s %12s %12s %8s\n' "metric" "skiff" "docker" "ratio"
printf '%-34s %12s %12s %8s\n' "run --rm true, median ms" "$rs" "$rk" "$(ratio "$rk" "$rs")"
printf '%-34s %12s %12s %8s\n' "run --rm true, min/max ms" "$rs_min/$rs_max" "$rk_min/$rk_max" ""
printf '%-34s %12s %12s %8s\n' "20 parallel run -d, ms" "$ss" "$sk" "$(ratio "$sk" "$ss")"
printf '%-34s %12s %12s %8s\n' "ps -a (50 containers), median ms" "$(awk -v v="$ps_s" 'BEGIN{printf "%.1f", v/1000}')" "$(awk -v v="$ps_k" 'BEGIN{printf "%.1f", v/1000}')" "$(ratio "$ps_k" "$ps_s")"
printf '%-34s %12s %12s %8s\n' "daemon RSS KB (dockerd+containerd)" "$mem_s" "$mem_k" "$(ratio "$mem_k" "$mem_s")"
printf '%-34s %12s %12s %8s\n' "shim RSS KB per container" "$per_s" "$per_k" "$(ratio "$per_k" "$per_s")"
printf '%-34s %12s %12s %8s\n' "total RSS KB, 20 running" "$((mem_s + shims_s))" "$((mem_k + shims_k))" "$(ratio $((mem_k + shims_k)) $((mem_s + shims_s)))"
ok=0
awk -v s="$rs" -v k="$rk" 'BEGIN { exit !(k / s >= 1.5) }' || { echo "target missed: run latency ratio below 1.5"; ok=1; }
awk -v s="$ss" -v k="$sk" 'BEGIN { exit !(k / s >= 1.5) }' || { echo "target missed: parallel start ratio below 1.5"; ok=1; }
[ "$per_s" -lt "$per_k" ] || { echo "target missed: shim RSS not below containerd-shim's"; ok=1; }
exit $ok

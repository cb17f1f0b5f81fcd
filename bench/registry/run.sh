#!/usr/bin/env bash
# bench/registry/run.sh: the registry issue's measurements, `skiff push`/`skiff pull` beside a private real
# dockerd (docker.io 20.10: /usr/bin/docker push/pull) and skopeo, all against Debian's docker-registry 2.8
# on loopback (plain http, no auth; tests/support/private-registry.sh). Same machine, same image.
#
#   image     1 GiB in 10,000 files (100 dirs of 100 random files, as bench/build makes its context), one
#             layer on top of busybox (`COPY . /data`, built by the dockerd's legacy builder; `docker save`
#             into `skiff load` gives Skiff the same image)
#   push      `docker push` / `skiff push` of that image into a registry that has never seen it: each run
#             pushes to a freshly started registry with an empty data dir (a new port, so neither client
#             can skip or cross-mount a layer it remembers); compression is part of the push
#   pull      `docker pull` / `skiff pull` of it (layers removed first: `rmi` of the image, then image
#             prune), unpacking included, and `skopeo copy --src-tls-verify=false docker://.. oci:DIR`
#             into a fresh dir; every pull reads the same registry, filled once by `docker push`
# Each number is the median of N runs (env N, default 5), in seconds; the tools take turns in each round and
# every timed run starts after a `sync`. Every run is listed below the table.
# Prints a table with the ratios docker/skiff and skopeo/skiff (above 1: Skiff is faster), then the
# issue's targets: skiff push at least 4x docker push; skiff pull at least 2.5x docker pull and no slower
# than skopeo copy.
# Exit 0 when the targets hold (or are not judged for lack of a tool), 1 otherwise, 77 when not root or
# docker.io / docker-registry / skopeo is missing.
# Env: N         runs per measurement (default 5)
#      SKIFF_BIN dir with skiff, skiffd, skiff-runtime (default <src>/build/bin)
#      TOOLS     which columns to measure (default "skiff docker skopeo"; e.g. TOOLS="docker skopeo")
#      KEEP=1    keep the temp dir, the daemons and the pull registry
# Everything (daemons, registries, images, the 1 GiB context, the temp dir) is removed at the end.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/../.." && pwd)
bin=${SKIFF_BIN:-$src/build/bin}
n=${N:-5}
tools=${TOOLS:-skiff docker skopeo}
reg=$src/tests/support/private-registry.sh
[ "$(id -u)" = 0 ] || { echo "bench/registry: needs root" >&2; exit 77; }
command -v dockerd >/dev/null && [ -x /usr/bin/docker ] || { echo "bench/registry: docker.io not installed" >&2; exit 77; }
command -v docker-registry >/dev/null || { echo "bench/registry: docker-registry not installed" >&2; exit 77; }
command -v python3 >/dev/null || { echo "bench/registry: python3 missing (makes the 1 GiB context)" >&2; exit 77; }
has() { [[ " $tools " == *" $1 "* ]]; }
if has skopeo; then command -v skopeo >/dev/null || { echo "bench/registry: skopeo not installed" >&2; exit 77; }; fi
if has skiff; then
  for b in skiff skiffd skiff-runtime; do
    [ -x "$bin/$b" ] || { echo "bench/registry: $bin/$b missing (build skiff skiffd skiff-runtime)" >&2; exit 1; }
  done
fi

tmp=$(mktemp -d /tmp/skiff-bench-registry.XXXXXX)
cg="skiff-bench-registry-${tmp##*.}"
S=unix://$tmp/skiff/skiff.sock
K=unix://$tmp/docker/docker.sock
# Each client keeps its credentials store in the temp dir (there are none: the registries have no auth).
sk() { DOCKER_CONFIG=$tmp/skiff-config "$bin/skiff" -H "$S" "$@"; }
dk() { DOCKER_CONFIG=$tmp/docker-config DOCKER_HOST=$K /usr/bin/docker "$@"; }

cleanup() {
  trap - EXIT
  if [ "${KEEP:-0}" = 1 ]; then echo "KEEP=1: $tmp (skiffd $S, dockerd $K, registry $(cat "$tmp/pullreg/addr" 2>/dev/null))"; return; fi
  for r in "$tmp"/pullreg "$tmp"/pushreg-*; do [ -d "$r" ] && "$reg" stop "$r" >/dev/null 2>&1; done
  has skiff && "$src/tests/support/private-skiffd.sh" stop "$tmp/skiff" >/dev/null 2>&1
  "$src/tests/support/private-dockerd.sh" stop "$tmp/docker" >/dev/null 2>&1
  for _ in 1 2 3 4 5; do
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
trap 'exit 130' INT TERM

if has skiff; then
  SKIFFD=$bin/skiffd "$src/tests/support/private-skiffd.sh" start "$tmp/skiff" >/dev/null || { echo "skiffd did not start" >&2; exit 1; }
fi
"$src/tests/support/private-dockerd.sh" start "$tmp/docker" --cgroup-parent "/$cg-docker" >/dev/null || { echo "dockerd did not start" >&2; exit 1; }
"$src/tests/support/busybox-rootfs.sh" "$tmp/rootfs"
tar -C "$tmp/rootfs" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf "$tmp/busybox.tar" .
rm -rf "$tmp/rootfs"
dk import -c 'CMD ["sh"]' "$tmp/busybox.tar" busybox:latest >/dev/null || exit 1

# The image: busybox plus one layer of 1 GiB in 10,000 files (100 dirs x 100 files of random bytes).
mkdir -p "$tmp/big"
printf 'FROM busybox:latest\nCOPY . /data\n' > "$tmp/big/Dockerfile"
python3 - "$tmp/big" <<'PY'
import os, sys
root, size = sys.argv[1], (1 << 30) // 10000
for d in range(100):
    os.mkdir(os.path.join(root, "d%02d" % d))
    for f in range(100):
        with open(os.path.join(root, "d%02d" % d, "f%02d" % f), "wb") as fh:
            fh.write(os.urandom(size))
PY
DOCKER_BUILDKIT=0 dk build -q -t bench-reg:latest "$tmp/big" >"$tmp/build.log" 2>&1 || { echo "bench/registry: docker build failed:" >&2; tail -5 "$tmp/build.log" >&2; exit 1; }
rm -rf "$tmp/big"
image_id=$(dk image inspect -f '{{.Id}}' bench-reg:latest)
if has skiff; then
  dk save bench-reg:latest | sk load >/dev/null || { echo "bench/registry: skiff load of the image failed" >&2; exit 1; }
fi
# The registry every pull reads, filled by docker push.
pull_addr=$("$reg" start "$tmp/pullreg") || { echo "bench/registry: registry did not start" >&2; exit 1; }
dk tag bench-reg:latest "$pull_addr/bench/big:latest"
dk push "$pull_addr/bench/big:latest" >"$tmp/push0.log" 2>&1 || { echo "bench/registry: docker push to the pull registry failed:" >&2; tail -5 "$tmp/push0.log" >&2; exit 1; }
dk rmi "$pull_addr/bench/big:latest" >/dev/null
sync
echo "bench/registry: image $(dk image inspect -f '{{.Size}}' bench-reg:latest | awk '{printf "%.2f GB", $1/1e9}') (busybox + 10,000 files in one layer), registry $(du -sh "$tmp/pullreg/data" | cut -f1) compressed; $(nproc) cores, N=$n"

now_us() { echo "${EPOCHREALTIME/./}"; }
# timed NAME CMD...: runs CMD after a sync, output to $tmp/NAME.log; prints its microseconds or "fail".
timed() {
  local name=$1 t0 t1; shift
  sync
  t0=$(now_us)
  if "$@" >"$tmp/$name.log" 2>&1; then t1=$(now_us); echo $((t1 - t0)); else echo fail; echo "bench/registry: $name failed:" >&2; tail -5 "$tmp/$name.log" >&2; fi
}
median_s() { grep -v fail | sort -n | awk '{a[NR]=$1} END {if (NR==0) {print "n/a"; exit}; printf "%.3f", a[int((NR+1)/2)]/1e6}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "n/a" || b == "n/a" || b == 0) print "n/a"; else printf "%.2f", a / b }'; }
# forget TOOL: the image's layers gone from that tool's daemon (not timed).
forget() {
  case $1 in
    docker) dk rmi -f "$image_id" >/dev/null 2>&1; dk image prune -f >/dev/null 2>&1 ;;
    skiff)  sk rmi -f "$image_id" >/dev/null 2>&1; sk image prune -f >/dev/null 2>&1 ;;
  esac
}
# push_run TOOL I: a fresh empty registry, then the timed push into it; the registry is removed after.
push_run() {
  local r=$tmp/pushreg-$1-$2 a
  a=$("$reg" start "$r") || { echo fail; return; }
  case $1 in
    docker) dk tag bench-reg:latest "$a/bench/big:latest"; timed "push-$1" dk push "$a/bench/big:latest"; dk rmi "$a/bench/big:latest" >/dev/null 2>&1 ;;
    skiff)  sk tag bench-reg:latest "$a/bench/big:latest"; timed "push-$1" sk push "$a/bench/big:latest"; sk rmi "$a/bench/big:latest" >/dev/null 2>&1 ;;
  esac
  "$reg" stop "$r" >/dev/null 2>&1
  rm -rf "$r"
}
# pull_run TOOL I: the timed pull from the pull registry (the layers removed first); afterwards the image
# is tagged bench-reg:latest again for the next push.
pull_run() {
  local ref=$pull_addr/bench/big:latest
  case $1 in
    docker) forget docker; timed "pull-$1" dk pull "$ref"; dk tag "$ref" bench-reg:latest >/dev/null 2>&1 ;;
    skiff)  forget skiff; timed "pull-$1" sk pull "$ref"; sk tag "$ref" bench-reg:latest >/dev/null 2>&1 ;;
    skopeo) rm -rf "$tmp/oci"; mkdir -p "$tmp/oci"
            timed "pull-$1" skopeo copy -q --src-tls-verify=false "docker://$ref" "oci:$tmp/oci/layout:latest"
            rm -rf "$tmp/oci" ;;
  esac
}

declare -A res
for t in $tools; do : > "$tmp/push.$t"; : > "$tmp/pull.$t"; done
for i in $(seq 1 "$n"); do
  for t in $tools; do [ "$t" = skopeo ] || push_run "$t" "$i" >> "$tmp/push.$t"; done
  for t in $tools; do pull_run "$t" "$i" >> "$tmp/pull.$t"; done
done
for t in $tools; do res[push.$t]=$(median_s < "$tmp/push.$t"); res[pull.$t]=$(median_s < "$tmp/pull.$t"); done
res[push.skopeo]=n/a

v() { echo "${res[$1.$2]:-n/a}"; }
row() { printf '%-50s %9s %9s %9s %11s %11s\n' "$@"; }
echo
row "median seconds" "skiff" "docker" "skopeo" "docker/sk" "skopeo/sk"
row "push 1 GiB / 10,000 files (+busybox), empty registry" "$(v push skiff)" "$(v push docker)" "-" "$(ratio "$(v push docker)" "$(v push skiff)")" "-"
row "pull of it, unpacked (skopeo: copy to an OCI dir)" "$(v pull skiff)" "$(v pull docker)" "$(v pull skopeo)" "$(ratio "$(v pull docker)" "$(v pull skiff)")" "$(ratio "$(v pull skopeo)" "$(v pull skiff)")"
echo
for m in push pull; do   # every run, for a look at the spread
  for t in $tools; do
    [ "$m.$t" = push.skopeo ] && continue
    printf '  %-5s %-7s %s\n' "$m" "$t" "$(awk '$1 != "fail" {printf "%.3f ", $1/1e6} $1 == "fail" {printf "fail "}' "$tmp/$m.$t")"
  done
done
echo
has skiff && has docker || { echo "bench/registry: targets not judged (TOOLS=$tools)"; exit 0; }
ok=0
target() {  # target WHAT OTHER TIMES
  local r; r=$(ratio "$(v "$1" "$2")" "$(v "$1" skiff)")
  if awk -v r="$r" -v t="$3" 'BEGIN { exit !(r != "n/a" && r >= t) }'; then echo "target met:    $1 vs $2 (${r}x >= ${3}x)"
  else echo "target missed: $1 vs $2 (${r}x < ${3}x)"; ok=1; fi
}
target push docker 4; target pull docker 2.5
has skopeo && target pull skopeo 1
exit $ok

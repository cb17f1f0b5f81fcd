#!/usr/bin/env bash
# bench/build/run.sh: the build issue's four measurements, `skiff build` beside the two builders of a private
# real dockerd (docker.io 20.10): the legacy builder (DOCKER_BUILDKIT=0 /usr/bin/docker build) and BuildKit
# (DOCKER_BUILDKIT=1 /usr/bin/docker build, built into dockerd 20.10; --network none, the private dockerd
# has no bridge). Same machine, same busybox base image, same contexts. See bench/build/README.md.
#
#   cached    a fully cached rebuild of a 9-step busybox Dockerfile (FROM, ENV, WORKDIR, COPY, RUN, ARG,
#             LABEL, EXPOSE, CMD)
#   cold      `COPY . /data` of 1 GiB in 10,000 files (100 dirs of 100 random files), no cache: the image
#             and every build cache are removed before each run
#   touched   the same build again after `touch` of one file (mtime only, content unchanged)
#   changed   the same build again after 16 bytes of one file were overwritten (size unchanged)
# Each number is the median of N runs (env N, default 5), in seconds; the tools take turns in each round,
# each big build starts after a `sync` (the previous tool's writes are not the next one's to wait for).
# Every run is listed below the table.
# Prints a table with the ratios legacy/skiff and buildkit/skiff (above 1: Skiff is faster), then the
# issue's targets: at least 5x BuildKit on cached and touched, at least 2x BuildKit on cold and changed.
# Exit 0 when the targets hold, 1 otherwise, 77 when not root or docker.io is missing.
# Env: N         runs per measurement (default 5)
#      SKIFF_BIN dir with skiff, skiffd, skiff-runtime (default <src>/build/bin)
#      TOOLS     which columns to measure (default "skiff legacy buildkit"; e.g. TOOLS="legacy buildkit")
#      KEEP=1    keep the temp dir and both daemons
# Everything (daemons, images, caches, the 1 GiB context, the temp dir) is removed at the end.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/../.." && pwd)
bin=${SKIFF_BIN:-$src/build/bin}
n=${N:-5}
tools=${TOOLS:-skiff legacy buildkit}
[ "$(id -u)" = 0 ] || { echo "bench/build: needs root" >&2; exit 77; }
command -v dockerd >/dev/null && [ -x /usr/bin/docker ] || { echo "bench/build: docker.io not installed" >&2; exit 77; }
command -v python3 >/dev/null || { echo "bench/build: python3 missing (makes the 1 GiB context)" >&2; exit 77; }
has() { [[ " $tools " == *" $1 "* ]]; }
if has skiff; then
  for b in skiff skiffd skiff-runtime; do
    [ -x "$bin/$b" ] || { echo "bench/build: $bin/$b missing (build skiff skiffd skiff-runtime)" >&2; exit 1; }
  done
fi

tmp=$(mktemp -d /tmp/skiff-bench-build.XXXXXX)
cg="skiff-bench-build-${tmp##*.}"
S=unix://$tmp/skiff/skiff.sock
K=unix://$tmp/docker/docker.sock
sk() { "$bin/skiff" -H "$S" "$@"; }
dk() { DOCKER_HOST=$K /usr/bin/docker "$@"; }

cleanup() {
  trap - EXIT
  if [ "${KEEP:-0}" = 1 ]; then echo "KEEP=1: $tmp (skiffd $S, dockerd $K)"; return; fi
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
has skiff && { DOCKER_HOST=$S /usr/bin/docker import -c 'CMD ["sh"]' "$tmp/busybox.tar" busybox:latest >/dev/null || exit 1; }
dk import -c 'CMD ["sh"]' "$tmp/busybox.tar" busybox:latest >/dev/null || exit 1

# The 9-step context.
mkdir -p "$tmp/small"
cat > "$tmp/small/Dockerfile" <<'EOF'
FROM busybox:latest
ENV APP=/app MODE=bench
WORKDIR /app
COPY app.sh ./
RUN chmod +x app.sh && echo built > /built.txt
ARG VERSION=1.0
LABEL version=$VERSION
EXPOSE 8080
CMD ["./app.sh"]
EOF
printf '#!/bin/sh\necho "app $MODE"\n' > "$tmp/small/app.sh"

# The 1 GiB context: 100 dirs x 100 files of random bytes (1 GiB / 10,000 each).
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
sync
echo "bench/build: context $(du -sh "$tmp/big" | cut -f1) in $(find "$tmp/big" -type f | wc -l) files; $(nproc) cores, N=$n"

# build TOOL CTX TAG: one build, output to $tmp/TOOL.log; its exit status.
build() {
  case $1 in
    skiff)    sk build -t "$3" "$2" ;;
    legacy)   DOCKER_BUILDKIT=0 dk build -t "$3" "$2" ;;
    buildkit) DOCKER_BUILDKIT=1 dk build --network none -t "$3" "$2" ;;
  esac >"$tmp/$1.log" 2>&1
}
now_us() { echo "${EPOCHREALTIME/./}"; }
# timed_build TOOL CTX TAG: prints the build's microseconds, or "fail" (and its log on stderr).
timed_build() {
  local t0 t1; t0=$(now_us)
  if build "$@"; then t1=$(now_us); echo $((t1 - t0)); else echo fail; echo "bench/build: $1 build of $2 failed:" >&2; tail -5 "$tmp/$1.log" >&2; fi
}
median_s() { grep -v fail | sort -n | awk '{a[NR]=$1} END {if (NR==0) {print "n/a"; exit}; printf "%.3f", a[int((NR+1)/2)]/1e6}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "n/a" || b == "n/a" || b == 0) print "n/a"; else printf "%.2f", a / b }'; }
# forget TOOL TAG: the image and every build cache of that tool gone (not timed).
forget() {
  case $1 in
    skiff)    sk rmi -f "$2" >/dev/null 2>&1; sk image prune -f >/dev/null 2>&1; sk builder prune -a -f >/dev/null 2>&1 ;;
    legacy)   dk rmi -f "$2" >/dev/null 2>&1; dk image prune -f >/dev/null 2>&1 ;;
    buildkit) dk rmi -f "$2" >/dev/null 2>&1; dk builder prune -a -f >/dev/null 2>&1 ;;
  esac
}
# drop_dangling TOOL: the images an earlier changed-file build left behind (not timed; BuildKit's cache is
# kept, its next build uses it as it would on a developer's machine).
drop_dangling() {
  case $1 in
    skiff) sk image prune -f >/dev/null 2>&1 ;;
    legacy) dk image prune -f >/dev/null 2>&1 ;;
  esac
}

declare -A res
# --- cached: a warm-up build, then N cached rebuilds.
for t in $tools; do build "$t" "$tmp/small" "bench-small-$t" || { echo "bench/build: $t cannot build the 9-step Dockerfile:" >&2; tail -5 "$tmp/$t.log" >&2; }; done
for t in $tools; do : > "$tmp/cached.$t"; done
for i in $(seq 1 "$n"); do for t in $tools; do timed_build "$t" "$tmp/small" "bench-small-$t" >> "$tmp/cached.$t"; done; done
for t in $tools; do res[cached.$t]=$(median_s < "$tmp/cached.$t"); done

# --- cold: N builds of the 1 GiB context, each after forgetting everything.
for t in $tools; do : > "$tmp/cold.$t"; done
for i in $(seq 1 "$n"); do
  for t in $tools; do forget "$t" "bench-big-$t"; sync; timed_build "$t" "$tmp/big" "bench-big-$t" >> "$tmp/cold.$t"; done
done
for t in $tools; do res[cold.$t]=$(median_s < "$tmp/cold.$t"); done

# --- touched: each round touches another file, then every tool rebuilds.
for t in $tools; do : > "$tmp/touched.$t"; build "$t" "$tmp/big" "bench-big-$t"; done
for i in $(seq 1 "$n"); do
  touch "$tmp/big/d$(printf %02d $((i % 100)))/f07"
  for t in $tools; do sync; timed_build "$t" "$tmp/big" "bench-big-$t" >> "$tmp/touched.$t"; done
done
for t in $tools; do res[touched.$t]=$(median_s < "$tmp/touched.$t"); done

# --- changed: each round overwrites 16 bytes of another file, then every tool rebuilds.
for t in $tools; do : > "$tmp/changed.$t"; done
for i in $(seq 1 "$n"); do
  f="$tmp/big/d$(printf %02d $(((i * 7) % 100)))/f$(printf %02d $((i % 100)))"
  head -c 16 /dev/urandom | dd of="$f" bs=16 count=1 conv=notrunc status=none
  for t in $tools; do sync; timed_build "$t" "$tmp/big" "bench-big-$t" >> "$tmp/changed.$t"; drop_dangling "$t"; done
done
for t in $tools; do res[changed.$t]=$(median_s < "$tmp/changed.$t"); done

v() { echo "${res[$1.$2]:-n/a}"; }
row() { printf '%-44s %9s %9s %9s %11s %11s\n' "$@"; }
echo
row "median seconds" "skiff" "legacy" "buildkit" "legacy/sk" "buildkit/sk"
for m in cached cold touched changed; do
  case $m in
    cached) label="cached rebuild, 9-step busybox Dockerfile" ;;
    cold) label="COPY . /data, 1 GiB in 10,000 files, cold" ;;
    touched) label="rebuild after touching one file" ;;
    changed) label="rebuild after changing one file" ;;
  esac
  row "$label" "$(v $m skiff)" "$(v $m legacy)" "$(v $m buildkit)" "$(ratio "$(v $m legacy)" "$(v $m skiff)")" "$(ratio "$(v $m buildkit)" "$(v $m skiff)")"
done
echo
for m in cached cold touched changed; do   # every run, for a look at the spread
  for t in $tools; do printf '  %-8s %-9s %s\n' "$m" "$t" "$(awk '$1 != "fail" {printf "%.3f ", $1/1e6} $1 == "fail" {printf "fail "}' "$tmp/$m.$t")"; done
done
echo
has skiff && has buildkit || { echo "bench/build: targets not judged (TOOLS=$tools)"; exit 0; }
ok=0
target() {
  local r; r=$(ratio "$(v "$1" buildkit)" "$(v "$1" skiff)")
  if awk -v r="$r" -v t="$2" 'BEGIN { exit !(r != "n/a" && r >= t) }'; then echo "target met:    $1 vs BuildKit (${r}x >= ${2}x)"
  else echo "target missed: $1 vs BuildKit (${r}x < ${2}x)"; ok=1; fi
}
target cached 5; target touched 5; target cold 2; target changed 2
exit $ok

#!/usr/bin/env bash
# save_load.sh [BUILD_DIR]: times `docker save`/`docker load` of a 1 GiB, 10,000-file image on a private
# dockerd against Skiff's save/load (bench driver skiff-image-bench), and prints the ratios.
# Needs root and docker.io; exits 77 (skip) without them. Cleans up everything it makes.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd); src=$(cd "$here/../.." && pwd)
build=${1:-${BUILD_DIR:-$src/build}}
drv=$build/bin/skiff-image-bench
[ "$(id -u)" = 0 ] || { echo "save_load: needs root" >&2; exit 77; }
[ -x "$drv" ] || { echo "save_load: $drv missing (build first)" >&2; exit 1; }
work=$(mktemp -d /var/tmp/skiff-bench-image.XXXXXX)
cleanup() { "$src/tests/support/private-dockerd.sh" stop "$work/d" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
"$src/tests/support/private-dockerd.sh" start "$work/d" || exit $?
docker() { DOCKER_HOST="unix://$work/d/docker.sock" /usr/bin/docker "$@"; }
secs() { local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null; t1=$(date +%s.%N); awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", b - a}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.1f", a / b}'; }

echo "building the image: 10,000 files, 1 GiB..."
"$src/tests/support/busybox-rootfs.sh" "$work/rootfs" >/dev/null
tar -C "$work/rootfs" -c . | docker import - bench-base:1 >/dev/null
mkdir -p "$work/ctx/data"
for d in $(seq 0 99); do
  mkdir -p "$work/ctx/data/$d"
  head -c $((100 * 107374)) /dev/urandom | split -b 107374 -a 2 -d - "$work/ctx/data/$d/f"
done
printf 'FROM bench-base:1\nCOPY data /data\n' > "$work/ctx/Dockerfile"
docker build -q -t bench:1 "$work/ctx" >/dev/null
rm -rf "$work/ctx"
id=$(docker image inspect -f '{{.Id}}' bench:1)
sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true

d_save=$(secs docker save -o "$work/docker.tar" bench:1)
docker rmi bench:1 bench-base:1 >/dev/null
sync
d_load=$(secs docker load -i "$work/docker.tar")

s_load=$("$drv" load "$work/skiff" "$work/docker.tar" 2>/dev/null)
sync
s_save=$("$drv" save "$work/skiff" "$work/skiff.tar" bench:1 2>/dev/null)
# The round trip must keep the ID.
docker rmi bench:1 >/dev/null
docker load -i "$work/skiff.tar" >/dev/null
[ "$(docker image inspect -f '{{.Id}}' bench:1)" = "$id" ] || { echo "save_load: image ID changed in the round trip" >&2; exit 1; }

printf '%-12s %8s %8s %8s\n' op docker skiff speedup
printf '%-12s %8.2f %8.2f %7.1fx\n' save "$d_save" "$s_save" "$(ratio "$d_save" "$s_save")"
printf '%-12s %8.2f %8.2f %7.1fx\n' load "$d_load" "$s_load" "$(ratio "$d_load" "$s_load")"

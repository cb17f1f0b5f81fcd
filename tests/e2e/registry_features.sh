#!/usr/bin/env bash
# registry_features.sh: what registry_docker.sh does not judge against docker, on Skiff alone, with Debian's
# docker-registry on loopback (plain http, no auth) and skopeo:
#   mirror    a skiffd whose daemon.json has "registry-mirrors": `skiff pull busybox` and `skiff run` of a
#             missing docker.io image are served by the mirror (a loopback registry holding library/busybox)
#   digest    pull by digest; the image lists the repo digest
#   all-tags  push -a and pull -a of a repository with two tags
#   index     an OCI index (amd64 + arm64 entries): pull picks linux/amd64 and records the index digest;
#             --platform linux/s390x fails naming the platform; GET /distribution/{name}/json lists both
#   zstd      an OCI image with a zstd layer (skopeo --dest-compress-format zstd) pulls and runs
#   resume    a pull through a slow proxy (fault_proxy.py --rate) interrupted twice: the CLI killed (the
#             client goes away), then the daemon killed with SIGKILL; each next pull asks for the rest (Range: bytes=N-,
#             N > 0), and the image is whole
#   errors    missing repo/tag, pushing a missing image, bad references: clear errors, nothing half-made
#   build     FROM an image only in the registry pulls it during the build
# Env: SKIFF_BIN (default <src>/build/bin), SKIFF_SRC. Exit 0 pass, 1 fail, 77 skip. Everything it starts is
# stopped at the end (by PID), every dir it made removed.
set -u
SRC=${SKIFF_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
BIN=${SKIFF_BIN:-$SRC/build/bin}
runtime="skiffd $("$BIN/skiffd" --version 2>/dev/null | awk '{print $4}'), $(docker-registry --version 2>/dev/null | awk '{print $3}')"
[ "$(id -u)" = 0 ] || { echo "registry_features: needs root" >&2; exit 77; }
command -v docker-registry >/dev/null || { echo "registry_features: docker-registry not installed" >&2; exit 77; }
command -v skopeo >/dev/null || { echo "registry_features: skopeo not installed" >&2; exit 77; }
for b in skiff skiffd skiff-runtime; do [ -x "$BIN/$b" ] || { echo "registry_features: $BIN/$b not built" >&2; exit 1; }; done
source "$SRC/tests/support/checks.sh"
SUP=$SRC/tests/support
REG=$SUP/private-registry.sh

WORK=$(mktemp -d /tmp/skiff-e2e-regfeat.XXXXXX)
pids=()
cleanup() {
  trap - EXIT
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  [ -d "$WORK/s" ] && "$SUP/private-skiffd.sh" stop "$WORK/s" >/dev/null 2>&1
  for r in "$WORK"/reg-*; do [ -d "$r" ] && "$REG" stop "$r" >/dev/null 2>&1; done
  grep -o " $WORK[^ ]*" /proc/self/mountinfo | sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
  rm -rf --one-file-system "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

SK=(env "SKIFF_HOST=unix://$WORK/s/skiff.sock" "DOCKER_CONFIG=$WORK/cfg" "$BIN/skiff")
run() {
  cmd=$(printf '%q ' "$@"); cmd=${cmd% }
  local c=("$@")
  [ "$1" = skiff ] && c=("${SK[@]}" "${@:2}")
  out=$(timeout -k 5 "${RUN_TIMEOUT:-180}" "${c[@]}" 2>&1); rc=$?
}
S() { "${SK[@]}" "$@"; }
source "$SUP/registry/start_py.sh"
# The partial download of the image store (bytes kept of an interrupted blob), 0 when none.
partial_bytes() { local f; f=$(ls "$WORK"/s/data/image/content/ingest/partial-* 2>/dev/null | head -1); [ -n "$f" ] && stat -c %s "$f" || echo 0; }
wait_partial() { # wait_partial MIN: until the partial download holds at least MIN bytes (20 s at most)
  for _ in $(seq 1 200); do [ "$(partial_bytes)" -ge "$1" ] && return 0; sleep 0.1; done; return 1
}

R=$("$REG" start "$WORK/reg-r") || { echo "registry_features: registry failed" >&2; exit 1; }
M=$("$REG" start "$WORK/reg-m") || { echo "registry_features: mirror registry failed" >&2; exit 1; }
printf '{"registry-mirrors": ["http://%s"]}\n' "$M" > "$WORK/daemon.json"
SKIFFD_CONFIG=$WORK/daemon.json SKIFFD=$BIN/skiffd "$SUP/private-skiffd.sh" start "$WORK/s" || { echo "registry_features: skiffd failed" >&2; exit 1; }
"$SUP/busybox-rootfs.sh" "$WORK/rootfs" >/dev/null
tar -C "$WORK/rootfs" -c . | S import -c 'CMD ["sh"]' - busybox:latest >/dev/null || exit 1
bb_id=$(S image inspect -f '{{.Id}}' busybox:latest)

# ---- mirror: docker.io served by registry-mirrors
S tag busybox:latest "$M/library/busybox:latest"
check "mirror: push busybox into the mirror as library/busybox" '[ $rc = 0 ]' skiff push "$M/library/busybox:latest"
S rmi "$M/library/busybox:latest" busybox:latest >/dev/null
check "mirror: skiff pull busybox comes from the mirror" '[ $rc = 0 ] && [[ $out == *"Status: Downloaded newer image for busybox:latest"* ]]' skiff pull busybox
check "mirror: same image ID" '[ "$out" = "$bb_id" ]' skiff image inspect -f '{{.Id}}' busybox
ok "mirror: the mirror served it" 'grep -q "library/busybox/manifests/latest" "$WORK/reg-m/registry.log"' "$(tail -5 "$WORK/reg-m/registry.log")"
S rmi busybox >/dev/null
check "mirror: run of a missing docker.io image pulls it" '[ $rc = 0 ] && [[ $out == *"Unable to find image '"'"'busybox:latest'"'"' locally"* ]] && [[ $out == *hi ]]' skiff run --rm --network none busybox echo hi

# ---- digest
S tag busybox "$R/f/bb:1"
check "digest: push" '[ $rc = 0 ] && [[ $out == *"1: digest: sha256:"* ]]' skiff push "$R/f/bb:1"
dg=$(sed -n 's/.*1: digest: \(sha256:[0-9a-f]*\) size.*/\1/p' <<<"$out")
S rmi "$R/f/bb:1" >/dev/null
check "digest: pull by digest" '[ $rc = 0 ] && [[ $out == *"Digest: $dg"* ]]' skiff pull "$R/f/bb@$dg"
check "digest: the image has the repo digest" '[[ $out == *"$R/f/bb@$dg"* ]]' skiff image inspect -f '{{json .RepoDigests}}' "$R/f/bb@$dg"

# ---- all tags
S tag busybox "$R/f/multi:a"; S tag busybox "$R/f/multi:b"
check "all-tags: push -a pushes both tags" '[ $rc = 0 ] && [[ $out == *"a: digest:"* ]] && [[ $out == *"b: digest:"* ]]' skiff push -a "$R/f/multi"
S rmi "$R/f/multi:a" "$R/f/multi:b" >/dev/null
check "all-tags: pull -a" '[ $rc = 0 ]' skiff pull -a "$R/f/multi"
out=$(S images --format '{{.Tag}}' "$R/f/multi" | sort | tr '\n' ' '); out=${out% }
ok "all-tags: both tags are here" '[ "$out" = "a b" ]' "$out"

# ---- index: an OCI index with two platforms over the same manifest
S tag busybox "$R/f/idx:base"; S push "$R/f/idx:base" >/dev/null
mf_headers=$(curl -sS -D - -o "$WORK/mf.json" -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' "http://$R/v2/f/idx/manifests/base")
mdg=$(tr -d '\r' <<<"$mf_headers" | sed -n 's/^[Dd]ocker-[Cc]ontent-[Dd]igest: //p')
msz=$(stat -c %s "$WORK/mf.json")
cat > "$WORK/index.json" <<EOF
{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[
 {"mediaType":"application/vnd.docker.distribution.manifest.v2+json","digest":"$mdg","size":$msz,"platform":{"architecture":"arm64","os":"linux","variant":"v8"}},
 {"mediaType":"application/vnd.docker.distribution.manifest.v2+json","digest":"$mdg","size":$msz,"platform":{"architecture":"amd64","os":"linux"}}]}
EOF
idx_put=$(curl -sS -o /dev/null -w '%{http_code}' -X PUT -H 'Content-Type: application/vnd.oci.image.index.v1+json' --data-binary @"$WORK/index.json" "http://$R/v2/f/idx/manifests/1")
idg="sha256:$(sha256sum "$WORK/index.json" | cut -d' ' -f1)"
ok "index: the test index is in the registry" '[ "$idx_put" = 201 ]' "PUT answered $idx_put"
S rmi "$R/f/idx:base" >/dev/null
check "index: pull of an index picks linux/amd64" '[ $rc = 0 ] && [[ $out == *"Digest: $idg"* ]]' skiff pull "$R/f/idx:1"
check "index: the repo digest is the index's" '[[ $out == *"$R/f/idx@$idg"* ]]' skiff image inspect -f '{{json .RepoDigests}}' "$R/f/idx:1"
check "index: --platform linux/arm64/v8 picks the arm64 entry" '[ $rc = 0 ]' skiff pull --platform linux/arm64/v8 "$R/f/idx:1"
check "index: --platform linux/s390x fails naming it" '[ $rc != 0 ] && [[ $out == *"linux/s390x"* ]]' skiff pull --platform linux/s390x "$R/f/idx:1"
dist=$(curl -sS --unix-socket "$WORK/s/skiff.sock" "http://d/v1.41/distribution/$R/f/idx:1/json")
ok "index: /distribution lists the index and both platforms" \
  'python3 -c "import json,sys; j=json.loads(sys.argv[1]); assert j[\"Descriptor\"][\"digest\"]==sys.argv[2]; assert sorted(p[\"architecture\"] for p in j[\"Platforms\"])==[\"amd64\",\"arm64\"]" "$dist" "$idg"' "$dist"

# ---- zstd: an OCI image whose layer is zstd-compressed
S save -o "$WORK/bb.tar" busybox:latest
zc=$(skopeo copy --quiet --dest-tls-verify=false --format oci --dest-compress-format zstd "docker-archive:$WORK/bb.tar" "docker://$R/f/zstd:1" 2>&1); zrc=$?
ok "zstd: skopeo pushed an OCI image with a zstd layer" '[ $zrc = 0 ] && curl -sS -H "Accept: application/vnd.oci.image.manifest.v1+json" "http://$R/v2/f/zstd/manifests/1" | grep -q "tar+zstd"' "$zc"
check "zstd: skiff pull" '[ $rc = 0 ]' skiff pull "$R/f/zstd:1"
check "zstd: it runs" '[ $rc = 0 ] && [ "$out" = zstd-ok ]' skiff run --rm --network none "$R/f/zstd:1" echo zstd-ok

# ---- resume: interrupted by the client going away, then by the daemon dying
S run --name mk --network none busybox sh -c 'head -c 40000000 /dev/urandom > /big; sha256sum /big | cut -d" " -f1 > /big.sum' >/dev/null
S commit mk "$R/f/big:1" >/dev/null; S rm mk >/dev/null
S push "$R/f/big:1" >/dev/null
big_sum=$(S run --rm --network none "$R/f/big:1" cat /big.sum)
S rmi "$R/f/big:1" >/dev/null
start_py slow fault_proxy.py --target "$R" --rate 8000000 --log "$WORK/slow.log" || exit 1
SLOW=$(cat "$WORK/slow.addr")
"${SK[@]}" pull "$SLOW/f/big:1" >"$WORK/pull1.out" 2>&1 &
cli=$!
# SIGTERM: a background job of a script ignores SIGINT; either way the client just goes away.
wait_partial 5000000; kill -TERM $cli; wait $cli 2>/dev/null
sleep 1
p1=$(partial_bytes)
ok "resume: an interrupted pull keeps what it downloaded" '[ "$p1" -ge 5000000 ]' "partial $p1 bytes; $(cat "$WORK/pull1.out")"
"${SK[@]}" pull "$SLOW/f/big:1" >"$WORK/pull2.out" 2>&1 &
cli=$!
wait_partial $((p1 + 4000000))
kill -KILL "$(cat "$WORK/s/skiffd.pid")"; wait $cli 2>/dev/null
p2=$(partial_bytes)
ok "resume: the second pull continued from there (Range: bytes=N-)" 'grep -Eq "Range: bytes=[1-9][0-9]*-" "$WORK/slow.log"' "$(grep -E 'blobs|FAULT' "$WORK/slow.log")"
SKIFFD_CONFIG=$WORK/daemon.json SKIFFD=$BIN/skiffd "$SUP/private-skiffd.sh" start "$WORK/s" || { echo "registry_features: skiffd restart failed" >&2; exit 1; }
ok "resume: the partial download survived the daemon's death" '[ "$(partial_bytes)" -ge "$p2" ] && [ "$p2" -gt "$p1" ]' "before kill $p2, after restart $(partial_bytes)"
: > "$WORK/slow.log"
check "resume: the third pull completes" '[ $rc = 0 ]' skiff pull "$SLOW/f/big:1"
ok "resume: it asked only for the rest" 'grep -Eq "Range: bytes=[1-9][0-9]*-" "$WORK/slow.log"' "$(grep -E 'blobs' "$WORK/slow.log")"
check "resume: the image is whole" '[ $rc = 0 ] && [ "$out" = "$big_sum" ]' skiff run --rm --network none "$SLOW/f/big:1" sh -c 'sha256sum /big | cut -d" " -f1'
ok "resume: no partial download is left" '[ "$(partial_bytes)" = 0 ]' "$(ls -la "$WORK"/s/data/image/content/ingest/)"

# ---- errors
check "errors: a missing tag" '[ $rc != 0 ] && [[ $out == *"manifest for $R/f/bb:nosuch not found: manifest unknown"* ]]' skiff pull "$R/f/bb:nosuch"
check "errors: a missing repository" '[ $rc != 0 ] && [[ $out == *"not found"* || $out == *"unknown"* ]]' skiff pull "$R/nosuch/repo:1"
check "errors: push of an image that is not here" '[ $rc != 0 ] && [[ $out == *"does not exist locally"* ]]' skiff push "$R/f/none:1"
check "errors: a bad reference" '[ $rc != 0 ] && [[ $out == *"invalid reference format"* ]]' skiff pull "$R/F/Upper:1"
check "errors: nothing unreachable is retried forever" '[ $rc != 0 ] && [[ $out == *"127.0.0.1:1"* ]]' skiff pull 127.0.0.1:1/x/y:1

# ---- build: FROM an image only in the registry
S rmi "$R/f/bb:1" >/dev/null 2>&1; S rmi "$R/f/bb@$dg" >/dev/null 2>&1
mkdir -p "$WORK/ctx"; printf 'FROM %s/f/bb:1\nRUN echo built > /b\n' "$R" > "$WORK/ctx/Dockerfile"
check "build: FROM pulls a missing base image" '[ $rc = 0 ] && [[ $out == *"Status: Downloaded newer image for $R/f/bb:1"* ]]' skiff build --network none -t built:1 "$WORK/ctx"
check "build: the image runs" '[ $rc = 0 ] && [ "$out" = built ]' skiff run --rm --network none built:1 cat /b

summary registry_features

#!/usr/bin/env bash
# registry_docker.sh: skiff login/pull/push/logout/search against Debian's docker-registry 2.8 on loopback,
# judged against the stock docker client (/usr/bin/docker 20.10 with a private real dockerd) and skopeo:
#   a  a registry with --tls --auth basic: docker logs in and pushes busybox; skiff logs in and pulls it;
#      the image IDs match; `skiff run` of it works. Once with the registry's CA in /etc/skiff/certs.d, once
#      with a second skiffd whose daemon.json lists the registry in "insecure-registries".
#   b  skiff pushes an image it built: docker pulls it (same ID) and runs it, skopeo inspects it; a second
#      push says "Layer already exists", a push to another repo "Mounted from ...".
#   c  --auth token (token_server.py): skiff login, push, pull; docker pulls what skiff pushed.
#   d  tests/support/registry/fault_proxy.py: a pull through --drop-after resumes (a Range request) and the
#      image works; a pull through --corrupt-at fails naming the blob digest and leaves no image; a pull
#      without the proxy then works.
#   e  skiff logout removes the credentials; a pull of the private repo then fails with an auth error.
#   f  skiff search against tests/support/registry/index_server.py prints what docker search prints.
# Env: SKIFF_BIN (dir with skiff, skiffd, skiff-runtime; default <src>/build/bin), SKIFF_SRC,
#      ONLY=docker runs the docker/skopeo side only (the harness itself, without Skiff).
# Exit 0 pass, 1 fail, 77 skip (not root, or docker.io / docker-registry / skopeo missing). Everything it
# starts (dockerd, skiffd, registries, token/index/proxy servers) and every dir it makes under /etc is
# removed at the end.
set -u
SRC=${SKIFF_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
BIN=${SKIFF_BIN:-$SRC/build/bin}
SKIFF=$BIN/skiff
ONLY=${ONLY:-}
runtime="docker $(/usr/bin/docker --version 2>/dev/null | awk '{print $3}' | tr -d ,), $(docker-registry --version 2>/dev/null | awk '{print $3}')"
[ "$(id -u)" = 0 ] || { echo "registry_docker: needs root" >&2; exit 77; }
[ -x /usr/bin/docker ] && command -v dockerd >/dev/null || { echo "registry_docker: docker.io not installed" >&2; exit 77; }
command -v docker-registry >/dev/null || { echo "registry_docker: docker-registry not installed" >&2; exit 77; }
command -v skopeo >/dev/null || { echo "registry_docker: skopeo not installed" >&2; exit 77; }
command -v htpasswd >/dev/null || { echo "registry_docker: htpasswd not installed (apache2-utils)" >&2; exit 77; }
if [ "$ONLY" != docker ]; then
  for b in skiff skiffd skiff-runtime; do [ -x "$BIN/$b" ] || { echo "registry_docker: $BIN/$b not built" >&2; exit 1; }; done
fi
source "$SRC/tests/support/checks.sh"
SUP=$SRC/tests/support
REG=$SUP/private-registry.sh

WORK=$(mktemp -d /tmp/skiff-e2e-registry.XXXXXX)
mkdir -p "$WORK/dcfg" "$WORK/scfg" "$WORK/home"
pids=()  # python servers this script started
cleanup() {
  trap - EXIT
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  [ -d "$WORK/s2" ] && "$SUP/private-skiffd.sh" stop "$WORK/s2" >/dev/null 2>&1
  [ -d "$WORK/s" ] && "$SUP/private-skiffd.sh" stop "$WORK/s" >/dev/null 2>&1
  "$SUP/private-dockerd.sh" stop "$WORK/d" >/dev/null 2>&1
  for r in "$WORK"/reg-*; do [ -d "$r" ] && "$REG" stop "$r" >/dev/null 2>&1; done
  grep -o " $WORK[^ ]*" /proc/self/mountinfo | sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
  rm -rf --one-file-system "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

DK=(env "DOCKER_HOST=unix://$WORK/d/docker.sock" "DOCKER_CONFIG=$WORK/dcfg" /usr/bin/docker)
SK=(env "SKIFF_HOST=unix://$WORK/s/skiff.sock" "DOCKER_CONFIG=$WORK/scfg" "HOME=$WORK/home" "$SKIFF")
SK2=(env "SKIFF_HOST=unix://$WORK/s2/skiff.sock" "DOCKER_CONFIG=$WORK/scfg" "HOME=$WORK/home" "$SKIFF")
# run CMD...: a leading docker / skiff / skiff2 is the docker client on the private dockerd, skiff on the
# first skiffd, skiff on the second one (each shown by that name); bounded by ${RUN_TIMEOUT:-180} s.
run() {
  cmd=$(printf '%q ' "$@"); cmd=${cmd% }
  local c=("$@")
  case $1 in
    docker) c=("${DK[@]}" "${@:2}") ;;
    skiff) c=("${SK[@]}" "${@:2}") ;;
    skiff2) c=("${SK2[@]}" "${@:2}") ;;
  esac
  out=$(timeout -k 5 "${RUN_TIMEOUT:-180}" "${c[@]}" 2>&1); rc=$?
}
D() { "${DK[@]}" "$@"; }
S() { "${SK[@]}" "$@"; }
skiff_on() { [ "$ONLY" != docker ]; }
source "$SUP/registry/start_py.sh"
json_has_auth() { python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); sys.exit(0 if sys.argv[2] in j.get("auths",{}) else 1)' "$1" "$2" 2>/dev/null; }

"$SUP/private-dockerd.sh" start "$WORK/d" || { echo "registry_docker: private dockerd failed" >&2; exit 1; }
"$SUP/busybox-rootfs.sh" "$WORK/rootfs" >/dev/null
tar -C "$WORK/rootfs" -c . | D import -c 'CMD ["sh"]' - busybox:latest >/dev/null || exit 1
if skiff_on; then
  SKIFFD=$BIN/skiffd "$SUP/private-skiffd.sh" start "$WORK/s" || { echo "registry_docker: private skiffd failed" >&2; exit 1; }
fi

# ---- a: --tls --auth basic
A=$("$REG" start "$WORK/reg-a" --tls --auth basic --trust /etc/docker/certs.d --trust /etc/skiff/certs.d) || { echo "registry_docker: registry a failed" >&2; exit 1; }
IMG=$A/e2e/busybox:1
check "a: docker login" '[ $rc = 0 ] && [[ $out == *"Login Succeeded"* ]]' docker login -u skiff -p secret "$A"
D tag busybox:latest "$IMG"
check "a: docker push" '[ $rc = 0 ] && [[ $out == *"1: digest: sha256:"* ]]' docker push "$IMG"
docker_id=$(D image inspect -f '{{.Id}}' "$IMG")
docker_digest=$(D image inspect -f '{{index .RepoDigests 0}}' "$IMG"); docker_digest=${docker_digest#*@}
if skiff_on; then
  check "a: skiff login" '[ $rc = 0 ] && [[ $out == *"Login Succeeded"* ]]' skiff login -u skiff -p secret "$A"
  ok "a: skiff login stored the credentials in \$DOCKER_CONFIG/config.json" 'json_has_auth "$WORK/scfg/config.json" "$A"' "$(cat "$WORK/scfg/config.json" 2>&1)"
  check "a: skiff pull (CA in /etc/skiff/certs.d)" '[ $rc = 0 ] && [[ $out == *"Digest: $docker_digest"* ]] && [[ $out == *"Status: Downloaded newer image for $IMG"* ]]' skiff pull "$IMG"
  check "a: image ID equals docker's" '[ "$out" = "$docker_id" ]' skiff image inspect -f '{{.Id}}' "$IMG"
  check "a: skiff run of the pulled image" '[ $rc = 0 ] && [ "$out" = ok ]' skiff run --rm --network none "$IMG" echo ok
  # The same through a second skiffd that trusts the registry by daemon.json "insecure-registries" only.
  A2=$("$REG" start "$WORK/reg-a2" --tls --auth basic --trust /etc/docker/certs.d) || { echo "registry_docker: registry a2 failed" >&2; exit 1; }
  D tag busybox:latest "$A2/e2e/busybox:1"
  D login -u skiff -p secret "$A2" >/dev/null 2>&1 && D push "$A2/e2e/busybox:1" >/dev/null 2>&1 || echo "registry_docker: docker push to $A2 failed" >&2
  mkdir -p "$WORK/s2"
  printf '{"insecure-registries": ["%s"]}\n' "$A2" > "$WORK/s2-daemon.json"
  if SKIFFD_CONFIG=$WORK/s2-daemon.json SKIFFD=$BIN/skiffd "$SUP/private-skiffd.sh" start "$WORK/s2"; then
    check "a: skiff login (daemon.json insecure-registries)" '[ $rc = 0 ] && [[ $out == *"Login Succeeded"* ]]' skiff2 login -u skiff -p secret "$A2"
    check "a: skiff pull (daemon.json insecure-registries)" '[ $rc = 0 ] && [[ $out == *"Status: Downloaded newer image for $A2/e2e/busybox:1"* ]]' skiff2 pull "$A2/e2e/busybox:1"
    check "a: image ID equals docker's (insecure-registries)" '[ "$out" = "$docker_id" ]' skiff2 image inspect -f '{{.Id}}' "$A2/e2e/busybox:1"
    "$SUP/private-skiffd.sh" stop "$WORK/s2" >/dev/null 2>&1
  else
    out=$(tail -5 "$WORK/s2/skiffd.log" 2>&1); rc=1; fail "a: skiffd with insecure-registries starts" "it starts"
  fi
  "$REG" stop "$WORK/reg-a2" >/dev/null
fi

# ---- b: skiff pushes an image it built
mkdir -p "$WORK/ctx"
printf 'FROM %s\nCOPY hi.txt /hi.txt\nCMD ["cat", "/hi.txt"]\n' "$IMG" > "$WORK/ctx/Dockerfile"
echo "built by skiff" > "$WORK/ctx/hi.txt"
BUILT=$A/e2e/built:1
if skiff_on; then
  check "b: skiff build" '[ $rc = 0 ]' skiff build -t "$BUILT" "$WORK/ctx"
  check "b: skiff push" '[ $rc = 0 ] && [[ $out =~ 1:\ digest:\ sha256:[0-9a-f]{64}\ size:\ [0-9]+ ]]' skiff push "$BUILT"
  pushed_digest=$(grep -o 'digest: sha256:[0-9a-f]*' <<<"$out" | head -1 | cut -d' ' -f2)
  skiff_id=$(S image inspect -f '{{.Id}}' "$BUILT" 2>/dev/null)
  check "b: docker pull of skiff's push" '[ $rc = 0 ] && [[ $out == *"Digest: $pushed_digest"* ]]' docker pull "$BUILT"
  check "b: docker sees the same image ID" '[ -n "$skiff_id" ] && [ "$out" = "$skiff_id" ]' docker image inspect -f '{{.Id}}' "$BUILT"
  check "b: docker runs it" '[ $rc = 0 ] && [ "$out" = "built by skiff" ]' docker run --rm --network none "$BUILT"
  check "b: skopeo inspect accepts it" '[ $rc = 0 ] && [[ $out == *"\"Digest\": \"$pushed_digest\""* ]]' \
    skopeo inspect --tls-verify=false --creds skiff:secret "docker://$BUILT"
  check "b: second skiff push says Layer already exists" '[ $rc = 0 ] && [[ $out == *"Layer already exists"* ]]' skiff push "$BUILT"
  S tag "$BUILT" "$A/e2e/other:1"
  check "b: push to another repo mounts" '[ $rc = 0 ] && [[ $out == *"Mounted from e2e/built"* ]]' skiff push "$A/e2e/other:1"
else
  # The harness without Skiff: the same steps by docker (the legacy builder works without a network).
  D tag busybox:latest "$IMG" >/dev/null
  check "b: docker build" '[ $rc = 0 ]' env DOCKER_BUILDKIT=0 "${DK[@]}" build -q -t "$BUILT" "$WORK/ctx"
  check "b: docker push" '[ $rc = 0 ]' docker push "$BUILT"
  check "b: skopeo inspect accepts it" '[ $rc = 0 ] && [[ $out == *"\"Digest\": \"sha256:"* ]]' \
    skopeo inspect --tls-verify=false --creds skiff:secret "docker://$BUILT"
  check "b: docker push again says Layer already exists" '[ $rc = 0 ] && [[ $out == *"Layer already exists"* ]]' docker push "$BUILT"
  D tag "$BUILT" "$A/e2e/other:1"
  check "b: docker push to another repo mounts" '[ $rc = 0 ] && [[ $out == *"Mounted from e2e/built"* ]]' docker push "$A/e2e/other:1"
fi

# ---- c: token auth
C=$("$REG" start "$WORK/reg-c" --auth token) || { echo "registry_docker: registry c failed" >&2; exit 1; }
TOK=$C/tok/busybox:1
if skiff_on; then
  check "c: skiff login (token)" '[ $rc = 0 ] && [[ $out == *"Login Succeeded"* ]]' skiff login -u skiff -p secret "$C"
  S tag "$IMG" "$TOK"
  check "c: skiff push (token)" '[ $rc = 0 ] && [[ $out == *"1: digest: sha256:"* ]]' skiff push "$TOK"
  S rmi "$TOK" >/dev/null 2>&1
  check "c: skiff pull (token)" '[ $rc = 0 ] && [[ $out == *"Status: "*"$TOK"* ]]' skiff pull "$TOK"
  check "c: image ID equals docker's (token)" '[ "$out" = "$docker_id" ]' skiff image inspect -f '{{.Id}}' "$TOK"
  ok "c: the token server granted skiff push and pull" 'grep -q "\"actions\": \[.*push" "$WORK/reg-c/token.log"' "$(tail -8 "$WORK/reg-c/token.log")"
  check "c: docker login (token)" '[ $rc = 0 ]' docker login -u skiff -p secret "$C"
  check "c: docker pulls what skiff pushed (token)" '[ $rc = 0 ] && [[ $out == *"$TOK"* ]]' docker pull "$TOK"
else
  check "c: docker login (token)" '[ $rc = 0 ] && [[ $out == *"Login Succeeded"* ]]' docker login -u skiff -p secret "$C"
  D tag busybox:latest "$TOK"
  check "c: docker push (token)" '[ $rc = 0 ]' docker push "$TOK"
  D rmi "$TOK" >/dev/null
  check "c: docker pull (token)" '[ $rc = 0 ]' docker pull "$TOK"
fi

# ---- d: faults on the way (plain-http registry, no auth; an image of busybox + 4 MB of random data)
P=$("$REG" start "$WORK/reg-d") || { echo "registry_docker: registry d failed" >&2; exit 1; }
mkdir -p "$WORK/rnd"
head -c 4000000 /dev/urandom > "$WORK/rnd/blob"
printf 'FROM busybox:latest\nCOPY blob /blob\n' > "$WORK/rnd/Dockerfile"
blob_sum=$(sha256sum < "$WORK/rnd/blob" | cut -d' ' -f1)
DOCKER_BUILDKIT=0 D build -q -t "$P/f/rnd:1" "$WORK/rnd" >/dev/null && D push "$P/f/rnd:1" >/dev/null || echo "registry_docker: docker build/push of the random image failed" >&2
# Every blob of the image (config and layers), for naming the corrupt one.
blobs=$(curl -s -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' "http://$P/v2/f/rnd/manifests/1" | grep -o 'sha256:[0-9a-f]\{64\}' | sort -u)
start_py drop fault_proxy.py --target "$P" --drop-after 1000000 --log "$WORK/drop.log" || exit 1
start_py corrupt fault_proxy.py --target "$P" --corrupt-at 1000 --log "$WORK/corrupt.log" || exit 1
DROP=$(cat "$WORK/drop.addr") CORRUPT=$(cat "$WORK/corrupt.addr")
# pullers: skiff, or docker for the harness (its copy removed first so that it downloads again)
if skiff_on; then PULLER=skiff; else PULLER=docker; D rmi -f "$(D image inspect -f '{{.Id}}' "$P/f/rnd:1")" >/dev/null; fi
check "d: $PULLER pull through a proxy that drops the connection" '[ $rc = 0 ]' $PULLER pull "$DROP/f/rnd:1"
ok "d: the pull resumed with a Range request" 'grep -q "Range: bytes=[1-9][0-9]*-" "$WORK/drop.log"' "$(grep -E 'blobs|FAULT' "$WORK/drop.log" 2>&1)"
check "d: the resumed image is whole" '[ $rc = 0 ] && [ "$out" = "$blob_sum" ]' $PULLER run --rm --network none "$DROP/f/rnd:1" sh -c 'sha256sum /blob | cut -d" " -f1'
run $PULLER image inspect -f '{{.Id}}' "$DROP/f/rnd:1"; [ $rc = 0 ] && run $PULLER rmi -f "$out"
check "d: $PULLER pull through a proxy that corrupts a blob fails" '[ $rc != 0 ]' $PULLER pull "$CORRUPT/f/rnd:1"
named=""; for b in $blobs; do [[ $out == *"$b"* ]] && named=$b; done
ok "d: the error names the blob digest" '[ -n "$named" ]' "$out"
check "d: no image is left after the corrupt pull" '[ $rc = 0 ] && [[ $out != *"$CORRUPT/f/rnd"* ]]' $PULLER images
check "d: a normal pull then works" '[ $rc = 0 ]' $PULLER pull "$P/f/rnd:1"
check "d: and its image is whole" '[ $rc = 0 ] && [ "$out" = "$blob_sum" ]' $PULLER run --rm --network none "$P/f/rnd:1" sh -c 'sha256sum /blob | cut -d" " -f1'

# ---- e: logout
if skiff_on; then
  check "e: skiff logout" '[ $rc = 0 ] && [[ $out == *"Removing login credentials for $A"* ]]' skiff logout "$A"
  ok "e: the credentials are gone from config.json" '[ -f "$WORK/scfg/config.json" ] && ! json_has_auth "$WORK/scfg/config.json" "$A"' "$(cat "$WORK/scfg/config.json" 2>&1)"
  S rmi -f "$IMG" "$BUILT" "$A/e2e/other:1" >/dev/null 2>&1
  check "e: pull of the private repo then fails with an auth error" \
    '[ $rc != 0 ] && [[ ${out,,} =~ (no\ basic\ auth\ credentials|unauthorized|authentication\ required|denied) ]]' skiff pull "$IMG"
else
  check "e: docker logout" '[ $rc = 0 ] && [[ $out == *"Removing login credentials for $A"* ]]' docker logout "$A"
  D rmi -f "$IMG" >/dev/null 2>&1
  # dockerd 20.10 tries https (401), then plain http on the TLS port and reports that last error
  # ("connection reset by peer"): only the failure is docker's to judge here.
  check "e: docker pull of the private repo then fails" '[ $rc != 0 ]' docker pull "$IMG"
fi

# ---- f: search against a v1 index
cat > "$WORK/index.json" <<'JSON'
[{"name": "library/busybox", "description": "Busybox base image.", "star_count": 2900, "is_official": true, "is_automated": false},
 {"name": "someone/busybox-extras", "description": "Busybox with more applets, and a description long enough that the table cuts it", "star_count": 12, "is_official": false, "is_automated": true},
 {"name": "skiff/busybox-static", "description": "", "star_count": 0, "is_official": false, "is_automated": false},
 {"name": "other/alpine", "description": "A minimal image, unrelated", "star_count": 7, "is_official": false, "is_automated": false}]
JSON
start_py index index_server.py --data "$WORK/index.json" --log "$WORK/index.log" || exit 1
IX=$(cat "$WORK/index.addr")
for args in "busybox" "--limit 2 busybox" "--no-trunc busybox" "--filter is-official=true busy" "--filter stars=10 busybox" \
            "--filter is-automated=true busybox" "--format {{.Name}}:{{.StarCount}}:{{.IsOfficial}} busybox" "nothing-matches"; do
  read -ra a <<<"$args"
  last=${a[-1]}; a[-1]=$IX/$last
  run docker search "${a[@]}"; dout=$out drc=$rc
  if skiff_on; then
    run skiff search "${a[@]}"
    if [ "$out" = "$dout" ] && [ "$rc" = "$drc" ]; then pass "f: skiff search ${a[*]} = docker's"
    else out=$(diff <(printf '%s\n' "$dout") <(printf '%s\n' "$out")); rc="docker $drc, skiff $rc"; fail "f: skiff search ${a[*]} = docker's" "same output and exit"; fi
  else
    ok "f: docker search ${a[*]}" '[ "$drc" = 0 ]' "$dout"
  fi
done

summary registry_docker || exit 1
exit 0

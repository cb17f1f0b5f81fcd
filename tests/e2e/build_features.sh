#!/usr/bin/env bash
# e2e: what `skiff build` does beyond the legacy builder's config (Skiff only, a private skiffd): the
# cache and its miss reasons, the cache surviving a daemon restart, only the stages the target needs,
# stages built in parallel, RUN --mount (cache, secret, tmpfs, bind), heredocs, --network none, build
# args from the client's env, `-f -`, the local context read in place vs the tar path (same image),
# .dockerignore, --iidfile, -q, `builder prune` and `system df`, and /usr/bin/docker's legacy client.
# Exit: 0 all hold, 1 any failure, 77 skipped (not root).
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=${SKIFF_SRC:-$(cd "$here/../.." && pwd)}
bin=${SKIFF_BIN:-$src/build/bin}
DOCKER=${DOCKER:-/usr/bin/docker}
t0=$SECONDS
[ "$(id -u)" = 0 ] || { echo "SKIP build_features: needs root" >&2; exit 77; }
for b in skiff skiffd skiff-runtime; do
  [ -x "$bin/$b" ] || { echo "FAIL build_features: $bin/$b missing" >&2; exit 1; }
done
dir=$(mktemp -d /tmp/tbfXXX)
S_DIR=$dir/s
sock=unix://$S_DIR/skiff.sock
cleanup() {
  trap - EXIT
  SKIFF_BIN=$bin "$src/tests/support/private-skiffd.sh" stop "$S_DIR" >/dev/null 2>&1
  rm -rf --one-file-system "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
. "$src/tests/support/checks.sh"
sk() { timeout -k 5 120 "$bin/skiff" -H "$sock" "$@"; }
run() { cmd=$(printf '%q ' "$@"); out=$(sk "$@" 2>&1); rc=$?; }

SKIFF_BIN=$bin "$src/tests/support/private-skiffd.sh" start "$S_DIR" || { echo "FAIL: skiffd did not start" >&2; exit 1; }
"$src/tests/support/busybox-rootfs.sh" "$dir/rootfs" >/dev/null || exit 1
tar -C "$dir/rootfs" -c . | sk import - busybox:latest >/dev/null || exit 1

# --- cache and miss reasons ---
c=$dir/app && mkdir -p "$c/sub" && cd "$c" || exit 1
echo one > app.txt; echo keep > sub/keep.txt; echo secret-ish > notes.log; printf '*.log\n' > .dockerignore
cat > Dockerfile <<'EOF'
FROM busybox:latest
ARG VERSION=1
COPY app.txt /app/
COPY . /ctx/
RUN echo "v=$VERSION" > /app/version
CMD ["cat", "/app/version"]
EOF
check "first build" '[ $rc = 0 ] && grep -q "Successfully tagged app:latest" <<<"$out"' build --progress=plain -t app .
check "runs" '[ "$out" = v=1 ]' run --rm app
check "ignored file not copied" '[ $rc = 0 ] && [ "$out" = "Dockerfile
app.txt
sub" ]' run --rm app ls /ctx
check "all cached" '[ $rc = 0 ] && [ $(grep -c "Using cache" <<<"$out") = 5 ]' build --progress=plain -t app .
touch app.txt notes.log
check "touched file and ignored file: still cached" '[ $(grep -c "Using cache" <<<"$out") = 5 ]' build --progress=plain -t app .
echo two > app.txt
check "changed content: a miss that says so" 'grep -q "Cache miss: content changed" <<<"$out" && [ $(grep -c "Using cache" <<<"$out") = 1 ]' build --progress=plain -t app .
check "build arg: a miss that names it" 'grep -q "Cache miss: ARG VERSION changed" <<<"$out"' build --progress=plain --build-arg VERSION=2 -t app .
check "build arg applied" '[ "$out" = v=2 ]' run --rm app
check "--no-cache" '[ $(grep -c "Using cache" <<<"$out") = 0 ] && grep -q "Cache miss: --no-cache" <<<"$out"' build --progress=plain --no-cache -t app .
id_local=$(sk build -q -t app .)
id_tar=$(SKIFF_BUILD_TAR=1 sk build -q -t app .)
ok "the tar path finds the same cached image as the in-place context" '[ -n "$id_local" ] && [ "$id_local" = "$id_tar" ]' "$id_local / $id_tar"
out=$(DOCKER_BUILDKIT=0 DOCKER_HOST=$sock timeout 60 "$DOCKER" build -q -t app . 2>&1)
ok "docker's legacy client builds from the same cache" '[ "$out" = "$id_local" ]' "$out"

# --- the cache survives a restart ---
kill "$(cat "$S_DIR/skiffd.pid")"
for _ in $(seq 50); do kill -0 "$(cat "$S_DIR/skiffd.pid" 2>/dev/null)" 2>/dev/null || break; sleep 0.1; done
eval "$(cat "$S_DIR/skiffd.cmd") >>$S_DIR/skiffd.log 2>&1 &"
for _ in $(seq 100); do sk version >/dev/null 2>&1 && break; sleep 0.1; done
check "after a daemon restart: all cached" '[ $(grep -c "Using cache" <<<"$out") = 5 ]' build --progress=plain -t app .

# --- stages: only those the target needs, independent ones in parallel ---
m=$dir/multi && mkdir -p "$m" && cd "$m" || exit 1
cat > Dockerfile <<'EOF'
FROM busybox:latest AS a
RUN sleep 2 && echo a > /a
FROM busybox:latest AS b
RUN sleep 2 && echo b > /b
FROM busybox:latest AS unused
RUN echo this-stage-must-not-run && false
FROM busybox:latest AS final
COPY --from=a /a /a
COPY --from=b /b /b
CMD cat /a /b
EOF
s=$SECONDS
check "multi-stage with an unused failing stage" '[ $rc = 0 ] && ! grep -q this-stage-must-not-run <<<"$out"' build --progress=plain -t multi .
took=$((SECONDS - s))
ok "two 2 s stages ran in parallel (build took ${took}s)" '[ $took -lt 4 ]'
check "both stages' files" '[ "$out" = "a
b" ]' run --rm multi
check "--target a" '[ $rc = 0 ] && ! grep -q "Step 4/" <<<"$out"' build --progress=plain --target a -t only-a .
check "--target missing" '[ $rc != 0 ] && grep -q "failed to reach build target nope" <<<"$out"' build --target nope .

# --- RUN --mount, heredocs, network, build args from env, -f - ---
r=$dir/run && mkdir -p "$r/data" && cd "$r" || exit 1
echo bound > data/b.txt
echo s3cr3t > "$dir/secret.txt"
cat > Dockerfile <<'EOF'
FROM busybox:latest
ARG FROMENV
RUN --mount=type=cache,target=/cache echo run >> /cache/log && wc -l < /cache/log > /cachecount
RUN --mount=type=secret,id=tok cat /run/secrets/tok > /secretcopy
RUN --mount=type=tmpfs,target=/scratch touch /scratch/x && grep -q " /scratch " /proc/mounts && echo tmpfs > /tmpfs
RUN --mount=type=bind,source=data,target=/mnt cat /mnt/b.txt > /bound
RUN --network=none sh -c 'echo $(ls /sys/class/net)' > /net
RUN <<EOT
echo heredoc-line-1 > /heredoc
echo "from env: $FROMENV" >> /heredoc
EOT
CMD ["sh", "-c", "cat /cachecount /secretcopy /tmpfs /bound /net /heredoc; ls -d /run/secrets /scratch /mnt 2>&1 || true"]
EOF
out=$(FROMENV=client-value sk build --progress=plain --secret id=tok,src="$dir/secret.txt" --build-arg FROMENV -t runm . 2>&1); rc=$?
ok "RUN --mount build" '[ $rc = 0 ]' "$out"
check "mounts, heredoc, env build arg, mount points left out of the image" \
  'grep -qx 1 <<<"$out" && grep -qx s3cr3t <<<"$out" && grep -qx tmpfs <<<"$out" && grep -qx bound <<<"$out" && grep -qx lo <<<"$out" && grep -qx heredoc-line-1 <<<"$out" && grep -qx "from env: client-value" <<<"$out" && grep -q "/scratch: No such file" <<<"$out" && grep -q "/mnt: No such file" <<<"$out"' \
  run --rm runm
sk build -q --no-cache --secret id=tok,src="$dir/secret.txt" -t runm . >/dev/null 2>&1
check "the cache mount keeps its content across builds" 'grep -qx 2 <<<"$out"' run --rm runm
out=$(printf 'FROM busybox:latest\nRUN echo from-stdin > /f\n' | sk build -q -t stdin-df -f - "$r" 2>&1); rc=$?
ok "-f - with a context dir" '[ $rc = 0 ]' "$out"
check "-f - image" '[ "$out" = from-stdin ]' run --rm stdin-df cat /f

# --- --iidfile, -q, prune, df ---
cd "$c" || exit 1
check "--iidfile" '[ $rc = 0 ] && [ "$(cat '"$dir"'/iid)" = "$(sk image inspect -f "{{.Id}}" app)" ]' build -q --iidfile "$dir/iid" -t app .
check "system df lists the build cache" '[ $rc = 0 ] && grep -q "^Build Cache" <<<"$out" && ! grep -qE "^Build Cache +0 " <<<"$out"' system df
check "builder prune -a -f" '[ $rc = 0 ] && grep -q "Total reclaimed space" <<<"$out"' builder prune -a -f
check "after prune: nothing cached" '[ $(grep -c "Using cache" <<<"$out") = 0 ]' build --progress=plain -t app .
check "no build containers left" '[ -z "$out" ]' ps -aq
ok "no build mounts left" '! grep -q "$S_DIR/data/build" /proc/self/mountinfo'
ok "no build temp dirs left" '[ -z "$(ls "$S_DIR/data/build/tmp")" ]' "$(ls "$S_DIR/data/build/tmp")"

runtime="$((SECONDS - t0)) s"
summary build_features

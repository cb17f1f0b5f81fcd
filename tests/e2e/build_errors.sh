#!/usr/bin/env bash
# e2e: bad Dockerfiles on `skiff build` (Skiff only). Each case must fail with exit status 1 (a failing RUN:
# its own exit status, as docker's CLI does with dockerd's legacy builder), a message that
# names the Dockerfile and line (`Dockerfile:N`, N the line of the offending instruction) and what is
# wrong, for a failing RUN also the step's own output; and it must leave nothing behind on the private
# skiffd: no containers (`skiff ps -a` empty), `skiff images -a` as before the build (the offending step
# is the first after FROM, so no step succeeded whose image could stay as cache), no mounts under the
# daemon's dirs beyond those before the build, no new directories under the data root (build
# containers, snapshots, extracted contexts).
# Exit: 0 all hold, 1 any failure, 77 skipped (not root).
# Env: SKIFF_BIN  dir with skiff, skiffd and skiff-runtime (default /work/main/build/bin)
#      ONLY=re    run only the cases whose name matches
#      KEEP=1     keep the work dir and the daemon
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=${SKIFF_SRC:-$(cd "$here/../.." && pwd)}
bin=${SKIFF_BIN:-/work/main/build/bin}
ONLY=${ONLY:-.}
t0=$SECONDS

[ "$(id -u)" = 0 ] || { echo "SKIP build_errors: needs root" >&2; exit 77; }
for b in skiff skiffd skiff-runtime; do
  [ -x "$bin/$b" ] || { echo "FAIL build_errors: $bin/$b missing (build skiff skiffd skiff-runtime)" >&2; exit 1; }
done

dir=$(mktemp -d /tmp/teXXX)
S_DIR=$dir/s S_SOCK=unix://$dir/s/skiff.sock
cleanup() {
  trap - EXIT
  if [ "${KEEP:-0}" = 1 ]; then echo "KEEP=1: $dir; skiffd: DOCKER_HOST=$S_SOCK; stop: $src/tests/support/private-skiffd.sh stop $S_DIR"; return; fi
  SKIFF_BIN=$bin "$src/tests/support/private-skiffd.sh" stop "$S_DIR" >/dev/null 2>&1
  rm -rf --one-file-system "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

. "$src/tests/support/checks.sh"
sk() { timeout -k 5 120 "$bin/skiff" -H "$S_SOCK" "$@"; }

SKIFF_BIN=$bin "$src/tests/support/private-skiffd.sh" start "$S_DIR" || { echo "FAIL build_errors: skiffd did not start" >&2; exit 1; }
"$src/tests/support/busybox-rootfs.sh" "$dir/rootfs" >/dev/null || exit 1
tar -C "$dir/rootfs" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf "$dir/busybox.tar" .
rm -rf "$dir/rootfs"
DOCKER_HOST=$S_SOCK /usr/bin/docker import -c 'CMD ["sh"]' "$dir/busybox.tar" busybox:latest >/dev/null ||
  { echo "FAIL build_errors: busybox import" >&2; exit 1; }

# A good build first: whatever the builder keeps for good (its cache database, dirs) exists before the
# bad ones are looked at.
mkdir -p "$dir/good"
printf 'FROM busybox:latest\nRUN echo ok > /ok\nCOPY f /f\n' > "$dir/good/Dockerfile"; echo f > "$dir/good/f"
run() { cmd="skiff build $*"; out=$(sk build "$@" 2>&1 </dev/null); rc=$?; }
check "a good build works" '[ $rc = 0 ]' -t good "$dir/good"

data=$S_DIR/data
state() {  # the things a failed build must not add to
  echo "== ps -a"; sk ps -a -q
  echo "== images -a"; sk images -a -q --no-trunc | sort
  echo "== mounts"; awk -v d="$S_DIR" 'index($5, d "/") == 1 {print $5}' /proc/self/mountinfo | sort
  echo "== dirs"; find "$data" -mindepth 1 -maxdepth 4 -type d 2>/dev/null | sort
}

# bad NAME LINE 'PATTERN' DOCKERFILE [BUILD ARGS...]: the Dockerfile goes into a fresh context with a
# file f.txt (and ../outside.txt beside it); PATTERN: an extended regex the message must also match; LINE
# empty: the error has no line (a missing --target), the message names the Dockerfile. The message is
# left in $msg.
bad() {
  local name=$1 line=$2 pat=$3 df=$4; shift 4
  [[ $name =~ $ONLY ]] || return 0
  local ctx=$dir/ctx/$name
  mkdir -p "$ctx"; printf '%s\n' "$df" > "$ctx/Dockerfile"; echo f > "$ctx/f.txt"; echo o > "$dir/ctx/outside.txt"
  local before after
  before=$(state)
  run -t "bad-$name" "$@" "$ctx"
  msg=$out
  after=$(state)
  ok "$name: exit status ${want_rc:-1} ($cmd)" '[ $rc = ${want_rc:-1} ]' "$msg"$'\n'"(exit $rc)"
  if [ -n "$line" ]; then
    ok "$name: the message names Dockerfile:$line" 'grep -q "Dockerfile:$line\b" <<<"$msg"' "$msg"
  else
    ok "$name: the message names the Dockerfile" 'grep -q "Dockerfile" <<<"$msg"' "$msg"
  fi
  ok "$name: the message says what is wrong (/$pat/)" 'grep -Eqi "$pat" <<<"$msg"' "$msg"
  ok "$name: nothing left behind (containers, images -a, mounts, dirs)" '[ "$before" = "$after" ]' \
    "$(diff <(echo "$before") <(echo "$after") | grep '^[<>]')"
  sk rmi -f "bad-$name" >/dev/null 2>&1
}

bad unknown-instruction 3 'unknown instruction.*FROBNICATE' \
'FROM busybox:latest
# the next line is no instruction
FROBNICATE the widgets
RUN true'
bad shell-not-json 2 'SHELL.*JSON' \
'FROM busybox:latest
SHELL /bin/sh -c
RUN true'
bad shell-broken-json 3 'SHELL.*JSON' \
'FROM busybox:latest
ENV A=1
SHELL ["/bin/sh", "-c"
RUN true'
bad copy-from-missing-stage 4 'nosuchstage' \
'FROM busybox:latest AS first
RUN true
FROM busybox:latest
COPY --from=nosuchstage /etc/passwd /p'
bad target-missing "" 'nosuchtarget' \
'FROM busybox:latest AS first
RUN true' --target nosuchtarget
bad copy-outside-context 2 'outside.*context' \
'FROM busybox:latest
COPY ../outside.txt /outside.txt'
bad copy-missing-file 2 'missing\.txt' \
'FROM busybox:latest
COPY f.txt missing.txt /dst/'
# docker's CLI exits with the failing RUN's own exit status (3 here), as the legacy builder reports it.
want_rc=3 bad run-fails 3 'step-output-marker' \
'FROM busybox:latest
# a RUN whose command fails after printing something
RUN echo step-output-marker && echo on-stderr >&2 && exit 3
RUN echo never'
if [[ run-fails =~ $ONLY ]]; then
  ok "run-fails: the message has the step's stderr" 'grep -q "on-stderr" <<<"$msg"' "$msg"
  ok "run-fails: the message has the step's exit code 3" 'grep -Eq "(code|status)[^0-9]*3" <<<"$msg"' "$msg"
fi
bad chown-unknown-user 2 'nosuchuser' \
'FROM busybox:latest
COPY --chown=nosuchuser:nosuchuser f.txt /f.txt'
bad no-from 1 'FROM|build stage' \
'RUN echo no base
FROM busybox:latest'

runtime="$((SECONDS - t0)) s"
summary build_errors

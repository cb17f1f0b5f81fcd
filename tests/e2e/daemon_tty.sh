#!/usr/bin/env bash
# e2e: interactive terminals through skiffd, typed for real: Docker's client (/usr/bin/docker) runs inside
# tmux (a private tmux server on a socket in the temp dir) against a private skiffd
# (tests/support/private-skiffd.sh). Covers `docker run -it` (prompt, echo, initial size, resize seen by
# `stty size`, Ctrl-C interrupting `sleep 100` while the shell survives, Ctrl-P Ctrl-Q detach, `docker
# attach`, `exit 5` -> client exits 5), `docker start -ai`, `docker exec -it` (same, exit code, detach),
# Ctrl-D and --rm, --detach-keys; with skiffd also kill -9 of the daemon under an attached `run -it` (the
# container survives, `docker attach` after the restart works). Expected behaviour is Docker 20.10's with the
# same client.
# Exit: 0 all pass, 1 any failure, 77 skipped.
#
# Env: SKIFF_BIN  dir with skiffd + skiff-runtime (default /work/main/build/bin)
#      AGAINST=docker  run the same checks against a private Docker 20.10 (tests/support/private-dockerd.sh)
#                 instead, to confirm what Docker does;  KEEP=1 leave everything for debugging.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=${SKIFF_SRC:-$(cd "$here/../.." && pwd)}
bin=${SKIFF_BIN:-/work/main/build/bin}
DOCKER=/usr/bin/docker
helper=$src/tests/support/private-skiffd.sh

skip() { echo "SKIP daemon_tty: $*" >&2; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root"
[ -x "$DOCKER" ] || skip "docker client $DOCKER missing (apt-get install docker.io)"
command -v tmux >/dev/null || skip "tmux missing (apt-get install tmux)"
against=${AGAINST:-skiffd}
if [ "$against" = docker ]; then
  command -v dockerd >/dev/null || skip "dockerd missing"
  helper=$src/tests/support/private-dockerd.sh runtime="dockerd $(command -v dockerd)"
else
  [ -x "$bin/skiffd" ] || { echo "FAIL daemon_tty: $bin/skiffd missing (build the skiffd target)" >&2; exit 1; }
  runtime="skiffd $bin/skiffd"
fi

dir=$(mktemp -d /tmp/skiff-e2e-tty.XXXXXX)
sock="unix://$dir/skiff.sock"; [ "$against" = docker ] && sock="unix://$dir/docker.sock"
d() { DOCKER_HOST=$sock "$DOCKER" "$@"; }
T() { tmux -f "$dir/tmux.conf" -S "$dir/tmux.sock" "$@"; }
cleanup() {
  if [ "${nfail:-0}" -gt 0 ] && [ -f "$dir/skiffd.log" ]; then
    echo "--- daemon warnings/errors ($dir/skiffd.log):"; grep -vE '^(info|debug):' "$dir/skiffd.log" | tail -25
  fi
  if [ "${KEEP:-0}" = 1 ]; then
    echo "KEEP=1: DOCKER_HOST=$sock; tmux -S $dir/tmux.sock; stop with: tmux -S $dir/tmux.sock kill-server; SKIFF_BIN=$bin $helper stop $dir" >&2
    return
  fi
  [ -S "$dir/tmux.sock" ] && T kill-server 2>/dev/null
  if [ "$against" = docker ]; then
    local ids; ids=$(d ps -aq 2>/dev/null); [ -n "$ids" ] && d rm -f $ids >/dev/null 2>&1
    "$helper" stop "$dir" >/dev/null 2>&1; rm -rf --one-file-system "$dir"
  else
    SKIFFD=$bin/skiffd "$helper" stop "$dir" >/dev/null 2>&1
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

. "$src/tests/support/checks.sh"
RUN_TIMEOUT=60
run() { docker_run "$@"; }

# --- terminal sessions: one tmux session per client; its exit status lands in DIR/<session>.rc ---
# session NAME COLS ROWS DOCKER-ARGS...: runs `docker ARGS` in a new COLSxROWS terminal.
session() {
  local name=$1 cols=$2 rows=$3; shift 3
  T new-session -d -s "$name" -x "$cols" -y "$rows" \
    "DOCKER_HOST=$sock $DOCKER $(printf '%q ' "$@"); echo \"rc=\$?\" > $dir/$name.rc"
}
screen() { T capture-pane -p -S - -t "$1" 2>/dev/null; }  # with the history
# wait_screen NAME EREGEX [TENTHS]: until a line of the screen matches.
wait_screen() {
  local n=${3:-100}
  while ! screen "$1" | grep -Eq -- "$2"; do n=$((n - 1)); [ $n -le 0 ] && return 1; sleep 0.1; done
}
type_line() { T send-keys -t "$1" -l "$2" && T send-keys -t "$1" Enter; }
# client_rc NAME [TENTHS]: waits for the client to end; prints its exit status.
client_rc() {
  local n=${2:-100}
  while [ ! -s "$dir/$1.rc" ]; do n=$((n - 1)); [ $n -le 0 ] && { echo none; return 1; }; sleep 0.1; done
  sed 's/^rc=//' "$dir/$1.rc"
}
ins() { d inspect -f "$1" "$2" 2>&1; }
# expect_screen DESC NAME EREGEX [TENTHS]
expect_screen() {
  if wait_screen "$2" "$3" "${4:-100}"; then pass "$1"; else out=$(screen "$2" | grep -v '^$' | tail -15); rc=-; fail "$1" "a line matching $3"; fi
}
expect_rc() { # expect_rc DESC NAME CODE
  local got; got=$(client_rc "$2")
  # shellcheck disable=SC2034  # out/rc are read by fail
  if [ "$got" = "$3" ]; then pass "$1"; else out="client exit status: $got; screen: $(screen "$2" | grep -v '^$' | tail -10)"; rc=-; fail "$1" "client exits $3"; fi
}

echo "daemon under test: $runtime; work dir: $dir"
SKIFFD=$bin/skiffd "$helper" start "$dir" || { echo "FAIL daemon_tty: private $against did not start" >&2; exit 1; }
"$src/tests/support/busybox-rootfs.sh" "$dir/rootfs" || { echo "FAIL: busybox rootfs" >&2; exit 1; }
tar -C "$dir/rootfs" -c . | d import -c 'CMD ["/bin/sh"]' - busybox:latest >/dev/null || { echo "FAIL: docker import" >&2; exit 1; }
rm -rf "$dir/rootfs"
# No status line (the pane is the whole window); panes stay after their command ended (screens readable).
printf 'set -g status off\nset -g remain-on-exit on\nset -g history-limit 2000\n' > "$dir/tmux.conf"
PROMPT='^/ #'  # (capture-pane drops trailing blanks)

# shell_checks NAME WHAT COLS ROWS NEWCOLS NEWROWS: in session NAME (a COLSxROWS terminal running an
# interactive busybox sh): prompt, echo, a pty inside, the initial size, a resize seen by `stty size`,
# Ctrl-C interrupting `sleep 100` with the shell surviving.
shell_checks() {
  local s=$1 what=$2 cols=$3 rows=$4 ncols=$5 nrows=$6
  expect_screen "$what: the prompt appears" "$s" "$PROMPT"
  type_line "$s" 'echo hi-$((6*7)); tty; stty size'
  expect_screen "$what: echo" "$s" '^hi-42$'
  expect_screen "$what: a terminal inside" "$s" '^/dev/pts/[0-9]+$'
  expect_screen "$what: the initial size is the client's ($rows $cols)" "$s" "^$rows $cols\$"
  T resize-window -t "$s" -x "$ncols" -y "$nrows"; sleep 1
  type_line "$s" 'stty size'
  expect_screen "$what: the resize is seen by stty size ($nrows $ncols)" "$s" "^$nrows $ncols\$"
  type_line "$s" 'sleep 100'
  sleep 1
  T send-keys -t "$s" C-c
  sleep 0.3
  type_line "$s" 'echo sleep-ended-$?'
  expect_screen "$what: Ctrl-C interrupts sleep 100" "$s" '^sleep-ended-130$' 50
  type_line "$s" 'echo alive-$((6*7))'
  expect_screen "$what: the shell survives Ctrl-C" "$s" '^alive-42$' 30
}

# --- docker run -it ---------------------------------------------------------------------------------
echo "== docker run -it busybox sh"
session run 120 40 run -it --network none --name t-run busybox sh
shell_checks run "run -it" 120 40 90 25
T send-keys -t run C-p C-q
expect_rc "run -it: Ctrl-P Ctrl-Q detaches, the client exits 0" run 0
ok "run -it: the container is still Up after the detach" '[ "$(ins "{{.State.Status}}" t-run)" = running ]' "$(ins '{{.State.Status}}' t-run)"

echo "== docker attach"
session att 100 30 attach t-run
sleep 1; T send-keys -t att Enter
expect_screen "attach: the prompt comes back" att "$PROMPT"
type_line att 'echo back-$((6*7)); stty size'
expect_screen "attach: echo" att '^back-42$'
expect_screen "attach: the attaching client's size (30 100)" att '^30 100$'
type_line att 'exit 5'
expect_rc "attach: exit 5 ends the container, the client exits 5" att 5
ok "  ... the container is Exited (5)" '[ "$(ins "{{.State.Status}} {{.State.ExitCode}}" t-run)" = "exited 5" ]' "$(ins '{{.State.Status}} {{.State.ExitCode}}' t-run)"

echo "== docker start -ai"
session start 100 30 start -ai t-run
expect_screen "start -ai: the prompt appears" start "$PROMPT"
type_line start 'echo again-$((6*7)); stty size'
expect_screen "start -ai: echo" start '^again-42$'
expect_screen "start -ai: the client's size (30 100)" start '^30 100$'
type_line start 'exit 4'
expect_rc "start -ai: exit 4 -> the client exits 4" start 4
ok "  ... Exited (4)" '[ "$(ins "{{.State.Status}} {{.State.ExitCode}}" t-run)" = "exited 4" ]' "$(ins '{{.State.Status}} {{.State.ExitCode}}' t-run)"

# --- docker exec -it ------------------------------------------------------------------------------------
echo "== docker exec -it"
check "run -d a container to exec into" '[ $rc = 0 ]' d run -d --network none --name t-exec busybox sleep 1000
session ex 80 24 exec -it t-exec sh
shell_checks ex "exec -it" 80 24 70 20
type_line ex 'exit 3'
expect_rc "exec -it: exit 3 -> the client exits 3" ex 3
ok "  ... the container keeps running" '[ "$(ins "{{.State.Status}}" t-exec)" = running ]'
session ex2 80 24 exec -it t-exec sh
expect_screen "exec -it (2nd): the prompt appears" ex2 "$PROMPT"
type_line ex2 'echo detach-$((6*7))'
expect_screen "exec -it (2nd): echo" ex2 '^detach-42$'
T send-keys -t ex2 C-p C-q
# Docker 20.10: the exec client ends with "read escape sequence", exit status 1; the shell keeps running.
expect_rc "exec -it: Ctrl-P Ctrl-Q detaches (client exits 1 as Docker's)" ex2 1
expect_screen "  ... it says 'read escape sequence'" ex2 'read escape sequence' 10
check "  ... the exec'd shell still runs (docker top)" '[ $rc = 0 ] && [ "$(printf "%s\n" "$out" | grep -c " sh$")" = 1 ]' d top t-exec
session ex3 80 24 exec -it t-exec sh -c 'exit 7'
expect_rc "exec -it sh -c 'exit 7' -> 7" ex3 7
session ex4 200 24 exec -it t-exec nope-not-a-command
# Docker 20.10: 126 and the runtime's message.
expect_rc "exec -it of a missing command -> 126 (as Docker's)" ex4 126
expect_screen "  ... with the runtime's message" ex4 'executable file not found in \$PATH' 10
check "rm -f" '[ $rc = 0 ]' d rm -f t-exec

# --- Ctrl-D, --rm, --detach-keys ---------------------------------------------------------------------
echo "== Ctrl-D, --rm, --detach-keys"
session rm 80 24 run -it --rm --network none --name t-rm busybox sh
expect_screen "run -it --rm: prompt" rm "$PROMPT"
T send-keys -t rm C-d
expect_rc "run -it --rm: Ctrl-D ends the shell, the client exits 0" rm 0
check "  ... and the container is gone" '[ $rc = 1 ] && [[ $out == *"No such container"* ]]' d container inspect t-rm
session dk 80 24 run -it --detach-keys ctrl-x,x --network none --name t-dk busybox sh
expect_screen "run -it --detach-keys ctrl-x,x: prompt" dk "$PROMPT"
T send-keys -t dk C-p C-q; sleep 0.5
type_line dk 'echo still-$((6*7))'
expect_screen "  ... Ctrl-P Ctrl-Q no longer detaches" dk '^still-42$'
T send-keys -t dk C-x x
expect_rc "  ... Ctrl-X x detaches, client exits 0" dk 0
ok "  ... the container is still Up" '[ "$(ins "{{.State.Status}}" t-dk)" = running ]'
check "rm -f" '[ $rc = 0 ]' d rm -f t-dk t-run

# --- the daemon dies under an attached terminal (skiffd only: containers outlive it) ----------------
if [ "$against" = skiffd ]; then
  echo "== kill -9 of skiffd under docker run -it"
  session k1 80 24 run -it --network none --name t-kill busybox sh
  expect_screen "run -it: prompt" k1 "$PROMPT"
  type_line k1 'echo before-$((6*7))'
  expect_screen "run -it: echo" k1 '^before-42$'
  p=$(cat "$dir/skiffd.pid")
  kill -9 "$p"; n=150; while kill -0 "$p" 2>/dev/null && [ $n -gt 0 ]; do sleep 0.1; n=$((n - 1)); done
  # shellcheck disable=SC2034  # out/rc are read by fail
  if SKIFFD=$bin/skiffd "$helper" start "$dir"; then pass "kill -9 skiffd, start it again"; else out=; rc=-; fail "kill -9 skiffd, start it again" "the daemon starts"; fi
  check "  ... the -it container is still Up" '[ "$out" = running ]' d inspect -f '{{.State.Status}}' t-kill
  session k2 100 30 attach t-kill
  sleep 1; T send-keys -t k2 Enter
  expect_screen "attach after the restart: prompt" k2 "$PROMPT"
  type_line k2 'echo reattached-$((6*7)); stty size'
  expect_screen "  ... echo" k2 '^reattached-42$'
  expect_screen "  ... the new client's size (30 100)" k2 '^30 100$'
  type_line k2 'exit 6'
  expect_rc "  ... exit 6 -> the client exits 6" k2 6
  check "  ... Exited (6)" '[ "$out" = "exited 6" ]' d inspect -f '{{.State.Status}} {{.State.ExitCode}}' t-kill
  # The first client's stream was held by the shim (it outlived the daemon); it ends with the container.
  echo "      (the first client, attached across the kill, exited with $(client_rc k1 50))"
  check "rm" '[ $rc = 0 ]' d rm t-kill
fi

check "ps -a empty at the end" '[ $rc = 0 ] && [ -z "$out" ]' d ps -aq
summary daemon_tty

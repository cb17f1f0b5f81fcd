#!/usr/bin/env bash
# e2e: skiffd robustness, driven with Docker's own client (/usr/bin/docker) against a private skiffd
# (tests/support/private-skiffd.sh: everything under a temp dir, its own socket and cgroup parent).
# Scenarios: 1 live restore after kill -9 (running, tty, paused containers; exits and `--restart always`
# while the daemon is down), 2 SIGTERM leaves containers running, 3 concurrency (50 create/start/wait/rm
# clients + 20 `run --rm` + `ps -a` loops; 50 creates of one name), 4 restart policies and back-off,
# 5 json-file rotation and logs -f/--since/--until/--tail/-t, 6 kill -9 of a shim, 7 OOM kill,
# 8 failed starts (run --rm of a missing command) and kill -9 of the daemon while clients create/start.
# Each check prints PASS/FAIL with the command. Exit: 0 all pass, 1 any failure, 77 skipped.
#
# Env: SKIFF_BIN  dir with skiffd + skiff-runtime (default /work/main/build/bin)
#      ONLY="1 3" run only these scenarios;  KEEP=1 leave the daemon and temp dir for debugging.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=${SKIFF_SRC:-$(cd "$here/../.." && pwd)}
bin=${SKIFF_BIN:-/work/main/build/bin}
DOCKER=/usr/bin/docker
helper=$src/tests/support/private-skiffd.sh

skip() { echo "SKIP daemon_robust: $*" >&2; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root"
[ -x "$DOCKER" ] || skip "docker client $DOCKER missing (apt-get install docker.io)"
command -v script >/dev/null || skip "script(1) (util-linux) missing, needed for the tty attach check"
[ -x "$bin/skiffd" ] || { echo "FAIL daemon_robust: $bin/skiffd missing (build the skiffd target)" >&2; exit 1; }
runtime="skiffd $bin/skiffd"

dir=$(mktemp -d /tmp/skiff-e2e-robust.XXXXXX)
sock="unix://$dir/skiff.sock"
d() { DOCKER_HOST=$sock "$DOCKER" "$@"; }
bgpids=()
cleanup() {
  local p
  for p in "${bgpids[@]}"; do kill "$p" 2>/dev/null; done
  if [ "${nfail:-0}" -gt 0 ] && [ -f "$dir/skiffd.log" ]; then
    echo "--- daemon warnings/errors ($dir/skiffd.log):"; grep -vE '^(info|debug):' "$dir/skiffd.log" | tail -25
  fi
  if [ "${KEEP:-0}" = 1 ]; then
    echo "KEEP=1: DOCKER_HOST=$sock; stop with: SKIFF_BIN=$bin $helper stop $dir" >&2
    return
  fi
  SKIFFD=$bin/skiffd "$helper" stop "$dir" >/dev/null 2>&1
}
trap cleanup EXIT
trap 'exit 130' INT TERM

. "$src/tests/support/checks.sh"
run() { docker_run "$@"; }
want() { [ -z "${ONLY:-}" ] || [[ " $ONLY " == *" $1 "* ]]; }
ins() { d inspect -f "$1" "$2" 2>&1; }
# alive PID: the process exists and is not a zombie.
alive() {
  case "${1-}" in ''|0|*[!0-9]*) return 1 ;; esac
  local s; s=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
  [ -n "$s" ] && [ "$s" != Z ]
}
# until_ok TENTHS CMD...: polls CMD every 0.1 s for at most TENTHS tenths of a second.
until_ok() { local n=$1; shift; while ! "$@"; do n=$((n - 1)); [ $n -le 0 ] && return 1; sleep 0.1; done; }
dpid() { cat "$dir/skiffd.pid" 2>/dev/null; }
daemon_start() { SKIFFD=$bin/skiffd "$helper" start "$dir"; }
# daemon_restart DESC: starts the daemon again as a check; if it does not come up, the rest cannot run.
daemon_restart() {
  if daemon_start; then pass "$1"; return; fi
  out=$(grep -vE '^(info|debug):' "$dir/skiffd.log" | tail -5); rc=-; fail "$1" "the daemon starts"
  echo "the daemon does not start again: the remaining scenarios are not run"
  summary daemon_robust; exit 1
}
# daemon_signal SIG: signals the daemon and waits (15 s) until it is gone and reaped (the helper's start
# refuses while the old pid exists, zombies included).
daemon_signal() {
  local p; p=$(dpid)
  [ -n "$p" ] && kill "-$1" "$p" || return 1
  until_ok 150 eval '! kill -0 '"$p"' 2>/dev/null'
}
status_is() { [ "$(ins '{{.State.Status}}' "$2")" = "$1" ]; }
shim_pids() { # shim_pids [ID]: pids of shims serving containers of this daemon (all, or container ID)
  local f c p
  for f in /proc/[0-9]*/cmdline; do
    c=$(tr '\0' ' ' 2>/dev/null <"$f") || continue
    case "$c" in *" shim $dir/exec/containers/${1-}"*) p=${f#/proc/}; echo "${p%/cmdline}" ;; esac
  done
}
cgparent() { cat "$dir/cgroup-parent"; }
leftover_cgroups() { find /sys/fs/cgroup/*/"$(cgparent)" -mindepth 1 -type d 2>/dev/null; }
# Mounts under DIR other than the storage dir itself (the daemon keeps one private bind mount there, as
# Docker does with its graph driver's home); a second mount of the storage dir counts as left over.
leftover_mounts() {
  awk -v d="$dir" -v s="$dir/data/image/storage" 'index($5, d "/") == 1 && !($5 == s && !seen++) {print $5}' /proc/self/mountinfo
}
# last_tick LOGFILE: the number of the last "tick N" line of a json-file log.
last_tick() { tail -n 1 "$1" 2>/dev/null | sed -n 's/.*"log":"tick \([0-9]*\)\\n".*/\1/p'; }
epoch() { date -d "$1" +%s.%N; }
fgt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a > b) }'; }

echo "skiffd under test: $bin/skiffd; work dir: $dir"
daemon_start || { echo "FAIL daemon_robust: private skiffd did not start" >&2; exit 1; }
"$src/tests/support/busybox-rootfs.sh" "$dir/rootfs" || { echo "FAIL: busybox rootfs" >&2; exit 1; }
tar -C "$dir/rootfs" -c . | d import -c 'CMD ["/bin/sh"]' - busybox:latest >/dev/null || { echo "FAIL: docker import" >&2; exit 1; }
rm -rf "$dir/rootfs"
TICK='i=0; while :; do echo tick $i; i=$((i+1)); sleep 0.1; done'

# --- 1. live restore after kill -9 -----------------------------------------------------------------
if want 1; then
  echo "== 1. live restore after kill -9"
  check "run -d ticker" '[ $rc = 0 ]' d run -d --name r-tick busybox sh -c "$TICK"
  check "run -d -it shell" '[ $rc = 0 ]' d run -d -it --name r-tty busybox sh
  check "run -d + pause" '[ $rc = 0 ]' bash -c "DOCKER_HOST=$sock $DOCKER run -d --name r-paused busybox sh -c '$TICK' && DOCKER_HOST=$sock $DOCKER pause r-paused"
  check "run -d (exits 7 after 3 s)" '[ $rc = 0 ]' d run -d --name r-exit busybox sh -c 'sleep 3; exit 7'
  check "run -d --restart always (exits after 2 s on its first run)" '[ $rc = 0 ]' \
    d run -d --restart always --name r-always busybox sh -c 'if [ -f /ran ]; then echo second; exec sleep 1000; fi; touch /ran; echo first; sleep 2'
  check "run -d --restart on-failure:5 (exits 3 after 2 s on its first run)" '[ $rc = 0 ]' \
    d run -d --restart on-failure:5 --name r-onfail busybox sh -c 'if [ -f /ran ]; then echo second; exec sleep 1000; fi; touch /ran; echo first; sleep 2; exit 3'
  declare -A pid
  for c in r-tick r-tty r-paused r-exit r-always r-onfail; do pid[$c]=$(ins '{{.State.Pid}}' $c); done
  tick_log=$(ins '{{.LogPath}}' r-tick)
  # Clients connected when the daemon dies must end, not hang.
  d logs -f r-tick >/dev/null 2>&1 & c_logs=$!
  d wait r-tty >/dev/null 2>&1 & c_wait=$!
  d events >/dev/null 2>&1 & c_events=$!
  bgpids+=("$c_logs" "$c_wait" "$c_events")
  sleep 0.5
  ok "kill -9 skiffd (pid $(dpid))" 'daemon_signal KILL'
  ok "clients connected to it (logs -f, wait, events) end" 'until_ok 50 eval "! kill -0 $c_logs 2>/dev/null && ! kill -0 $c_wait 2>/dev/null && ! kill -0 $c_events 2>/dev/null"' \
    "still running: $(for p in $c_logs $c_wait $c_events; do kill -0 $p 2>/dev/null && echo -n "$p "; done)"
  ok "containers still run without the daemon" 'alive ${pid[r-tick]} && alive ${pid[r-tty]} && alive ${pid[r-paused]}' \
    "pids: r-tick ${pid[r-tick]} r-tty ${pid[r-tty]} r-paused ${pid[r-paused]}"
  t0=$(last_tick "$tick_log"); sleep 1; t1=$(last_tick "$tick_log")
  ok "ticks continue in the log file while the daemon is down" '[ -n "$t0" ] && [ -n "$t1" ] && [ "$t1" -gt "$t0" ]' "tick $t0 -> $t1 in $tick_log"
  ok "r-exit, r-always and r-onfail end while the daemon is down" 'until_ok 60 eval "! alive ${pid[r-exit]} && ! alive ${pid[r-always]} && ! alive ${pid[r-onfail]}"'
  restart_at=$(date +%s.%N)
  daemon_restart "skiffd starts again"
  check "ps shows the running ones Up" '[ $rc = 0 ] && [[ $out == *"r-tick Up"* ]] && [[ $out == *"r-tty Up"* ]] && [[ $out == *"r-paused Up"*"(Paused)"* ]]' \
    d ps --format '{{.Names}} {{.Status}}'
  check "same pids after the restart" '[ "$out" = "${pid[r-tick]} ${pid[r-tty]} ${pid[r-paused]}" ]' \
    bash -c "for c in r-tick r-tty r-paused; do DOCKER_HOST=$sock $DOCKER inspect -f '{{.State.Pid}}' \$c; done | xargs"
  check "a container that exited while down: Exited with its code" '[ "$out" = "exited 7 false" ]' \
    d inspect -f '{{.State.Status}} {{.State.ExitCode}} {{.State.Running}}' r-exit
  check "ps -a says Exited (7)" '[[ $out == "Exited (7)"* ]]' d ps -a --filter name=r-exit --format '{{.Status}}'
  fin=$(ins '{{.State.FinishedAt}}' r-exit)
  ok "its FinishedAt is the real exit time (before the restart)" 'fgt "$restart_at" "$(epoch "$fin")"' "FinishedAt $fin, daemon restarted at $restart_at"
  ok "--restart always that exited while down is started again" 'until_ok 50 status_is running r-always'
  check "  ... and ran a second time" '[ "$(printf %s "$out" | tr "\n" " ")" = "first second" ]' d logs r-always
  ok "--restart on-failure that failed while down is started again" 'until_ok 50 status_is running r-onfail'
  check "  ... and ran a second time" '[ "$(printf %s "$out" | tr "\n" " ")" = "first second" ]' d logs r-onfail
  check "logs -f follows a restored container" '[ $rc = 124 ] && [ $(printf "%s\n" "$out" | grep -c "^tick ") -ge 10 ]' \
    timeout 2 env DOCKER_HOST=$sock $DOCKER logs -f --tail 1 r-tick
  check "exec in a restored container" '[ $rc = 0 ] && [ "$out" = exec-ok ]' d exec r-tick echo exec-ok
  check "exec exit code" '[ $rc = 3 ]' d exec r-tty sh -c 'exit 3'
  check "unpause the restored paused container" '[ $rc = 0 ]' d unpause r-paused
  plog=$(ins '{{.LogPath}}' r-paused); p0=$(last_tick "$plog"); sleep 0.5; p1=$(last_tick "$plog")
  ok "  ... and it ticks again" '[ -n "$p0" ] && [ -n "$p1" ] && [ "$p1" -gt "$p0" ]' "tick $p0 -> $p1"
  run bash -c "{ sleep 1.5; printf 'echo att-\$((6*7))\n'; sleep 1.5; printf '\020\021'; sleep 1; } | script -qec 'DOCKER_HOST=$sock $DOCKER attach r-tty' /dev/null"
  cmd="script -qec 'docker attach r-tty' (typed: echo att-\$((6*7)); Ctrl-P Ctrl-Q)"
  # Docker 20.10 + its CLI: the detach ends the client with "read escape sequence" and exit 1.
  if [[ $out == *att-42* && $out == *"read escape sequence"* ]]; then pass "attach to the restored tty container: $cmd"
  else fail "attach to the restored tty container: $cmd" 'att-42 echoed, then "read escape sequence" (the detach)'; fi
  ok "  ... still running after the detach" 'status_is running r-tty'
  d wait r-tick >"$dir/wait.out" 2>&1 & waitpid=$!
  sleep 0.3
  check "stop a restored container" '[ $rc = 0 ]' d stop -t 1 r-tick
  wait $waitpid
  ok "  ... a docker wait begun after the restore returns 137" '[ "$(cat "$dir/wait.out")" = 137 ]' "$(cat "$dir/wait.out")"
  check "  ... it is Exited (137)" '[ "$out" = "exited 137" ]' d inspect -f '{{.State.Status}} {{.State.ExitCode}}' r-tick
  ok "  ... its process is gone" '! alive ${pid[r-tick]}'
  check "stop the others" '[ $rc = 0 ]' d stop -t 1 r-tty r-paused r-always r-onfail
  check "rm all of scenario 1" '[ $rc = 0 ]' d rm r-tick r-tty r-paused r-exit r-always r-onfail
fi

# --- 2. SIGTERM of skiffd leaves containers running -------------------------------------------------
if want 2; then
  echo "== 2. SIGTERM"
  check "run -d ticker" '[ $rc = 0 ]' d run -d --name t-tick busybox sh -c "$TICK"
  p=$(ins '{{.State.Pid}}' t-tick); shim=$(shim_pids "$(ins '{{.Id}}' t-tick)")
  ok "SIGTERM: skiffd exits (within 15 s)" 'daemon_signal TERM'
  ok "the container and its shim keep running" 'alive $p && [ -n "$shim" ] && alive $shim' "pid $p, shim $shim"
  daemon_restart "skiffd starts again"
  check "Up with the same pid" '[ "$out" = "running $p" ]' d inspect -f '{{.State.Status}} {{.State.Pid}}' t-tick
  check "exec works" '[ "$out" = ok ]' d exec t-tick echo ok
  check "rm -f" '[ $rc = 0 ]' d rm -f t-tick
  ok "  ... process and shim gone" 'until_ok 50 eval "! alive $p && ! alive $shim"'
fi

# --- 3. concurrency ------------------------------------------------------------------------------------
if want 3; then
  echo "== 3. concurrency"
  cdir=$dir/conc; mkdir -p "$cdir"
  pspids=()
  for l in 1 2 3; do
    ( n=0
      while [ ! -f "$cdir/stop" ]; do
        d ps -a >/dev/null 2>"$cdir/ps-err-$l" || echo "ps -a failed: $(cat "$cdir/ps-err-$l")" >> "$cdir/ps-fail"
        n=$((n + 1))
      done
      echo $n > "$cdir/ps-count-$l" ) &
    pspids+=($!)
  done
  bgpids+=("${pspids[@]}")
  jobs_=()
  for i in $(seq 1 50); do
    ( want_code=$((i % 5)) step=create
      c=$(d create --name "cc-$i" busybox sh -c "exit $want_code" 2>&1) && step=start &&
      o=$(d start "$c" 2>&1) && step="wait" &&
      o=$(d wait "$c" 2>&1) && [ "$o" = "$want_code" ] && step="rm" &&
      o=$(d rm "$c" 2>&1) && exit 0
      echo "cc-$i: $step failed: ${o:-$c}" > "$cdir/fail-cc-$i"; exit 1 ) &
    jobs_+=($!)
  done
  for i in $(seq 1 20); do
    ( o=$(d run --rm busybox true 2>&1) || { echo "run --rm #$i: $o" > "$cdir/fail-run-$i"; exit 1; } ) &
    jobs_+=($!)
  done
  t_start=$SECONDS
  nfails=0; for j in "${jobs_[@]}"; do wait "$j" || nfails=$((nfails + 1)); done
  touch "$cdir/stop"; wait "${pspids[@]}"
  ok "50 create/start/wait/rm + 20 run --rm at once all succeed ($((SECONDS - t_start)) s)" '[ $nfails = 0 ]' "$(cat "$cdir"/fail-* 2>/dev/null | head -20)"
  ok "3 concurrent ps -a loops never failed ($(cat "$cdir"/ps-count-* | awk '{s += $1} END {print s}') calls)" '[ ! -s "$cdir/ps-fail" ]' "$(head -5 "$cdir/ps-fail" 2>/dev/null)"
  check "ps -a is empty afterwards" '[ $rc = 0 ] && [ -z "$out" ]' d ps -aq
  ok "no leftover mounts under the data dirs" 'until_ok 30 eval "[ -z \"\$(leftover_mounts)\" ]"' "$(leftover_mounts | head)"
  ok "no leftover shims" 'until_ok 30 eval "[ -z \"\$(shim_pids)\" ]"' "$(shim_pids)"
  ok "no leftover container cgroups" 'until_ok 30 eval "[ -z \"\$(leftover_cgroups)\" ]"' "$(leftover_cgroups | head)"
  procs=$(find /sys/fs/cgroup/*/"$(cgparent)" -name cgroup.procs -exec cat {} + 2>/dev/null)
  ok "no leftover container processes" '[ -z "$procs" ]' "$procs"
  check "daemon still healthy" '[ $rc = 0 ] && [ "$out" = healthy ]' d run --rm busybox echo healthy
  # 50 creates with the same name: one wins, 49 get the Conflict error.
  jobs_=()
  for i in $(seq 1 50); do
    ( o=$(d create --name same-name busybox true 2>&1); r=$?; printf '%s\n' "$o" > "$cdir/same-$i.out"; exit $r ) &
    jobs_+=($!)
  done
  nok=0; for j in "${jobs_[@]}"; do wait "$j" && nok=$((nok + 1)); done
  nconf=$(grep -l 'Conflict. The container name "/same-name" is already in use by container' "$cdir"/same-*.out | wc -l)
  ok "50 creates of one name: exactly one succeeds, 49 Conflict" '[ $nok = 1 ] && [ $nconf = 49 ]' \
    "succeeded $nok, conflict $nconf; e.g.: $(grep -h Error "$cdir"/same-*.out | sort | uniq -c | head -3)"
  check "the name belongs to a container" '[ "$out" = /same-name ]' d inspect -f '{{.Name}}' same-name
  check "rm it" '[ $rc = 0 ]' d rm same-name
  check "ps -a is empty" '[ -z "$out" ]' d ps -aq
fi

# --- 4. restart policies ------------------------------------------------------------------------------
if want 4; then
  echo "== 4. restart policies"
  check "run --restart on-failure:3 (exit 1)" '[ $rc = 0 ]' d run -d --name rp-fail --restart on-failure:3 busybox sh -c 'exit 1'
  fdone() { [ "$(ins '{{.State.Status}} {{.RestartCount}}' rp-fail)" = "exited 3" ]; }
  until_ok 100 fdone
  check "on-failure:3 ends Exited (1) with RestartCount 3" '[ "$out" = "exited 1 3" ]' d inspect -f '{{.State.Status}} {{.State.ExitCode}} {{.RestartCount}}' rp-fail
  sleep 1
  check "  ... and is not restarted again" '[ "$out" = "exited 3" ]' d inspect -f '{{.State.Status}} {{.RestartCount}}' rp-fail
  check "run --restart always (exit 0)" '[ $rc = 0 ]' d run -d --name rp-always --restart always busybox echo run
  sleep 3.5
  n=$(ins '{{.RestartCount}}' rp-always)
  ok "always restarts after exit 0 (RestartCount $n after 3.5 s)" '[ "$n" -ge 4 ] && [ "$n" -le 7 ]' "RestartCount $n"
  mapfile -t ts < <(d logs -t rp-always 2>&1 | awk '{print $1}')
  gaps=()
  for ((k = 1; k < ${#ts[@]}; k++)); do gaps+=("$(awk -v a="$(epoch "${ts[k-1]}")" -v b="$(epoch "${ts[k]}")" 'BEGIN { printf "%.3f", b - a }')"); done
  # Back-off 100, 200, 400, 800 ms (plus the time a start takes): each gap at least its delay, growing.
  backoff_ok() {
    [ ${#gaps[@]} -ge 4 ] || return 1
    local k d=0.1
    for ((k = 0; k < 4; k++)); do
      fgt "${gaps[k]}" "$d" || return 1
      fgt "$(awk -v d="$d" 'BEGIN { print d * 2 + 0.35 }')" "${gaps[k]}" || return 1
      d=$(awk -v d="$d" 'BEGIN { print d * 2 }')
    done
  }
  ok "back-off between runs grows 100/200/400/800 ms" 'backoff_ok' "gaps between runs (s): ${gaps[*]}"
  check "docker stop of an always container" '[ $rc = 0 ]' d stop rp-always
  n=$(ins '{{.RestartCount}}' rp-always); sleep 2
  check "  ... stays stopped" '[ "$out" = "exited $n" ]' d inspect -f '{{.State.Status}} {{.RestartCount}}' rp-always
  check "rm" '[ $rc = 0 ]' d rm rp-always
  # Interactions checked against Docker 20.10 (same results there).
  check "run --restart always (exits 3 at once)" '[ $rc = 0 ]' d run -d --name rp-loop --restart always busybox sh -c 'exit 3'
  sleep 1.5
  check "  ... it is restart-looping" '[[ $out == "restarting true "* ]]' d inspect -f '{{.State.Status}} {{.State.Restarting}} {{.RestartCount}}' rp-loop
  check "  ... docker stop during the back-off" '[ $rc = 0 ]' d stop -t 1 rp-loop
  n=$(ins '{{.RestartCount}}' rp-loop); sleep 1.5
  check "  ... ends it: Exited (3), RestartCount kept" '[ "$out" = "exited 3 $n false" ]' d inspect -f '{{.State.Status}} {{.State.ExitCode}} {{.RestartCount}} {{.State.Restarting}}' rp-loop
  check "  ... start again, then rm -f while it loops" '[ $rc = 0 ]' bash -c "DOCKER_HOST=$sock $DOCKER start rp-loop >/dev/null && sleep 1 && DOCKER_HOST=$sock $DOCKER rm -f rp-loop"
  check "  ... it is gone" '[ $rc = 1 ]' d container inspect rp-loop
  check "run --restart always sleep" '[ $rc = 0 ]' d run -d --name rp-kill --restart always busybox sleep 1000
  check "  ... docker kill" '[ $rc = 0 ]' d kill rp-kill
  sleep 1.5
  check "  ... a killed always container stays Exited (137), as Docker's" '[ "$out" = "exited 137 0" ]' d inspect -f '{{.State.Status}} {{.State.ExitCode}} {{.RestartCount}}' rp-kill
  check "run (no policy; exits 2 after 1 s) + update --restart always" '[ $rc = 0 ]' \
    bash -c "DOCKER_HOST=$sock $DOCKER run -d --name rp-upd busybox sh -c 'sleep 1; exit 2' >/dev/null && DOCKER_HOST=$sock $DOCKER update --restart always rp-upd"
  sleep 2.5
  check "  ... the updated policy applies (restarted)" '[[ $out =~ ^(restarting|running)\ [1-9] ]]' d inspect -f '{{.State.Status}} {{.RestartCount}}' rp-upd
  check "rm -f" '[ $rc = 0 ]' d rm -f rp-kill rp-upd
  check "run --restart unless-stopped" '[ $rc = 0 ]' d run -d --name rp-us --restart unless-stopped busybox sleep 1000
  check "run --restart always" '[ $rc = 0 ]' d run -d --name rp-al --restart always busybox sleep 1000
  check "stop both" '[ $rc = 0 ]' d stop -t 1 rp-us rp-al
  ok "daemon SIGTERM" 'daemon_signal TERM'
  daemon_restart "daemon start"
  sleep 1
  check "unless-stopped after stop + daemon restart stays stopped" '[ "$out" = exited ]' d inspect -f '{{.State.Status}}' rp-us
  check "always after stop + daemon restart runs again" '[ "$out" = running ]' d inspect -f '{{.State.Status}}' rp-al
  check "on-failure:3 that used its retries stays Exited after the daemon restart" '[ "$out" = "exited 3" ]' d inspect -f '{{.State.Status}} {{.RestartCount}}' rp-fail
  check "rm -f" '[ $rc = 0 ]' d rm -f rp-us rp-al rp-fail
fi

# --- 5. logs: rotation, follow, since/until/tail/-t -------------------------------------------------
if want 5; then
  echo "== 5. logs"
  check "run a fast writer with max-size=10k max-file=3" '[ $rc = 0 ]' \
    d run -d --name lg --log-opt max-size=10k --log-opt max-file=3 busybox sh -c 'i=0; while [ $i -lt 3000 ]; do echo "line $i padding-padding-padding"; i=$((i+1)); done; exec sleep 1000'
  id=$(ins '{{.Id}}' lg); base=$dir/data/containers/$id/$id-json.log
  lgdone() { tail -n 1 "$base" 2>/dev/null | grep -q '"line 2999 '; }
  until_ok 100 lgdone
  check "rotated files exist (.1 .2, no .3)" '[ -f "$base" ] && [ -f "$base.1" ] && [ -f "$base.2" ] && [ ! -e "$base.3" ]' ls "$dir/data/containers/$id"
  total=$(cat "$base" "$base".* 2>/dev/null | wc -c)
  ok "total log size bounded (<= 3 x (10k + a line))" '[ "$total" -le $((3 * (10240 + 200))) ] && [ "$total" -ge 20000 ]' "total $total bytes"
  run d logs lg
  first=$(printf '%s\n' "$out" | head -1 | awk '{print $2}'); nl=$(printf '%s\n' "$out" | wc -l)
  seqok=$(printf '%s\n' "$out" | awk -v f="$first" '$1 != "line" || $2 != f + NR - 1 {bad = 1} END {print bad ? "no" : "yes"}')
  ok "docker logs shows the tail, in order, no dupes or gaps" '[ "$seqok" = yes ] && [ "$(printf "%s\n" "$out" | tail -1)" = "line 2999 padding-padding-padding" ] && [ "$nl" -ge 200 ]' \
    "lines $nl, first $first, consecutive $seqok"
  check "logs --tail 3" '[ "$(printf "%s" "$out" | tr "\n" "|")" = "line 2997 padding-padding-padding|line 2998 padding-padding-padding|line 2999 padding-padding-padding" ]' d logs --tail 3 lg
  check "logs -t --tail 1: RFC3339Nano timestamp" '[[ $out =~ ^20[0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-9:]{8}\.[0-9]+Z\ line\ 2999\  ]]' d logs -t --tail 1 lg
  check "rm -f" '[ $rc = 0 ]' d rm -f lg
  # Follow across rotations: a throttled writer that exits; logs -f ends with it and misses nothing.
  check "run a throttled writer (2000 lines through 10k files)" '[ $rc = 0 ]' \
    d run -d --name lg2 --log-opt max-size=10k --log-opt max-file=2 busybox sh -c 'sleep 1; i=0; while [ $i -lt 2000 ]; do echo "line $i padding-padding-padding"; i=$((i+1)); [ $((i % 50)) = 0 ] && sleep 0.05; done; echo done'
  run timeout 60 env DOCKER_HOST=$sock $DOCKER logs -f lg2
  seqok=$(printf '%s\n' "$out" | awk '$0 == "done" {next} $1 != "line" || $2 != NR - 1 {bad = 1} END {print bad ? "no" : "yes"}')
  ok "logs -f follows across rotations to the end (exit 0, 2000 lines + done, none lost or doubled)" \
    '[ $rc = 0 ] && [ "$seqok" = yes ] && [ "$(printf "%s\n" "$out" | wc -l)" = 2001 ] && [ "$(printf "%s\n" "$out" | tail -1)" = done ]' \
    "exit $rc, $(printf '%s\n' "$out" | wc -l) lines, consecutive $seqok, last: $(printf '%s\n' "$out" | tail -1)"
  check "rm" '[ $rc = 0 ]' d rm lg2
  check "run: a, 2 s, b" '[ $rc = 0 ]' d run -d --name lg3 busybox sh -c 'echo a; sleep 2; echo b; exec sleep 1000'
  until_ok 50 eval '[ "$(d logs lg3 2>&1 | wc -l)" = 2 ]'
  mapfile -t ts < <(d logs -t lg3 2>&1 | awk '{print $1}')
  mid=$(awk -v a="$(epoch "${ts[0]}")" 'BEGIN { printf "%.3f", a + 1 }')
  check "logs --since (between a and b)" '[ "$out" = b ]' d logs --since "$mid" lg3
  check "logs --until (between a and b)" '[ "$out" = a ]' d logs --until "$mid" lg3
  check "logs --since 1h --tail 1" '[ "$out" = b ]' d logs --since 1h --tail 1 lg3
  check "logs --since in the future: nothing" '[ $rc = 0 ] && [ -z "$out" ]' d logs --since "$(( $(date +%s) + 3600 ))" lg3
  check "rm -f" '[ $rc = 0 ]' d rm -f lg3
fi

# --- 6. kill -9 of a shim ---------------------------------------------------------------------------
if want 6; then
  echo "== 6. shim killed"
  check "run -d" '[ $rc = 0 ]' d run -d --name sk busybox sh -c "$TICK"
  id=$(ins '{{.Id}}' sk); p=$(ins '{{.State.Pid}}' sk); shim=$(shim_pids "$id")
  ok "kill -9 the shim ($shim)" '[ -n "$shim" ] && kill -9 $shim'
  ok "the daemon notices: Exited" 'until_ok 100 status_is exited sk'
  check "  ... exit code 255 or 137, not running" '[ "$out" = "exited 255 false" ] || [ "$out" = "exited 137 false" ]' \
    d inspect -f '{{.State.Status}} {{.State.ExitCode}} {{.State.Running}}' sk
  ok "  ... the container's process is gone" 'until_ok 50 eval "! alive $p"'
  procs=$(find /sys/fs/cgroup/*/"$(cgparent)" -path "*$id*" -name cgroup.procs -exec cat {} + 2>/dev/null)
  ok "  ... nothing left in its cgroups" '[ -z "$procs" ]' "$procs"
  check "  ... it can be started again" '[ $rc = 0 ] && [ "$(DOCKER_HOST=$sock $DOCKER inspect -f "{{.State.Status}}" sk)" = running ]' d start sk
  check "rm -f" '[ $rc = 0 ]' d rm -f sk
fi

# --- 7. OOM kill --------------------------------------------------------------------------------------
if want 7; then
  echo "== 7. OOM"
  check "--memory 16m with a memory hog exits 137" '[ $rc = 137 ]' d run --name oom --memory 16m busybox sh -c 'tail /dev/zero'
  check "  ... Exited (137), OOMKilled true" '[ "$out" = "exited 137 true" ]' d inspect -f '{{.State.Status}} {{.State.ExitCode}} {{.State.OOMKilled}}' oom
  check "rm" '[ $rc = 0 ]' d rm oom
fi

# --- 8. failed starts, and kill -9 of the daemon in the middle of work --------------------------------
if want 8; then
  echo "== 8. failed starts, kill -9 under load"
  # Docker: the client prints the error, exits 127, the --rm container is removed.
  check "run --rm of a missing command: error, exit 127 (no hang)" '[ $rc = 127 ] && [[ $out == *"executable file not found"* ]]' \
    timeout -s KILL 20 env DOCKER_HOST=$sock $DOCKER run --rm --name rm-fail busybox nope-command
  check "  ... and the --rm container is gone" '[ $rc = 1 ] && [[ $out == *"No such container"* ]]' d container inspect rm-fail
  d rm -f rm-fail >/dev/null 2>&1
  check "run of a missing command (no --rm): exit 127, Created" '[ $rc = 127 ]' d run --name nr-fail busybox nope-command
  check "  ... Created with exit code 127 and the error" '[[ $out == "created 127 "*"executable file not found"* ]]' \
    d inspect -f '{{.State.Status}} {{.State.ExitCode}} {{.State.Error}}' nr-fail
  check "rm" '[ $rc = 0 ]' d rm nr-fail
  ok "no mounts left after failed starts" 'until_ok 30 eval "[ -z \"\$(leftover_mounts)\" ]"' "$(leftover_mounts | head)"
  kdir=$dir/kill; mkdir -p "$kdir"; jobs_=()
  for i in $(seq 1 15); do
    ( d run -d --name "k-run-$i" busybox sleep 1000 >"$kdir/run-$i" 2>&1; echo "exit=$?" >>"$kdir/run-$i" ) & jobs_+=($!)
    ( d create --name "k-cr-$i" busybox true >"$kdir/cr-$i" 2>&1; echo "exit=$?" >>"$kdir/cr-$i" ) & jobs_+=($!)
  done
  # Kill once the first containers have started: the others are somewhere in create/start then.
  started() { [ "$(ls "$dir/exec/containers" 2>/dev/null | wc -l)" -ge 2 ]; }
  until_ok 100 started
  ok "kill -9 skiffd while 30 clients create/start" 'daemon_signal KILL'
  hung=0
  for j in "${jobs_[@]}"; do
    until_ok 100 eval '! kill -0 '"$j"' 2>/dev/null' || { hung=$((hung + 1)); kill -9 "$j" 2>/dev/null; }
    wait "$j" 2>/dev/null
  done
  ok "  ... every client returned (none hangs on the dead daemon)" '[ $hung = 0 ]' "$hung clients still waiting 10 s after the kill"
  echo "      (clients that got an error from the kill: $(grep -l -i 'error\|cannot connect' "$kdir"/* 2>/dev/null | wc -l) of 30)"
  daemon_restart "skiffd starts again"
  check "ps -a: every container in a sane state" \
    '[ $rc = 0 ] && ! printf "%s\n" "$out" | grep -qvE "^k-(run|cr)-[0-9]+ (running|created|exited)$"' \
    d ps -a --format '{{.Names}} {{.State}}'
  # What the daemon acknowledged before it died is still there: a create that returned an ID (`run -d`
  # prints it right after the create) exists; a `run -d` that exited 0 (start acknowledged) is running.
  lost=""
  for f in "$kdir"/run-* "$kdir"/cr-*; do
    id=$(grep -Eo '^[0-9a-f]{64}$' "$f") || continue
    st=$(ins '{{.State.Status}}' "$id")
    case "${f##*/}:$(grep -o 'exit=[0-9]*' "$f"):$st" in
      run-*:exit=0:running | run-*:exit=[1-9]*:created | run-*:exit=[1-9]*:running | cr-*:created) ;;
      *) lost+="${f##*/}=${id:0:12}:$(grep -o 'exit=[0-9]*' "$f"):$st " ;;
    esac
  done
  ok "  ... every acknowledged create/run is there (run -d ones running)" '[ -z "$lost" ]' "$lost"
  check "  ... the running ones really run (exec)" '[ $rc = 0 ]' \
    bash -c "for c in \$(DOCKER_HOST=$sock $DOCKER ps -q); do DOCKER_HOST=$sock $DOCKER exec \$c true || exit 1; done"
  run bash -c "ids=\$(DOCKER_HOST=$sock $DOCKER ps -aq); [ -z \"\$ids\" ] || DOCKER_HOST=$sock $DOCKER rm -f \$ids"
  cmd="docker rm -f \$(docker ps -aq)"
  if [ $rc = 0 ]; then pass "rm -f of all of them: $cmd"; else fail "rm -f of all of them: $cmd" "exit 0"; fi
  check "ps -a empty" '[ $rc = 0 ] && [ -z "$out" ]' d ps -aq
  check "daemon healthy" '[ "$out" = healthy ]' d run --rm busybox echo healthy
fi

# --- the end: nothing left behind -------------------------------------------------------------------
check "ps -a empty at the end" '[ $rc = 0 ] && [ -z "$out" ]' d ps -aq
ok "no shims left" 'until_ok 30 eval "[ -z \"\$(shim_pids)\" ]"' "$(shim_pids)"
ok "no mounts left under $dir" 'until_ok 30 eval "[ -z \"\$(leftover_mounts)\" ]"' "$(leftover_mounts | head)"
ok "no container cgroups left" 'until_ok 30 eval "[ -z \"\$(leftover_cgroups)\" ]"' "$(leftover_cgroups | head)"
summary daemon_robust

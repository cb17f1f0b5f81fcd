#!/usr/bin/env bash
# e2e: Debian's docker.io runs containers through skiff-runtime.
# A private dockerd (tests/support/private-dockerd.sh, everything under a temp dir, socket only there) is
# started with `--add-runtime skiff=<runtime>`; a busybox image built from tests/support/busybox-rootfs.sh
# is imported; each check runs `docker run --runtime skiff --network none ...` and prints PASS/FAIL with
# the command. Exit: 0 all pass, 1 any failure, 77 skipped (docker.io not installed / not root).
#
# Env: SKIFF_BIN (set by CTest; default /work/main/build/bin)
#      SKIFF_RUNTIME  runtime binary to test (default $SKIFF_BIN/skiff-runtime); e.g. /usr/sbin/runc to
#                     prove the harness on a known-good runtime.
#      KEEP=1         leave the temp dir and daemon running for debugging (prints how to stop it).
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=${SKIFF_SRC:-$(cd "$here/../.." && pwd)}
bin=${SKIFF_BIN:-/work/main/build/bin}
runtime=${SKIFF_RUNTIME:-$bin/skiff-runtime}
DOCKER=/usr/bin/docker

skip() { echo "SKIP runtime_docker: $*" >&2; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root"
command -v dockerd >/dev/null && [ -x "$DOCKER" ] || skip "docker.io is not installed (dockerd, $DOCKER); apt-get install docker.io (make test installs it)"
command -v script >/dev/null || skip "script(1) (util-linux) missing, needed for the -it check"
if [ ! -x "$runtime" ]; then echo "FAIL runtime_docker: runtime $runtime does not exist or is not executable (make build)" >&2; exit 1; fi
runtime=$(readlink -f "$runtime")

dir=$(mktemp -d /tmp/skiff-e2e-docker.XXXXXX)
img=skiff-e2e/busybox:latest
d() { DOCKER_HOST="unix://$dir/docker.sock" "$DOCKER" "$@"; }
cleanup() {
  if [ "${KEEP:-0}" = 1 ]; then
    echo "KEEP=1: daemon left running: DOCKER_HOST=unix://$dir/docker.sock; stop: $src/tests/support/private-dockerd.sh stop $dir" >&2
    return
  fi
  local ids; ids=$(d ps -aq 2>/dev/null)
  [ -n "$ids" ] && d rm -f $ids >/dev/null 2>&1
  "$src/tests/support/private-dockerd.sh" stop "$dir" >/dev/null 2>&1
  [ -n "${cgparent-}" ] && for c in /sys/fs/cgroup/*/"$cgparent"; do [ -d "$c" ] && find "$c" -depth -type d -exec rmdir {} \; 2>/dev/null; done
  rm -rf --one-file-system "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

. "$src/tests/support/checks.sh"
sock=unix://$dir/docker.sock
run() { docker_run "$@"; }
R=(--runtime skiff --network none)
cgroup_file() { # cgroup_file PID CONTROLLER FILE -> host path of FILE in PID's v1 cgroup
  case "$1" in ''|0|*[!0-9]*) echo "/nonexistent/no-container-pid"; return 1 ;; esac
  local p; p=$(awk -F: -v c="$2" '$2 ~ "(^|,)"c"(,|$)" {print $3}' "/proc/$1/cgroup")
  echo "/sys/fs/cgroup/$2$p/$3"
}

echo "runtime under test: $runtime ($("$runtime" --version 2>&1 | head -1))"
echo "work dir: $dir"
# Containers go under a cgroup parent of our own (not /docker), removed on exit.
cgparent="skiff-e2e-docker-${dir##*.}"
if ! "$src/tests/support/private-dockerd.sh" start "$dir" --add-runtime "skiff=$runtime" --cgroup-parent "/$cgparent" --log-level debug; then
  rc=$?; [ $rc = 77 ] && skip "docker.io is not installed"
  echo "FAIL runtime_docker: private dockerd did not start" >&2; exit 1
fi
echo "dockerd: $(d version -f '{{.Server.Version}}'), socket $dir/docker.sock"

"$src/tests/support/busybox-rootfs.sh" "$dir/rootfs" || { echo "FAIL: busybox rootfs" >&2; exit 1; }
tar -C "$dir/rootfs" -c . | d import -c 'CMD ["/bin/sh"]' - "$img" >/dev/null || { echo "FAIL: docker import" >&2; exit 1; }
rm -rf "$dir/rootfs"

check "runtime registered" '[[ $out == *"\"skiff\""*"$runtime"* ]]' d info -f '{{json .Runtimes}}'

# --- 1. echo
check "echo" '[ $rc = 0 ] && [ "$out" = "hello from skiff" ]' d run --rm "${R[@]}" "$img" echo hello from skiff
check "exit code propagates" '[ $rc = 3 ]' d run --rm "${R[@]}" "$img" sh -c 'exit 3'
# (stderr of run -d left out: the 20.10 client may print "error waiting for container: context canceled"
# when the container is gone before its wait starts, whatever the runtime)
check "runtime recorded" '[ "$out" = skiff ]' sh -c "DOCKER_HOST=unix://$dir/docker.sock $DOCKER run -d ${R[*]} $img true 2>/dev/null | xargs $DOCKER -H unix://$dir/docker.sock inspect -f '{{.HostConfig.Runtime}}'"
check "user/workdir/env/hostname" '[ $rc = 0 ] && [ "$out" = "65534 /tmp bar box1" ]' \
  d run --rm "${R[@]}" -u 65534 -w /tmp -e FOO=bar --hostname box1 "$img" sh -c 'echo $(id -u) $(pwd) $FOO $(hostname)'
check "stdin (-i, no tty)" '[ $rc = 0 ] && [ "$out" = "piped-in" ]' sh -c "echo piped-in | DOCKER_HOST=unix://$dir/docker.sock $DOCKER run --rm -i ${R[*]} $img cat"
check "no tty without -t" '[ "$out" = notty ]' d run --rm "${R[@]}" "$img" sh -c '[ -t 0 ] && echo tty || echo notty'
check "read-only rootfs" '[ $rc != 0 ] && [[ $out == *"Read-only file system"* ]]' d run --rm "${R[@]}" --read-only "$img" touch /x

# --- 2. -it shell, on a real pty (script(1) gives docker a terminal; we type into it)
it_cmd="DOCKER_HOST=unix://$dir/docker.sock $DOCKER run --rm -it ${R[*]} $img sh"
run bash -c "{ sleep 3; printf 'echo tty-\$((6*7)); tty; [ -t 0 ] && echo stdin-is-tty\n'; sleep 2; printf 'exit 3\n'; sleep 2; } | script -qec '$it_cmd' /dev/null"
cmd="script -qec 'docker run --rm -it ${R[*]} $img sh' (typed: echo tty-\$((6*7)); tty; [ -t 0 ] && echo stdin-is-tty; exit 3)"
if [ $rc = 3 ] && [[ $out == *tty-42* ]] && [[ $out == *"/dev/pts/"* ]] && [[ $out == *stdin-is-tty* ]] && [[ $out == *"# "* ]]; then
  pass "-it shell: $cmd"
else
  fail "-it shell: $cmd" "exit 3, output with prompt '# ', tty-42, /dev/pts/N, stdin-is-tty"
fi

# --- 3. --memory 64m: limit in the container's memory cgroup, visible inside, and enforced (OOM kill)
cid=$(d run -d "${R[@]}" --memory 64m "$img" sleep 300)
pid=$(d inspect -f '{{.State.Pid}}' "$cid" 2>/dev/null)
f=$(cgroup_file "$pid" memory memory.limit_in_bytes 2>/dev/null)
check "--memory 64m host cgroup" '[ "$out" = 67108864 ]' cat "$f"
check "--memory 64m seen inside" '[ "$out" = 67108864 ]' d exec "$cid" cat /sys/fs/cgroup/memory/memory.limit_in_bytes
d rm -f "$cid" >/dev/null
check "--memory 64m enforced (OOM kill)" '[ $rc = 137 ] && [[ $out != *survived* ]]' \
  d run --name oom "${R[@]}" --memory 64m "$img" sh -c 'x=$(head -c 200000000 /dev/zero | tr "\0" a); echo survived'
check "--memory OOMKilled reported" '[ "$out" = true ]' d inspect -f '{{.State.OOMKilled}}' oom
d rm -f oom >/dev/null 2>&1

# --- 4. --pids-limit
cid=$(d run -d "${R[@]}" --pids-limit 10 "$img" sleep 300)
pid=$(d inspect -f '{{.State.Pid}}' "$cid" 2>/dev/null)
check "--pids-limit 10 host cgroup" '[ "$out" = 10 ]' cat "$(cgroup_file "$pid" pids pids.max 2>/dev/null)"
d rm -f "$cid" >/dev/null
check "--pids-limit 10 enforced" '[[ $out == *"can'"'"'t fork"* || $out == *"Resource temporarily unavailable"* ]]' \
  d run --rm "${R[@]}" --pids-limit 10 "$img" sh -c 'for i in $(seq 1 30); do sleep 30 & done; echo spawned'

# --- 5. --cap-drop ALL (and the default set for contrast)
check "default capabilities (docker's set)" '[[ $out == *"CapBnd:	00000000a80425fb"* && $out == *"CapEff:	00000000a80425fb"* ]]' \
  d run --rm "${R[@]}" "$img" grep Cap /proc/self/status
check "--cap-drop ALL: no capabilities" '[[ $out == *"CapPrm:	0000000000000000"* && $out == *"CapEff:	0000000000000000"* && $out == *"CapBnd:	0000000000000000"* ]]' \
  d run --rm "${R[@]}" --cap-drop ALL "$img" grep Cap /proc/self/status
check "--cap-drop ALL: chown denied" '[ $rc != 0 ] && [[ $out == *"not permitted"* ]]' \
  d run --rm "${R[@]}" --cap-drop ALL "$img" chown 65534 /tmp
check "--cap-drop ALL --cap-add CHOWN" '[ $rc = 0 ]' d run --rm "${R[@]}" --cap-drop ALL --cap-add CHOWN "$img" chown 65534 /tmp

# --- 6-10. a long-running container: exec, top, stats, pause/unpause, stop
check "run -d (long-running)" '[ $rc = 0 ]' d run -d --name long "${R[@]}" "$img" sh -c 'i=0; trap "exit 42" TERM; while :; do i=$((i+1)); echo $i > /tmp/c.new; mv /tmp/c.new /tmp/c; sleep 0.1; done'
cid=$(d inspect -f '{{.Id}}' long 2>/dev/null)
pid=$(d inspect -f '{{.State.Pid}}' long 2>/dev/null)
# dockerd 20.10 gives every runtime the shim root <exec-root>/runtime-runc/<containerd namespace>.
check "runtime state agrees with docker" '[[ $out == *"\"status\": \"running\""* && $out == *"\"pid\": $pid,"* ]]' \
  "$runtime" --root "$(echo "$dir"/exec/runtime-runc/*)" state "$cid"
check "exec" '[ $rc = 0 ] && [ "$out" = exec-ok ]' d exec long echo exec-ok
check "exec sees container pid 1" '[[ $out == "sh -c i=0"* ]]' d exec long sh -c 'tr "\0" " " < /proc/1/cmdline'
check "exec exit code" '[ $rc = 7 ]' d exec long sh -c 'exit 7'
check "exec -u -w -e" '[ "$out" = "65534 /tmp bar" ]' d exec -u 65534 -w /tmp -e FOO=bar long sh -c 'echo $(id -u) $(pwd) $FOO'
check "exec -i stdin" '[ "$out" = "piped-in" ]' sh -c "echo piped-in | DOCKER_HOST=unix://$dir/docker.sock $DOCKER exec -i long cat"
run bash -c "{ sleep 2; printf 'tty; exit 5\n'; sleep 2; } | script -qec 'DOCKER_HOST=unix://$dir/docker.sock $DOCKER exec -it long sh' /dev/null"
cmd="script -qec 'docker exec -it long sh' (typed: tty; exit 5)"
if [ $rc = 5 ] && [[ $out == *"/dev/pts/"* ]]; then pass "exec -it: $cmd"; else fail "exec -it: $cmd" "exit 5 and /dev/pts/N"; fi
check "exec nonexistent binary fails" '[ $rc != 0 ]' d exec long /nonexistent

check "top" '[ $rc = 0 ] && [[ $out == *PID* ]] && [[ $out == *"sh -c i=0"* ]]' d top long
check "stats --no-stream" '[ $rc = 0 ] && [[ $out =~ ^long\ [0-9.]+[KMG]i?B\ /\ [0-9.]+[KMGT]i?B\ [1-9][0-9]*$ ]] && [[ $out != "long 0B"* ]]' \
  d stats --no-stream --format '{{.Name}} {{.MemUsage}} {{.PIDs}}' long

check "pause" '[ $rc = 0 ]' d pause long
check "paused state" '[ "$out" = paused ]' d inspect -f '{{.State.Status}}' long
check "paused: freezer FROZEN" '[ "$out" = FROZEN ]' cat "$(cgroup_file "$pid" freezer freezer.state 2>/dev/null)"
c1=$(cat "/proc/$pid/root/tmp/c" 2>/dev/null); sleep 1; c2=$(cat "/proc/$pid/root/tmp/c" 2>/dev/null)
out="before=$c1 after=$c2"; rc=0
if [ -n "$c1" ] && [ "$c1" = "$c2" ]; then pass "paused: counter stops"; else fail "paused: counter stops" "counter unchanged for 1 s"; fi
check "unpause" '[ $rc = 0 ]' d unpause long
check "running after unpause" '[ "$out" = running ]' d inspect -f '{{.State.Status}}' long
c1=$(cat "/proc/$pid/root/tmp/c" 2>/dev/null); sleep 1; c2=$(cat "/proc/$pid/root/tmp/c" 2>/dev/null)
out="before=$c1 after=$c2"; rc=0
if [ -n "$c1" ] && [ -n "$c2" ] && [ "$c1" != "$c2" ]; then pass "unpaused: counter moves"; else fail "unpaused: counter moves" "counter advances"; fi

t0=$(date +%s%N)
check "stop (SIGTERM reaches the trap)" '[ $rc = 0 ]' d stop -t 10 long
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check "stop: exit code 42 from the TERM trap, in ${ms} ms" '[ "$out" = "exited 42" ] && [ '$ms' -lt 8000 ]' d inspect -f '{{.State.Status}} {{.State.ExitCode}}' long
d rm -f long >/dev/null
check "run -d (sleep as pid 1)" '[ $rc = 0 ]' d run -d --name stubborn "${R[@]}" "$img" sleep 300
check "stop -t 1 escalates to SIGKILL" '[ $rc = 0 ]' d stop -t 1 stubborn
check "stop -t 1: exit 137" '[ "$out" = "exited 137" ]' d inspect -f '{{.State.Status}} {{.State.ExitCode}}' stubborn
check "restart" '[ $rc = 0 ]' d restart -t 1 stubborn
check "running after restart" '[ "$out" = running ]' d inspect -f '{{.State.Status}}' stubborn
check "kill" '[ $rc = 0 ]' d kill stubborn
check "rm" '[ $rc = 0 ]' d rm stubborn
check "logs of a detached container" '[ "$out" = "logged" ]' sh -c "DOCKER_HOST=unix://$dir/docker.sock $DOCKER run -d --name lg ${R[*]} $img echo logged >/dev/null && DOCKER_HOST=unix://$dir/docker.sock $DOCKER wait lg >/dev/null && DOCKER_HOST=unix://$dir/docker.sock $DOCKER logs lg"
d rm -f lg >/dev/null 2>&1

echo
if ! summary runtime_docker; then
  echo "  dockerd log tail ($dir/dockerd.log):"; grep -iE 'error|level=warn' "$dir/dockerd.log" | tail -15 | sed 's/^/    /'
  exit 1
fi
exit 0

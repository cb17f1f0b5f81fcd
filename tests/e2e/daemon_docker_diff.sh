#!/usr/bin/env bash
# e2e: differential test of skiffd against a real dockerd (Debian's docker.io 20.10).
# Both daemons run privately under one temp dir (tests/support/private-dockerd.sh, private-skiffd.sh), get
# the same busybox rootfs imported as busybox:latest, and every scenario below runs twice with the same
# client (/usr/bin/docker): once against dockerd, once against skiffd. Each scenario records, per command,
# the client's stdout, stderr and exit status (`x CMD...`, `xs 'shell'`); the two recordings are normalised
# (IDs, times, durations, the daemons' own paths) and compared command by command: one PASS/FAIL line per
# command, with the diff (docker's lines `-`, skiff's `+`) for failures.
# Scenarios of phase 1 touch only their own containers/images and run concurrently; phase 2 looks at
# global state (ps, images, info, df, prune, events) and runs alone. Last, images go across the daemons
# (save | load, export | import both ways, IDs kept). Exit: 0 all equal, 1 differences, 77 skipped (not
# root, docker.io missing).
#
# Env: SKIFF_BIN  dir with skiffd and skiff-runtime (default /work/main/build/bin)
#      ONLY=re    run only the scenarios whose name matches the regex (phase 2 runs only if it matches)
#      JOBS=N     phase-1 scenarios run at once (default 3)
#      KEEP=1     keep the recordings and both daemons (prints where they are)
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=${SKIFF_SRC:-$(cd "$here/../.." && pwd)}
bin=${SKIFF_BIN:-/work/main/build/bin}
REAL_DOCKER=/usr/bin/docker
ONLY=${ONLY:-.}
JOBS=${JOBS:-3}
runtime=dockerd-vs-skiffd

skip() { echo "SKIP daemon_docker_diff: $*" >&2; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root"
command -v dockerd >/dev/null && [ -x "$REAL_DOCKER" ] || skip "docker.io is not installed (dockerd, $REAL_DOCKER)"
command -v curl >/dev/null || skip "curl missing (HTTP status checks)"
for b in skiffd skiff-runtime; do
  [ -x "$bin/$b" ] || { echo "FAIL daemon_docker_diff: $bin/$b missing (build skiffd skiff-runtime)" >&2; exit 1; }
done

# Short on purpose: unix socket paths under the exec roots must fit in sun_path (108 bytes).
dir=$(mktemp -d /tmp/t1XXX)
D_DIR=$dir/d S_DIR=$dir/s
mkdir -p "$D_DIR" "$S_DIR" "$dir/bin" "$dir/rec"
# Scenarios say `docker`; it must be Debian's 20.10 client whatever PATH holds.
ln -s "$REAL_DOCKER" "$dir/bin/docker"
# api METHOD PATH: HTTP status of a raw API call (curl on the daemon's unix socket).
cat > "$dir/bin/api" <<'EOF'
#!/usr/bin/env bash
curl -s -o /dev/null -w '%{http_code}\n' --unix-socket "${DOCKER_HOST#unix://}" -X "$1" "http://localhost/v1.41$2"
EOF
# timed CMD...: runs CMD, then says how long it took in coarse buckets (<1s, 1-4s, >=4s).
cat > "$dir/bin/timed" <<'EOF'
#!/usr/bin/env bash
s=$(date +%s%N); "$@"; rc=$?; e=$(( ($(date +%s%N) - s) / 1000000 ))
if [ $e -lt 1000 ]; then echo "took <1s"; elif [ $e -lt 4000 ]; then echo "took 1-4s"; else echo "took >=4s"; fi
exit $rc
EOF
# keys [SECTION]: reads `docker inspect` output (json.Indent of the daemon's raw JSON, one object) and prints
# the keys in the daemon's order: the top-level ones, or those directly inside the top-level SECTION.
cat > "$dir/bin/keys" <<'EOF'
#!/usr/bin/env bash
awk -v sec="${1:-}" '
  match($0, /^ *"[A-Za-z0-9]+":/) {
    ind = index($0, "\"") - 1; k = substr($0, ind + 2); sub(/".*/, "", k)
    if (ind == 8) { cur = k; if (sec == "") printf "%s ", k }
    else if (ind == 12 && sec != "" && cur == sec) printf "%s ", k
  }
  END { print "" }'
EOF
chmod +x "$dir/bin/api" "$dir/bin/timed" "$dir/bin/keys"
export PATH="$dir/bin:$PATH"
d_cgparent="skiff-test-docker-${dir##*/}"
custom_cgparent="skiff-test-custom-${dir##*/}"   # for --cgroup-parent, on both daemons

cleanup() {
  trap - EXIT
  local j; for j in $(jobs -pr); do kill "$j" 2>/dev/null; done   # interrupted: our scenario subshells
  wait 2>/dev/null
  if [ "${KEEP:-0}" = 1 ]; then
    echo "KEEP=1: recordings in $dir/rec; dockerd: DOCKER_HOST=unix://$D_DIR/docker.sock, skiffd: DOCKER_HOST=unix://$S_DIR/skiff.sock"
    echo "        stop: $src/tests/support/private-skiffd.sh stop $S_DIR; $src/tests/support/private-dockerd.sh stop $D_DIR; rm -rf $dir"
    return
  fi
  if [ -S "$D_DIR/docker.sock" ]; then
    local ids; ids=$(DOCKER_HOST="unix://$D_DIR/docker.sock" timeout 30 docker ps -aq 2>/dev/null)
    # shellcheck disable=SC2086
    [ -n "$ids" ] && DOCKER_HOST="unix://$D_DIR/docker.sock" timeout 60 docker rm -f -v $ids >/dev/null 2>&1
  fi
  "$src/tests/support/private-dockerd.sh" stop "$D_DIR" >/dev/null 2>&1
  SKIFF_BIN=$bin "$src/tests/support/private-skiffd.sh" stop "$S_DIR" >/dev/null 2>&1
  for c in /sys/fs/cgroup/*/"$d_cgparent" /sys/fs/cgroup/*/"$custom_cgparent"; do [ -d "$c" ] && find "$c" -depth -type d -exec rmdir {} \; 2>/dev/null; done
  rm -rf --one-file-system "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

. "$src/tests/support/checks.sh"

echo "work dir: $dir"
"$src/tests/support/private-dockerd.sh" start "$D_DIR" --cgroup-parent "/$d_cgparent" & dpid=$!
SKIFF_BIN=$bin "$src/tests/support/private-skiffd.sh" start "$S_DIR" & spid=$!
wait $dpid; drc=$?
wait $spid; src_rc=$?
[ $drc = 77 ] && skip "docker.io is not installed"
[ $drc = 0 ] || { echo "FAIL daemon_docker_diff: private dockerd did not start" >&2; exit 1; }
[ $src_rc = 0 ] || { echo "FAIL daemon_docker_diff: private skiffd did not start:" >&2; tail -20 "$S_DIR/skiffd.log" >&2; exit 1; }
D_SOCK="unix://$D_DIR/docker.sock" S_SOCK="unix://$S_DIR/skiff.sock"
BUSYBOX_TAR=$dir/busybox.tar
echo "dockerd $(DOCKER_HOST=$D_SOCK docker version -f '{{.Server.Version}}'), skiffd $(DOCKER_HOST=$S_SOCK docker version -f '{{.Server.Version}}')"

"$src/tests/support/busybox-rootfs.sh" "$dir/rootfs" || { echo "FAIL: busybox rootfs" >&2; exit 1; }
tar -C "$dir/rootfs" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf "$dir/busybox.tar" .
rm -rf "$dir/rootfs"
for sock in "$D_SOCK" "$S_SOCK"; do
  DOCKER_HOST=$sock docker import -c 'CMD ["sh"]' "$dir/busybox.tar" busybox:latest >/dev/null ||
    { echo "FAIL: docker import into $sock" >&2; exit 1; }
done

# ---------------------------------------------------------------------------------------------------------
# Recording. A scenario runs in a subshell with DOCKER_HOST set to one daemon, the side's scratch dir in $W
# (same path shape on both sides) and its output going to the recording.

# x [-f SED] [-s] [-t TITLE] CMD...: runs CMD (stdin /dev/null, 60 s limit), records it. -f: extra sed over
# the output; -s: sort the output lines (order differs by nature); -t: show TITLE instead of the command.
x() {
  local filt="" title=""; sortit=0
  while :; do
    case "$1" in
      -f) filt=$2; shift 2 ;;
      -s) sortit=1; shift ;;
      -t) title=$2; shift 2 ;;
      *) break ;;
    esac
  done
  _rec "${title:-$(show "$@")}" "$filt" "$@"
}
# xs [-f SED] 'shell': the same for a shell command line (pipes, redirections; `docker` is the 20.10 client).
xs() {
  local filt=""; sortit=0
  [ "$1" = -f ] && { filt=$2; shift 2; }
  _rec "$1" "$filt" bash -o pipefail -c "$1"
}
# show ARGS...: the command as a reader would type it (single quotes only where needed).
show() {
  local a out=""
  for a in "$@"; do
    if [[ -z $a || $a =~ [^A-Za-z0-9_./:=,@%+-] ]]; then a="'${a//\'/\'\\\'\'}'"; fi
    out+="$a "
  done
  printf '%s' "${out% }"
}
_rec() {
  local shown=$1 filt=$2 rc; shift 2
  timeout -k 5 60 "$@" </dev/null >"$W/.o" 2>"$W/.e"; rc=$?
  if [ "${sortit:-0}" = 1 ]; then sort -o "$W/.o" "$W/.o"; sortit=0; fi
  # Binds, Ulimits, Mounts: the 20.10 client sends -v binds and --ulimit in map order, dockerd lists mounts
  # in map order.
  if [ "${sortit:-0}" = 2 ]; then { grep -Ev '^(Bind|Mount|Ulimit)=' "$W/.o"; grep -E '^(Bind|Mount|Ulimit)=' "$W/.o" | sort; } > "$W/.o2"; mv "$W/.o2" "$W/.o"; sortit=0; fi
  printf '### %s\n' "${shown% }"
  if [ -n "$filt" ]; then sed -E "$filt" "$W/.o"; else cat "$W/.o"; fi
  if [ -s "$W/.e" ]; then
    echo "--- stderr"
    if [ -n "$filt" ]; then sed -E "$filt" "$W/.e"; else cat "$W/.e"; fi
  fi
  echo "--- exit $rc"
}
# q CMD...: setup step, not recorded.
q() { timeout -k 5 60 "$@" </dev/null >/dev/null 2>&1; }
# inspect fields worth comparing (the task's list), one per line.
IFIELDS='Name={{.Name}}
Path={{json .Path}} Args={{json .Args}} RestartCount={{.RestartCount}}
Cmd={{json .Config.Cmd}} Entrypoint={{json .Config.Entrypoint}}
Env={{json .Config.Env}}
WorkingDir={{json .Config.WorkingDir}} User={{json .Config.User}} Labels={{json .Config.Labels}}
Tty={{.Config.Tty}} OpenStdin={{.Config.OpenStdin}} StdinOnce={{.Config.StdinOnce}} Attach={{.Config.AttachStdin}},{{.Config.AttachStdout}},{{.Config.AttachStderr}}
Volumes={{json .Config.Volumes}} StopSignal={{json .Config.StopSignal}} StopTimeout={{json .Config.StopTimeout}}
Healthcheck={{json .Config.Healthcheck}}
State={{.State.Status}} Running={{.State.Running}} Paused={{.State.Paused}} Restarting={{.State.Restarting}} OOMKilled={{.State.OOMKilled}} Dead={{.State.Dead}} ExitCode={{.State.ExitCode}} ErrorSet={{if .State.Error}}yes{{else}}no{{end}} Health={{if .State.Health}}{{.State.Health.Status}}{{end}}
Memory={{.HostConfig.Memory}} MemorySwap={{.HostConfig.MemorySwap}} NanoCpus={{.HostConfig.NanoCPUs}} CpuShares={{.HostConfig.CPUShares}} PidsLimit={{json .HostConfig.PidsLimit}}
Ulimits={{if not .HostConfig.Ulimits}}{{json .HostConfig.Ulimits}}{{end}} CapAdd={{json .HostConfig.CapAdd}} CapDrop={{json .HostConfig.CapDrop}}
Privileged={{.HostConfig.Privileged}} ReadonlyRootfs={{.HostConfig.ReadonlyRootfs}} Tmpfs={{json .HostConfig.Tmpfs}}
RestartPolicy={{json .HostConfig.RestartPolicy}} AutoRemove={{.HostConfig.AutoRemove}} LogType={{.HostConfig.LogConfig.Type}}
NetworkMode={{.HostConfig.NetworkMode}} Init={{json .HostConfig.Init}} IpcMode={{.HostConfig.IpcMode}} ShmSize={{.HostConfig.ShmSize}}
Binds={{if not .HostConfig.Binds}}{{json .HostConfig.Binds}}{{end}}
{{range .HostConfig.Binds}}Bind={{.}}
{{end}}{{range .HostConfig.Ulimits}}Ulimit={{json .}}
{{end}}{{range .Mounts}}Mount=[{{.Type}} {{.Destination}} mode={{json .Mode}} rw={{.RW}}{{if eq .Type "bind"}} src={{.Source}}{{end}}{{if eq .Type "volume"}} driver={{.Driver}}{{end}}]
{{end}}'
# xi NAME [EXTRA TEMPLATE]: records the inspect fields above (and EXTRA TEMPLATE as one more line).
xi() { sortit=2; _rec "docker inspect -f <fields> $1" "" docker inspect -f "$IFIELDS${2:+
$2}" "$1"; }
# next_second: sleeps until a new second starts and prints it (for --since/--until that must not catch
# what happened just before).
next_second() { local t; t=$(($(date +%s) + 1)); while [ "$(date +%s)" -lt $t ]; do sleep 0.05; done; echo $t; }
# until_eq TEMPLATE VALUE NAME [SECONDS]: waits (unrecorded) until `inspect -f TEMPLATE NAME` prints VALUE.
until_eq() {
  local i
  for ((i = 0; i < ${4:-20} * 5; i++)); do
    [ "$(docker inspect -f "$1" "$3" 2>/dev/null)" = "$2" ] && return 0
    sleep 0.2
  done
  return 1
}
# until_log TEXT NAME [SECONDS]: waits until the container's log contains TEXT.
until_log() {
  local i
  for ((i = 0; i < ${3:-20} * 5; i++)); do
    docker logs "$2" 2>&1 | grep -qF -- "$1" && return 0
    sleep 0.2
  done
  return 1
}
N=(--network none)

# ---------------------------------------------------------------------------------------------------------
# Phase 1 scenarios: own names only (prefix = scenario), clean up after themselves.

sc_run() {
  x docker run "${N[@]}" --name run-echo busybox echo hello world
  xi run-echo
  x docker run "${N[@]}" --name run-3 busybox sh -c 'exit 3'
  x docker inspect -f '{{.State.Status}} {{.State.ExitCode}}' run-3
  x docker run "${N[@]}" --name run-127 busybox nosuchcmd
  xi run-127
  x docker run "${N[@]}" --name run-126 busybox /etc/passwd
  xi run-126
  x docker run "${N[@]}" --name run-126d busybox /etc
  x docker container run "${N[@]}" --rm --name run-rm busybox sh -c 'echo out; echo err >&2; exit 2'
  x docker inspect run-rm
  x docker run "${N[@]}" --rm busybox sh -c 'echo $HOSTNAME | wc -c; cat /etc/hostname | wc -c'
  x docker run "${N[@]}" --rm --hostname box1 busybox sh -c 'hostname; cat /etc/hostname'
  x docker run "${N[@]}" --rm busybox sh -c 'echo $PATH; echo $HOME; id; pwd; ls /'
  x docker run "${N[@]}" --rm busybox sh -c 'cat /proc/1/cmdline | tr "\0" " "; echo; ls /proc/self/fd | wc -l'
  x docker run "${N[@]}" --rm busybox sh -c 'cat /etc/hosts /etc/resolv.conf | grep -v "^#" | grep -c .; mount | grep -E " / | /etc/(hosts|hostname|resolv.conf) " | cut -d" " -f2-5'
  x docker run "${N[@]}" --rm busybox sh -c 'ip -o link | cut -d: -f2; ip -o addr | cut -d" " -f2,4'
  x docker run "${N[@]}" --rm busybox sh -c 'cat /proc/sys/net/ipv6/conf/all/disable_ipv6 /proc/sys/net/ipv6/conf/lo/disable_ipv6; ping -c1 -W2 127.0.0.1 | grep -c "1 packets received"'
  x docker run "${N[@]}" --rm busybox sh -c 'cat /etc/hosts; echo; cat /etc/resolv.conf; ls -l /etc/hosts /etc/hostname /etc/resolv.conf | cut -c1-10'
  x docker run "${N[@]}" --rm --add-host foo:1.2.3.4 --dns 9.9.9.9 --dns-search ex.org --dns-option ndots:2 busybox sh -c 'cat /etc/hosts /etc/resolv.conf'
  x docker run "${N[@]}" --rm -e FOO=bar -e EMPTY= -e NOEQ busybox sh -c 'env | sort'
  xs 'echo piped | docker run --network none --rm -i busybox sh -c "cat; echo done"'
  x docker run "${N[@]}" --rm busybox sh -c '[ -t 0 ] && echo tty0; [ -t 1 ] && echo tty1; echo notty'
  x docker run "${N[@]}" --rm -t busybox sh -c '[ -t 1 ] && echo tty1; stty size 2>&1; echo $TERM'
  x docker run "${N[@]}" --name 'bad name' busybox true
  x docker run "${N[@]}" --rm --pull never nosuchimage:latest true
  xs 'docker run --network none --rm -t busybox sh -c "echo hi; printf x" | od -c | head -2'
  x docker run "${N[@]}" --rm -a stderr busybox sh -c 'echo out; echo err >&2'
  x docker run "${N[@]}" --rm -a stdout busybox sh -c 'echo out; echo err >&2; exit 4'
  x docker run "${N[@]}" --rm --platform linux/arm64 busybox true
  x docker run "${N[@]}" --rm busybox
  q docker rm -f run-echo run-3 run-127 run-126 run-126d
}

sc_logs() {
  x docker run -d "${N[@]}" --name lg busybox sh -c 'for i in 1 2 3 4 5; do echo out$i; sleep 0.05; echo err$i >&2; sleep 0.05; done; printf "no-newline"; sleep 3; echo; echo late'
  until_log out5 lg 10
  sleep 1.2; local t; t=$(date +%s); sleep 1.2
  x docker wait lg
  x docker logs lg
  x docker container logs --tail 2 lg
  x docker logs --tail 0 lg
  x docker logs --tail all lg
  x docker logs -n 1 lg
  x -f 's/^[0-9T:.-]+Z /<TS> /' docker logs -t lg
  x docker logs --since "$t" lg
  x docker logs --until "$t" lg
  x docker logs --since 1h --tail 3 lg
  x docker logs --since nonsense lg
  x docker logs nosuch-lg
  x docker logs -f lg
  x docker create "${N[@]}" --name lg-new busybox echo never
  x docker logs lg-new
  x docker logs -f lg-new
  q docker rm lg-new
  x -f 's/^[0-9a-f]{64}$/<CID>/' docker run -d --rm "${N[@]}" --name lg-rmd busybox sleep 300
  x docker stop -t 0 lg-rmd
  x docker wait lg-rmd
  x docker inspect -f '{{.Name}}' lg-rmd
  x docker run -d "${N[@]}" -t --name lg-tty busybox sh -c 'echo tty-out; echo tty-err >&2'
  x docker wait lg-tty
  x docker logs lg-tty
  x docker run -d "${N[@]}" --log-driver none --name lg-none busybox echo x
  x docker wait lg-none
  x docker logs lg-none
  x docker inspect -f '{{.HostConfig.LogConfig.Type}} {{json .HostConfig.LogConfig.Config}}' lg-none
  x docker run "${N[@]}" --rm --log-driver nosuch busybox true
  x docker run "${N[@]}" --rm --log-opt nosuch=1 busybox true
  x docker create "${N[@]}" --name lg-opt --log-opt max-size=1k --log-opt max-file=2 busybox true
  x docker inspect -f '{{.HostConfig.LogConfig.Type}} {{json .HostConfig.LogConfig.Config}}' lg-opt
  q docker rm lg-opt
  x docker run -d "${N[@]}" --name lg-f busybox sh -c 'echo one; sleep 1; echo two'
  x docker logs -f lg-f
  q docker rm -f lg lg-tty lg-none lg-f
}

sc_stop() {
  x docker run -d "${N[@]}" --name st-trap busybox sh -c 'trap "echo got-TERM; exit 42" TERM; echo ready; while :; do sleep 0.1; done'
  until_log ready st-trap 10
  x docker stop st-trap
  x docker inspect -f '{{.State.Status}} {{.State.ExitCode}} {{.State.Running}}' st-trap
  x docker logs st-trap
  x docker stop st-trap
  x docker kill st-trap
  x docker run -d "${N[@]}" --name st-ign busybox sleep 300
  x timed docker stop -t 1 st-ign
  x docker inspect -f '{{.State.Status}} {{.State.ExitCode}} {{.State.OOMKilled}}' st-ign
  x docker run -d "${N[@]}" --name st-kill busybox sh -c 'trap "echo usr1; exit 10" USR1; echo ready; while :; do sleep 0.1; done'
  until_log ready st-kill 10
  x docker kill -s USR1 st-kill
  x docker wait st-kill
  x docker logs st-kill
  x docker kill -s USR1 st-kill
  x docker start st-kill
  until_eq '{{.State.Running}}' true st-kill 10
  x docker kill -s NOSUCHSIG st-kill
  x docker kill -s 9 st-kill
  x docker wait st-kill
  x docker restart -t 1 st-ign
  x docker inspect -f '{{.State.Status}} {{.State.ExitCode}} {{.RestartCount}}' st-ign
  x docker pause st-ign
  xi st-ign
  x docker pause st-ign
  x docker exec st-ign true
  x docker stop -t 1 st-ign
  x docker inspect -f '{{.State.Status}} {{.State.Paused}}' st-ign
  x docker unpause st-ign
  x docker unpause st-ign
  x docker stop -t 1 st-ign
  x docker inspect -f '{{.State.Status}} {{.State.ExitCode}}' st-ign
  x docker pause st-ign
  x docker start st-ign
  x docker start st-ign
  x docker rm st-ign
  x api DELETE /containers/st-ign
  x docker rm -f st-ign
  x docker inspect -f '{{.State.Status}}' st-ign
  x docker rm st-trap st-kill
  x docker rm st-trap
  x api DELETE /containers/st-trap
  x docker stop nosuch-st
  x docker start nosuch-st
  x docker restart nosuch-st
  x docker pause nosuch-st
  x docker kill nosuch-st
  x docker wait nosuch-st
  x api POST /containers/nosuch-st/stop
}

sc_names() {
  x docker create "${N[@]}" --name nm-a busybox true
  x docker create "${N[@]}" --name nm-a busybox true
  x docker rename nm-a nm-b
  x docker inspect -f '{{.Name}}' nm-b
  x docker inspect nm-a
  x docker rename nm-b nm-b
  x docker create "${N[@]}" --name nm-c busybox true
  x docker rename nm-c nm-b
  x docker rename nm-c 'bad/name'
  x docker rename nosuch-nm x
  x docker rename nm-c /nm-d
  x docker ps -a --filter name=nm- --format '{{.Names}}'
  x docker create "${N[@]}" --name /nm-slash busybox true
  x docker inspect -f '{{.Name}}' nm-slash
  x docker create "${N[@]}" --name nm-e busybox true
  local id; id=$(docker inspect -f '{{.Id}}' nm-e)
  x -t "docker inspect -f '{{.Name}}' <id:12>" docker inspect -f '{{.Name}}' "${id:0:12}"
  x -t "docker inspect -f '{{.Name}}' <id:5>" docker inspect -f '{{.Name}}' "${id:0:5}"
  x -f "s/^${id:0:8}\$/<id:8>/" -t "docker rm nm-b nm-d nm-slash <id:8>" docker rm nm-b nm-d nm-slash "${id:0:8}"
  x docker inspect nm-b
  # lookup order: full ID, then name, then ID prefix; an ambiguous prefix is an error
  local aid; aid=$(docker create "${N[@]}" --name nm-pa busybox true)
  x -t "docker create --name <nm-pa id:12> busybox true" -f 's/^[0-9a-f]{64}$/<CID>/' docker create "${N[@]}" --name "${aid:0:12}" busybox true
  x -t "docker inspect -f '{{.Name}}' <nm-pa id:12>" -f "s#/${aid:0:12}\$#/<nm-pa id:12>#" docker inspect -f '{{.Name}}' "${aid:0:12}"
  x -t "docker inspect -f '{{.Name}}' <nm-pa full id>" docker inspect -f '{{.Name}}' "$aid"
  local i; for i in $(seq 1 17); do q docker create "${N[@]}" --name "nm-many$i" busybox true; done
  local dup; dup=$(docker ps -aq --no-trunc --filter name=nm-many | cut -c1 | sort | uniq -d | head -1)
  x -t "docker inspect <1-char prefix shared by 2+ containers>" -f "s/prefix: $dup\$/prefix: <c>/" docker inspect -f '{{.Name}}' "$dup"
  x -t "docker rm <shared 1-char prefix>" -f "s/prefix: $dup\$/prefix: <c>/; s/: $dup\$/: <c>/" docker rm "$dup"
  x docker inspect -f '{{.Name}}' ""
  for i in $(seq 1 17); do q docker rm "nm-many$i"; done
  q docker rm nm-pa "${aid:0:12}"
  x docker inspect --type container nosuch-nm
  x docker inspect --type image nosuch-nm
  x docker container inspect busybox
}

sc_start_a() {
  x docker create "${N[@]}" --name sa busybox sh -c 'echo out; echo err >&2; exit 4'
  xi sa
  x docker start -a sa
  x docker wait sa
  x docker start sa
  x docker wait sa
  x docker logs sa
  x docker create "${N[@]}" -i --name sa-i busybox sh -c 'cat; echo eof'
  xi sa-i
  xs 'echo data-in | docker start -ai sa-i'
  x docker create "${N[@]}" -t -i --name sa-t busybox sh
  xi sa-t
  x docker create "${N[@]}" --name sa-w busybox sleep 2
  x docker start sa-w
  x docker wait sa-w
  x docker wait sa-w sa
  x docker start sa-w sa nosuch-sa
  q docker rm -f sa sa-i sa-t sa-w
}

sc_exec() {
  x docker run -d "${N[@]}" --name ex busybox sleep 300
  x docker exec ex echo hi
  x docker exec -e A=1 -e B -u nobody -w /tmp ex sh -c 'echo $A $B $(id -u) $(pwd); env | sort'
  x docker exec -u 1000:1000 ex id
  x docker exec -u nosuchuser ex id
  x docker exec ex sh -c 'echo out; echo err >&2; exit 5'
  x docker exec ex nosuchcmd
  x docker exec ex /etc/passwd
  x docker exec -w /nonexistent ex pwd
  x docker exec ex
  xs 'echo in | docker exec -i ex cat'
  x docker exec -t ex sh -c '[ -t 1 ] && echo tty'
  x docker exec -d ex sh -c 'echo bg > /tmp/bg'
  sleep 0.5
  x docker exec ex cat /tmp/bg
  x docker exec ex sh -c 'grep CapEff /proc/self/status'
  x docker exec ex sh -c 'ps -o pid,comm | grep -c sleep'
  x docker top ex -o args
  x -f 's/ +/ /g; s/^(\S+) [0-9]+ [0-9]+ [0-9]+ \S+ (\S+) \S+ /\1 P P C STIME \2 TIME /' docker top ex
  x docker top nosuch-ex
  x docker stop -t 0 ex
  x docker exec ex true
  x docker top ex
  x docker exec nosuch-ex true
  q docker rm -f ex
}

sc_fs() {
  x docker run -d "${N[@]}" --name fs busybox sh -c 'mkdir -p /newdir/sub; echo x > /newdir/f; echo s > /newdir/sub/g; echo y >> /etc/passwd; rm /etc/group; rm -r /home; touch /tmp/t; ln -s /newdir/f /link; echo ready; sleep 300'
  until_log ready fs 10
  x -s docker diff fs
  x docker container diff nosuch-fs
  mkdir -p "$W/cp"
  x docker cp fs:/newdir/f "$W/cp/f"
  x cat "$W/cp/f"
  x docker cp fs:/newdir "$W/cp/d1"
  x docker cp fs:/newdir/. "$W/cp/d2"
  mkdir -p "$W/cp/d3"
  x docker cp fs:/newdir "$W/cp/d3"
  x docker cp fs:/newdir/. "$W/cp/d3"
  x docker cp fs:/link "$W/cp/link"
  x docker cp -L fs:/link "$W/cp/linkL"
  xs "cd '$W/cp' && find . | sort && find . -type f -exec stat -c '%A %u:%g %s %n' {} + | sort && readlink link"
  xs "docker cp fs:/newdir - | tar -tv | awk '{print \$1, \$2, \$3, \$6}' | sort"
  x docker cp fs:/nope "$W/cp/x"
  x docker cp fs:/newdir/f "$W/nonexistent/dir/f"
  x docker cp nosuch-fs:/etc "$W/cp/x"
  echo hostfile > "$W/hostfile"; mkdir -p "$W/hostdir/in"; echo a > "$W/hostdir/a"; echo b > "$W/hostdir/in/b"
  chmod 640 "$W/hostfile"; chown 1234:5678 "$W/hostfile"
  x docker cp "$W/hostfile" fs:/tmp/
  x docker cp "$W/hostfile" fs:/tmp/renamed
  x docker cp "$W/hostdir" fs:/tmp/
  x docker cp "$W/hostdir" fs:/tmp/hd2
  x docker cp "$W/hostdir/." fs:/newdir
  x docker cp "$W/hostfile" fs:/nonexistent/dir/
  x docker cp "$W/hostdir" fs:/newdir/f
  x docker cp "$W/nope" fs:/tmp/
  xs "tar -C '$W' -c hostfile | docker cp - fs:/root"
  x docker exec fs sh -c 'cd /tmp && find . /newdir /root | sort && stat -c "%A %u:%g %s %n" /tmp/hostfile /tmp/renamed /tmp/hostdir/a /root/hostfile'
  x -s docker diff fs
  x -f 's/[0-9]+/<N>/g' docker inspect -s -f '{{.SizeRw}} {{.SizeRootFs}}' fs
  x docker ps -a -s --filter name=^fs$ --format '{{.Size}}'
  x docker stop -t 0 fs
  x docker cp fs:/newdir/f "$W/cp/stopped"
  x docker cp "$W/hostfile" fs:/stopped-in
  x docker start fs
  x docker exec fs cat /stopped-in
  q docker rm -f fs
}

sc_commit() {
  x docker run "${N[@]}" --name cm busybox sh -c 'echo hello > /hello.txt; mkdir /w'
  x docker commit -m "first commit" -a "T1 <t1@example.org>" -c 'CMD ["cat","/hello.txt"]' cm t1/cm:v1
  x docker run "${N[@]}" --rm t1/cm:v1
  x docker image inspect -f '{{.Comment}}|{{.Author}}|{{json .Config.Cmd}}|{{json .Config.Entrypoint}}|{{json .ContainerConfig.Cmd}}|{{.Os}}|{{.Architecture}}|{{len .RootFS.Layers}}|{{.Config.Hostname}}|{{if .Parent}}has-parent{{else}}no-parent{{end}}' t1/cm:v1
  x docker history --format '{{.CreatedBy}}|{{.Comment}}' t1/cm:v1
  x -f 's/ +/ /g; s/[0-9.]+ ?[kMG]?B/<SIZE>/g' docker history t1/cm:v1
  x docker commit --message "second" -c 'ENTRYPOINT ["echo","ep"]' -c 'CMD ["default"]' cm t1/ep
  x docker run "${N[@]}" --rm t1/ep
  x docker run "${N[@]}" --rm t1/ep x y
  x docker run "${N[@]}" --rm --entrypoint "" t1/ep echo hi
  x docker run "${N[@]}" --rm --entrypoint "" t1/ep
  x docker run "${N[@]}" --rm --entrypoint cat t1/ep /hello.txt
  x docker run "${N[@]}" --rm --entrypoint /bin/echo t1/ep
  x docker create "${N[@]}" --name cm-ep t1/ep z
  xi cm-ep
  x docker commit -c 'ENTRYPOINT echo shell-form $0' -c 'CMD ["ignored"]' cm t1/ep-shell
  x docker run "${N[@]}" --rm t1/ep-shell
  x docker image inspect -f '{{json .Config.Entrypoint}} {{json .Config.Cmd}}' t1/ep-shell
  x docker commit -c 'ENV A=b C=d' -c 'WORKDIR /w' -c 'USER nobody' -c 'LABEL k=v k2="v 2"' -c 'EXPOSE 80/tcp' -c 'VOLUME /vol' cm t1/cfg
  x docker commit -c 'STOPSIGNAL SIGUSR1' cm t1/stopsig
  x docker image inspect -f '{{json .Config.Env}} {{json .Config.WorkingDir}} {{json .Config.User}} {{json .Config.Labels}} {{json .Config.ExposedPorts}} {{json .Config.Volumes}} {{json .Config.StopSignal}} {{json .Config.Cmd}}' t1/cfg
  x docker run "${N[@]}" --name cm-cfg t1/cfg sh -c 'echo $A $C $(pwd) $(id -u); ls -ld /vol | awk "{print \$1, \$3, \$4, \$NF}"'
  xi cm-cfg
  x docker commit -c 'NOSUCH x' cm t1/bad
  x docker commit nosuch-cm t1/bad
  x docker commit cm 'Bad:Name'
  x docker run -d "${N[@]}" --name cm-run busybox sh -c 'echo live > /live; sleep 300'
  until_eq '{{.State.Running}}' true cm-run 10; sleep 0.5
  x docker commit cm-run t1/live
  x docker inspect -f '{{.State.Status}}' cm-run
  x docker run "${N[@]}" --rm t1/live cat /live
  x docker commit -p=false cm-run
  x docker container commit cm
  x docker image inspect -f '{{.Config.Hostname}}|{{.Config.Domainname}}|{{json .Config.Cmd}}|{{.Container}}' t1/cm:v1
  q docker rm -f cm cm-ep cm-cfg cm-run
  q docker rmi t1/stopsig
  # The layers these share with the two dangling commits above go only when those are gone, and the
  # scenarios running beside this one prune dangling images at any moment: only the Untagged lines are
  # stable.
  x -f '/^Deleted: /d' docker rmi t1/cm:v1 t1/ep t1/ep-shell t1/cfg t1/live
  q docker image prune -f
}

sc_export() {
  x docker run "${N[@]}" --name xp busybox sh -c 'echo exported > /exp.txt; mkdir -p /d/e; ln -s exp.txt /lnk; mknod /dev/mynull c 1 3 2>&1; rm /bin/zcat'
  xs "docker export xp > '$W/xp.tar' && tar -tf '$W/xp.tar' | sort | grep -vE '^(\\./)?bin/.|^(\\./)?(usr/)?s?bin/.' | head -60"
  xs "tar -tvf '$W/xp.tar' exp.txt lnk dev/mynull etc/hostname etc/hosts etc/resolv.conf .dockerenv 2>&1 | awk '{print \$1, \$2, \$3, \$6, \$7, \$8}'"
  x docker export -o "$W/xp2.tar" xp
  xs "cmp '$W/xp.tar' '$W/xp2.tar' && echo same"
  x docker export nosuch-xp
  xs "cat '$W/xp.tar' | docker import - t1/imp:1"
  x docker run "${N[@]}" --rm t1/imp:1 cat /exp.txt
  x docker image inspect -f '{{json .Config.Cmd}} {{json .Config.Env}} {{.Comment}} {{.Architecture}} {{.Os}} {{len .RootFS.Layers}}' t1/imp:1
  x docker history --format '{{.CreatedBy}}|{{.Comment}}' t1/imp:1
  x docker run "${N[@]}" --rm t1/imp:1
  x docker import -c 'CMD ["cat","/exp.txt"]' -c 'ENV X=1' -m 'imported msg' "$W/xp.tar" t1/imp:2
  x docker run "${N[@]}" --rm t1/imp:2
  x docker image inspect -f '{{json .Config.Cmd}} {{json .Config.Env}} {{.Comment}}' t1/imp:2
  x docker history --format '{{.CreatedBy}}|{{.Comment}}' t1/imp:2
  xs "gzip -c '$W/xp.tar' > '$W/xp.tar.gz' && docker import '$W/xp.tar.gz' t1/imp:gz && docker run --network none --rm t1/imp:gz cat /exp.txt"
  x docker import - t1/imp:3 "$W/xp.tar"
  x docker import "$W/nonexistent.tar" t1/imp:4
  xs "echo notatar | docker import - t1/imp:5"
  q docker rm -f xp
  x docker rmi t1/imp:1 t1/imp:2 t1/imp:gz
}

sc_save() {
  x docker tag busybox t1/sv:a
  x docker tag busybox t1/sv:b
  x docker save -o "$W/sv.tar" t1/sv:a
  xs "tar -xOf '$W/sv.tar' manifest.json | grep -o '\"RepoTags\":[^]]*]'; tar -xOf '$W/sv.tar' repositories; echo"
  x docker rmi t1/sv:a
  x docker load -i "$W/sv.tar"
  x docker run "${N[@]}" --rm t1/sv:a echo loaded
  xs "docker save t1/sv:a t1/sv:b | gzip > '$W/sv.tar.gz' && docker rmi t1/sv:a t1/sv:b && docker load -i '$W/sv.tar.gz' && docker images --format '{{.Repository}}:{{.Tag}}' t1/sv"
  xs "docker save t1/sv:a | docker load"
  xs "docker load < '$W/sv.tar'"
  x docker load -q -i "$W/sv.tar"
  x docker save nosuch/image
  x docker load -i "$W/nonexistent.tar"
  xs "echo garbage | docker load"
  local id; id=$(docker image inspect -f '{{.Id}}' busybox)
  xs "docker save '$id' | docker load"
  x docker rmi t1/sv:a t1/sv:b
}

sc_rmi() {
  x docker tag busybox t1/tag:a
  x docker tag busybox:latest t1/tag:b
  x docker tag nosuch-image t1/tag:c
  x docker tag busybox 'Bad/Name'
  x docker images --format '{{.Repository}}:{{.Tag}}' t1/tag
  x docker rmi t1/tag:a
  x docker rmi t1/tag:a
  x docker image rm t1/tag:b
  x docker run "${N[@]}" --name rmi-src busybox sh -c 'echo u > /u'
  x docker commit rmi-src t1/only
  x docker create "${N[@]}" --name rmi-user t1/only true
  x docker rmi t1/only
  local oid; oid=$(docker image inspect -f '{{.Id}}' t1/only)
  x docker rmi "$oid"
  x docker tag t1/only t1/only:second
  x docker rmi "${oid#sha256:}"
  x docker rmi t1/only:second
  x docker rmi -f t1/only
  x -t "docker images -a -q --no-trunc | grep -c <t1/only id>" bash -c "docker images -a -q --no-trunc | grep -c '$oid'"
  x docker inspect -f '{{.Image}} {{.Config.Image}}' rmi-user
  x docker run "${N[@]}" -d --name rmi-run "$oid" sleep 300
  x docker rmi -f "$oid"
  q docker rm -f rmi-run rmi-user rmi-src
  x docker rmi "$oid"
  x docker rmi nosuch-image
  x docker rmi nosuch-image:tag
  x docker rmi sha256:0000000000000000000000000000000000000000000000000000000000000000
  # parent/child: an image of our own (imported), a child committed from it, both tagged twice
  x -f 's/sha256:[0-9a-f]+/<IMG>/' docker import "$BUSYBOX_TAR" t1/rb:base
  local bid; bid=$(docker image inspect -f '{{.Id}}' t1/rb:base)
  x docker run "${N[@]}" --name rmi-c t1/rb:base sh -c 'echo c > /c'
  x -f 's/sha256:[0-9a-f]+/<IMG>/' docker commit rmi-c t1/rb:child
  q docker rm rmi-c
  x docker tag t1/rb:base t1/rb:base2
  x -t 'docker rmi <base id:12>' docker rmi "${bid:7:12}"
  x -t 'docker rmi -f <base id:12>' docker rmi -f "${bid:7:12}"
  x docker history --format '{{if eq .ID "<missing>"}}missing{{else}}id{{end}} {{.CreatedBy}}' t1/rb:child
  x docker rmi t1/rb:base2
  x docker rmi t1/rb:base
  x docker images --filter reference='t1/rb' --format '{{.Repository}}:{{.Tag}}'
  x docker create "${N[@]}" --name rmi-r t1/rb:child true
  local cid; cid=$(docker image inspect -f '{{.Id}}' t1/rb:child 2>/dev/null)
  x docker rmi -f t1/rb:child
  x -t "docker images -a -q --no-trunc | grep -c <t1/rb:child id>" bash -c "docker images -a -q --no-trunc | grep -c '${cid:-none}'"
  q docker rm -f rmi-r
  q docker image prune -f
  # running container: cannot be forced
  x docker tag busybox t1/run:1
  x -f 's/^[0-9a-f]{64}$/<CID>/' docker run -d "${N[@]}" --name rmi-run2 t1/run:1 sleep 300
  x docker rmi t1/run:1
  x -t 'docker rmi -f <busybox id>' docker rmi -f "$(docker image inspect -f '{{.Id}}' busybox)"
  q docker rm -f rmi-run2
  x docker rmi t1/run:1
  # reference forms
  local r; for r in busybox:latest docker.io/library/busybox docker.io/library/busybox:latest library/busybox index.docker.io/library/busybox BusyBox 'busybox:' busybox@sha256:0000000000000000000000000000000000000000000000000000000000000000; do
    x docker image inspect -f '{{.RepoTags}}' "$r"
  done
  local bb; bb=$(docker image inspect -f '{{.Id}}' busybox)
  x -t "docker image inspect -f '{{.RepoTags}}' <busybox id:4>" docker image inspect -f '{{.RepoTags}}' "${bb:7:4}"
  x -t "docker image inspect -f '{{.RepoTags}}' sha256:<busybox id:10>" docker image inspect -f '{{.RepoTags}}' "${bb:0:17}"
  x docker tag busybox localhost:5000/t1/deep/name:v1
  x docker images --format '{{.Repository}} {{.Tag}}' localhost:5000/t1/deep/name
  x docker run "${N[@]}" --rm localhost:5000/t1/deep/name:v1 echo ok
  x docker rmi localhost:5000/t1/deep/name:v1
  x docker tag busybox docker.io/t1/hub:1
  x docker images --format '{{.Repository}} {{.Tag}}' t1/hub
  x docker rmi docker.io/t1/hub:1
  x api DELETE /images/nosuch-image
  x docker image inspect -f '{{.RepoTags}} {{.Os}} {{.Architecture}} {{.Size}} {{json .Config.Cmd}} {{len .RootFS.Layers}} {{.RootFS.Type}}' busybox
}

sc_opts() {
  printf 'A=1\n# comment\n\nB\nC=has space\nD="quoted"\n  E=lead\n' > "$W/env.list"
  x env B=from-host docker run "${N[@]}" --rm --env-file "$W/env.list" busybox sh -c 'env | sort'
  x docker run "${N[@]}" --rm --env-file "$W/nonexistent.list" busybox true
  x docker run "${N[@]}" --rm -w /created/dir busybox sh -c 'pwd; ls -ld /created/dir | cut -c1-10'
  x docker run "${N[@]}" --rm -w relative busybox pwd
  x docker run "${N[@]}" --rm -u nobody busybox sh -c 'id; echo $HOME'
  x docker run "${N[@]}" --rm -u 1000:1000 busybox sh -c 'id; echo $HOME; touch /tmp/x && ls -ln /tmp/x | cut -d" " -f1-5'
  x docker run "${N[@]}" --rm -u 1000 busybox id
  x docker run "${N[@]}" --rm -u root:nogroup busybox id
  x docker run "${N[@]}" --rm --group-add 1234 --group-add nogroup busybox id
  x docker run "${N[@]}" --rm -u nosuchuser busybox id
  x docker run "${N[@]}" --rm -u nobody:nosuchgroup busybox id
  x docker run "${N[@]}" --rm --entrypoint echo busybox a b
  x docker run "${N[@]}" --rm --entrypoint 'echo x' busybox
  x docker run "${N[@]}" --rm --entrypoint "" busybox echo empty-ep
  x docker run "${N[@]}" --name op-cfg -e X=1 -l k=v -l k2= --label-file /dev/null --hostname myhost --domainname example.org -w /tmp -u nobody --stop-signal SIGUSR2 --stop-timeout 7 --restart on-failure:5 -i busybox sh -c 'hostname; cat /etc/hostname; uname -n; true'
  xi op-cfg 'Hostname={{.Config.Hostname}} Domainname={{.Config.Domainname}} Image={{.Config.Image}}'
  x -f 's/^ +([2-9]|[1-9][0-9]+) / <PID> /' docker run "${N[@]}" --rm --init busybox ps -o pid,args
  x docker run "${N[@]}" --name op-init --init busybox sh -c 'cat /proc/1/cmdline | tr "\0" " "'
  xi op-init
  x docker run "${N[@]}" --rm busybox ps -o pid,args
  x docker run "${N[@]}" --name op-lim --memory 64m --memory-swap 128m --cpus 0.5 --cpu-shares 512 --pids-limit 10 busybox sh -c 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.cfs_period_us /sys/fs/cgroup/cpu/cpu.shares /sys/fs/cgroup/pids/pids.max'
  xi op-lim
  x docker run "${N[@]}" --rm busybox sh -c 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.shares /sys/fs/cgroup/pids/pids.max'
  x docker run "${N[@]}" --rm --memory 64m busybox sh -c 'cat /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes'
  x docker run "${N[@]}" --rm --memory 1k busybox true
  x docker run "${N[@]}" --rm --cpus 100 busybox true
  x docker run "${N[@]}" --rm busybox grep Cap /proc/self/status
  x docker run "${N[@]}" --rm --cap-add SYS_ADMIN --cap-drop CHOWN --cap-drop net_raw busybox grep Cap /proc/self/status
  x docker run "${N[@]}" --rm --cap-drop ALL busybox grep Cap /proc/self/status
  x docker run "${N[@]}" --rm --cap-drop ALL --cap-add CAP_CHOWN busybox grep Cap /proc/self/status
  x docker run "${N[@]}" --rm --cap-add NOSUCHCAP busybox true
  x docker run "${N[@]}" --name op-cap --cap-add SYS_ADMIN --cap-drop CHOWN busybox true
  xi op-cap
  x docker create "${N[@]}" --name op-priv --privileged busybox true
  xi op-priv
  x docker run "${N[@]}" --rm busybox sh -c 'ls /dev | sort | tr "\n" " "; echo; mount | grep -E " /(proc|sys|dev|dev/pts|dev/shm|dev/mqueue|sys/fs/cgroup)? " | cut -d" " -f1-6 | sed -E "s/^(overlay on \/ type overlay) .*/\1 (layer dirs differ by nature)/" | sort'
  x docker run "${N[@]}" --rm --read-only busybox touch /x
  x docker run "${N[@]}" --name op-ro --read-only --tmpfs /tmp --tmpfs /run:rw,size=1m,mode=700 busybox sh -c 'touch /tmp/x && echo tmp-ok; mount | grep -E " /(tmp|run) " | cut -d" " -f1-6 | sort; ls -ld /run | cut -c1-10; touch /etc/hosts 2>&1; touch /dev/shm/x && echo shm-ok'
  xi op-ro
  x docker run "${N[@]}" --name op-ul --ulimit nofile=1024:2048 --ulimit nproc=100 busybox sh -c 'ulimit -n; ulimit -Hn; ulimit -u'
  xi op-ul
  x docker run "${N[@]}" --rm busybox sh -c 'ulimit -n; ulimit -Hn; ulimit -u; ulimit -c'
  x docker run "${N[@]}" --rm --ulimit nofile=bad busybox true
  x docker run "${N[@]}" --name op-shm --shm-size 128m --ipc private busybox sh -c 'df -k /dev/shm | tail -1 | awk "{print \$2}"'
  xi op-shm
  x docker run "${N[@]}" --rm busybox sh -c 'df -k /dev/shm | tail -1 | awk "{print \$2}"'
  x docker run "${N[@]}" --rm --sysctl net.ipv4.ip_forward=1 busybox cat /proc/sys/net/ipv4/ip_forward
  x docker run "${N[@]}" --rm --oom-kill-disable --memory 32m busybox cat /sys/fs/cgroup/memory/memory.oom_control
  x docker run "${N[@]}" --rm --device /dev/null:/dev/mynull busybox sh -c 'ls -l /dev/mynull | cut -c1-10'
  x docker run "${N[@]}" --rm --security-opt no-new-privileges busybox grep NoNewPrivs /proc/self/status
  x docker run "${N[@]}" --rm busybox grep -E 'NoNewPrivs|Seccomp:' /proc/self/status
  x docker run "${N[@]}" --rm --security-opt seccomp=unconfined busybox grep Seccomp: /proc/self/status
  x docker run "${N[@]}" --rm --pid host busybox sh -c '[ "$(cat /proc/1/comm)" != sh ] && echo host-pid'
  x docker run "${N[@]}" --rm --uts host busybox sh -c '[ "$(hostname)" = "$(cat /proc/sys/kernel/hostname)" ] && echo same'
  q docker rm -f op-cfg op-init op-lim op-cap op-priv op-ro op-ul op-shm
}

sc_vols() {
  mkdir -p "$W/host"; echo from-host > "$W/host/h"
  x -s docker run "${N[@]}" --name vo-b -v "$W/host:/data" -v "$W/host:/ro:ro" busybox sh -c 'cat /data/h; echo c > /data/c; echo x > /ro/x; mount | grep -E " /(data|ro) " | cut -d" " -f3,6'
  x cat "$W/host/c"
  xi vo-b
  x docker run "${N[@]}" --rm -v "$W/created/deep:/x" busybox sh -c 'ls -a /x'
  x stat -c '%F %a' "$W/created/deep"
  x docker run "${N[@]}" --rm -v "$W/host/h:/file.txt" busybox cat /file.txt
  x docker run "${N[@]}" --rm -v relative:/x:bad busybox true
  x docker run "${N[@]}" --rm -v "$W/host:/x:rw,Z,nosuchopt" busybox true
  x docker run "${N[@]}" --rm -v /etc busybox true
  x docker run "${N[@]}" --name vo-a -v /anon busybox sh -c 'echo a > /anon/a; ls -a /anon'
  xi vo-a
  local vname; vname=$(docker inspect -f '{{range .Mounts}}{{.Name}}{{end}}' vo-a)
  x docker volume inspect -f '{{.Driver}} {{.Scope}} {{json .Labels}} {{json .Options}}' "$vname"
  x docker run "${N[@]}" --name vo-from --volumes-from vo-a busybox sh -c 'cat /anon/a; echo f > /anon/f'
  xi vo-from
  x docker run "${N[@]}" --rm --volumes-from vo-a:ro busybox sh -c 'cat /anon/f; touch /anon/g'
  x docker run "${N[@]}" --rm --volumes-from nosuch-vo busybox true
  x docker rm -v vo-a
  x docker volume inspect -f '{{.Name}}' "$vname"
  x docker rm -v vo-from
  x docker volume inspect "$vname"
  x docker volume create t1vol
  x docker volume create --label a=b t1vol-l
  x docker volume inspect -f '{{.Name}} {{.Driver}} {{json .Labels}} {{.Scope}}' t1vol t1vol-l
  x docker volume ls --filter name=t1vol --format '{{.Driver}} {{.Name}}'
  x docker volume ls -q --filter label=a=b
  x docker run "${N[@]}" --name vo-n -v t1vol:/v busybox sh -c 'echo named > /v/n'
  x docker run "${N[@]}" --rm -v t1vol:/w:ro busybox cat /w/n
  x docker run "${N[@]}" --rm --mount type=volume,src=t1vol,dst=/m busybox cat /m/n
  x docker run "${N[@]}" --rm --mount "type=bind,src=$W/host,dst=/b,readonly" busybox sh -c 'cat /b/h; touch /b/z'
  x docker run "${N[@]}" --rm --mount type=tmpfs,dst=/t,tmpfs-size=1m busybox sh -c 'mount | grep " /t " | cut -d" " -f1,3,5'
  x docker run "${N[@]}" --rm --mount "type=bind,src=$W/nonexistent,dst=/b" busybox true
  x docker volume rm t1vol
  x docker rm vo-n
  x docker volume rm t1vol t1vol-l
  x docker volume rm nosuch-vol
  x docker volume inspect nosuch-vol
  x docker run "${N[@]}" --rm -v t1vol-auto:/v busybox sh -c 'ls -a /v'
  x docker volume inspect -f '{{.Name}} {{.Driver}}' t1vol-auto
  x docker volume rm t1vol-auto
  # a new named or anonymous volume is filled from the image's content at the mount point
  x docker run "${N[@]}" --rm -v t1vol-fill:/etc busybox sh -c 'ls /etc | sort | tr "\n" " "'
  x docker run "${N[@]}" --rm -v t1vol-fill:/x busybox sh -c 'ls /x | sort | tr "\n" " "'
  x docker run "${N[@]}" --rm -v /etc busybox sh -c 'ls /etc | sort | tr "\n" " "'
  x docker run "${N[@]}" --rm -v t1vol-fill:/etc:nocopy busybox sh -c 'ls /etc | wc -l'
  x docker volume rm t1vol-fill
  x docker run "${N[@]}" --rm -v t1vol-nc:/etc:nocopy busybox sh -c 'ls /etc | wc -l'
  x docker volume rm t1vol-nc
  x docker run "${N[@]}" --name vo-seed busybox sh -c 'mkdir /imgvol && echo seeded > /imgvol/s && chmod 700 /imgvol'
  x docker commit -c 'VOLUME ["/imgvol"]' vo-seed t1/seed
  x docker run "${N[@]}" --rm t1/seed sh -c 'cat /imgvol/s; ls -ld /imgvol | cut -c1-10'
  q docker rm -f vo-seed
  q docker rmi t1/seed
  x docker commit -c 'VOLUME ["/imgvol"]' vo-b t1/vol
  x docker run "${N[@]}" --name vo-img t1/vol sh -c 'ls -a /imgvol'
  xi vo-img
  q docker rm -f -v vo-b vo-img
  q docker rmi t1/vol
}

sc_restart() {
  x docker run -d "${N[@]}" --name rs-fail --restart on-failure:2 busybox sh -c 'echo run; exit 1'
  until_eq '{{.State.Status}} {{.RestartCount}}' 'exited 2' rs-fail 20; sleep 1
  xi rs-fail
  x docker logs rs-fail
  x docker run -d "${N[@]}" --name rs-ok --restart on-failure:2 busybox true
  until_eq '{{.State.Status}}' exited rs-ok 10; sleep 0.5
  x docker inspect -f '{{.State.Status}} {{.RestartCount}} {{.State.ExitCode}}' rs-ok
  x docker run -d "${N[@]}" --name rs-always --restart always busybox sleep 300
  x docker stop -t 1 rs-always
  sleep 1.5
  xi rs-always
  x docker start rs-always
  x docker kill rs-always
  sleep 1.5
  x docker inspect -f '{{.State.Status}} {{.RestartCount}} {{.State.ExitCode}}' rs-always
  x docker run -d "${N[@]}" --name rs-un --restart unless-stopped busybox sh -c 'exit 0'
  until_eq '{{.RestartCount}}' 1 rs-un 10
  x docker stop -t 1 rs-un
  x docker inspect -f '{{.State.Status}} {{.State.Restarting}}' rs-un
  x docker run -d "${N[@]}" --restart on-failure:x busybox true
  x docker run -d "${N[@]}" --restart nosuch busybox true
  x docker run -d "${N[@]}" --restart always:3 busybox true
  x docker update --restart no rs-fail
  x docker inspect -f '{{json .HostConfig.RestartPolicy}}' rs-fail
  q docker rm -f rs-fail rs-ok rs-always rs-un
}

sc_health() {
  x docker run -d "${N[@]}" --name hc-ok --health-cmd true --health-interval 1s busybox sleep 300
  x docker inspect -f '{{.State.Health.Status}} {{.State.Health.FailingStreak}}' hc-ok
  until_eq '{{.State.Health.Status}}' healthy hc-ok 20
  x docker inspect -f '{{.State.Health.Status}} {{.State.Health.FailingStreak}} {{with index .State.Health.Log 0}}{{.ExitCode}} {{json .Output}}{{end}}' hc-ok
  xi hc-ok
  x docker ps --filter name=hc-ok --format '{{.Status}}'
  x docker ps --filter health=healthy --format '{{.Names}}'
  x docker run -d "${N[@]}" --name hc-bad --health-cmd 'echo failing; exit 1' --health-interval 1s --health-retries 2 busybox sleep 300
  until_eq '{{.State.Health.Status}}' unhealthy hc-bad 20
  x docker inspect -f '{{.State.Health.Status}} {{.State.Health.FailingStreak}} {{with index .State.Health.Log 0}}{{.ExitCode}} {{json .Output}}{{end}}' hc-bad
  xi hc-bad
  x docker ps --filter name=hc-bad --format '{{.Status}}'
  x docker run -d "${N[@]}" --name hc-to --health-cmd 'sleep 5' --health-interval 1s --health-timeout 1s --health-retries 1 busybox sleep 300
  until_eq '{{.State.Health.Status}}' unhealthy hc-to 20
  x docker inspect -f '{{.State.Health.Status}} {{with index .State.Health.Log 0}}{{.ExitCode}} {{json .Output}}{{end}}' hc-to
  x docker commit -c 'HEALTHCHECK --interval=1s CMD ["true"]' hc-ok t1/hc
  x docker image inspect -f '{{json .Config.Healthcheck}}' t1/hc
  x docker run -d "${N[@]}" --name hc-img t1/hc sleep 300
  until_eq '{{.State.Health.Status}}' healthy hc-img 20
  xi hc-img
  x docker run -d "${N[@]}" --name hc-none --no-healthcheck t1/hc sleep 300
  xi hc-none
  x docker stop -t 0 hc-ok
  x docker inspect -f '{{.State.Health.Status}}' hc-ok
  q docker rm -f hc-ok hc-bad hc-to hc-img hc-none
  q docker rmi t1/hc
}

sc_signals() {
  x docker run -d "${N[@]}" --name sg-usr --stop-signal USR1 busybox sh -c 'trap "echo usr1; exit 7" USR1; trap "echo term; exit 8" TERM; echo ready; while :; do sleep 0.1; done'
  until_log ready sg-usr 10
  x docker stop sg-usr
  x docker inspect -f '{{.State.ExitCode}} {{json .Config.StopSignal}}' sg-usr
  x docker logs sg-usr
  x docker run -d "${N[@]}" --name sg-to --stop-timeout 1 busybox sleep 300
  x timed docker stop sg-to
  x docker inspect -f '{{.State.ExitCode}} {{json .Config.StopTimeout}}' sg-to
  x docker run -d "${N[@]}" --name sg-num --stop-signal 10 busybox sleep 1
  x docker inspect -f '{{json .Config.StopSignal}}' sg-num
  x docker run -d "${N[@]}" --stop-signal NOSUCH busybox true
  x docker run "${N[@]}" --name sg-self busybox sh -c 'kill -TERM $$; sleep 1; echo alive'
  x docker run "${N[@]}" --name sg-segv busybox sh -c 'kill -SEGV $$'
  x docker run "${N[@]}" --name sg-ign busybox sh -c 'trap "" INT; kill -INT $$; echo survived'
  x docker run "${N[@]}" --name sg-255 busybox sh -c 'exit 255'
  x docker run "${N[@]}" --name sg-256 busybox sh -c 'exit 256'
  q docker rm -f sg-usr sg-to sg-num sg-self sg-segv sg-ign sg-255 sg-256
}

sc_stats() {
  x docker run -d "${N[@]}" --name ss busybox sleep 300
  x -f 's/[0-9]+(\.[0-9]+)?(%|[kKMGT]?i?B)/<N>\2/g' docker stats --no-stream --format '{{.Container}} {{.Name}} {{.CPUPerc}} {{.MemUsage}} {{.MemPerc}} {{.NetIO}} {{.BlockIO}} {{.PIDs}}' ss
  x -f 's/[0-9]+(\.[0-9]+)?(%|[kKMGT]?i?B)/<N>\2/g; s/ {2,}/  /g' docker stats --no-stream ss
  x -f 's/[0-9]+(\.[0-9]+)?(%|[kKMGT]?i?B)/<N>\2/g' docker stats --no-stream --format '{{json .}}' ss
  xs "curl -s --unix-socket '${DOCKER_HOST#unix://}' 'http://localhost/v1.41/containers/ss/stats?stream=false' | tr ',{}' '\\n\\n\\n' | sed -nE 's/^\"([a-z_]+)\":.*/\\1/p' | sort -u | tr '\\n' ' '"
  x docker stats --no-stream nosuch-ss
  q docker rm -f ss
}

# keys FILE-FILTER: the JSON keys of `docker inspect` output in order, one line per nesting level seen.
sc_keys() {
  x docker run -d "${N[@]}" --name ky -v /anonk -l a=b --health-cmd true --health-interval 1s busybox sleep 300
  until_eq '{{.State.Health.Status}}' healthy ky 20
  local allkeys="tr -d ' ' | grep -oE '^\"[A-Za-z0-9]+\":' | sort | uniq -c"
  local sec
  xs "docker inspect ky | keys"
  for sec in State HostConfig GraphDriver Config NetworkSettings; do xs "docker inspect ky | keys $sec"; done
  # The health log grows every second on both sides: one entry of it is compared.
  local onelog="python3 -c 'import json,sys; d=json.load(sys.stdin); h=d[0][\"State\"][\"Health\"]; h[\"Log\"]=h[\"Log\"][:1]; print(json.dumps(d, indent=4))'"
  xs "docker inspect ky | $onelog | $allkeys"
  xs "docker image inspect busybox | keys"
  for sec in Config ContainerConfig RootFS Metadata; do xs "docker image inspect busybox | keys $sec"; done
  xs "docker image inspect busybox | $allkeys"
  x docker image inspect -f '{{json .Config}} {{json .ContainerConfig}}' busybox
  x docker volume create kyv
  xs "docker volume inspect kyv | keys"
  x docker exec ky true
  xs "docker inspect ky | keys | wc -w"
  q docker rm -f -v ky
  q docker volume rm kyv
}

# more container flows from the tutorials
sc_flows() {
  x docker run -d "${N[@]}" --name fl-at busybox sh -c 'sleep 1; echo late-out; echo late-err >&2; exit 6'
  x docker attach fl-at
  x docker inspect -f '{{.State.ExitCode}}' fl-at
  x docker run -d "${N[@]}" --name fl-up busybox sleep 300
  x docker update --memory 128m --memory-swap 256m --cpus 0.25 --cpu-shares 256 --pids-limit 20 fl-up
  x docker exec fl-up sh -c 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.shares /sys/fs/cgroup/pids/pids.max'
  x docker inspect -f '{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}} {{.HostConfig.NanoCPUs}} {{.HostConfig.CPUShares}} {{json .HostConfig.PidsLimit}}' fl-up
  x docker update --memory 1k fl-up
  x docker update nosuch-fl
  x docker exec fl-up sh -c 'kill -9 $$'
  x docker exec fl-up sh -c 'kill -TERM $$'
  x docker run -d "${N[@]}" --name fl-b busybox sleep 300
  x docker container stop -t 1 fl-up fl-b
  x docker container start fl-up fl-b
  x docker kill fl-up fl-b nosuch-fl
  x docker rm fl-up nosuch-fl fl-b
  x docker run -d "${N[@]}" --name fl-p busybox sleep 300
  x docker pause fl-p
  x docker rm fl-p
  x docker kill fl-p
  x docker inspect -f '{{.State.Status}} {{.State.ExitCode}}' fl-p
  x docker rm -f fl-p
  x docker run "${N[@]}" --name fl-oom --memory 16m busybox sh -c 'x=$(head -c 60000000 /dev/zero | tr "\0" a); echo survived'
  # (OOMKilled is left out: dockerd 20.10 sets it from an asynchronous containerd event and sometimes says false)
  x docker inspect -f '{{.State.Status}} {{.State.ExitCode}}' fl-oom
  x docker run "${N[@]}" --rm --name fl-rmf busybox sh -c 'exit 9'
  x docker run -d "${N[@]}" --name fl-since busybox sh -c 'echo early; sleep 2; echo later; sleep 300'
  until_log later fl-since 10
  x docker logs --since 1s fl-since
  x docker logs --since 1m fl-since
  x docker logs --until 1s fl-since
  x docker logs -t --since 2099-01-01T00:00:00Z fl-since
  x docker logs --details fl-since
  x docker restart -t 0 fl-since
  x docker inspect -f '{{.State.Status}} {{.RestartCount}}' fl-since
  x docker container rm -f fl-since fl-oom fl-at
}

# odds and ends: resource flags seen inside, cgroup paths, multi-object inspect, attach/stats on stopped ones
sc_misc() {
  local CG='s#/skiff-test-[A-Za-z0-9_.-]+#/<CGPARENT>#g; s#[0-9a-f]{64}#<ID>#g'
  x docker run "${N[@]}" --rm --cpuset-cpus 0 --memory 64m --memory-reservation 32m --cpu-period 50000 --cpu-quota 25000 --oom-score-adj 300 --memory-swappiness 10 busybox sh -c 'cat /sys/fs/cgroup/cpuset/cpuset.cpus /sys/fs/cgroup/memory/memory.soft_limit_in_bytes /sys/fs/cgroup/cpu/cpu.cfs_period_us /sys/fs/cgroup/cpu/cpu.cfs_quota_us /proc/self/oom_score_adj /sys/fs/cgroup/memory/memory.swappiness'
  x docker run "${N[@]}" --rm busybox sh -c 'cat /proc/self/oom_score_adj /sys/fs/cgroup/memory/memory.swappiness /sys/fs/cgroup/memory/memory.soft_limit_in_bytes'
  x -f "$CG" docker run "${N[@]}" --rm busybox sh -c 'grep -E ":(memory|pids|cpu,cpuacct|cpu|freezer|devices):" /proc/self/cgroup | sort'
  x -f "$CG" docker run "${N[@]}" --rm --cgroup-parent "/$custom_cgparent" busybox sh -c 'grep -E ":memory:" /proc/self/cgroup'
  x docker run "${N[@]}" --rm busybox sh -c 'ls /sys/fs/cgroup | sort | tr "\n" " "'
  x docker run "${N[@]}" --rm --tmpfs /tmp:exec,size=2m busybox sh -c 'mount | grep " /tmp " | cut -d" " -f1-6'
  x docker run "${N[@]}" --rm --shm-size 2m --ipc shareable busybox sh -c 'df -k /dev/shm | tail -1 | awk "{print \$2}"'
  x docker run "${N[@]}" --rm --ipc host busybox sh -c '[ "$(readlink /proc/1/ns/ipc)" = "$(readlink /proc/self/ns/ipc)" ] && echo same-as-pid1'
  printf 'la=1\nlb=two words\n' > "$W/labels"
  x docker create "${N[@]}" --name mi-lab --label-file "$W/labels" --cidfile "$W/cid" busybox true
  xs "[ \"\$(cat '$W/cid')\" = \"\$(docker inspect -f '{{.Id}}' mi-lab)\" ] && echo cidfile-ok; docker inspect -f '{{json .Config.Labels}}' mi-lab"
  x docker create "${N[@]}" --name mi-lab --cidfile "$W/cid" busybox true
  x docker run -d "${N[@]}" --name mi-run busybox sleep 300
  x docker run "${N[@]}" --name mi-run busybox true
  x docker inspect -f '{{.Name}}' mi-lab mi-run nosuch-mi
  x docker inspect --type volume nosuch-mi
  x docker container inspect -f '{{.Name}}' mi-lab mi-run
  x docker attach mi-lab
  x -f 's/[0-9]+(\.[0-9]+)?(%|[kKMGT]?i?B)/<N>\2/g' docker stats --no-stream --format '{{.Name}} {{.CPUPerc}} {{.MemUsage}} {{.PIDs}}' mi-lab
  x -f 's/ +/ /g; s/^(\S+) [0-9]+ [0-9]+ [0-9]+ \S+ (\S+) \S+ /\1 P P C STIME \2 TIME /' docker top mi-run -ef
  x -f 's/ +/ /g; s/^root [0-9]+ [0-9.]+ [0-9.]+ [0-9]+ [0-9]+ /root P C M V R /; s/ [0-9:]+ [0-9:]+ sleep/ T T sleep/' docker top mi-run aux
  x docker top mi-run -o pid,nosuchfield
  x docker rename mi-run mi-run2
  x docker exec mi-run2 hostname
  x docker inspect -f '{{.Name}} {{.Config.Hostname}}' mi-run2
  x docker restart -t 0 mi-run2
  x docker exec mi-run2 cat /etc/hostname
  q docker rm -f mi-lab mi-run2
}

# what stays out of diff/commit/export (volumes, tmpfs), cp into volumes and read-only containers, exec's
# environment, starting a container whose image was removed, local volume driver options
sc_layers() {
  x docker run -d "${N[@]}" --name ly -e FOO=1 -e PATH=/bin:/usr/bin -w /tmp -v /anon --tmpfs /scratch busybox sh -c 'echo a > /anon/a; echo s > /scratch/s; echo r > /root/r; echo ready; sleep 300'
  until_log ready ly 10
  x -s docker diff ly
  x docker exec ly sh -c 'env | sort; pwd'
  x docker exec -e FOO=2 -e BAR=3 -w / ly sh -c 'env | sort; pwd'
  echo tocopy > "$W/f"
  x docker cp "$W/f" ly:/anon/
  x docker cp "$W/f" ly:/scratch/
  x docker exec ly cat /anon/f /scratch/f
  x docker cp ly:/anon/a "$W/a"
  x cat "$W/a"
  x -s docker diff ly
  x -f 's/sha256:[0-9a-f]+/<IMG>/' docker commit ly t1/ly
  x docker run "${N[@]}" --rm t1/ly sh -c 'ls -a /anon /root; ls /scratch 2>&1'
  xs "docker export ly | tar -t | grep -E '^(\\./)?(anon|scratch|root)/' | sort"
  q docker rm -f -v ly
  q docker rmi t1/ly
  x docker run -d "${N[@]}" --name ly-ro --read-only busybox sleep 300
  x docker cp "$W/f" ly-ro:/tmp/
  x docker cp ly-ro:/etc/passwd "$W/p"
  q docker rm -f ly-ro
  # a container outlives its image
  x docker run "${N[@]}" --name ly-src busybox sh -c 'echo img > /img'
  x -f 's/sha256:[0-9a-f]+/<IMG>/' docker commit ly-src t1/ly-gone
  x docker create "${N[@]}" --name ly-orphan t1/ly-gone cat /img
  x -f 's/[0-9a-f]{64}/<ID>/g' docker rmi -f t1/ly-gone
  x docker start -a ly-orphan
  x docker inspect -f '{{.Config.Image}}' ly-orphan
  x -f 's/[0-9a-f]{12}/<ID12>/' docker ps -a --filter name=ly-orphan --format '{{.Image}} {{.Status}}'
  q docker rm -f ly-src ly-orphan
  q docker image prune -f
  # local driver options
  x docker volume create --opt type=tmpfs --opt device=tmpfs --opt o=size=1m,mode=0750 ly-tv
  x docker volume inspect -f '{{.Driver}} {{json .Options}}' ly-tv
  x docker run "${N[@]}" --rm -v ly-tv:/m busybox sh -c 'mount | grep " /m " | cut -d" " -f1,3,5,6; ls -ld /m | cut -c1-10'
  x docker volume create --driver nosuch ly-bad
  x docker volume create --opt nosuch=1 ly-bad2
  x docker run -d "${N[@]}" --name ly-vu -v ly-tv:/m busybox sleep 300
  x docker ps --filter volume=ly-tv --format '{{.Names}}'
  x docker volume ls --filter name=ly- --filter dangling=false --format '{{.Name}}'
  x docker volume rm ly-tv
  x docker volume rm -f ly-tv
  q docker rm -f ly-vu
  x docker volume rm ly-tv
  x docker volume ls --filter name=ly- --format '{{.Name}}'
  q docker volume rm ly-bad ly-bad2
  # --init passes signals on
  x docker run -d "${N[@]}" --init --name ly-init busybox sh -c 'trap "echo term; exit 3" TERM; while :; do sleep 0.1; done'
  sleep 0.5
  x timed docker stop ly-init
  x docker inspect -f '{{.State.ExitCode}}' ly-init
  x docker logs ly-init
  q docker rm -f ly-init
}

# ---------------------------------------------------------------------------------------------------------
# Phase 2: global state, runs alone.
sc_global() {
  # what phase 1 left behind (nothing, if every scenario cleaned up), then a clean slate for the rest
  x docker ps -a --format '{{.Names}} {{.Status}} {{.Command}}'
  x docker volume ls -q
  x docker images --format '{{.Repository}}:{{.Tag}}'
  local ids; ids=$(docker ps -aq)
  [ -n "$ids" ] && q docker rm -f -v $ids
  q docker volume prune -f
  for ids in $(docker images --format '{{.Repository}}:{{.Tag}}' | grep -v '^busybox:latest$'); do q docker rmi -f "$ids"; done
  q docker image prune -f
  x docker run "${N[@]}" --name gl-a -l a=1 -l role=x busybox true
  x docker run "${N[@]}" --name gl-b -l a=2 busybox sh -c 'exit 3'
  x docker run -d "${N[@]}" --name gl-c -l a=2 busybox sleep 300
  x docker create "${N[@]}" --name gl-d busybox echo created
  x docker run -d "${N[@]}" --name gl-p busybox sleep 300
  x docker pause gl-p
  local DUR='s/(Less than a second|About an? (minute|hour)|[0-9]+ (second|minute|hour)s?)/<DUR>/g'
  x -f "$DUR" docker ps --format '{{.Names}} {{.Status}} {{.State}}'
  x -f "$DUR" docker ps -a --format '{{.Names}} {{.Status}} {{.State}} {{.Command}} {{.Image}}'
  x -f "$DUR; s/ {2,}/  /g" docker ps -a
  x -f "$DUR; s/ {2,}/  /g" docker container ls -a
  x -f "$DUR; s/ {2,}/  /g" docker container ps
  x -f "$DUR" docker ps -a --no-trunc --format '{{.ID}} {{.Command}}'
  xs 'docker ps -q | wc -l; docker ps -aq | wc -l'
  x docker ps -a -n 2 --format '{{.Names}}'
  x docker ps -l --format '{{.Names}}'
  x docker ps -a --filter status=exited --format '{{.Names}}'
  x docker ps -a --filter status=created --format '{{.Names}}'
  x docker ps -a --filter status=paused --format '{{.Names}}'
  x docker ps --filter status=running --format '{{.Names}}'
  x docker ps -a --filter status=nosuch --format '{{.Names}}'
  x docker ps -a --filter exited=3 --format '{{.Names}}'
  x docker ps -a --filter exited=0 --format '{{.Names}}'
  x docker ps -a --filter label=a --format '{{.Names}} {{.Label "a"}} {{.Label "role"}}'
  x docker ps -a --filter label=a=2 --format '{{.Names}} {{.Label "a"}}'
  x docker ps -a --filter label=role=x --filter label=a=1 --format '{{.Names}}'
  x docker ps -a --filter name=gl- --format '{{.Names}}'
  x docker ps -a --filter name=^gl-a$ --format '{{.Names}}'
  x docker ps -a --filter name=gl-a --filter name=gl-b --format '{{.Names}}'
  x docker ps -a --filter ancestor=busybox --format '{{.Names}}'
  x docker ps -a --filter before=gl-c --format '{{.Names}}'
  x docker ps -a --filter since=gl-c --format '{{.Names}}'
  x docker ps -a --filter id=nosuch --format '{{.Names}}'
  x docker ps -a --filter nosuchfilter=1
  x docker ps -a --format '{{.Names}} {{.Mounts}} {{.Networks}} {{.Ports}} {{.Size}}' --filter name=gl-a
  x -f 's/[0-9.]+[kMG]?B/<SIZE>/g' docker ps -a -s --format '{{.Names}} {{.Size}}' --filter name=gl-a
  x -f "$DUR; s/\"CreatedAt\":\"[^\"]+\"/\"CreatedAt\":\"<T>\"/" docker ps -a --format '{{json .}}' --filter name=gl-b
  x docker ps -a --format 'table {{.Names}}\t{{.Image}}' --filter name=gl-a
  x docker images --format '{{.Repository}}:{{.Tag}}'
  x -f "$DUR; s/[0-9.]+[kMG]?B/<SIZE>/g; s/ {2,}/  /g" docker images
  x -f "$DUR; s/[0-9.]+[kMG]?B/<SIZE>/g; s/ {2,}/  /g" docker image ls -a
  xs 'docker images -q | wc -l; docker images -aq | wc -l'
  x docker images --format '{{.Repository}} {{.Tag}} {{.Size}} {{.VirtualSize}} {{.Containers}} {{.SharedSize}}'
  x docker images --filter reference='busy*' --format '{{.Repository}}'
  x docker images --filter dangling=false --format '{{.Repository}}'
  x docker images busybox --format '{{.Repository}}:{{.Tag}}'
  x docker images nosuch --format '{{.Repository}}:{{.Tag}}'
  x docker images --digests --format '{{.Repository}} {{.Digest}}'
  x docker info --format '{{.Containers}} {{.ContainersRunning}} {{.ContainersPaused}} {{.ContainersStopped}} {{.Images}}'
  x docker info --format '{{.OSType}} {{.Architecture}} {{.CgroupVersion}} {{.CgroupDriver}} {{.LoggingDriver}} {{.IndexServerAddress}} {{.Driver}} {{.NCPU}} {{.MemTotal}} {{.OperatingSystem}} {{.KernelVersion}}'
  x -f 's/"[A-Za-z0-9:]+(\\n)?"/"<ID>\1"/' docker info --format '{{printf "%q" .ID}}'
  x docker info --format '{{json .Plugins.Volume}} {{json .DriverStatus}} {{.ServerVersion | printf "%.0s"}}'

  x docker version --format '{{.Server.APIVersion}} {{.Server.MinAPIVersion}} {{.Server.Os}} {{.Server.Arch}}'
  x docker version --format '{{.Client.APIVersion}}'
  x -f 's/[0-9.]+[kMG]?B/<SIZE>/g; s/\([0-9]+%\)/(<P>)/g; s/ {2,}/  /g' docker system df
  x -f 's/[0-9.]+[kMG]?B/<SIZE>/g; s/\([0-9]+%\)/(<P>)/g' docker system df --format '{{.Type}} {{.TotalCount}} {{.Active}} {{.Size}} {{.Reclaimable}}'
  x -f 's/[0-9.]+[kMG]?B/<SIZE>/g; s/ {2,}/  /g; s/^([a-z0-9]{12})  /<ID12>  /' docker system df -v
  x docker unpause gl-p
  x -f 's/[0-9.]+[kMG]?B/<SIZE>/g' docker container prune -f
  x docker ps -a --format '{{.Names}}'
  x docker run "${N[@]}" --name gl-dang busybox sh -c 'echo d > /d'
  x docker commit gl-dang t1/dang:1
  x docker commit gl-dang t1/dang:1
  x docker images --filter dangling=true --format '{{.Repository}} {{.Tag}}'
  x -f 's/[0-9.]+[kMG]?B/<SIZE>/g' docker image prune -f
  x -f 's/[0-9.]+[kMG]?B/<SIZE>/g' docker image prune -f
  x -f 's/[0-9.]+[kMG]?B/<SIZE>/g' docker container prune -f --filter label=nosuch
  x docker volume create gl-vol
  x -f 's/[0-9.]+[kMG]?B/<SIZE>/g' docker volume prune -f
  x docker volume ls -q
  q docker rm -f gl-dang
  x docker rmi t1/dang:1

  # events of one `run --rm`
  local t0; t0=$(next_second)
  x docker run "${N[@]}" --rm --name gl-ev busybox true
  x docker run "${N[@]}" -d --name gl-ev2 busybox sh -c 'sleep 0.5'
  x docker wait gl-ev2
  x docker rm gl-ev2
  local t1; sleep 0.2; t1=$(next_second)
  x docker events --since "$t0" --until "$t1" --filter container=gl-ev --format '{{.Type}} {{.Action}} {{.Actor.Attributes.name}} {{.Actor.Attributes.image}}'
  x docker events --since "$t0" --until "$t1" --filter type=container --format '{{.Type}} {{.Action}} {{.Actor.Attributes.name}}'
  x docker events --since "$t0" --until "$t1" --filter event=die --format '{{.Action}} {{.Actor.Attributes.exitCode}} {{.Actor.Attributes.name}}'
  x docker events --since "$t0" --until "$t1" --filter container=gl-ev2 --filter event=start --filter event=destroy --format '{{.Status}} {{.From}} {{.Actor.Attributes.name}}'
  x -f 's/"(time|timeNano)":[0-9]+/"\1":<T>/g' docker events --since "$t0" --until "$t1" --filter event=create --format '{{json .}}'
  x -f 's/^[0-9T:.+-]+ /<TS> /' docker events --since "$t0" --until "$t1" --filter event=attach
  x docker events --since "$t0" --until "$t1" --filter type=image --format '{{.Action}}'
  x docker events --since "$t0" --until "$t1" --filter nosuch=1
  local t2; t2=$(next_second)
  x docker tag busybox t1/ev:1
  x docker rmi t1/ev:1
  x docker volume create gl-evvol
  x docker volume rm gl-evvol
  local t3; sleep 0.2; t3=$(next_second)
  x docker events --since "$t2" --until "$t3" --format '{{.Type}} {{.Action}} {{.Actor.Attributes.name}}'
  x docker system prune -f
  x docker ps -a --format '{{.Names}}'
  x docker run "${N[@]}" --name gl-lab busybox true
  x -f 's/sha256:[0-9a-f]+/<IMG>/' docker commit -c 'LABEL t1=prune' gl-lab t1/lab:1
  x docker rm gl-lab
  x -f 's/[0-9.]+[kMG]?B/<SIZE>/g' docker image prune -a -f --filter label=t1=prune
  x docker images --format '{{.Repository}}:{{.Tag}}'
}

# ---------------------------------------------------------------------------------------------------------
# Across the daemons (not a diff): images saved/exported by one load/import into the other, keep their IDs and
# run there.
run() { cmd=$*; out=$(timeout -k 5 60 bash -o pipefail -c "$1" 2>&1); rc=$?; }
cross() {
  local D="DOCKER_HOST=$D_SOCK docker" S="DOCKER_HOST=$S_SOCK docker" side
  for side in docker skiff; do
    local c; [ $side = docker ] && c=$D || c=$S
    bash -c "$c run --network none --name t1-cross busybox sh -c 'echo from-$side > /who' && $c commit -c 'CMD [\"cat\",\"/who\"]' t1-cross t1/from-$side && $c rm t1-cross" >/dev/null 2>&1
  done
  check "cross: docker save | skiff load" '[ $rc = 0 ] && [ "$out" = "Loaded image: t1/from-docker:latest" ]' "$D save t1/from-docker | $S load"
  check "cross: image ID kept (docker -> skiff)" '[ $rc = 0 ] && [ "$(echo "$out" | sort -u | wc -l)" = 1 ]' "$D image inspect -f '{{.Id}}' t1/from-docker; $S image inspect -f '{{.Id}}' t1/from-docker"
  check "cross: skiff runs docker's image" '[ $rc = 0 ] && [ "$out" = from-docker ]' "$S run --rm --network none t1/from-docker"
  check "cross: skiff save | docker load" '[ $rc = 0 ] && [ "$out" = "Loaded image: t1/from-skiff:latest" ]' "$S save t1/from-skiff | $D load"
  check "cross: image ID kept (skiff -> docker)" '[ $rc = 0 ] && [ "$(echo "$out" | sort -u | wc -l)" = 1 ]' "$S image inspect -f '{{.Id}}' t1/from-skiff; $D image inspect -f '{{.Id}}' t1/from-skiff"
  check "cross: docker runs skiff's image" '[ $rc = 0 ] && [ "$out" = from-skiff ]' "$D run --rm --network none t1/from-skiff"
  check "cross: skiff export | docker import" '[ $rc = 0 ] && [ "$out" = from-skiff ]' "$S create --name t1-x t1/from-skiff >/dev/null && $S export t1-x | $D import -c 'CMD [\"cat\",\"/who\"]' - t1/x-skiff >/dev/null && $D run --rm --network none t1/x-skiff; $S rm t1-x >/dev/null"
  check "cross: docker export | skiff import" '[ $rc = 0 ] && [ "$out" = from-docker ]' "$D create --network none --name t1-x t1/from-docker >/dev/null && $D export t1-x | $S import -c 'CMD [\"cat\",\"/who\"]' - t1/x-docker >/dev/null && $S run --rm --network none t1/x-docker; $D rm t1-x >/dev/null"
  check "cross: layer digests agree" '[ $rc = 0 ] && [ "$(echo "$out" | sort -u | wc -l)" = 1 ]' "$D image inspect -f '{{json .RootFS.Layers}}' t1/from-skiff; $S image inspect -f '{{json .RootFS.Layers}}' t1/from-skiff"
}

# ---------------------------------------------------------------------------------------------------------
# Running and comparing.

norm() { # normalise a recording: IDs, times, the sides' paths
  sed -E -e "s#$D_DIR|$S_DIR#<ROOT>#g" \
    -e 's/sha256:[0-9a-f]{64}/sha256:<ID>/g; s/[0-9a-f]{64}/<ID>/g; s/sha256:[0-9a-f]{12}\b/sha256:<ID12>/g; s/\b[0-9a-f]{12}\b/<ID12>/g' \
    -e 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})/<TIME>/g' \
    -e 's/\b(About an? (minute|hour)|Less than a second|[0-9]+ (seconds?|minutes?|hours?|days?))\b/<DUR>/g' \
    -e 's#<ROOT>/(docker|skiff)\.sock#<SOCK>#g' \
    -e '/^### /s/\b1[0-9]{9}\b/<EPOCH>/g' \
    -e '/level=error msg="error waiting for container: context canceled"/d' \
    -e 's/failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: /OCI runtime create failed: /' \
    -e 's/OCI runtime exec failed: exec failed: unable to start container process: /OCI runtime exec failed: exec failed: /' \
    -e 's/^(docker: )?Error response from daemon: (Get "https:\/\/registry-1\.docker\.io\/v2\/": .*|pulling .*Skiff cannot pull from registries yet.*)$/\1<no registry here: pull failed>/' \
    "$1"
}

# run_side SIDE SCENARIO: records one scenario against one daemon into rec/SCENARIO.SIDE.
run_side() {
  local side=$1 sc=$2 root
  [ "$side" = docker ] && root=$D_DIR || root=$S_DIR
  (
    export DOCKER_HOST; [ "$side" = docker ] && DOCKER_HOST=$D_SOCK || DOCKER_HOST=$S_SOCK
    W=$root/w/$sc; mkdir -p "$W"
    "sc_$sc" > "$dir/rec/$sc.$side" 2>&1
    rm -rf "$W"
  )
}
# compare SCENARIO: one PASS/FAIL line per recorded command.
compare() {
  local sc=$1 a="$dir/rec/$1.docker" b="$dir/rec/$1.skiff" i n
  mkdir -p "$dir/rec/$sc.d" "$dir/rec/$sc.s"
  if ! norm "$a" | awk -v o="$dir/rec/$sc.d" 'BEGIN{n=0} /^### /{n++} {print > (o "/" n)}' ||
     ! norm "$b" | awk -v o="$dir/rec/$sc.s" 'BEGIN{n=0} /^### /{n++} {print > (o "/" n)}'; then
    rc=1 out=""; fail "$sc: recordings could not be normalised" "norm + split succeed"; return
  fi
  n=$(ls "$dir/rec/$sc.d" "$dir/rec/$sc.s" | grep -E '^[0-9]+$' | sort -n | tail -1)
  if [ "${n:-0}" = 0 ]; then rc=1 out=$(cat "$a" "$b" | head -20); fail "$sc: nothing recorded" "records on both sides"; return; fi
  for ((i = 1; i <= ${n:-0}; i++)); do
    local fa="$dir/rec/$sc.d/$i" fb="$dir/rec/$sc.s/$i" title
    title=$(head -1 "$fa" 2>/dev/null || head -1 "$fb"); title=${title#\#\#\# }
    if grep -q 'template parsing error' "$fa"; then
      rc=1 out=$(cat "$fa"); fail "$sc: $title" "the inspect template works on dockerd (fix the test)"
    elif cmp -s "$fa" "$fb"; then
      pass "$sc: $title"
    else
      nfail=$((nfail + 1)); failed+=("$sc: $title"); echo "FAIL  $sc: $title"
      diff -u --label docker --label skiff "$fa" "$fb" 2>&1 | tail -n +3 | head -40 | sed 's/^/      /'
    fi
  done
}

phase1=(run logs stop names start_a exec fs commit export save rmi opts vols restart health signals stats keys flows misc layers)
start=$(date +%s)
selected=()
for sc in "${phase1[@]}"; do [[ $sc =~ $ONLY ]] && selected+=("$sc"); done
# Each scenario runs on both sides at once; up to JOBS scenarios at a time.
for sc in "${selected[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge $((JOBS * 2)) ]; do sleep 0.2; done
  run_side docker "$sc" &
  run_side skiff "$sc" &
done
wait
for sc in "${selected[@]}"; do compare "$sc"; done
if [[ global =~ $ONLY ]]; then
  run_side docker global & run_side skiff global & wait
  compare global
fi
[[ cross =~ $ONLY ]] && cross
echo "took $(($(date +%s) - start)) s"
summary daemon_docker_diff

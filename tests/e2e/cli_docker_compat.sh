#!/usr/bin/env bash
# cli_docker_compat.sh: the skiff CLI against docker's own CLI (/usr/bin/docker, 20.10), both talking to the same
# private real dockerd. Every step runs once with docker and once with skiff (object names carry a _d / _s
# suffix so the two runs do not collide) and compares output — normalized for what differs by nature: IDs,
# times, the program name — and exit code. Ends with an interactive `skiff run -it` session driven through
# tmux (typing, exit code, detach with Ctrl-P Ctrl-Q, attach, window resize). Exit 0 pass, 1 fail, 77 skip.
set -u
SRC=${SKIFF_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
SKIFF=${SKIFF_BIN:-$SRC/build/bin}/skiff
runtime="docker $(/usr/bin/docker --version 2>/dev/null | awk '{print $3}' | tr -d ,)"
[ "$(id -u)" = 0 ] || { echo "cli_docker_compat: needs root" >&2; exit 77; }
[ -x /usr/bin/docker ] && command -v dockerd >/dev/null || { echo "cli_docker_compat: docker.io not installed" >&2; exit 77; }
command -v tmux >/dev/null || { echo "cli_docker_compat: tmux not installed" >&2; exit 77; }
[ -x "$SKIFF" ] || { echo "cli_docker_compat: $SKIFF not built" >&2; exit 1; }
source "$SRC/tests/support/checks.sh"

WORK=$(mktemp -d /tmp/skiff-cli-compat.XXXXXX)
SOCK=$WORK/d/docker.sock
TMUX_SESSION=skiff-cli-compat-$$
cleanup() {
  tmux kill-session -t "$TMUX_SESSION" 2>/dev/null
  "$SRC/tests/support/private-dockerd.sh" stop "$WORK/d" >/dev/null 2>&1
  rm -rf "$WORK"
}
trap cleanup EXIT
"$SRC/tests/support/private-dockerd.sh" start "$WORK/d" || { echo "cli_docker_compat: private dockerd failed" >&2; exit 1; }
"$SRC/tests/support/busybox-rootfs.sh" "$WORK/rootfs"
tar -C "$WORK/rootfs" -c . | DOCKER_HOST=unix://$SOCK /usr/bin/docker import - busybox:latest >/dev/null

D() { DOCKER_HOST=unix://$SOCK /usr/bin/docker "$@"; }
S() { SKIFF_HOST=unix://$SOCK "$SKIFF" "$@"; }

# What legitimately differs between two runs: IDs, times, sizes of timing-dependent columns, names.
norm() {
  sed -E \
    -e 's#/tmp/skiff-cli-compat\.[A-Za-z0-9]+#<WORK>#g' \
    -e 's/[0-9a-f]{64}/<ID>/g; s/\b[0-9a-f]{12}\b/<SID>/g' \
    -e 's/[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9:.]+( ?(Z|[+-][0-9:]+))?( UTC)?/<TIME>/g' \
    -e 's/(Less than a second|About a minute|About an hour|[0-9]+ (second|minute|hour)s?)( ago)?/<DUR>/g' \
    -e 's/time="[^"]*"/time=<TIME>/g' \
    -e 's/\b(docker|skiff)\b/CLI/g; s/Docker|Skiff/CLI/g' \
    -e 's/_[ds]\b/_X/g; s/_[ds]:/_X:/g; s/_[ds]\//_X\//g' \
    -e 's/"Pid": [0-9]+/"Pid": <N>/; s/ +/ /g; s/ +$//'
}

# same DESC TEMPLATE: TEMPLATE is shell text using $CLI (the client) and $X (d or s, for object names).
# stdout and stderr are compared separately (their interleaving is timing).
same() {
  local desc=$1 tmpl=$2 dout sout drc src
  dout=$(CLI=D X=d; { eval "$tmpl" 2>"$WORK/err"; } ; r=$?; echo "--- stderr:"; cat "$WORK/err"; exit $r); drc=$?
  sout=$(CLI=S X=s; { eval "$tmpl" 2>"$WORK/err"; } ; r=$?; echo "--- stderr:"; cat "$WORK/err"; exit $r); src=$?
  local dn sn
  dn=$(printf '%s\n' "$dout" | norm)
  sn=$(printf '%s\n' "$sout" | norm)
  cmd=$tmpl
  if [ "$dn" == "$sn" ] && [ $drc -eq $src ]; then
    pass "$desc"
  else
    rc="docker $drc, skiff $src"
    out=$(diff <(printf '%s\n' "$dn") <(printf '%s\n' "$sn") | head -20)
    fail "$desc: $tmpl" "same output (normalized) and exit code as docker"
  fi
}

# run CMD...: for check() (checks.sh); expectations over $out/$rc.
run() {
  cmd="$*"
  out=$(eval "$@" 2>&1)
  rc=$?
}

start=$(date +%s)
T0=$(date +%s)
mkdir -p "$WORK/src/sub" && echo a > "$WORK/src/a" && echo b > "$WORK/src/sub/b" && ln -s a "$WORK/src/link"

# --- daemon-wide ---
same "version --format" '$CLI version --format "{{.Server.Version}} {{.Server.Os}}"'
same "info --format" '$CLI info --format "{{.ServerVersion}} {{.OSType}} {{.Images}} {{json .ClientInfo.Plugins}}"'
# (docker lists runtimes in Go map order: compared as a set)
same "info (server section)" '$CLI info 2>&1 | sed -n "/^Server:/,\$p" | grep -v "^ Runtimes:"; $CLI info | grep "^ Runtimes:" | tr " " "\n" | sort'
same "unknown command" '$CLI frobnicate'
same "unknown flag" '$CLI ps --frobnicate'
same "arg count" '$CLI rm'
same "unreachable daemon" '$CLI -H unix:///nonexistent/skiff-compat.sock ps'

# --- run ---
same "run echo" '$CLI run --network none busybox echo hello'
same "run exit code and stderr" '$CLI run --network none busybox sh -c "echo out; echo err >&2; exit 3"'
same "run --rm" '$CLI run --rm --network none busybox echo removed; $CLI ps -a --filter ancestor=busybox --filter status=exited -q | wc -l >/dev/null'
same "run -i from a pipe" 'echo piped | $CLI run -i --rm --network none busybox cat'
# (docker logs its waiter's cancellation from another goroutine, before or after the error or not at all when
# the process exits first: that line is left out)
same "run missing command (127)" '$CLI run --network none --name nocmd_$X busybox nosuchcmd 2>&1 | grep -v "error waiting for container"; exit ${PIPESTATUS[0]}'
same "run non-executable (126)" '$CLI run --network none --name noexec_$X busybox /etc/passwd 2>&1 | grep -v "error waiting for container"; exit ${PIPESTATUS[0]}'
same "run no command (125)" '$CLI run --network none busybox'
same "run bad flag value" '$CLI run -m lots busybox true'
same "run unknown shorthand" '$CLI run -Z busybox true'
same "run --rm with --restart" '$CLI run --rm --restart always busybox true'
same "run -d" '$CLI run -d --name web_$X --network none -p 8080:80 -e A=1 -l app=web busybox sh -c "echo started; while true; do sleep 1; done"'
same "run name conflict" '$CLI run -d --name web_$X --network none busybox true'
sleep 1

# --- query ---
same "ps" '$CLI ps --filter name=web_$X'
same "ps --format" '$CLI ps -a --filter name=web_$X --format "{{.Names}} {{.Image}} {{.Command}} {{.State}} {{.Networks}}"'
same "ps -aq" '$CLI ps -aq --filter name=web_$X'
same "ps --no-trunc" '$CLI ps --no-trunc --filter name=web_$X'
same "ps json" '$CLI ps -a --filter name=web_$X --format "{{json .}}"'
same "ps -s" '$CLI ps -s --filter name=web_$X'
same "logs" '$CLI logs web_$X'
same "logs --tail" '$CLI logs --tail 1 web_$X'
same "logs -t" '$CLI logs -t web_$X'
same "logs nosuch" '$CLI logs nosuch_$X'
same "inspect -f" '$CLI inspect -f "{{.State.Running}} {{.Name}} {{.Config.Image}} {{index .Config.Labels \"app\"}} {{.HostConfig.NetworkMode}}" web_$X'
same "inspect json" '$CLI inspect web_$X | grep -v -E "SandboxKey|SandboxID|EndpointID|NetworkID|\"Name\": \"/|Hostname"'
same "inspect image" '$CLI inspect busybox'
same "inspect missing" '$CLI inspect web_$X nosuch_$X'
same "container inspect --format json" '$CLI container inspect --format "{{json .Config.Labels}}" web_$X'
same "exec" '$CLI exec web_$X sh -c "echo \$A; exit 5"'
same "exec -w -e" '$CLI exec -w /tmp -e B=2 web_$X sh -c "pwd; echo \$B"'
same "exec -i" 'echo in | $CLI exec -i web_$X cat'
same "exec missing command" '$CLI exec web_$X nosuchcmd'
same "top" '$CLI top web_$X -o comm | head -2'
same "port" '$CLI port web_$X; $CLI port web_$X 80'
same "diff" '$CLI exec web_$X sh -c "touch /newfile; mkdir -p /newdir"; $CLI diff web_$X | sort'
same "stats --no-stream" '$CLI stats --no-stream --format "{{.Name}} {{.Container}}" web_$X; $CLI stats --no-stream web_$X | head -1'
same "stats nosuch" '$CLI stats --no-stream nosuch_$X'

# --- cp ---
same "cp into container" '$CLI cp $WORK/src web_$X:/tmp/ && $CLI exec web_$X ls -lR /tmp/src | sed -E "s/ +[A-Z][a-z]{2} +[0-9]+ [0-9:]+ / /"'
same "cp file renamed" '$CLI cp $WORK/src/a web_$X:/tmp/renamed && $CLI exec web_$X cat /tmp/renamed'
same "cp out of container" '$CLI cp web_$X:/tmp/src $WORK/back_$X && ls -R $WORK/back_$X && cat $WORK/back_$X/sub/b'
same "cp to stdout" '$CLI cp web_$X:/etc/hostname - | tar -t'
same "cp errors" '$CLI cp web_$X:/nonexist $WORK/x; $CLI cp /nonexist web_$X:/tmp; $CLI cp a b; $CLI cp $WORK/src web_$X:/etc/hostname'

# --- state changes ---
same "pause" '$CLI pause web_$X && $CLI ps --filter name=web_$X --format "{{.Status}}" && $CLI unpause web_$X'
same "rename" '$CLI rename web_$X web2_$X && $CLI ps --filter name=web2_$X --format "{{.Names}}" && $CLI rename web2_$X web_$X'
same "update" '$CLI update --memory 64m --memory-swap 128m --cpus 0.5 web_$X && $CLI inspect -f "{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}}" web_$X'
same "update without flags" '$CLI update web_$X'
same "wait" '$CLI run -d --name w_$X --network none -l prune=p_$X busybox sh -c "sleep 1; exit 7" >/dev/null; $CLI wait w_$X'
same "stop start restart" '$CLI stop -t 1 web_$X && $CLI start web_$X && $CLI restart -t 1 web_$X && $CLI ps --filter name=web_$X --format "{{.Names}}"'
same "kill" '$CLI kill -s KILL web_$X && $CLI wait web_$X && $CLI start web_$X'

# --- images ---
same "commit" '$CLI commit -m msg -a me -c "ENV X=1" web_$X img_$X:v1 >/dev/null && $CLI inspect -f "{{.Comment}} {{.Author}} {{.Config.Env}}" img_$X:v1'
same "images" '$CLI images img_$X'
same "images --format" '$CLI tag img_$X:v1 img_$X:v2 && $CLI images --format "{{.Repository}}:{{.Tag}} {{.Size}}" img_$X'
same "images -q --digests --no-trunc" '$CLI images -q img_$X; $CLI images --digests img_$X; $CLI images --no-trunc img_$X'
same "history" '$CLI history img_$X:v1; $CLI history -q --no-trunc img_$X:v1; $CLI history -H=false img_$X:v1'
same "tag errors" '$CLI tag img_$X:v1 Bad:x; $CLI tag nosuch_$X x'
same "save -o / load -i" '$CLI save -o $WORK/img_$X.tar img_$X:v1 && $CLI rmi img_$X:v1 && $CLI load -i $WORK/img_$X.tar'
same "save | load" '$CLI save img_$X:v2 | $CLI load'
same "save to a file path that does not exist" '$CLI save -o /nonexistent/dir/x.tar img_$X:v1'
same "export | import" '$CLI export web_$X | $CLI import -m imported - imp_$X:v1 >/dev/null && $CLI history --format "{{.Comment}}" imp_$X:v1'
same "export -o / import file" '$CLI export -o $WORK/exp_$X.tar web_$X && $CLI import -c "CMD [\"sh\"]" $WORK/exp_$X.tar imp_$X:v2 >/dev/null && $CLI inspect -f "{{.Config.Cmd}}" imp_$X:v2'
same "rmi" '$CLI rmi img_$X:v2 imp_$X:v1 imp_$X:v2 nosuch_$X | grep -c Untagged'
same "pull (no registry here)" '$CLI pull busybox:notthere'
same "image prune" '$CLI image prune -f'

# --- clean-up commands ---
same "rm running" '$CLI rm web_$X'
same "rm -f" '$CLI rm -f web_$X; $CLI rm -f nosuch_$X'
same "container prune" '$CLI container prune -f --filter label=prune=p_$X'
same "rm several" '$CLI rm nocmd_$X noexec_$X'
same "system df" '$CLI system df'
sleep 1.1
T1=$(date +%s)
same "events --since --until" '$CLI events --since $T0 --until $T1 --filter container=web_$X --format "{{.Type}} {{.Action}}"'
same "events default format" '$CLI events --since $T0 --until $T1 --filter container=w_$X --filter event=die'

# --- interactive: skiff run -it under tmux ---
pane() { tmux capture-pane -t "$TMUX_SESSION" -p | grep -v '^$'; }
wait_pane() {  # wait_pane REGEX: up to 5 s
  for _ in $(seq 1 50); do pane | grep -q -E "$1" && return 0; sleep 0.1; done
  return 1
}
tmux new-session -d -s "$TMUX_SESSION" -x 100 -y 30 \
  "$SKIFF -H unix://$SOCK run -it --name tty_s --network none busybox sh; echo EXIT=\$?; sleep 30"
wait_pane '/ #'
sleep 0.3
tmux send-keys -t "$TMUX_SESSION" 'stty size; echo hi; exit 3' Enter
wait_pane 'EXIT='
check "run -it: typed command runs, window size, exit code" \
  '[[ "$out" == *$'"'"'30 100\nhi'"'"'* && "$out" == *EXIT=3* ]]' pane
tmux kill-session -t "$TMUX_SESSION"
tmux new-session -d -s "$TMUX_SESSION" -x 100 -y 30 \
  "$SKIFF -H unix://$SOCK run -it --name tty2_s --network none busybox sh; echo EXIT=\$?; sleep 30"
wait_pane '/ #'
tmux send-keys -t "$TMUX_SESSION" C-p
tmux send-keys -t "$TMUX_SESSION" C-q
wait_pane 'EXIT='
check "run -it: Ctrl-P Ctrl-Q detaches (exit 0), container keeps running" \
  '[[ "$out" == *EXIT=0* ]] && [ "$(D inspect -f "{{.State.Running}}" tty2_s)" = true ]' pane
tmux kill-session -t "$TMUX_SESSION"
tmux new-session -d -s "$TMUX_SESSION" -x 80 -y 20 "$SKIFF -H unix://$SOCK attach tty2_s; echo EXIT=\$?; sleep 30"
sleep 0.5
tmux send-keys -t "$TMUX_SESSION" 'stty size' Enter
wait_pane '20 80'
tmux resize-window -t "$TMUX_SESSION" -x 90 -y 25 2>/dev/null || tmux resize-pane -t "$TMUX_SESSION" -x 90 -y 25
sleep 0.5
tmux send-keys -t "$TMUX_SESSION" 'stty size' Enter
wait_pane '25 90'
check "attach: the resized window is seen by stty size" '[[ "$out" == *"20 80"* && "$out" == *"25 90"* ]]' pane
tmux send-keys -t "$TMUX_SESSION" C-p C-q
wait_pane 'EXIT='
check "attach: detach prints docker's 'read escape sequence' and exits 1" \
  '[[ "$out" == *"read escape sequence"* && "$out" == *EXIT=1* ]]' pane
tmux kill-session -t "$TMUX_SESSION"
tmux new-session -d -s "$TMUX_SESSION" -x 70 -y 15 "$SKIFF -H unix://$SOCK exec -it tty2_s sh; echo EXIT=\$?; sleep 30"
wait_pane '/ #'
sleep 0.3
tmux send-keys -t "$TMUX_SESSION" 'stty size; exit 2' Enter
wait_pane 'EXIT='
check "exec -it: terminal size and the command's exit code" '[[ "$out" == *"15 70"* && "$out" == *EXIT=2* ]]' pane
tmux kill-session -t "$TMUX_SESSION"
check "run -it without a terminal: docker's error" '[ $rc -eq 1 ] && [[ "$out" == "the input device is not a TTY" ]]' \
  "S run -it --network none busybox true </dev/null"
D rm -f tty_s tty2_s >/dev/null 2>&1

echo "elapsed: $(( $(date +%s) - start ))s"
summary cli_docker_compat

#!/usr/bin/env bash
# e2e: the tutorials' container and image flows (../shared/seeds), typed as a user would, against a
# private skiffd — once with Skiff's own CLI (`skiff`) and once with Docker's (/usr/bin/docker, 20.10).
# The public images of the tutorials (ubuntu, alpine, nginx) are the local busybox base image under their
# names; network, build and registry steps belong to other issues and are left out. Each check prints
# PASS/FAIL with the command. Exit: 0 all pass, 1 any failure, 77 skipped (not root / no docker client).
#
# Env: SKIFF_BIN  dir with skiff, skiffd and skiff-runtime (default <repo>/build/bin)
#      CLIENTS    "skiff docker" (default) or one of them;  KEEP=1 leave the daemon for debugging.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=${SKIFF_SRC:-$(cd "$here/../.." && pwd)}
bin=${SKIFF_BIN:-$src/build/bin}
clients=${CLIENTS:-skiff docker}
helper=$src/tests/support/private-skiffd.sh
skip() { echo "SKIP seed_flows: $*" >&2; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root"
case " $clients " in *" docker "*) [ -x /usr/bin/docker ] || skip "/usr/bin/docker missing (apt-get install docker.io)" ;; esac
for b in skiff skiffd skiff-runtime; do
  [ -x "$bin/$b" ] || { echo "FAIL seed_flows: $bin/$b missing (make build)" >&2; exit 1; }
done
runtime="skiffd $bin/skiffd"

dir=$(mktemp -d /tmp/skiff-e2e-seeds.XXXXXX)
cleanup() {
  if [ "${KEEP:-0}" = 1 ]; then echo "KEEP=1: SKIFF_HOST=unix://$dir/d/skiff.sock; stop: SKIFFD=$bin/skiffd $helper stop $dir/d" >&2; return; fi
  SKIFFD=$bin/skiffd "$helper" stop "$dir/d" >/dev/null 2>&1
  rm -rf --one-file-system "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
. "$src/tests/support/checks.sh"

SKIFFD=$bin/skiffd "$helper" start "$dir/d" >/dev/null || { echo "FAIL seed_flows: skiffd did not start" >&2; exit 1; }
export SKIFF_HOST=unix://$dir/d/skiff.sock DOCKER_HOST=unix://$dir/d/skiff.sock
"$src/tests/support/busybox-rootfs.sh" "$dir/rootfs"

# $CLI is the client under test (skiff or docker); pipelines run as `env CLI=... bash -c SCRIPT`.
# run sets $out/$rc/$cmd for check().
c() { "$CLI" "$@"; }
run() {
  cmd=$(printf '%q ' "$@"); cmd="[$client] ${cmd% }"; cmd=${cmd//"$CLI"/$client}
  out=$(timeout -k 5 60 "$@" 2>&1); rc=$?
}

for client in $clients; do
  echo "== client: $client"
  CLI=/usr/bin/docker; [ "$client" = skiff ] && CLI=$bin/skiff
  # Clean slate for each client: no containers, a fresh base image under the tutorials' names.
  ids=$(c ps -aq); [ -n "$ids" ] && c rm -f $ids >/dev/null
  # The tutorials' images start a shell by default.
  tar -C "$dir/rootfs" -c . | c import -c 'CMD ["sh"]' - busybox:latest >/dev/null
  for n in ubuntu alpine nginx ubuntu:15.10; do c tag busybox "$n"; done

  # --- seed 003: version, info, images, ps
  check "version shows the server" '[ $rc = 0 ] && [[ $out == *"API version:       1.41"* ]] && [[ $out == *Server* ]]' "$CLI" version
  check "info counts images" '[ $rc = 0 ] && [[ $out == *"Images: "* ]] && [[ $out == *"Server Version: 0.1.0"* ]]' "$CLI" info
  check "images lists the tags" '[ $rc = 0 ] && [[ $out == *"REPOSITORY   TAG"* ]] && [[ $out == *ubuntu*15.10* ]]' "$CLI" images
  check "image ls = images" '[ $rc = 0 ] && [[ $out == *nginx* ]]' "$CLI" image ls

  # --- seed 001: images and containers
  check "run ubuntu ls -al" '[ $rc = 0 ] && [[ $out == *" bin"* ]] && [[ $out == *" etc"* ]]' "$CLI" run ubuntu ls -al
  check "container ps -a shows it" '[ $rc = 0 ] && [[ $out == *"ls -al"* ]] && [[ $out == *Exited\ \(0\)* ]]' "$CLI" container ps -a
  id=$(c ps -aq -l)
  check "container rm \$ID" '[ $rc = 0 ] && [ "$out" = "$id" ]' "$CLI" container rm "$id"
  check "run --name test ubuntu ls" '[ $rc = 0 ] && [[ $out == *etc* ]]' "$CLI" run --name test ubuntu ls
  check "container rm test" '[ $rc = 0 ] && [ "$out" = test ]' "$CLI" container rm test
  check "run --rm -i ubuntu (shell on stdin)" '[ $rc = 0 ] && [ "$out" = hi ] && [ -z "$(c ps -aq)" ]' \
    env CLI="$CLI" bash -c 'echo "echo hi; exit" | "$CLI" run --rm -i ubuntu' 
  check "run -d with a typo in the command" '[ $rc = 0 ] && [ ${#out} = 64 ]' \
    "$CLI" run --name myUbuntuContainer -d ubuntu sh -c "sliep 5; echo 'Hello World'; sleep 60"
  sleep 0.5
  check "logs show the error and the output" '[ $rc = 0 ] && [[ $out == *"sliep: not found"* ]] && [[ $out == *"Hello World"* ]]' \
    "$CLI" logs myUbuntuContainer
  check "rm of a running container needs -f" '[ $rc = 1 ] && [[ $out == *"You cannot remove a running container"* ]]' \
    "$CLI" container rm myUbuntuContainer
  check "rm -f" '[ $rc = 0 ] && [ "$out" = myUbuntuContainer ]' "$CLI" container rm -f myUbuntuContainer
  check "run --memory=6m --cpus=1" '[ $rc = 0 ]' "$CLI" run -d --name lim --memory=6m --cpus=1 ubuntu sleep 60
  check "inspect shows the limits" '[ $rc = 0 ] && [ "$out" = "6291456 1000000000" ]' \
    "$CLI" inspect -f '{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}}' lim
  check "the cgroup has them" '[ $rc = 0 ] && [ "$out" = 6291456 ]' "$CLI" exec lim cat /sys/fs/cgroup/memory/memory.limit_in_bytes
  check "inspect JSON array" '[ $rc = 0 ] && [[ $out == "["* ]] && [[ $out == *"\"Name\": \"/lim\""* ]]' "$CLI" inspect lim
  mkdir -p "$dir/shared"
  check "-v host:ctr shares a folder" '[ $rc = 0 ] && [ "$(cat "$dir/shared/f")" = written ]' \
    "$CLI" run --rm -v "$dir/shared:/shared" --name sharing-is-caring ubuntu sh -c 'echo written > /shared/f'
  check "run -d with a data volume" '[ $rc = 0 ]' "$CLI" run -d --name sky-client -v "$dir/shared:/shared" ubuntu sleep 60
  check "--volumes-from sees it" '[ $rc = 0 ] && [ "$out" = written ]' "$CLI" run --rm --name sky-server --volumes-from sky-client ubuntu cat /shared/f
  check "commit --message --author" '[ $rc = 0 ] && [[ $out == sha256:* ]]' \
    "$CLI" commit --message "added iputils" --author programmingpercy sky-client programmingpercy/ubuntu:1.0
  check "run the committed image" '[ $rc = 0 ] && [ "$out" = ok ]' "$CLI" run --rm --name test2 programmingpercy/ubuntu:1.0 echo ok
  check "history shows the message" '[ $rc = 0 ] && [[ $out == *"added iputils"* ]]' "$CLI" history programmingpercy/ubuntu:1.0

  # --- seed 003: batch operations, attached/detached, interactive, exec
  for i in 1 2 3; do c run -d ubuntu sleep 60 >/dev/null; done
  check "ps -aq lists every container" '[ $rc = 0 ] && [ $(echo "$out" | wc -l) -ge 5 ]' "$CLI" ps -aq
  check "container stop \$(ps -aq)" '[ $rc = 0 ] && [ -z "$(c ps -q)" ]' env CLI="$CLI" bash -c '"$CLI" container stop -t 1 $("$CLI" ps -aq)' 
  check "container start \$(ps -aq)" '[ $rc = 0 ] && [ "$(c ps -q | wc -l)" -ge 5 ]' env CLI="$CLI" bash -c '"$CLI" container start $("$CLI" ps -aq)' 
  check "container logs <prefix>" '[ $rc = 0 ]' "$CLI" container logs "$(c ps -q -l | cut -c1-3)"
  check "exec runs in the container" '[ $rc = 0 ] && [[ $out == *"PID"* ]] && [[ $out == *"sleep 60"* ]]' "$CLI" exec sky-client ps
  check "exec exit code passes" '[ $rc = 3 ]' "$CLI" exec sky-client sh -c 'exit 3'
  check "attach streams output" '[ $rc = 0 ] && [[ $out == *tick* ]]' env CLI="$CLI" bash -c 'id=$("$CLI" run -d ubuntu sh -c "sleep 1; echo tick; sleep 1; echo tick"); "$CLI" attach $id' 
  check "pause" '[ $rc = 0 ]' "$CLI" pause sky-client
  check "ps shows Paused" '[ $rc = 0 ] && [[ $out == *"(Paused)"* ]]' "$CLI" ps --filter name=sky-client
  check "unpause" '[ $rc = 0 ]' "$CLI" unpause sky-client
  check "top" '[ $rc = 0 ] && [[ $out == *"sleep 60"* ]]' "$CLI" top sky-client
  check "stats --no-stream" '[ $rc = 0 ] && [[ $out == *"MEM USAGE / LIMIT"* ]] && [[ $out == *sky-client* ]]' "$CLI" stats --no-stream sky-client
  check "port (nothing published)" '[ $rc = 0 ] && [ -z "$out" ]' "$CLI" port sky-client
  check "diff after changes" '[ $rc = 0 ] && [[ $out == *"A /newfile"* ]]' env CLI="$CLI" bash -c '"$CLI" exec sky-client touch /newfile; "$CLI" diff sky-client' 
  check "cp out of a container" '[ $rc = 0 ] && [ -f "$dir/hostname.$client" ]' "$CLI" cp sky-client:/etc/hostname "$dir/hostname.$client"
  echo from-host > "$dir/into"
  check "cp into a container" '[ $rc = 0 ] && [ "$(c exec sky-client cat /tmp/into)" = from-host ]' "$CLI" cp "$dir/into" sky-client:/tmp/into

  # --- an interactive session in a real terminal (tmux): `run -it`, `exec -it`, detach and attach
  if command -v tmux >/dev/null; then
    sess="skiff-seeds-$$-$client"
    tmux kill-session -t "$sess" 2>/dev/null
    tmux new-session -d -s "$sess" -x 100 -y 30 "SKIFF_HOST=$SKIFF_HOST DOCKER_HOST=$DOCKER_HOST $CLI run -it --name it1 ubuntu; echo CLIENT-EXIT=\$?; sleep 60"
    pane() { tmux capture-pane -t "$sess" -p 2>/dev/null; }
    waitfor() { for _ in $(seq 1 50); do pane | grep -q "$1" && return 0; sleep 0.1; done; return 1; }
    waitfor '/ #'
    tmux send-keys -t "$sess" 'echo typed-$((6*7)); stty size' Enter
    check "run -it: a shell in a terminal" 'waitfor "typed-42" && waitfor "30 100"' true
    tmux send-keys -t "$sess" C-p C-q
    check "run -it: Ctrl-P Ctrl-Q detaches, the container keeps running" \
      'waitfor "CLIENT-EXIT=0" && [ "$(c inspect -f "{{.State.Running}}" it1)" = true ]' true
    tmux kill-session -t "$sess" 2>/dev/null
    tmux new-session -d -s "$sess" -x 100 -y 30 "SKIFF_HOST=$SKIFF_HOST DOCKER_HOST=$DOCKER_HOST $CLI exec -it it1 sh; echo CLIENT-EXIT=\$?; sleep 60"
    waitfor '/ #'
    tmux send-keys -t "$sess" 'exit 4' Enter
    check "exec -it: exit code of the shell" 'waitfor "CLIENT-EXIT=4"' true
    tmux kill-session -t "$sess" 2>/dev/null
    tmux new-session -d -s "$sess" -x 100 -y 30 "SKIFF_HOST=$SKIFF_HOST DOCKER_HOST=$DOCKER_HOST $CLI attach it1; echo CLIENT-EXIT=\$?; sleep 60"
    sleep 0.5
    tmux send-keys -t "$sess" 'echo back-$((3*3))' Enter
    check "attach: back in the shell" 'waitfor "back-9"' true
    tmux send-keys -t "$sess" 'exit 5' Enter
    check "exit ends the container; the client exits with its code" \
      'waitfor "CLIENT-EXIT=5" && [ "$(c inspect -f "{{.State.Status}} {{.State.ExitCode}}" it1)" = "exited 5" ]' true
    tmux kill-session -t "$sess" 2>/dev/null
    c rm -f it1 >/dev/null
  fi
  # --- seed 003/004: save, load, export, import, rmi
  check "image save -o" '[ $rc = 0 ] && [ -s "$dir/ubuntu.image" ]' "$CLI" image save ubuntu:15.10 -o "$dir/ubuntu.image"
  check "image rm ubuntu:15.10" '[ $rc = 0 ] && [[ $out == *"Untagged: ubuntu:15.10"* ]]' "$CLI" image rm ubuntu:15.10
  check "image load -i" '[ $rc = 0 ] && [[ $out == *"Loaded image: ubuntu:15.10"* ]]' "$CLI" image load -i "$dir/ubuntu.image"
  check "save | gzip, load -i .tar.gz" '[ $rc = 0 ] && [[ $out == *"Loaded image"* ]]' env CLI="$CLI" bash -c '"$CLI" save nginx | gzip > '"$dir"'/nginx-v1.0.0.tar.gz && "$CLI" load -i '"$dir"'/nginx-v1.0.0.tar.gz' 
  check "export > file" '[ $rc = 0 ] && [ -s "$dir/exp.tar" ]' env CLI="$CLI" bash -c '"$CLI" export sky-client > '"$dir"'/exp.tar' 
  check "import - name < file" '[ $rc = 0 ] && [[ $out == sha256:* ]]' env CLI="$CLI" bash -c '"$CLI" import - nginx:v1.0.0 < '"$dir"'/exp.tar' 
  check "images <repository> filter" '[ $rc = 0 ] && [[ $out == *v1.0.0* ]] && [[ $out != *ubuntu* ]]' "$CLI" images nginx
  c create --name user programmingpercy/ubuntu:1.0 true >/dev/null
  check "rmi of an image in use needs -f" '[ $rc = 1 ] && [[ $out == *conflict* ]]' "$CLI" rmi programmingpercy/ubuntu:1.0
  check "container prune" '[ $rc = 0 ] && [[ $out == *"Total reclaimed space"* ]]' "$CLI" container prune -f
  check "rm -f \$(ps -aq)" '[ $rc = 0 ] && [ -z "$(c ps -aq)" ]' env CLI="$CLI" bash -c '"$CLI" rm -f $("$CLI" ps -aq)' 
  check "image prune -a" '[ $rc = 0 ]' "$CLI" image prune -a -f
  check "system df" '[ $rc = 0 ] && [[ $out == *"TYPE"* ]] && [[ $out == *"Local Volumes"* ]]' "$CLI" system df

done
summary seed_flows

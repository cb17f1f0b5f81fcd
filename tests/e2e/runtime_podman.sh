#!/usr/bin/env bash
# e2e: Debian's podman runs containers through skiff-runtime (`podman --runtime <path>`).
# Everything is private under a temp dir: --root, --runroot, --tmpdir, a containers.conf, the image store
# (a busybox image imported from tests/support/busybox-rootfs.sh). cgroupfs manager, file events, no network.
# Each check prints PASS/FAIL with the command. Exit: 0 all pass, 1 any failure, 77 skipped.
#
# Env: SKIFF_BIN (set by CTest; default /work/main/build/bin)
#      SKIFF_RUNTIME  runtime binary (default $SKIFF_BIN/skiff-runtime); /usr/sbin/runc proves the harness.
#      KEEP=1         keep the temp dir.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=${SKIFF_SRC:-$(cd "$here/../.." && pwd)}
bin=${SKIFF_BIN:-/work/main/build/bin}
runtime=${SKIFF_RUNTIME:-$bin/skiff-runtime}

skip() { echo "SKIP runtime_podman: $*" >&2; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root"
command -v podman >/dev/null || skip "podman is not installed (apt-get install podman)"
if [ ! -x "$runtime" ]; then echo "FAIL runtime_podman: runtime $runtime does not exist or is not executable (make build)" >&2; exit 1; fi
runtime=$(readlink -f "$runtime")

dir=$(mktemp -d /tmp/skiff-e2e-podman.XXXXXX)
img=localhost/skiff-e2e/busybox:latest
# A private containers.conf so the host's /etc/containers settings (network, hooks) don't leak in.
cat >"$dir/containers.conf" <<EOF
[containers]
# podman as root asks for RLIMIT_NOFILE 1048576 and NPROC 4194304; above this sandbox's hard limits without
# CAP_SYS_RESOURCE every runtime fails "setting rlimit type 7/6", so ask for less.
default_ulimits = ["nofile=1024:4096", "nproc=4096:4096"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$dir/events.log"
[network]
network_config_dir = "$dir/net"
EOF
P=(env CONTAINERS_CONF="$dir/containers.conf" podman --root "$dir/storage" --runroot "$dir/run" --tmpdir "$dir/tmp"
   --storage-driver vfs --runtime "$runtime" --cgroup-manager cgroupfs --events-backend file)
p() { "${P[@]}" "$@"; }
# podman (cgroupfs) puts containers and conmon under /libpod_parent; remove it on exit if we made it.
had_libpod_parent=0; [ -d /sys/fs/cgroup/memory/libpod_parent ] && had_libpod_parent=1
cleanup() {
  [ "${KEEP:-0}" = 1 ] && { echo "KEEP=1: left $dir" >&2; return; }
  p rm -af -t 0 >/dev/null 2>&1
  p rmi -af >/dev/null 2>&1
  [ $had_libpod_parent = 0 ] && for c in /sys/fs/cgroup/*/libpod_parent; do [ -d "$c" ] && find "$c" -depth -type d -exec rmdir {} \; 2>/dev/null; done
  grep -o " $dir[^ ]*" /proc/self/mountinfo | sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
  rm -rf --one-file-system "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

. "$src/tests/support/checks.sh"
run() {
  cmd=$(printf '%q ' "$@"); cmd=${cmd% }; cmd=${cmd/#p /podman --runtime $runtime }
  [ "$1" = p ] && { shift; set -- "${P[@]}" "$@"; }
  out=$(timeout -k 5 120 "$@" 2>&1); rc=$?
}

echo "runtime under test: $runtime ($("$runtime" --version 2>&1 | head -1))"
echo "podman: $(podman --version), work dir: $dir"
"$src/tests/support/busybox-rootfs.sh" "$dir/rootfs" || { echo "FAIL: busybox rootfs" >&2; exit 1; }
tar -C "$dir/rootfs" -cf "$dir/busybox.tar" . && rm -rf "$dir/rootfs"
check "import busybox" '[ $rc = 0 ]' p import -c 'CMD ["/bin/sh"]' "$dir/busybox.tar" "$img"
check "runtime in use" '[[ $out == *"$runtime"* ]]' p info --format '{{.Host.OCIRuntime.Path}}'

R=(--network none)
check "run echo" '[ $rc = 0 ] && [ "$out" = hi ]' p run --rm "${R[@]}" "$img" echo hi
check "exit code propagates" '[ $rc = 3 ]' p run --rm "${R[@]}" "$img" sh -c 'exit 3'
check "user/workdir/env" '[ "$out" = "65534 /tmp bar" ]' p run --rm "${R[@]}" -u 65534 -w /tmp -e FOO=bar "$img" sh -c 'echo $(id -u) $(pwd) $FOO'
check "stdin (-i)" '[ "$out" = piped-in ]' sh -c "echo piped-in | $(printf '%q ' "${P[@]}") run --rm -i ${R[*]} $img cat"
check "--memory 64m" '[ "$out" = 67108864 ]' p run --rm "${R[@]}" --memory 64m "$img" cat /sys/fs/cgroup/memory/memory.limit_in_bytes
check "--cap-drop ALL" '[[ $out == *"CapEff:	0000000000000000"* && $out == *"CapBnd:	0000000000000000"* ]]' \
  p run --rm "${R[@]}" --cap-drop ALL "$img" grep Cap /proc/self/status
it_cmd="$(printf '%q ' "${P[@]}") run --rm -it ${R[*]} $img sh"
run bash -c "{ sleep 2; printf 'echo tty-\$((6*7)); tty; exit 4\n'; sleep 2; } | script -qec '$it_cmd' /dev/null"
cmd="script -qec 'podman run --rm -it ${R[*]} $img sh' (typed: echo tty-\$((6*7)); tty; exit 4)"
if [ $rc = 4 ] && [[ $out == *tty-42* && $out == *"/dev/pts/"* ]]; then pass "-it shell: $cmd"; else fail "-it shell: $cmd" "exit 4, tty-42, /dev/pts/N"; fi

check "run -d" '[ $rc = 0 ]' p run -d --name long "${R[@]}" "$img" sh -c 'trap "exit 42" TERM; while :; do sleep 0.1; done'
check "exec" '[ $rc = 0 ] && [ "$out" = exec-ok ]' p exec long echo exec-ok
check "exec exit code" '[ $rc = 7 ]' p exec long sh -c 'exit 7'
check "exec -u -w" '[ "$out" = "65534 /tmp" ]' p exec -u 65534 -w /tmp long sh -c 'echo $(id -u) $(pwd)'
check "top" '[ $rc = 0 ] && [[ $out == *"sh -c trap"* ]]' p top long
check "pause" '[ $rc = 0 ]' p pause long
check "paused state" '[ "$out" = paused ]' p inspect -f '{{.State.Status}}' long
check "unpause" '[ $rc = 0 ]' p unpause long
check "running after unpause" '[ "$out" = running ]' p inspect -f '{{.State.Status}}' long
check "stop" '[ $rc = 0 ]' p stop -t 10 long
check "stopped, exit 42 from the TERM trap" '[ "$out" = "exited 42" ]' p inspect -f '{{.State.Status}} {{.State.ExitCode}}' long
check "rm" '[ $rc = 0 ]' p rm long
check "run -d (sleep as pid 1)" '[ $rc = 0 ]' p run -d --name stubborn "${R[@]}" "$img" sleep 300
check "stop -t 1 (SIGKILL)" '[ $rc = 0 ]' p stop -t 1 stubborn
check "stopped, exit 137" '[ "$out" = "exited 137" ]' p inspect -f '{{.State.Status}} {{.State.ExitCode}}' stubborn
check "rm" '[ $rc = 0 ]' p rm stubborn

echo
summary runtime_podman || exit 1
exit 0

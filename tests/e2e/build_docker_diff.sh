#!/usr/bin/env bash
# e2e: `skiff build` against the legacy builder of a real dockerd (Debian's docker.io 20.10), over the
# Dockerfile corpus in tests/e2e/build_corpus/ (one directory per case: the tutorials' Dockerfiles of
# ../shared/seeds on busybox, and cases for each part of the Dockerfile language).
#
# Both daemons run privately under one temp dir (tests/support/private-dockerd.sh, private-skiffd.sh), each
# with the same busybox rootfs imported as busybox:latest. Every case is built twice from the same context:
# `DOCKER_BUILDKIT=0 /usr/bin/docker build` on dockerd and `skiff build` on skiffd (cases with a `via-docker`
# file are built a third time on skiffd by /usr/bin/docker's legacy client, which must work there too). For
# each image the script records, through /usr/bin/docker on both daemons:
#   config    Env Cmd Entrypoint WorkingDir User Labels ExposedPorts Volumes Healthcheck StopSignal Shell
#             OnBuild Author (image inspect; maps with sorted keys)
#   layers    the number of RootFS layers
#   history   one line per entry: empty_layer and created_by (from `docker save`; the content hashes of
#             COPY/ADD sources, `file:<sha256>`, are Docker's own tarsum-like digests and are not compared)
#   rebuild   whether a second, cached build gives the same image ID
#   tree      the files of a container created from the image (`docker create` + `docker export`): name,
#             type, mode, uid:gid, size, content digest, link target, hardlink group, and the mtime as a
#             class: `base` (from the busybox import, mtime 0), `ctx` (kept from the build context, whose
#             files are all set to one fixed time) or `new` (made during the build). The files the daemon
#             adds to every container (.dockerenv, /etc/hosts, hostname, resolv.conf, mtab, /dev, /proc,
#             /sys) and the mtimes of directories are left out: the container's init layer rewrites /etc,
#             /dev, /proc, /sys and `/` when the container is created, and a directory's mtime only says
#             whether a RUN or COPY happened to create an entry in it at build time.
# and prints, per case, PASS or FAIL with a diff (`-` dockerd, `+` skiffd). Cases with a `skiff-only` file
# use syntax the legacy builder lacks (heredocs, --chmod): they are built by Skiff only and the image's
# default command must print exactly the content of that file.
#
# A case directory holds: Dockerfile (or the file named by -f in `args`) and its context files; `args`:
# extra build flags (shell words; the build runs in the context directory, so `-f ./Dockerfile-x` works);
# `setup`: bash run in the copied context first (what git does not keep: empty dirs, modes, symlinks,
# archives); `base/`: a context built first and tagged corpus-<case>-base (ONBUILD parents); `via-docker`;
# `skiff-only`. The client's environment has FROM_ENV=from-client-env for `--build-arg FROM_ENV`.
#
# Both daemons build JOBS cases at once (see plan.py below). About 70 s on an idle 2-core machine, up to
# 3 min when it is busy; most of it is dockerd's legacy builder starting a container per RUN.
# Exit: 0 all equal, 1 any difference, 77 skipped (not root, docker.io or python3 missing).
# Env: SKIFF_BIN  dir with skiff, skiffd and skiff-runtime (default /work/main/build/bin)
#      ONLY=re    run only the cases whose name matches the regex
#      JOBS=N     builds at once on each daemon (default 2)
#      KEEP=1     keep the work dir and both daemons (prints where they are)
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=${SKIFF_SRC:-$(cd "$here/../.." && pwd)}
bin=${SKIFF_BIN:-/work/main/build/bin}
corpus=$here/build_corpus
DOCKER=/usr/bin/docker
ONLY=${ONLY:-.}
JOBS=${JOBS:-2}
CTX_TIME=@1262304000   # 2010-01-01: every context file's mtime (the `ctx` class of the trees)
t0=$SECONDS

skip() { echo "SKIP build_docker_diff: $*" >&2; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root"
command -v dockerd >/dev/null && [ -x "$DOCKER" ] || skip "docker.io is not installed (dockerd, $DOCKER)"
command -v python3 >/dev/null || skip "python3 missing (summaries of images and trees)"
for b in skiff skiffd skiff-runtime; do
  [ -x "$bin/$b" ] || { echo "FAIL build_docker_diff: $bin/$b missing (build skiff skiffd skiff-runtime)" >&2; exit 1; }
done

cases=()
for c in "$corpus"/*/; do
  c=$(basename "$c")
  [[ $c =~ $ONLY ]] && cases+=("$c")
done
[ ${#cases[@]} -gt 0 ] || { echo "FAIL build_docker_diff: no case matches ONLY=$ONLY" >&2; exit 1; }

# Short on purpose: unix socket paths under the exec roots must fit in sun_path (108 bytes).
dir=$(mktemp -d /tmp/tbXXX)
D_DIR=$dir/d S_DIR=$dir/s
mkdir -p "$D_DIR" "$S_DIR" "$dir/ctx" "$dir/out"
d_cgparent="skiff-test-build-${dir##*/}"
D_SOCK="unix://$D_DIR/docker.sock" S_SOCK="unix://$S_DIR/skiff.sock"

cleanup() {
  trap - EXIT
  local j; for j in $(jobs -pr); do kill "$j" 2>/dev/null; done
  wait 2>/dev/null
  if [ "${KEEP:-0}" = 1 ]; then
    echo "KEEP=1: work dir $dir; dockerd: DOCKER_HOST=$D_SOCK, skiffd: DOCKER_HOST=$S_SOCK"
    echo "        stop: $src/tests/support/private-skiffd.sh stop $S_DIR; $src/tests/support/private-dockerd.sh stop $D_DIR; rm -rf $dir"
    return
  fi
  if [ -S "$D_DIR/docker.sock" ]; then
    local ids; ids=$(DOCKER_HOST=$D_SOCK timeout 30 "$DOCKER" ps -aq 2>/dev/null)
    # shellcheck disable=SC2086
    [ -n "$ids" ] && DOCKER_HOST=$D_SOCK timeout 60 "$DOCKER" rm -f -v $ids >/dev/null 2>&1
  fi
  "$src/tests/support/private-dockerd.sh" stop "$D_DIR" >/dev/null 2>&1
  SKIFF_BIN=$bin "$src/tests/support/private-skiffd.sh" stop "$S_DIR" >/dev/null 2>&1
  for c in /sys/fs/cgroup/*/"$d_cgparent"; do [ -d "$c" ] && find "$c" -depth -type d -exec rmdir {} \; 2>/dev/null; done
  rm -rf --one-file-system "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

. "$src/tests/support/checks.sh"

# ---------------------------------------------------------------------------------------------------------
# Summaries. `sum.py inspect|history|tree` reads `docker image inspect`, `docker save` or `docker export`
# output on stdin and prints the normalised lines compared between the daemons.
cat > "$dir/sum.py" <<'PY'
import hashlib, json, re, stat, sys, tarfile

CTX_MTIME = int(sys.argv[2])
FIELDS = ["Env", "Cmd", "Entrypoint", "WorkingDir", "User", "Labels", "ExposedPorts", "Volumes",
          "Healthcheck", "StopSignal", "Shell", "OnBuild"]
# Entries every container gets from the daemon, not from the image.
INIT = re.compile(r"^(\.dockerenv|etc/(hosts|hostname|resolv\.conf|mtab)|dev(/.*)?|proc(/.*)?|sys(/.*)?)$")

def j(v):
    return json.dumps(v, sort_keys=True, ensure_ascii=False)

def inspect():
    img = json.load(sys.stdin)[0]
    cfg = img.get("Config") or {}
    for f in FIELDS:
        print(f"config {f}: {j(cfg.get(f))}")
    print(f"config Author: {j(img.get('Author'))}")
    print(f"layers: {len((img.get('RootFS') or {}).get('Layers') or [])}")

def history():
    tf = tarfile.open(fileobj=sys.stdin.buffer, mode="r|")
    files = {}
    for m in tf:
        if m.isfile() and (m.name.endswith("json") or m.size < (1 << 20)):   # manifest, configs (not layers)
            files[m.name.lstrip("./")] = tf.extractfile(m).read()
    manifest = json.loads(files["manifest.json"])[0]
    config = json.loads(files[manifest["Config"].lstrip("./")])
    for h in config.get("history", []):
        cb = re.sub(r"(file|dir|multi):[0-9a-f]{64}", r"\1:<hash>", h.get("created_by", ""))
        extra = f" author={j(h['author'])}" if h.get("author") else ""
        print(f"history empty_layer={str(bool(h.get('empty_layer'))).lower()}{extra} {cb}")

def tree():
    tf = tarfile.open(fileobj=sys.stdin.buffer, mode="r|")
    rows, groups = {}, {}
    for m in tf:
        name = m.name
        while name.startswith("./"):
            name = name[2:]
        name = name.strip("/")
        if not name or INIT.match(name):
            continue
        kind = {tarfile.REGTYPE: "f", tarfile.AREGTYPE: "f", tarfile.DIRTYPE: "d", tarfile.SYMTYPE: "l",
                tarfile.LNKTYPE: "h", tarfile.FIFOTYPE: "p", tarfile.CHRTYPE: "c", tarfile.BLKTYPE: "b"}.get(m.type, "?")
        mt = "base" if m.mtime == 0 else "ctx" if m.mtime == CTX_MTIME else "new"
        row = {"kind": kind, "mode": "%04o" % stat.S_IMODE(m.mode), "own": f"{m.uid}:{m.gid}", "mt": mt}
        if kind == "f":
            data = tf.extractfile(m).read()
            row["size"] = str(len(data))
            row["sum"] = hashlib.sha256(data).hexdigest()[:12]
            try:   # small text files are shown, so that a diff says what differs
                text = data.decode()
                if len(data) <= 512 and all(c.isprintable() or c in "\n\t" for c in text):
                    row["text"] = j(text)
            except UnicodeDecodeError:
                pass
        elif kind == "l":
            row["target"] = m.linkname
        elif kind == "h":
            target = m.linkname
            while target.startswith("./"):
                target = target[2:]
            target = target.strip("/")
            root = groups.get(target, target)
            groups[name] = root
            groups.setdefault(target, root)
        if kind == "d":
            del row["mt"]   # see the script's header
        rows[name] = row
    # A hardlink group is named by its first member in name order, whichever the archive wrote first.
    members = {}
    for n, root in groups.items():
        members.setdefault(root, []).append(n)
    canon = {}
    for root, ns in members.items():
        first = min(ns)
        for n in ns:
            canon[n] = first
    # One line with the data for the group's first member, one short line for each other member.
    for root, ns in members.items():
        data_row = rows.get(root)
        for n in ns:
            if n not in rows or data_row is None:
                continue
            if n == canon[n]:
                r = dict(data_row)
                r["kind"], r["mode"], r["own"] = "f", rows[n]["mode"], rows[n]["own"]
                r["links"] = str(len(ns))
                rows[n] = r
            else:
                rows[n] = {"line": f"= {n} -> {canon[n]}"}
    for n in sorted(rows):
        r = rows[n]
        if "line" in r:
            print(r["line"])
            continue
        extra = " ".join(f"{k}={r[k]}" for k in ("size", "sum", "target", "links", "mt", "text") if k in r)
        print(f"{r['kind']} {r['mode']} {r['own']} {n} {extra}".rstrip())

{"inspect": inspect, "history": history, "tree": tree}[sys.argv[1]]()
PY

# ---------------------------------------------------------------------------------------------------------
# Contexts: each case's directory copied without its meta files, `setup` run, every mtime set to CTX_TIME.
prep_ctx() {  # prep_ctx SRC_DIR DEST_DIR
  cp -a "$1" "$2"
  rm -rf "$2/args" "$2/setup" "$2/skiff-only" "$2/via-docker" "$2/base"
  if [ -f "$1/setup" ]; then (cd "$2" && bash -e "$1/setup") || return 1; fi
  find "$2" -exec touch -h -d "$CTX_TIME" {} +
}

# build SIDE TAG CTX ARGSFILE LOG: one build; exit status of the build command.
build() {
  local side=$1 tag=$2 ctx=$3 argsf=$4 log=$5 args=()
  [ -f "$argsf" ] && eval "args=($(cat "$argsf"))"
  (
    cd "$ctx" || exit 1
    export FROM_ENV=from-client-env
    case $side in
      d) DOCKER_BUILDKIT=0 DOCKER_HOST=$D_SOCK timeout -k 5 120 "$DOCKER" build -t "$tag" "${args[@]}" . ;;
      s) timeout -k 5 120 "$bin/skiff" -H "$S_SOCK" build -t "$tag" "${args[@]}" . ;;
      c) DOCKER_BUILDKIT=0 DOCKER_HOST=$S_SOCK timeout -k 5 120 "$DOCKER" build -t "$tag" "${args[@]}" . ;;
    esac
  ) </dev/null >"$log" 2>&1
}

# record SIDE CASE TAG CTX ARGSFILE: builds, rebuilds and summarises one image into $dir/out/SIDE/CASE.
record() {
  local side=$1 name=$2 tag=$3 ctx=$4 argsf=$5 o=$dir/out/$1/$2 host=$D_SOCK id id2 cid
  [ "$side" = d ] || host=$S_SOCK
  mkdir -p "$(dirname "$o")"
  if ! build "$side" "$tag" "$ctx" "$argsf" "$o.log"; then
    echo "build failed (log: $(tail -3 "$o.log" | tr '\n' ' '))" > "$o.sum"; return
  fi
  local dk=(env "DOCKER_HOST=$host" timeout -k 5 60 "$DOCKER")
  id=$("${dk[@]}" image inspect -f '{{.Id}}' "$tag" 2>/dev/null)
  {
    "${dk[@]}" image inspect "$tag" | python3 "$dir/sum.py" inspect "${CTX_TIME#@}" || echo "inspect failed"
    "${dk[@]}" save "$tag" | python3 "$dir/sum.py" history "${CTX_TIME#@}" || echo "save failed"
    if build "$side" "$tag" "$ctx" "$argsf" "$o.rebuild.log"; then
      id2=$("${dk[@]}" image inspect -f '{{.Id}}' "$tag" 2>/dev/null)
      [ "$id" = "$id2" ] && echo "rebuild: same image ID" || echo "rebuild: a new image ID"
    else
      echo "rebuild failed"
    fi
    if cid=$("${dk[@]}" create --network none "$tag" true 2>"$o.create.err"); then
      "${dk[@]}" export "$cid" | python3 "$dir/sum.py" tree "${CTX_TIME#@}" || echo "export failed"
      "${dk[@]}" rm -v "$cid" >/dev/null 2>&1
    else
      echo "create failed: $(cat "$o.create.err")"
    fi
  } > "$o.sum" 2>"$o.err"
}

# Workers. Two builds that run at once and share a step (same parent, same instruction) both make an
# image for it, and a later build may take either as its cache (dockerd does, by chance): the rebuild
# check would then see a new image ID. So cases whose stages begin with the same first instruction after
# the same FROM go to the same worker (a step shared deeper down needs a shared first step), and the
# workers are balanced by case count. plan.py CORPUS CASES... prints "WORKER CASE" lines.
cat > "$dir/plan.py" <<'PY'
import os, re, shlex, sys
corpus, cases, jobs = sys.argv[1], sys.argv[3:], int(sys.argv[2])
parent = {c: c for c in cases}
def find(c):
    while parent[c] != c:
        parent[c] = parent[parent[c]]
        c = parent[c]
    return c
owner = {}
for c in cases:
    d = os.path.join(corpus, c)
    args = shlex.split(open(os.path.join(d, "args")).read()) if os.path.exists(os.path.join(d, "args")) else []
    name = args[args.index("-f") + 1] if "-f" in args else "Dockerfile"
    files = [os.path.join(d, name)] + ([os.path.join(d, "base", "Dockerfile")] if os.path.isdir(os.path.join(d, "base")) else [])
    for f in files:
        lines = [re.sub(r"\s+", " ", l.strip()).lower() for l in open(f, encoding="utf-8")]
        lines = [l for l in lines if l and not l.startswith("#")]
        for i, l in enumerate(lines):
            if l.startswith("from ") and i + 1 < len(lines) and not lines[i + 1].startswith("from "):
                key = (l.split(" as ")[0], lines[i + 1])
                if key in owner:
                    parent[find(c)] = find(owner[key])
                else:
                    owner[key] = c
groups = {}
for c in cases:
    groups.setdefault(find(c), []).append(c)
load, where = [0] * jobs, {}
for g in sorted(groups.values(), key=len, reverse=True):
    w = load.index(min(load))
    load[w] += len(g)
    for c in g:
        where[c] = w
for c in cases:
    print(where[c], c)
PY
python3 "$dir/plan.py" "$corpus" "$JOBS" "${cases[@]}" > "$dir/plan" || { echo "FAIL build_docker_diff: plan" >&2; exit 1; }

# run_side SIDE W: the cases of one side that plan.py gave worker W, in order (a case's base image first).
run_side() {
  local side=$1 w=$2 c
  for c in $(awk -v w="$w" '$1 == w {print $2}' "$dir/plan"); do
    if [ -f "$corpus/$c/skiff-only" ]; then
      [ "$side" = s ] || continue
      local o=$dir/out/s/$c; mkdir -p "$dir/out/s"
      if build s "corpus-$c" "$dir/ctx/$c" "$corpus/$c/args" "$o.log"; then
        timeout -k 5 60 "$bin/skiff" -H "$S_SOCK" run --rm --network none "corpus-$c" > "$o.run" 2>&1; echo $? > "$o.runrc"
      else
        echo "build failed" > "$o.run"; echo 1 > "$o.runrc"
      fi
      continue
    fi
    [ "$side" = c ] && [ ! -f "$corpus/$c/via-docker" ] && continue
    if [ -d "$corpus/$c/base" ] && [ "$side" != c ]; then
      record "$side" "$c.base" "corpus-$c-base" "$dir/ctx/$c.base" "$corpus/$c/base/args"
    fi
    local tag=corpus-$c; [ "$side" = c ] && tag=corpus-$c-dc
    record "$side" "$c" "$tag" "$dir/ctx/$c" "$corpus/$c/args"
  done
}

echo "work dir: $dir; ${#cases[@]} cases"
"$src/tests/support/private-dockerd.sh" start "$D_DIR" --cgroup-parent "/$d_cgparent" >/dev/null & dpid=$!
SKIFF_BIN=$bin "$src/tests/support/private-skiffd.sh" start "$S_DIR" & spid=$!
"$src/tests/support/busybox-rootfs.sh" "$dir/rootfs" || { echo "FAIL: busybox rootfs" >&2; exit 1; }
tar -C "$dir/rootfs" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf "$dir/busybox.tar" .
rm -rf "$dir/rootfs"
for c in "${cases[@]}"; do
  prep_ctx "$corpus/$c" "$dir/ctx/$c" || { echo "FAIL build_docker_diff: setup of $c" >&2; exit 1; }
  if [ -d "$corpus/$c/base" ]; then prep_ctx "$corpus/$c/base" "$dir/ctx/$c.base" || exit 1; fi
done
wait $dpid; drc=$?
wait $spid; src_rc=$?
[ $drc = 77 ] && skip "docker.io is not installed"
[ $drc = 0 ] || { echo "FAIL build_docker_diff: private dockerd did not start" >&2; exit 1; }
[ $src_rc = 0 ] || { echo "FAIL build_docker_diff: private skiffd did not start:" >&2; tail -20 "$S_DIR/skiffd.log" >&2; exit 1; }
for sock in "$D_SOCK" "$S_SOCK"; do
  DOCKER_HOST=$sock "$DOCKER" import -c 'CMD ["sh"]' "$dir/busybox.tar" busybox:latest >/dev/null ||
    { echo "FAIL: busybox import into $sock" >&2; exit 1; }
done
echo "dockerd $(DOCKER_HOST=$D_SOCK "$DOCKER" version -f '{{.Server.Version}}'), skiffd $(DOCKER_HOST=$S_SOCK "$DOCKER" version -f '{{.Server.Version}}'); daemons up after $((SECONDS - t0)) s"

# dockerd's side and skiffd's side (skiff CLI, then the docker client) run at the same time, JOBS workers each.
for w in $(seq 0 $((JOBS - 1))); do
  run_side d "$w" &
  ( run_side s "$w"; run_side c "$w" ) &
done
wait
echo "built after $((SECONDS - t0)) s"

# ---------------------------------------------------------------------------------------------------------
# Comparison.
compare() {  # compare NAME SIDE LABEL
  local a=$dir/out/d/$1.sum b=$dir/out/$2/$1.sum d
  [ -f "$b" ] || echo "not built" > "$b"
  if grep -q '^build failed' "$a"; then
    out=$(cat "$a" "$dir/out/d/$1.log" | tail -8); rc=-; fail "$1$3" "dockerd builds the case (a corpus error)"; return
  fi
  if cmp -s "$a" "$b"; then pass "$1$3"; return; fi
  if grep -q '^build failed' "$b"; then out=$(cat "$b" "$dir/out/$2/$1.log" | tail -8); rc=-; fail "$1$3" "skiffd builds it"; return; fi
  d=$(diff -U 0 --label "dockerd $1" --label "skiffd $1$3" "$a" "$b" | grep -v '^@@')
  out=""; rc=-; fail "$1$3" "the same image on both daemons"
  printf '%s\n' "$d" | head -80 | sed 's/^/      | /'
  local nd; nd=$(wc -l <<<"$d")
  if [ "$nd" -gt 80 ]; then echo "      | ... ($((nd - 80)) more lines)"; fi
}
for c in "${cases[@]}"; do
  if [ -f "$corpus/$c/skiff-only" ]; then
    o=$dir/out/s/$c
    out=$(diff --label expected --label "skiff run corpus-$c" "$corpus/$c/skiff-only" "$o.run")
    if [ "$(cat "$o.runrc")" = 0 ] && [ -z "$out" ]; then pass "$c (skiff only: built and run)"
    else rc=$(cat "$o.runrc"); out="$out"$'\n'"$(tail -5 "$o.log")"; fail "$c (skiff only)" "its image prints $c/skiff-only"; fi
    continue
  fi
  [ -d "$corpus/$c/base" ] && compare "$c.base" s ""
  compare "$c" s ""
  [ -f "$corpus/$c/via-docker" ] && compare "$c" c " (docker client on skiffd)"
done
runtime="$((SECONDS - t0)) s"
summary build_docker_diff

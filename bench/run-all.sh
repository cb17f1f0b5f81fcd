#!/usr/bin/env bash
# `make bench`: every benchmark, Skiff beside the real tools on this machine. Each prints its own ratios.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
rc=0
for b in "$here/runtime/run.sh" "$here/image/save_load.sh" "$here/daemon/run.sh" "$here/build/run.sh" "$here/registry/run.sh"; do
  [ -x "$b" ] || [ -f "$b" ] || continue
  echo "== $b"
  bash "$b" || rc=1
done
exit $rc

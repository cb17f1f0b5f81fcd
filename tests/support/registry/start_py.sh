# start_py.sh (sourced by the registry e2e scripts): start_py NAME SCRIPT ARGS... starts the python server
# tests/support/registry/SCRIPT with --port-file $WORK/NAME.addr, its output in $WORK/NAME.out, and adds
# its pid to the caller's `pids` array (the caller stops them). Returns once the address is written (5 s
# at most). Needs $SUP (tests/support) and $WORK.
start_py() {
  local name=$1 script=$2; shift 2
  python3 "$SUP/registry/$script" --port-file "$WORK/$name.addr" "$@" >>"$WORK/$name.out" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 50); do [ -s "$WORK/$name.addr" ] && return 0; sleep 0.1; done
  echo "$(basename "$0" .sh): $script did not start:" >&2; cat "$WORK/$name.out" >&2; return 1
}

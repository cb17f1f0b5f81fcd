# checks.sh: PASS/FAIL bookkeeping for the e2e scripts (sourced). The script defines run(), which sets
# $out (combined output), $rc (exit status) and $cmd (the command as shown); check() runs and judges it.
# Scripts that drive the docker client can define run() as docker_run.
npass=0 nfail=0 failed=()
pass() { npass=$((npass + 1)); echo "PASS  $1"; }
fail() {
  nfail=$((nfail + 1)); failed+=("$1"); echo "FAIL  $1"
  echo "      expected: $2"
  [ -n "${out-}" ] && printf '%s\n' "$out" | head -30 | sed 's/^/      | /'
  echo "      (exit $rc)"
}
# check DESC EXPECTATION(bash condition over $out/$rc) CMD...
check() {
  local desc=$1 cond=$2; shift 2
  run "$@"
  if eval "$cond"; then pass "$desc: $cmd"; else fail "$desc: $cmd" "$cond"; fi
}
# ok DESC CONDITION [DETAIL]: a check on values the script computed itself; on failure `out` shows DETAIL.
ok() { if eval "$2"; then pass "$1"; else out=${3-}; rc=-; fail "$1" "$2"; fi; }
# docker_run CMD...: a run() where a leading `d` means $DOCKER against $sock (and shows as `docker`);
# each command is bounded by ${RUN_TIMEOUT:-120} seconds.
docker_run() {
  cmd=$(printf '%q ' "$@"); cmd=${cmd% }; cmd=${cmd/#d /docker }
  [ "$1" = d ] && { shift; set -- env "DOCKER_HOST=$sock" "$DOCKER" "$@"; }
  out=$(timeout -k 5 "${RUN_TIMEOUT:-120}" "$@" 2>&1); rc=$?
}
# summary NAME: the closing "N passed, N failed" line; returns 1 if anything failed.
summary() {
  echo "$1: $npass passed, $nfail failed (runtime $runtime)"
  if [ $nfail -gt 0 ]; then printf '  failed: %s\n' "${failed[@]}"; return 1; fi
  return 0
}

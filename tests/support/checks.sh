# checks.sh: PASS/FAIL bookkeeping for the e2e scripts (sourced). The script defines run(), which sets
# $out (combined output), $rc (exit status) and $cmd (the command as shown); check() runs and judges it.
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
# summary NAME: the closing "N passed, N failed" line; returns 1 if anything failed.
summary() {
  echo "$1: $npass passed, $nfail failed (runtime $runtime)"
  if [ $nfail -gt 0 ]; then printf '  failed: %s\n' "${failed[@]}"; return 1; fi
  return 0
}

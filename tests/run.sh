#!/usr/bin/env bash
# Runs every unit-test binary and every end-to-end script; each prints one
# "PASS name" or "FAIL name" line per case.  Ends with "N passed, N failed".
set -u
BUILD=${BUILD:-build}
export BUILD TIDE="$PWD/$BUILD/tide" GEN="$PWD/$BUILD/gen"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	if ! "$t" >>"$log" 2>"$log.err"; then
		grep -q "^FAIL" "$log" || echo "FAIL $name (exit status)" >>"$log"
	fi
	sed "s/^/  $name: /" "$log.err" >&2; rm -f "$log.err"
done
for s in tests/e2e/*.sh tests/ref/*.sh; do
	[ -f "$s" ] || continue
	bash "$s" >>"$log" 2> >(sed "s|^|  $(basename "$s"): |" >&2) || \
		echo "FAIL $(basename "$s") (exit status)" >>"$log"
done
grep -E '^(PASS|FAIL)' "$log" | grep '^FAIL' || true
passed=$(grep -c '^PASS' "$log")
failed=$(grep -c '^FAIL' "$log")
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

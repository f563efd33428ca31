# Shared by the end-to-end scripts: each case prints "PASS name" or
# "FAIL name: why" for tests/run.sh to count.
set -u
TIDE=${TIDE:-$PWD/build/tide}
GEN=${GEN:-$PWD/build/gen}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; }

# expect_eq NAME GOT WANT
expect_eq() {
	if [ "$2" == "$3" ]; then pass "$1"; else fail "$1" "got [$2], want [$3]"; fi
}

# expect_status NAME WANT CMD... — runs CMD, compares its exit status
expect_status() {
	local name=$1 want=$2; shift 2
	"$@" >"$TMP/out" 2>"$TMP/err"
	local got=$?
	if [ "$got" -eq "$want" ]; then pass "$name"; else
		fail "$name" "exit $got, want $want; stderr: $(head -c 300 "$TMP/err")"; fi
}

# expect_contains NAME FILE TEXT
expect_contains() {
	if grep -qF -- "$3" "$2"; then pass "$1"; else
		fail "$1" "'$3' not in: $(head -c 300 "$2")"; fi
}

# count of events of a kind in a store, from stats --format json
count_of() {
	"$TIDE" stats "$1" --format json | sed -E "s/.*\"$2\":([0-9]+).*/\1/"
}

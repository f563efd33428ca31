#!/usr/bin/env bash
# A scan's resident memory grows with its groups, not with the history it
# reads: the pages of the log it has read are let go as it goes (they stay
# in the page cache).  Peak RSS of a query over all of a 2M-order history
# with a few groups, against the same process reading almost nothing.
. "$(dirname "$0")/lib.sh"

if ldd "$TIDE" | grep -q asan; then
	pass "memory_skipped_under_asan"	# its shadow memory and quarantine swamp the measure
	exit 0
fi

"$GEN" --seed 5 --orders 2000000 --out "$TMP/g" >/dev/null 2>&1
"$TIDE" ingest "$TMP/db" orders "$TMP/g/orders.csv" >/dev/null

# peak_kib QUERY — the peak resident set of `tide query` running it, in KiB
peak_kib() {
	python3 -c 'import resource, subprocess, sys
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=True)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' "$TIDE" query "$TMP/db" "$1"
}
base=$(peak_kib "SELECT count(*) AS n FROM orders WINDOW 1d")
scan=$(peak_kib "SELECT year, revenue() AS r FROM orders GROUP BY year")
store_kib=$(du -k "$TMP/db/data.mdb" | cut -f1)
grown=$((scan - base))
# the log alone is over half the store: reading it all maps that much
if [ "$grown" -lt $((store_kib / 4)) ]; then
	pass "scan_memory_is_not_the_history"
else
	fail "scan_memory_is_not_the_history" "a scan of all history grew the RSS by $grown KiB (store $store_kib KiB)"
fi

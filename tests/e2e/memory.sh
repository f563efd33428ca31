#!/usr/bin/env bash
# A scan's resident memory grows with its groups, not with the history it
# reads: the pages of the log it has read are let go as it goes (they stay
# in the page cache), and so are the pages customer names are read from.
# Peak RSS of queries over all of a 2M-order history, against the same
# process reading almost nothing.
. "$(dirname "$0")/lib.sh"

if ldd "$TIDE" | grep -q asan; then
	pass "memory_skipped_under_asan"	# its shadow memory and quarantine swamp the measure
	exit 0
fi

"$GEN" --seed 5 --orders 2000000 --out "$TMP/g" >/dev/null 2>&1
# The ingest writes every page through its map, and hands the pages back
# when its resident set passes a budget with them (3 GiB; 16 MiB here, for
# a store of ~400 MB): they stay in the page cache, and the file-backed part
# of its resident set, sampled while it runs, stays well below the store it
# writes.  Holding on to them, it would climb to the store's size.
TIDE_RESIDENT_BUDGET=16777216 "$TIDE" ingest "$TMP/db" orders "$TMP/g/orders.csv" >/dev/null &
ingest=$!
while kill -0 "$ingest" 2>/dev/null; do
	awk '/^RssFile/ { print $2 }' "/proc/$ingest/status" 2>/dev/null
	sleep 0.05
done >"$TMP/rss_file"
wait "$ingest" || fail ingest_for_memory "the ingest failed"
store_kib=$(du -k "$TMP/db/data.mdb" | cut -f1)
median_file_kib=$(sort -n "$TMP/rss_file" | awk '{ v[NR] = $1 } END { print NR ? v[int((NR + 1) / 2)] : 0 }')
if [ "$(wc -l <"$TMP/rss_file")" -ge 5 ] && [ "$median_file_kib" -lt $((store_kib / 8)) ]; then
	pass ingest_lets_go_of_written_pages
else
	fail ingest_lets_go_of_written_pages "median file-backed RSS $median_file_kib KiB of $(wc -l <"$TMP/rss_file") samples; store $store_kib KiB"
fi

# peak_kib QUERY — the peak resident set of `tide query` running it, in KiB
peak_kib() {
	python3 -c 'import resource, subprocess, sys
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=True)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' "$TIDE" query "$TMP/db" "$1"
}
base=$(peak_kib "SELECT count(*) AS n FROM orders WINDOW 1d")
# expect_bounded NAME PARTS QUERY — the query grows the RSS by less than
# 1/PARTS of the store
expect_bounded() {
	local grown=$(($(peak_kib "$3") - base))
	if [ "$grown" -lt $((store_kib / $2)) ]; then pass "$1"; else
		fail "$1" "it grew the RSS by $grown KiB (store $store_kib KiB)"; fi
}
# The log alone is over half the store: reading it all maps that much.
expect_bounded scan_memory_is_not_the_history 4 "SELECT year, revenue() AS r FROM orders GROUP BY year"
# Every customer named: a group and a row each (~70 MB here, on two threads),
# but not the pages the names were read from (another ~40 MB).
expect_bounded naming_memory_is_not_the_store 2 \
	"SELECT customer, revenue() AS r FROM orders GROUP BY customer ORDER BY customer"

#!/usr/bin/env bash
# bench/demo.sh BUILD_DIR — what `make demo` shows a new user: a generated
# sample of 20k orders (cached in BUILD_DIR/demo-data), ingested into a fresh
# BUILD_DIR/demo.db, its stats, then each example query of the language
# (bench/queries/, the examples of language.md) with a caption before it.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
BUILD=${1:-build}
TIDE=$BUILD/tide
GEN=$BUILD/gen
DATA=$BUILD/demo-data
DB=$BUILD/demo.db
MAX_LINES=30	# longer results are cut to their first 22 lines and the last, with a note

for b in "$TIDE" "$GEN"; do
	[ -x "$b" ] || { echo "demo: $b is missing; run make first" >&2; exit 1; }
done
if [ -t 1 ]; then B=$'\e[1m' D=$'\e[2m' R=$'\e[0m'; else B= D= R=; fi

if [ -s "$DATA/orders.csv" ] && [ -s "$DATA/contacts.csv" ] && [ "$DATA/contacts.csv" -nt "$GEN" ]; then
	echo "${D}sample: reusing $DATA${R}"
else
	echo "${D}sample: generating 20k orders into $DATA${R}"
	rm -rf "$DATA"
	"$GEN" --seed 1 --orders 20k --out "$DATA"
fi

rm -rf "$DB"
echo
echo "${B}\$ $TIDE ingest $DB orders $DATA/orders.csv${R}"
"$TIDE" ingest "$DB" orders "$DATA/orders.csv"
echo "${B}\$ $TIDE ingest $DB contacts $DATA/contacts.csv${R}"
"$TIDE" ingest "$DB" contacts "$DATA/contacts.csv"
echo
echo "${B}\$ $TIDE stats $DB${R}"
"$TIDE" stats "$DB"

# The examples, in language.md's order, from the benchmark's manifest.
while IFS=$'\t' read -r name group _ _ caption; do
	[[ $name == \#* || $group != example ]] && continue
	query=$(grep -v '^--' "bench/queries/$name.tql")
	echo
	echo "${B}── ${caption}${R}"
	sed "s/^/${D}    /; s/\$/${R}/" <<<"$query"
	out=$("$TIDE" query "$DB" --format text "$query") || { echo "demo: the query failed" >&2; exit 1; }
	lines=$(wc -l <<<"$out")
	if [ "$lines" -gt "$MAX_LINES" ]; then
		head -n 22 <<<"$out"
		echo "${D}…${R}"
		tail -n 1 <<<"$out"
	else
		printf '%s\n' "$out"
	fi
done <bench/queries/manifest.tsv

cat <<EOF

${B}Next${R}: ask your own questions of the sample, e.g.
  $TIDE query $DB --format text "SELECT customer, revenue() AS revenue, rfm_r() AS r, rfm_f() AS f, rfm_m() AS m
      FROM orders WINDOW 12mo GROUP BY customer ORDER BY revenue DESC LIMIT 10"
  $TIDE query $DB --format text "EXPLAIN SELECT month, revenue() FROM orders WINDOW 6mo GROUP BY month"
or serve them to a dashboard over HTTP (Ctrl-C stops it):
  $TIDE serve $DB --port 8080 &
  curl -G --data-urlencode "q=SELECT revenue() AS r, orders() AS n FROM orders WINDOW 30d" http://127.0.0.1:8080/query
$(for d in docs/language.md docs/metrics.md; do [ -e "$d" ] && echo "Read more: $d"; done)
Against DuckDB and SQLite on 1 million orders: make bench SIZE=1m (results in docs/bench.md).
EOF

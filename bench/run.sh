#!/usr/bin/env bash
# bench/run.sh SIZE — tide against DuckDB and SQLite on one generated history
# (issue 4).  `make bench SIZE=1m|10m|100m`; 10k and 100k make quick runs.
#
# In one run, on the same data (bench/data/SIZE, generated once by build/gen
# and reused), for each engine:
#   (a) bulk ingest of the orders and the contacts into a fresh store: one
#       untimed load each, then INGEST_RUNS timed rounds;
#   (b) every query of bench/queries/manifest.tsv (language.md's six examples,
#       a point query, a narrow window, two dashboard tiles, a growth probe):
#       one warm-up run whose result is kept, then RUNS timed runs;
#   (c) a dashboard loop: the manifest's 10 dashboard queries, ROUNDS rounds
#       (tide: through `tide serve` over HTTP, bench/http.mjs);
#   (d) ingest of a further 1% of orders while a reader repeats the narrow
#       window query.
# Then the results of (b), and two queries after (d), are compared row by row
# across the engines (bench/compare.mjs; a mismatch fails the run), and
# bench/report.mjs writes bench/results/SIZE.csv and regenerates docs/bench.md
# (and docs/bench-growth.png when more than one size has results).
#
# Environment: ENGINES (default "tide duckdb sqlite"), RUNS (5), ROUNDS (20),
# INGEST_RUNS (3), BUILD (build), SEED (1), and time
# budgets for the large sizes: QUERY_BUDGET (60 s: no more timed runs of a query
# once two or more took that long together) and DASH_BUDGET (120 s: no more
# dashboard rounds once three or more took that long).
# Exit status: 0 when every engine ran everything and all results agree.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$ROOT/bench
SIZE=${1:-1m}
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
ENGINES=${ENGINES:-tide duckdb sqlite}
RUNS=${RUNS:-5}
ROUNDS=${ROUNDS:-20}
SEED=${SEED:-1}
export QUERY_BUDGET=${QUERY_BUDGET:-60} DASH_BUDGET=${DASH_BUDGET:-120}

case $SIZE in
[0-9]*k) N=$(( ${SIZE%k} * 1000 )) ;;
[0-9]*m) N=$(( ${SIZE%m} * 1000000 )) ;;
[0-9]*) N=$SIZE ;;
*) echo "usage: bench/run.sh SIZE   (SIZE: 10k 100k 1m 10m 100m, or a number of orders)" >&2; exit 2 ;;
esac
[[ $SIZE =~ ^[0-9]+[km]?$ && $N -ge 1000 ]] || { echo "run.sh: SIZE must be >= 1000 orders" >&2; exit 2; }
INGEST_RUNS=${INGEST_RUNS:-3}

DATA=$BENCH/data/$SIZE
WORK=$BENCH/work/$SIZE
RAW=$WORK/raw.tsv
META=$WORK/meta.env
TIMEIT=$BENCH/work/bin/timeit
GEN=$BUILD/gen
TIDE=$BUILD/tide
FAILED=()

say() { printf '\n== %s\n' "$*"; }
note() { printf '%s\n' "$*"; }
fail() { FAILED+=("$*"); printf 'FAILED: %s\n' "$*" >&2; }
has() { [[ " $ENGINES " == *" $1 "* ]]; }
drop() { local x out=; for x in $ENGINES; do [ "$x" = "$1" ] || out+="$x "; done; ENGINES=${out% }; }

# ---------------------------------------------------------------- prerequisites

apt_install() {	# package ...
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		note "installing: $*"
		apt-get update -qq
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
	else
		echo "run.sh: missing $*; run: sudo apt-get install $*" >&2
		exit 1
	fi
}

prereqs() {
	local missing=() need=(node:nodejs npm:npm cc:gcc gnuplot:gnuplot-nox)
	has sqlite && need+=(sqlite3:sqlite3)
	for p in "${need[@]}"; do command -v "${p%%:*}" >/dev/null || missing+=("${p#*:}"); done
	[ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
	if has duckdb && [ ! -d "$BENCH/node_modules/@duckdb/node-api" ]; then
		note "installing @duckdb/node-api under bench/"
		# Not `npm ci`: npm 11 calls the lock out of sync when the registry
		# serves only this platform's optional bindings (as here), while
		# install still takes the lock's versions and checksums.
		(cd "$BENCH" && npm install --no-save --no-audit --no-fund --loglevel=error)
	fi
	if [ ! -x "$TIMEIT" ] || [ "$BENCH/timeit.c" -nt "$TIMEIT" ]; then
		mkdir -p "$(dirname "$TIMEIT")"
		cc -std=c11 -O2 -Wall -Wextra -o "$TIMEIT" "$BENCH/timeit.c"
	fi
	if [ ! -x "$GEN" ]; then
		make -C "$ROOT" --no-print-directory BUILD="$BUILD" "$GEN"
	fi
	if has tide && [ ! -x "$TIDE" ]; then
		make -C "$ROOT" --no-print-directory BUILD="$BUILD" "$TIDE" ||
			{ fail "tide: $TIDE does not build"; drop tide; }
	fi
}

# ---------------------------------------------------------------- data

# SIZE orders plus 1% more from one generator run: the first N order rows are
# the history, the rest (the newest, with new ids) the batch of step (d); the
# contacts up to the last history order go with the history.
make_data() {
	local gen_sum
	gen_sum=$(sha256sum <"$ROOT/bench/gen.c" | cut -c1-16)
	if [ -s "$DATA/meta.env" ] && grep -qx "gen_sum=$gen_sum" "$DATA/meta.env"; then
		note "data: reusing $DATA"
		return
	fi
	local extra=$(( N / 100 > 0 ? N / 100 : 1 )) raw=$DATA/raw
	rm -rf "$DATA"
	mkdir -p "$DATA"
	note "data: generating $N + $extra orders into $DATA"
	"$GEN" --seed "$SEED" --orders $(( N + extra )) --out "$raw"
	head -n $(( N + 1 )) "$raw/orders.csv" >"$DATA/orders.csv"
	{ head -n 1 "$raw/orders.csv"; tail -n +$(( N + 2 )) "$raw/orders.csv"; } >"$DATA/extra_orders.csv"
	local last cutoff customer contacts ev7
	last=$(tail -n 1 "$DATA/orders.csv" | cut -d, -f2)
	awk -F, -v cut="$last" 'NR == 1 || $2 <= cut' "$raw/contacts.csv" >"$DATA/contacts.csv"
	rm -rf "$raw"
	# T = the first second after the newest event (the contacts end no later).
	cutoff=$(date -u -d "@$(( $(date -u -d "$last" +%s) + 1 - 7 * 86400 ))" +%Y-%m-%dT%H:%M:%SZ)
	ev7=$( (tac "$DATA/orders.csv" || true) | awk -F, -v c="$cutoff" '$2 < c || NR > 1 && $1 == "id" { exit } { n++ } END { print n + 0 }')
	customer=$(sed -n "$(( N / 2 + 1 ))p" "$DATA/orders.csv" | cut -d, -f3)
	contacts=$(( $(wc -l <"$DATA/contacts.csv") - 1 ))
	cat >"$DATA/meta.env" <<-EOF
	orders=$N
	contacts=$contacts
	extra_orders=$extra
	last_ts=$last
	events_7d=$ev7
	point_customer=$customer
	seed=$SEED
	gen_sum=$gen_sum
	EOF
}

# ---------------------------------------------------------------- measuring

# Driver output (timeit, duck.mjs, lite.mjs): "time LABEL SECONDS" and
# "rss_kb LABEL KB" lines; raw.tsv gets "engine work kind value".
# A second argument: the file to append to instead, for a reader running beside
# a writer (two appenders to one file may interleave within a line).
record() { awk -v e="$1" -F'\t' '$1 == "time" || $1 == "rss_kb" { print e "\t" $2 "\t" $1 "\t" $3; next } { print > "/dev/stderr" }' >>"${2:-$RAW}"; }
bytes() { printf '%s\t%s\tbytes\t%s\n' "$1" "$2" "$(du -sc -B1 "${@:3}" 2>/dev/null | tail -n 1 | cut -f1)" >>"$RAW"; }

# Renders a SQL or TQL file for this data set.
render() { sed -e "s|@FILE@|$2|g" -e "s|@CUSTOMER@|$point_customer|g" "$1" >"${3/#-//dev/stdout}"; }

store_files() {
	case $1 in
	tide) echo "$WORK/tide.db" ;;
	duckdb) echo "$WORK/duck.db" "$WORK/duck.db.wal" ;;
	sqlite) echo "$WORK/lite.db" "$WORK/lite.db-wal" ;;
	esac
}

ingest_one() {	# engine kind file label
	local e=$1 kind=$2 file=$3 label=$4
	case $e in
	tide) "$TIMEIT" -l "$label" -o "$WORK/log/tide_$label.txt" -- "$TIDE" ingest "$WORK/tide.db" "$kind" "$file" ;;
	duckdb) render "$BENCH/load/duckdb_$kind.sql" "$file" "$WORK/sql/duckdb_$label.sql"
		node "$BENCH/duck.mjs" "$WORK/duck.db" exec "$WORK/sql/duckdb_$label.sql" "$label" ;;
	sqlite) render "$BENCH/load/sqlite_$kind.sql" "$file" "$WORK/sql/sqlite_$label.sql"
		node "$BENCH/lite.mjs" "$WORK/lite.db" exec "$WORK/sql/sqlite_$label.sql" "$label" ;;
	esac
}

step_ingest() {
	say "(a) bulk ingest: $N orders, $contacts contacts, 1 warm-up + $INGEST_RUNS run(s) each"
	# One untimed load each first, as every step has a warm-up run: the
	# first load of a run comes after a pause, with the input's pages out of
	# the cache and every page of memory to be had from this VM's host again:
	# it was the slowest load of each engine (in two 100m runs, 8.5% and 12%
	# over the median for the engine that went first, 1-2.5% for the next).
	for e in $ENGINES; do
		rm -rf $(store_files "$e")
		{ ingest_one "$e" orders "$DATA/orders.csv" warmup_orders &&
			ingest_one "$e" contacts "$DATA/contacts.csv" warmup_contacts; } >/dev/null ||
			{ fail "$e: warm-up ingest"; drop "$e"; }
	done
	# Round by round, each engine in turn: a drift of the machine during the
	# step then falls on every engine's runs alike.  Each round starts with
	# the next engine, so that none is always the first to load after the
	# step before (its page cache, the files it deleted).
	for ((r = 1; r <= INGEST_RUNS && ${#ENGINES}; r++)); do
		local order=($ENGINES)
		local k=$(( (r - 1) % ${#order[@]} ))
		for e in "${order[@]:k}" "${order[@]:0:k}"; do
			rm -rf $(store_files "$e")
			if ingest_one "$e" orders "$DATA/orders.csv" ingest_orders | record "$e"; then
				bytes "$e" ingest_orders $(store_files "$e")
			else fail "$e: ingest of orders"; drop "$e"; continue; fi
			if ingest_one "$e" contacts "$DATA/contacts.csv" ingest_contacts | record "$e"; then
				bytes "$e" ingest_contacts $(store_files "$e")
			else fail "$e: ingest of contacts"; drop "$e"; fi
		done
	done
	for e in $ENGINES; do
		[ "$e" != tide ] || sed 's/^/  tide: /' "$WORK/log/tide_ingest_orders.txt" "$WORK/log/tide_ingest_contacts.txt"
		note "  $e: $(awk -F'\t' -v e="$e" '$1 == e && $3 == "time" && $2 ~ /^ingest/ { s[$2] = s[$2] " " sprintf("%.3f", $4) } END { for (k in s) printf "%s%s s; ", k, s[k] }' "$RAW")"
	done
}

run_query() {	# engine name runs out-csv
	local e=$1 q=$2 runs=$3 out=$4
	case $e in
	tide) "$TIMEIT" -l "q:$q" -w 1 -n "$runs" -b "$QUERY_BUDGET" -o "$out" -- \
		"$TIDE" query "$WORK/tide.db" --format csv "$(cat "$WORK/sql/$q.tql")" ;;
	duckdb) node "$BENCH/duck.mjs" "$WORK/duck.db" query "$WORK/sql/$q.duckdb.sql" "q:$q" "$runs" "$out" ;;
	sqlite) node "$BENCH/lite.mjs" "$WORK/lite.db" query "$WORK/sql/$q.sqlite.sql" "q:$q" "$runs" "$out" ;;
	esac
}

compare() {	# name suffix
	local q=$1 sfx=$2 args=()
	for e in $ENGINES; do [ -e "$WORK/out/$q$sfx.$e.csv" ] && args+=("$e=$WORK/out/$q$sfx.$e.csv"); done
	if [ ${#args[@]} -lt 2 ]; then note "  $q: fewer than two engines answered; nothing to compare"; return; fi
	node "$BENCH/compare.mjs" "$BENCH/queries/manifest.tsv" "$q" "${args[@]}" | sed 's/^/  /' ||
		fail "results differ: $q${sfx:+ ($sfx)}"
}

step_queries() {
	say "(b) queries: 1 warm-up + $RUNS timed runs each"
	for e in $ENGINES; do
		for q in $QUERIES; do
			rm -f "$WORK/out/$q.$e.csv"
			run_query "$e" "$q" "$RUNS" "$WORK/out/$q.$e.csv" | record "$e" ||
				{ fail "$e: query $q"; rm -f "$WORK/out/$q.$e.csv"; }
		done
		note "  $e (mean): $(awk -F'\t' -v e="$e" '$1 == e && $3 == "time" && $2 ~ /^q:/ { n[$2]++; t[$2] += $4 } END { for (k in n) printf "%s %.1f ms; ", substr(k, 3), 1000 * t[k] / n[k] }' "$RAW")"
	done
	say "results compared row by row"
	for q in $QUERIES; do compare "$q" ""; done
}

# tide's dashboard is what a dashboard would use: `tide serve`, asked over
# one kept-alive HTTP connection; its first answers must equal the CLI's.
dashboard_tide() {
	local port= pid q
	"$TIDE" serve "$WORK/tide.db" --port 0 >"$WORK/log/serve.out" 2>"$WORK/log/serve.err" &
	pid=$!
	for _ in $(seq 200); do
		port=$(sed -n 's|.*http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$WORK/log/serve.out")
		[ -n "$port" ] && break
		sleep 0.05
	done
	if [ -z "$port" ]; then
		fail "tide: serve did not start: $(head -c 300 "$WORK/log/serve.err")"
		kill "$pid" 2>/dev/null
		return
	fi
	mkdir -p "$WORK/out/dash"
	node "$BENCH/http.mjs" "http://127.0.0.1:$port" "$ROUNDS" dash: "$WORK/out/dash" \
		$(for q in $DASH; do echo "$WORK/sql/$q.tql"; done) | record tide || fail "tide: dashboard"
	printf 'tide\tdashboard\trss_kb\t%s\n' "$(awk '/^VmHWM/ { print $2 }' "/proc/$pid/status")" >>"$RAW"
	kill -TERM "$pid"
	wait "$pid" || fail "tide: serve did not stop cleanly"
	for q in $DASH; do
		[ ! -e "$WORK/out/$q.tide.csv" ] || cmp -s "$WORK/out/dash/$q.csv" "$WORK/out/$q.tide.csv" ||
			fail "tide: the server's answer to $q differs from the CLI's"
	done
}

step_dashboard() {
	say "(c) dashboard: $(wc -w <<<"$DASH") queries x $ROUNDS rounds"
	for e in $ENGINES; do
		case $e in
		tide) dashboard_tide ;;
		duckdb) node "$BENCH/duck.mjs" "$WORK/duck.db" rounds "$ROUNDS" dash: \
			$(for q in $DASH; do echo "$WORK/sql/$q.duckdb.sql"; done) | record duckdb || fail "duckdb: dashboard" ;;
		sqlite) node "$BENCH/lite.mjs" "$WORK/lite.db" rounds "$ROUNDS" dash: \
			$(for q in $DASH; do echo "$WORK/sql/$q.sqlite.sql"; done) | record sqlite || fail "sqlite: dashboard" ;;
		esac
	done
}

step_concurrent() {
	say "(d) ingest of $extra_orders more orders while a reader repeats narrow_7d"
	local flag=$WORK/ingest.done e pid
	export START_FLAG=$WORK/ingest.start	# the readers wait for it; see lite.mjs
	for e in $ENGINES; do
		rm -f "$flag" "$START_FLAG"
		case $e in
		tide)
			"$TIMEIT" -l read_during_ingest -s "$START_FLAG" -u "$flag" -- "$TIDE" query "$WORK/tide.db" \
				--format csv "$(cat "$WORK/sql/narrow_7d.tql")" | record tide "$WORK/reader.tsv" &
			pid=$!
			touch "$START_FLAG"
			ingest_one tide orders "$DATA/extra_orders.csv" ingest_1pct | record tide || fail "tide: ingest of 1%"
			touch "$flag"; wait "$pid" || fail "tide: reader during ingest" ;;
		duckdb)
			render "$BENCH/load/duckdb_extra.sql" "$DATA/extra_orders.csv" "$WORK/sql/duckdb_extra.sql"
			node "$BENCH/duck.mjs" "$WORK/duck.db" concurrent "$WORK/sql/duckdb_extra.sql" ingest_1pct \
				"$WORK/sql/narrow_7d.duckdb.sql" read_during_ingest | record duckdb || fail "duckdb: ingest of 1%" ;;
		sqlite)
			render "$BENCH/load/sqlite_extra.sql" "$DATA/extra_orders.csv" "$WORK/sql/sqlite_extra.sql"
			node "$BENCH/lite.mjs" "$WORK/lite.db" loop "$WORK/sql/narrow_7d.sqlite.sql" read_during_ingest "$flag" | record sqlite "$WORK/reader.tsv" &
			pid=$!
			node "$BENCH/lite.mjs" "$WORK/lite.db" exec "$WORK/sql/sqlite_extra.sql" ingest_1pct | record sqlite || fail "sqlite: ingest of 1%"
			touch "$flag"; wait "$pid" || fail "sqlite: reader during ingest" ;;
		esac
		[ ! -e "$WORK/reader.tsv" ] || { cat "$WORK/reader.tsv" >>"$RAW"; rm -f "$WORK/reader.tsv"; }
		bytes "$e" ingest_1pct $(store_files "$e")
		note "  $e: $(awk -F'\t' -v e="$e" '$1 == e && $3 == "time" && $2 == "ingest_1pct" { w = $4 } $1 == e && $3 == "time" && $2 == "read_during_ingest" { n++; r += $4 } END { printf "ingest %.3f s, %d reads averaging %.1f ms", w, n, n ? 1000 * r / n : 0 }' "$RAW")"
	done
	say "after the 1%: results compared row by row"
	for q in narrow_7d kpi_30d; do
		for e in $ENGINES; do
			rm -f "$WORK/out/$q.after.$e.csv"
			run_query "$e" "$q" 0 "$WORK/out/$q.after.$e.csv" >/dev/null ||
				{ fail "$e: query $q after the 1%"; rm -f "$WORK/out/$q.after.$e.csv"; }
		done
		compare "$q" .after
	done
}

# ---------------------------------------------------------------- main

prereqs
make_data
# shellcheck disable=SC1091
. "$DATA/meta.env"

rm -rf "$WORK"
mkdir -p "$WORK/sql" "$WORK/out" "$WORK/log" "$WORK/bin"
# A snapshot of the binary, so that a rebuild during the run cannot change it.
if has tide; then cp "$TIDE" "$WORK/bin/tide"; TIDE=$WORK/bin/tide; fi
: >"$RAW"
QUERIES=$(awk -F'\t' '!/^#/ && NF { print $1 }' "$BENCH/queries/manifest.tsv")
DASH=$(awk -F'\t' '!/^#/ && NF && $2 != "probe" { print $1 }' "$BENCH/queries/manifest.tsv")
for q in $QUERIES; do
	# The text goes on the command line: without its leading comment, which
	# would read as an option.
	render "$BENCH/queries/$q.tql" "" - | grep -v '^--' >"$WORK/sql/$q.tql"
	render "$BENCH/queries/$q.duckdb.sql" "" "$WORK/sql/$q.duckdb.sql"
	render "$BENCH/queries/$q.sqlite.sql" "" "$WORK/sql/$q.sqlite.sql"
done

# The cost of starting any process here, which every tide CLI run includes.
spawn=$("$TIMEIT" -n 50 -- /bin/true | awk -F'\t' '$1 == "time" { print $3 }' | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
{
	cat "$DATA/meta.env"
	echo "size=$SIZE"
	echo "engines=$ENGINES"
	echo "runs=$RUNS"
	echo "rounds=$ROUNDS"
	echo "query_budget_s=$QUERY_BUDGET"
	echo "dash_budget_s=$DASH_BUDGET"
	echo "ingest_runs=$INGEST_RUNS"
	echo "spawn_floor_s=$spawn"
	echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
	echo "cores=$(nproc)"
	echo "mem_gib=$(awk '/MemTotal/ { printf "%.0f", $2 / 1048576 }' /proc/meminfo)"
	echo "sqlite_version=$(sqlite3 --version 2>/dev/null | cut -d' ' -f1)"
	echo "duckdb_version=$(node -p "require('$BENCH/node_modules/@duckdb/node-api/package.json').version" 2>/dev/null)"
	echo "node_version=$(node --version)"
	echo "tide_commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null)$(git -C "$ROOT" diff --quiet HEAD -- src grammar 2>/dev/null || echo +dirty)"
} >"$META"

say "bench $SIZE: $N orders, $contacts contacts (T = $last_ts + 1s), engines: $ENGINES"
step_ingest
step_queries
step_dashboard
step_concurrent

{
	for f in "${FAILED[@]}"; do echo "failed=$f"; done
} >>"$META"
say "report"
node "$BENCH/report.mjs" "$SIZE"

if [ ${#FAILED[@]} -gt 0 ]; then
	printf '\nbench %s FAILED:\n' "$SIZE" >&2
	printf '  %s\n' "${FAILED[@]}" >&2
	exit 1
fi
printf '\nbench %s: all engines ran; all results agree\n' "$SIZE"

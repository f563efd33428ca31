# Shared by the reference scripts (sourced; not a test itself).  Each case runs one TQL
# query through tide (--format json) and the same definition written in SQL through
# sqlite3 over the same events, and prints "PASS name" or "FAIL name: detail".
set -u
TIDE=${TIDE:-$PWD/build/tide}
GEN=${GEN:-$PWD/build/gen}
REF=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DATA=$(cd "$REF/../data" && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
PY="python3 $REF/ref.py"

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; }

DB=""   # the tide store of the current data set
SDB=""  # the sqlite database of the current data set
T=""    # default query instant of the current data set (epoch seconds)

# load NAME ORDERS.csv [CONTACTS.csv] — ingest into a tide store and into sqlite, set T
load() {
	local name=$1 ocsv=$2 kcsv=${3:-}
	DB=$TMP/$name.db
	"$TIDE" ingest "$DB" orders "$ocsv" >/dev/null </dev/null || echo "FAIL ${name}_ingest_orders: exit $?"
	[ -n "$kcsv" ] && { "$TIDE" ingest "$DB" contacts "$kcsv" >/dev/null </dev/null || echo "FAIL ${name}_ingest_contacts: exit $?"; }
	load_sql "$name" "$ocsv" "$kcsv"
}

# a CSV timestamp in any accepted form (ISO forms, or integer seconds) as epoch seconds
TSX="(CASE WHEN ts NOT GLOB '*[^0-9]*' THEN CAST(ts AS INTEGER) ELSE unixepoch(ts) END)"

# load_sql NAME ORDERS.csv [CONTACTS.csv] — the sqlite side only (rows in ingest order)
load_sql() {
	local name=$1 ocsv=$2 kcsv=${3:-}
	SDB=$TMP/$name.sqlite
	local ohdr khdr sel c
	ohdr=$(head -1 "$ocsv" | tr -d '\r')
	sel="rowid AS seq, id, $TSX AS ts, customer,
	     CAST(round(amount * 10000) AS INTEGER) AS amt"
	case ",$ohdr," in *,cost,*) sel+=", CAST(round(coalesce(nullif(cost, ''), '0') * 10000) AS INTEGER) AS cst,
		CAST(round(nullif(cost, '') * 10000) AS INTEGER) AS cost_u" ;;
		*) sel+=", 0 AS cst, NULL AS cost_u" ;; esac
	case ",$ohdr," in *,qty,*) sel+=", CAST(coalesce(nullif(qty, ''), '1') AS INTEGER) AS qty" ;;
		*) sel+=", 1 AS qty" ;; esac
	for c in ${ohdr//,/ }; do
		case $c in id|ts|customer|amount|cost|qty) ;; *) sel+=", nullif($c, '') AS $c" ;; esac
	done
	{
		echo ".import --csv '$ocsv' raw_o"
		echo "CREATE TABLE o AS SELECT $sel FROM raw_o;"
		echo "CREATE INDEX o_c ON o(customer, ts);"
		if [ -n "$kcsv" ]; then
			khdr=$(head -1 "$kcsv" | tr -d '\r')
			sel="rowid AS seq, id, $TSX AS ts, customer"
			for c in ${khdr//,/ }; do
				case $c in id|ts|customer) ;;
					next_followup) sel+=", unixepoch(nullif(next_followup, '')) AS nf" ;;
					*) sel+=", nullif($c, '') AS $c" ;; esac
			done
			echo ".import --csv '$kcsv' raw_k"
			echo "CREATE TABLE k AS SELECT $sel FROM raw_k;"
		else
			echo "CREATE TABLE k(seq, id, ts, customer, channel, stage, nf, reason, rep);"
		fi
		echo "SELECT max(ts) + 1 FROM (SELECT ts FROM o UNION ALL SELECT ts FROM k);"
	} >"$TMP/load.sql"
	T=$(sqlite3 -bail "$SDB" <"$TMP/load.sql")
}

# ctx T W0 [UNIT N] — the context of the next cases: the query instant, the window start
# (epoch; "all" for all history) and the n periods for activity/stability (UNIT mo or a
# number of days).  OF / KF: SQL conditions on o / k for the query's WHERE (default 1).
OF=1
KF=1
ctx() {
	local t=$1 w0=$2 unit=${3:-mo} n=${4:-12}
	[ "$w0" = all ] && w0=-100000000000
	{
		echo "CREATE TEMP TABLE prm(T INTEGER, W0 INTEGER); INSERT INTO prm VALUES ($t, $w0);"
		echo "CREATE TEMP TABLE per(k INTEGER, s INTEGER, e INTEGER);"
		$PY periods "$t" "$unit" "$n"
		echo "CREATE TEMP VIEW f AS SELECT * FROM o WHERE $OF;"
		echo "CREATE TEMP VIEW fk AS SELECT * FROM k WHERE $KF;"
		cat "$REF/metrics.sql"
	} >"$TMP/ctx.sql"
}

# T minus N months / days
mo_before() { $PY addmo "$1" "-$2"; }
d_before() { echo $(($1 - $2 * 86400)); }
iso() { $PY iso "$1"; }

# Cases are queued in $CASES and compared by one python run at the end (finish), which
# prints the PASS/FAIL lines in order.
CASES=$TMP/cases
mkdir -p "$CASES"
NCASE=0
newcase() { # NAME -> sets C, the file prefix of a new case
	NCASE=$((NCASE + 1))
	C=$CASES/$(printf %04d "$NCASE")
	echo "$1" >"$C.name"
}
# casefail DETAIL — the current case fails with DETAIL
casefail() { echo "$1" >"$C.fail"; }

# tq QUERY OUT — run a query through tide into OUT (json); 1 on error (the case fails)
tq() {
	if ! "$TIDE" query "$DB" --format json "$1" >"$2" 2>"$TMP/tq.err" </dev/null; then
		casefail "tide exit status; query: $1; stderr: $(head -c 300 "$TMP/tq.err")"
		return 1
	fi
}

# sq SQL OUT — run SQL after the context into OUT (json)
sq() {
	if ! { cat "$TMP/ctx.sql"; echo "$1"; } | sqlite3 -bail -json "$SDB" >"$2" 2>"$TMP/sq.err"; then
		casefail "sqlite error (test bug): $(head -c 300 "$TMP/sq.err")"
		return 1
	fi
}

# rc NAME SPEC TQL SQL [--ordered] — one reference case
rc() {
	local name=$1 spec=$2 tql=$3 sql=$4; shift 4
	newcase "$name"
	echo "$spec" >"$C.spec"
	echo "$*" >"$C.opts"
	tq "$tql" "$C.t.json" || return 0
	sq "$sql" "$C.s.json" || return 0
}

# finish — compare every queued case
finish() { $PY cmpdir "$CASES"; }

# sqlv SQL — one value from the context's SQL
sqlv() { { cat "$TMP/ctx.sql"; echo "$1"; } | sqlite3 -bail "$SDB"; }

# cents EXPR — SQL turning an integer of 1/10000 units into cents, half away from zero
cents() { echo "(CASE WHEN ($1) >= 0 THEN (($1) + 50) / 100 ELSE -((50 - ($1)) / 100) END)"; }
# cents_div NUM DEN — cents of NUM/DEN units (DEN > 0), half away from zero, exact
cents_div() { echo "(CASE WHEN ($1) >= 0 THEN (($1) + 50 * ($2)) / (100 * ($2)) ELSE -((50 * ($2) - ($1)) / (100 * ($2))) END)"; }

# series NAME SPEC TQL-WITHOUT-TIME ASOF-CLAUSE STEP N — the series property: the query
# with "STEP STEP COUNT N" equals, at each asof, the same query run with that ASOF; the
# asofs must be T, T-STEP, ... (T given in epoch seconds as ASOF-CLAUSE's instant, or the
# default T when ASOF-CLAUSE is empty).  TQL is given as HEAD and TAIL around the time
# clauses: "HEAD [ASOF ...] STEP ... COUNT n TAIL".
# usage: series NAME SPEC HEAD TAIL T0 ASOFCLAUSE UNIT N   (UNIT: mo or days)
series() {
	local name=$1 spec=$2 head=$3 tail=$4 t0=$5 asofc=$6 unit=$7 n=$8 i a want=() stepword
	newcase "$name"
	mkdir -p "$C.dir"
	if [ "$unit" = mo ]; then stepword=1mo; else stepword=${unit}d; fi
	tq "$head $asofc STEP $stepword COUNT $n $tail" "$C.t.json" || return 0
	for ((i = 0; i < n; i++)); do
		if [ "$unit" = mo ]; then a=$(iso "$($PY addmo "$t0" "-$i")"); else a=$(iso $((t0 - i * unit * 86400))); fi
		want+=("$a")
		tq "$head ASOF '$a' $tail" "$C.dir/$a.json" || return 0
	done
	printf '%s\n%s\n' "$spec" "${want[*]}" >"$C.series"
}

#!/usr/bin/env bash
# The same metrics when the events arrive out of time order, in several batches, with
# repeated ids (a repeated id is stored once: the first one ingested wins, even when the
# repeat carries other values).  tide ingests the batches one by one; sqlite gets them
# concatenated in the same order with later repeats of an id dropped.
. "$(dirname "$0")/reflib.bash"

"$GEN" --seed 41 --orders 3000 --out "$TMP/g" 2>/dev/null
O=$TMP/g/orders.csv K=$TMP/g/contacts.csv
hdr=$(head -1 "$O"); khdr=$(head -1 "$K")
n=$(($(wc -l <"$O") - 1)); third=$((n / 3))
# batch 1: the newest third, newest first; batch 2: the oldest third, shuffled;
# batch 3: the middle third but its last 100, plus 50 repeats of batch-1 ids with their
# amounts changed; batch 4: those 100, shuffled, small enough to stay in the recent tables
{ echo "$hdr"; tail -n +2 "$O" | tail -n "$third" | tac; } >"$TMP/b1.csv"
{ echo "$hdr"; tail -n +2 "$O" | head -n "$third" | shuf --random-source=<(yes 41); } >"$TMP/b2.csv"
{ echo "$hdr"; tail -n +2 "$O" | head -n $((n - third - 100)) | tail -n +$((third + 1));
  tail -n +2 "$TMP/b1.csv" | head -50 | awk -F, -v OFS=, '{ $4 = $4 + 1000; print }'; } >"$TMP/b3.csv"
{ echo "$hdr"; tail -n +2 "$O" | head -n $((n - third)) | tail -n 100 | shuf --random-source=<(yes 43); } >"$TMP/b4.csv"
{ echo "$khdr"; tail -n +2 "$K" | shuf --random-source=<(yes 42); } >"$TMP/k1.csv"

DB=$TMP/ooo.db
for b in b1 b2 b3 b4; do "$TIDE" ingest "$DB" orders "$TMP/$b.csv" >/dev/null; done
"$TIDE" ingest "$DB" contacts "$TMP/k1.csv" >/dev/null
{ echo "$hdr"; for b in b1 b2 b3 b4; do tail -n +2 "$TMP/$b.csv"; done | awk -F, '!seen[$1]++'; } >"$TMP/all.csv"
load_sql ooo "$TMP/all.csv" "$TMP/k1.csv"

newcase ooo_stored_once
got=$("$TIDE" stats "$DB" --format json | sed -E 's/.*"orders":([0-9]+).*/\1/')
[ "$got" = "$n" ] || casefail "stats says $got orders, want $n"

for W in 12mo 90d; do
	case $W in 12mo) W0=$(mo_before "$T" 12); ctx "$T" "$W0" mo 12 ;;
		90d) W0=$(d_before "$T" 90); ctx "$T" "$W0" 30 3 ;; esac
	P=1mo; [ "$W" = 90d ] && P=30d
	rc "ooo_customers_$W" "customer:key r:money n:int mg:money fo:ts lo:ts c:ratio act:ratio st:ratio gap:ratio rr:int rf:int rm:int a:str ltv:money" \
		"SELECT customer, revenue() AS r, orders() AS n, margin() AS mg, first_order() AS fo, last_order() AS lo,
		        contribution() AS c, activity($P) AS act, stability($P) AS st, median_gap() AS gap, rfm_r() AS rr,
		        rfm_f() AS rf, rfm_m() AS rm, abc() AS a, lifetime_value() AS ltv
		 FROM orders WINDOW $W GROUP BY customer" \
		"SELECT customer, revenue AS r, orders AS n, margin AS mg, first_ts AS fo, last_ts AS lo, contribution AS c,
		        activity AS act, stability AS st, median_gap AS gap, rfm_r AS rr, rfm_f AS rf, rfm_m AS rm, abc AS a,
		        lifetime_value AS ltv FROM cmc"
	rc "ooo_months_$W" "month:key r:money c:int dc:int" \
		"SELECT month, revenue() AS r, count(*) AS c, count(DISTINCT customer) AS dc FROM orders WINDOW $W GROUP BY month" \
		"SELECT strftime('%Y-%m', ts, 'unixepoch') AS month, $(cents 'sum(amt)') AS r, count(*) AS c,
		        count(DISTINCT customer) AS dc FROM win GROUP BY 1"
	rc "ooo_scope_$W" "r:money n:int c:int" \
		"SELECT revenue() AS r, orders() AS n, count(*) AS c FROM orders WINDOW $W" \
		"SELECT $(cents 'sum(amt)') AS r, sum(amt >= 0) AS n, count(*) AS c FROM win"
done
TP=$($PY epoch 2024-09-10T06:00:00Z)
ctx "$TP" "$(mo_before "$TP" 6)" mo 6
rc ooo_asof_past "customer:key r:money n:int lo:ts st:ratio" \
	"SELECT customer, revenue() AS r, orders() AS n, last_order() AS lo, stability(1mo) AS st FROM orders
	 WINDOW 6mo ASOF '2024-09-10T06:00:00Z' GROUP BY customer" \
	"SELECT customer, revenue AS r, orders AS n, last_ts AS lo, stability AS st FROM cmc"
ctx "$T" all mo 12
rc ooo_contacts "customer:key s:str n:int lc:ts nf:ts o:bool cv:ratio" \
	"SELECT customer, stage() AS s, contacts() AS n, last_contact() AS lc, next_followup() AS nf,
	        followup_overdue() AS o, conversion() AS cv FROM contacts GROUP BY customer" \
	"SELECT customer, stage AS s, contacts AS n, last_contact AS lc, next_followup AS nf,
	        followup_overdue AS o, conversion AS cv FROM ckc"
# One customer's metrics read through the customer index, whose entries of batch 4 are in
# its recent table (until it holds more than an eighth of the base's): the customers of
# batch 4's first rows, each also in earlier batches.
ctx "$T" "$(mo_before "$T" 12)" mo 12
newcase ooo_recent_index_read
recent=$(mdb_stat -s o_cust_new "$DB" | sed -n 's/^ *Entries: //p')
[ "${recent:-0}" -gt 0 ] || casefail "o_cust_new holds ${recent:-no} entries: the point queries below would not read it"
ccol=$(head -1 "$O" | tr , '\n' | grep -nx customer | cut -d: -f1)
for X in $(tail -n +2 "$TMP/b4.csv" | cut -d, -f"$ccol" | sort -u | head -4); do
	rc "ooo_point_$X" "customer:key r:money n:int fo:ts lo:ts st:ratio" \
		"SELECT customer, revenue() AS r, orders() AS n, first_order() AS fo, last_order() AS lo,
		        stability(1mo) AS st FROM orders WHERE customer = '$X' WINDOW 12mo GROUP BY customer" \
		"SELECT customer, revenue AS r, orders AS n, first_ts AS fo, last_ts AS lo, stability AS st
		 FROM cmc WHERE customer = '$X'"
done
ctx "$T" "$(mo_before "$T" 3)" mo 3
rc ooo_contacts_3mo "customer:key s:str n:int o:bool" \
	"SELECT customer, stage() AS s, contacts() AS n, followup_overdue() AS o FROM contacts WINDOW 3mo GROUP BY customer" \
	"SELECT customer, stage AS s, contacts AS n, followup_overdue AS o FROM ckc"

finish

#!/usr/bin/env bash
# The order roll-ups (o_roll, o_roll_tag): a GROUP BY customer over whole
# histories answers from them exactly as from the log, over a store loaded
# in several batches (a roll-up adds each batch to what is stored), with
# returns, orders without cost and re-sent duplicates; EXPLAIN says which
# it reads; a tag of more than 65,536 values keeps no roll-ups.
. "$(dirname "$0")/lib.sh"

"$GEN" --orders 20k --out "$TMP/g" >/dev/null 2>&1
db=$TMP/db
o=$TMP/g/orders.csv
head -1 "$o" >"$TMP/h"
n=$(($(wc -l <"$o") - 1))
# four batches, the second re-sending the first's last 500 rows; the last, of 200
# orders, small enough that its roll-ups stay in the recent tables, which the
# queries below then read with the base's
{ cat "$TMP/h"; sed -n "2,$((n / 3 + 1))p" "$o"; } >"$TMP/b1.csv"
{ cat "$TMP/h"; sed -n "$((n / 3 - 498)),$((2 * n / 3 + 1))p" "$o"; } >"$TMP/b2.csv"
{ cat "$TMP/h"; sed -n "$((2 * n / 3 + 2)),$((n - 199))p" "$o"; } >"$TMP/b3.csv"
{ cat "$TMP/h"; sed -n "$((n - 198)),\$p" "$o"; } >"$TMP/b4.csv"
for b in 1 2 3 4; do "$TIDE" ingest "$db" orders "$TMP/b$b.csv" >/dev/null || fail "ingest_b$b" "exit $?"; done
"$TIDE" ingest "$db" contacts "$TMP/g/contacts.csv" >/dev/null
expect_eq all_loaded "$(count_of "$db" orders)" "$n"
grep -q ',,[a-z]*,' "$o" && pass has_orders_without_cost || fail has_orders_without_cost "the generator wrote a cost on every order"
grep -q ',-[0-9]' "$o" && pass has_returns || fail has_returns "no return in the history"

m='revenue() AS r, orders() AS n, avg_order() AS ao, margin() AS mg, first_order() AS fo,
   last_order() AS lo, recency() AS rc, tenure() AS te, contribution() AS c, churned(90d) AS ch,
   rfm_r() AS rr, rfm_f() AS rf, rfm_m() AS rm, abc() AS a, lifetime_value() AS ltv'
same_both_ways() {	# name query [store, $db by default]
	local store=${3:-$db} got want
	got=$("$TIDE" query "$store" --format csv "$2" 2>&1)
	want=$(TIDE_ROLLUPS=0 "$TIDE" query "$store" --format csv "$2" 2>&1)
	if [ "$got" == "$want" ] && [ "$(printf '%s\n' "$got" | wc -l)" -gt 2 ]; then pass "$1"; else
		fail "$1" "roll-ups and log differ (or too few rows): $(diff <(echo "$want") <(echo "$got") | head -5)"; fi
}
entries() { mdb_stat -s "$2" "$1" | sed -n 's/^ *Entries: //p'; }	# store table
for t in o_roll_new o_roll_tag_new; do
	[ "$(entries "$db" $t)" -gt 0 ] && pass "recent_rollups_$t" || fail "recent_rollups_$t" "$t is empty: the last batch's roll-ups went into the base"
done
same_both_ways every_metric "SELECT customer, $m FROM orders GROUP BY customer"
same_both_ways tag_filter "SELECT customer, $m FROM orders WHERE region = 'north' GROUP BY customer"
same_both_ways tag_filter_flipped "SELECT customer, $m FROM orders WHERE 'web' = channel GROUP BY customer"
# ties keep the order groups are met in the log: ORDER BY a column with many ties
same_both_ways tie_order "SELECT customer, abc() AS a, orders() AS n FROM orders WHERE rep = 'rep03' GROUP BY customer ORDER BY a, n DESC"
same_both_ways slipping_away "SELECT customer, recency() AS days_silent, lifetime_value() AS ltv
  FROM orders WHERE region = 'north' GROUP BY customer
  HAVING churned(90d) AND abc() IN ('A', 'B') ORDER BY ltv DESC"
same_both_ways outer_query "SELECT a, count(*) AS k, sum(r) AS r FROM (SELECT customer, abc() AS a, revenue() AS r
  FROM orders GROUP BY customer) GROUP BY a ORDER BY a"

# The same batches with their roll-ups spilled every 50 slots: runs that
# each commit merges, the later three with roll-ups already stored.  The
# roll-ups still answer as the log does, there are as many as without
# spills, and no run's file is left behind in the store.
ds=$TMP/spills
for b in 1 2 3 4; do TIDE_FLUSH_AT=50 "$TIDE" ingest "$ds" orders "$TMP/b$b.csv" >/dev/null || fail "spills_b$b" "exit $?"; done
same_both_ways spilled_every_metric "SELECT customer, $m FROM orders GROUP BY customer" "$ds"
same_both_ways spilled_tag_filter "SELECT customer, $m FROM orders WHERE region = 'north' GROUP BY customer" "$ds"
same_both_ways spilled_tag_filter_web "SELECT customer, $m FROM orders WHERE channel = 'web' GROUP BY customer" "$ds"
expect_eq spilled_runs_gone "$(ls "$ds" | tr '\n' ' ')" "data.mdb lock.mdb "
for t in o_roll_tag o_roll_tag_new; do
	expect_eq "spilled_tag_rollups_$t" "$(entries "$ds" $t)" "$(entries "$db" $t)"
done

explain() { "$TIDE" query "$db" "EXPLAIN $1"; }
explain "SELECT customer, revenue() FROM orders WHERE region = 'south' GROUP BY customer" >"$TMP/x1"
expect_contains explain_tag_rollups "$TMP/x1" "read each customer's roll-up from 'o_roll_tag' over the WHERE's tag value"
explain "SELECT customer, revenue() FROM orders GROUP BY customer" >"$TMP/x2"
expect_contains explain_rollups "$TMP/x2" "read each customer's roll-up from 'o_roll' instead of the log"
# what a roll-up cannot answer reads the log: a window, an ASOF before the
# newest order, a metric over periods, another condition
for q in "SELECT customer, revenue() FROM orders WINDOW 90d GROUP BY customer" \
	"SELECT customer, revenue() FROM orders ASOF '2023-06-01' GROUP BY customer" \
	"SELECT customer, median_gap() FROM orders GROUP BY customer" \
	"SELECT customer, revenue() FROM orders WHERE region != 'north' GROUP BY customer" \
	"SELECT customer, revenue() FROM orders WHERE amount > 0 GROUP BY customer"; do
	explain "$q" >"$TMP/x3"
	if grep -q "roll-up" "$TMP/x3"; then fail "explain_log: $q" "$(cat "$TMP/x3")"; else pass "explain_log: $q"; fi
done
same_both_ways asof_before_newest "SELECT customer, $m FROM orders ASOF '2023-06-01' GROUP BY customer"

# a tag of more than 65,536 values (an invoice number on every order) keeps
# no roll-ups: the first batch's 60,000 values have them, the second batch
# passes the limit and they are dropped, those it had spilled before too;
# its queries read the log and still answer
w=$TMP/wide
wide_batch() {	# first last day
	echo "id,ts,customer,amount,invoice"
	awk -v a="$1" -v b="$2" -v d="$3" 'BEGIN { for (i = a; i <= b; i++)
		printf "w%d,2024-01-%02dT00:00:00Z,c%d,%d,inv%d\n", i, d, i % 97, i % 50, i }'
}
wide_batch 1 60000 1 >"$TMP/w1.csv"
wide_batch 60001 66100 2 >"$TMP/w2.csv"
q_inv="SELECT customer, revenue() AS r, orders() AS n FROM orders WHERE invoice = 'inv7' GROUP BY customer"
"$TIDE" ingest "$w" orders "$TMP/w1.csv" >/dev/null
"$TIDE" query "$w" "EXPLAIN $q_inv" >"$TMP/x4"
expect_contains wide_tag_rolled_below_limit "$TMP/x4" "from 'o_roll_tag'"
TIDE_FLUSH_AT=1000 "$TIDE" ingest "$w" orders "$TMP/w2.csv" >/dev/null
"$TIDE" query "$w" "EXPLAIN $q_inv" >"$TMP/x4"
if grep -q "roll-up" "$TMP/x4"; then fail wide_tag_reads_log "$(cat "$TMP/x4")"; else pass wide_tag_reads_log; fi
expect_eq wide_tag_answer "$("$TIDE" query "$w" --format csv "$q_inv")" "customer,r,n
c7,7.00,1"
expect_eq wide_tag_answer_new "$("$TIDE" query "$w" --format csv "SELECT customer, revenue() AS r, orders() AS n FROM orders WHERE invoice = 'inv66050' GROUP BY customer")" "customer,r,n
c90,0.00,1"
"$TIDE" query "$w" "EXPLAIN SELECT customer, revenue() FROM orders GROUP BY customer" >"$TMP/x5"
expect_contains wide_store_customer_rollups "$TMP/x5" "from 'o_roll' instead of the log"
expect_eq wide_customer_total "$("$TIDE" query "$w" --format csv "SELECT sum(n) AS n FROM (SELECT customer, orders() AS n FROM orders GROUP BY customer)")" "n
66100"
# A batch that spills its roll-ups many times counts each new tag value
# once: the 1,000 values of `acct`, one per customer and held in the
# customers' own roll-ups until the commit, stay under the limit through
# the ~250 spills that the mixed `ch` makes at one every 20 slots.
sp=$TMP/spilled
awk 'BEGIN { print "id,ts,customer,amount,acct,ch"
	for (i = 1; i <= 6000; i++) { c = i <= 1000 ? i : 1 + (i * 7919) % 1000
		printf "s%d,2024-02-01T%02d:%02d:%02dZ,c%d,%d,acct%d,%s\n", i, i / 3600, (i / 60) % 60, i % 60, c, i % 40, c,
			i <= 1000 || i % 3 == 0 ? "web" : "phone" } }' >"$TMP/sp.csv"
TIDE_FLUSH_AT=20 "$TIDE" ingest "$sp" orders "$TMP/sp.csv" >/dev/null
q_acct="SELECT customer, revenue() AS r, orders() AS n FROM orders WHERE acct = 'acct7' GROUP BY customer"
"$TIDE" query "$sp" "EXPLAIN $q_acct" >"$TMP/x6"
expect_contains spilled_tag_keeps_rollups "$TMP/x6" "from 'o_roll_tag'"
expect_eq spilled_tag_answer "$("$TIDE" query "$sp" --format csv "$q_acct")" "customer,r,n
$(awk -F, '$3 == "c7" { r += $4; n++ } END { printf "c7,%.2f,%d", r, n }' "$TMP/sp.csv")"

expect_eq wide_tag_rollups_dropped "$(entries "$w" o_roll_tag) $(entries "$w" o_roll_tag_new)" "0 0"

#!/usr/bin/env bash
# The week's leaders (src/leaders.h): every commit keeps the customers with
# the most revenue in the last 7 days, and a top by revenue over that window
# reads them instead of the week's orders, with the answers the log gives
# (TIDE_ROLLUPS=0), ties included, after later batches that add late orders
# inside the window, move T on with contacts alone, or re-send a file; a
# query they cannot answer (another window, an earlier T, a LIMIT past them,
# a metric they lack) scans the log, and EXPLAIN says which.
. "$(dirname "$0")/lib.sh"

db=$TMP/db
# 12 days of orders from 3000 customers, amounts from ten values (so many
# customers tie on revenue), some returns, some without cost
orders() {	# first last offset_seconds: rows first..last, their ts moved back by offset
	awk -v a="$1" -v b="$2" -v off="$3" 'BEGIN {
		print "id,ts,customer,amount,qty,cost"
		for (i = a; i <= b; i++) {
			t = 1735689600 + int(i * 34.56) - off
			amount = (i * 7919 % 10 + 1) * 5 * (i % 23 == 0 ? -1 : 1)
			cost = i % 3 == 0 ? "" : sprintf("%.2f", amount / 2)
			printf "o%d,%s,c%04d,%.2f,1,%s\n", i, strftime("%Y-%m-%dT%H:%M:%SZ", t, 1), i * 31 % 3000, amount, cost
		}
	}'
}
orders 1 20000 0 >"$TMP/b1.csv"
orders 20001 30000 0 >"$TMP/b2.csv"
"$TIDE" ingest "$db" orders "$TMP/b1.csv" >/dev/null || fail ingest_b1 "exit $?"

top='SELECT customer, revenue() AS revenue, orders() AS orders FROM orders WINDOW 7d GROUP BY customer'
same_both_ways() {	# name query [leaders|scan]: the plan EXPLAIN must show
	local got want plan
	got=$("$TIDE" query "$db" --format csv "$2" 2>&1)
	want=$(TIDE_ROLLUPS=0 "$TIDE" query "$db" --format csv "$2" 2>&1)
	plan=$("$TIDE" query "$db" "EXPLAIN $2" 2>&1)
	if [ "$got" != "$want" ] || [ "$(printf '%s\n' "$got" | wc -l)" -lt 3 ]; then
		fail "$1" "leaders and log differ (or too few rows): $(diff <(echo "$want") <(echo "$got") | head -5)"
	elif [ "${3:-leaders}" == leaders ] && ! grep -q "week's leaders" <<<"$plan"; then
		fail "$1" "EXPLAIN does not read the leaders: $plan"
	elif [ "${3:-leaders}" == scan ] && grep -q "week's leaders" <<<"$plan"; then
		fail "$1" "EXPLAIN reads the leaders: $plan"
	else pass "$1"; fi
}
every_case() {	# prefix
	same_both_ways "$1_top20" "$top ORDER BY revenue DESC, customer LIMIT 20"
	same_both_ways "$1_ties_to_900" "$top ORDER BY revenue DESC, customer LIMIT 900"
	# without the customer, ties come in the order a scan meets them
	same_both_ways "$1_ties_unsettled" "$top ORDER BY revenue DESC LIMIT 900" scan
	same_both_ways "$1_all_four_metrics" "SELECT customer, revenue() AS r, margin() AS m, avg_order() AS a,
	  orders() AS n FROM orders WINDOW 1w GROUP BY customer ORDER BY r DESC, m, customer LIMIT 50"
	same_both_ways "$1_limit_past_them" "$top ORDER BY revenue DESC, customer LIMIT 2500" scan
	same_both_ways "$1_eight_days" "${top/7d/8d} ORDER BY revenue DESC, customer LIMIT 20" scan
	same_both_ways "$1_ascending" "$top ORDER BY revenue, customer LIMIT 20" scan
	same_both_ways "$1_first_order" "SELECT customer, revenue() AS r, first_order() AS f FROM orders WINDOW 7d
	  GROUP BY customer ORDER BY r DESC, customer LIMIT 20" scan
	local earlier="ASOF '2025-01-09T00:00:00Z' GROUP"
	same_both_ways "$1_earlier_T" "${top/GROUP/$earlier} ORDER BY revenue DESC, customer LIMIT 20" scan
}
every_case first
n=$("$TIDE" query "$db" "EXPLAIN $top ORDER BY revenue DESC, customer LIMIT 20" | sed -n "s/.*instead of the window's orders: \([0-9]*\) customers (those with the most.*/\1/p")
[ "${n:-0}" -ge 1000 ] && [ "$n" -lt 2000 ] && pass kept_the_top_and_ties || fail kept_the_top_and_ties "EXPLAIN names $n leaders"

# a later batch: newer orders, and late ones inside the window
{ cat "$TMP/b2.csv"; orders 30001 30600 400000 | tail -n +2; } >"$TMP/b3.csv"
"$TIDE" ingest "$db" orders "$TMP/b3.csv" >/dev/null || fail ingest_b3 "exit $?"
every_case later

# contacts alone move T on two days: orders leave the window
printf 'id,ts,customer,channel,stage,next_followup,reason\nk1,2025-01-14T00:00:00Z,c0001,call,new,,\n' >"$TMP/c.csv"
"$TIDE" ingest "$db" contacts "$TMP/c.csv" >/dev/null || fail ingest_contacts "exit $?"
every_case contacts_moved_T

# a file sent again stores nothing, and the leaders still answer
"$TIDE" ingest "$db" orders "$TMP/b3.csv" >/dev/null || fail ingest_again "exit $?"
same_both_ways resent_top20 "$top ORDER BY revenue DESC, customer LIMIT 20"

# leaders a commit did not make (an older tide writes none) are not read:
# the first batch's leaders put back after late orders, inside the window
# and before the newest (T does not move), were added
rm -rf "$TMP/stale"
"$TIDE" ingest "$TMP/stale" orders "$TMP/b1.csv" >/dev/null
mdb_dump -s meta "$TMP/stale" >"$TMP/meta.dump"
orders 30001 30600 400000 >"$TMP/late.csv"
"$TIDE" ingest "$TMP/stale" orders "$TMP/late.csv" >/dev/null || fail ingest_late "exit $?"
awk '/^HEADER=END/ { print; head = 1; next } !head { print; next } /^ 6c656164657273$/ { print; getline; print } END { print "DATA=END" }' \
	"$TMP/meta.dump" >"$TMP/put.dump"
[ "$(grep -c '^ 6c656164657273$' "$TMP/put.dump")" -eq 1 ] && pass first_leaders_kept || fail first_leaders_kept "no leaders in the store's meta"
mdb_load -s meta -f "$TMP/put.dump" "$TMP/stale" 2>"$TMP/err" || fail stale_put "$(cat "$TMP/err")"
db=$TMP/stale same_both_ways stale_leaders_not_read "$top ORDER BY revenue DESC, customer LIMIT 20" scan

# Small batches update the leaders from the customers whose week they
# change (EXPLAIN says which way the last commit kept them); each answers
# as the log does: a newest order, an outsider's large order, a leader's
# large late return, and T moved on by hours, which wears the leaders down
# below the floor until a commit makes them afresh.
db=$TMP/trickle; rm -rf "$db"
"$TIDE" ingest "$db" orders "$TMP/b1.csv" >/dev/null || fail ingest_trickle "exit $?"
base=$(( 1735689600 + 691200 ))	# just after b1's newest order
n=0
one_order() {	# seconds_after_base customer amount
	n=$((n + 1))
	printf 'id,ts,customer,amount,qty,cost\nt%d,%s,%s,%s,1,1.00\n' "$n" \
		"$(date -u -d "@$((base + $1))" +%Y-%m-%dT%H:%M:%SZ)" "$2" "$3" >"$TMP/one.csv"
	"$TIDE" ingest "$db" orders "$TMP/one.csv" >/dev/null || fail "ingest_t$n" "exit $?"
}
kept_by() {	# the way the last commit kept the leaders
	"$TIDE" query "$db" "EXPLAIN $top ORDER BY revenue DESC, customer LIMIT 20" | grep -o "updated from\|made from"
}
one_order 0 c0001 35.00
same_both_ways newest_order "$top ORDER BY revenue DESC, customer LIMIT 20"
[ "$(kept_by)" == "updated from" ] && pass one_order_updates || fail one_order_updates "kept: $(kept_by)"
one_order 40 c2999 4000.00
same_both_ways outsider_leads "$top ORDER BY revenue DESC, customer LIMIT 20"
grep -q c2999 <<<"$("$TIDE" query "$db" --format csv "$top ORDER BY revenue DESC, customer LIMIT 3")" &&
	pass outsider_in_top3 || fail outsider_in_top3 "c2999 is not among the top 3"
leader=$("$TIDE" query "$db" --format csv "$top ORDER BY revenue DESC, customer LIMIT 1" | sed -n '2s/,.*//p')
one_order -200000 "$leader" -4000.00
same_both_ways late_return "$top ORDER BY revenue DESC, customer LIMIT 900"
same_both_ways late_return_metrics "SELECT customer, revenue() AS r, margin() AS m, avg_order() AS a,
  orders() AS n FROM orders WINDOW 7d GROUP BY customer ORDER BY r DESC, m, customer LIMIT 50"
ways=""
for hours in $(seq 1 40); do
	one_order $((hours * 3600)) c0002 10.00
	same_both_ways "moved_${hours}h" "$top ORDER BY revenue DESC, customer LIMIT 400"
	ways="$ways$(kept_by | cut -c1),"
	# all of them: none may be a customer who is not among the top
	all=$("$TIDE" query "$db" "EXPLAIN $top ORDER BY revenue DESC, customer LIMIT 20" |
		sed -n "s/.*instead of the window's orders: \([0-9]*\) customers.*/\1/p")
	same_both_ways "moved_${hours}h_all" "$top ORDER BY revenue DESC, customer LIMIT ${all:-1}"
done
same_both_ways trickle_limit_past_them "$top ORDER BY revenue DESC, customer LIMIT 2500" scan
[[ "$ways" == *u*m* ]] && pass worn_down_then_made || fail worn_down_then_made "kept by (update/made): $ways"
one_order $((4 * 86400)) c0003 10.00
[ "$(kept_by)" == "made from" ] && pass days_later_made || fail days_later_made "kept: $(kept_by)"
same_both_ways days_later "$top ORDER BY revenue DESC, customer LIMIT 20"

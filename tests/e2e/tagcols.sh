#!/usr/bin/env bash
# Tags read from o_cols: batches whose inputs name different tags (a tag
# that appears in the middle of a block, one that is missing from a batch,
# empty values) give, through o_cols, the answers the log gives.
. "$(dirname "$0")/lib.sh"

db=$TMP/db
# 1,300 orders over ~5 blocks with a region (every seventh empty); then 90
# that extend the last block with a rep and a region; then 40 with only a
# channel.  Times rise a minute an order from 2025-01-01.
awk 'BEGIN {
	split("north south east west", region, " ")
	print "id,ts,customer,amount,region" > "'"$TMP"'/a.csv"
	print "id,ts,customer,region,amount,rep" > "'"$TMP"'/b.csv"
	print "id,ts,customer,amount,channel" > "'"$TMP"'/c.csv"
	for (i = 0; i < 1430; i++) {
		t = 1735689600 + 60 * i
		ts = strftime("%Y-%m-%dT%H:%M:%SZ", t, 1)
		c = "c" (i * 7919 % 97)
		a = (i % 13 - 3) * 10 + i % 7 ".25"
		r = i % 7 ? region[i % 4 + 1] : ""
		if (i < 1300)
			print "o" i "," ts "," c "," a "," r > "'"$TMP"'/a.csv"
		else if (i < 1390)
			print "o" i "," ts "," c "," r "," a ",rep" i % 3 > "'"$TMP"'/b.csv"
		else
			print "o" i "," ts "," c "," a "," (i % 2 ? "web" : "store") > "'"$TMP"'/c.csv"
	}
}'
for f in a b c; do "$TIDE" ingest "$db" orders "$TMP/$f.csv" >/dev/null; done

# Each query as is reads o_cols; with `sku IS NULL` (true of every order
# here) it reads the log.
agree() { # name, select list, group/where clauses before and after the WINDOW
	local q="SELECT $2 FROM orders $3"
	local log="SELECT $2 FROM orders $4"
	expect_eq "reads_cols: $1" "$("$TIDE" query "$db" --format text "EXPLAIN $q" | grep -c "^scan the orders' head fields and tags in 'o_cols'")" 1
	expect_eq "reads_log: $1" "$("$TIDE" query "$db" --format text "EXPLAIN $log" | grep -c "^scan log 'orders'")" 1
	local got want
	got=$("$TIDE" query "$db" --format csv "$q")
	want=$("$TIDE" query "$db" --format csv "$log")
	[ "$(printf '%s\n' "$want" | wc -l)" -ge 3 ] || { fail "$1" "too few rows: $want"; return; }
	expect_eq "$1" "$got" "$want"
}
m='revenue() AS revenue, orders() AS n, count(DISTINCT customer) AS customers'
for t in region rep channel; do
	agree "group_by_$t" "$t, $m" "WINDOW 400d GROUP BY $t ORDER BY $t" \
		"WHERE sku IS NULL WINDOW 400d GROUP BY $t ORDER BY $t"
	agree "group_by_${t}_window" "$t, $m" "WINDOW 1d GROUP BY $t ORDER BY $t" \
		"WHERE sku IS NULL WINDOW 1d GROUP BY $t ORDER BY $t"
done
agree where_region "customer, $m" \
	"WHERE region = 'north' WINDOW 400d GROUP BY customer ORDER BY customer" \
	"WHERE region = 'north' AND sku IS NULL WINDOW 400d GROUP BY customer ORDER BY customer"
agree where_missing "rep, $m" \
	"WHERE region IS NULL GROUP BY rep ORDER BY rep" \
	"WHERE region IS NULL AND sku IS NULL GROUP BY rep ORDER BY rep"
agree month_region "month, region, $m" \
	"GROUP BY month, region ORDER BY month, region" \
	"WHERE sku IS NULL GROUP BY month, region ORDER BY month, region"

#!/usr/bin/env bash
# tide query end to end: the ways to pass a query, output formats, options,
# and the one-line errors with line:column.
. "$(dirname "$0")/lib.sh"

db=$TMP/db
cat >"$TMP/o.csv" <<'CSV'
id,ts,customer,amount,qty,region
o1,2025-01-10T10:00:00Z,alice,100.005,1,north
o2,2025-02-10T10:00:00Z,alice,50,2,north
o3,2025-02-11T09:00:00Z,bob,"1,000.5",1,south
o4,2025-03-01,bob,-20.25,1,south
o5,2025-03-02 08:00:00,carol,0,1,
CSV
# the quoted amount with a comma is bad input: fix it, then load
sed -i 's/"1,000.5"/1000.5/' "$TMP/o.csv"
"$TIDE" ingest "$db" orders "$TMP/o.csv" >/dev/null

q='SELECT customer, revenue() AS revenue, orders() AS n FROM orders GROUP BY customer ORDER BY customer'
expect_eq csv "$("$TIDE" query "$db" --format csv "$q")" "customer,revenue,n
alice,150.01,2
bob,980.25,1
carol,0.00,1"
expect_eq json "$("$TIDE" query "$db" --format json "$q" | tr -d '\n')" '[{"customer":"alice","revenue":150.01,"n":2},{"customer":"bob","revenue":980.25,"n":1},{"customer":"carol","revenue":0.00,"n":1}]'
expect_eq ndjson_lines "$("$TIDE" query "$db" --format ndjson "$q" | wc -l)" "3"
"$TIDE" query "$db" --format text "$q" >"$TMP/text"
expect_contains text_header "$TMP/text" "customer  revenue  n"
expect_contains text_footer "$TMP/text" "(3 rows)"
printf '%s\n' "$q" >"$TMP/q.tql"
expect_eq from_file "$("$TIDE" query "$db" --format csv -f "$TMP/q.tql" | tail -1)" "carol,0.00,1"
expect_eq from_stdin "$(printf '%s' "$q" | "$TIDE" query "$db" --format csv | tail -1)" "carol,0.00,1"

# WINDOW, ASOF and --asof: T defaults to just after the newest event.
expect_eq window "$("$TIDE" query "$db" --format csv 'SELECT count(*) AS n FROM orders WINDOW 7d')" "n
2"
expect_eq asof_clause "$("$TIDE" query "$db" --format csv "SELECT revenue() AS r FROM orders ASOF '2025-02-11'")" "r
150.01"
expect_eq asof_flag "$("$TIDE" query "$db" --format csv --asof 2025-02-11 'SELECT revenue() AS r FROM orders')" "r
150.01"
expect_eq where_tag "$("$TIDE" query "$db" --format csv "SELECT sum(amount) AS s FROM orders WHERE region = 'south'")" "s
980.25"
expect_eq avg_exact "$("$TIDE" query "$db" --format csv "SELECT avg_order() AS a FROM orders WHERE customer = 'alice'")" "a
75.00"
expect_eq series "$("$TIDE" query "$db" --format csv "SELECT revenue() AS r FROM orders WINDOW 1mo ASOF '2025-03-10' STEP 1mo COUNT 2 ORDER BY asof")" "asof,r
2025-02-10T00:00:00Z,100.01
2025-03-10T00:00:00Z,1030.25"
expect_eq rows "$("$TIDE" query "$db" --format csv "SELECT customer, amount FROM orders WHERE amount < 0")" "customer,amount
bob,-20.25"
expect_eq by_month "$("$TIDE" query "$db" --format csv 'SELECT month, count(*) AS n, count(DISTINCT customer) AS c FROM orders GROUP BY month ORDER BY month')" "month,n,c
2025-01,1,1
2025-02,2,2
2025-03,2,2"
expect_eq explain_head "$("$TIDE" query "$db" --format text 'EXPLAIN SELECT revenue() FROM orders WINDOW 30d' | grep -c 'sequence range only')" "1"
# scans that read nothing but an order's head fields (ts, customer, amount,
# cost) and tags read them from o_cols, decoding the tag columns only when
# they read a tag; a WHERE, an aggregate or a key on another column reads
# the log
for q in "SELECT customer, revenue() FROM orders WINDOW 30d GROUP BY customer" \
	"SELECT month, revenue() FROM orders GROUP BY month" "SELECT revenue() FROM orders ASOF '2025-03-01'" \
	"SELECT revenue() FROM orders WHERE amount > 0 AND cost IS NULL WINDOW 30d" \
	"SELECT count(*), count(DISTINCT customer), max(ts) FROM orders WINDOW 30d"; do
	expect_eq "explain_heads: $q" "$("$TIDE" query "$db" --format text "EXPLAIN $q" | grep -c "^scan the orders' head fields in 'o_cols'")" "1"
done
for q in "SELECT customer, revenue() FROM orders WHERE region = 'x' GROUP BY customer" \
	"SELECT region, revenue(), count(DISTINCT customer) FROM orders WINDOW 30d GROUP BY region" \
	"SELECT month, count(DISTINCT region) FROM orders WHERE amount > 0 GROUP BY month"; do
	expect_eq "explain_tags: $q" "$("$TIDE" query "$db" --format text "EXPLAIN $q" | grep -c "^scan the orders' head fields and tags in 'o_cols'")" "1"
done
for q in "SELECT revenue() FROM orders WHERE qty > 1 WINDOW 30d" "SELECT sum(qty) FROM orders WINDOW 30d" \
	"SELECT sku, revenue() FROM orders GROUP BY sku" "SELECT region, revenue() FROM orders WHERE sku = 'x' GROUP BY region"; do
	expect_eq "explain_log: $q" "$("$TIDE" query "$db" --format text "EXPLAIN $q" | grep -c "^scan log 'orders'")" "1"
done

# Errors: one line, LINE:COL, exit status 3.
err_case() { # name, query, message
	expect_status "$1_exit" 3 "$TIDE" query "$db" "$2"
	expect_eq "$1_message" "$(cat "$TMP/err")" "tide: $3"
}
err_case window_unit 'SELECT revenue() FROM orders WINDOW month' "1:37: expected a duration after WINDOW, found 'month'"
err_case unknown_fn 'SELECT revnue() FROM orders' "1:8: unknown function 'revnue'"
err_case needs_customer 'SELECT contribution() FROM orders' "1:8: contribution() is relative to each customer and needs GROUP BY customer"
err_case stability_window $'SELECT customer,\n  stability(1mo) FROM orders WINDOW 90d GROUP BY customer' "2:3: stability(1mo) needs a WINDOW that is a whole number of 1mo, got 90d"
err_case contacts_metric 'SELECT stage() FROM orders GROUP BY customer' "1:8: stage() is a metric of contacts; this query reads orders"
err_case bad_tz "SELECT revenue() FROM orders TZ 'Mars/Base'" "1:33: unknown time zone 'Mars/Base'"
err_case not_a_key 'SELECT amount FROM orders GROUP BY customer' "1:8: 'amount' is not a GROUP BY key or output column; use it inside an aggregate such as count(DISTINCT amount)"
expect_status timeout_flag 2 "$TIDE" query "$db" --timeout 0 "$q"
expect_status no_store 2 "$TIDE" query "$TMP/none" "$q"

# A point query reads one customer's index range, and says so.
expect_eq point_result "$("$TIDE" query "$db" --format csv "SELECT revenue() AS r, last_order() AS l FROM orders WHERE customer = 'bob' AND amount > 0")" "r,l
1000.50,2025-02-11T09:00:00Z"
expect_eq point_unknown "$("$TIDE" query "$db" --format csv "SELECT count(*) AS n FROM orders WHERE customer = 'nobody'")" "n
0"
expect_eq explain_point "$("$TIDE" query "$db" --format text "EXPLAIN SELECT revenue() FROM orders WHERE customer = 'bob'" | grep -c "index 'o_cust'")" "1"
expect_eq explain_top_k_names_candidates "$("$TIDE" query "$db" --format text "EXPLAIN SELECT customer, revenue() AS r FROM orders GROUP BY customer ORDER BY r DESC, customer LIMIT 2" | grep -c 'name only the customers that can make the limit (chosen on the first 1 ORDER BY term)')" "1"
expect_eq explain_having_names_late "$("$TIDE" query "$db" --format text "EXPLAIN SELECT customer, revenue() AS r FROM orders GROUP BY customer HAVING r > 0 ORDER BY r DESC" | grep -c 'name only the customers that pass HAVING')" "1"
expect_eq explain_ranks_name_all "$("$TIDE" query "$db" --format text "EXPLAIN SELECT customer, abc() AS a FROM orders GROUP BY customer ORDER BY a, customer LIMIT 2" | grep -c 'name only')" "0"
expect_eq top_k_names_candidates "$("$TIDE" query "$db" --format csv "SELECT customer, revenue() AS r FROM orders GROUP BY customer ORDER BY r DESC, customer LIMIT 2")" "customer,r
bob,980.25
alice,150.01"
expect_eq tag_not_equal "$("$TIDE" query "$db" --format csv "SELECT count(*) AS n FROM orders WHERE region != 'north'")" "n
2"

# A series as a derived table has asof as its first column.
expect_eq series_derived "$("$TIDE" query "$db" --format csv "SELECT asof, r FROM (SELECT revenue() AS r FROM orders WINDOW 1mo ASOF '2025-03-10' STEP 1mo COUNT 2) ORDER BY asof")" "asof,r
2025-02-10T00:00:00Z,100.01
2025-03-10T00:00:00Z,1030.25"
# --asof reaches the innermost query.
expect_eq asof_nested "$("$TIDE" query "$db" --format csv --asof 2025-02-11 "SELECT n FROM (SELECT n FROM (SELECT count(*) AS n FROM orders))")" "n
2"
err_case unknown_column "SELECT count(*) FROM orders WHERE regoin = 'north'" "1:35: unknown column 'regoin': orders events have ts customer amount qty sku cost and tags region"
err_case runtime_type 'SELECT revenue() * revenue() FROM orders' "1:8: cannot compute money * money"
# Logic takes true, false or null only, and the scalar functions numbers:
# anything else is an error at the expression, never a silent null or copy.
err_case not_integer 'SELECT count(*) AS n FROM orders WHERE NOT 5' "1:40: expected true or false after NOT, found integer"
err_case where_money 'SELECT count(*) AS n FROM orders WHERE amount' "1:40: expected true or false as a condition, found money"
err_case and_string "SELECT count(*) AS n FROM orders WHERE 'a' AND true" "1:40: expected true or false on each side of AND, found string"
err_case having_integer 'SELECT count(*) AS n FROM orders HAVING 5' "1:41: expected true or false as a condition, found integer"
err_case when_integer "SELECT CASE WHEN 1 THEN 'a' END AS x FROM orders" "1:18: expected true or false after WHEN, found integer"
err_case round_string "SELECT round(customer, 1) AS r FROM orders" "1:8: round() takes a number, found string"
err_case abs_string 'SELECT abs(customer) AS a FROM orders' "1:8: abs() takes a number, found string"
err_case negate_string 'SELECT -customer AS a FROM orders' "1:8: - takes a number, found string"
err_case between_types "SELECT count(*) AS n FROM orders WHERE amount BETWEEN 1 AND 'b'" "1:40: BETWEEN: cannot compare money with string"
# a header is one line: comments and line breaks inside an item fold to a space
expect_eq header_one_line "$("$TIDE" query "$db" --format csv "$(printf 'SELECT count(*) -- n\n  + 1, sum(amount)  *  2, %s FROM orders' "'a--b'")" | head -1)" "count(*) + 1,sum(amount)  *  2,'a--b'"
err_case round_arity 'SELECT round(1, 2, 3) AS x FROM orders' "1:8: round() takes 1 or 2 arguments, found 3"
# T and every point of a series lie in years 1..9999, like any timestamp
err_case asof_epoch_range 'SELECT count(*) AS n FROM orders ASOF 99999999999999' "1:39: ASOF takes a timestamp such as '2025-03-01' or '2025-03-01T10:22:00Z'"
err_case step_before_year_1 'SELECT count(*) AS n FROM orders STEP 1y COUNT 3000' "1:34: the series reaches before 0001-01-01: expected fewer points or a shorter STEP"
# sum/avg/median of a column that is not a number: found before any event is read
err_case sum_string_column 'SELECT sum(customer) AS s FROM orders WHERE amount > 1000000' "1:12: sum() takes numbers, found the string column customer"
err_case avg_timestamp_column 'SELECT avg(ts) AS s FROM orders' "1:12: avg() takes numbers, found the timestamp column ts"
err_case median_derived_string 'SELECT median(c) AS m FROM (SELECT customer AS c, revenue() AS r FROM orders GROUP BY customer)' "1:15: median() takes numbers, found string"
# SQL's IN: no match with a null in the list is null (so NOT IN keeps nothing)
expect_eq in_null_list "$("$TIDE" query "$db" --format csv "SELECT count(*) AS n FROM orders WHERE region IN ('north', null)")" "n
2"
expect_eq not_in_null_list "$("$TIDE" query "$db" --format csv "SELECT count(*) AS n FROM orders WHERE region NOT IN ('north', null)")" "n
0"

# Sums of money past what an int64 of 1/10000 units holds are an error,
# never a wrapped number: 9,224 orders of 10^11 pass 922337203685477.5807,
# 9,223 do not.  Split over two threads, the halves fit and their merge does not.
big_orders() {	# rows, customer pattern
	awk -v n="$1" -v c="$2" 'BEGIN { print "id,ts,customer,amount";
		for (i = 0; i < n; i++) printf "x%d,%d,%s,100000000000\n", i, 1735689600 + i, sprintf(c, i) }'
}
big_orders 9224 A >"$TMP/big.csv"
big_orders 9223 A >"$TMP/edge.csv"
big_orders 9224 c%05d >"$TMP/many.csv"
"$TIDE" ingest "$TMP/big.db" orders "$TMP/big.csv" >/dev/null
"$TIDE" ingest "$TMP/edge.db" orders "$TMP/edge.csv" >/dev/null
"$TIDE" ingest "$TMP/many.db" orders "$TMP/many.csv" >/dev/null
for m in revenue margin lifetime_value; do
	expect_status "overflow_$m" 3 "$TIDE" query "$TMP/big.db" "SELECT customer, $m() AS x FROM orders GROUP BY customer"
	expect_contains "overflow_${m}_says" "$TMP/err" "numeric overflow in $m(): a sum of money passes 922337203685477.5807"
done
expect_status overflow_split 3 env TIDE_SPLIT_MIN_EVENTS=1 "$TIDE" query "$TMP/big.db" "SELECT customer, revenue() AS x FROM orders GROUP BY customer"
expect_status overflow_stability 3 "$TIDE" query "$TMP/big.db" "SELECT customer, stability(1mo) AS s FROM orders WINDOW 12mo GROUP BY customer"
expect_eq overflow_other_metrics "$("$TIDE" query "$TMP/big.db" --format csv "SELECT customer, orders() AS n FROM orders GROUP BY customer")" "customer,n
A,9224"
expect_eq overflow_edge "$("$TIDE" query "$TMP/edge.db" --format csv "SELECT revenue() AS r FROM orders")" "r
922300000000000.00"
expect_eq overflow_own_revenue_fits "$("$TIDE" query "$TMP/many.db" --format csv "SELECT customer, revenue() AS r, rfm_m() AS m FROM orders GROUP BY customer ORDER BY customer LIMIT 1")" "customer,r,m
c00000,100000000000.00,1"
for m in contribution abc class; do
	expect_status "overflow_scope_$m" 3 "$TIDE" query "$TMP/many.db" "SELECT customer, $m() AS x FROM orders WINDOW 12mo GROUP BY customer"
done

# A NUL byte is part of the query, not its end: cut there, the WHERE would
# silently go.
printf 'SELECT count(*) AS n FROM orders\0 WHERE amount > 1000' >"$TMP/nul.tql"
expect_status nul_in_file 3 "$TIDE" query "$db" -f "$TMP/nul.tql"
expect_contains nul_in_file_says "$TMP/err" "1:33: unexpected character '\\x00'"
expect_status nul_on_stdin 3 sh -c "printf 'SELECT count(*) AS n FROM orders -- x\\0y\\n WHERE amount > 1000' | \"\$0\" query \"\$1\"" "$TIDE" "$db"
printf "SELECT count(*) AS n FROM orders WHERE customer = 'a\0b'" >"$TMP/nulstr.tql"
expect_status nul_in_string 3 "$TIDE" query "$db" -f "$TMP/nulstr.tql"
expect_contains nul_in_string_says "$TMP/err" "1:53: expected ' to close the string, found a NUL byte"

# coalesce of a timestamp with a string: the string is a timestamp too, so
# the column prints as one on every row
cat >"$TMP/k.csv" <<'CSV'
id,ts,customer,channel,next_followup
k1,2025-01-10T10:00:00Z,alice,call,2025-02-01T09:00:00Z
k2,2025-01-11T10:00:00Z,bob,email,
CSV
"$TIDE" ingest "$db" contacts "$TMP/k.csv" >/dev/null
expect_eq coalesce_timestamp "$("$TIDE" query "$db" --format csv "SELECT customer, coalesce(next_followup(), '2026-01-01') AS f FROM contacts GROUP BY customer")" "customer,f
alice,2025-02-01T09:00:00Z
bob,2026-01-01T00:00:00Z"
err_case coalesce_not_timestamp "SELECT coalesce(ts, 'soon') AS f FROM orders" "1:21: coalesce() of timestamps takes a timestamp such as '2025-03-01', found 'soon'"

# The LIMIT's cut keys each group by the leading ORDER BY metric itself:
# y has more events (two returns) but fewer orders than x, and the order by
# margin (z, y, x) is not the order by revenue (x, z, y).
cat >"$TMP/cut.csv" <<'CSV'
id,ts,customer,amount,cost
c1,2025-01-10,x,100,90
c2,2025-01-11,x,100,90
c3,2025-01-12,y,50,
c4,2025-01-13,y,-10,
c5,2025-01-14,y,-10,
c6,2025-01-15,z,40,
CSV
"$TIDE" ingest "$TMP/cut.db" orders "$TMP/cut.csv" >/dev/null
cutq() { "$TIDE" query "$TMP/cut.db" --format csv "SELECT customer, $1 AS v FROM orders GROUP BY customer ORDER BY v $2 LIMIT 1" | tail -1; }
expect_eq cut_by_orders "$(cutq 'orders()' DESC)" "x,2"
expect_eq cut_by_margin "$(cutq 'margin()' DESC)" "z,40.00"
expect_eq cut_by_ltv "$(cutq 'lifetime_value()' DESC)" "z,40.00"
expect_eq cut_by_revenue_asc "$(cutq 'revenue()' ASC)" "y,30.00"

# Ties through the cut, met after the LIMIT best are already held: thirty
# customers of one order each, arriving c30 first, so the rows that win on
# the customer are the last groups the scan makes.
for i in $(seq 30 -1 1); do printf 'o%02d,2025-02-%02d,c%02d,10\n' "$i" "$(( i % 28 + 1 ))" "$i"; done |
	{ echo "id,ts,customer,amount"; cat; } >"$TMP/ties.csv"
"$TIDE" ingest "$TMP/ties.db" orders "$TMP/ties.csv" >/dev/null
expect_eq cut_keeps_later_ties "$("$TIDE" query "$TMP/ties.db" --format csv "SELECT customer, orders() AS n FROM orders GROUP BY customer ORDER BY n DESC, customer LIMIT 3")" "customer,n
c01,1
c02,1
c03,1"
expect_eq cut_keeps_later_ties_asc "$("$TIDE" query "$TMP/ties.db" --format csv "SELECT customer, revenue() AS r FROM orders GROUP BY customer ORDER BY r, customer LIMIT 2")" "customer,r
c01,10.00
c02,10.00"

# A query that begins with a comment is the query, not an unknown option;
# one given twice is a usage error.
expect_eq comment_first "$("$TIDE" query "$db" --format csv $'-- revenue of all\nSELECT revenue() AS r FROM orders WHERE customer = \'alice\'')" "r
150.01"
expect_eq comment_first_after_dashes "$("$TIDE" query "$db" --format csv -- $'-- n\nSELECT count(*) AS n FROM orders')" "n
5"
expect_status comment_first_twice 2 "$TIDE" query "$db" '-- a
SELECT 1 AS x FROM orders' 'SELECT 2 AS x FROM orders'
expect_contains comment_first_twice_says "$TMP/err" "give the query once"

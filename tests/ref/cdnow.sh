#!/usr/bin/env bash
# The real CDNOW sample (Fader & Hardie; /work/shared/data/cdnow/SOURCE.md), converted to an
# orders CSV in tests/data/cdnow_sample_orders.csv: id = row number, ts = the date,
# customer = the sample id (column 2, without leading zeros), amount = dollar value,
# qty = number of CDs.  Checks: the published facts through TQL (and the same SQL), the
# published BG/NBD and gamma-gamma fits, and per-customer model outputs against
# tests/ref/cdnow.py's own computation at tide's fitted parameters.
. "$(dirname "$0")/reflib.bash"

CSV=$DATA/cdnow_sample_orders.csv
# the CSV is the conversion of the source file (when the source is at hand)
for src in "$DATA/CDNOW_sample.txt" /work/shared/data/cdnow/CDNOW_sample.txt; do
	[ -f "$src" ] || continue
	newcase cdnow_csv_is_the_sample
	awk 'BEGIN { print "id,ts,customer,amount,qty" }
	     { d = $3; printf "%d,%s-%s-%s,%d,%s,%d\n", NR, substr(d, 1, 4), substr(d, 5, 2), substr(d, 7, 2), $2 + 0, $5, $4 }' \
		"$src" | tr -d '\r' >"$TMP/conv.csv"
	cmp -s "$TMP/conv.csv" "$CSV" || casefail "$CSV differs from the conversion of $src"
	break
done

load cdnow "$CSV"
ctx "$T" all mo 12

# SOURCE.md: revenue 1997 / 1998 = 201,224.82 / 42,867.12; 6,919 rows; 2,357 customers;
# total 244,091.94; 16,479 CDs; 8 zero-value rows (orders, not returns)
rc cdnow_by_year_published "year:key r:money c:int" \
	"SELECT year, revenue() AS r, count(*) AS c FROM orders GROUP BY year ORDER BY year" \
	"SELECT '1997' AS year, 20122482 AS r, (SELECT count(*) FROM o WHERE ts < unixepoch('1998-01-01')) AS c
	 UNION ALL SELECT '1998', 4286712, (SELECT count(*) FROM o WHERE ts >= unixepoch('1998-01-01'))" --ordered
rc cdnow_by_year_sql "year:key r:money n:int c:int dc:int q:int s:money" \
	"SELECT year, revenue() AS r, orders() AS n, count(*) AS c, count(DISTINCT customer) AS dc, sum(qty) AS q,
	        sum(amount) AS s FROM orders GROUP BY year" \
	"SELECT strftime('%Y', ts, 'unixepoch') AS year, $(cents 'sum(amt)') AS r, sum(amt >= 0) AS n, count(*) AS c,
	        count(DISTINCT customer) AS dc, sum(qty) AS q, $(cents 'sum(amt)') AS s FROM hist GROUP BY 1"
rc cdnow_totals_published "r:money n:int c:int dc:int q:int" \
	"SELECT revenue() AS r, orders() AS n, count(*) AS c, count(DISTINCT customer) AS dc, sum(qty) AS q FROM orders" \
	"SELECT 24409194 AS r, 6919 AS n, 6919 AS c, 2357 AS dc, 16479 AS q"
rc cdnow_customers_published "n:int one_day:int" \
	"SELECT count(*) AS n, sum(CASE WHEN g IS NULL THEN 1 ELSE 0 END) AS one_day
	 FROM (SELECT customer, median_gap() AS g FROM orders GROUP BY customer)" \
	"SELECT 2357 AS n, 1218 AS one_day"
rc cdnow_top20_share "s:money" \
	"SELECT sum(r) AS s FROM (SELECT customer, revenue() AS r FROM orders GROUP BY customer ORDER BY r DESC, customer LIMIT 471)" \
	"SELECT $(cents 'sum(rev_u)') AS s FROM (SELECT rev_u FROM cm ORDER BY rev_u DESC, customer LIMIT 471)"
newcase cdnow_top20_share_published
tq "SELECT sum(r) AS s FROM (SELECT customer, revenue() AS r FROM orders GROUP BY customer ORDER BY r DESC LIMIT 471)" "$C.t.json" &&
	{ python3 -c '
import json, sys
s = float(json.load(open(sys.argv[1]))[0]["s"]) / 244091.94
sys.exit(0 if abs(s - 0.6740) < 5e-5 else 1)' "$C.t.json" ||
	casefail "top 471 customers hold $(tr -d '\n' <"$C.t.json") of 244091.94, want share 0.6740"; }
rc cdnow_all_history_metrics "customer:key r:money n:int fo:ts lo:ts gap:ratio ltv:money rm:int a:str" \
	"SELECT customer, revenue() AS r, orders() AS n, first_order() AS fo, last_order() AS lo, median_gap() AS gap,
	        lifetime_value() AS ltv, rfm_m() AS rm, abc() AS a FROM orders GROUP BY customer" \
	"SELECT customer, revenue AS r, orders AS n, first_ts AS fo, last_ts AS lo, median_gap AS gap,
	        lifetime_value AS ltv, rfm_m AS rm, abc AS a FROM cmc"

# the models, ASOF '1997-10-01' (calibration ends 1997-09-30)
newcase cdnow_model_queries
if tq "SELECT bgnbd('r') AS r, bgnbd('alpha') AS alpha, bgnbd('a') AS a, bgnbd('b') AS b, bgnbd('ll') AS ll,
          gg('p') AS p, gg('q') AS q, gg('gamma') AS g, gg('ll') AS gll FROM orders ASOF '1997-10-01'" "$TMP/params.json" &&
	tq "SELECT customer, p_alive() AS pa, expected_orders(39w) AS eo, expected_orders(90d) AS e90,
	           expected_spend() AS es, clv(12mo, 0.01) AS clv
	    FROM orders ASOF '1997-10-01' GROUP BY customer" "$TMP/cust.json"; then
	python3 "$REF/cdnow.py" "$CSV" "$TMP/params.json" "$TMP/cust.json"
	# HAVING keeps the fit over everyone: the customer's row equals its row in the full answer
	newcase cdnow_having_one_customer
	tq "SELECT customer, p_alive() AS pa, expected_orders(39w) AS eo, expected_orders(90d) AS e90,
	           expected_spend() AS es, clv(12mo, 0.01) AS clv
	    FROM orders ASOF '1997-10-01' GROUP BY customer HAVING customer = '1516'" "$C.t.json" &&
		{ python3 -c '
import json, sys
one = json.load(open(sys.argv[1]))
full = [r for r in json.load(open(sys.argv[2])) if r["customer"] == "1516"]
sys.exit(0 if one == full and len(one) == 1 else 1)' "$C.t.json" "$TMP/cust.json" ||
		casefail "HAVING customer = '1516' gives $(tr -d '\n' <"$C.t.json")"; }
fi

finish

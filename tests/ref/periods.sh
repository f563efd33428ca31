#!/usr/bin/env bash
# Calendar-period groups (GROUP BY month / quarter / year), churn_rate, and series
# (STEP ... COUNT n) on a generated history, against SQL over the same events.
. "$(dirname "$0")/reflib.bash"

"$GEN" --seed 23 --orders 3000 --out "$TMP/g" 2>/dev/null
load g "$TMP/g/orders.csv" "$TMP/g/contacts.csv"

W12=$(mo_before "$T" 12)
ctx "$T" "$W12" mo 12
MONTH="strftime('%Y-%m', ts, 'unixepoch')"

# GROUP BY month over a window that cuts its first month (T is mid-month)
rc month_revenue_orders "month:key r:money n:int" \
	"SELECT month, revenue() AS r, orders() AS n FROM orders WINDOW 12mo GROUP BY month ORDER BY month" \
	"SELECT $MONTH AS month, $(cents 'sum(amt)') AS r, sum(amt >= 0) AS n FROM win GROUP BY 1 ORDER BY 1" --ordered
rc month_aggregates "month:key c:int s:money dc:int q:int" \
	"SELECT month, count(*) AS c, sum(amount) AS s, count(DISTINCT customer) AS dc, sum(qty) AS q
	 FROM orders WINDOW 12mo GROUP BY month ORDER BY month" \
	"SELECT $MONTH AS month, count(*) AS c, $(cents 'sum(amt)') AS s, count(DISTINCT customer) AS dc,
	        sum(qty) AS q FROM win GROUP BY 1 ORDER BY 1" --ordered
rc month_where_amount "month:key c:int s:money mx:money mn:money" \
	"SELECT month, count(*) AS c, sum(amount) AS s, max(amount) AS mx, min(amount) AS mn
	 FROM orders WHERE amount < 50 WINDOW 12mo GROUP BY month" \
	"SELECT $MONTH AS month, count(*) AS c, $(cents 'sum(amt)') AS s, $(cents 'max(amt)') AS mx,
	        $(cents 'min(amt)') AS mn FROM win WHERE amt < 500000 GROUP BY 1"
rc quarter_revenue "quarter:key r:money n:int" \
	"SELECT quarter, revenue() AS r, orders() AS n FROM orders WINDOW 12mo GROUP BY quarter" \
	"SELECT strftime('%Y', ts, 'unixepoch') || '-Q' || ((CAST(strftime('%m', ts, 'unixepoch') AS INTEGER) + 2) / 3) AS quarter,
	        $(cents 'sum(amt)') AS r, sum(amt >= 0) AS n FROM win GROUP BY 1"
# ISO weeks (Monday first; the week belongs to the year of its Thursday), days, years
THU="date(ts, 'unixepoch', '-' || ((CAST(strftime('%w', ts, 'unixepoch') AS INTEGER) + 6) % 7) || ' days', '+3 days')"
rc week_revenue "week:key r:money c:int" \
	"SELECT week, revenue() AS r, count(*) AS c FROM orders WINDOW 12mo GROUP BY week" \
	"SELECT printf('%s-W%02d', strftime('%Y', $THU), (CAST(strftime('%j', $THU) AS INTEGER) - 1) / 7 + 1) AS week,
	        $(cents 'sum(amt)') AS r, count(*) AS c FROM win GROUP BY 1"
rc day_revenue "day:key r:money n:int" \
	"SELECT day, revenue() AS r, orders() AS n FROM orders WINDOW 60d GROUP BY day" \
	"SELECT date(ts, 'unixepoch') AS day, $(cents 'sum(amt)') AS r, sum(amt >= 0) AS n FROM win
	 WHERE ts >= $T - 60 * 86400 GROUP BY 1"
rc year_revenue_all_history "year:key r:money n:int dc:int" \
	"SELECT year, revenue() AS r, orders() AS n, count(DISTINCT customer) AS dc FROM orders GROUP BY year" \
	"SELECT strftime('%Y', ts, 'unixepoch') AS year, $(cents 'sum(amt)') AS r, sum(amt >= 0) AS n,
	        count(DISTINCT customer) AS dc FROM hist GROUP BY 1"
rc month_region "month:key region:key r:money" \
	"SELECT month, region, revenue() AS r FROM orders WINDOW 12mo GROUP BY month, region" \
	"SELECT $MONTH AS month, region, $(cents 'sum(amt)') AS r FROM win GROUP BY 1, 2"

# aggregates over events per month: count(x) skips nulls, avg/median of money stay money
MED="(SELECT month, sum(amt) AS s2, count(*) AS n2 FROM (
        SELECT $MONTH AS month, amt, row_number() OVER (PARTITION BY $MONTH ORDER BY amt) AS rn,
               count(*) OVER (PARTITION BY $MONTH) AS cnt FROM win)
      WHERE rn IN ((cnt + 1) / 2, (cnt + 2) / 2) GROUP BY month) md"
rc month_aggregates_more "month:key cc:int sc:money av:money md:money ds:int aq:ratio mx:money" \
	"SELECT month, count(cost) AS cc, sum(cost) AS sc, avg(amount) AS av, median(amount) AS md,
	        count(DISTINCT sku) AS ds, avg(qty) AS aq, max(cost) AS mx FROM orders WINDOW 12mo GROUP BY month" \
	"SELECT w.month, count(cost_u) AS cc, $(cents 'sum(cost_u)') AS sc, $(cents_div 'sum(amt)' 'count(*)') AS av,
	        $(cents_div 'md.s2' 'md.n2') AS md, count(DISTINCT sku) AS ds, avg(qty) AS aq, $(cents 'max(cost_u)') AS mx
	 FROM (SELECT $MONTH AS month, * FROM win) w JOIN $MED ON md.month = w.month GROUP BY w.month"


# churn_rate(1mo) per month: of the customers with an order in month p-1 (looked at even
# before the window), the share with no order in month p.  The window here is aligned on
# month starts (ASOF the 1st), so every month p lies wholly inside it.
churn_sql() { # the SQL of churn_rate(1mo) by month, p's orders taken from the window
	echo "WITH m AS (SELECT DISTINCT $MONTH AS month FROM win),
	  pm AS (SELECT DISTINCT customer, $MONTH AS month FROM hist WHERE amt >= 0),
	  cm AS (SELECT DISTINCT customer, $MONTH AS month FROM win WHERE amt >= 0)
	SELECT m.month,
	  (SELECT CASE WHEN count(*) = 0 THEN NULL
	               ELSE sum(NOT EXISTS (SELECT 1 FROM cm WHERE cm.customer = p.customer AND cm.month = m.month)) * 1.0 / count(*) END
	   FROM pm p WHERE p.month = strftime('%Y-%m', m.month || '-01', '-1 month')) AS cr,
	  $(cents 'sum(amt)') AS r
	FROM m JOIN win ON $MONTH = m.month GROUP BY m.month ORDER BY m.month"
}
TA=$($PY epoch 2025-06-01)
ctx "$TA" "$(mo_before "$TA" 12)" mo 12
rc churn_rate_by_month "month:key cr:ratio r:money" \
	"SELECT month, churn_rate(1mo) AS cr, revenue() AS r FROM orders WINDOW 12mo ASOF '2025-06-01' GROUP BY month ORDER BY month" \
	"$(churn_sql)" --ordered
OF="region = 'south'" ctx "$TA" "$(mo_before "$TA" 12)" mo 12
rc churn_rate_where_region "month:key cr:ratio r:money" \
	"SELECT month, churn_rate(1mo) AS cr, revenue() AS r FROM orders WHERE region = 'south' WINDOW 12mo ASOF '2025-06-01'
	 GROUP BY month ORDER BY month" \
	"$(churn_sql)" --ordered
# churn_rate(1q) by quarter, aligned (ASOF the first day of a quarter)
TQ=$($PY epoch 2025-07-01)
ctx "$TQ" "$(mo_before "$TQ" 12)" 3mo 4
QTR="(strftime('%Y', ts, 'unixepoch') || '-Q' || ((CAST(strftime('%m', ts, 'unixepoch') AS INTEGER) + 2) / 3))"
rc churn_rate_by_quarter "quarter:key cr:ratio" \
	"SELECT quarter, churn_rate(1q) AS cr FROM orders WINDOW 12mo ASOF '2025-07-01' GROUP BY quarter ORDER BY quarter" \
	"WITH q AS (SELECT DISTINCT $QTR AS quarter FROM win),
	      pq AS (SELECT DISTINCT customer, $QTR AS quarter FROM hist WHERE amt >= 0),
	      prevq AS (SELECT quarter,
	                  CASE WHEN substr(quarter, 7) = '1' THEN (CAST(substr(quarter, 1, 4) AS INTEGER) - 1) || '-Q4'
	                       ELSE substr(quarter, 1, 6) || (CAST(substr(quarter, 7) AS INTEGER) - 1) END AS prev FROM q)
	 SELECT p.quarter,
	   (SELECT CASE WHEN count(*) = 0 THEN NULL
	                ELSE sum(NOT EXISTS (SELECT 1 FROM pq c WHERE c.customer = x.customer AND c.quarter = p.quarter)) * 1.0 / count(*) END
	    FROM pq x WHERE x.quarter = p.prev) AS cr
	 FROM prevq p ORDER BY p.quarter" --ordered

# default T (mid-month): the first month is cut by the window, the last by T.  Reading of the
# contract: a period group holds the events in the window ("computed over the ... events in
# scope"), and only p-1 is looked at outside it; so for the cut first month, p's orders are
# those inside the window (tide, at the time of writing, counts the whole calendar month p).
ctx "$T" "$W12" mo 12
rc churn_rate_cut_window "month:key cr:ratio r:money" \
	"SELECT month, churn_rate(1mo) AS cr, revenue() AS r FROM orders WINDOW 12mo GROUP BY month ORDER BY month" \
	"$(churn_sql)" --ordered

# series: each point equals the same query run with that ASOF, and the points are
# T, T-1mo, T-2mo (the property test)
series series_customer_3 "customer:key r:money c:ratio rec:ratio cl:str" \
	"SELECT customer, revenue() AS r, contribution() AS c, recency() AS rec, class() AS cl FROM orders WINDOW 12mo" \
	"GROUP BY customer ORDER BY customer" "$T" "" mo 3
series series_month_3 "month:key r:money n:int dc:int cr:ratio" \
	"SELECT month, revenue() AS r, orders() AS n, count(DISTINCT customer) AS dc, churn_rate(1mo) AS cr FROM orders WINDOW 3mo" \
	"GROUP BY month ORDER BY month" "$T" "" mo 3
series series_having "customer:key share:ratio" \
	"SELECT customer, contribution() AS share FROM orders WINDOW 90d" \
	"GROUP BY customer HAVING share >= 0.01 ORDER BY share DESC, customer" "$T" "" mo 3
series series_scope_4_weeks "r:money n:int" \
	"SELECT revenue() AS r, orders() AS n FROM orders WINDOW 4w" "" "$T" "" 7 4
# and one point of the series against SQL directly (T - 2mo)
T2=$(mo_before "$T" 2)
ctx "$T2" "$(mo_before "$T2" 12)" mo 12
newcase series_point_vs_sql
tq "SELECT asof, customer, revenue() AS r, stability(1mo) AS st FROM orders WINDOW 12mo STEP 1mo COUNT 3
    GROUP BY customer ORDER BY asof, customer" "$C.t.json" &&
	python3 -c '
import json, sys
rows = [r for r in json.load(open(sys.argv[1])) if r["asof"] == sys.argv[2]]
for r in rows: del r["asof"]
json.dump(rows, open(sys.argv[1], "w"))' "$C.t.json" "$(iso "$T2")" &&
	sq "SELECT customer, revenue AS r, stability AS st FROM cmc ORDER BY customer" "$C.s.json" &&
	echo "customer:key r:money st:ratio" >"$C.spec" && echo --ordered >"$C.opts"

# time zones: calendar buckets and month arithmetic in the query's zone (Python zoneinfo
# gives each order its local buckets); a DST change inside the data
$PY tzkeys "$SDB" America/New_York
WNY=$($PY addmo_tz "$T" -12 America/New_York)
ctx "$T" "$WNY" mo 12
rc tz_new_york_month "month:key r:money c:int" \
	"SELECT month, revenue() AS r, count(*) AS c FROM orders WINDOW 12mo TZ 'America/New_York' GROUP BY month" \
	"SELECT z.month, $(cents 'sum(amt)') AS r, count(*) AS c FROM win JOIN otz z USING (id) GROUP BY 1"
rc tz_new_york_day "day:key r:money" \
	"SELECT day, revenue() AS r FROM orders WINDOW 12mo TZ 'America/New_York' GROUP BY day" \
	"SELECT z.day, $(cents 'sum(amt)') AS r FROM win JOIN otz z USING (id) GROUP BY 1"

load tz "$DATA/ref_tz.csv"
$PY tzkeys "$SDB" Europe/Berlin
TZT=$($PY epoch 2025-04-15T00:00:00Z)
ctx "$TZT" all mo 12
for b in day week month quarter year; do
	rc "tz_berlin_$b" "$b:key r:money c:int" \
		"SELECT $b, revenue() AS r, count(*) AS c FROM orders ASOF '2025-04-15T00:00:00Z' TZ 'Europe/Berlin' GROUP BY $b" \
		"SELECT z.$b AS $b, $(cents 'sum(amt)') AS r, count(*) AS c FROM win JOIN otz z USING (id) GROUP BY 1"
done
rc tz_berlin_month_by_hand "month:key r:money" \
	"SELECT month, revenue() AS r FROM orders ASOF '2025-04-15T00:00:00Z' TZ 'Europe/Berlin' GROUP BY month" \
	"SELECT column1 AS month, column2 AS r FROM (VALUES ('2025-01', 19200), ('2025-03', 1500), ('2025-04', 4800))"
# T - 1mo in Berlin wall time: 2025-04-15 02:00 CEST - 1mo = 2025-03-15 02:00 CET = 01:00Z, so
# the order at 00:30Z on 03-15 is outside the window (it would be inside in UTC)
rc tz_berlin_window_1mo "customer:key r:money" \
	"SELECT customer, revenue() AS r FROM orders WINDOW 1mo ASOF '2025-04-15T00:00:00Z' TZ 'Europe/Berlin' GROUP BY customer" \
	"SELECT column1 AS customer, column2 AS r FROM (VALUES ('zA', 400), ('zB', 2600), ('zD', 3200))"

finish

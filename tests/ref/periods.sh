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
rc month_region "month:key region:key r:money" \
	"SELECT month, region, revenue() AS r FROM orders WINDOW 12mo GROUP BY month, region" \
	"SELECT $MONTH AS month, region, $(cents 'sum(amt)') AS r FROM win GROUP BY 1, 2"

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
# default T (mid-month): the first month is cut by the window, the last by T
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

finish

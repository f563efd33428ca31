#!/usr/bin/env bash
# Every per-customer metric of metrics.md, one case each, on a generated history:
# tide's answer against the same definition written in SQL (metrics.sql) and run by sqlite3.
. "$(dirname "$0")/reflib.bash"

"$GEN" --seed 11 --orders 3000 --out "$TMP/g" 2>/dev/null
load g "$TMP/g/orders.csv" "$TMP/g/contacts.csv"

W12=$(mo_before "$T" 12)
ctx "$T" "$W12" mo 12
Q="FROM orders WINDOW 12mo GROUP BY customer"

# one metric per case: m NAME TYPE TQL-EXPR SQL-COLUMN-OF-cmc
m() { rc "$1" "customer:key v:$2" "SELECT customer, $3 AS v $Q" "SELECT customer, $4 AS v FROM cmc"; }
m revenue          money "revenue()"          revenue
m orders           int   "orders()"           orders
m avg_order        money "avg_order()"        avg_order
m margin           money "margin()"           margin
m first_order      ts    "first_order()"      first_ts
m last_order       ts    "last_order()"       last_ts
m recency          ratio "recency()"          recency
m tenure           ratio "tenure()"           tenure
m contribution     ratio "contribution()"     contribution
m activity_1mo     ratio "activity(1mo)"      activity
m stability_1mo    ratio "stability(1mo)"     stability
m median_gap       ratio "median_gap()"       median_gap
m churned_90d      bool  "churned(90d)"       churned90
m churned_adaptive bool  "churned_adaptive(2, 30d)" churned_ad
m rfm_r            int   "rfm_r()"            rfm_r
m rfm_f            int   "rfm_f()"            rfm_f
m rfm_m            int   "rfm_m()"            rfm_m
m class_default    str   "class()"            class
m abc_default      str   "abc()"              abc
m tier             int   "tier(revenue(), 1000, 500, 100)" tier
m lifetime_value   money "lifetime_value()"   lifetime_value

# class with explicit thresholds (these compare as reals: no exact boundary in this data)
m class_explicit str "class(0.02, 0.4)" \
	"CASE WHEN contribution >= 0.02 AND stability >= 0.4 THEN 'EI' WHEN contribution >= 0.02 THEN 'EII'
	      WHEN stability >= 0.4 THEN 'EIII' ELSE 'EIV' END"
# abc with explicit cut points a=0.3 b=0.6 c=0.9: s < a  <=>  10*above < 3*total, ...
m abc_explicit str "abc(0.3, 0.6, 0.9)" \
	"CASE WHEN rev_u <= 0 OR (SELECT total_u FROM tot) <= 0 THEN 'D'
	      WHEN 10 * (SELECT above_u FROM crank r WHERE r.customer = cmc.customer) < 3 * (SELECT total_u FROM tot) THEN 'A'
	      WHEN 10 * (SELECT above_u FROM crank r WHERE r.customer = cmc.customer) < 6 * (SELECT total_u FROM tot) THEN 'B'
	      WHEN 10 * (SELECT above_u FROM crank r WHERE r.customer = cmc.customer) < 9 * (SELECT total_u FROM tot) THEN 'C'
	      ELSE 'D' END"

# contributions in scope sum to 1 (total > 0 here), and the classes partition the scope
rc contribution_sums_to_1 "s:ratio n:int" \
	"SELECT sum(c) AS s, count(*) AS n FROM (SELECT customer, contribution() AS c $Q)" \
	"SELECT CASE WHEN total_u > 0 THEN 1.0 ELSE 0.0 END AS s, n FROM tot"
rc class_partition "n:int k:int" \
	"SELECT count(*) AS n, sum(CASE WHEN cl IN ('EI', 'EII', 'EIII', 'EIV') THEN 1 ELSE 0 END) AS k
	 FROM (SELECT customer, class() AS cl $Q)" \
	"SELECT n, n AS k FROM tot"
# the example of language.md: the four classes and what each holds
rc derived_classes "class:key customers:int revenue:money" \
	"SELECT class, count(*) AS customers, sum(revenue) AS revenue
	 FROM (SELECT customer, class() AS class, revenue() AS revenue FROM orders WINDOW 12mo GROUP BY customer)
	 GROUP BY class ORDER BY class" \
	"SELECT class, count(*) AS customers, $(cents 'sum(rev_u)') AS revenue FROM cmc GROUP BY class ORDER BY class" --ordered
rc derived_where_having "class:key customers:int" \
	"SELECT class, count(*) AS customers
	 FROM (SELECT customer, class() AS class, revenue() AS revenue FROM orders WINDOW 12mo GROUP BY customer)
	 WHERE revenue > 200 GROUP BY class HAVING customers >= 2 ORDER BY class" \
	"SELECT class, count(*) AS customers FROM cmc WHERE rev_u > 2000000 GROUP BY class
	 HAVING count(*) >= 2 ORDER BY class" --ordered

# HAVING, ORDER BY, LIMIT (ordered comparison)
rc having_order_limit "customer:key rev:money n:int" \
	"SELECT customer, revenue() AS rev, orders() AS n $Q HAVING n >= 5 AND rev > 300
	 ORDER BY rev DESC, customer LIMIT 10" \
	"SELECT customer, revenue AS rev, orders AS n FROM cmc WHERE orders >= 5 AND rev_u > 3000000
	 ORDER BY rev_u DESC, customer LIMIT 10" --ordered
rc order_by_two_keys_limit "customer:key n:int r:int" \
	"SELECT customer, orders() AS n, rfm_r() AS r $Q ORDER BY n DESC, r ASC, customer DESC LIMIT 7" \
	"SELECT customer, orders AS n, rfm_r AS r FROM cmc ORDER BY orders DESC, rfm_r ASC, customer DESC LIMIT 7" --ordered
# count(DISTINCT) of interned columns counts ids: as a small table per group
# (by region) and as a bitmap over the whole window; a missing tag is null
rc count_distinct_interned "n:int c:int s:int g:int" \
	"SELECT count(*) AS n, count(DISTINCT customer) AS c, count(DISTINCT sku) AS s, count(DISTINCT region) AS g
	 FROM orders WINDOW 12mo" \
	"SELECT count(*) AS n, count(DISTINCT customer) AS c, count(DISTINCT sku) AS s, count(DISTINCT region) AS g FROM win"
rc count_distinct_interned_by_region "region:key c:int s:int r:int" \
	"SELECT region, count(DISTINCT customer) AS c, count(DISTINCT sku) AS s, count(DISTINCT rep) AS r
	 FROM orders WINDOW 12mo GROUP BY region" \
	"SELECT region, count(DISTINCT customer) AS c, count(DISTINCT sku) AS s, count(DISTINCT rep) AS r FROM win GROUP BY region"
# A LIMIT that cuts through a tie on the leading term: the candidates for the
# cut are chosen before customers are named, so every tied one must survive
# it and the name decide.  K is chosen where the K-th and (K+1)-th tie.
K=$(sqlv "SELECT k FROM (SELECT row_number() OVER (ORDER BY orders DESC, customer) AS k, orders,
	  lead(orders) OVER (ORDER BY orders DESC, customer) AS nxt,
	  lag(orders) OVER (ORDER BY orders DESC, customer) AS prv FROM cmc)
	  WHERE k >= 5 AND orders = nxt AND orders = prv ORDER BY k LIMIT 1")
[ -n "$K" ] || echo "FAIL limit_cuts_a_tie: no tie in the data to cut (test bug)"
rc limit_cuts_a_tie "customer:key n:int" \
	"SELECT customer, orders() AS n $Q ORDER BY n DESC, customer LIMIT $K" \
	"SELECT customer, orders AS n FROM cmc ORDER BY orders DESC, customer LIMIT $K" --ordered
rc limit_cuts_a_tie_name_desc "customer:key n:int" \
	"SELECT customer, orders() AS n $Q ORDER BY n DESC, customer DESC LIMIT $K" \
	"SELECT customer, orders AS n FROM cmc ORDER BY orders DESC, customer DESC LIMIT $K" --ordered
# The cut on a leading metric ascending, where customers with only returns
# have no average (null, first), and on a metric ORDER BY names directly.
rc limit_cut_ascending_nulls "customer:key a:money" \
	"SELECT customer, avg_order() AS a $Q ORDER BY a, customer LIMIT $K" \
	"SELECT customer, avg_order AS a FROM cmc ORDER BY avg_order, customer LIMIT $K" --ordered
rc limit_cut_metric_not_selected "customer:key n:int" \
	"SELECT customer, orders() AS n $Q ORDER BY margin() DESC, customer LIMIT $K" \
	"SELECT customer, orders AS n FROM cmc ORDER BY margin_u DESC, customer LIMIT $K" --ordered
rc limit_having_on_name "customer:key n:int" \
	"SELECT customer, orders() AS n $Q HAVING customer > 'c0000050' ORDER BY n DESC, customer LIMIT $K" \
	"SELECT customer, orders AS n FROM cmc WHERE customer > 'c0000050' ORDER BY orders DESC, customer LIMIT $K" --ordered
# HAVING alone (no LIMIT) picks the customers to name when it does not read
# the name; with the name in it, or with no ORDER BY (rows in name order),
# everyone is named first.
rc having_names_late "customer:key n:int" \
	"SELECT customer, orders() AS n $Q HAVING n >= 2 ORDER BY n DESC, customer" \
	"SELECT customer, orders AS n FROM cmc WHERE orders >= 2 ORDER BY orders DESC, customer" --ordered
rc having_on_name_no_limit "customer:key n:int" \
	"SELECT customer, orders() AS n $Q HAVING customer > 'c0000050' AND n >= 2 ORDER BY n DESC, customer" \
	"SELECT customer, orders AS n FROM cmc WHERE customer > 'c0000050' AND orders >= 2 ORDER BY orders DESC, customer" --ordered
rc having_in_name_order "customer:key n:int" \
	"SELECT customer, orders() AS n $Q HAVING n >= 2" \
	"SELECT customer, orders AS n FROM cmc WHERE orders >= 2 ORDER BY customer" --ordered
rc limit_name_first "customer:key n:int" \
	"SELECT customer, orders() AS n $Q ORDER BY customer DESC, n LIMIT $K" \
	"SELECT customer, orders AS n FROM cmc ORDER BY customer DESC, orders LIMIT $K" --ordered
# In a series every point makes its own cut, so the answer must be the head
# of the uncut series.  Ordered by asof first, the LIMIT cuts inside the
# oldest point, at KS: where the KS-th and (KS+1)-th rows tie on n and the
# (KS-1)-th beats them.
newcase series_limit_is_head_of_series
SERIES="SELECT customer, orders() AS n FROM orders WINDOW 90d STEP 1mo COUNT 3 GROUP BY customer ORDER BY asof, n DESC, customer"
"$TIDE" query "$DB" --format csv "$SERIES" >"$C.full.csv"
KS=$(awk -F, 'NR > 3 && $1 == a1 && $NF == n1 && n1 != n2 { print NR - 2; exit }
	{ n2 = n1; a1 = $1; n1 = $NF }' "$C.full.csv")
"$TIDE" query "$DB" --format csv "$SERIES LIMIT ${KS:-0}" >"$C.cut.csv"
[ -n "$KS" ] && [ "$(wc -l <"$C.cut.csv")" -eq $((KS + 1)) ] &&
	head -n $((KS + 1)) "$C.full.csv" | cmp -s "$C.cut.csv" - ||
	casefail "LIMIT ${KS:-?} of the series differs from its first rows: $(head -n $((${KS:-0} + 1)) "$C.full.csv" | diff "$C.cut.csv" - | head -4 | tr '\n' ' ')"
rc having_metric_calls "customer:key days:ratio ltv:money" \
	"SELECT customer, recency() AS days, lifetime_value() AS ltv $Q
	 HAVING churned(90d) AND abc() IN ('A', 'B', 'C') ORDER BY ltv DESC, customer" \
	"SELECT customer, recency AS days, lifetime_value AS ltv FROM cmc
	 WHERE churned90 AND abc IN ('A', 'B', 'C') ORDER BY ltv_u DESC, customer" --ordered

# all history (no WINDOW): scope is every customer with an order event before T
ctx "$T" all mo 12
rc all_history "customer:key r:money n:int c:ratio a:str m:int" \
	"SELECT customer, revenue() AS r, orders() AS n, contribution() AS c, abc() AS a, rfm_m() AS m
	 FROM orders GROUP BY customer" \
	"SELECT customer, revenue AS r, orders AS n, contribution AS c, abc AS a, rfm_m AS m FROM cmc"

# the last 7 days' top customers by revenue: the week's leaders answer it
# (the scan, with TIDE_ROLLUPS=0 in scan.sh)
ctx "$T" "$(d_before "$T" 7)" 7 1
rc week_top_by_revenue "customer:key r:money n:int a:money m:money" \
	"SELECT customer, revenue() AS r, orders() AS n, avg_order() AS a, margin() AS m FROM orders WINDOW 7d
	 GROUP BY customer ORDER BY r DESC, customer LIMIT 20" \
	"SELECT customer, revenue AS r, orders AS n, avg_order AS a, margin AS m FROM cmc
	 ORDER BY rev_u DESC, customer LIMIT 20" --ordered

# a shorter window: 12 weeks, activity over weeks
ctx "$T" "$(d_before "$T" 84)" 7 12
rc window_12w_activity_1w "customer:key act:ratio st:ratio n:int" \
	"SELECT customer, activity(1w) AS act, stability(1w) AS st, orders() AS n FROM orders WINDOW 12w GROUP BY customer" \
	"SELECT customer, activity AS act, stability AS st, orders AS n FROM cmc"

# WHERE on a tag, and on amount: the filter applies before every metric and defines scope
OF="region = 'north'" ctx "$T" "$W12" mo 12
rc where_region "customer:key r:money c:ratio fo:ts ltv:money m:int a:str cl:str mg:ratio" \
	"SELECT customer, revenue() AS r, contribution() AS c, first_order() AS fo, lifetime_value() AS ltv,
	        rfm_m() AS m, abc() AS a, class() AS cl, median_gap() AS mg
	 FROM orders WHERE region = 'north' WINDOW 12mo GROUP BY customer" \
	"SELECT customer, revenue AS r, contribution AS c, first_ts AS fo, lifetime_value AS ltv,
	        rfm_m AS m, abc AS a, class AS cl, median_gap AS mg FROM cmc"
OF="amt >= 1000000" ctx "$T" "$W12" mo 12
rc where_amount "customer:key r:money n:int c:ratio lo:ts st:ratio f:int" \
	"SELECT customer, revenue() AS r, orders() AS n, contribution() AS c, last_order() AS lo,
	        stability(1mo) AS st, rfm_f() AS f
	 FROM orders WHERE amount >= 100 WINDOW 12mo GROUP BY customer" \
	"SELECT customer, revenue AS r, orders AS n, contribution AS c, last_ts AS lo, stability AS st,
	        rfm_f AS f FROM cmc"
OF="amt < 0 OR channel = 'phone'" ctx "$T" "$W12" mo 12
rc where_or_returns "customer:key r:money n:int ao:money" \
	"SELECT customer, revenue() AS r, orders() AS n, avg_order() AS ao
	 FROM orders WHERE amount < 0 OR channel = 'phone' WINDOW 12mo GROUP BY customer" \
	"SELECT customer, revenue AS r, orders AS n, avg_order AS ao FROM cmc"

# ASOF in the past, 90-day window
TP=$($PY epoch 2025-03-15)
ctx "$TP" "$(d_before "$TP" 90)" 30 3
rc asof_past "customer:key r:money n:int rec:ratio fo:ts lo:ts ch:bool c:ratio rr:int ltv:money mg:ratio cl:str" \
	"SELECT customer, revenue() AS r, orders() AS n, recency() AS rec, first_order() AS fo, last_order() AS lo,
	        churned(90d) AS ch, contribution() AS c, rfm_r() AS rr, lifetime_value() AS ltv, median_gap() AS mg,
	        class(0.05, 0.5, 30d) AS cl
	 FROM orders WINDOW 90d ASOF '2025-03-15' GROUP BY customer" \
	"SELECT customer, revenue AS r, orders AS n, recency AS rec, first_ts AS fo, last_ts AS lo,
	        churned90 AS ch, contribution AS c, rfm_r AS rr, lifetime_value AS ltv, median_gap AS mg,
	        CASE WHEN contribution >= 0.05 AND hi_s THEN 'EI' WHEN contribution >= 0.05 THEN 'EII'
	             WHEN hi_s THEN 'EIII' ELSE 'EIV' END AS cl FROM cmc"
# ASOF with a time of day
TP=$($PY epoch 2024-11-20T13:45:10Z)
ctx "$TP" "$(mo_before "$TP" 6)" mo 6
rc asof_past_time_of_day "customer:key r:money act:ratio st:ratio ten:ratio" \
	"SELECT customer, revenue() AS r, activity(1mo) AS act, stability(1mo) AS st, tenure() AS ten
	 FROM orders WINDOW 6mo ASOF '2024-11-20T13:45:10Z' GROUP BY customer" \
	"SELECT customer, revenue AS r, activity AS act, stability AS st, tenure AS ten FROM cmc"

# whole-scope metrics without GROUP BY
ctx "$T" "$W12" mo 12
rc scope_totals "r:money n:int m:money" \
	"SELECT revenue() AS r, orders() AS n, margin() AS m FROM orders WINDOW 12mo" \
	"SELECT $(cents 'sum(rev_u)') AS r, sum(norders) AS n, $(cents 'sum(margin_u)') AS m FROM cm"
# GROUP BY a tag
rc group_by_region "region:key r:money n:int dc:int" \
	"SELECT region, revenue() AS r, orders() AS n, count(DISTINCT customer) AS dc FROM orders WINDOW 12mo GROUP BY region" \
	"SELECT region, $(cents 'sum(amt)') AS r, sum(amt >= 0) AS n, count(DISTINCT customer) AS dc FROM win GROUP BY region"

# WHERE keeping only returns: no orders at all, total < 0: contribution 0, abc D, R by id
OF="amt < 0" ctx "$T" "$W12" mo 12
rc where_only_returns "customer:key r:money n:int ao:money c:ratio a:str rr:int cl:str rec:ratio" \
	"SELECT customer, revenue() AS r, orders() AS n, avg_order() AS ao, contribution() AS c, abc() AS a,
	        rfm_r() AS rr, class() AS cl, recency() AS rec
	 FROM orders WHERE amount < 0 WINDOW 12mo GROUP BY customer" \
	"SELECT customer, revenue AS r, orders AS n, avg_order AS ao, contribution AS c, abc AS a, rfm_r AS rr,
	        class AS cl, recency AS rec FROM cmc"
# WHERE on ts also limits the history that first_order / lifetime_value look at
OF="ts >= unixepoch('2025-01-01')" ctx "$T" "$W12" mo 12
rc where_ts "customer:key fo:ts ten:ratio ltv:money gap:ratio r:money" \
	"SELECT customer, first_order() AS fo, tenure() AS ten, lifetime_value() AS ltv, median_gap() AS gap,
	        revenue() AS r FROM orders WHERE ts >= '2025-01-01' WINDOW 12mo GROUP BY customer" \
	"SELECT customer, first_ts AS fo, tenure AS ten, lifetime_value AS ltv, median_gap AS gap,
	        revenue AS r FROM cmc"
OF="region IN ('north', 'east') AND amt BETWEEN 100000 AND 1000000 AND NOT channel = 'web'" ctx "$T" "$W12" mo 12
rc where_in_between_not "customer:key r:money n:int c:ratio" \
	"SELECT customer, revenue() AS r, orders() AS n, contribution() AS c FROM orders
	 WHERE region IN ('north', 'east') AND amount BETWEEN 10 AND 100 AND NOT channel = 'web'
	 WINDOW 12mo GROUP BY customer" \
	"SELECT customer, revenue AS r, orders AS n, contribution AS c FROM cmc"
OF="cost_u IS NULL" ctx "$T" "$W12" mo 12
rc where_cost_is_null "customer:key r:money n:int mg:money" \
	"SELECT customer, revenue() AS r, orders() AS n, margin() AS mg FROM orders WHERE cost IS NULL
	 WINDOW 12mo GROUP BY customer" \
	"SELECT customer, revenue AS r, orders AS n, margin AS mg FROM cmc"

# ORDER BY a metric call that is not selected; expressions over metrics
ctx "$T" "$W12" mo 12
rc order_by_metric_call "customer:key n:int" \
	"SELECT customer, orders() AS n $Q ORDER BY revenue() DESC, customer LIMIT 12" \
	"SELECT customer, orders AS n FROM cmc ORDER BY rev_u DESC, customer LIMIT 12" --ordered
rc expressions "customer:key cost:money dbl:money pct:ratio ar:money g:ratio per:money big:bool" \
	"SELECT customer, revenue() - margin() AS cost, revenue() * 2 AS dbl, round(contribution() * 100, 2) AS pct,
	        abs(revenue()) AS ar, coalesce(median_gap(), -1) AS g, revenue() / 4 AS per,
	        CASE WHEN revenue() >= 1000 AND orders() > 3 THEN true ELSE false END AS big $Q" \
	"SELECT customer, $(cents 'rev_u - margin_u') AS cost, $(cents '2 * rev_u') AS dbl,
	        round(contribution * 100, 2) AS pct, $(cents 'abs(rev_u)') AS ar, coalesce(median_gap, -1) AS g,
	        $(cents_div rev_u 4) AS per, (rev_u >= 10000000 AND orders > 3) AS big FROM cmc"

# ASOF after the newest event: nothing new, everything older
TF=$($PY epoch 2026-06-01)
ctx "$TF" "$(mo_before "$TF" 12)" mo 12
rc asof_future "customer:key r:money rec:ratio ch:bool cha:bool rr:int act:ratio" \
	"SELECT customer, revenue() AS r, recency() AS rec, churned(90d) AS ch, churned_adaptive(2, 30d) AS cha,
	        rfm_r() AS rr, activity(1mo) AS act FROM orders WINDOW 12mo ASOF '2026-06-01' GROUP BY customer" \
	"SELECT customer, revenue AS r, recency AS rec, churned90 AS ch, churned_ad AS cha, rfm_r AS rr,
	        activity AS act FROM cmc"
# ASOF before any event: no rows on either side
newcase asof_before_everything
tq "SELECT customer, revenue() AS r FROM orders ASOF '2000-01-01' GROUP BY customer" "$C.t.json" &&
	[ "$(tr -d ' \n' <"$C.t.json")" != "[]" ] && casefail "rows before the first event: $(head -c 200 "$C.t.json")"

# text formats: CSV prints money with 2 decimals and ratios with 6, the same values as JSON
newcase csv_matches_json
QF="SELECT customer, revenue() AS r, contribution() AS c, recency() AS rec, churned(90d) AS ch, median_gap() AS g,
           last_order() AS lo, orders() AS n $Q"
tq "$QF" "$C.t.json" && "$TIDE" query "$DB" --format csv "$QF" >"$C.csv" &&
	python3 - "$C.t.json" "$C.csv" >"$C.out" <<'PYEOF' || casefail "$(head -c 400 "$C.out")"
import csv, json, re, sys
J = json.load(open(sys.argv[1]))
C = list(csv.DictReader(open(sys.argv[2])))
bad = []
if len(J) != len(C):
    bad.append("json %d rows, csv %d" % (len(J), len(C)))
for j, c in zip(J, C):
    for k, v in j.items():
        s = c.get(k)
        if v is None:
            ok = s == ""
        elif k == "r":
            ok = re.fullmatch(r"-?\d+\.\d\d", s) is not None and float(s) == v
        elif isinstance(v, bool):
            ok = s == ("true" if v else "false")
        elif k in ("c", "rec", "g"):
            ok = re.fullmatch(r"-?\d+\.\d{6}", s) is not None and abs(float(s) - v) <= 5.0000001e-7
        else:
            ok = s == str(v)
        if not ok:
            bad.append("%s %s: csv %r, json %r" % (j["customer"], k, s, v))
print("; ".join(bad[:5]))
sys.exit(1 if bad else 0)
PYEOF

# quarters as periods: 12mo = 4 quarters [T-3k mo, T-3(k-1) mo)
ctx "$T" "$W12" 3mo 4
rc activity_stability_1q "customer:key act:ratio st:ratio cl:str" \
	"SELECT customer, activity(1q) AS act, stability(1q) AS st, class(0.01, 0.5, 1q) AS cl $Q" \
	"SELECT customer, activity AS act, stability AS st,
	        CASE WHEN contribution >= 0.01 AND hi_s THEN 'EI' WHEN contribution >= 0.01 THEN 'EII'
	             WHEN hi_s THEN 'EIII' ELSE 'EIV' END AS cl FROM cmc"

ctx "$T" "$W12" mo 12
# two keys: customer and month
rc group_by_customer_month "customer:key month:key r:money n:int" \
	"SELECT customer, month, revenue() AS r, orders() AS n FROM orders WINDOW 12mo GROUP BY customer, month" \
	"SELECT customer, strftime('%Y-%m', ts, 'unixepoch') AS month, $(cents 'sum(amt)') AS r, sum(amt >= 0) AS n
	 FROM win GROUP BY 1, 2"
# a derived table of a derived table, and WHERE ... IS NULL over derived rows
rc derived_nested "k:int c:int" \
	"SELECT count(*) AS k, sum(n) AS c FROM (SELECT class, count(*) AS n FROM
	   (SELECT customer, class() AS class FROM orders WINDOW 12mo GROUP BY customer) GROUP BY class)" \
	"SELECT count(DISTINCT class) AS k, count(*) AS c FROM cmc"
rc derived_is_null "n:int r:money" \
	"SELECT count(*) AS n, sum(r) AS r FROM (SELECT customer, median_gap() AS g, revenue() AS r $Q)
	 WHERE g IS NULL OR g > 20" \
	"SELECT count(*) AS n, $(cents 'coalesce(sum(rev_u), 0)') AS r FROM cmc WHERE median_gap IS NULL OR median_gap > 20"
rc derived_aggregates_nulls "k:int n:int a:ratio lo:ratio hi:ratio md:ratio" \
	"SELECT count(g) AS k, count(*) AS n, avg(g) AS a, min(g) AS lo, max(g) AS hi, median(g) AS md
	 FROM (SELECT customer, median_gap() AS g $Q)" \
	"SELECT count(median_gap) AS k, count(*) AS n, avg(median_gap) AS a, min(median_gap) AS lo,
	        max(median_gap) AS hi,
	        (SELECT avg(g) FROM (SELECT median_gap AS g, row_number() OVER (ORDER BY median_gap) AS rn,
	                                    count(*) OVER () AS cnt FROM cmc WHERE median_gap IS NOT NULL)
	         WHERE rn IN ((cnt + 1) / 2, (cnt + 2) / 2)) AS md FROM cmc"
# STEP ... COUNT 1 is the plain query (plus asof)
series series_count_1 "customer:key r:money" \
	"SELECT customer, revenue() AS r FROM orders WINDOW 90d" "GROUP BY customer ORDER BY customer" "$T" "" mo 1

# the forms of a timestamp, and --asof, name the same instant
newcase asof_forms_agree
QA="SELECT customer, revenue() AS r, recency() AS rec, stability(1mo) AS st FROM orders WINDOW 12mo"
tq "$QA ASOF '2025-03-15T06:30:00Z' GROUP BY customer" "$C.a.json" &&
	tq "$QA ASOF '2025-03-15 06:30:00' GROUP BY customer" "$C.b.json" &&
	tq "$QA ASOF '$($PY epoch 2025-03-15T06:30:00Z)' GROUP BY customer" "$C.c.json" &&
	"$TIDE" query "$DB" --format json --asof 2025-03-15T06:30:00Z "$QA GROUP BY customer" >"$C.d.json" &&
	{ cmp -s "$C.a.json" "$C.b.json" && cmp -s "$C.a.json" "$C.c.json" && cmp -s "$C.a.json" "$C.d.json" ||
		casefail "answers differ between ASOF forms / --asof"; }

finish

#!/usr/bin/env bash
# Edge shapes from small hand-written CSVs (tests/data/ref_*.csv): one customer, only
# returns, ties, exact class/abc boundaries, scope, month ends and leap days, money
# rounding, contact ties.  Each against the SQL of metrics.sql, some also against values
# worked out by hand.
. "$(dirname "$0")/reflib.bash"

# every per-customer metric at once
ALLT="customer, revenue() AS r, orders() AS n, avg_order() AS ao, margin() AS mg, first_order() AS fo,
      last_order() AS lo, recency() AS rec, tenure() AS ten, contribution() AS c, activity(1mo) AS act,
      stability(1mo) AS st, median_gap() AS gap, churned(90d) AS ch, churned_adaptive(2, 30d) AS cha,
      rfm_r() AS rr, rfm_f() AS rf, rfm_m() AS rm, class() AS cl, abc() AS a,
      tier(revenue(), 1000, 500, 100) AS t, lifetime_value() AS ltv"
ALLS="customer, revenue AS r, orders AS n, avg_order AS ao, margin AS mg, first_ts AS fo, last_ts AS lo,
      recency AS rec, tenure AS ten, contribution AS c, activity AS act, stability AS st, median_gap AS gap,
      churned90 AS ch, churned_ad AS cha, rfm_r AS rr, rfm_f AS rf, rfm_m AS rm, class AS cl, abc AS a,
      tier AS t, lifetime_value AS ltv"
ALLSPEC="customer:key r:money n:int ao:money mg:money fo:ts lo:ts rec:ratio ten:ratio c:ratio act:ratio
      st:ratio gap:ratio ch:bool cha:bool rr:int rf:int rm:int cl:str a:str t:int ltv:money"
all12() { # NAME [TQL-TAIL-BEFORE-GROUP-BY]
	rc "$1" "$ALLSPEC" "SELECT $ALLT FROM orders ${2:-} WINDOW 12mo GROUP BY customer" "SELECT $ALLS FROM cmc"
}

# --- one customer, one order
load one "$DATA/ref_one.csv"
ctx "$T" "$(mo_before "$T" 12)" mo 12
all12 one_customer_all
# worked out by hand: stability = (a/12) / (a/12 + a*sqrt(11)/12) = 1 / (1 + sqrt(11));
# n = 1 so every RFM score is 1; contribution 1 >= cth = 1/1 but unstable: EII; abc A
rc one_customer_by_hand "customer:key r:money n:int ao:money mg:money c:ratio act:ratio st:ratio gap:ratio rr:int rf:int rm:int cl:str a:str t:int rec:ratio" \
	"SELECT customer, revenue() AS r, orders() AS n, avg_order() AS ao, margin() AS mg, contribution() AS c,
	        activity(1mo) AS act, stability(1mo) AS st, median_gap() AS gap, rfm_r() AS rr, rfm_f() AS rf,
	        rfm_m() AS rm, class() AS cl, abc() AS a, tier(revenue(), 1000, 500, 100) AS t, recency() AS rec
	 FROM orders WINDOW 12mo GROUP BY customer" \
	"SELECT 'solo' AS customer, 12050 AS r, 1 AS n, 12050 AS ao, 5025 AS mg, 1.0 AS c, 1.0 / 12 AS act,
	        1 / (1 + sqrt(11)) AS st, NULL AS gap, 1 AS rr, 1 AS rf, 1 AS rm, 'EII' AS cl, 'A' AS a, 3 AS t,
	        1.0 / 86400 AS rec"

# --- only returns (and a free order): total <= 0, so contribution 0 and abc D for all
load returns "$DATA/ref_returns.csv"
ctx "$T" "$(mo_before "$T" 12)" mo 12
all12 only_returns_all
# by hand: no customer has revenue > 0, so no contribution reaches cth; ret1 and ret2 have
# no order at all (worst recency), free1's 0.00 order is an order
rc only_returns_by_hand "customer:key r:money n:int ao:money fo:ts rec:ratio c:ratio a:str rr:int cl:str ch:bool cha:bool st:ratio" \
	"SELECT customer, revenue() AS r, orders() AS n, avg_order() AS ao, first_order() AS fo, recency() AS rec,
	        contribution() AS c, abc() AS a, rfm_r() AS rr, class() AS cl, churned(90d) AS ch,
	        churned_adaptive(2, 30d) AS cha, stability(1mo) AS st
	 FROM orders WINDOW 12mo GROUP BY customer" \
	"SELECT column1 AS customer, column2 AS r, column3 AS n, column4 AS ao, unixepoch(column5) AS fo,
	        column6 AS rec, column7 AS c, column8 AS a, column9 AS rr, column10 AS cl, column11 AS ch,
	        column12 AS cha, column13 AS st FROM (VALUES
	   ('free1', 0, 1, 0, '2024-12-01T08:00:00Z', (unixepoch('2024-12-24T17:30:01Z') - unixepoch('2024-12-01T08:00:00Z')) / 86400.0, 0.0, 'D', 4, 'EIV', 0, 0, 0.0),
	   ('ret1', -7050, 0, NULL, NULL, NULL, 0.0, 'D', 1, 'EIV', 0, 0, 0.0),
	   ('ret2', -999, 0, NULL, NULL, NULL, 0.0, 'D', 2, 'EIV', 0, 0, 0.0))"
rc only_returns_contribution_sum "s:ratio" \
	"SELECT sum(c) AS s FROM (SELECT customer, contribution() AS c FROM orders WINDOW 12mo GROUP BY customer)" \
	"SELECT 0.0 AS s"

# --- a positive customer, a returns-only customer, a free order: total > 0
load mixed "$DATA/ref_mixed.csv"
ctx "$T" "$(mo_before "$T" 12)" mo 12
all12 mixed_returns_all
ctx "$T" "$(mo_before "$T" 3)" mo 3
rc mixed_returns_3mo "customer:key r:money n:int ao:money c:ratio a:str cl:str" \
	"SELECT customer, revenue() AS r, orders() AS n, avg_order() AS ao, contribution() AS c, abc() AS a, class() AS cl
	 FROM orders WINDOW 3mo GROUP BY customer" \
	"SELECT customer, revenue AS r, orders AS n, avg_order AS ao, contribution AS c, abc AS a, class AS cl FROM cmc"

# --- ties: RFM and abc break ties by customer id ascending (byte order)
load ties "$DATA/ref_ties.csv"
ctx "$T" "$(mo_before "$T" 12)" mo 12
all12 ties_all
# by hand: revenue desc then id: B a b c (100) 10 9 (50) x (25) neg (0) onlyret (-5), total 520;
# R worst first: onlyret (no order) B 10 9 x neg a b c; F: onlyret, then 1 order: 10 9 B a neg x, then b c
rc ties_abc_rfm_by_hand "customer:key a:str rm:int rr:int rf:int" \
	"SELECT customer, abc() AS a, rfm_m() AS rm, rfm_r() AS rr, rfm_f() AS rf FROM orders WINDOW 12mo GROUP BY customer" \
	"SELECT column1 AS customer, column2 AS a, column3 AS rm, column4 AS rr, column5 AS rf FROM (VALUES
	   ('B', 'A', 3, 1, 2), ('a', 'A', 4, 4, 3), ('b', 'A', 4, 4, 4), ('c', 'B', 5, 5, 5),
	   ('10', 'B', 2, 2, 1), ('9', 'C', 3, 2, 2), ('x', 'D', 2, 3, 4), ('neg', 'D', 1, 3, 3), ('onlyret', 'D', 1, 1, 1))"

# --- exact boundaries: stability exactly 0.5, contribution exactly cth, abc shares exactly a/b/c
load boundary "$DATA/ref_boundary.csv"
TB=$($PY epoch 2025-01-01)
OF="region = 's'" ctx "$TB" "$(mo_before "$TB" 12)" mo 12
rc boundary_class_exact "customer:key cl:str st:ratio c:ratio" \
	"SELECT customer, class() AS cl, stability(1mo) AS st, contribution() AS c
	 FROM orders WHERE region = 's' WINDOW 12mo ASOF '2025-01-01' GROUP BY customer" \
	"SELECT customer, class AS cl, stability AS st, contribution AS c FROM cmc"
rc boundary_class_by_hand "customer:key cl:str" \
	"SELECT customer, class() AS cl FROM orders WHERE region = 's' WINDOW 12mo ASOF '2025-01-01' GROUP BY customer" \
	"SELECT column1 AS customer, column2 AS cl FROM (VALUES ('s6', 'EI'), ('s5', 'EII'), ('s7', 'EI'), ('s3', 'EIV'))"
OF="region = 'k'" ctx "$TB" "$(mo_before "$TB" 12)" mo 12
rc boundary_abc_default "customer:key a:str" \
	"SELECT customer, abc() AS a FROM orders WHERE region = 'k' WINDOW 12mo ASOF '2025-01-01' GROUP BY customer" \
	"SELECT column1 AS customer, column2 AS a FROM (VALUES ('k45', 'A'), ('k20a', 'A'), ('k20b', 'B'), ('k10', 'C'), ('k05', 'D'))"
rc boundary_abc_explicit "customer:key a:str" \
	"SELECT customer, abc(0.45, 0.65, 0.85) AS a FROM orders WHERE region = 'k' WINDOW 12mo ASOF '2025-01-01' GROUP BY customer" \
	"SELECT column1 AS customer, column2 AS a FROM (VALUES ('k45', 'A'), ('k20a', 'B'), ('k20b', 'C'), ('k10', 'D'), ('k05', 'D'))"
ctx "$TB" "$(mo_before "$TB" 12)" mo 12
rc boundary_all "$ALLSPEC" "SELECT $ALLT FROM orders WINDOW 12mo ASOF '2025-01-01' GROUP BY customer" "SELECT $ALLS FROM cmc"

# --- very large amounts (near the 10^11 limit): the class thresholds must stay exact where
# S^2 and 12 Q exceed 64 bits and differ by less than a double can tell.  A = 99999999999.99:
#  bigEq:   A in 6 months                 stability exactly 0.5 (high); 3*rev < total (low c)
#  bigUp:   A in 6 months + 0.0001 in a 7th  stability just above 0.5; 3*rev > total
#  bigDown: A in 5 months + (A + 0.0001)     stability just below 0.5; 3*rev > total
load big "$DATA/ref_big.csv"
ctx "$TB" "$(mo_before "$TB" 12)" mo 12
rc big_amounts_all "$ALLSPEC" "SELECT $ALLT FROM orders WINDOW 12mo ASOF '2025-01-01' GROUP BY customer" "SELECT $ALLS FROM cmc"
rc big_amounts_class_by_hand "customer:key cl:str r:money" \
	"SELECT customer, class() AS cl, revenue() AS r FROM orders WINDOW 12mo ASOF '2025-01-01' GROUP BY customer" \
	"SELECT column1 AS customer, column2 AS cl, column3 AS r FROM (VALUES
	   ('bigEq', 'EIII', 59999999999994), ('bigUp', 'EI', 59999999999994), ('bigDown', 'EII', 59999999999994))"
rc big_amounts_totals "r:money n:int" \
	"SELECT revenue() AS r, orders() AS n FROM orders ASOF '2025-01-01'" \
	"SELECT 179999999999982 AS r, 19 AS n"

# --- scope: customers with history but nothing in the window are not in scope
load scope "$DATA/ref_scope.csv" "$DATA/ref_scope_contacts.csv"
TS=$($PY epoch 2025-01-01)
ctx "$TS" "$(mo_before "$TS" 6)" mo 6
rc scope_6mo "$ALLSPEC" \
	"SELECT $ALLT FROM orders WINDOW 6mo ASOF '2025-01-01' GROUP BY customer" \
	"SELECT $ALLS FROM cmc"
rc scope_6mo_by_hand "customer:key c:ratio ltv:money fo:ts" \
	"SELECT customer, contribution() AS c, lifetime_value() AS ltv, first_order() AS fo
	 FROM orders WINDOW 6mo ASOF '2025-01-01' GROUP BY customer" \
	"SELECT column1 AS customer, column2 AS c, column3 AS ltv, unixepoch(column4) AS fo FROM (VALUES
	   ('ret', -80.0 / 31.0, -1000, '2023-07-01T10:00:00Z'), ('new', 101.0 / 31.0, 9100, '2024-10-01T10:00:00Z'),
	   ('edge2', 10.0 / 31.0, 1000, '2024-07-01T00:00:00Z'))"
rc scope_contacts_not_in_orders "n:int" \
	"SELECT count(*) AS n FROM (SELECT customer, revenue() AS r FROM orders ASOF '2025-01-01' GROUP BY customer)" \
	"SELECT count(DISTINCT customer) AS n FROM o WHERE ts < $TS"
ctx "$TS" all mo 12
rc scope_all_history "customer:key r:money c:ratio rr:int a:str" \
	"SELECT customer, revenue() AS r, contribution() AS c, rfm_r() AS rr, abc() AS a FROM orders ASOF '2025-01-01' GROUP BY customer" \
	"SELECT customer, revenue AS r, contribution AS c, rfm_r AS rr, abc AS a FROM cmc"

# --- month ends and leap days
load leap "$DATA/ref_leap.csv"
MONTH="strftime('%Y-%m', ts, 'unixepoch')"
leapcase() { # NAME ASOF WINDOW-WORD MONTHS
	local t
	t=$($PY epoch "$2")
	ctx "$t" "$(mo_before "$t" "$4")" mo "$4"
	rc "$1" "customer:key r:money n:int act:ratio st:ratio rec:ratio gap:ratio ch:bool" \
		"SELECT customer, revenue() AS r, orders() AS n, activity(1mo) AS act, stability(1mo) AS st,
		        recency() AS rec, median_gap() AS gap, churned(30d) AS ch
		 FROM orders WINDOW $3 ASOF '$2' GROUP BY customer" \
		"SELECT customer, revenue AS r, orders AS n, activity AS act, stability AS st, recency AS rec,
		        median_gap AS gap, (last_ts < $t - 30 * 86400) AS ch FROM cmc"
	rc "${1}_by_month" "month:key r:money n:int" \
		"SELECT month, revenue() AS r, orders() AS n FROM orders WINDOW $3 ASOF '$2' GROUP BY month" \
		"SELECT $MONTH AS month, $(cents 'sum(amt)') AS r, sum(amt >= 0) AS n FROM win GROUP BY 1"
}
leapcase leap_asof_apr30_3mo 2024-04-30 3mo 3
leapcase leap_asof_mar31_2mo 2024-03-31 2mo 2
leapcase leap_asof_may31_1q 2024-05-31 1q 3
leapcase leap_asof_feb29_1y 2024-02-29 1y 12
leapcase leap_asof_mar31_1mo 2024-03-31 1mo 1
# by hand: ASOF '2024-03-31' WINDOW 2mo is [2024-01-31, 2024-03-31): the 01-30 order is out,
# 01-31 in; periods [02-29, 03-31) and [01-31, 02-29)
rc leap_window_by_hand "customer:key r:money act:ratio" \
	"SELECT customer, revenue() AS r, activity(1mo) AS act FROM orders WINDOW 2mo ASOF '2024-03-31' GROUP BY customer" \
	"SELECT column1 AS customer, column2 AS r, column3 AS act FROM (VALUES
	   ('L1', 2000, 0.5), ('L2', 1500, 1.0), ('L3', 700, 0.5), ('L4', 200, 0.5), ('L5', 500, 0.5),
	   ('L7', 400, 0.5))"
# churn boundaries: ASOF '2024-04-30' minus 90d is 2024-01-31T00:00:00Z exactly (leap year);
# L7's only order is at that instant (inside [T-90d, T): not churned, recency exactly 90),
# L8's one second earlier (churned)
rc churn_boundary_by_hand "customer:key ch:bool cha:bool rec:ratio" \
	"SELECT customer, churned(90d) AS ch, churned_adaptive(1, 90d) AS cha, recency() AS rec FROM orders
	 ASOF '2024-04-30' GROUP BY customer HAVING customer IN ('L7', 'L8')" \
	"SELECT column1 AS customer, column2 AS ch, column3 AS cha, column4 AS rec FROM (VALUES
	   ('L7', 0, 0, 90.0), ('L8', 1, 1, 90 + 1 / 86400.0))"
# a series across month ends: ASOF 03-31 STEP 1mo -> 03-31, 02-29, 01-31 (T - k*1mo, clamped)
series leap_series_month_ends "customer:key r:money act:ratio" \
	"SELECT customer, revenue() AS r, activity(1mo) AS act FROM orders WINDOW 2mo" \
	"GROUP BY customer ORDER BY customer" "$($PY epoch 2024-03-31)" "ASOF '2024-03-31'" mo 3

# --- tags an event lacks are null: IS NULL, != and NOT follow SQL's three-valued logic,
# GROUP BY has a null group; tier() at its thresholds (>=)
load tags "$DATA/ref_tags.csv"
while IFS='|' read -r name f; do
	OF="$f" ctx "$T" all mo 12
	rc "tags_where_$name" "customer:key r:money n:int" \
		"SELECT customer, revenue() AS r, orders() AS n FROM orders WHERE $f GROUP BY customer" \
		"SELECT customer, revenue AS r, orders AS n FROM cmc"
done <<'EOF2'
is_null|region IS NULL
not_equal|region != 'north'
not|NOT region = 'north'
or_is_null|region = 'north' OR channel IS NULL
coalesce|coalesce(region, 'none') = 'none'
EOF2
ctx "$T" all mo 12
rc tags_group_by_null "region:key r:money c:int" \
	"SELECT region, revenue() AS r, count(*) AS c FROM orders GROUP BY region" \
	"SELECT region, $(cents 'sum(amt)') AS r, count(*) AS c FROM hist GROUP BY region"
rc tier_by_hand "customer:key t:int t2:int t3:int" \
	"SELECT customer, tier(revenue(), 1000, 500, 100) AS t, tier(orders(), 2, 1) AS t2,
	        tier(revenue(), 999.99) AS t3 FROM orders GROUP BY customer" \
	"SELECT column1 AS customer, column2 AS t, column3 AS t2, column4 AS t3 FROM (VALUES
	   ('p', 3, 1, 2), ('q', 3, 2, 2), ('r', 2, 2, 1), ('s', 1, 2, 1))"

# --- every accepted timestamp form in one file
load tsforms "$DATA/ref_tsforms.csv"
ctx "$T" all mo 12
rc ts_forms "customer:key fo:ts lo:ts r:money" \
	"SELECT customer, first_order() AS fo, last_order() AS lo, revenue() AS r FROM orders GROUP BY customer" \
	"SELECT customer, first_ts AS fo, last_ts AS lo, revenue AS r FROM cmc"
rc ts_forms_by_month "month:key r:money" \
	"SELECT month, revenue() AS r FROM orders GROUP BY month" \
	"SELECT column1 AS month, column2 AS r FROM (VALUES ('2025-02', 100), ('2025-03', 10200), ('2025-04', 400))"

# --- customer ids: quotes, commas, case, UTF-8; ties broken by byte order
# (A < a < a,b < o'brien < say "hi" < zz < Ünïcode < ä); all revenues equal
load ids "$DATA/ref_ids.csv"
ctx "$T" all mo 12
rc ids_rank "customer:key a:str rm:int rr:int" \
	"SELECT customer, abc() AS a, rfm_m() AS rm, rfm_r() AS rr FROM orders GROUP BY customer" \
	"SELECT customer, abc AS a, rfm_m AS rm, rfm_r AS rr FROM cmc"
rc ids_rank_by_hand "customer:key a:str rm:int" \
	"SELECT customer, abc() AS a, rfm_m() AS rm FROM orders GROUP BY customer" \
	"SELECT column1 AS customer, column2 AS a, column3 AS rm FROM (VALUES
	   ('A', 'A', 1), ('a', 'A', 1), ('a,b', 'A', 2), ('o''brien', 'A', 2), ('say \"hi\"', 'B', 3),
	   ('zz', 'B', 4), ('Ünïcode', 'B', 4), ('ä', 'C', 5))"
rc ids_where_quote "customer:key r:money" \
	"SELECT customer, revenue() AS r FROM orders WHERE customer = 'o''brien' OR customer = 'Ünïcode' GROUP BY customer" \
	"SELECT column1 AS customer, column2 AS r FROM (VALUES ('o''brien', 1000), ('Ünïcode', 1000))"

# --- before 1970: negative epoch seconds; UTC days must floor, not truncate toward zero
load pre "$DATA/ref_pre1970.csv"
ctx "$T" all mo 12
rc pre1970_customers "customer:key gap:ratio fo:ts rec:ratio n:int" \
	"SELECT customer, median_gap() AS gap, first_order() AS fo, recency() AS rec, orders() AS n FROM orders GROUP BY customer" \
	"SELECT customer, median_gap AS gap, first_ts AS fo, recency AS rec, orders AS n FROM cmc"
rc pre1970_by_hand "customer:key gap:ratio" \
	"SELECT customer, median_gap() AS gap FROM orders GROUP BY customer" \
	"SELECT column1 AS customer, column2 AS gap FROM (VALUES ('a', 1.5), ('b', 1.0))"
rc pre1970_days "day:key c:int" \
	"SELECT day, count(*) AS c FROM orders GROUP BY day" \
	"SELECT date(ts, 'unixepoch') AS day, count(*) AS c FROM hist GROUP BY 1"

# --- money: stored exactly, rounded half away from zero only when printed
load money "$DATA/ref_money.csv"
ctx "$T" "$(mo_before "$T" 12)" mo 12
rc money_rounding "customer:key r:money ao:money mg:money ltv:money" \
	"SELECT customer, revenue() AS r, avg_order() AS ao, margin() AS mg, lifetime_value() AS ltv
	 FROM orders WINDOW 12mo GROUP BY customer" \
	"SELECT customer, revenue AS r, avg_order AS ao, margin AS mg, lifetime_value AS ltv FROM cmc"
rc money_rounding_by_hand "customer:key r:money ao:money" \
	"SELECT customer, revenue() AS r, avg_order() AS ao FROM orders WINDOW 12mo GROUP BY customer" \
	"SELECT column1 AS customer, column2 AS r, column3 AS ao FROM (VALUES
	   ('half', 101, 101), ('neghalf', -101, NULL), ('third', 1000, 333), ('tiny', 1, 0), ('almost', 0, 0),
	   ('negtiny', 0, NULL), ('half2', 101, 101), ('avgneg', -2, -1))"
rc money_derived_sum_exact "s:money a:money" \
	"SELECT sum(r) AS s, avg(r) AS a FROM (SELECT customer, revenue() AS r FROM orders WINDOW 12mo GROUP BY customer)
	 WHERE customer IN ('half', 'half2', 'tiny')" \
	"SELECT 202 AS s, 67 AS a"
rc money_sum_amount "s:money c:int" \
	"SELECT sum(amount) AS s, count(*) AS c FROM orders WHERE customer IN ('half', 'half2', 'tiny', 'negtiny')" \
	"SELECT 201 AS s, 5 AS c"
newcase money_no_negative_zero
"$TIDE" query "$DB" --format csv "SELECT customer, revenue() AS r FROM orders GROUP BY customer" >"$C.csv" 2>&1
grep -q -- '-0\.00' "$C.csv" && casefail "'-0.00' printed: $(grep -- '-0\.00' "$C.csv" | head -3 | tr '\n' ' ')"

# --- contacts: ties in ts go to the one ingested last; no stage -> 'new'; blank stage
load contacts "$DATA/ref_contacts_orders.csv" "$DATA/ref_contacts.csv"
ctx "$T" all mo 12
rc contacts_edges "customer:key s:str n:int lc:ts nf:ts o:bool cv:ratio" \
	"SELECT customer, stage() AS s, contacts() AS n, last_contact() AS lc, next_followup() AS nf,
	        followup_overdue() AS o, conversion() AS cv FROM contacts GROUP BY customer" \
	"SELECT customer, stage AS s, contacts AS n, last_contact AS lc, next_followup AS nf,
	        followup_overdue AS o, conversion AS cv FROM ckc"
rc contacts_edges_by_hand "customer:key s:str nf:ts o:bool cv:ratio" \
	"SELECT customer, stage() AS s, next_followup() AS nf, followup_overdue() AS o, conversion() AS cv
	 FROM contacts GROUP BY customer" \
	"SELECT column1 AS customer, column2 AS s, unixepoch(column3) AS nf, column4 AS o, column5 AS cv FROM (VALUES
	   ('tie1', 'won', NULL, 0, 1.0), ('tie2', 'paused', '2025-01-12T00:00:00Z', 1, 0.0),
	   ('nostage', 'new', NULL, 0, NULL), ('blank', 'lost', '2025-01-09T00:00:00Z', 1, 0.0),
	   ('future', 'contacted', '2025-03-01T00:00:00Z', 0, 0.0), ('atT', 'testing', '2025-02-01T00:00:01Z', 0, 0.0),
	   ('won2', 'won', '2025-01-16T00:00:00Z', 1, 1.0), ('later', 'won', NULL, 0, 1.0),
	   ('last', 'new', NULL, 0, 0.0), ('tie3', 'won', NULL, 0, 1.0))"
rc contacts_edges_conversion_overall "cv:ratio" \
	"SELECT conversion() AS cv FROM contacts" \
	"SELECT 4.0 / 9 AS cv"
# ASOF between the tied contacts and the later ones
TK=$($PY epoch 2025-01-10T12:00:00Z)
ctx "$TK" all mo 12
rc contacts_edges_asof "customer:key s:str n:int lc:ts nf:ts o:bool cv:ratio" \
	"SELECT customer, stage() AS s, contacts() AS n, last_contact() AS lc, next_followup() AS nf,
	        followup_overdue() AS o, conversion() AS cv FROM contacts ASOF '2025-01-10T12:00:00Z' GROUP BY customer" \
	"SELECT customer, stage AS s, contacts AS n, last_contact AS lc, next_followup AS nf,
	        followup_overdue AS o, conversion AS cv FROM ckc"

finish

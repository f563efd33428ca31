#!/usr/bin/env bash
# The contact metrics of metrics.md — stage, contacts, last_contact, next_followup,
# followup_overdue, conversion — on a generated history, against SQL (metrics.sql).
. "$(dirname "$0")/reflib.bash"

"$GEN" --seed 31 --orders 3000 --out "$TMP/g" 2>/dev/null
load g "$TMP/g/orders.csv" "$TMP/g/contacts.csv"

ctx "$T" all mo 12
Q="FROM contacts GROUP BY customer"
m() { rc "$1" "customer:key v:$2" "SELECT customer, $3 AS v $Q" "SELECT customer, $4 AS v FROM ckc"; }
m stage              str   "stage()"            stage
m contacts           int   "contacts()"         contacts
m last_contact       ts    "last_contact()"     last_contact
m next_followup      ts    "next_followup()"    next_followup
m followup_overdue   bool  "followup_overdue()" followup_overdue
m conversion_by_customer ratio "conversion()"   conversion
rc conversion_overall "cv:ratio n:int" \
	"SELECT conversion() AS cv, contacts() AS n FROM contacts" \
	"SELECT (SELECT avg(conversion) FROM ckc WHERE has_stage) AS cv, (SELECT count(*) FROM kwin) AS n"

# the funnel example of language.md
rc funnel_derived "stage:key customers:int overdue:int" \
	"SELECT stage, count(*) AS customers, sum(CASE WHEN overdue THEN 1 ELSE 0 END) AS overdue
	 FROM (SELECT customer, stage() AS stage, followup_overdue() AS overdue FROM contacts GROUP BY customer)
	 GROUP BY stage ORDER BY stage" \
	"SELECT stage, count(*) AS customers, sum(followup_overdue) AS overdue FROM ckc GROUP BY stage ORDER BY stage" --ordered
# GROUP BY a contact tag
rc group_by_channel "channel:key c:int dc:int" \
	"SELECT channel, count(*) AS c, count(DISTINCT customer) AS dc FROM contacts GROUP BY channel" \
	"SELECT channel, count(*) AS c, count(DISTINCT customer) AS dc FROM kwin GROUP BY channel"

# a window: scope is the customers with a contact in it; stage looks at all history before T
ctx "$T" "$(mo_before "$T" 6)" mo 6
rc contacts_window_6mo "customer:key s:str n:int lc:ts nf:ts o:bool cv:ratio" \
	"SELECT customer, stage() AS s, contacts() AS n, last_contact() AS lc, next_followup() AS nf,
	        followup_overdue() AS o, conversion() AS cv FROM contacts WINDOW 6mo GROUP BY customer" \
	"SELECT customer, stage AS s, contacts AS n, last_contact AS lc, next_followup AS nf,
	        followup_overdue AS o, conversion AS cv FROM ckc"
rc conversion_overall_window_6mo "cv:ratio" \
	"SELECT conversion() AS cv FROM contacts WINDOW 6mo" \
	"SELECT avg(conversion) AS cv FROM ckc WHERE has_stage"

# ASOF in the past: follow-ups planned after T are not overdue yet
TP=$($PY epoch 2024-05-20T12:00:00Z)
ctx "$TP" all mo 12
rc contacts_asof_past "customer:key s:str n:int lc:ts nf:ts o:bool cv:ratio" \
	"SELECT customer, stage() AS s, contacts() AS n, last_contact() AS lc, next_followup() AS nf,
	        followup_overdue() AS o, conversion() AS cv FROM contacts ASOF '2024-05-20T12:00:00Z' GROUP BY customer" \
	"SELECT customer, stage AS s, contacts AS n, last_contact AS lc, next_followup AS nf,
	        followup_overdue AS o, conversion AS cv FROM ckc"
NFD=2024-05-27
rc followups_due_having "customer:key nf:ts" \
	"SELECT customer, next_followup() AS nf FROM contacts ASOF '2024-05-20T12:00:00Z' GROUP BY customer
	 HAVING next_followup() < '$NFD' ORDER BY nf, customer" \
	"SELECT customer, next_followup AS nf FROM ckc WHERE next_followup < unixepoch('$NFD')
	 ORDER BY next_followup, customer" --ordered

# WHERE on a contact field
KF="channel = 'call'" ctx "$T" all mo 12
rc contacts_where_channel "customer:key s:str n:int nf:ts cv:ratio" \
	"SELECT customer, stage() AS s, contacts() AS n, next_followup() AS nf, conversion() AS cv
	 FROM contacts WHERE channel = 'call' GROUP BY customer" \
	"SELECT customer, stage AS s, contacts AS n, next_followup AS nf, conversion AS cv FROM ckc"
KF="stage IN ('won', 'lost')" ctx "$T" all mo 12
rc conversion_where_stage "cv:ratio" \
	"SELECT conversion() AS cv FROM contacts WHERE stage IN ('won', 'lost')" \
	"SELECT avg(conversion) AS cv FROM ckc WHERE has_stage"

# series over contacts: each point equals the same query run with that ASOF
series series_contacts_weekly "customer:key s:str n:int o:bool nf:ts" \
	"SELECT customer, stage() AS s, contacts() AS n, followup_overdue() AS o, next_followup() AS nf FROM contacts WINDOW 8w" \
	"GROUP BY customer ORDER BY customer" "$T" "" 7 5
series series_conversion_monthly "cv:ratio" \
	"SELECT conversion() AS cv FROM contacts WINDOW 3mo" "" "$T" "" mo 4

# GROUP BY the event field stage (not the customer's stage()); WHERE on a contact tag
ctx "$T" all mo 12
rc group_by_event_stage "stage:key c:int dc:int" \
	"SELECT stage, count(*) AS c, count(DISTINCT customer) AS dc FROM contacts GROUP BY stage" \
	"SELECT stage, count(*) AS c, count(DISTINCT customer) AS dc FROM kwin GROUP BY stage"
REP=$(sqlite3 "$SDB" "SELECT rep FROM k GROUP BY rep ORDER BY count(*) DESC, rep LIMIT 1")
KF="rep = '$REP'" ctx "$T" all mo 12
rc contacts_where_rep "customer:key s:str n:int" \
	"SELECT customer, stage() AS s, contacts() AS n FROM contacts WHERE rep = '$REP' GROUP BY customer" \
	"SELECT customer, stage AS s, contacts AS n FROM ckc"

finish

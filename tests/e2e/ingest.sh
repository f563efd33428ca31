#!/usr/bin/env bash
# The store end to end: ingest, idempotence, atomic batches, every kind of
# bad input, --skip-bad, export round trips, map growth, concurrent readers.
. "$(dirname "$0")/lib.sh"

"$GEN" --seed 7 --orders 3000 --out "$TMP/d" 2>/dev/null
N=$(($(wc -l <"$TMP/d/orders.csv") - 1))
C=$(($(wc -l <"$TMP/d/contacts.csv") - 1))

db=$TMP/db
expect_status ingest_orders 0 "$TIDE" ingest "$db" orders "$TMP/d/orders.csv"
expect_contains ingest_summary "$TMP/out" "orders: $N rows, $N stored, 0 duplicates"
expect_status ingest_contacts 0 "$TIDE" ingest "$db" contacts "$TMP/d/contacts.csv"
expect_eq stats_orders "$(count_of "$db" orders)" "$N"
expect_eq stats_contacts "$(count_of "$db" contacts)" "$C"
custs=$(tail -n +2 "$TMP/d/orders.csv" "$TMP/d/contacts.csv" | grep -v '^==>' | cut -d, -f3 | sort -u | grep -c .)
expect_eq stats_customers "$("$TIDE" stats "$db" --format json | sed -E 's/.*"customers":([0-9]+).*/\1/')" "$custs"
"$TIDE" stats "$db" >"$TMP/stats.txt"
expect_contains stats_text "$TMP/stats.txt" "bytes"

# Idempotent: the same file again stores nothing.
expect_status reingest 0 "$TIDE" ingest "$db" orders "$TMP/d/orders.csv"
expect_contains reingest_duplicates "$TMP/out" "$N rows, 0 stored, $N duplicates"
expect_eq reingest_count "$(count_of "$db" orders)" "$N"

# A batch that moves its dedupe entries to the table every 500 ids (its
# filter of them sized from the input's bytes) still finds every id again.
TIDE_FLUSH_AT=500 "$TIDE" ingest "$TMP/dbflush" orders "$TMP/d/orders.csv" "$TMP/d/orders.csv" \
	>"$TMP/out" 2>"$TMP/err"
expect_contains dedupe_across_flushes "$TMP/out" "$((2 * N)) rows, $N stored, $N duplicates"
TIDE_FLUSH_AT=500 "$TIDE" ingest "$TMP/dbflush" orders "$TMP/d/orders.csv" >"$TMP/out" 2>"$TMP/err"
expect_contains dedupe_after_flushes "$TMP/out" "$N rows, 0 stored, $N duplicates"
# The same events, their dedupe and customer-index entries written as runs
# every 20 and their roll-ups spilled every 20 slots: every answer is the
# same.
TIDE_FLUSH_AT=20 "$TIDE" ingest "$TMP/dbruns" orders "$TMP/d/orders.csv" >/dev/null
TIDE_FLUSH_AT=20 "$TIDE" ingest "$TMP/dbruns" contacts "$TMP/d/contacts.csv" >/dev/null
cust=$(sed -n 2p "$TMP/d/orders.csv" | cut -d, -f3)
i=0
for q in "SELECT customer, revenue() AS revenue, orders() AS orders, first_order() AS first, last_order() AS last, lifetime_value() AS ltv FROM orders WHERE region = 'north' GROUP BY customer ORDER BY customer" \
	"SELECT customer, revenue() AS revenue, orders() AS orders, recency() AS recency FROM orders WHERE channel = 'phone' GROUP BY customer ORDER BY customer" \
	"SELECT customer, revenue() AS revenue, abc() AS abc FROM orders GROUP BY customer ORDER BY customer" \
	"SELECT customer, revenue() AS revenue, orders() AS orders, median_gap() AS gap, last_order() AS last FROM orders WHERE customer = '$cust' GROUP BY customer" \
	"SELECT customer, stage() AS stage, contacts() AS contacts FROM contacts WHERE customer = '$cust' GROUP BY customer"; do
	i=$((i + 1))
	"$TIDE" query "$db" --format csv "$q" >"$TMP/q1" 2>&1
	"$TIDE" query "$TMP/dbruns" --format csv "$q" >"$TMP/q2" 2>&1
	if [ "$(wc -l <"$TMP/q1")" -gt 1 ] && cmp -s "$TMP/q1" "$TMP/q2"; then
		pass "flushed_same_answer_$i"
	else
		fail "flushed_same_answer_$i" "$(diff "$TMP/q1" "$TMP/q2" | head -5)"
	fi
done

# Export is lossless: export, load elsewhere, export again: same bytes.
"$TIDE" export "$db" orders >"$TMP/e1.csv"
"$TIDE" ingest "$TMP/db2" orders "$TMP/e1.csv" >/dev/null
"$TIDE" export "$TMP/db2" orders >"$TMP/e2.csv"
if cmp -s "$TMP/e1.csv" "$TMP/e2.csv"; then pass export_roundtrip_csv; else fail export_roundtrip_csv "exports differ"; fi
# and it holds the input's values: same ids and amounts in the same order
ids_amounts() { tail -n +2 "$1" | awk -F, '{ printf "%s,%.4f\n", $1, $4 }'; }
ids_amounts "$TMP/d/orders.csv" >"$TMP/want"
ids_amounts "$TMP/e1.csv" >"$TMP/got"
if cmp -s "$TMP/want" "$TMP/got"; then pass export_values; else fail export_values "$(diff "$TMP/want" "$TMP/got" | head -3)"; fi
"$TIDE" export "$db" contacts --format ndjson >"$TMP/c.ndjson"
"$TIDE" ingest "$TMP/db3" contacts "$TMP/c.ndjson" >/dev/null
"$TIDE" export "$TMP/db3" contacts --format ndjson >"$TMP/c2.ndjson"
if cmp -s "$TMP/c.ndjson" "$TMP/c2.ndjson"; then pass export_roundtrip_ndjson; else fail export_roundtrip_ndjson "exports differ"; fi
expect_eq ndjson_count "$(count_of "$TMP/db3" contacts)" "$C"

# stdin, and NDJSON selected by --format
head -5 "$TMP/d/orders.csv" | "$TIDE" ingest "$TMP/db4" orders >"$TMP/out"
expect_contains stdin_csv "$TMP/out" "4 rows, 4 stored"
"$TIDE" export "$db" orders --format ndjson | head -3 | "$TIDE" ingest "$TMP/db5" orders --format ndjson >"$TMP/out"
expect_contains stdin_ndjson "$TMP/out" "3 rows, 3 stored"

# Rows that name different tags at the same place keep each its own:
# the batch remembers the name last seen at each place, and must compare it,
# also for names too long to remember.
cat >"$TMP/tags.ndjson" <<'EOF'
{"id":"o1","ts":"2025-03-01","customer":"c1","amount":1,"region":"north"}
{"id":"o2","ts":"2025-03-01","customer":"c1","amount":2,"rep":"r1"}
{"id":"o3","ts":"2025-03-02","customer":"c2","amount":3,"a_tag_name_longer_than_the_memo":"x"}
{"id":"o4","ts":"2025-03-02","customer":"c2","amount":4,"a_tag_name_longer_than_the_memo_too":"y"}
{"id":"o5","ts":"2025-03-03","customer":"c3","amount":5,"rep":"r2","region":"south"}
EOF
"$TIDE" ingest "$TMP/dbtags" orders --format ndjson "$TMP/tags.ndjson" >/dev/null
"$TIDE" export "$TMP/dbtags" orders --format ndjson | sed -E 's/.*"qty":"1",?//; s/}$//' >"$TMP/got"
printf '%s\n' '"region":"north"' '"rep":"r1"' '"a_tag_name_longer_than_the_memo":"x"' \
	'"a_tag_name_longer_than_the_memo_too":"y"' '"region":"south","rep":"r2"' >"$TMP/want"
if cmp -s "$TMP/want" "$TMP/got"; then pass tag_names_by_row; else fail tag_names_by_row "$(diff "$TMP/want" "$TMP/got" | head -4)"; fi

# A bad row anywhere writes nothing, names file:line:field, exits 3.
hdr='id,ts,customer,amount'
bad_case() { # name, body line, expected message part
	local f="$TMP/bad_$1.csv"
	printf '%s\no1,2025-03-01,c1,10.00\n%s\n' "$hdr" "$2" >"$f"
	expect_status "bad_$1_exit" 3 "$TIDE" ingest "$TMP/dbbad" orders "$f"
	expect_contains "bad_$1_message" "$TMP/err" "$3"
}
bad_case decimal 'o2,2025-03-01,c1,12,5x' "expected 4 fields"
bad_case amount 'o2,2025-03-01,c1,12.5x' "bad_amount.csv:3: amount: '12.5x' is not a decimal"
bad_case digits 'o2,2025-03-01,c1,1.23456' "amount: '1.23456' has more than 4 fraction digits"
bad_case range 'o2,2025-03-01,c1,99999999999999999' "amount: '99999999999999999' is out of range"
bad_case ts 'o2,2025-02-30,c1,1' "ts: '2025-02-30' is not a timestamp"
bad_case empty_id ',2025-03-01,c1,1' "id: empty"
long=$(printf 'x%.0s' $(seq 1 200))
bad_case long_id "$long,2025-03-01,c1,1" "id: longer than 128 bytes"
bad_case utf8 $'o2,2025-03-01,c\xff1,1' "invalid UTF-8"
expect_eq bad_nothing_written "$(test -d "$TMP/dbbad" && count_of "$TMP/dbbad" orders || echo 0)" "0"

printf 'id,ts,amount\no1,2025-03-01,1\n' >"$TMP/missing.csv"
expect_status missing_column 3 "$TIDE" ingest "$TMP/dbbad" orders "$TMP/missing.csv"
expect_contains missing_column_message "$TMP/err" "customer"
printf 'id,ts,customer,amount,bad-name\no1,2025-03-01,c1,1,x\n' >"$TMP/unknown.csv"
expect_status unknown_column 3 "$TIDE" ingest "$TMP/dbbad" orders "$TMP/unknown.csv"
expect_contains unknown_column_message "$TMP/err" "bad-name"
: >"$TMP/empty.csv"
expect_status empty_file 3 "$TIDE" ingest "$TMP/dbbad" orders "$TMP/empty.csv"
expect_contains empty_file_message "$TMP/err" "empty file"
printf 'id,ts,customer,amount\no1,2025-03-01,c1,1\0\n' >"$TMP/binary.csv"
expect_status binary_file 3 "$TIDE" ingest "$TMP/dbbad" orders "$TMP/binary.csv"
expect_contains binary_file_message "$TMP/err" "NUL"
{ echo "$hdr"; printf 'o1,2025-03-01,c1,%s\n' "$(head -c 1100000 /dev/zero | tr '\0' 1)"; } >"$TMP/longline.csv"
expect_status long_line 3 "$TIDE" ingest "$TMP/dbbad" orders "$TMP/longline.csv"
expect_contains long_line_message "$TMP/err" "longer than"
printf '{"id":"o1","ts":"2025-03-01","customer":"c1","amount":1.23456}\n' >"$TMP/bad.ndjson"
expect_status ndjson_digits 3 "$TIDE" ingest "$TMP/dbbad" orders "$TMP/bad.ndjson"
expect_contains ndjson_digits_message "$TMP/err" "more than 4 fraction digits"
printf 'id,ts,customer,channel,stage\nk1,2025-03-01,c1,call,maybe\n' >"$TMP/stage.csv"
expect_status bad_stage 3 "$TIDE" ingest "$TMP/dbbad" contacts "$TMP/stage.csv"
expect_contains bad_stage_message "$TMP/err" "stage: 'maybe'"
expect_eq bad_inputs_nothing_written "$(test -d "$TMP/dbbad" && count_of "$TMP/dbbad" orders || echo 0)" "0"

# Two files are one batch: the bad second file keeps the good first out.
expect_status batch_atomic 3 "$TIDE" ingest "$TMP/dbatom" orders "$TMP/d/orders.csv" "$TMP/bad_amount.csv"
expect_eq batch_atomic_count "$(test -d "$TMP/dbatom" && count_of "$TMP/dbatom" orders || echo 0)" "0"

# --skip-bad stores the good rows and lists the bad ones with reasons.
expect_status skip_bad 0 "$TIDE" ingest "$TMP/dbskip" orders --skip-bad "$TMP/rejects.txt" "$TMP/bad_amount.csv"
expect_eq skip_bad_count "$(count_of "$TMP/dbskip" orders)" "1"
expect_contains skip_bad_reason "$TMP/rejects.txt" "bad_amount.csv:3: amount: '12.5x' is not a decimal"
expect_contains skip_bad_row "$TMP/rejects.txt" "o2,2025-03-01,c1,12.5x"

# Usage errors exit 2 and every command has --help.
expect_status usage_no_args 2 "$TIDE"
expect_status usage_kind 2 "$TIDE" ingest "$TMP/dbu" invoices "$TMP/d/orders.csv"
expect_status usage_unknown_cmd 2 "$TIDE" frobnicate
for c in ingest stats export query; do
	expect_status "help_$c" 0 "$TIDE" "$c" --help
	expect_contains "help_${c}_text" "$TMP/out" "usage: tide $c"
done
expect_status stats_missing_store 2 "$TIDE" stats "$TMP/nope"

# The map starts small and grows as the batch needs (MDB_MAP_FULL is replayed).
# (TIDE_MAP_INITIAL fixes the starting map and turns off the up-front
# reservation; with MDB_WRITEMAP the file's length is the map's size.)
TIDE_MAP_INITIAL=262144 "$TIDE" ingest "$TMP/dbgrow" orders "$TMP/d/orders.csv" >"$TMP/out" 2>"$TMP/err"
expect_eq map_grows "$(count_of "$TMP/dbgrow" orders)" "$N"
expect_eq map_grew "$(( $(stat -c %s "$TMP/dbgrow/data.mdb") > 262144 ))" "1"
# ... up to its cap, beyond which the batch fails cleanly and writes nothing.
TIDE_MAP_INITIAL=262144 "$TIDE" ingest "$TMP/dbcap" orders --map-cap 300K "$TMP/d/orders.csv" >"$TMP/out" 2>"$TMP/err"
rc=$?
expect_eq map_cap_exit "$rc" "4"
expect_contains map_cap_message "$TMP/err" "cap"

# A reader during a long write sees a consistent snapshot: all or nothing.
"$GEN" --seed 9 --orders 60000 --out "$TMP/big" 2>/dev/null
sed -i 's/^o/big-o/' "$TMP/big/orders.csv"	# ids of their own, not duplicates
BIG=$(($(wc -l <"$TMP/big/orders.csv") - 1))
"$TIDE" ingest "$TMP/dbc" orders "$TMP/d/orders.csv" >/dev/null
"$TIDE" ingest "$TMP/dbc" orders "$TMP/big/orders.csv" >/dev/null &
writer=$!
seen_bad=0
while kill -0 "$writer" 2>/dev/null; do
	n=$(count_of "$TMP/dbc" orders)
	if [ "$n" != "$N" ] && [ "$n" != "$((N + BIG))" ]; then seen_bad=$n; fi
	q=$("$TIDE" query "$TMP/dbc" --format csv 'SELECT count(*) AS n FROM orders' 2>/dev/null | tail -1)
	if [ -n "$q" ] && [ "$q" != "$N" ] && [ "$q" != "$((N + BIG))" ]; then seen_bad=$q; fi
done
wait "$writer"
expect_eq concurrent_reader_consistent "$seen_bad" "0"
expect_eq concurrent_final "$(count_of "$TMP/dbc" orders)" "$((N + BIG))"

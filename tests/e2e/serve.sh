#!/usr/bin/env bash
# tide serve end to end: HTTP answers equal the CLI's, repeats come from the
# cache until new data arrives (from another process, growing the map), bad
# requests get one-line errors with their status, and SIGTERM stops it.
. "$(dirname "$0")/lib.sh"

db=$TMP/db
# A small fixed map, so that the second ingest below must grow it while the
# server has it open (LMDB then makes readers adopt the new size).
export TIDE_MAP_INITIAL=1048576
"$GEN" --seed 3 --orders 1200 --out "$TMP/a" >/dev/null 2>&1
"$GEN" --seed 4 --orders 30000 --start 2026-02-01 --out "$TMP/b" >/dev/null 2>&1
"$TIDE" ingest "$db" orders "$TMP/a/orders.csv" --quiet

"$TIDE" serve "$db" --port 0 >"$TMP/serve.out" 2>"$TMP/serve.err" &
server=$!
stop_server() { kill -TERM "$server" 2>/dev/null && wait "$server"; }
trap 'stop_server; rm -rf "$TMP"' EXIT
port=
for _ in $(seq 100); do
	port=$(sed -n 's|.*http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$TMP/serve.out")
	[ -n "$port" ] && break
	sleep 0.05
done
if [ -z "$port" ]; then
	fail serve_starts "no address printed; stderr: $(head -c 300 "$TMP/serve.err")"
	exit 0
fi
pass serve_starts
url=http://127.0.0.1:$port

# The HTTP library (and the TLS stack under it) is loaded by the server
# alone: every other command starts without it (src/mhd.h).
if ldd "$TIDE" | grep -q libmicrohttpd; then
	fail http_library_not_linked "$(ldd "$TIDE" | grep libmicrohttpd)"
else
	pass http_library_not_linked
fi
expect_contains http_library_loaded_by_serve "/proc/$server/maps" libmicrohttpd

# get NAME [curl args...]: body to $TMP/NAME.body, headers to $TMP/NAME.head;
# prints the status.
get() {
	local name=$1; shift
	curl -sS -o "$TMP/$name.body" -D "$TMP/$name.head" -w '%{http_code}' "$@"
}
header() { tr -d '\r' <"$TMP/$1.head" | sed -n "s/^$2: //Ip"; }

q='SELECT customer, revenue() AS revenue, orders() AS orders FROM orders WINDOW 90d GROUP BY customer ORDER BY revenue DESC, customer LIMIT 10'
"$TIDE" query "$db" --format csv "$q" >"$TMP/cli.csv"
"$TIDE" query "$db" --format json "$q" >"$TMP/cli.json"

expect_eq get_csv_status "$(get g1 --get --data-urlencode "q=$q" "$url/query?format=csv")" 200
expect_eq get_csv_equals_cli "$(cat "$TMP/g1.body")" "$(cat "$TMP/cli.csv")"
expect_eq get_csv_type "$(header g1 Content-Type)" "text/csv; charset=utf-8"
expect_eq first_is_miss "$(header g1 X-Tide-Cache)" miss
get g2 --get --data-urlencode "q=$q" "$url/query?format=csv" >/dev/null
expect_eq repeat_is_hit "$(header g2 X-Tide-Cache)" hit
expect_eq hit_same_body "$(cat "$TMP/g2.body")" "$(cat "$TMP/cli.csv")"
# A poller that sends back the answer's ETag is told "not modified", with no
# body, while the store is unchanged; any other query or format is answered.
etag=$(header g2 ETag)
expect_eq etag_same_for_hit "$etag" "$(header g1 ETag)"
expect_eq etag_304 "$(get t1 --get --data-urlencode "q=$q" -H "If-None-Match: $etag" "$url/query?format=csv")" 304
expect_eq etag_304_no_body "$(cat "$TMP/t1.body" 2>/dev/null | wc -c)" 0
expect_eq etag_304_keeps_tag "$(header t1 ETag)" "$etag"
expect_eq etag_in_list_weak "$(get t2 --get --data-urlencode "q=$q" -H "If-None-Match: \"x\", W/$etag" "$url/query?format=csv")" 304
expect_eq etag_other_format "$(get t3 --get --data-urlencode "q=$q" -H "If-None-Match: $etag" "$url/query?format=text")" 200
expect_eq etag_other_query "$(get t4 --get --data-urlencode "q=${q/LIMIT 10/LIMIT 3}" -H "If-None-Match: $etag" "$url/query?format=csv")" 200
expect_eq etag_star_not_honoured "$(get t6 --get --data-urlencode "q=$q" -H "If-None-Match: *" "$url/query?format=csv")" 200
expect_eq etag_post_304 "$(get t5 --data-binary "$q" -H "If-None-Match: $etag" "$url/query?format=csv")" 304
get g3 --get --data-urlencode "q=$q" "$url/query" >/dev/null
expect_eq default_json_equals_cli "$(cat "$TMP/g3.body")" "$(cat "$TMP/cli.json")"
expect_eq format_is_part_of_key "$(header g3 X-Tide-Cache)" miss

expect_eq post_status "$(get p1 --data-binary "$q" "$url/query?format=ndjson")" 200
expect_eq post_ndjson_rows "$(wc -l <"$TMP/p1.body")" 10
expect_eq post_ndjson_equals_cli "$(cat "$TMP/p1.body")" "$("$TIDE" query "$db" --format ndjson "$q")"
# a NUL in a POSTed query is an error at its place, not the query's end
printf 'SELECT count(*) AS n FROM orders\0 WHERE amount > 1000' >"$TMP/nul.tql"
expect_eq post_nul_status "$(get pnul --data-binary @"$TMP/nul.tql" "$url/query?format=csv")" 400
expect_contains post_nul_says "$TMP/pnul.body" "1:33: unexpected character"
asof=2023-03-01
get a1 --get --data-urlencode "q=$q" "$url/query?format=csv&asof=$asof" >/dev/null
expect_eq asof_equals_cli "$(cat "$TMP/a1.body")" "$("$TIDE" query "$db" --format csv --asof "$asof" "$q")"

# Errors: the CLI's message, one line, and the status says whose fault.
bad='SELECT revenue() FROM ordrs'
"$TIDE" query "$db" "$bad" 2>"$TMP/cli.err" >/dev/null
expect_eq bad_query_400 "$(get e1 --data-binary "$bad" "$url/query")" 400
expect_eq bad_query_message "tide: $(cat "$TMP/e1.body")" "$(cat "$TMP/cli.err")"
expect_eq bad_format_400 "$(get e2 --get --data-urlencode "q=$q" "$url/query?format=xml")" 400
expect_contains bad_format_message "$TMP/e2.body" "unknown format 'xml'"
expect_eq no_query_400 "$(get e3 "$url/query")" 400
expect_eq unknown_path_404 "$(get e4 "$url/tables")" 404
expect_eq wrong_method_405 "$(get e5 -X DELETE "$url/query")" 405
expect_eq help_200 "$(get e6 "$url/")" 200
expect_contains help_text "$TMP/e6.body" "/query?q=TQL"

# Several connections at once, each answered in full.
pids=()
for i in 1 2 3 4 5 6; do
	curl -sS --get --data-urlencode "q=SELECT count(*) AS n FROM orders WINDOW ${i}0d" \
		"$url/query?format=csv" >"$TMP/c$i.body" &
	pids+=($!)
done
wait "${pids[@]}"
all_ok=1
for i in 1 2 3 4 5 6; do
	[ "$(cat "$TMP/c$i.body")" == "$("$TIDE" query "$db" --format csv "SELECT count(*) AS n FROM orders WINDOW ${i}0d")" ] || all_ok=0
done
expect_eq concurrent_answers "$all_ok" 1

# New data from another process: the next answer is computed again, on it,
# though the store's map had to grow under the server.
"$TIDE" ingest "$db" orders "$TMP/b/orders.csv" --quiet
"$TIDE" query "$db" --format csv "$q" >"$TMP/cli2.csv"
expect_eq after_ingest_status "$(get n1 --get --data-urlencode "q=$q" "$url/query?format=csv")" 200
expect_eq after_ingest_is_miss "$(header n1 X-Tide-Cache)" miss
expect_eq after_ingest_equals_cli "$(cat "$TMP/n1.body")" "$(cat "$TMP/cli2.csv")"
if cmp -s "$TMP/cli.csv" "$TMP/cli2.csv"; then
	fail after_ingest_changed "the new orders did not change the top 10"
else
	pass after_ingest_changed
fi
expect_eq etag_stale_after_ingest "$(get n2 --get --data-urlencode "q=$q" -H "If-None-Match: $etag" "$url/query?format=csv")" 200
expect_eq etag_stale_body_fresh "$(cat "$TMP/n2.body")" "$(cat "$TMP/cli2.csv")"
expect_eq version_moved "$([ "$(header n1 X-Tide-Version)" -gt "$(header g1 X-Tide-Version)" ] && echo yes)" yes

kill -TERM "$server"
wait "$server"
expect_eq sigterm_exit_0 "$?" 0
trap 'rm -rf "$TMP"' EXIT
expect_eq server_stderr_empty "$(cat "$TMP/serve.err")" ""
expect_status serve_needs_db 2 "$TIDE" serve
expect_status serve_bad_port 2 "$TIDE" serve "$db" --port 70000
expect_status serve_no_store 2 "$TIDE" serve "$TMP/nothing" --port 0

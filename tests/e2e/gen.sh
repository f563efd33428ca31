#!/usr/bin/env bash
# End-to-end checks of the data generator (bench/gen.c): one "PASS name" or
# "FAIL name" line per case.  GEN is the binary (absolute path, set by
# tests/run.sh; default build/gen).
set -u
GEN=${GEN:-build/gen}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ORDERS_HEADER='id,ts,customer,amount,qty,sku,cost,region,rep,channel'
CONTACTS_HEADER='id,ts,customer,channel,stage,next_followup,reason,rep'

result() {	# name, status
	if [ "$2" -eq 0 ]; then echo "PASS gen_$1"; else echo "FAIL gen_$1"; fi
}

gen() {		# dir, args...: runs the generator quietly
	local dir=$1
	shift
	"$GEN" "$@" --out "$tmp/$dir" 2>"$tmp/$dir.err" >/dev/null
}

# Data rows (header excluded).
rows() { echo $(($(wc -l <"$1") - 1)); }

# Non-decreasing second column (ISO timestamps compare as strings).
sorted_ts() { awk -F, 'NR > 1 { if ($2 < prev) bad = 1; prev = $2 } END { exit bad }' "$1"; }

gen a --orders 1000 --seed 1; ok_a=$?
gen b --orders 1000 --seed 1; ok_b=$?
gen c --orders 1000 --seed 2; ok_c=$?
gen d --orders 25k; ok_d=$?
gen e --orders 1k --seed 1 --format ndjson; ok_e=$?

# Same arguments, same bytes.
s=1
[ $ok_a -eq 0 ] && [ $ok_b -eq 0 ] &&
	cmp -s "$tmp/a/orders.csv" "$tmp/b/orders.csv" &&
	cmp -s "$tmp/a/contacts.csv" "$tmp/b/contacts.csv" && s=0
result deterministic $s

# Another seed, other bytes.
s=1
[ $ok_c -eq 0 ] && ! cmp -s "$tmp/a/orders.csv" "$tmp/c/orders.csv" &&
	! cmp -s "$tmp/a/contacts.csv" "$tmp/c/contacts.csv" && s=0
result seed_changes_output $s

# Exactly --orders order rows, returns included.
s=1
[ $ok_a -eq 0 ] && [ "$(rows "$tmp/a/orders.csv")" -eq 1000 ] && s=0
result exact_count_1000 $s
s=1
[ $ok_d -eq 0 ] && [ "$(rows "$tmp/d/orders.csv")" -eq 25000 ] && s=0
result exact_count_25k $s

# Header lines, exactly.
s=1
[ $ok_d -eq 0 ] && [ "$(head -n1 "$tmp/d/orders.csv")" = "$ORDERS_HEADER" ] &&
	[ "$(head -n1 "$tmp/d/contacts.csv")" = "$CONTACTS_HEADER" ] && s=0
result headers $s

# Both files in time order.
s=1
[ $ok_d -eq 0 ] && sorted_ts "$tmp/d/orders.csv" && sorted_ts "$tmp/d/contacts.csv" && s=0
result ts_nondecreasing $s

# Returns: some negative amounts, with no cost.
s=1
[ $ok_d -eq 0 ] &&
	awk -F, 'NR > 1 && $4 ~ /^-/ { n++; if ($7 != "") bad = 1 } END { exit !(n > 0 && !bad) }' \
		"$tmp/d/orders.csv" && s=0
result negative_amounts $s

# The whole funnel: all six stages appear.
s=1
[ $ok_d -eq 0 ] &&
	[ "$(awk -F, 'NR > 1 && $5 != "" { print $5 }' "$tmp/d/contacts.csv" | sort -u | tr '\n' ' ')" = \
		"contacted lost new paused testing won " ] && s=0
result all_stages $s

# Every customer who orders was contacted first (shared ids, funnel before
# the first order).
s=1
[ $ok_d -eq 0 ] &&
	awk -F, 'FNR == 1 { f++; next }
		f == 1 && !($3 in k) { k[$3] = $2 }
		f == 2 && !($3 in o) { o[$3] = 1; if (!($3 in k) || k[$3] > $2) bad = 1 }
		END { exit bad }' "$tmp/d/contacts.csv" "$tmp/d/orders.csv" && s=0
result customers_contacted_first $s

# NDJSON: the same events, one object per line ("1k" = 1000).
s=1
[ $ok_e -eq 0 ] && [ "$(wc -l <"$tmp/e/orders.ndjson")" -eq 1000 ] &&
	[ "$(wc -l <"$tmp/e/contacts.ndjson")" -eq "$(rows "$tmp/a/contacts.csv")" ] &&
	[ "$(head -c 13 "$tmp/e/orders.ndjson")" = '{"id":"o1","t' ] &&
	[ "$(cut -d, -f1 "$tmp/a/orders.csv" | tail -n1)" = o1000 ] && s=0
result ndjson $s

# Bad arguments: a usage error (exit 2), nothing written.
s=1
"$GEN" --orders 12x --out "$tmp/f" 2>/dev/null
[ $? -eq 2 ] && [ ! -e "$tmp/f" ] && s=0
result bad_arguments $s

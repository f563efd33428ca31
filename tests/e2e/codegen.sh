#!/usr/bin/env bash
# The scan overlaps its cache misses by asking for each batch's id → group
# entries and group lines ahead of the fold (exec.c, prefetch_ids and
# prefetch_groups).  gcc 12 once deleted those requests without a word (see
# the comment above prefetch_ids), and only the clock showed it, at a third
# of top_customers' time: the binary must still hold them.
. "$(dirname "$0")/lib.sh"

if [ "$(uname -m)" != x86_64 ] || ! command -v objdump >/dev/null; then
	pass scan_prefetches_not_checked_here	# the instruction's name is x86's
	exit 0
fi
# prefetch_ids lands in next_batch, prefetch_groups in scan_log
objdump -d --no-show-raw-insn "$TIDE" | awk '
	/^[0-9a-f]+ <[^>]*>:$/ { fn = $2; sub(/^</, "", fn); sub(/(\.[a-z]+\.[0-9]+)?>:$/, "", fn) }
	/prefetch/ { n[fn]++ }
	END { print n["next_batch"] + 0, n["scan_log"] + 0 }' >"$TMP/counts"
read -r in_next_batch in_scan_log <"$TMP/counts"
if [ "$in_next_batch" -ge 1 ] && [ "$in_scan_log" -ge 2 ]; then
	pass scan_keeps_its_prefetches
else
	fail scan_keeps_its_prefetches "next_batch has $in_next_batch, scan_log $in_scan_log prefetch instructions"
fi

#!/usr/bin/env bash
# The reference cases again with the order roll-ups turned off: a GROUP BY
# customer over whole histories then reads the log instead of o_roll /
# o_roll_tag, and both ways must equal the SQL definitions.
export TIDE_ROLLUPS=0
dir=$(dirname "$0")
for s in metrics cdnow edges; do
	bash "$dir/$s.sh" | sed -E "s/^(PASS|FAIL) /\1 scan_$s: /"
done

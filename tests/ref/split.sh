#!/usr/bin/env bash
# The reference cases grouped by customer, by a period or not at all, again
# with every scan split over two threads (exec.c merges the second half's
# groups into the first's): the answers must still equal the SQL
# definitions.  Real histories split only from 131072 events;
# TIDE_SPLIT_MIN_EVENTS=1 splits these small ones.
export TIDE_SPLIT_MIN_EVENTS=1
dir=$(dirname "$0")
for s in metrics contacts cdnow periods edges; do
	bash "$dir/$s.sh" | sed -E "s/^(PASS|FAIL) /\1 split_$s: /"
done

// drive.mjs — what the bench drivers (duck.mjs, lite.mjs, http.mjs) share:
// run.sh's time budgets, the names of query files, and the two timing loops,
// so that every engine is timed by the same rules.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

// Time budgets (seconds, from run.sh): no more timed runs of a query once two
// or more took longer than QUERY_BUDGET together; no more dashboard rounds
// once three or more took longer than DASH_BUDGET.
const QUERY_BUDGET = Number(process.env.QUERY_BUDGET ?? Infinity);
const DASH_BUDGET = Number(process.env.DASH_BUDGET ?? Infinity);

export const textOf = (file) => readFileSync(file, 'utf8');
// q.duckdb.sql, q.sqlite.sql, q.sql and q.tql all name query q.
export const labelOf = (file) => basename(file).replace(/(\.[^/.]*)?\.(sql|tql)$/, '');
export const timeLine = (label, secs) => `time\t${label}\t${secs.toFixed(9)}`;

// Timed runs of one query, up to `runs` (within QUERY_BUDGET); timeOne()
// runs it once and resolves to its seconds.
export async function timedRuns(label, runs, timeOne, report) {
	for (let i = 0, spent = 0; i < Number(runs) && !(i >= 2 && spent > QUERY_BUDGET); i++) {
		const secs = await timeOne();
		report(timeLine(label, secs));
		spent += secs;
	}
}

// A dashboard: up to `rounds` rounds (within DASH_BUDGET) over queries, each
// [label, text]; timeOne(text, label, round) runs one and resolves to its
// seconds.
export async function dashboardRounds(rounds, queries, timeOne, report) {
	const t0 = performance.now();
	for (let r = 0; r < Number(rounds) && !(r >= 3 && performance.now() - t0 > 1000 * DASH_BUDGET); r++)
		for (const [label, text] of queries) report(timeLine(label, await timeOne(text, label, r)));
}

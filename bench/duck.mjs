// duck.mjs — the DuckDB side of bench/run.sh: runs SQL files on a DuckDB
// database file through @duckdb/node-api, prints CSV and timings.
//
//   node duck.mjs DB exec FILE LABEL                 run a script once, timed
//   node duck.mjs DB query FILE LABEL RUNS [OUT]     1 warm-up run (its result as CSV to OUT,
//                                                    or stdout), then RUNS timed runs
//   node duck.mjs DB rounds R PFX FILE...              R rounds over the files (a poller);
//                                                    labels are the file names sans .sql
//   node duck.mjs DB concurrent WRITE WLABEL READ RLABEL   runs WRITE on one connection
//                                                    while READ loops on another until it ends
//
// Timings are measured in-process (performance.now() around run + read of the
// whole result), so node's start-up is not counted.  Printed on stdout (on
// stderr when the CSV goes to stdout), tab-separated:
//   time    LABEL  SECONDS     per timed run
//   rss_kb  LABEL  KB          peak RSS of this process, at the end
import { writeFileSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import { dashboardRounds, labelOf, textOf as sqlOf, timeLine, timedRuns } from './drive.mjs';

const [db, mode, ...args] = process.argv.slice(2);
if (!db || !mode) {
	console.error('usage: node duck.mjs DB exec|query|rounds|concurrent ...');
	process.exit(2);
}
let report = (line) => process.stdout.write(line + '\n');

function csvCell(v) {
	if (v === null || v === undefined) return '';
	const s = String(v);
	return /[",\n\r]/.test(s) ? '"' + s.replaceAll('"', '""') + '"' : s;
}

function toCsv(reader) {
	const lines = [reader.columnNames().map(csvCell).join(',')];
	for (const row of reader.getRows()) lines.push(row.map(csvCell).join(','));
	return lines.join('\n') + '\n';
}

async function timed(conn, sql) {
	const t0 = performance.now();
	const reader = await conn.runAndReadAll(sql);
	return [(performance.now() - t0) / 1000, reader];
}

const instance = await DuckDBInstance.create(db);
const conn = await instance.connect();
let label = 'duckdb';

try {
	if (mode === 'exec') {
		const [file, lab] = args;
		label = lab ?? labelOf(file);
		const [secs] = await timed(conn, sqlOf(file));
		report(timeLine(label, secs));
	} else if (mode === 'query') {
		const [file, lab, runs = '5', out] = args;
		label = lab;
		const sql = sqlOf(file);
		if (!out) report = (line) => process.stderr.write(line + '\n');
		const [, reader] = await timed(conn, sql);
		const csv = toCsv(reader);
		if (out) writeFileSync(out, csv);
		else process.stdout.write(csv);
		await timedRuns(label, runs, async () => (await timed(conn, sql))[0], report);
	} else if (mode === 'rounds') {
		const [rounds, prefix, ...files] = args;
		const qs = files.map((f) => [prefix + labelOf(f), sqlOf(f)]);
		await dashboardRounds(rounds, qs, async (sql) => (await timed(conn, sql))[0], report);
		label = 'dashboard';
	} else if (mode === 'concurrent') {
		const [wfile, wlab, rfile, rlab] = args;
		label = wlab;
		const reader = await instance.connect();
		const rsql = sqlOf(rfile);
		let done = false;
		const t0 = performance.now();
		const write = conn
			.run(sqlOf(wfile))
			.then(() => (performance.now() - t0) / 1000)
			.finally(() => (done = true));
		let n = 0;
		while (!done || n === 0) {
			const [secs] = await timed(reader, rsql);
			report(timeLine(rlab, secs));
			n++;
		}
		report(timeLine(wlab, await write));
		reader.closeSync();
	} else {
		throw new Error(`unknown mode ${mode}`);
	}
} catch (e) {
	console.error(`duck.mjs: ${label}: ${e.message}`);
	process.exitCode = 1;
}
report(`rss_kb\t${label}\t${process.resourceUsage().maxRSS}`);
conn.closeSync();
instance.closeSync?.();

// lite.mjs — the SQLite side of bench/run.sh: drives one Debian `sqlite3`
// CLI process through a pipe, so timings are taken warm, in one session,
// with sub-millisecond resolution (the CLI's own .timer prints milliseconds).
//
//   node lite.mjs DB exec FILE LABEL                 run a script once, timed
//   node lite.mjs DB query FILE LABEL RUNS [OUT]     1 warm-up run (CSV with header to OUT,
//                                                    or stdout), then RUNS timed runs
//   node lite.mjs DB rounds R PFX FILE...              R rounds over the files
//   node lite.mjs DB loop FILE LABEL UNTIL           timed runs until the file UNTIL exists
//
// With START_FLAG set in the environment, exec creates that file just before
// it sends its script, and loop waits for it before its first run.
//
// A run sends the SQL followed by `.print <sentinel>` and waits for the
// sentinel; results of timed runs go to /dev/null (as tide's do in run.sh).
// Output as duck.mjs: `time LABEL SECONDS` lines, then `rss_kb LABEL KB`,
// the peak RSS (VmHWM) of the sqlite3 process.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dashboardRounds, labelOf, textOf as sqlOf, timeLine, timedRuns } from './drive.mjs';

const [db, mode, ...args] = process.argv.slice(2);
if (!db || !mode) {
	console.error('usage: node lite.mjs DB exec|query|rounds|loop ...');
	process.exit(2);
}
let report = (line) => process.stdout.write(line + '\n');

const child = spawn('sqlite3', ['-bail', '-batch', db], { stdio: ['pipe', 'pipe', 'inherit'] });
let buf = '';
let waiting = null;
let exited = false;
child.stdout.setEncoding('utf8');
child.stdout.on('data', (d) => {
	buf += d;
	if (waiting) waiting();
});
child.on('exit', (code) => {
	exited = true;
	if (waiting) waiting(new Error(`sqlite3 exited with status ${code}`));
});

let seq = 0;
// Sends text, waits for the sentinel; returns what came before it.
function send(text) {
	const mark = `@@end${++seq}@@`;
	return new Promise((resolve, reject) => {
		waiting = (err) => {
			if (err) return reject(err);
			const i = buf.indexOf(mark + '\n');
			if (i < 0) return;
			const out = buf.slice(0, i);
			buf = buf.slice(i + mark.length + 1);
			waiting = null;
			resolve(out);
		};
		if (exited) return reject(new Error('sqlite3 is gone'));
		child.stdin.write(`${text.trimEnd()}\n.print ${mark}\n`);
	});
}

async function timed(sql, capture) {
	const pre = capture ? '.output stdout\n' : '.output /dev/null\n';
	const t0 = performance.now();
	const out = await send(pre + sql + '\n.output stdout');
	return [(performance.now() - t0) / 1000, out];
}

let label = 'sqlite';

try {
	// Session settings; for queries also a 1 GiB page cache and sorts in memory
	// (not for loads, whose staging table would then live in memory).
	await send('.headers on\n.mode csv\n.timeout 60000' +
		(mode === 'exec' ? '' : '\nPRAGMA cache_size=-1048576;\nPRAGMA temp_store=MEMORY;'));
	if (mode === 'exec') {
		const [file, lab] = args;
		label = lab ?? labelOf(file);
		const sql = sqlOf(file);
		if (process.env.START_FLAG) writeFileSync(process.env.START_FLAG, '');
		const [secs] = await timed(sql, false);
		report(timeLine(label, secs));
	} else if (mode === 'query') {
		const [file, lab, runs = '5', out] = args;
		label = lab;
		const sql = sqlOf(file);
		if (!out) report = (line) => process.stderr.write(line + '\n');
		const [, csv] = await timed(sql, true);
		if (out) writeFileSync(out, csv);
		else process.stdout.write(csv);
		await timedRuns(label, runs, async () => (await timed(sql, false))[0], report);
	} else if (mode === 'rounds') {
		const [rounds, prefix, ...files] = args;
		const qs = files.map((f) => [prefix + labelOf(f), sqlOf(f)]);
		await dashboardRounds(rounds, qs, async (sql) => (await timed(sql, false))[0], report);
		label = 'dashboard';
	} else if (mode === 'loop') {
		const [file, lab, until] = args;
		label = lab;
		const sql = sqlOf(file);
		const start = process.env.START_FLAG;
		while (start && !existsSync(start)) await new Promise((r) => setTimeout(r, 1));
		let n = 0;
		while (n === 0 || !existsSync(until)) {
			const [secs] = await timed(sql, false);
			report(timeLine(label, secs));
			n++;
		}
	} else {
		throw new Error(`unknown mode ${mode}`);
	}
	const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
	const hwm = /VmHWM:\s*(\d+)/.exec(status);
	report(`rss_kb\t${label}\t${hwm ? hwm[1] : 0}`);
} catch (e) {
	console.error(`lite.mjs: ${label}: ${e.message}`);
	process.exitCode = 1;
}
child.stdin.end();

// http.mjs — the dashboard of bench/run.sh against `tide serve`: R rounds
// over TQL files, each query a POST to URL/query?format=csv on one kept-alive
// connection, as a dashboard's poller would send it.
//
//   node http.mjs URL R PFX OUTDIR FILE...
//
// Labels are PFX + the file name sans .tql.  The first round's answers go to
// OUTDIR/NAME.csv, for run.sh to compare with the CLI's.  Timed in-process
// (request sent to body read), like duck.mjs; printed on stdout:
//   time    LABEL      SECONDS     per request
// and on stderr how many answers came from the server's cache.
import { writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { dashboardRounds, labelOf, textOf } from './drive.mjs';

const [url, rounds, prefix, outdir, ...files] = process.argv.slice(2);
if (!url || !outdir || !files.length) {
	console.error('usage: node http.mjs URL ROUNDS PREFIX OUTDIR FILE...');
	process.exit(2);
}
const agent = new Agent({ keepAlive: true, maxSockets: 1 });
const target = new URL('/query?format=csv', url);

function post(text) {
	return new Promise((resolve, reject) => {
		const req = request(target, { method: 'POST', agent, headers: { 'Content-Type': 'text/plain' } }, (res) => {
			const chunks = [];
			res.on('data', (c) => chunks.push(c));
			res.on('end', () => resolve([res.statusCode, res.headers['x-tide-cache'], Buffer.concat(chunks).toString('utf8')]));
			res.on('error', reject);
		});
		req.on('error', reject);
		req.end(text);
	});
}

const qs = files.map((f) => [prefix + labelOf(f), textOf(f)]);
let hits = 0, asked = 0;
try {
	await dashboardRounds(rounds, qs, async (tql, label, round) => {
		const t0 = performance.now();
		const [status, cache, body] = await post(tql);
		const secs = (performance.now() - t0) / 1000;
		const name = label.slice(prefix.length);
		if (status !== 200) throw new Error(`${name}: HTTP ${status}: ${body.trim()}`);
		if (round === 0) writeFileSync(`${outdir}/${name}.csv`, body);
		asked++;
		hits += cache === 'hit';
		return secs;
	}, (line) => process.stdout.write(line + '\n'));
	console.error(`http.mjs: ${hits} of ${asked} answers from the server's cache`);
} catch (e) {
	console.error(`http.mjs: ${e.message}`);
	process.exitCode = 1;
}
agent.destroy();

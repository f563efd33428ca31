// http.mjs — the dashboard of bench/run.sh against `tide serve`: R rounds
// over TQL files, each query a POST to URL/query?format=csv on one kept-alive
// connection, as a dashboard's poller would send it: it keeps each answer
// with its ETag and sends the tag back (If-None-Match), so an unchanged
// answer comes back as 304 Not Modified, without its body, as a browser's
// cache would revalidate it.
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

function post(text, etag) {
	const headers = { 'Content-Type': 'text/plain' };
	if (etag) headers['If-None-Match'] = etag;
	return new Promise((resolve, reject) => {
		const req = request(target, { method: 'POST', agent, headers }, (res) => {
			const chunks = [];
			res.on('data', (c) => chunks.push(c));
			res.on('end', () => resolve([res.statusCode, res.headers['x-tide-cache'], res.headers.etag,
				Buffer.concat(chunks).toString('utf8')]));
			res.on('error', reject);
		});
		req.on('error', reject);
		req.end(text);
	});
}

const qs = files.map((f) => [prefix + labelOf(f), textOf(f)]);
const kept = new Map();	// label -> [etag, body]: the poller's last answers
let hits = 0, asked = 0, unchanged = 0;
try {
	await dashboardRounds(rounds, qs, async (tql, label, round) => {
		const t0 = performance.now();
		const last = kept.get(label);
		let [status, cache, etag, body] = await post(tql, last && last[0]);
		if (status === 304 && last) {
			body = last[1];
			unchanged++;
		}
		const secs = (performance.now() - t0) / 1000;
		const name = label.slice(prefix.length);
		if (status !== 200 && status !== 304) throw new Error(`${name}: HTTP ${status}: ${body.trim()}`);
		kept.set(label, [etag, body]);
		if (round === 0) writeFileSync(`${outdir}/${name}.csv`, body);
		asked++;
		hits += cache === 'hit';
		return secs;
	}, (line) => process.stdout.write(line + '\n'));
	console.error(`http.mjs: ${hits} of ${asked} answers from the server's cache, ${unchanged} of them "not modified"`);
} catch (e) {
	console.error(`http.mjs: ${e.message}`);
	process.exitCode = 1;
}
agent.destroy();

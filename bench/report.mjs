// report.mjs — turn a bench run into bench/results/SIZE.csv (+ SIZE.meta.json),
// then regenerate docs/bench.md (and docs/bench-growth.png when more than one
// size has results) from every results file present.
//
//   node report.mjs SIZE     after bench/run.sh SIZE (reads bench/work/SIZE)
//   node report.mjs          only regenerate the docs from bench/results
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BENCH = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(BENCH);
const RESULTS = join(BENCH, 'results');
const ENGINES = ['tide', 'duckdb', 'sqlite'];
const NAMES = { tide: 'tide', duckdb: 'DuckDB', sqlite: 'SQLite' };
const COLUMNS = ['size', 'work', 'engine', 'median_seconds', 'ratio_vs_duckdb', 'ratio_vs_sqlite', 'peak_rss_mb', 'bytes'];

const manifest = readFileSync(join(BENCH, 'queries', 'manifest.tsv'), 'utf8')
	.split('\n')
	.filter((l) => l && !l.startsWith('#'))
	.map((l) => {
		const [name, group, , , caption] = l.split('\t');
		return { name, group, caption };
	});
const WORKS = [
	'ingest_orders', 'ingest_contacts',
	...manifest.map((q) => `q:${q.name}`),
	...manifest.filter((q) => q.group !== 'probe').map((q) => `dash:${q.name}`),
	'ingest_1pct', 'read_during_ingest',
];

const median = (xs) => {
	if (!xs.length) return null;
	const s = [...xs].sort((a, b) => a - b), m = s.length >> 1;
	return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const readEnv = (file) => {
	const env = { failed: [] };
	for (const l of readFileSync(file, 'utf8').split('\n')) {
		const i = l.indexOf('=');
		if (i <= 0) continue;
		const k = l.slice(0, i), v = l.slice(i + 1);
		if (k === 'failed') env.failed.push(v);
		else env[k] = v;
	}
	return env;
};

// ------------------------------------------------------------ one run → CSV

function writeResults(size) {
	const work = join(BENCH, 'work', size);
	const meta = readEnv(join(work, 'meta.env'));
	const times = {}, rss = {}, bytes = {};
	for (const l of readFileSync(join(work, 'raw.tsv'), 'utf8').split('\n')) {
		const [e, w, kind, v] = l.split('\t');
		if (!v) continue;
		const k = `${e}\t${w}`;
		if (kind === 'time') (times[k] ??= []).push(Number(v));
		else if (kind === 'rss_kb') rss[k] = Math.max(rss[k] ?? 0, Number(v));
		else if (kind === 'bytes') bytes[k] = v;
	}
	const med = (e, w) => median(times[`${e}\t${w}`] ?? []);
	const rows = [];
	for (const w of WORKS)
		for (const e of ENGINES) {
			const t = med(e, w);
			if (t === null) continue;
			const ratio = (o) => (med(o, w) ? (t / med(o, w)).toPrecision(4) : '');
			const kb = rss[`${e}\t${w}`] ??
				(w.startsWith('dash:') ? rss[`${e}\tdashboard`] : w === 'read_during_ingest' ? rss[`${e}\tingest_1pct`] : undefined);
			rows.push({
				size, work: w, engine: e, median_seconds: t.toFixed(6),
				ratio_vs_duckdb: ratio('duckdb'), ratio_vs_sqlite: ratio('sqlite'),
				peak_rss_mb: kb ? (kb / 1024).toFixed(1) : '', bytes: bytes[`${e}\t${w}`] ?? '',
			});
		}
	mkdirSync(RESULTS, { recursive: true });
	writeFileSync(join(RESULTS, `${size}.csv`),
		[COLUMNS.join(','), ...rows.map((r) => COLUMNS.map((c) => r[c]).join(','))].join('\n') + '\n');
	const count = (e, w) => (times[`${e}\t${w}`] ?? []).length;
	meta.reads_during_ingest = Object.fromEntries(ENGINES.map((e) => [e, count(e, 'read_during_ingest')]));
	meta.dashboard_rounds = Object.fromEntries(ENGINES.map((e) => [e, count(e, 'dash:point')]));
	// The loads run in rounds that take the engines in turn: tide/DuckDB round by round.
	const loads = (e) => times[`${e}\tingest_orders`] ?? [];
	meta.ingest_round_ratios = loads('tide').length === loads('duckdb').length
		? loads('tide').map((x, i) => x / loads('duckdb')[i]) : [];
	writeFileSync(join(RESULTS, `${size}.meta.json`), JSON.stringify(meta, null, 1) + '\n');
	console.log(`wrote bench/results/${size}.csv (${rows.length} rows)`);
}

// ------------------------------------------------------------ all runs → docs

function parseCsv(text) {
	const [head, ...lines] = text.trim().split('\n');
	const cols = head.split(',');
	return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i], v])));
}

function loadAll() {
	if (!existsSync(RESULTS)) return [];
	return readdirSync(RESULTS)
		.filter((f) => f.endsWith('.csv'))
		.map((f) => {
			const size = f.slice(0, -4);
			const mf = join(RESULTS, `${size}.meta.json`);
			const meta = existsSync(mf) ? JSON.parse(readFileSync(mf, 'utf8')) : {};
			const rows = parseCsv(readFileSync(join(RESULTS, f), 'utf8'));
			const get = (w, e) => rows.find((r) => r.work === w && r.engine === e);
			const t = (w, e) => (get(w, e) ? Number(get(w, e).median_seconds) : null);
			return { size, meta, rows, get, t, orders: Number(meta.orders ?? rows.length) };
		})
		.sort((a, b) => a.orders - b.orders);
}

const fmtTime = (s) => {
	if (s === null || s === undefined || Number.isNaN(s)) return '—';
	if (s < 1e-3) return `${(s * 1e6).toPrecision(3)} µs`;
	if (s < 1) return `${(s * 1e3).toPrecision(3)} ms`;
	return `${s.toPrecision(3)} s`;
};
const fmtBytes = (b) => {
	if (!b) return '';
	const n = Number(b);
	return n >= 2 ** 30 ? `${(n / 2 ** 30).toFixed(2)} GiB` : `${(n / 2 ** 20).toFixed(1)} MiB`;
};
const fmtInt = (n) => Number(n).toLocaleString('en-US');
const fmtRatio = (r) => (r ? `${Number(r).toPrecision(3)}×` : '—');

// Each target of issue 4: [what, target, (run) => [measured text, status]].
// status: 'met', 'missed', 'no data', or a note when the target is for another size.
function targets(run, all) {
	const { t, meta } = run;
	const tideRan = t('q:top_customers', 'tide') !== null || t('ingest_orders', 'tide') !== null;
	const nodata = (why) => [why, 'no data'];
	const atSize = (want, [text, status]) =>
		run.size === want || status === 'no data' ? [text, status] : [text, `target is at ${want} (${status} here)`];
	const examples = manifest.filter((q) => q.group === 'example').map((q) => q.name);
	const out = [];

	out.push(['ingest, CSV → store, all indexes', '≥ 500,000 orders/s, and faster than DuckDB\'s CSV load', (() => {
		const ti = t('ingest_orders', 'tide'), td = t('ingest_orders', 'duckdb');
		if (ti === null) return nodata('tide did not ingest');
		const rate = run.orders / ti;
		// Faster than DuckDB means in every round of the run, not only in the
		// medians: with three loads each, those can cross by noise alone.
		const rounds = meta.ingest_round_ratios ?? [];
		const text = `tide ${fmtInt(Math.round(rate))} orders/s (${fmtTime(ti)}); DuckDB ${td ? fmtTime(td) : '—'}` +
			(rounds.length > 1 ? `; round by round ${rounds.map((r) => fmtRatio(r)).join(', ')}` : '');
		const faster = td === null || (ti < td && rounds.every((r) => r < 1));
		return [text, rate >= 500000 && faster ? 'met' : 'missed'];
	})()]);

	out.push(['every example query', '≤ 1.0× DuckDB\'s time, ≤ 0.1× SQLite\'s', atSize('10m', (() => {
		if (!tideRan) return nodata('tide did not run the queries');
		const parts = [], bad = [];
		for (const q of examples) {
			const r = run.get(`q:${q}`, 'tide');
			if (!r) { bad.push(`${q}: no result`); continue; }
			const d = Number(r.ratio_vs_duckdb), s = Number(r.ratio_vs_sqlite);
			parts.push(`${q} ${fmtRatio(d)} / ${fmtRatio(s)}`);
			if (!(d <= 1.0) || !(s <= 0.1)) bad.push(q);
		}
		return [`tide/DuckDB / tide/SQLite: ${parts.join('; ')}`, bad.length ? 'missed' : 'met'];
	})())]);

	out.push(['point query, narrow window', '< 5 ms', atSize('100m', (() => {
		const p = t('q:point', 'tide'), n = t('q:narrow_7d', 'tide');
		if (p === null || n === null) return nodata('tide did not run them');
		return [`point ${fmtTime(p)}, narrow ${fmtTime(n)}`, p < 0.005 && n < 0.005 ? 'met' : 'missed'];
	})())]);

	out.push(['dashboard loop with no new data', '< 1 ms per query', (() => {
		const ds = run.rows.filter((r) => r.work.startsWith('dash:') && r.engine === 'tide');
		if (!ds.length) return nodata('tide did not run the dashboard');
		const worst = ds.reduce((a, b) => (Number(a.median_seconds) > Number(b.median_seconds) ? a : b));
		return [`slowest median ${fmtTime(Number(worst.median_seconds))} (${worst.work.slice(5)}), through \`tide serve\` over HTTP`,
			ds.every((r) => Number(r.median_seconds) < 0.001) ? 'met' : 'missed'];
	})()]);

	out.push(['growth', 'a window query\'s time grows with the events in the window, not the history', (() => {
		// The yardstick is the same query over a window that holds every event:
		// history_all has no window and is answered from the roll-ups.
		const n = t('q:narrow_7d', 'tide'), h = t('q:window_all', 'tide');
		if (n === null || h === null) return nodata('tide did not run the probe');
		const share = Number(meta.events_7d) / run.orders;
		const floor = Number(meta.spawn_floor_s ?? 0);
		// Allowed: process start, plus 1 ms, plus 5× the all-history query's time scaled
		// by the window's share of the events (reading all of them costs h).
		const limit = floor + 0.001 + 5 * share * h;
		return [`narrow_7d ${fmtTime(n)} holds ${(100 * share).toFixed(2)}% of the events; all history ${fmtTime(h)}; limit ${fmtTime(limit)}`,
			n <= limit ? 'met' : 'missed'];
	})()]);

	out.push(['100m orders', 'ingests, queries and fits on this machine, peak RSS < 4 GiB', atSize('100m', (() => {
		const tr = run.rows.filter((r) => r.engine === 'tide');
		if (!tr.length) return nodata('tide did not run');
		const peak = Math.max(...tr.map((r) => Number(r.peak_rss_mb) || 0));
		const store = Math.max(...tr.map((r) => Number(r.bytes) || 0));
		const complete = WORKS.every((w) => run.get(w, 'tide'));
		return [`tide peak RSS ${peak.toFixed(0)} MiB, store ${fmtBytes(store)}${complete ? '' : ', not every step ran'}`,
			peak < 4096 && complete && !(meta.failed ?? []).length ? 'met' : 'missed'];
	})())]);
	return out;
}

function sizeSection(run, all) {
	const m = run.meta;
	const L = [];
	L.push(`## ${run.size}: ${fmtInt(run.orders)} orders, ${m.contacts ? fmtInt(m.contacts) : '?'} contacts`);
	L.push('');
	L.push(`Run ${m.date ?? '?'} on ${m.cores ?? '?'} cores (${m.cpu ?? '?'}), ${m.mem_gib ?? '?'} GiB; ` +
		`tide ${m.tide_commit ?? '?'}, DuckDB ${m.duckdb_version ?? '?'} (node ${m.node_version ?? '?'}), SQLite ${m.sqlite_version ?? '?'}; ` +
		`engines run: ${m.engines ?? '?'}; ${m.runs ?? '?'} timed runs per query, ${m.rounds ?? '?'} dashboard rounds, ` +
		`${m.ingest_runs ?? '?'} ingest run(s). T = ${m.last_ts ?? '?'} + 1 s; point query customer ${m.point_customer ?? '?'}; ` +
		`${m.events_7d ? fmtInt(m.events_7d) : '?'} orders in the last 7 days.`);
	if ((m.failed ?? []).length) {
		L.push('');
		L.push(`**This run failed:** ${m.failed.join('; ')}.`);
	}
	L.push('');
	L.push('| target (issue 4) | wanted | measured | met? |');
	L.push('|---|---|---|---|');
	for (const [what, want, [text, status]] of targets(run, all))
		L.push(`| ${what} | ${want} | ${text} | ${status.startsWith('met') ? '✅ ' : status.startsWith('missed') ? '❌ ' : ''}${status} |`);
	L.push('');
	L.push('| work | tide | DuckDB | SQLite | tide/DuckDB | tide/SQLite | peak RSS MiB (tide / DuckDB / SQLite) | bytes on disk (tide / DuckDB / SQLite) |');
	L.push('|---|--:|--:|--:|--:|--:|--:|--:|');
	for (const w of WORKS) {
		const rs = ENGINES.map((e) => run.get(w, e));
		if (rs.every((r) => !r)) continue;
		const tide = rs[0];
		const cap = w.startsWith('q:') || w.startsWith('dash:') ? manifest.find((q) => q.name === w.split(':')[1]) : null;
		const label = w + (cap && cap.group === 'example' && w.startsWith('q:') ? ' (example)' : '');
		L.push(`| ${label} | ${rs.map((r) => (r ? fmtTime(Number(r.median_seconds)) : '—')).join(' | ')} | ` +
			`${tide ? fmtRatio(tide.ratio_vs_duckdb) : '—'} | ${tide ? fmtRatio(tide.ratio_vs_sqlite) : '—'} | ` +
			`${rs.map((r) => (r && r.peak_rss_mb ? r.peak_rss_mb : '—')).join(' / ')} | ` +
			`${rs.some((r) => r && r.bytes) ? rs.map((r) => (r && r.bytes ? fmtBytes(r.bytes) : '—')).join(' / ') : ''} |`);
	}
	const rounds = m.dashboard_rounds;
	if (rounds && ENGINES.some((e) => rounds[e] && rounds[e] < Number(m.rounds))) {
		L.push('');
		L.push(`Dashboard rounds run within the time budget: ${ENGINES.map((e) => `${rounds[e] ?? 0} (${NAMES[e]})`).join(', ')} of ${m.rounds}.`);
	}
	const reads = m.reads_during_ingest;
	if (reads) {
		L.push('');
		L.push(`During the ingest of ${m.extra_orders ? fmtInt(m.extra_orders) : '1%'} more orders the reader completed ` +
			ENGINES.map((e) => `${reads[e] ?? 0} (${NAMES[e]})`).join(', ') + ' narrow_7d queries; ' +
			'`read_during_ingest` is their median latency, `ingest_1pct` the ingest\'s wall time ' +
			ENGINES.filter((e) => run.t('ingest_1pct', e)).map((e) =>
				`(${NAMES[e]} ${fmtInt(Math.round(Number(m.extra_orders) / run.t('ingest_1pct', e)))} orders/s)`).join(', ') + '.');
	}
	L.push('');
	return L.join('\n');
}

function plot(all) {
	const dir = join(BENCH, 'work', 'plot');
	mkdirSync(dir, { recursive: true });
	const works = ['ingest_orders', ...manifest.map((q) => `q:${q.name}`)];
	const panels = [];
	works.forEach((w, i) => {
		const f = join(dir, `${i}.dat`);
		const lines = all.map((r) => [r.orders, ...ENGINES.map((e) => r.t(w, e) ?? 'NaN')].join(' '));
		writeFileSync(f, `# orders ${ENGINES.join(' ')}\n${lines.join('\n')}\n`);
		panels.push(`set title "${w.replace(/^q:/, '')}" noenhanced\n` +
			`plot ${ENGINES.map((e, j) => `"${f}" using 1:${j + 2} with linespoints ls ${j + 1} title "${NAMES[e]}"`).join(', ')}`);
	});
	const cols = 3, rows = Math.ceil(works.length / cols);
	const png = join(ROOT, 'docs', 'bench-growth.png');
	const gp = [
		`set terminal pngcairo size ${cols * 520},${rows * 380} font "sans,10"`,
		`set output "${png}"`,
		'set logscale xy', 'set grid', 'set key top left', 'set format x "%.0s%c"',
		`set xrange [${all[0].orders / 2}:${all[all.length - 1].orders * 2}]`,
		'set xlabel "orders in the history"', 'set ylabel "median seconds"',
		'set style line 1 lc rgb "#d62728" lw 2 pt 7', 'set style line 2 lc rgb "#1f77b4" lw 2 pt 5',
		'set style line 3 lc rgb "#2ca02c" lw 2 pt 9',
		'set datafile missing "NaN"',
		`set multiplot layout ${rows},${cols} title "tide, DuckDB and SQLite: time against history size (log-log)"`,
		...panels, 'unset multiplot',
	].join('\n');
	writeFileSync(join(dir, 'growth.gp'), gp + '\n');
	try {
		execFileSync('gnuplot', [join(dir, 'growth.gp')], { stdio: 'inherit' });
		return true;
	} catch (e) {
		console.error(`report.mjs: gnuplot failed (${e.message}); no plot`);
		return false;
	}
}

function writeDocs() {
	const all = loadAll();
	const inc = (f) => (existsSync(join(BENCH, f)) ? readFileSync(join(BENCH, f), 'utf8').trim() + '\n' : '');
	const L = [];
	L.push('# Benchmarks: tide, DuckDB and SQLite on one history');
	L.push('');
	L.push('<!-- Generated by bench/report.mjs from bench/results/*.csv, bench/method.md and bench/notes.md;');
	L.push('     edit those, not this file.  `make bench SIZE=1m` (or 10m, 100m) runs a size and regenerates it. -->');
	L.push('');
	L.push(`Sizes with results: ${all.length ? all.map((r) => r.size).join(', ') : 'none yet'}. ` +
		'Each size is one run of `bench/run.sh SIZE`: the same generated data, the same work, for all three engines, ' +
		'with ratios taken pair by pair within the run. The raw numbers are in `bench/results/SIZE.csv`.');
	L.push('');
	if (all.length > 1 && plot(all)) {
		L.push('![time against history size, log-log, per engine and query](bench-growth.png)');
		L.push('');
	}
	for (const run of all) L.push(sizeSection(run, all));
	const notes = inc('notes.md');
	if (notes) L.push(notes);
	const method = inc('method.md');
	if (method) L.push(method);
	writeFileSync(join(ROOT, 'docs', 'bench.md'), L.join('\n'));
	console.log(`wrote docs/bench.md (${all.length} size(s))`);
}

const size = process.argv[2];
if (size) writeResults(size);
writeDocs();

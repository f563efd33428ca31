// compare.mjs — compare one query's results from several engines, row by row.
//
//   node compare.mjs MANIFEST NAME ENGINE=FILE.csv ENGINE=FILE.csv ...
//
// Columns are matched by header name and taken in the manifest's order; every
// cell is normalised by its kind (money: 2 decimals, rounded half away from
// zero, exactly, from the decimal text; ratio: 6 decimals; integer; timestamp:
// YYYY-MM-DDTHH:MM:SSZ; string as is; empty = null).  With order `*` the rows
// must match in sequence; otherwise the rows are compared as a multiset and only
// the named ORDER BY columns must match in sequence (ties may come in any order).
// A ratio may differ by one unit in its 6th decimal (see cellEq).
// Prints `ok NAME (N rows)` or the differing rows; exit status 1 on a mismatch.
import { readFileSync } from 'node:fs';

const [manifest, name, ...pairs] = process.argv.slice(2);
const line = readFileSync(manifest, 'utf8')
	.split('\n')
	.find((l) => !l.startsWith('#') && l.split('\t')[0] === name);
if (!line || pairs.length < 2) {
	console.error('usage: node compare.mjs MANIFEST NAME ENGINE=FILE ENGINE=FILE ...');
	process.exit(2);
}
const [, , orderSpec, colSpec] = line.split('\t');
const cols = colSpec.split(' ').map((c) => c.split(':'));
const orderCols = orderSpec === '*' ? null : orderSpec.split(' ');

function parseCsv(text) {
	const rows = [];
	let row = [], cell = '', q = false;
	for (let i = 0; i < text.length; i++) {
		const ch = text[i];
		if (q) {
			if (ch === '"' && text[i + 1] === '"') cell += '"', i++;
			else if (ch === '"') q = false;
			else cell += ch;
		} else if (ch === '"') q = true;
		else if (ch === ',') row.push(cell), (cell = '');
		else if (ch === '\n' || ch === '\r') {
			if (ch === '\r' && text[i + 1] === '\n') i++;
			row.push(cell), rows.push(row), (row = []), (cell = '');
		} else cell += ch;
	}
	if (cell !== '' || row.length) row.push(cell), rows.push(row);
	return rows;
}

// Exact decimal rounding of a decimal string to d places, half away from zero.
function roundDec(s, d) {
	const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(s);
	if (!m) {
		const x = Number(s);
		return Number.isFinite(x) ? roundDec(x.toFixed(d + 3), d) : s;
	}
	const [, sign, ip, fp = ''] = m;
	const digits = BigInt((ip || '0') + fp.padEnd(d + 1, '0').slice(0, d + 1));
	let v = digits / 10n;
	if (digits % 10n >= 5n) v += 1n;
	let t = v.toString().padStart(d + 1, '0');
	t = t.slice(0, -d) + '.' + t.slice(-d);
	return (sign === '-' && v !== 0n ? '-' : '') + t;
}

function norm(v, kind) {
	v = v.trim();
	if (v === '' || v.toLowerCase() === 'null') return '';
	switch (kind) {
	case 'm': return roundDec(v, 2);
	case 'r': return roundDec(v, 6);
	case 'i': return /^[+-]?\d+$/.test(v) ? BigInt(v).toString() : String(Number(v));
	case 't': {
		const m = /^(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d:\d\d)(?:\.0+)?(Z|\+00(:?00)?)?$/.exec(v);
		return m ? `${m[1]}T${m[2]}Z` : v;
	}
	case 'b': return ['true', 't', '1'].includes(v.toLowerCase()) ? 'true' : 'false';
	default: return v;
	}
}

function load(file) {
	const text = readFileSync(file, 'utf8');
	if (!text.trim()) return { rows: [] };	// no rows (the sqlite3 CLI then prints no header)
	const rows = parseCsv(text);
	const header = (rows.shift() ?? []).map((h) => h.trim());
	const idx = cols.map(([c]) => header.indexOf(c));
	const missing = cols.filter((_, i) => idx[i] < 0).map(([c]) => c);
	if (missing.length) return { error: `no column ${missing.join(', ')} (header: ${header.join(',')})` };
	return { rows: rows.map((r) => cols.map(([, k], i) => norm(r[idx[i]] ?? '', k))) };
}

const results = pairs.map((p) => {
	const i = p.indexOf('=');
	return { engine: p.slice(0, i), ...load(p.slice(i + 1)) };
});
const [ref, ...others] = results;
let bad = 0;
for (const o of [ref, ...others].filter((x) => x.error)) {
	console.log(`MISMATCH ${name}: ${o.engine}: ${o.error}`);
	bad++;
}
// Ratios are computed in floating point; an exact half in the 7th decimal (one
// recency value in 54 is a whole number of seconds / 86400 ending in 5 there)
// prints either way depending on the path, so a ratio may differ by one unit in
// its 6th decimal.  Everything else must be equal.
const micro = (v) => BigInt(v.replace('.', ''));
function cellEq(a, b, kind) {
	if (a === b) return true;
	if (kind !== 'r' || !/^-?\d+\.\d{6}$/.test(a) || !/^-?\d+\.\d{6}$/.test(b)) return false;
	const d = micro(a) - micro(b);
	return d <= 1n && d >= -1n;
}
const rowEq = (r, s, idx) => idx.every((j) => cellEq(r[j] ?? '', s[j] ?? '', cols[j][1]));
const all = cols.map((_, j) => j);
// Sort key for the multiset comparison: ratio columns last, so that a row whose
// ratio differs in the last digit still lines up with its peer.
const keyIdx = [...all.filter((j) => cols[j][1] !== 'r'), ...all.filter((j) => cols[j][1] === 'r')];
const sortKey = (r) => keyIdx.map((j) => r[j]).join('\x1f');
const byKey = (rows) => [...rows].sort((x, y) => (sortKey(x) < sortKey(y) ? -1 : sortKey(x) > sortKey(y) ? 1 : 0));

if (!bad) {
	const ordIdx = orderCols ? orderCols.map((c) => cols.findIndex(([n]) => n === c)) : all;
	for (const o of others) {
		const diffs = [];
		if (o.rows.length !== ref.rows.length)
			diffs.push(`${ref.rows.length} rows in ${ref.engine}, ${o.rows.length} in ${o.engine}`);
		const checks = [[ref.rows, o.rows, ordIdx, orderCols ? 'order keys, ' : '']];
		if (orderCols) checks.push([byKey(ref.rows), byKey(o.rows), all, 'sorted, ']);
		for (const [a, b, idx, what] of checks) {
			const n = Math.max(a.length, b.length);
			for (let i = 0, shown = 0; i < n && shown < 20; i++)
				if (!a[i] || !b[i] || !rowEq(a[i], b[i], idx)) {
					const cells = (r) => (r ? idx.map((j) => r[j]).join(',') : '(none)');
					diffs.push(`${what}row ${i + 1}: ${ref.engine}: ${cells(a[i])} | ${o.engine}: ${cells(b[i])}`);
					shown++;
				}
		}
		if (diffs.length) {
			bad++;
			console.log(`MISMATCH ${name}: ${ref.engine} vs ${o.engine} (columns ${cols.map(([c]) => c).join(',')})`);
			for (const d of diffs) console.log('  ' + d);
		}
	}
}
if (bad) process.exit(1);
console.log(`ok ${name} (${ref.rows.length} rows, ${results.map((r) => r.engine).join(' = ')})`);

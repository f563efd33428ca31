/* result.c — a query's answer, and its four output formats (see result.h
 * for the exact shapes). */
#include "result.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cal.h"
#include "grow.h"
#include "timefmt.h"

/* ---- storage -------------------------------------------------------- */

struct result_chunk {
	struct result_chunk *next;
	size_t used, cap;
	char data[];
};

#define CHUNK_MIN ((size_t)64 * 1024)

static void keep_free(struct result_keep *kp);

static int nomem(tide_err *e)
{
	return tide_errf(e, TIDE_ENOMEM, "out of memory");
}

int result_new(tide_result **out, int ncols, char *const *names, tide_err *e)
{
	*out = NULL;
	if (ncols < 0 || (ncols > 0 && !names))
		return tide_errf(e, TIDE_EUSAGE, "result_new: bad columns");
	tide_result *r = calloc(1, sizeof *r);
	if (!r)
		return nomem(e);
	r->ncols = ncols;
	if (ncols > 0) {
		r->names = calloc((size_t)ncols, sizeof *r->names);
		if (!r->names) {
			free(r);
			return nomem(e);
		}
		for (int c = 0; c < ncols; c++) {
			r->names[c] = strdup(names[c] ? names[c] : "");
			if (!r->names[c]) {
				tide_result_free(r);
				return nomem(e);
			}
		}
	}
	*out = r;
	return 0;
}

void tide_result_free(tide_result *r)
{
	if (!r)
		return;
	for (int c = 0; c < r->ncols && r->names; c++)
		free(r->names[c]);
	free(r->names);
	free(r->cells);
	struct result_chunk *k = r->chunks;
	while (k) {
		struct result_chunk *next = k->next;
		free(k);
		k = next;
	}
	free(r->text);
	keep_free(r->keep);
	free(r);
}

/* A copy of p[0..n) and a NUL in the arena, or NULL. */
static const char *arena_copy(tide_result *r, const char *p, size_t n)
{
	struct result_chunk *k = r->chunks;
	if (!k || k->cap - k->used < n + 1) {
		size_t cap = n + 1 > CHUNK_MIN ? n + 1 : CHUNK_MIN;
		k = malloc(sizeof *k + cap);
		if (!k)
			return NULL;
		k->used = 0;
		k->cap = cap;
		/* A chunk made for one big string goes behind the current one,
		 * so the current one's free space is not abandoned. */
		if (cap > CHUNK_MIN && r->chunks) {
			k->next = r->chunks->next;
			r->chunks->next = k;
		} else {
			k->next = r->chunks;
			r->chunks = k;
		}
	}
	char *d = k->data + k->used;
	memcpy(d, p, n);
	d[n] = '\0';
	k->used += n + 1;
	return d;
}

/* Copies row into dst, its strings into the arena.  On error dst may be
 * half written. */
static int copy_row(tide_result *r, value *dst, const value *row, tide_err *e)
{
	for (size_t c = 0; c < (size_t)r->ncols; c++) {
		dst[c] = row[c];
		if (row[c].type != VAL_STR)
			continue;
		if (row[c].s.n == 0) {
			dst[c].s.p = "";
			continue;
		}
		const char *p = arena_copy(r, row[c].s.p, row[c].s.n);
		if (!p)
			return nomem(e);
		dst[c].s.p = p;
	}
	return 0;
}

static int append_row(tide_result *r, const value *row, tide_err *e)
{
	size_t nc = (size_t)r->ncols;
	if (r->nrows == r->cap) {
		/* grow_reserve counts elements of some bytes: a row of no columns takes one cell's room */
		value *cells = grow_reserve(r->cells, &r->cap, r->nrows + 1, (nc ? nc : 1) * sizeof(value), 64);
		if (!cells)
			return nomem(e);
		r->cells = cells;
	}
	int rc = copy_row(r, r->cells + r->nrows * nc, row, e);
	if (rc == 0)
		r->nrows++;
	return rc;
}

/* ---- order ---------------------------------------------------------- */

struct result_keep {
	result_order o;
	size_t k;
	size_t *heap;		/* the kept rows, the last in order on top */
	uint64_t *arrival;	/* per kept row */
	uint64_t next;		/* arrival number of the next row */
	value *scratch;		/* a replacing row, until all of it is copied */
};

int result_compare(const result_order *o, const value *a, const value *b)
{
	for (int i = 0; i < o->n; i++) {
		bool ok;
		int c = val_compare(a[o->first + i], b[o->first + i], &ok);
		if (c)
			return o->desc[i] ? -c : c;
	}
	return 0;
}

static uint64_t arrival_of(const tide_result *r, size_t i)
{
	return r->keep ? r->keep->arrival[i] : i;
}

/* Rows a and b of r under o, ties by arrival. */
static int compare_at(const tide_result *r, const result_order *o, size_t a, size_t b)
{
	int c = result_compare(o, result_row(r, a), result_row(r, b));
	if (c)
		return c;
	uint64_t u = arrival_of(r, a), v = arrival_of(r, b);
	return (u > v) - (u < v);
}

/* Sifts heap[i] down the max-heap heap[0..n) of r's rows under o. */
static void sift_down(const tide_result *r, const result_order *o, size_t *heap, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, m = i;
		if (l < n && compare_at(r, o, heap[l], heap[m]) > 0)
			m = l;
		if (l + 1 < n && compare_at(r, o, heap[l + 1], heap[m]) > 0)
			m = l + 1;
		if (m == i)
			return;
		size_t t = heap[i];
		heap[i] = heap[m];
		heap[m] = t;
		i = m;
	}
}

int result_keep_first(tide_result *r, const result_order *o, size_t k, tide_err *e)
{
	struct result_keep *kp = calloc(1, sizeof *kp);
	if (!kp || !(kp->heap = malloc((k ? k : 1) * sizeof *kp->heap)) ||
	    !(kp->arrival = malloc((k ? k : 1) * sizeof *kp->arrival)) ||
	    !(kp->scratch = malloc((r->ncols ? (size_t)r->ncols : 1) * sizeof *kp->scratch))) {
		if (kp) {
			free(kp->heap);
			free(kp->arrival);
		}
		free(kp);
		return nomem(e);
	}
	kp->o = *o;
	kp->k = k;
	r->keep = kp;
	return 0;
}

static void keep_free(struct result_keep *kp)
{
	if (!kp)
		return;
	free(kp->heap);
	free(kp->arrival);
	free(kp->scratch);
	free(kp);
}

/* A row for a result that keeps the first k: kept while there are fewer,
 * then only in place of the last kept, when it comes before it.  Arriving
 * later, a row equal to the last kept comes after it, so it is dropped. */
static int offer_row(tide_result *r, const value *row, tide_err *e)
{
	struct result_keep *kp = r->keep;
	uint64_t arrival = kp->next++;
	if (r->nrows < kp->k) {
		int rc = append_row(r, row, e);
		if (rc)
			return rc;
		kp->arrival[r->nrows - 1] = arrival;
		kp->heap[r->nrows - 1] = r->nrows - 1;
		if (r->nrows == kp->k)
			for (size_t i = kp->k / 2; i-- > 0;)
				sift_down(r, &kp->o, kp->heap, kp->k, i);
		return 0;
	}
	if (kp->k == 0 || result_compare(&kp->o, row, result_row(r, kp->heap[0])) >= 0)
		return 0;
	int rc = copy_row(r, kp->scratch, row, e);
	if (rc)
		return rc;
	size_t last = kp->heap[0];
	memcpy(result_row(r, last), kp->scratch, (size_t)r->ncols * sizeof *kp->scratch);
	kp->arrival[last] = arrival;
	sift_down(r, &kp->o, kp->heap, kp->k, 0);
	return 0;
}

int result_append(tide_result *r, const value *row, tide_err *e)
{
	return r->keep ? offer_row(r, row, e) : append_row(r, row, e);
}

/* qsort has no context argument: what it sorts, per thread (a server runs
 * queries on several). */
static _Thread_local struct {
	const tide_result *r;
	const result_order *o;
} sorting;

static int compare_rows(const void *x, const void *y)
{
	return compare_at(sorting.r, sorting.o, *(const size_t *)x, *(const size_t *)y);
}

/* The k first of n rows in order, in n·log k comparisons instead of sorting
 * all n. */
static void first_k(const tide_result *r, const result_order *o, size_t *idx, size_t n, size_t k)
{
	for (size_t i = k / 2; i-- > 0;)
		sift_down(r, o, idx, k, i);
	for (size_t i = k; i < n; i++)
		if (compare_at(r, o, idx[i], idx[0]) < 0) {
			idx[0] = idx[i];
			sift_down(r, o, idx, k, 0);
		}
	qsort(idx, k, sizeof *idx, compare_rows);
}

int result_order_rows(const tide_result *r, const result_order *o, size_t limit,
		      size_t **idx, size_t *n, tide_err *e)
{
	size_t rows = r->nrows;
	if (!(*idx = malloc((rows ? rows : 1) * sizeof **idx)))
		return nomem(e);
	for (size_t i = 0; i < rows; i++)
		(*idx)[i] = i;
	*n = rows < limit ? rows : limit;
	sorting.r = r;
	sorting.o = o;
	/* No order: arrival order, which is row order even when keeping the
	 * first k (with nothing to compare, no kept row is ever replaced). */
	if (o->n && *n > 0 && *n < rows / 8)
		first_k(r, o, *idx, rows, *n);
	else if (o->n)
		qsort(*idx, rows, sizeof **idx, compare_rows);
	return 0;
}

value *result_row(const tide_result *r, size_t i)
{
	return r->cells + i * (size_t)r->ncols;
}

/* ---- cell text ------------------------------------------------------ */

#define CELL_BUF 512	/* "%.6f" of the largest double is 316 bytes */

static size_t money_text(value v, char *buf)
{
	int64_t c = val_money_cents(v);
	uint64_t a = c < 0 ? -(uint64_t)c : (uint64_t)c;
	return (size_t)snprintf(buf, CELL_BUF, "%s%llu.%02llu", c < 0 ? "-" : "",
				(unsigned long long)(a / 100),
				(unsigned long long)(a % 100));
}

/* A non-string cell as text and CSV print it. */
static size_t cell_plain(value v, char *buf)
{
	switch (v.type) {
	case VAL_BOOL:
		return (size_t)snprintf(buf, CELL_BUF, "%s", v.i ? "true" : "false");
	case VAL_INT:
		return (size_t)snprintf(buf, CELL_BUF, "%lld", (long long)v.i);
	case VAL_MONEY:
		return money_text(v, buf);
	case VAL_REAL:
		if (isnan(v.r))
			return (size_t)snprintf(buf, CELL_BUF, "nan");
		if (isinf(v.r))
			return (size_t)snprintf(buf, CELL_BUF, "%s", v.r < 0 ? "-inf" : "inf");
		snprintf(buf, CELL_BUF, "%.6f", v.r);
		if (strcmp(buf, "-0.000000") == 0)
			memmove(buf, buf + 1, strlen(buf));
		return strlen(buf);
	case VAL_TS:
		tide_ts_format(v.i, buf);
		return strlen(buf);
	case VAL_DUR:
		cal_dur_format(v.dur, buf);
		return strlen(buf);
	default:
		buf[0] = '\0';
		return 0;
	}
}

/* A real as a JSON number: the shortest of 15, 16 or 17 significant digits
 * that reads back as the same double; "null" when not finite. */
static size_t real_json(double x, char *buf)
{
	if (!isfinite(x))
		return (size_t)snprintf(buf, CELL_BUF, "null");
	if (x == 0)
		return (size_t)snprintf(buf, CELL_BUF, "0");
	for (int p = 15; p <= 17; p++) {
		snprintf(buf, CELL_BUF, "%.*g", p, x);
		if (strtod(buf, NULL) == x)
			break;
	}
	return strlen(buf);
}

/* ---- writers -------------------------------------------------------- */

static bool is_number(value v)
{
	return val_is_numeric(v);
}

/* Display width of a string in text output: code points, with control
 * characters as their escapes. */
static size_t text_width(const char *p, size_t n)
{
	size_t w = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c == '\n' || c == '\r' || c == '\t')
			w += 2;
		else if (c < 0x20 || c == 0x7f)
			w += 4;
		else if ((c & 0xc0) != 0x80)
			w++;
	}
	return w;
}

static void text_string(FILE *f, const char *p, size_t n)
{
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c >= 0x20 && c != 0x7f)
			continue;
		fwrite(p + run, 1, i - run, f);
		run = i + 1;
		if (c == '\n')
			fputs("\\n", f);
		else if (c == '\r')
			fputs("\\r", f);
		else if (c == '\t')
			fputs("\\t", f);
		else
			fprintf(f, "\\x%02x", c);
	}
	fwrite(p + run, 1, n - run, f);
}

/* The text layout writes padding lazily so that no line ends in it. */
typedef struct {
	FILE *f;
	size_t pending;
} text_line;

static void pad_flush(text_line *t)
{
	for (; t->pending; t->pending--)
		putc(' ', t->f);
}

static void cell_width(value v, char *buf, size_t *w)
{
	if (v.type == VAL_STR)
		*w = text_width(v.s.p, v.s.n);
	else
		*w = cell_plain(v, buf);
}

/* Writes one cell padded to width; right-aligned when right. */
static void text_cell(text_line *t, value v, size_t width, bool right, char *buf)
{
	size_t w;
	cell_width(v, buf, &w);
	size_t pad = width > w ? width - w : 0;
	if (right)
		t->pending += pad;
	if (w) {
		pad_flush(t);
		if (v.type == VAL_STR)
			text_string(t->f, v.s.p, v.s.n);
		else
			fputs(buf, t->f);
	}
	if (!right)
		t->pending += pad;
}

static void text_end_line(text_line *t)
{
	t->pending = 0;
	putc('\n', t->f);
}

static int write_text(const tide_result *r, FILE *f, tide_err *e)
{
	size_t nc = (size_t)r->ncols;
	size_t *width = calloc(nc ? nc : 1, sizeof *width);
	bool *numeric = calloc(nc ? nc : 1, sizeof *numeric);
	if (!width || !numeric) {
		free(width);
		free(numeric);
		return nomem(e);
	}
	char buf[CELL_BUF];
	for (size_t c = 0; c < nc; c++) {
		width[c] = text_width(r->names[c], strlen(r->names[c]));
		bool any = false, all = true;
		for (size_t i = 0; i < r->nrows; i++) {
			value v = result_row(r, i)[c];
			size_t w;
			cell_width(v, buf, &w);
			if (w > width[c])
				width[c] = w;
			if (v.type != VAL_NULL) {
				any = true;
				all = all && is_number(v);
			}
		}
		numeric[c] = any && all;
	}
	text_line t = { f, 0 };
	if (nc) {
		for (size_t c = 0; c < nc; c++) {
			if (c)
				t.pending += 2;
			value name = val_str(r->names[c], (uint32_t)strlen(r->names[c]));
			text_cell(&t, name, width[c], numeric[c], buf);
		}
		text_end_line(&t);
		for (size_t c = 0; c < nc; c++) {
			if (c)
				t.pending += 2;
			pad_flush(&t);
			for (size_t k = 0; k < width[c]; k++)
				putc('-', f);
		}
		text_end_line(&t);
	}
	for (size_t i = 0; i < r->nrows; i++) {
		const value *row = result_row(r, i);
		for (size_t c = 0; c < nc; c++) {
			if (c)
				t.pending += 2;
			text_cell(&t, row[c], width[c], is_number(row[c]), buf);
		}
		text_end_line(&t);
	}
	fprintf(f, "(%zu %s)\n", r->nrows, r->nrows == 1 ? "row" : "rows");
	free(width);
	free(numeric);
	return 0;
}

static void csv_field(FILE *f, const char *p, size_t n)
{
	if (n == 0) {
		fputs("\"\"", f);	/* an empty string, unlike null */
		return;
	}
	bool quote = false;
	for (size_t i = 0; i < n && !quote; i++)
		quote = p[i] == ',' || p[i] == '"' || p[i] == '\r' || p[i] == '\n';
	if (!quote) {
		fwrite(p, 1, n, f);
		return;
	}
	putc('"', f);
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] != '"')
			continue;
		fwrite(p + run, 1, i + 1 - run, f);	/* through the quote */
		putc('"', f);
		run = i + 1;
	}
	fwrite(p + run, 1, n - run, f);
	putc('"', f);
}

static void write_csv(const tide_result *r, FILE *f)
{
	char buf[CELL_BUF];
	for (int c = 0; c < r->ncols; c++) {
		if (c)
			putc(',', f);
		csv_field(f, r->names[c], strlen(r->names[c]));
	}
	putc('\n', f);
	for (size_t i = 0; i < r->nrows; i++) {
		const value *row = result_row(r, i);
		for (int c = 0; c < r->ncols; c++) {
			if (c)
				putc(',', f);
			if (row[c].type == VAL_STR) {
				csv_field(f, row[c].s.p, row[c].s.n);
			} else if (row[c].type != VAL_NULL) {
				cell_plain(row[c], buf);
				fputs(buf, f);
			}
		}
		putc('\n', f);
	}
}

/* Length of the well-formed UTF-8 sequence at p[0..n), or 0. */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
	unsigned char c = p[0];
	size_t len;
	unsigned char lo = 0x80, hi = 0xbf;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		if (c == 0xe0)
			lo = 0xa0;	/* no overlong forms */
		if (c == 0xed)
			hi = 0x9f;	/* no surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		if (c == 0xf0)
			lo = 0x90;
		if (c == 0xf4)
			hi = 0x8f;	/* nothing past U+10FFFF */
	} else
		return 0;
	if (n < len || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

static void json_string(FILE *f, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	putc('"', f);
	size_t run = 0, i = 0;
	while (i < n) {
		unsigned char c = p[i];
		if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
			i++;
			continue;
		}
		if (c >= 0x80) {
			size_t k = utf8_seq(p + i, n - i);
			if (k) {
				i += k;
				continue;
			}
		}
		fwrite(p + run, 1, i - run, f);
		switch (c) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\b':
			fputs("\\b", f);
			break;
		case '\f':
			fputs("\\f", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			if (c < 0x20)
				fprintf(f, "\\u%04x", c);
			else
				fputs("\\ufffd", f);	/* a byte of invalid UTF-8 */
			break;
		}
		run = ++i;
	}
	fwrite(p + run, 1, n - run, f);
	putc('"', f);
}

static void json_value(FILE *f, value v, char *buf)
{
	switch (v.type) {
	case VAL_NULL:
		fputs("null", f);
		break;
	case VAL_STR:
		json_string(f, v.s.p, v.s.n);
		break;
	case VAL_REAL:
		real_json(v.r, buf);
		fputs(buf, f);
		break;
	case VAL_TS:
	case VAL_DUR:
		json_string(f, buf, cell_plain(v, buf));
		break;
	default:	/* bool, int, money */
		cell_plain(v, buf);
		fputs(buf, f);
		break;
	}
}

static void json_object(const tide_result *r, const value *row, FILE *f, char *buf)
{
	putc('{', f);
	for (int c = 0; c < r->ncols; c++) {
		if (c)
			putc(',', f);
		json_string(f, r->names[c], strlen(r->names[c]));
		putc(':', f);
		json_value(f, row[c], buf);
	}
	putc('}', f);
}

static void write_json(const tide_result *r, FILE *f, bool nd)
{
	char buf[CELL_BUF];
	if (!nd)
		fputs(r->nrows ? "[\n" : "[]\n", f);
	for (size_t i = 0; i < r->nrows; i++) {
		json_object(r, result_row(r, i), f, buf);
		fputs(nd || i + 1 == r->nrows ? "\n" : ",\n", f);
	}
	if (!nd && r->nrows)
		fputs("]\n", f);
}

static void write_plan(const char *text, tide_out_format fmt, FILE *f)
{
	size_t n = strlen(text);
	switch (fmt) {
	case TIDE_OUT_TEXT:
		fwrite(text, 1, n, f);
		if (n && text[n - 1] != '\n')
			putc('\n', f);
		break;
	case TIDE_OUT_CSV:
		fputs("plan\n", f);
		for (const char *p = text; p < text + n;) {
			const char *nl = memchr(p, '\n', (size_t)(text + n - p));
			size_t len = nl ? (size_t)(nl - p) : (size_t)(text + n - p);
			csv_field(f, p, len);
			putc('\n', f);
			p += len + (nl != NULL);
		}
		break;
	default:
		fputs("{\"plan\":", f);
		json_string(f, text, n);
		fputs("}\n", f);
		break;
	}
}

int result_write(const tide_result *r, tide_out_format fmt, FILE *out, tide_err *e)
{
	if (!r || !out)
		return tide_errf(e, TIDE_EUSAGE, "result_write: no result or stream");
	if (fmt != TIDE_OUT_TEXT && fmt != TIDE_OUT_CSV && fmt != TIDE_OUT_JSON &&
	    fmt != TIDE_OUT_NDJSON)
		return tide_errf(e, TIDE_EUSAGE, "unknown output format %d", (int)fmt);
	errno = 0;
	if (r->text) {
		write_plan(r->text, fmt, out);
	} else if (fmt == TIDE_OUT_TEXT) {
		int rc = write_text(r, out, e);
		if (rc)
			return rc;
	} else if (fmt == TIDE_OUT_CSV) {
		write_csv(r, out);
	} else {
		write_json(r, out, fmt == TIDE_OUT_NDJSON);
	}
	if (fflush(out) != 0 || ferror(out)) {
		int err = errno ? errno : EIO;
		return tide_errf(e, TIDE_EIO, "writing the result: %s", strerror(err));
	}
	return 0;
}

int tide_result_write(const tide_result *r, tide_out_format format, FILE *out, tide_err *e)
{
	return result_write(r, format, out, e);
}

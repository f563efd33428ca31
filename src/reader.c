/* reader.c — CSV (RFC 4180) and NDJSON input into validated tide_events.
 *
 * The input is read in large fread chunks into one buffer and parsed in
 * place: an event's views point into that buffer (or, for CSV fields with
 * doubled quotes, into a scratch buffer of the same size; for NDJSON, into
 * yajl's tree of the line).  Nothing is allocated per row for CSV.
 *
 * A "record" is one CSV row (which may span lines inside quotes) or one
 * NDJSON line.  After a bad record the reader has already moved past it, so
 * a caller that skips bad rows simply calls again.  When a record cannot be
 * delimited (an unterminated quote, an over-long line) the reader resumes at
 * the next physical line: a stray quote then costs one row, not the rest of
 * the file. */
#include "reader.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yajl/yajl_tree.h>

#include "timefmt.h"

/* A record plus its CRLF must fit, so "longer than TIDE_LINE_MAX" can be
 * told apart from "just fits" without reading further. */
#define BUF_CAP ((size_t)TIDE_LINE_MAX + 2)

/* Field roles, in the order missing fields are reported. */
enum {
	R_ID, R_TS, R_CUSTOMER, R_AMOUNT, R_CHANNEL,
	R_QTY, R_SKU, R_COST, R_STAGE, R_NEXT_FOLLOWUP, R_REASON,
	R_NFIELDS,
	R_TAG = R_NFIELDS
};

#define K_ORD (1u << TIDE_ORDERS)
#define K_CON (1u << TIDE_CONTACTS)

static const struct {
	const char *name;
	unsigned kinds;
	bool required;
} fields[R_NFIELDS] = {
	[R_ID] = { "id", K_ORD | K_CON, true },
	[R_TS] = { "ts", K_ORD | K_CON, true },
	[R_CUSTOMER] = { "customer", K_ORD | K_CON, true },
	[R_AMOUNT] = { "amount", K_ORD, true },
	[R_CHANNEL] = { "channel", K_CON, true },
	[R_QTY] = { "qty", K_ORD, false },
	[R_SKU] = { "sku", K_ORD, false },
	[R_COST] = { "cost", K_ORD, false },
	[R_STAGE] = { "stage", K_CON, false },
	[R_NEXT_FOLLOWUP] = { "next_followup", K_CON, false },
	[R_REASON] = { "reason", K_CON, false },
};

/* Names the query language gives its own meaning (calendar periods and the
 * series column), so a tag by that name could never be asked for. */
static const char *const reserved[] = {
	"day", "week", "month", "quarter", "year", "asof"
};

static const char *const stage_names[TIDE_STAGE_COUNT] = {
	"new", "contacted", "testing", "won", "paused", "lost"
};

#define TS_HINT "(use 2025-03-01, 2025-03-01T10:22:00Z, " \
		"2025-03-01 10:22:00 or epoch seconds)"

/* Each kind has 7 fields, and a header that names them all plus the most
 * tags allowed has 39 columns, so among any 40 columns one is an error (a
 * duplicate, a bad name or a 33rd tag): storing 40 fields is enough to
 * check every header, and a good row has no more. */
#define KIND_FIELDS 7
#define MAX_COLS (KIND_FIELDS + TIDE_TAGS_MAX + 1)
#define TAG_NAME_MAX 64

#define QUOTE_MAX 40
#define QUOTED_SIZE (QUOTE_MAX * 4 + 8)

#define NO_NL SIZE_MAX

#define JSON_DEPTH_MAX 16

typedef struct csv_field {
	uint32_t off, len;	/* raw, quotes included, from the row start */
	bool quoted, dq;	/* dq: holds doubled quotes to undo */
} csv_field;

struct tide_reader {
	FILE *f;
	bool own_f;
	char *name;
	tide_kind kind;
	tide_format fmt;

	char *buf;		/* BUF_CAP + 1: a sentinel or NUL after the data */
	size_t pos, end;
	bool eof;
	bool skip_line;		/* discard through the next '\n' first */
	long line_next;		/* line the next record starts on */
	long line;
	char *row;
	size_t row_len;

	/* CSV: the header's column layout and the current row's fields. */
	uint32_t ncols, nfld;
	uint8_t role[MAX_COLS];
	const char *colname[MAX_COLS];
	char tagname[TIDE_TAGS_MAX][TAG_NAME_MAX + 1];
	csv_field fld[MAX_COLS];
	char *scratch;

	yajl_val json;		/* NDJSON: the tree the event's views are in */

	tide_tag tags[TIDE_TAGS_MAX];
};

enum { SCAN_OK, SCAN_MORE, SCAN_UNTERM, SCAN_BADQUOTE, SCAN_LONG };

/* Where a record ends, as offsets from its start. */
typedef struct rec {
	size_t len;		/* text, without the line ending */
	size_t next;		/* where the following record starts */
	long lines;		/* line endings consumed */
	size_t first_nl;	/* first '\n' inside the record, or NO_NL */
	bool in_quote;		/* SCAN_MORE ended inside a quoted field */
	uint32_t bad;		/* SCAN_BADQUOTE: index of the field */
} rec;

/* Writes v for a message: in single quotes, at most QUOTE_MAX bytes of it
 * (cut on a character boundary, then "..."), with control bytes, the quote
 * and the backslash escaped so the message stays one readable line. */
static const char *quote(tide_str v, char *out)
{
	size_t cut = v.n;
	if (cut > QUOTE_MAX) {
		cut = QUOTE_MAX;
		while (cut > 0 && ((unsigned char)v.p[cut] & 0xC0) == 0x80)
			cut--;
	}
	char *o = out;
	*o++ = '\'';
	for (size_t i = 0; i < cut; i++) {
		unsigned char c = (unsigned char)v.p[i];
		if (c == '\'' || c == '\\') {
			*o++ = '\\';
			*o++ = (char)c;
		} else if (c < 0x20 || c == 0x7F) {
			o += sprintf(o, "\\x%02x", c);
		} else {
			*o++ = (char)c;
		}
	}
	if (cut < v.n) {
		memcpy(o, "...", 3);
		o += 3;
	}
	*o++ = '\'';
	*o = '\0';
	return out;
}

static tide_str str_of(const char *s)
{
	return (tide_str){ s, (uint32_t)strlen(s) };
}

__attribute__((format(printf, 3, 4)))
static int row_err(const tide_reader *r, tide_err *e, const char *fmt, ...)
{
	char why[sizeof e->msg];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	return tide_errf(e, TIDE_EINPUT, "%s:%ld: %s", r->name, r->line, why);
}

/* Strict UTF-8: no overlong forms, no surrogates, nothing past U+10FFFF. */
static bool utf8_valid(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;
	while (i < n) {
		uint64_t w;
		if (n - i >= 8) {
			memcpy(&w, s + i, 8);
			if (!(w & UINT64_C(0x8080808080808080))) {
				i += 8;
				continue;
			}
		}
		unsigned c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t len;
		unsigned lo = 0x80, hi = 0xBF;
		if (c >= 0xC2 && c <= 0xDF) {
			len = 2;
		} else if (c >= 0xE0 && c <= 0xEF) {
			len = 3;
			if (c == 0xE0)
				lo = 0xA0;
			else if (c == 0xED)
				hi = 0x9F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			len = 4;
			if (c == 0xF0)
				lo = 0x90;
			else if (c == 0xF4)
				hi = 0x8F;
		} else {
			return false;
		}
		if (n - i < len || s[i + 1] < lo || s[i + 1] > hi)
			return false;
		for (size_t k = 2; k < len; k++)
			if ((s[i + k] & 0xC0) != 0x80)
				return false;
		i += len;
	}
	return true;
}

static bool is_ident(const char *p, size_t n)
{
	if (n == 0 || n > TAG_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			  c == '_' || (i > 0 && c >= '0' && c <= '9');
		if (!ok)
			return false;
	}
	return true;
}

static bool name_is(const char *name, const char *p, size_t n)
{
	return strlen(name) == n && memcmp(name, p, n) == 0;
}

static bool in_kind(int f, tide_kind kind)
{
	return fields[f].kinds & (1u << kind);
}

/* The first required field of the kind that is not in the seen mask (bit
 * per role), or -1. */
static int missing_field(tide_kind kind, unsigned seen)
{
	for (int f = 0; f < R_NFIELDS; f++)
		if (fields[f].required && in_kind(f, kind) && !(seen & (1u << f)))
			return f;
	return -1;
}

/* The role of a non-empty column (or key) name for this kind: a field,
 * R_TAG, or -1 with *why saying what is wrong with it as a tag name. */
static int column_role(tide_kind kind, const char *p, size_t n,
		       const char **why)
{
	for (int i = 0; i < R_NFIELDS; i++)
		if (in_kind(i, kind) && name_is(fields[i].name, p, n))
			return i;
	if (!is_ident(p, n)) {
		*why = "a tag name is a letter or _ then up to 63 letters, "
		       "digits or _";
		return -1;
	}
	/* Case-blind, because a tag `Month` next to the period `month`
	 * would leave a query's meaning to the reader's guess. */
	for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
		if (strlen(reserved[i]) == n && strncasecmp(reserved[i], p, n) == 0) {
			*why = "a reserved name";
			return -1;
		}
	return R_TAG;
}

static int parse_int32(const char *s, size_t n, int64_t *out)
{
	size_t i = n > 0 && (s[0] == '-' || s[0] == '+');
	if (i == n)
		return -1;
	int64_t v = 0;
	bool big = false;
	for (; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		/* Only "too big" matters past 2^31; stop before overflow. */
		if (v > INT32_MAX)
			big = true;
		else
			v = v * 10 + (s[i] - '0');
	}
	if (s[0] == '-')
		v = -v;
	if (big || v < INT32_MIN || v > INT32_MAX)
		return -3;
	*out = v;
	return 0;
}

static int check_len(const tide_reader *r, tide_err *e, const char *col,
		     tide_str v, uint32_t max)
{
	if (v.n > max)
		return row_err(r, e, "%s: longer than %u bytes", col, max);
	return 0;
}

/* Validates one non-tag field value and stores it in ev.  An empty value
 * is an error for a required field and "absent" for an optional one. */
static int set_field(const tide_reader *r, tide_event *ev, int role,
		     const char *col, tide_str v, tide_err *e)
{
	char q[QUOTED_SIZE];
	int64_t x = 0;
	int rc;
	if (v.n == 0)
		return fields[role].required ? row_err(r, e, "%s: empty", col) : 0;
	switch (role) {
	case R_ID:
	case R_CUSTOMER:
		if ((rc = check_len(r, e, col, v, TIDE_ID_MAX)))
			return rc;
		*(role == R_ID ? &ev->id : &ev->customer) = v;
		return 0;
	case R_CHANNEL:
	case R_SKU:
	case R_REASON:
		if ((rc = check_len(r, e, col, v, TIDE_STR_MAX)))
			return rc;
		*(role == R_CHANNEL ? &ev->channel :
		  role == R_SKU ? &ev->sku : &ev->reason) = v;
		return 0;
	case R_TS:
	case R_NEXT_FOLLOWUP:
		if (tide_ts_parse(v.p, v.n, &x))
			return row_err(r, e, "%s: %s is not a timestamp " TS_HINT,
				       col, quote(v, q));
		if (role == R_TS) {
			ev->ts = x;
		} else {
			ev->has_next_followup = true;
			ev->next_followup = x;
		}
		return 0;
	case R_AMOUNT:
	case R_COST:
		rc = tide_money_parse(v.p, v.n, &x);
		if (rc == -1)
			return row_err(r, e, "%s: %s is not a decimal", col, quote(v, q));
		if (rc == -2)
			return row_err(r, e, "%s: %s has more than 4 fraction digits",
				       col, quote(v, q));
		if (rc == -3)
			return row_err(r, e, "%s: %s is out of range", col, quote(v, q));
		if (role == R_AMOUNT) {
			ev->amount = x;
		} else {
			ev->has_cost = true;
			ev->cost = x;
		}
		return 0;
	case R_QTY:
		rc = parse_int32(v.p, v.n, &x);
		if (rc == -1)
			return row_err(r, e, "%s: %s is not an integer", col, quote(v, q));
		if (rc == -3)
			return row_err(r, e, "%s: %s is out of range", col, quote(v, q));
		ev->qty = x;
		return 0;
	default: /* R_STAGE */
		for (int s = 0; s < TIDE_STAGE_COUNT; s++)
			if (name_is(stage_names[s], v.p, v.n)) {
				ev->stage = s;
				return 0;
			}
		return row_err(r, e, "%s: %s is not one of new contacted testing "
			       "won paused lost", col, quote(v, q));
	}
}

static void event_init(tide_reader *r, tide_event *ev)
{
	memset(ev, 0, sizeof *ev);
	ev->kind = r->kind;
	ev->qty = 1;
	ev->stage = TIDE_STAGE_NONE;
	ev->tags = r->tags;
}

/* ---- the buffer ---- */

/* Moves the unread bytes to the front and fills the rest from the file. */
static int fill(tide_reader *r, tide_err *e)
{
	size_t keep = r->end - r->pos;
	memmove(r->buf, r->buf + r->pos, keep);
	r->pos = 0;
	r->end = keep;
	size_t want = BUF_CAP - keep;
	size_t got = fread(r->buf + keep, 1, want, r->f);
	r->end += got;
	if (got < want) {
		if (ferror(r->f))
			return tide_errf(e, TIDE_EIO, "%s: read error: %s",
					 r->name, strerror(errno));
		r->eof = true;
	}
	/* The CSV scanner's unquoted-field loop stops on it, so it needs no
	 * bounds test per byte. */
	r->buf[r->end] = '\n';
	return 0;
}

static int skip_line(tide_reader *r, tide_err *e)
{
	for (;;) {
		char *nl = memchr(r->buf + r->pos, '\n', r->end - r->pos);
		if (nl) {
			r->pos = (size_t)(nl - r->buf) + 1;
			break;
		}
		r->pos = r->end;
		if (r->eof)
			break;
		int rc = fill(r, e);
		if (rc)
			return rc;
	}
	r->skip_line = false;
	return 0;
}

static long count_nl(const char *b, size_t from, size_t to, size_t *first)
{
	long k = 0;
	const char *p = b + from, *end = b + to;
	while (p < end && (p = memchr(p, '\n', (size_t)(end - p)))) {
		if (*first == NO_NL)
			*first = (size_t)(p - b);
		k++;
		p++;
	}
	return k;
}

static size_t strip_cr(const char *b, size_t len)
{
	return len > 0 && b[len - 1] == '\r' ? len - 1 : len;
}

/* Cuts a record that cannot be delimited down to its first line (all of
 * the n bytes when it has no '\n'), so reading resumes on the next line. */
static void first_line(const char *b, size_t n, rec *k)
{
	size_t le = k->first_nl == NO_NL ? n : k->first_nl;
	k->len = strip_cr(b, le);
	k->next = le < n ? le + 1 : n;
	k->lines = 1;
}

/* Delimits the CSV record at r->pos and records its fields in r->fld.
 * SCAN_MORE: the buffer ends inside it (and the file does not). */
static int csv_scan(tide_reader *r, rec *k)
{
	const char *b = r->buf + r->pos;
	size_t n = r->end - r->pos, i = 0;
	uint32_t nf = 0;
	long nl = 0;
	for (;;) {
		size_t fs = i, fe;
		bool quoted = b[i] == '"', dq = false;
		if (quoted) {
			for (i++;;) {
				const char *q = memchr(b + i, '"', n - i);
				size_t qi = q ? (size_t)(q - b) : n;
				nl += count_nl(b, i, qi, &k->first_nl);
				if (!q) {
					k->in_quote = true;
					if (!r->eof)
						return SCAN_MORE;
					first_line(b, n, k);
					return SCAN_UNTERM;
				}
				i = qi + 1;
				if (i == n && !r->eof)
					return SCAN_MORE;
				if (b[i] != '"')
					break;
				dq = true;
				i++;
			}
			fe = i;
			if (b[i] == '\r') {
				if (i + 1 == n && !r->eof)
					return SCAN_MORE;
				if (i + 1 == n || b[i + 1] == '\n')
					i++;
			}
		} else {
			while (b[i] != ',' && b[i] != '\n')
				i++;
			if (i == n && !r->eof)
				return SCAN_MORE;
			fe = i;
			if (fe > fs && b[fe - 1] == '\r' && b[i] == '\n')
				fe--;
		}
		if (nf < MAX_COLS)
			r->fld[nf] = (csv_field){ (uint32_t)fs, (uint32_t)(fe - fs),
						  quoted, dq };
		nf++;
		if (b[i] == ',') {
			i++;
			continue;
		}
		if (b[i] == '\n') {
			r->nfld = nf;
			k->len = fe;
			k->next = i < n ? i + 1 : n;
			k->lines = nl + 1;
			return SCAN_OK;
		}
		/* Text after a closing quote.  When a quoted field has
		 * spanned lines to get here, the quote that opened it was
		 * most likely a stray one: blame that and keep the lines
		 * after it.  Otherwise the rest of this line is the bad row. */
		if (k->first_nl != NO_NL) {
			first_line(b, n, k);
			return SCAN_UNTERM;
		}
		k->bad = nf - 1;
		const char *q = memchr(b + i, '\n', n - i);
		if (!q && !r->eof)
			return SCAN_MORE;
		size_t le = q ? (size_t)(q - b) : n;
		k->len = strip_cr(b, le);
		k->next = q ? le + 1 : n;
		k->lines = nl + 1;
		return SCAN_BADQUOTE;
	}
}

static int line_scan(const tide_reader *r, rec *k)
{
	const char *b = r->buf + r->pos;
	size_t n = r->end - r->pos;
	const char *q = memchr(b, '\n', n);
	if (!q && !r->eof)
		return SCAN_MORE;
	size_t le = q ? (size_t)(q - b) : n;
	k->len = strip_cr(b, le);
	k->next = q ? le + 1 : n;
	k->lines = 1;
	return SCAN_OK;
}

/* A full buffer holds no complete record.  A record that already spans
 * lines is cut after its first one; a single line is dropped through its
 * end, which skip_line() finds on the next call. */
static int overflow(tide_reader *r, rec *k)
{
	if (k->first_nl != NO_NL) {
		first_line(r->buf + r->pos, r->end - r->pos, k);
		return k->in_quote ? SCAN_UNTERM : SCAN_LONG;
	}
	k->lines = 1;
	k->len = TIDE_LINE_MAX;
	k->next = r->end - r->pos;
	r->skip_line = true;
	return SCAN_LONG;
}

static bool is_blank(const tide_reader *r)
{
	if (r->fmt == TIDE_FMT_CSV)
		return r->row_len == 0;
	for (size_t i = 0; i < r->row_len; i++)
		if (r->row[i] != ' ' && r->row[i] != '\t' && r->row[i] != '\r')
			return false;
	return true;
}

/* Moves to the next non-blank record and checks it as bytes.  Returns 1,
 * 0 at the end, TIDE_EINPUT for a bad record (already passed), or a final
 * error. */
static int next_record(tide_reader *r, tide_err *e)
{
	for (;;) {
		int rc;
		if (r->skip_line && (rc = skip_line(r, e)))
			return rc;
		if (r->pos == r->end) {
			if (r->eof)
				return 0;
			if ((rc = fill(r, e)))
				return rc;
			continue;
		}
		rec k = { .first_nl = NO_NL };
		int st = r->fmt == TIDE_FMT_CSV ? csv_scan(r, &k) : line_scan(r, &k);
		if (st == SCAN_MORE) {
			if (r->end - r->pos < BUF_CAP) {
				if ((rc = fill(r, e)))
					return rc;
				continue;
			}
			st = overflow(r, &k);
		}
		r->row = r->buf + r->pos;
		r->row_len = k.len;
		r->line = r->line_next;
		r->pos += k.next;
		r->line_next += k.lines;
		if (st == SCAN_OK && is_blank(r))
			continue;
		if (memchr(r->row, '\0', r->row_len))
			return row_err(r, e, "binary data (NUL byte)");
		if (st == SCAN_LONG || r->row_len > TIDE_LINE_MAX)
			return row_err(r, e, "line longer than %d bytes", TIDE_LINE_MAX);
		if (!utf8_valid(r->row, r->row_len))
			return row_err(r, e, "invalid UTF-8");
		if (st == SCAN_UNTERM)
			return row_err(r, e, "unterminated quoted field");
		if (st == SCAN_BADQUOTE) {
			if (k.bad < r->ncols)
				return row_err(r, e, "%s: text after closing quote",
					       r->colname[k.bad]);
			return row_err(r, e, "field %u: text after closing quote",
				       k.bad + 1);
		}
		return 1;
	}
}

/* ---- CSV ---- */

static tide_str csv_value(tide_reader *r, uint32_t k, char **scratch)
{
	const csv_field *f = &r->fld[k];
	const char *p = r->row + f->off;
	if (!f->quoted)
		return (tide_str){ p, f->len };
	if (!f->dq)
		return (tide_str){ p + 1, f->len - 2 };
	/* Inside quotes every '"' is the first of a doubled pair. */
	char *out = *scratch;
	uint32_t o = 0;
	for (uint32_t i = 1; i + 1 < f->len; i++) {
		out[o++] = p[i];
		if (p[i] == '"')
			i++;
	}
	*scratch += o;
	return (tide_str){ out, o };
}

static int csv_header(tide_reader *r, tide_err *e)
{
	int rc = next_record(r, e);
	if (rc == 0)
		return tide_errf(e, TIDE_EINPUT,
				 "%s: empty file (expected a header line)", r->name);
	if (rc < 0)
		return rc;
	char q[QUOTED_SIZE], *scratch = r->scratch;
	unsigned seen = 0;
	uint32_t nt = 0;
	uint32_t n = r->nfld < MAX_COLS ? r->nfld : MAX_COLS;
	for (uint32_t k = 0; k < n; k++) {
		tide_str v = csv_value(r, k, &scratch);
		const char *why = NULL;
		if (v.n == 0)
			return row_err(r, e, "empty name for column %u", k + 1);
		int role = column_role(r->kind, v.p, v.n, &why);
		if (role < 0)
			return row_err(r, e, "unknown column %s (%s)", quote(v, q), why);
		if (role == R_TAG) {
			for (uint32_t t = 0; t < nt; t++)
				if (name_is(r->tagname[t], v.p, v.n))
					return row_err(r, e, "duplicate column %s",
						       quote(v, q));
			if (nt == TIDE_TAGS_MAX)
				return row_err(r, e, "more than %d tag columns",
					       TIDE_TAGS_MAX);
			memcpy(r->tagname[nt], v.p, v.n);
			r->tagname[nt][v.n] = '\0';
			r->tags[nt].name = (tide_str){ r->tagname[nt], v.n };
			r->colname[k] = r->tagname[nt++];
		} else {
			if (seen & (1u << role))
				return row_err(r, e, "duplicate column %s", quote(v, q));
			seen |= 1u << role;
			r->colname[k] = fields[role].name;
		}
		r->role[k] = (uint8_t)role;
	}
	int f = missing_field(r->kind, seen);
	if (f >= 0)
		return row_err(r, e, "missing column '%s'", fields[f].name);
	r->ncols = n;
	return 0;
}

static int csv_event(tide_reader *r, tide_event *ev, tide_err *e)
{
	if (r->nfld != r->ncols)
		return row_err(r, e, "expected %u fields, found %u", r->ncols, r->nfld);
	event_init(r, ev);
	char *scratch = r->scratch;
	uint32_t nt = 0;
	for (uint32_t k = 0; k < r->ncols; k++) {
		tide_str v = csv_value(r, k, &scratch);
		int rc;
		if (r->role[k] == R_TAG) {
			if ((rc = check_len(r, e, r->colname[k], v, TIDE_STR_MAX)))
				return rc;
			r->tags[nt++].value = v;
		} else if ((rc = set_field(r, ev, r->role[k], r->colname[k], v, e))) {
			return rc;
		}
	}
	ev->ntags = nt;
	return 1;
}

/* ---- NDJSON ---- */

/* yajl hands strings back NUL-terminated, so a \u0000 escape would cut a
 * value short without a trace; such lines are refused as binary data. */
static bool has_nul_escape(const char *s, size_t n)
{
	const char *p = s, *end = s + n;
	while (p < end && (p = memchr(p, '\\', (size_t)(end - p)))) {
		if (end - p >= 6 && memcmp(p + 1, "u0000", 5) == 0)
			return true;
		p += 2;		/* the escaped character, so "\\u0000" is text */
	}
	return false;
}

/* yajl's tree frees (and builds) one recursion per level, so a line of a
 * million '[' would overflow the stack; no event nests past 2 levels.  The
 * scan skips strings and the comments yajl's tree parser allows, so only
 * real nesting counts. */
static bool json_too_deep(const char *s, size_t n)
{
	int depth = 0;
	for (size_t i = 0; i < n; i++) {
		switch (s[i]) {
		case '"':
			for (i++; i < n && s[i] != '"'; i++)
				if (s[i] == '\\')
					i++;
			break;
		case '/':
			if (i + 1 < n && s[i + 1] == '/')
				return false;
			if (i + 1 < n && s[i + 1] == '*') {
				const char *end = memmem(s + i + 2, n - i - 2, "*/", 2);
				if (!end)
					return false;
				i = (size_t)(end - s) + 1;
			}
			break;
		case '{':
		case '[':
			if (++depth > JSON_DEPTH_MAX)
				return true;
			break;
		case '}':
		case ']':
			depth--;
			break;
		}
	}
	return false;
}

static const char *json_type(yajl_val v)
{
	switch (v->type) {
	case yajl_t_string: return "a string";
	case yajl_t_number: return "a number";
	case yajl_t_object: return "an object";
	case yajl_t_array: return "an array";
	case yajl_t_null: return "null";
	default: return "a boolean";
	}
}

/* The text of a non-null value, if its JSON type suits the role.  Numbers
 * are yajl's raw text, so money is parsed exactly as written. */
static int json_text(const tide_reader *r, int role, const char *key,
		     yajl_val v, tide_str *out, tide_err *e)
{
	bool num_ok = role == R_TAG || role == R_TS || role == R_NEXT_FOLLOWUP ||
		      role == R_AMOUNT || role == R_COST || role == R_QTY;
	if (YAJL_IS_STRING(v)) {
		*out = str_of(v->u.string);
		/* yajl decodes a lone low surrogate escape to bytes that
		 * are not UTF-8. */
		if (!utf8_valid(out->p, out->n))
			return row_err(r, e, "invalid UTF-8");
		return 0;
	}
	if (num_ok && YAJL_IS_NUMBER(v)) {
		*out = str_of(v->u.number.r);
		return 0;
	}
	if (role == R_TAG && (YAJL_IS_TRUE(v) || YAJL_IS_FALSE(v))) {
		*out = str_of(YAJL_IS_TRUE(v) ? "true" : "false");
		return 0;
	}
	const char *want = role == R_TAG ? "a string, number or boolean" :
			   num_ok ? "a string or number" : "a string";
	return row_err(r, e, "%s: expected %s, found %s", key, want, json_type(v));
}

static int json_event(tide_reader *r, tide_event *ev, tide_err *e)
{
	r->row[r->row_len] = '\0';
	if (has_nul_escape(r->row, r->row_len))
		return row_err(r, e, "binary data (NUL byte)");
	if (json_too_deep(r->row, r->row_len))
		return row_err(r, e, "JSON nested more than %d levels deep",
			       JSON_DEPTH_MAX);
	char msg[512];
	r->json = yajl_tree_parse(r->row, msg, sizeof msg);
	if (!r->json) {
		/* yajl adds the text and a caret on further lines. */
		msg[strcspn(msg, "\n")] = '\0';
		return row_err(r, e, "not a JSON object: %s", msg);
	}
	if (!YAJL_IS_OBJECT(r->json))
		return row_err(r, e, "not a JSON object: found %s", json_type(r->json));
	event_init(r, ev);
	char q[QUOTED_SIZE];
	unsigned present = 0, seen = 0;
	uint32_t nt = 0;
	for (size_t k = 0; k < r->json->u.object.len; k++) {
		const char *key = r->json->u.object.keys[k];
		yajl_val v = r->json->u.object.values[k];
		tide_str name = str_of(key), val = { NULL, 0 };
		const char *why = NULL;
		int rc;
		if (!utf8_valid(name.p, name.n))
			return row_err(r, e, "invalid UTF-8");
		if (name.n == 0)
			return row_err(r, e, "empty key");
		int role = column_role(r->kind, name.p, name.n, &why);
		if (role < 0)
			return row_err(r, e, "unknown key %s (%s)", quote(name, q), why);
		if (role == R_TAG) {
			for (uint32_t t = 0; t < nt; t++)
				if (name_is(r->tags[t].name.p, name.p, name.n))
					return row_err(r, e, "duplicate key %s", quote(name, q));
			if (nt == TIDE_TAGS_MAX)
				return row_err(r, e, "more than %d tags", TIDE_TAGS_MAX);
		} else {
			if (present & (1u << role))
				return row_err(r, e, "duplicate key %s", quote(name, q));
			present |= 1u << role;
		}
		if (!YAJL_IS_NULL(v) && (rc = json_text(r, role, key, v, &val, e)))
			return rc;
		if (role == R_TAG) {
			if ((rc = check_len(r, e, key, val, TIDE_STR_MAX)))
				return rc;
			r->tags[nt++] = (tide_tag){ name, val };
		} else if (!YAJL_IS_NULL(v)) {
			if ((rc = set_field(r, ev, role, key, val, e)))
				return rc;
			seen |= 1u << role;
		}
	}
	int f = missing_field(r->kind, seen);
	if (f >= 0)
		return row_err(r, e, "missing field '%s'", fields[f].name);
	ev->ntags = nt;
	return 1;
}

/* ---- the API ---- */

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && strcasecmp(s + n - k, suffix) == 0;
}

/* Sets up a reader over f (closed on failure and by tide_reader_close
 * only when own_f) and, for CSV, reads the header. */
static int reader_start(tide_reader **out, tide_kind kind, FILE *f, bool own_f,
			const char *name, tide_format format, tide_err *e)
{
	tide_reader *r = calloc(1, sizeof *r);
	if (!r) {
		if (own_f)
			fclose(f);
		return tide_errf(e, TIDE_ENOMEM, "out of memory");
	}
	int rc;
	r->f = f;
	r->own_f = own_f;
	r->kind = kind;
	r->fmt = format;
	r->line_next = 1;
	r->name = strdup(name);
	r->buf = malloc(BUF_CAP + 1);
	if (format == TIDE_FMT_CSV)
		r->scratch = malloc(BUF_CAP);
	if (!r->name || !r->buf || (format == TIDE_FMT_CSV && !r->scratch)) {
		rc = tide_errf(e, TIDE_ENOMEM, "out of memory");
		goto fail;
	}
	if ((rc = fill(r, e)))
		goto fail;
	if (r->end >= 3 && memcmp(r->buf, "\xEF\xBB\xBF", 3) == 0)
		r->pos = 3;
	if (format == TIDE_FMT_CSV && (rc = csv_header(r, e)))
		goto fail;
	*out = r;
	return 0;
fail:
	tide_reader_close(r);
	return rc;
}

static bool bad_args(tide_kind kind, tide_format format)
{
	return (unsigned)kind > TIDE_CONTACTS || (unsigned)format > TIDE_FMT_NDJSON;
}

int tide_reader_open(tide_reader **out, tide_kind kind, const char *path,
		     tide_format format, tide_err *e)
{
	*out = NULL;
	if (bad_args(kind, format))
		return tide_errf(e, TIDE_EUSAGE, "tide_reader_open: bad kind or format");
	if (!path || strcmp(path, "-") == 0)
		return reader_start(out, kind, stdin, false, "<stdin>",
				    format == TIDE_FMT_AUTO ? TIDE_FMT_CSV : format, e);
	if (format == TIDE_FMT_AUTO)
		format = ends_with(path, ".ndjson") || ends_with(path, ".jsonl") ?
			 TIDE_FMT_NDJSON : TIDE_FMT_CSV;
	FILE *f = fopen(path, "rb");
	if (!f)
		return tide_errf(e, TIDE_EIO, "%s: %s", path, strerror(errno));
	return reader_start(out, kind, f, true, path, format, e);
}

int tide_reader_open_stream(tide_reader **out, tide_kind kind, FILE *f,
			    const char *name, tide_format format, tide_err *e)
{
	*out = NULL;
	if (bad_args(kind, format) || !f || !name)
		return tide_errf(e, TIDE_EUSAGE,
				 "tide_reader_open_stream: bad kind, format, stream or name");
	return reader_start(out, kind, f, false, name,
			    format == TIDE_FMT_AUTO ? TIDE_FMT_CSV : format, e);
}

int tide_reader_next(tide_reader *r, tide_event *ev, tide_err *e)
{
	if (r->json) {
		yajl_tree_free(r->json);
		r->json = NULL;
	}
	int rc = next_record(r, e);
	if (rc != 1)
		return rc;
	return r->fmt == TIDE_FMT_CSV ? csv_event(r, ev, e) : json_event(r, ev, e);
}

long tide_reader_line(const tide_reader *r)
{
	return r->line;
}

const char *tide_reader_row(const tide_reader *r, size_t *len)
{
	*len = r->row_len;
	return r->row;
}

void tide_reader_close(tide_reader *r)
{
	if (!r)
		return;
	if (r->json)
		yajl_tree_free(r->json);
	if (r->own_f)
		fclose(r->f);
	free(r->scratch);
	free(r->buf);
	free(r->name);
	free(r);
}

#include "export.h"

#include <inttypes.h>
#include <lmdb.h>
#include <stdlib.h>
#include <string.h>

#include "timefmt.h"

void export_json_string(FILE *out, const char *s, size_t n)
{
	putc('"', out);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '"': fputs("\\\"", out); break;
		case '\\': fputs("\\\\", out); break;
		case '\n': fputs("\\n", out); break;
		case '\r': fputs("\\r", out); break;
		case '\t': fputs("\\t", out); break;
		default:
			if (c < 0x20)
				fprintf(out, "\\u%04x", c);
			else
				putc(c, out);
		}
	}
	putc('"', out);
}

void export_csv_field(FILE *out, const char *s, size_t n)
{
	if (!memchr(s, ',', n) && !memchr(s, '"', n) && !memchr(s, '\n', n) && !memchr(s, '\r', n)) {
		fwrite(s, 1, n, out);
		return;
	}
	putc('"', out);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"')
			putc('"', out);
		putc(s[i], out);
	}
	putc('"', out);
}

/* One output row under construction: named fields, absent ones skipped in
 * NDJSON and left empty in CSV. */
typedef struct row {
	tide_format format;
	FILE *out;
	int nfields;
} row;

static void field(row *r, const char *name, const char *val, size_t n, bool quoted_json)
{
	if (r->format == TIDE_FMT_CSV) {
		if (r->nfields++)
			putc(',', r->out);
		if (val)
			export_csv_field(r->out, val, n);
		return;
	}
	if (!val)
		return;
	fputs(r->nfields++ ? "," : "{", r->out);
	export_json_string(r->out, name, strlen(name));
	putc(':', r->out);
	if (quoted_json)
		export_json_string(r->out, val, n);
	else
		fwrite(val, 1, n, r->out);
}

static void field_str(row *r, const char *name, tide_str s)
{
	field(r, name, s.n ? s.p : NULL, s.n, true);
}

static void field_ts(row *r, const char *name, int64_t ts)
{
	char buf[32];
	tide_ts_format(ts, buf);
	field(r, name, buf, strlen(buf), true);
}

static void field_money(row *r, const char *name, int64_t v)
{
	char buf[32];
	int n = tide_money_format_exact(v, buf);
	/* NDJSON carries money as a string so no reader turns it into a float. */
	field(r, name, buf, (size_t)n, true);
}

static void end_row(row *r)
{
	if (r->format == TIDE_FMT_NDJSON)
		putc('}', r->out);
	putc('\n', r->out);
	r->nfields = 0;
}

static int text_of(store_snap *snap, uint32_t id, tide_str *out)
{
	if (id == 0) {
		out->p = NULL;
		out->n = 0;
		return 0;
	}
	return store_string(snap, id, out);
}

static const char *const stage_names[] = {"new", "contacted", "testing", "won", "paused", "lost"};

typedef struct tag_cols {
	uint32_t names[TIDE_TAGS_MAX * 8];
	char text[TIDE_TAGS_MAX * 8][72];
	int n;
} tag_cols;

static int write_tags(store_snap *snap, row *r, const tag_cols *cols,
		      const uint8_t *tags, uint32_t tags_len)
{
	for (int i = 0; i < cols->n; i++) {
		tide_str v;
		int rc = text_of(snap, store_tag_lookup(tags, tags_len, cols->names[i]), &v);
		if (rc)
			return rc;
		field_str(r, cols->text[i], v);
	}
	return 0;
}

static int write_order(store_snap *snap, row *r, const tag_cols *cols, const store_order *o)
{
	tide_str cust, sku;
	int rc = store_customer_name(snap, o->customer, &cust);
	if (rc == 0)
		rc = text_of(snap, o->sku, &sku);
	if (rc)
		return rc;
	char qty[16];
	int qn = snprintf(qty, sizeof qty, "%" PRId32, o->qty);
	field_str(r, "id", o->id);
	field_ts(r, "ts", o->ts);
	field_str(r, "customer", cust);
	field_money(r, "amount", o->amount);
	field(r, "qty", qty, (size_t)qn, true);
	field_str(r, "sku", sku);
	if (o->has_cost)
		field_money(r, "cost", o->cost);
	else
		field(r, "cost", NULL, 0, true);
	return write_tags(snap, r, cols, o->tags, o->tags_len);
}

static int write_contact(store_snap *snap, row *r, const tag_cols *cols, const store_contact *c)
{
	tide_str cust, channel, reason;
	int rc = store_customer_name(snap, c->customer, &cust);
	if (rc == 0)
		rc = text_of(snap, c->channel, &channel);
	if (rc == 0)
		rc = text_of(snap, c->reason, &reason);
	if (rc)
		return rc;
	field_str(r, "id", c->id);
	field_ts(r, "ts", c->ts);
	field_str(r, "customer", cust);
	field_str(r, "channel", channel);
	if (c->stage >= 0 && c->stage < TIDE_STAGE_COUNT)
		field(r, "stage", stage_names[c->stage], strlen(stage_names[c->stage]), true);
	else
		field(r, "stage", NULL, 0, true);
	if (c->has_next_followup)
		field_ts(r, "next_followup", c->next_followup);
	else
		field(r, "next_followup", NULL, 0, true);
	field_str(r, "reason", reason);
	return write_tags(snap, r, cols, c->tags, c->tags_len);
}

int export_run(store *s, tide_kind kind, tide_format format, FILE *out, tide_err *e)
{
	static const char *const csv_header[2] = {
		"id,ts,customer,amount,qty,sku,cost",
		"id,ts,customer,channel,stage,next_followup,reason",
	};
	store_snap *snap;
	int rc = store_snap_begin(s, &snap, e);
	if (rc)
		return rc;
	tag_cols *cols = calloc(1, sizeof *cols);
	store_log *log = NULL;
	if (!cols) {
		rc = tide_errf(e, TIDE_ENOMEM, "out of memory");
		goto done;
	}
	rc = store_tag_names(snap, kind, cols->names, TIDE_TAGS_MAX * 8, e);
	if (rc < 0)
		goto done;
	cols->n = rc;
	rc = 0;
	for (int i = 0; i < cols->n && rc == 0; i++) {
		tide_str t;
		rc = store_string(snap, cols->names[i], &t);
		if (rc == 0)
			snprintf(cols->text[i], sizeof cols->text[i], "%.*s", (int)t.n, t.p);
	}
	if (rc)
		goto lmdb_fail;
	row r = {format, out, 0};
	if (format == TIDE_FMT_CSV) {
		fputs(csv_header[kind], out);
		for (int i = 0; i < cols->n; i++)
			fprintf(out, ",%s", cols->text[i]);
		putc('\n', out);
	}
	rc = store_log_open(snap, kind, NULL, NULL, &log, e);
	if (rc == 0)
		rc = store_log_seek(log, 0, e);
	for (;;) {
		uint64_t seq;
		MDB_val v;
		bool found;
		if (rc || (rc = store_log_next(log, &seq, &v, &found, e)) || !found)
			break;
		if (kind == TIDE_ORDERS) {
			store_order o;
			rc = store_decode_order(seq, &v, &o);
			if (rc == 0)
				rc = write_order(snap, &r, cols, &o);
		} else {
			store_contact c;
			rc = store_decode_contact(seq, &v, &c);
			if (rc == 0)
				rc = write_contact(snap, &r, cols, &c);
		}
		if (rc)
			goto lmdb_fail;
		end_row(&r);
	}
	if (rc == 0 && (fflush(out) != 0 || ferror(out)))
		rc = tide_errf(e, TIDE_EIO, "writing the export failed");
	goto done;
lmdb_fail:
	if (rc == TIDE_ECORRUPT)
		tide_errf(e, rc, "store is corrupt: a record does not decode");
	else
		tide_errf(e, rc, "reading the store: %s", tide_strerror(rc));
done:
	store_log_close(log);
	free(cols);
	store_snap_end(snap);
	return rc;
}

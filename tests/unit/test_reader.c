/* test_reader.c — CSV and NDJSON input: every accepted form, and the exact
 * message for every kind of bad input.
 *
 * The tests run in a fresh temporary directory so inputs can have short
 * names ("orders.csv") and messages can be checked word for word. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "reader.h"
#include "timefmt.h"

#define TS_HINT "(use 2025-03-01, 2025-03-01T10:22:00Z, 2025-03-01 10:22:00 or epoch seconds)"

static const char *const stage_names[] = {
	"new", "contacted", "testing", "won", "paused", "lost"
};

/* Nothing after a failed open can run, so the test case stops there. */
#define OPEN_OR_RETURN(call) do { \
	if ((call) != 0) { \
		fprintf(stderr, "%s:%d: open failed: %s\n", __FILE__, __LINE__, e.msg); \
		check_failures++; \
		return; \
	} \
} while (0)

static void write_file(const char *name, const char *data, size_t len)
{
	FILE *f = fopen(name, "wb");
	CHECK(f != NULL);
	if (!f)
		return;
	CHECK(fwrite(data, 1, len, f) == len);
	fclose(f);
}

/* The transcript of reading a whole input, bad rows skipped. */
static char out[1 << 16];
static size_t out_n;

__attribute__((format(printf, 1, 2)))
static void say(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(out + out_n, sizeof out - out_n, fmt, ap);
	va_end(ap);
	if (n > 0)
		out_n += (size_t)n;
	if (out_n >= sizeof out)
		out_n = sizeof out - 1;
}

static void describe(const tide_event *ev)
{
	char t[21], m[32];
	tide_ts_format(ev->ts, t);
	say("id=%.*s ts=%s customer=%.*s", (int)ev->id.n, ev->id.p, t,
	    (int)ev->customer.n, ev->customer.p);
	if (ev->kind == TIDE_ORDERS) {
		tide_money_format_exact(ev->amount, m);
		say(" amount=%s qty=%lld", m, (long long)ev->qty);
		if (ev->sku.n)
			say(" sku=%.*s", (int)ev->sku.n, ev->sku.p);
		if (ev->has_cost) {
			tide_money_format_exact(ev->cost, m);
			say(" cost=%s", m);
		}
		/* An order never carries contact fields. */
		CHECK(ev->channel.n == 0 && ev->stage == TIDE_STAGE_NONE &&
		      !ev->has_next_followup && ev->reason.n == 0);
	} else {
		say(" channel=%.*s", (int)ev->channel.n, ev->channel.p);
		if (ev->stage != TIDE_STAGE_NONE)
			say(" stage=%s", stage_names[ev->stage]);
		if (ev->has_next_followup) {
			tide_ts_format(ev->next_followup, t);
			say(" next=%s", t);
		}
		if (ev->reason.n)
			say(" reason=%.*s", (int)ev->reason.n, ev->reason.p);
		CHECK(ev->amount == 0 && ev->qty == 1 && ev->sku.n == 0 && !ev->has_cost);
	}
	for (uint32_t i = 0; i < ev->ntags; i++)
		say(" %.*s=%.*s", (int)ev->tags[i].name.n, ev->tags[i].name.p,
		    (int)ev->tags[i].value.n, ev->tags[i].value.p);
}

/* Writes data to name, reads it all and returns the transcript: for each
 * row "LINE: fields" or the error message, one per line. */
static const char *readall(const char *name, tide_kind kind, tide_format fmt,
			   const char *data, size_t len)
{
	tide_reader *r;
	tide_err e;
	tide_event ev;
	out_n = 0;
	out[0] = '\0';
	write_file(name, data, len);
	int rc = tide_reader_open(&r, kind, name, fmt, &e);
	if (rc) {
		CHECK(rc == e.code);
		say("open %d: %s", rc == TIDE_EINPUT, e.msg);
		unlink(name);
		return out;
	}
	while ((rc = tide_reader_next(r, &ev, &e)) != 0) {
		if (rc == 1) {
			say("%ld: ", tide_reader_line(r));
			describe(&ev);
			say("\n");
		} else if (rc == TIDE_EINPUT) {
			say("%s\n", e.msg);
		} else {
			say("final %d: %s\n", rc, e.msg);
			break;
		}
	}
	/* The end stays the end. */
	CHECK(rc != 0 || tide_reader_next(r, &ev, &e) == 0);
	tide_reader_close(r);
	unlink(name);
	return out;
}

static const char *readstr(const char *name, tide_kind kind, const char *text)
{
	return readall(name, kind, TIDE_FMT_AUTO, text, strlen(text));
}

#define CSV(kind, text) readall("orders.csv", kind, TIDE_FMT_AUTO, text, sizeof text - 1)
#define CON(text) readall("contacts.csv", TIDE_CONTACTS, TIDE_FMT_AUTO, text, sizeof text - 1)
#define NDJ(kind, text) readall("in.ndjson", kind, TIDE_FMT_AUTO, text, sizeof text - 1)

#define OHDR "id,ts,customer,amount\n"

static char *repeat(char c, size_t n)
{
	char *s = malloc(n + 1);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

/* ---- CSV: accepted forms ---- */

static void test_csv_orders(void)
{
	CHECK_STR(CSV(TIDE_ORDERS,
		"id,ts,customer,amount,qty,sku,cost,region,channel\n"
		"o1,2025-03-01,c1,12.5,,,,north,web\n"
		"o2,2025-03-01T10:22:00Z,c2,-3.25,3,SKU-1,1.0001,,\n"
		"o3,2025-03-01 10:22:00,c1,0,-2,,0,south,phone\n"
		"o4,1740824520,c3,+7,2147483647,,,,\n"
		"o5,-86400,c3,0.0001,-2147483648,,-5,,\n"),
		"2: id=o1 ts=2025-03-01T00:00:00Z customer=c1 amount=12.5 qty=1 region=north channel=web\n"
		"3: id=o2 ts=2025-03-01T10:22:00Z customer=c2 amount=-3.25 qty=3 sku=SKU-1 cost=1.0001 region= channel=\n"
		"4: id=o3 ts=2025-03-01T10:22:00Z customer=c1 amount=0 qty=-2 cost=0 region=south channel=phone\n"
		"5: id=o4 ts=2025-03-01T10:22:00Z customer=c3 amount=7 qty=2147483647 region= channel=\n"
		"6: id=o5 ts=1969-12-31T00:00:00Z customer=c3 amount=0.0001 qty=-2147483648 cost=-5 region= channel=\n");
}

static void test_csv_column_order_and_tags(void)
{
	/* Columns in any order; tags keep column order; stage and
	 * amount are ordinary tags on the other kind. */
	CHECK_STR(CSV(TIDE_ORDERS,
		"rep,amount,stage,customer,Region_2,ts,id\n"
		"ann,5,won,c1,x,2025-01-01,o1\n"),
		"2: id=o1 ts=2025-01-01T00:00:00Z customer=c1 amount=5 qty=1 rep=ann stage=won Region_2=x\n");
	CHECK_STR(CON(
		"id,ts,customer,channel,amount,sku\n"
		"k1,2025-01-01,c1,call,12.5,S\n"),
		"2: id=k1 ts=2025-01-01T00:00:00Z customer=c1 channel=call amount=12.5 sku=S\n");
}

static void test_csv_contacts(void)
{
	CHECK_STR(CON(
		"id,ts,customer,channel,stage,next_followup,reason,rep\n"
		"k1,2025-03-01,c1,call,new,,,ann\n"
		"k2,2025-03-02,c1,visit,contacted,2025-03-09T09:00:00Z,,\n"
		"k3,2025-03-03,c2,email,testing,2025-03-10 08:30:00,,bob\n"
		"k4,2025-03-04,c2,meeting,won,1741593600,,\n"
		"k5,2025-03-05,c3,call,paused,,budget frozen,\n"
		"k6,2025-03-06,c3,call,lost,,\"went with a rival, sadly\",\n"
		"k7,2025-03-07,c4,call,,,,\n"),
		"2: id=k1 ts=2025-03-01T00:00:00Z customer=c1 channel=call stage=new rep=ann\n"
		"3: id=k2 ts=2025-03-02T00:00:00Z customer=c1 channel=visit stage=contacted next=2025-03-09T09:00:00Z rep=\n"
		"4: id=k3 ts=2025-03-03T00:00:00Z customer=c2 channel=email stage=testing next=2025-03-10T08:30:00Z rep=bob\n"
		"5: id=k4 ts=2025-03-04T00:00:00Z customer=c2 channel=meeting stage=won next=2025-03-10T08:00:00Z rep=\n"
		"6: id=k5 ts=2025-03-05T00:00:00Z customer=c3 channel=call stage=paused reason=budget frozen rep=\n"
		"7: id=k6 ts=2025-03-06T00:00:00Z customer=c3 channel=call stage=lost reason=went with a rival, sadly rep=\n"
		"8: id=k7 ts=2025-03-07T00:00:00Z customer=c4 channel=call rep=\n");
}

static void test_csv_quoting(void)
{
	CHECK_STR(CSV(TIDE_ORDERS,
		"\"id\",ts,\"customer\",amount,note\n"
		"\"o,1\",2025-03-01,\"say \"\"hi\"\"\",\"12.5\",\"\"\n"
		"o2,2025-03-01,c2,1,\"line one\n"
		"line two\n"
		"line three\"\n"
		"o3,2025-03-01,c3,2,\"\"\"\"\n"
		"o4,2025-03-01,a\"b,3,x\"\"y\n"
		"o5,2025-03-01,c5,4,\"a\r\nb\"\n"
		"\"o\"\"6\",2025-03-01,\"c\"\"6\",5,\"n\"\"6\"\n"),
		"2: id=o,1 ts=2025-03-01T00:00:00Z customer=say \"hi\" amount=12.5 qty=1 note=\n"
		"3: id=o2 ts=2025-03-01T00:00:00Z customer=c2 amount=1 qty=1 note=line one\nline two\nline three\n"
		"6: id=o3 ts=2025-03-01T00:00:00Z customer=c3 amount=2 qty=1 note=\"\n"
		"7: id=o4 ts=2025-03-01T00:00:00Z customer=a\"b amount=3 qty=1 note=x\"\"y\n"
		"8: id=o5 ts=2025-03-01T00:00:00Z customer=c5 amount=4 qty=1 note=a\r\nb\n"
		"10: id=o\"6 ts=2025-03-01T00:00:00Z customer=c\"6 amount=5 qty=1 note=n\"6\n");
}

static void test_csv_crlf_bom_blank_lines(void)
{
	CHECK_STR(CSV(TIDE_ORDERS,
		"\xEF\xBB\xBFid,ts,customer,amount,note\r\n"
		"o1,2025-03-01,c1,1,x\r\n"
		"\r\n"
		"\n"
		"o2,2025-03-01,c2,2,\"q\"\r\n"
		"o3,2025-03-01,c3,3,\r\n"
		"o4,2025-03-01,c4,4,last"),
		"2: id=o1 ts=2025-03-01T00:00:00Z customer=c1 amount=1 qty=1 note=x\n"
		"5: id=o2 ts=2025-03-01T00:00:00Z customer=c2 amount=2 qty=1 note=q\n"
		"6: id=o3 ts=2025-03-01T00:00:00Z customer=c3 amount=3 qty=1 note=\n"
		"7: id=o4 ts=2025-03-01T00:00:00Z customer=c4 amount=4 qty=1 note=last\n");
	/* Blank lines before the header; a quoted last field at EOF. */
	CHECK_STR(CSV(TIDE_ORDERS,
		"\n\r\n" OHDR
		"o1,2025-03-01,c1,\"5\""),
		"4: id=o1 ts=2025-03-01T00:00:00Z customer=c1 amount=5 qty=1\n");
	/* A header and nothing else is an empty input, not an error. */
	CHECK_STR(CSV(TIDE_ORDERS, OHDR), "");
}

/* ---- CSV: header errors ---- */

static void test_csv_header_errors(void)
{
	CHECK_STR(CSV(TIDE_ORDERS, ""),
		  "open 1: orders.csv: empty file (expected a header line)");
	CHECK_STR(CSV(TIDE_ORDERS, "\xEF\xBB\xBF"),
		  "open 1: orders.csv: empty file (expected a header line)");
	CHECK_STR(CSV(TIDE_ORDERS, "\n\r\n\n"),
		  "open 1: orders.csv: empty file (expected a header line)");
	CHECK_STR(CSV(TIDE_ORDERS, "id,ts,customer,amount,id\n"),
		  "open 1: orders.csv:1: duplicate column 'id'");
	CHECK_STR(CSV(TIDE_ORDERS, "id,ts,customer,amount,region,rep,region\n"),
		  "open 1: orders.csv:1: duplicate column 'region'");
	CHECK_STR(CSV(TIDE_ORDERS, "id,,ts,customer,amount\n"),
		  "open 1: orders.csv:1: empty name for column 2");
	CHECK_STR(CSV(TIDE_ORDERS, "id,ts,customer,amount,\n"),
		  "open 1: orders.csv:1: empty name for column 5");
	CHECK_STR(CSV(TIDE_ORDERS, "id,ts,customer,qty\n"),
		  "open 1: orders.csv:1: missing column 'amount'");
	CHECK_STR(CSV(TIDE_ORDERS, "\n\nts,customer,amount\n"),
		  "open 1: orders.csv:3: missing column 'id'");
	CHECK_STR(CON("id,ts,customer,amount\n"),
		  "open 1: contacts.csv:1: missing column 'channel'");
	CHECK_STR(CSV(TIDE_ORDERS, "id,ts,customer,amount,unit price\n"),
		  "open 1: orders.csv:1: unknown column 'unit price' (a tag name is "
		  "a letter or _ then up to 63 letters, digits or _)");
	CHECK_STR(CSV(TIDE_ORDERS, "id,ts,customer,amount,2nd\n"),
		  "open 1: orders.csv:1: unknown column '2nd' (a tag name is "
		  "a letter or _ then up to 63 letters, digits or _)");
	CHECK_STR(CSV(TIDE_ORDERS, "id,ts,Customer,amount\n"),
		  "open 1: orders.csv:1: missing column 'customer'");
	static const char *const reserved[] = {
		"day", "week", "month", "quarter", "year", "asof", "Month", "ASOF"
	};
	for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++) {
		char hdr[64], want[128];
		snprintf(hdr, sizeof hdr, "id,ts,customer,amount,%s\n", reserved[i]);
		snprintf(want, sizeof want,
			 "open 1: orders.csv:1: unknown column '%s' (a reserved name)",
			 reserved[i]);
		CHECK_STR(readall("orders.csv", TIDE_ORDERS, TIDE_FMT_CSV, hdr,
				  strlen(hdr)), want);
	}
	/* Header rows get the row-level checks too. */
	CHECK_STR(CSV(TIDE_ORDERS, "id,ts,customer,amount,\"reg\n"),
		  "open 1: orders.csv:1: unterminated quoted field");
	CHECK_STR(CSV(TIDE_ORDERS, "id,ts,customer,amount,r\xC3\n"),
		  "open 1: orders.csv:1: invalid UTF-8");
	CHECK_STR(CSV(TIDE_ORDERS, "id,ts,\"customer\"x,amount\n"),
		  "open 1: orders.csv:1: field 3: text after closing quote");
}

static void test_csv_tag_name_limits(void)
{
	char name64[65], hdr[2048], want[256];
	memset(name64, 'n', 64);
	name64[64] = '\0';
	snprintf(hdr, sizeof hdr, "id,ts,customer,amount,%s\no1,2025-03-01,c1,1,v\n", name64);
	snprintf(want, sizeof want,
		 "2: id=o1 ts=2025-03-01T00:00:00Z customer=c1 amount=1 qty=1 %s=v\n", name64);
	CHECK_STR(readall("orders.csv", TIDE_ORDERS, TIDE_FMT_CSV, hdr, strlen(hdr)), want);

	snprintf(hdr, sizeof hdr, "id,ts,customer,amount,%sn\n", name64);
	CHECK_STR(readall("orders.csv", TIDE_ORDERS, TIDE_FMT_CSV, hdr, strlen(hdr)),
		  "open 1: orders.csv:1: unknown column 'nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn...' "
		  "(a tag name is a letter or _ then up to 63 letters, digits or _)");

	/* 32 tag columns are fine, the 33rd is not. */
	size_t n = (size_t)snprintf(hdr, sizeof hdr, "id,ts,customer,amount,qty,sku,cost");
	for (int i = 1; i <= TIDE_TAGS_MAX; i++)
		n += (size_t)snprintf(hdr + n, sizeof hdr - n, ",t%d", i);
	n += (size_t)snprintf(hdr + n, sizeof hdr - n, "\no1,2025-03-01,c1,1,,,");
	for (int i = 1; i <= TIDE_TAGS_MAX; i++)
		n += (size_t)snprintf(hdr + n, sizeof hdr - n, ",v%d", i);
	hdr[n++] = '\n';
	tide_reader *r;
	tide_err e;
	tide_event ev;
	write_file("wide.csv", hdr, n);
	OPEN_OR_RETURN(tide_reader_open(&r, TIDE_ORDERS, "wide.csv", TIDE_FMT_AUTO, &e));
	CHECK(tide_reader_next(r, &ev, &e) == 1);
	CHECK(ev.ntags == TIDE_TAGS_MAX);
	CHECK(ev.tags[31].name.n == 3 && memcmp(ev.tags[31].name.p, "t32", 3) == 0);
	CHECK(ev.tags[31].value.n == 3 && memcmp(ev.tags[31].value.p, "v32", 3) == 0);
	tide_reader_close(r);

	n = (size_t)snprintf(hdr, sizeof hdr, "id,ts,customer,amount");
	for (int i = 1; i <= TIDE_TAGS_MAX + 1; i++)
		n += (size_t)snprintf(hdr + n, sizeof hdr - n, ",t%d", i);
	hdr[n++] = '\n';
	CHECK_STR(readall("wide.csv", TIDE_ORDERS, TIDE_FMT_CSV, hdr, n),
		  "open 1: wide.csv:1: more than 32 tag columns");
	unlink("wide.csv");
}

/* ---- CSV: bad rows ---- */

static void test_csv_field_errors(void)
{
	char *id129 = repeat('i', 129), *id128 = repeat('i', 128);
	char *s_over = repeat('s', TIDE_STR_MAX + 1), *s_max = repeat('s', TIDE_STR_MAX);
	char data[8192], want[8192];
	snprintf(data, sizeof data,
		"id,ts,customer,amount,qty,sku,cost\n"
		",2025-03-01,c,1,,,\n"
		"%s,2025-03-01,c,1,,,\n"
		"o,2025-13-01,c,1,,,\n"
		"o,,c,1,,,\n"
		"o,2025-03-01,,1,,,\n"
		"o,2025-03-01,%s,1,,,\n"
		"o,2025-03-01,c,\"12,5x\",,,\n"
		"o,2025-03-01,c,1.23456,,,\n"
		"o,2025-03-01,c,100000000000.0001,,,\n"
		"o,2025-03-01,c,,,,\n"
		"o,2025-03-01,c,.5,,,\n"
		"o,2025-03-01,c,1,x,,\n"
		"o,2025-03-01,c,1,1.0,,\n"
		"o,2025-03-01,c,1,2147483648,,\n"
		"o,2025-03-01,c,1,-2147483649,,\n"
		"o,2025-03-01,c,1,,%s,\n"
		"o,2025-03-01,c,1,,,abc\n"
		"o,2025-03-01,c,1,,,1e3\n"
		"o,2025-02-29,c,1,,,\n"
		"o,2025-03-01T24:00:00Z,c,1,,,\n"
		"%s,2025-03-01,%s,1,,%s,\n",
		id129, id129, s_over, id128, id128, s_max);
	snprintf(want, sizeof want,
		"orders.csv:2: id: empty\n"
		"orders.csv:3: id: longer than 128 bytes\n"
		"orders.csv:4: ts: '2025-13-01' is not a timestamp " TS_HINT "\n"
		"orders.csv:5: ts: empty\n"
		"orders.csv:6: customer: empty\n"
		"orders.csv:7: customer: longer than 128 bytes\n"
		"orders.csv:8: amount: '12,5x' is not a decimal\n"
		"orders.csv:9: amount: '1.23456' has more than 4 fraction digits\n"
		"orders.csv:10: amount: '100000000000.0001' is out of range\n"
		"orders.csv:11: amount: empty\n"
		"orders.csv:12: amount: '.5' is not a decimal\n"
		"orders.csv:13: qty: 'x' is not an integer\n"
		"orders.csv:14: qty: '1.0' is not an integer\n"
		"orders.csv:15: qty: '2147483648' is out of range\n"
		"orders.csv:16: qty: '-2147483649' is out of range\n"
		"orders.csv:17: sku: longer than 511 bytes\n"
		"orders.csv:18: cost: 'abc' is not a decimal\n"
		"orders.csv:19: cost: '1e3' is not a decimal\n"
		"orders.csv:20: ts: '2025-02-29' is not a timestamp " TS_HINT "\n"
		"orders.csv:21: ts: '2025-03-01T24:00:00Z' is not a timestamp " TS_HINT "\n"
		"22: id=%s ts=2025-03-01T00:00:00Z customer=%s amount=1 qty=1 sku=%s\n",
		id128, id128, s_max);
	CHECK_STR(readall("orders.csv", TIDE_ORDERS, TIDE_FMT_CSV, data, strlen(data)), want);
	free(id129);
	free(id128);
	free(s_over);
	free(s_max);
}

static void test_csv_contact_field_errors(void)
{
	char *s_over = repeat('s', TIDE_STR_MAX + 1);
	char data[4096];
	snprintf(data, sizeof data,
		"id,ts,customer,channel,stage,next_followup,reason,rep\n"
		"k,2025-03-01,c,call,maybe,,,\n"
		"k,2025-03-01,c,call,Won,,,\n"
		"k,2025-03-01,c,call,,2025-03-32,,\n"
		"k,2025-03-01,c,,,,,\n"
		"k,2025-03-01,c,call,,,%s,\n"
		"k,2025-03-01,c,call,,,,%s\n"
		"k,2025-03-01,c,%s,,,,\n"
		"k,2025-03-01,c,call,won,,,\n",
		s_over, s_over, s_over);
	CHECK_STR(readall("contacts.csv", TIDE_CONTACTS, TIDE_FMT_CSV, data, strlen(data)),
		"contacts.csv:2: stage: 'maybe' is not one of new contacted testing won paused lost\n"
		"contacts.csv:3: stage: 'Won' is not one of new contacted testing won paused lost\n"
		"contacts.csv:4: next_followup: '2025-03-32' is not a timestamp " TS_HINT "\n"
		"contacts.csv:5: channel: empty\n"
		"contacts.csv:6: reason: longer than 511 bytes\n"
		"contacts.csv:7: rep: longer than 511 bytes\n"
		"contacts.csv:8: channel: longer than 511 bytes\n"
		"9: id=k ts=2025-03-01T00:00:00Z customer=c channel=call stage=won rep=\n");
	free(s_over);
}

static void test_csv_row_errors(void)
{
	CHECK_STR(CSV(TIDE_ORDERS, OHDR
		"o1,2025-03-01,c1\n"
		"o2,2025-03-01,c2,1,extra\n"
		"o3,2025-03-01,c\xFF,1\n"
		"o4,2025-03-01,c\xC0\xAF,1\n"
		"o5,2025-03-01,c\xED\xA0\x80,1\n"
		"o6,2025-03-01,c\xF4\x90\x80\x80,1\n"
		"o7,2025-03-01,c\xE2\x82\n"
		"o8,2025-03-01,c\0,1\n"
		"o9,2025-03-01,\"c9\"x,1\n"
		"o10,2025-03-01,c10,\"1\"\r2\n"
		" \n"
		"ok,2025-03-01,\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80,1\n"),
		"orders.csv:2: expected 4 fields, found 3\n"
		"orders.csv:3: expected 4 fields, found 5\n"
		"orders.csv:4: invalid UTF-8\n"
		"orders.csv:5: invalid UTF-8\n"
		"orders.csv:6: invalid UTF-8\n"
		"orders.csv:7: invalid UTF-8\n"
		"orders.csv:8: invalid UTF-8\n"
		"orders.csv:9: binary data (NUL byte)\n"
		"orders.csv:10: customer: text after closing quote\n"
		"orders.csv:11: amount: text after closing quote\n"
		"orders.csv:12: expected 4 fields, found 1\n"
		"13: id=ok ts=2025-03-01T00:00:00Z customer=\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80 amount=1 qty=1\n");
}

static void test_csv_unterminated_quote(void)
{
	/* The reader resumes on the line after the one the bad quote
	 * opened on, so one stray quote costs one row, even when a later
	 * quote would pair with it (line 3 to 5 below). */
	CHECK_STR(CSV(TIDE_ORDERS, OHDR
		"o1,2025-03-01,\"c1,10\n"
		"o2,2025-03-01,c2,20\n"
		"o3,2025-03-01,\"c3,30\n"
		"o4,2025-03-01,c4,40\n"
		"o5,2025-03-01,\"c5\"x,50\n"
		"o6,2025-03-01,\"c6\n"),
		"orders.csv:2: unterminated quoted field\n"
		"3: id=o2 ts=2025-03-01T00:00:00Z customer=c2 amount=20 qty=1\n"
		"orders.csv:4: unterminated quoted field\n"
		"5: id=o4 ts=2025-03-01T00:00:00Z customer=c4 amount=40 qty=1\n"
		"orders.csv:6: customer: text after closing quote\n"
		"orders.csv:7: unterminated quoted field\n");
	/* A legal multi-line field is not affected. */
	CHECK_STR(CSV(TIDE_ORDERS, OHDR
		"o1,2025-03-01,\"c\n1\",10\n"
		"o2,2025-03-01,c2,20\n"),
		"2: id=o1 ts=2025-03-01T00:00:00Z customer=c\n1 amount=10 qty=1\n"
		"4: id=o2 ts=2025-03-01T00:00:00Z customer=c2 amount=20 qty=1\n");
}

static void test_csv_messages_quote_values(void)
{
	CHECK_STR(CSV(TIDE_ORDERS, OHDR
		"o1,2025-03-01,c,\"1\t2\"\n"
		"o2,2025-03-01,c,\"it's\\\"\n"
		"o3,2025-03-01,c,aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n"
		"o4,2025-03-01,c,aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\xC3\xA9zzzz\n"
		"o5,2025-03-01,c,aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n"
		"o6,2025-03-01,c,\"a\nb\"\n"),
		"orders.csv:2: amount: '1\\x092' is not a decimal\n"
		"orders.csv:3: amount: 'it\\'s\\\\' is not a decimal\n"
		"orders.csv:4: amount: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...' is not a decimal\n"
		"orders.csv:5: amount: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...' is not a decimal\n"
		"orders.csv:6: amount: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' is not a decimal\n"
		"orders.csv:7: amount: 'a\\x0ab' is not a decimal\n");
}

static bool row_is(const tide_reader *r, const char *want)
{
	size_t n;
	const char *p = tide_reader_row(r, &n);
	return n == strlen(want) && memcmp(p, want, n) == 0;
}

/* tide_reader_row gives the raw text of the row just returned or
 * rejected, without its line ending, quotes and all. */
static void test_csv_raw_row_and_skip(void)
{
	static const char data[] = OHDR
		"o1,2025-03-01,c1,bad\r\n"
		"o2,2025-03-01,\"c\n2\",2\r\n"
		"o3,2025-03-01,c3,\"3\"\r\n"
		"o4,2025-03-01,\"c4\n";
	write_file("orders.csv", data, sizeof data - 1);
	tide_reader *r;
	tide_err e;
	tide_event ev;
	OPEN_OR_RETURN(tide_reader_open(&r, TIDE_ORDERS, "orders.csv", TIDE_FMT_CSV, &e));

	CHECK(tide_reader_next(r, &ev, &e) == TIDE_EINPUT);
	CHECK(e.code == TIDE_EINPUT);
	CHECK_STR(e.msg, "orders.csv:2: amount: 'bad' is not a decimal");
	CHECK(tide_reader_line(r) == 2);
	CHECK(row_is(r, "o1,2025-03-01,c1,bad"));

	CHECK(tide_reader_next(r, &ev, &e) == 1);
	CHECK(tide_reader_line(r) == 3);
	CHECK(row_is(r, "o2,2025-03-01,\"c\n2\",2"));
	CHECK(ev.customer.n == 3 && memcmp(ev.customer.p, "c\n2", 3) == 0);

	CHECK(tide_reader_next(r, &ev, &e) == 1);
	CHECK(tide_reader_line(r) == 5);
	CHECK(row_is(r, "o3,2025-03-01,c3,\"3\""));
	CHECK(ev.amount == 30000);

	CHECK(tide_reader_next(r, &ev, &e) == TIDE_EINPUT);
	CHECK_STR(e.msg, "orders.csv:6: unterminated quoted field");
	CHECK(row_is(r, "o4,2025-03-01,\"c4"));

	CHECK(tide_reader_next(r, &ev, &e) == 0);
	tide_reader_close(r);
	unlink("orders.csv");
}

/* Builds header + a row whose text is exactly len bytes (the note column
 * padded), + ending, + a good row. */
static char *long_row(size_t len, const char *ending, size_t *total)
{
	static const char hdr[] = "id,ts,customer,amount,note\n";
	static const char pre[] = "o1,2025-03-01,c1,1,";
	static const char next[] = "o2,2025-03-01,c2,2,n\n";
	size_t n = strlen(hdr), el = strlen(ending);
	char *s = malloc(n + len + el + sizeof next);
	memcpy(s, hdr, n);
	memcpy(s + n, pre, strlen(pre));
	memset(s + n + strlen(pre), 'x', len - strlen(pre));
	n += len;
	memcpy(s + n, ending, el);
	n += el;
	memcpy(s + n, next, sizeof next);
	*total = n + sizeof next - 1;
	return s;
}

static void test_csv_line_length_limit(void)
{
	static const char good[] =
		"3: id=o2 ts=2025-03-01T00:00:00Z customer=c2 amount=2 qty=1 note=n\n";
	char want[256];
	size_t n;
	char *s;

	/* Exactly the limit is read (and the note is then too long). */
	snprintf(want, sizeof want, "orders.csv:2: note: longer than 511 bytes\n%s", good);
	s = long_row(TIDE_LINE_MAX, "\n", &n);
	CHECK_STR(readall("orders.csv", TIDE_ORDERS, TIDE_FMT_CSV, s, n), want);
	free(s);
	s = long_row(TIDE_LINE_MAX, "\r\n", &n);
	CHECK_STR(readall("orders.csv", TIDE_ORDERS, TIDE_FMT_CSV, s, n), want);
	free(s);

	/* One byte more is a long line, and the next row still reads. */
	snprintf(want, sizeof want, "orders.csv:2: line longer than 1048576 bytes\n%s", good);
	s = long_row(TIDE_LINE_MAX + 1, "\n", &n);
	CHECK_STR(readall("orders.csv", TIDE_ORDERS, TIDE_FMT_CSV, s, n), want);
	free(s);
	s = long_row(3 * TIDE_LINE_MAX, "\r\n", &n);
	CHECK_STR(readall("orders.csv", TIDE_ORDERS, TIDE_FMT_CSV, s, n), want);
	free(s);

	/* A long line at the very end of the input. */
	s = long_row(TIDE_LINE_MAX + 10, "", &n);
	n -= strlen("o2,2025-03-01,c2,2,n\n");
	CHECK_STR(readall("orders.csv", TIDE_ORDERS, TIDE_FMT_CSV, s, n),
		  "orders.csv:2: line longer than 1048576 bytes\n");
	free(s);
}

/* A stray quote with more than a buffer of input after it: the reader
 * gives up on that row at the limit and resumes on the next line. */
static void test_csv_unterminated_quote_long(void)
{
	size_t rows = 80000, cap = 64 + rows * 32, n = 0;
	char *s = malloc(cap);
	n += (size_t)snprintf(s + n, cap - n, OHDR "o0,2025-03-01,\"c0,1\n");
	for (size_t i = 1; i <= rows; i++)
		n += (size_t)snprintf(s + n, cap - n, "o%zu,2025-03-01,c%zu,1\n", i, i);
	CHECK(n > TIDE_LINE_MAX);
	write_file("orders.csv", s, n);
	free(s);
	tide_reader *r;
	tide_err e;
	tide_event ev;
	OPEN_OR_RETURN(tide_reader_open(&r, TIDE_ORDERS, "orders.csv", TIDE_FMT_CSV, &e));
	CHECK(tide_reader_next(r, &ev, &e) == TIDE_EINPUT);
	CHECK_STR(e.msg, "orders.csv:2: unterminated quoted field");
	size_t good = 0, bad = 0;
	int rc;
	while ((rc = tide_reader_next(r, &ev, &e)) != 0) {
		if (rc == 1 && tide_reader_line(r) == (long)good + 3)
			good++;
		else
			bad++;
	}
	CHECK(good == rows && bad == 0);
	tide_reader_close(r);
	unlink("orders.csv");
}

/* Many rows, with multi-line quoted fields and CRLF, across several
 * buffer refills: every row comes back whole, on the right line. */
static void test_csv_many_rows_across_buffers(void)
{
	size_t rows = 120000, cap = 64 + rows * 96, n = 0;
	char *s = malloc(cap);
	n += (size_t)snprintf(s + n, cap - n, "id,ts,customer,amount,note\r\n");
	long line = 2;
	int64_t want_sum = 0;
	for (size_t i = 0; i < rows; i++) {
		/* The id carries the line the row starts on. */
		if (i % 7 == 0) {
			n += (size_t)snprintf(s + n, cap - n,
				"L%ld,2025-03-01,c%zu,%zu.25,\"a \"\"q\"\"\nb%zu\"\r\n",
				line, i % 1000, i, i);
			line += 2;
		} else {
			n += (size_t)snprintf(s + n, cap - n,
				"L%ld,2025-03-01T10:22:00Z,\"c%zu\",%zu.25,n%zu\n",
				line, i % 1000, i, i);
			line += 1;
		}
		want_sum += (int64_t)i * 10000 + 2500;
	}
	CHECK(n > 4 * (size_t)TIDE_LINE_MAX);
	write_file("orders.csv", s, n);
	free(s);

	tide_reader *r;
	tide_err e;
	tide_event ev;
	OPEN_OR_RETURN(tide_reader_open(&r, TIDE_ORDERS, "orders.csv", TIDE_FMT_CSV, &e));
	size_t got = 0, wrong = 0;
	int64_t sum = 0;
	int rc;
	while ((rc = tide_reader_next(r, &ev, &e)) == 1) {
		char id[32], note[64];
		snprintf(id, sizeof id, "L%ld", tide_reader_line(r));
		if (got % 7 == 0)
			snprintf(note, sizeof note, "a \"q\"\nb%zu", got);
		else
			snprintf(note, sizeof note, "n%zu", got);
		if (ev.id.n != strlen(id) || memcmp(ev.id.p, id, ev.id.n) != 0 ||
		    ev.ntags != 1 || ev.tags[0].value.n != strlen(note) ||
		    memcmp(ev.tags[0].value.p, note, strlen(note)) != 0)
			wrong++;
		sum += ev.amount;
		got++;
	}
	CHECK(rc == 0);
	CHECK(got == rows && wrong == 0 && sum == want_sum);
	tide_reader_close(r);
	unlink("orders.csv");
}

/* ---- NDJSON ---- */

static void test_ndjson_orders(void)
{
	CHECK_STR(NDJ(TIDE_ORDERS,
		"{\"id\":\"o1\",\"ts\":\"2025-03-01\",\"customer\":\"c1\",\"amount\":12.5,\"region\":\"north\"}\n"
		"{\"region\":\"x\",\"id\":\"o2\",\"ts\":1740824520,\"customer\":\"c2\",\"amount\":\"-3.25\","
		"\"qty\":3,\"sku\":\"S\",\"cost\":0.0001,\"vip\":true,\"n\":42.50,\"flag\":false,"
		"\"gone\":null,\"e\":\"\",\"channel\":\"web\"}\n"
		"\n"
		"  \t \n"
		"{\"id\":\"o3\",\"ts\":\"2025-03-01 10:22:00\",\"customer\":\"c3\",\"amount\":99999999999.9999,"
		"\"qty\":\"2\",\"cost\":null,\"sku\":\"\"}\r\n"
		" {\"id\":\"o\\u00e9\\\"\",\"ts\":\"2025-03-01T10:22:00Z\",\"customer\":\"c\\n4\",\"amount\":-0.5000} \n"
		"{\"id\":\"o5\",\"ts\":-1,\"customer\":\"c5\",\"amount\":\"12.500000\"}"),
		"1: id=o1 ts=2025-03-01T00:00:00Z customer=c1 amount=12.5 qty=1 region=north\n"
		"2: id=o2 ts=2025-03-01T10:22:00Z customer=c2 amount=-3.25 qty=3 sku=S cost=0.0001 "
		"region=x vip=true n=42.50 flag=false gone= e= channel=web\n"
		"5: id=o3 ts=2025-03-01T10:22:00Z customer=c3 amount=99999999999.9999 qty=2\n"
		"6: id=o\xC3\xA9\" ts=2025-03-01T10:22:00Z customer=c\n4 amount=-0.5 qty=1\n"
		"7: id=o5 ts=1969-12-31T23:59:59Z customer=c5 amount=12.5 qty=1\n");
}

static void test_ndjson_contacts(void)
{
	CHECK_STR(readstr("c.jsonl", TIDE_CONTACTS,
		"{\"id\":\"k1\",\"ts\":\"2025-03-01\",\"customer\":\"c1\",\"channel\":\"call\","
		"\"stage\":\"won\",\"next_followup\":1741593600,\"reason\":\"r\",\"amount\":5}\n"
		"{\"id\":\"k2\",\"ts\":\"2025-03-01\",\"customer\":\"c1\",\"channel\":\"call\","
		"\"stage\":null,\"next_followup\":\"2025-03-10\"}\n"),
		"1: id=k1 ts=2025-03-01T00:00:00Z customer=c1 channel=call stage=won "
		"next=2025-03-10T08:00:00Z reason=r amount=5\n"
		"2: id=k2 ts=2025-03-01T00:00:00Z customer=c1 channel=call next=2025-03-10T00:00:00Z\n");
}

#define J(rest) "{\"id\":\"o\",\"ts\":\"2025-03-01\",\"customer\":\"c\"" rest "}\n"

static void test_ndjson_errors(void)
{
	CHECK_STR(NDJ(TIDE_ORDERS,
		J(",\"amount\":1.23456")
		J(",\"amount\":\"1.23456\"")
		J(",\"amount\":1e3")
		J(",\"amount\":100000000000.0001")
		J(",\"amount\":1,\"cost\":-1E-2")
		J(",\"amount\":1,\"qty\":2.5")
		J(",\"amount\":1,\"qty\":2147483648")
		"{\"id\":\"o\",\"ts\":1740824520.5,\"customer\":\"c\",\"amount\":1}\n"
		"{\"id\":\"o\",\"ts\":\"2025-02-30\",\"customer\":\"c\",\"amount\":1}\n"
		"{\"id\":5,\"ts\":\"2025-03-01\",\"customer\":\"c\",\"amount\":1}\n"
		"{\"id\":\"o\",\"ts\":\"2025-03-01\",\"customer\":true,\"amount\":1}\n"
		J(",\"amount\":[1]")
		J(",\"amount\":{}")
		J(",\"amount\":1,\"sku\":7")
		J(",\"amount\":1,\"region\":{\"a\":1}")
		J(",\"amount\":1,\"region\":[]")
		J(",\"amount\":1,\"id\":\"again\"")
		J(",\"amount\":1,\"region\":\"a\",\"region\":null")
		J("")
		J(",\"amount\":null")
		"{\"id\":\"\",\"ts\":\"2025-03-01\",\"customer\":\"c\",\"amount\":1}\n"
		J(",\"amount\":1,\"unit price\":1")
		J(",\"amount\":1,\"year\":2025")
		J(",\"amount\":1,\"\":1")
		"[1]\n"
		"\"o\"\n"
		"42\n"
		"{\"id\":\n"
		"{} {}\n"
		"hello\n"
		"{\"id\":\"o\",}\n"
		J(",\"amount\":1,\"note\":\"a\\u0000b\"")
		J(",\"amount\":1,\"note\":\"a\\\\u0000b\"")
		J(",\"amount\":1,\"note\":\"\\udc00\"")
		J(",\"amount\":1,\"note\":\"\xFF\"")
		J(",\"amount\":1,\"note\":\"\0\"")),
		"in.ndjson:1: amount: '1.23456' has more than 4 fraction digits\n"
		"in.ndjson:2: amount: '1.23456' has more than 4 fraction digits\n"
		"in.ndjson:3: amount: '1e3' is not a decimal\n"
		"in.ndjson:4: amount: '100000000000.0001' is out of range\n"
		"in.ndjson:5: cost: '-1E-2' is not a decimal\n"
		"in.ndjson:6: qty: '2.5' is not an integer\n"
		"in.ndjson:7: qty: '2147483648' is out of range\n"
		"in.ndjson:8: ts: '1740824520.5' is not a timestamp " TS_HINT "\n"
		"in.ndjson:9: ts: '2025-02-30' is not a timestamp " TS_HINT "\n"
		"in.ndjson:10: id: expected a string, found a number\n"
		"in.ndjson:11: customer: expected a string, found a boolean\n"
		"in.ndjson:12: amount: expected a string or number, found an array\n"
		"in.ndjson:13: amount: expected a string or number, found an object\n"
		"in.ndjson:14: sku: expected a string, found a number\n"
		"in.ndjson:15: region: expected a string, number or boolean, found an object\n"
		"in.ndjson:16: region: expected a string, number or boolean, found an array\n"
		"in.ndjson:17: duplicate key 'id'\n"
		"in.ndjson:18: duplicate key 'region'\n"
		"in.ndjson:19: missing field 'amount'\n"
		"in.ndjson:20: missing field 'amount'\n"
		"in.ndjson:21: id: empty\n"
		"in.ndjson:22: unknown key 'unit price' (a tag name is a letter or _ then up to 63 "
		"letters, digits or _)\n"
		"in.ndjson:23: unknown key 'year' (a reserved name)\n"
		"in.ndjson:24: empty key\n"
		"in.ndjson:25: not a JSON object: found an array\n"
		"in.ndjson:26: not a JSON object: found a string\n"
		"in.ndjson:27: not a JSON object: found a number\n"
		"in.ndjson:28: not a JSON object: parse error: premature EOF\n"
		"in.ndjson:29: not a JSON object: parse error: trailing garbage\n"
		"in.ndjson:30: not a JSON object: lexical error: invalid char in json text.\n"
		"in.ndjson:31: not a JSON object: parse error: invalid object key (must be a string)\n"
		"in.ndjson:32: binary data (NUL byte)\n"
		"33: id=o ts=2025-03-01T00:00:00Z customer=c amount=1 qty=1 note=a\\u0000b\n"
		"in.ndjson:34: invalid UTF-8\n"
		"in.ndjson:35: invalid UTF-8\n"
		"in.ndjson:36: binary data (NUL byte)\n");
}

static void test_ndjson_missing_required_order(void)
{
	CHECK_STR(NDJ(TIDE_ORDERS, "{}\n{\"id\":\"o\"}\n{\"id\":\"o\",\"ts\":1,\"amount\":1}\n"),
		"in.ndjson:1: missing field 'id'\n"
		"in.ndjson:2: missing field 'ts'\n"
		"in.ndjson:3: missing field 'customer'\n");
	CHECK_STR(readstr("c.ndjson", TIDE_CONTACTS,
		"{\"id\":\"k\",\"ts\":1,\"customer\":\"c\",\"amount\":1}\n"),
		"c.ndjson:1: missing field 'channel'\n");
}

static void test_ndjson_tag_limit_and_long_line(void)
{
	char line[4096];
	size_t n = (size_t)snprintf(line, sizeof line,
		"{\"id\":\"o\",\"ts\":1,\"customer\":\"c\",\"amount\":1");
	for (int i = 1; i <= TIDE_TAGS_MAX; i++)
		n += (size_t)snprintf(line + n, sizeof line - n, ",\"t%d\":%d", i, i);
	snprintf(line + n, sizeof line - n, "}\n");
	tide_reader *r;
	tide_err e;
	tide_event ev;
	write_file("t.ndjson", line, strlen(line));
	OPEN_OR_RETURN(tide_reader_open(&r, TIDE_ORDERS, "t.ndjson", TIDE_FMT_AUTO, &e));
	CHECK(tide_reader_next(r, &ev, &e) == 1);
	CHECK(ev.ntags == TIDE_TAGS_MAX);
	CHECK(ev.tags[31].value.n == 2 && memcmp(ev.tags[31].value.p, "32", 2) == 0);
	tide_reader_close(r);
	snprintf(line + n, sizeof line - n, ",\"t33\":33}\n");
	CHECK_STR(readall("t.ndjson", TIDE_ORDERS, TIDE_FMT_AUTO, line, strlen(line)),
		  "t.ndjson:1: more than 32 tags\n");

	/* Deep nesting is refused before yajl recurses into it; brackets
	 * in strings and comments do not count. */
	size_t depth = 100000, k = 0;
	char *deep = malloc(2 * depth + 1024);
	k += (size_t)snprintf(deep, 64, "{\"id\":");
	memset(deep + k, '[', depth);
	k += depth;
	memset(deep + k, ']', depth);
	k += depth;
	k += (size_t)snprintf(deep + k, 1000, "}\n"
		"{\"id\":\"o\",\"ts\":1,\"customer\":\"c\",\"amount\":1,\"n\":\"[[[[[[[[[[[[[[[[[[[[\\\"\"}\n"
		"{\"id\":\"o\",\"ts\":1 /* [[[[[[[[[[[[[[[[[[[[ \" */,\"customer\":\"c\",\"amount\":1}\n"
		"{\"id\":\"o\",\"ts\":1,\"customer\":\"c\",\"amount\":[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]}\n"
		"{\"id\":\"o\",\"ts\":1,\"customer\":\"c\",\"amount\":[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]}\n");
	CHECK_STR(readall("t.ndjson", TIDE_ORDERS, TIDE_FMT_AUTO, deep, k),
		  "t.ndjson:1: JSON nested more than 16 levels deep\n"
		  "2: id=o ts=1970-01-01T00:00:01Z customer=c amount=1 qty=1 n=[[[[[[[[[[[[[[[[[[[[\"\n"
		  "3: id=o ts=1970-01-01T00:00:01Z customer=c amount=1 qty=1\n"
		  "t.ndjson:4: amount: expected a string or number, found an array\n"
		  "t.ndjson:5: JSON nested more than 16 levels deep\n");
	free(deep);

	/* Over the limit, then a good line. */
	static const char good[] = "{\"id\":\"o\",\"ts\":1,\"customer\":\"c\",\"amount\":1}\n";
	size_t len = TIDE_LINE_MAX + 100;
	char *s = malloc(len + 1 + sizeof good);
	memset(s, ' ', len);
	s[0] = '{';
	s[len - 1] = '}';
	s[len] = '\n';
	memcpy(s + len + 1, good, sizeof good);
	CHECK_STR(readall("t.ndjson", TIDE_ORDERS, TIDE_FMT_AUTO, s, len + sizeof good),
		  "t.ndjson:1: line longer than 1048576 bytes\n"
		  "2: id=o ts=1970-01-01T00:00:01Z customer=c amount=1 qty=1\n");
	free(s);
}

/* ---- opening ---- */

static void test_format_choice(void)
{
	static const char json[] = "{\"id\":\"o\",\"ts\":1,\"customer\":\"c\",\"amount\":1}\n";
	static const char want[] = "1: id=o ts=1970-01-01T00:00:01Z customer=c amount=1 qty=1\n";
	CHECK_STR(readall("a.jsonl", TIDE_ORDERS, TIDE_FMT_AUTO, json, sizeof json - 1), want);
	CHECK_STR(readall("a.NDJSON", TIDE_ORDERS, TIDE_FMT_AUTO, json, sizeof json - 1), want);
	CHECK_STR(readall("a.txt", TIDE_ORDERS, TIDE_FMT_NDJSON, json, sizeof json - 1), want);
	/* Anything else is CSV, where that line is a header of bad names. */
	CHECK_STR(readall("a.json", TIDE_ORDERS, TIDE_FMT_AUTO, json, sizeof json - 1),
		  "open 1: a.json:1: field 2: text after closing quote");
	static const char csv[] = OHDR "o,1,c,1\n";
	CHECK_STR(readall("a.ndjson", TIDE_ORDERS, TIDE_FMT_CSV, csv, sizeof csv - 1),
		  "2: id=o ts=1970-01-01T00:00:01Z customer=c amount=1 qty=1\n");
	/* An empty NDJSON input has no header to miss. */
	CHECK_STR(readall("a.ndjson", TIDE_ORDERS, TIDE_FMT_AUTO, "", 0), "");
}

static void test_open_errors(void)
{
	tide_reader *r = (tide_reader *)&r;	/* open must clear it */
	tide_err e;
	CHECK(tide_reader_open(&r, TIDE_ORDERS, "no-such-file.csv", TIDE_FMT_AUTO, &e) == TIDE_EIO);
	CHECK(r == NULL);
	CHECK_STR(e.msg, "no-such-file.csv: No such file or directory");
	CHECK(tide_reader_open(&r, (tide_kind)7, "x.csv", TIDE_FMT_AUTO, &e) == TIDE_EUSAGE);
	CHECK(tide_reader_open(&r, TIDE_ORDERS, "x.csv", (tide_format)9, &e) == TIDE_EUSAGE);
	/* A directory opens but cannot be read. */
	CHECK(tide_reader_open(&r, TIDE_ORDERS, ".", TIDE_FMT_CSV, &e) == TIDE_EIO);
	CHECK_STR(e.msg, ".: read error: Is a directory");
}

static void test_streams_and_stdin(void)
{
	static const char csv[] = OHDR "o1,2025-03-01,c1,1\no2,2025-03-01,c2,x\n";
	static const char json[] = "{\"id\":\"o\",\"ts\":1,\"customer\":\"c\",\"amount\":1.5}\n";
	tide_reader *r;
	tide_err e;
	tide_event ev;

	/* The stream stays the caller's: usable after the reader is gone. */
	write_file("in.csv", csv, sizeof csv - 1);
	FILE *f = fopen("in.csv", "rb");
	OPEN_OR_RETURN(tide_reader_open_stream(&r, TIDE_ORDERS, f, "spool", TIDE_FMT_AUTO, &e));
	CHECK(tide_reader_next(r, &ev, &e) == 1);
	CHECK(tide_reader_next(r, &ev, &e) == TIDE_EINPUT);
	CHECK_STR(e.msg, "spool:3: amount: 'x' is not a decimal");
	tide_reader_close(r);
	rewind(f);
	CHECK(fgetc(f) == 'i');
	fclose(f);

	write_file("in.json", json, sizeof json - 1);
	f = fopen("in.json", "rb");
	OPEN_OR_RETURN(tide_reader_open_stream(&r, TIDE_ORDERS, f, "spool", TIDE_FMT_NDJSON, &e));
	CHECK(tide_reader_next(r, &ev, &e) == 1 && ev.amount == 15000);
	CHECK(tide_reader_next(r, &ev, &e) == 0);
	tide_reader_close(r);
	fclose(f);
	CHECK(tide_reader_open_stream(&r, TIDE_ORDERS, NULL, "x", TIDE_FMT_CSV, &e) == TIDE_EUSAGE);

	/* "-" and NULL read standard input, which is called <stdin>. */
	const char *const paths[] = { "-", NULL };
	for (int i = 0; i < 2; i++) {
		CHECK(freopen("in.csv", "rb", stdin) != NULL);
		OPEN_OR_RETURN(tide_reader_open(&r, TIDE_ORDERS, paths[i], TIDE_FMT_AUTO, &e));
		CHECK(tide_reader_next(r, &ev, &e) == 1);
		CHECK(tide_reader_next(r, &ev, &e) == TIDE_EINPUT);
		CHECK_STR(e.msg, "<stdin>:3: amount: 'x' is not a decimal");
		tide_reader_close(r);
	}
	unlink("in.csv");
	unlink("in.json");
}

int main(void)
{
	char dir[] = "/tmp/tide_test_reader_XXXXXX";
	if (!mkdtemp(dir) || chdir(dir) != 0) {
		perror("temporary directory");
		return 1;
	}
	RUN(test_csv_orders);
	RUN(test_csv_column_order_and_tags);
	RUN(test_csv_contacts);
	RUN(test_csv_quoting);
	RUN(test_csv_crlf_bom_blank_lines);
	RUN(test_csv_header_errors);
	RUN(test_csv_tag_name_limits);
	RUN(test_csv_field_errors);
	RUN(test_csv_contact_field_errors);
	RUN(test_csv_row_errors);
	RUN(test_csv_unterminated_quote);
	RUN(test_csv_messages_quote_values);
	RUN(test_csv_raw_row_and_skip);
	RUN(test_csv_line_length_limit);
	RUN(test_csv_unterminated_quote_long);
	RUN(test_csv_many_rows_across_buffers);
	RUN(test_ndjson_orders);
	RUN(test_ndjson_contacts);
	RUN(test_ndjson_errors);
	RUN(test_ndjson_missing_required_order);
	RUN(test_ndjson_tag_limit_and_long_line);
	RUN(test_format_choice);
	RUN(test_open_errors);
	RUN(test_streams_and_stdin);
	if (chdir("/") != 0 || rmdir(dir) != 0)
		perror(dir);
	return run_failed;
}

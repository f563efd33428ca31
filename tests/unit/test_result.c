/* test_result.c — the result store (arena) and the four output formats,
 * byte for byte. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "result.h"

/* The output of result_write as a string (caller frees); NULL on error. */
static char *render(const tide_result *r, tide_out_format f)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	if (!m)
		return NULL;
	tide_err e;
	tide_err_clear(&e);
	int rc = result_write(r, f, m, &e);
	CHECK(rc == 0);
	fclose(m);
	if (rc) {
		free(buf);
		return NULL;
	}
	return buf;
}

#define CHECK_OUT(r, f, want) do { \
	char *got__ = render((r), (f)); \
	CHECK_STR(got__, (want)); \
	free(got__); \
} while (0)

static value dur(int64_t n, cal_unit u)
{
	value v = val_null();
	v.type = VAL_DUR;
	v.dur.n = n;
	v.dur.unit = u;
	return v;
}

static value str(const char *s)
{
	return val_str(s, (uint32_t)strlen(s));
}

static char *const cols[] = {
	"customer", "revenue", "orders", "share", "active", "first", "note", "win"
};

/* Three rows covering every type, nulls, quoting and escaping.  The strings
 * come from a scratch buffer that is overwritten after each append, so the
 * output also proves the result copied them. */
static tide_result *sample(void)
{
	tide_result *r;
	tide_err e;
	tide_err_clear(&e);
	if (result_new(&r, 8, cols, &e) != 0)
		return NULL;
	char scratch[3][64];
	value rows[3][8] = {
		{ val_null(), val_money(125000), val_int(3), val_real(0.25), val_bool(true),
		  val_ts(1740824520), val_null(), dur(90, CAL_DAY) },
		{ val_null(), val_money(-3000), val_int(10), val_real(-1e-7), val_bool(false),
		  val_null(), val_null(), val_null() },
		{ val_null(), val_money(-40), val_null(), val_real(1.0 / 3), val_null(),
		  val_ts(0), val_str("", 0), dur(6, CAL_MONTH) },
	};
	const char *customers[3] = { "c1", "c2", "Zo\xc3\xab" };
	const char *notes[2] = { "say \"hi\", bye", "line1\nline2" };
	for (int i = 0; i < 3; i++) {
		strcpy(scratch[0], customers[i]);
		rows[i][0] = str(scratch[0]);
		if (i < 2) {
			strcpy(scratch[1], notes[i]);
			rows[i][6] = str(scratch[1]);
		}
		CHECK(result_append(r, rows[i], &e) == 0);
		memset(scratch, 'X', sizeof scratch);
	}
	return r;
}

static void test_text(void)
{
	tide_result *r = sample();
	CHECK_OUT(r, TIDE_OUT_TEXT,
		  "customer  revenue  orders     share  active  first                 note           win\n"
		  "--------  -------  ------  --------  ------  --------------------  -------------  ---\n"
		  "c1          12.50       3  0.250000  true    2025-03-01T10:22:00Z  say \"hi\", bye  90d\n"
		  "c2          -0.30      10  0.000000  false                         line1\\nline2\n"
		  "Zo\xc3\xab          0.00          0.333333          1970-01-01T00:00:00Z                 6mo\n"
		  "(3 rows)\n");
	tide_result_free(r);
}

static void test_csv(void)
{
	tide_result *r = sample();
	CHECK_OUT(r, TIDE_OUT_CSV,
		  "customer,revenue,orders,share,active,first,note,win\n"
		  "c1,12.50,3,0.250000,true,2025-03-01T10:22:00Z,\"say \"\"hi\"\", bye\",90d\n"
		  "c2,-0.30,10,0.000000,false,,\"line1\nline2\",\n"
		  "Zo\xc3\xab,0.00,,0.333333,,1970-01-01T00:00:00Z,\"\",6mo\n");
	tide_result_free(r);
}

static void test_json(void)
{
	tide_result *r = sample();
	CHECK_OUT(r, TIDE_OUT_JSON,
		  "[\n"
		  "{\"customer\":\"c1\",\"revenue\":12.50,\"orders\":3,\"share\":0.25,\"active\":true,"
		  "\"first\":\"2025-03-01T10:22:00Z\",\"note\":\"say \\\"hi\\\", bye\",\"win\":\"90d\"},\n"
		  "{\"customer\":\"c2\",\"revenue\":-0.30,\"orders\":10,\"share\":-1e-07,\"active\":false,"
		  "\"first\":null,\"note\":\"line1\\nline2\",\"win\":null},\n"
		  "{\"customer\":\"Zo\xc3\xab\",\"revenue\":0.00,\"orders\":null,\"share\":0.3333333333333333,"
		  "\"active\":null,\"first\":\"1970-01-01T00:00:00Z\",\"note\":\"\",\"win\":\"6mo\"}\n"
		  "]\n");
	tide_result_free(r);
}

static void test_ndjson(void)
{
	tide_result *r = sample();
	CHECK_OUT(r, TIDE_OUT_NDJSON,
		  "{\"customer\":\"c1\",\"revenue\":12.50,\"orders\":3,\"share\":0.25,\"active\":true,"
		  "\"first\":\"2025-03-01T10:22:00Z\",\"note\":\"say \\\"hi\\\", bye\",\"win\":\"90d\"}\n"
		  "{\"customer\":\"c2\",\"revenue\":-0.30,\"orders\":10,\"share\":-1e-07,\"active\":false,"
		  "\"first\":null,\"note\":\"line1\\nline2\",\"win\":null}\n"
		  "{\"customer\":\"Zo\xc3\xab\",\"revenue\":0.00,\"orders\":null,\"share\":0.3333333333333333,"
		  "\"active\":null,\"first\":\"1970-01-01T00:00:00Z\",\"note\":\"\",\"win\":\"6mo\"}\n");
	tide_result_free(r);
}

static void test_empty(void)
{
	tide_result *r;
	tide_err e;
	char *const names[] = { "customer", "revenue" };
	CHECK(result_new(&r, 2, names, &e) == 0);
	CHECK_OUT(r, TIDE_OUT_TEXT, "customer  revenue\n--------  -------\n(0 rows)\n");
	CHECK_OUT(r, TIDE_OUT_CSV, "customer,revenue\n");
	CHECK_OUT(r, TIDE_OUT_JSON, "[]\n");
	CHECK_OUT(r, TIDE_OUT_NDJSON, "");
	tide_result_free(r);
}

static void test_one_row(void)
{
	tide_result *r;
	tide_err e;
	char *const names[] = { "n", "revenue", "x" };
	CHECK(result_new(&r, 3, names, &e) == 0);
	value row[3] = { val_int(-5), val_money(10050), val_null() };
	CHECK(result_append(r, row, &e) == 0);
	/* the header of a numeric column is right-aligned */
	CHECK_OUT(r, TIDE_OUT_TEXT, " n  revenue  x\n--  -------  -\n-5     1.01\n(1 row)\n");
	CHECK_OUT(r, TIDE_OUT_CSV, "n,revenue,x\n-5,1.01,\n");
	CHECK_OUT(r, TIDE_OUT_JSON, "[\n{\"n\":-5,\"revenue\":1.01,\"x\":null}\n]\n");
	tide_result_free(r);
}

static void test_money_and_reals(void)
{
	tide_result *r;
	tide_err e;
	char *const names[] = { "m", "r" };
	CHECK(result_new(&r, 2, names, &e) == 0);
	value avg = val_money(100000);
	avg.m.den = 3;			/* 10.00 / 3 */
	value rows[][2] = {
		{ val_money(-10050), val_real(-0.0) },
		{ avg, val_real(1e21) },
		{ val_money(-40), val_real(0.1) },
		{ val_money(0), val_real(NAN) },
		{ val_money(INT64_C(-1000000000000000)), val_real(-INFINITY) },
		{ val_money(5), val_real(123456.0000005) },
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
		CHECK(result_append(r, rows[i], &e) == 0);
	CHECK_OUT(r, TIDE_OUT_CSV,
		  "m,r\n"
		  "-1.01,0.000000\n"
		  "3.33,1000000000000000000000.000000\n"
		  "0.00,0.100000\n"
		  "0.00,nan\n"
		  "-100000000000.00,-inf\n"
		  "0.00,123456.000001\n");
	CHECK_OUT(r, TIDE_OUT_NDJSON,
		  "{\"m\":-1.01,\"r\":0}\n"
		  "{\"m\":3.33,\"r\":1e+21}\n"
		  "{\"m\":0.00,\"r\":0.1}\n"
		  "{\"m\":0.00,\"r\":null}\n"
		  "{\"m\":-100000000000.00,\"r\":null}\n"
		  "{\"m\":0.00,\"r\":123456.0000005}\n");
	tide_result_free(r);
}

static void test_json_escapes(void)
{
	tide_result *r;
	tide_err e;
	char *const names[] = { "a\"b", "tab\there" };
	CHECK(result_new(&r, 2, names, &e) == 0);
	value row[2] = {
		str("\\ \x01\x1f\b\f\r\t\x7f \xe2\x9c\x93 \xf0\x9f\x98\x80"),
		str("bad \xff \xc3 \xed\xa0\x80 end"),
	};
	CHECK(result_append(r, row, &e) == 0);
	CHECK_OUT(r, TIDE_OUT_NDJSON,
		  "{\"a\\\"b\":\"\\\\ \\u0001\\u001f\\b\\f\\r\\t\x7f \xe2\x9c\x93 \xf0\x9f\x98\x80\","
		  "\"tab\\there\":\"bad \\ufffd \\ufffd \\ufffd\\ufffd\\ufffd end\"}\n");
	CHECK_OUT(r, TIDE_OUT_CSV,
		  "\"a\"\"b\",tab\there\n"
		  "\"\\ \x01\x1f\b\f\r\t\x7f \xe2\x9c\x93 \xf0\x9f\x98\x80\","
		  "bad \xff \xc3 \xed\xa0\x80 end\n");
	tide_result_free(r);
}

static void test_text_escapes(void)
{
	tide_result *r;
	tide_err e;
	char *const names[] = { "s", "t" };
	CHECK(result_new(&r, 2, names, &e) == 0);
	value row1[2] = { str("a\tb\x01"), str("x") };
	value row2[2] = { str("\xe2\x9c\x93"), str("trail  ") };
	CHECK(result_append(r, row1, &e) == 0);
	CHECK(result_append(r, row2, &e) == 0);
	/* escapes count in the width; data spaces are kept, padding is not */
	CHECK_OUT(r, TIDE_OUT_TEXT,
		  "s         t\n"
		  "--------  -------\n"
		  "a\\tb\\x01  x\n"
		  "\xe2\x9c\x93         trail  \n"
		  "(2 rows)\n");
	tide_result_free(r);
}

static void set_plan(tide_result *r, const char *text)
{
	r->text = strdup(text);
}

static void test_explain(void)
{
	tide_result *r;
	tide_err e;
	CHECK(result_new(&r, 0, NULL, &e) == 0);
	set_plan(r, "scan orders by_ts [2025-01-01, 2025-04-01)\n"
		    "  group \"customer\"\n"
		    "\n"
		    "  est. 1200 rows");
	CHECK_OUT(r, TIDE_OUT_TEXT,
		  "scan orders by_ts [2025-01-01, 2025-04-01)\n"
		  "  group \"customer\"\n"
		  "\n"
		  "  est. 1200 rows\n");
	CHECK_OUT(r, TIDE_OUT_CSV,
		  "plan\n"
		  "\"scan orders by_ts [2025-01-01, 2025-04-01)\"\n"
		  "\"  group \"\"customer\"\"\"\n"
		  "\"\"\n"
		  "  est. 1200 rows\n");
	CHECK_OUT(r, TIDE_OUT_JSON,
		  "{\"plan\":\"scan orders by_ts [2025-01-01, 2025-04-01)\\n"
		  "  group \\\"customer\\\"\\n\\n  est. 1200 rows\"}\n");
	CHECK_OUT(r, TIDE_OUT_NDJSON,
		  "{\"plan\":\"scan orders by_ts [2025-01-01, 2025-04-01)\\n"
		  "  group \\\"customer\\\"\\n\\n  est. 1200 rows\"}\n");
	tide_result_free(r);

	/* a plan ending in a newline: text unchanged, no empty CSV row; the
	 * text wins over any rows */
	char *const names[] = { "x" };
	CHECK(result_new(&r, 1, names, &e) == 0);
	value row[1] = { val_int(1) };
	CHECK(result_append(r, row, &e) == 0);
	set_plan(r, "one\ntwo\n");
	CHECK_OUT(r, TIDE_OUT_TEXT, "one\ntwo\n");
	CHECK_OUT(r, TIDE_OUT_CSV, "plan\none\ntwo\n");
	CHECK_OUT(r, TIDE_OUT_JSON, "{\"plan\":\"one\\ntwo\\n\"}\n");
	tide_result_free(r);
}

static void test_arena(void)
{
	tide_result *r;
	tide_err e;
	char *const names[] = { "id", "s" };
	CHECK(result_new(&r, 2, names, &e) == 0);
	char buf[200000];
	const char *first = NULL;
	/* enough rows to grow the cells and fill several chunks, with one
	 * string bigger than a chunk */
	for (int i = 0; i < 5000; i++) {
		size_t n = i == 2500 ? sizeof buf - 1 : (size_t)snprintf(buf, 64, "row-%d", i);
		if (i == 2500)
			memset(buf, 'b', n);
		value row[2] = { val_int(i), val_str(buf, (uint32_t)n) };
		CHECK(result_append(r, row, &e) == 0);
		if (i == 0)
			first = result_row(r, 0)[1].s.p;
		memset(buf, 'Z', 64);
	}
	CHECK(r->nrows == 5000);
	CHECK(result_row(r, 0)[1].s.p == first);
	CHECK_STR(result_row(r, 0)[1].s.p, "row-0");
	CHECK_STR(result_row(r, 4999)[1].s.p, "row-4999");
	CHECK(result_row(r, 1234)[0].i == 1234);
	CHECK(result_row(r, 1234)[1].s.n == 8);
	CHECK(memcmp(result_row(r, 1234)[1].s.p, "row-1234", 8) == 0);
	value big = result_row(r, 2500)[1];
	CHECK(big.s.n == sizeof buf - 1 && big.s.p[0] == 'b' && big.s.p[big.s.n - 1] == 'b');
	CHECK_STR(result_row(r, 2501)[1].s.p, "row-2501");
	tide_result_free(r);
	tide_result_free(NULL);
}

static void test_errors(void)
{
	tide_result *r;
	tide_err e;
	tide_err_clear(&e);
	CHECK(result_new(&r, -1, NULL, &e) == TIDE_EUSAGE);
	CHECK(result_new(&r, 1, cols, &e) == 0);
	tide_err_clear(&e);
	CHECK(result_write(r, (tide_out_format)99, stdout, &e) == TIDE_EUSAGE);
	FILE *full = fopen("/dev/full", "w");
	if (full) {
		value row[1] = { str("x") };
		CHECK(result_append(r, row, &e) == 0);
		tide_err_clear(&e);
		CHECK(tide_result_write(r, TIDE_OUT_CSV, full, &e) == TIDE_EIO);
		CHECK(e.code == TIDE_EIO);
		fclose(full);
	}
	tide_result_free(r);
}

/* Rows (score int, name string) appended in a fixed shuffled order; the
 * order is score descending, ties in arrival order. */
static tide_result *scored_rows(size_t keep, size_t n)
{
	static const bool desc[] = {true};
	char *names[] = {"score", "name"};
	tide_result *r;
	tide_err e;
	CHECK(result_new(&r, 2, names, &e) == 0);
	result_order o = {0, 1, desc};
	if (keep != SIZE_MAX)
		CHECK(result_keep_first(r, &o, keep, &e) == 0);
	for (size_t i = 0; i < n; i++) {
		char name[32];
		snprintf(name, sizeof name, "r%zu", i);
		value row[2] = {val_int((int64_t)((i * 7919) % 13)), val_str(name, (uint32_t)strlen(name))};
		CHECK(result_append(r, row, &e) == 0);
	}
	return r;
}

/* "score:name ..." of the first `limit` rows in order. */
static char *ordered(const tide_result *r, size_t limit)
{
	static const bool desc[] = {true};
	result_order o = {0, 1, desc};
	size_t *idx, n;
	tide_err e;
	CHECK(result_order_rows(r, &o, limit, &idx, &n, &e) == 0);
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	for (size_t i = 0; i < n; i++) {
		const value *row = result_row(r, idx[i]);
		fprintf(m, "%lld:%s ", (long long)row[0].i, row[1].s.p);
	}
	fclose(m);
	free(idx);
	return buf;
}

/* Keeping the first k as rows arrive gives exactly what sorting all of them
 * and cutting at k gives, ties included (13 scores over 200 rows). */
static void test_keep_first_equals_sort_and_limit(void)
{
	tide_result *all = scored_rows(SIZE_MAX, 200);
	size_t ks[] = {1, 5, 13, 16, 50, 199, 200, 300};
	for (size_t j = 0; j < sizeof ks / sizeof ks[0]; j++) {
		tide_result *kept = scored_rows(ks[j], 200);
		CHECK(kept->nrows == (ks[j] < 200 ? ks[j] : 200));
		char *want = ordered(all, ks[j]), *got = ordered(kept, SIZE_MAX);
		CHECK_STR(got, want);
		free(want);
		free(got);
		tide_result_free(kept);
	}
	char *top3 = ordered(all, 3);
	CHECK_STR(top3, "12:r6 12:r19 12:r32 ");	/* ties: the earlier first */
	free(top3);
	tide_result_free(all);
}

static void test_keep_none(void)
{
	tide_result *r = scored_rows(0, 10);
	CHECK(r->nrows == 0);
	char *s = ordered(r, SIZE_MAX);
	CHECK_STR(s, "");
	free(s);
	tide_result_free(r);
}

/* With no ORDER BY values, keeping the first k keeps the first k to arrive,
 * in arrival order. */
static void test_keep_first_unordered(void)
{
	char *names[] = {"n"};
	tide_result *r;
	tide_err e;
	CHECK(result_new(&r, 1, names, &e) == 0);
	result_order none = {0, 0, NULL};
	CHECK(result_keep_first(r, &none, 3, &e) == 0);
	for (int i = 0; i < 10; i++) {
		value v = val_int(9 - i);
		CHECK(result_append(r, &v, &e) == 0);
	}
	size_t *idx, n;
	CHECK(result_order_rows(r, &none, SIZE_MAX, &idx, &n, &e) == 0);
	CHECK(n == 3 && result_row(r, idx[0])[0].i == 9 && result_row(r, idx[1])[0].i == 8 &&
	      result_row(r, idx[2])[0].i == 7);
	free(idx);
	tide_result_free(r);
}

int main(void)
{
	RUN(test_text);
	RUN(test_csv);
	RUN(test_json);
	RUN(test_ndjson);
	RUN(test_empty);
	RUN(test_one_row);
	RUN(test_money_and_reals);
	RUN(test_json_escapes);
	RUN(test_text_escapes);
	RUN(test_explain);
	RUN(test_arena);
	RUN(test_errors);
	RUN(test_keep_first_equals_sort_and_limit);
	RUN(test_keep_none);
	RUN(test_keep_first_unordered);
	return run_failed;
}

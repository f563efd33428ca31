/* test_rowpipe.c — the reading thread hands over every row the reader
 * gives, in order and intact, bad rows included, across many blocks; then
 * the end of the input, or the reader's final error after the rows before
 * it; and it can be closed mid-input.  Each event carries the key the
 * pipe's function gave it. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "rowpipe.h"

enum { ROWS = 50000, LONG_TAG = 300 * 1024 };

/* A CSV of ROWS orders: every 7th row has a bad amount, and the middle row is
 * bad for a note of LONG_TAG bytes, more than a block's first arena holds. */
static bool bad_amount(int i)
{
	return i % 7 == 0 && i != ROWS / 2;
}

static char *make_csv(size_t *len)
{
	size_t cap = (size_t)ROWS * 64 + LONG_TAG + 256, n = 0;
	char *s = malloc(cap);
	if (!s)
		return NULL;
	n += (size_t)sprintf(s + n, "id,ts,customer,amount,note\n");
	for (int i = 0; i < ROWS; i++) {
		n += (size_t)sprintf(s + n, "o%d,%d,c%d,%s,", i, 1700000000 + i, i % 97, bad_amount(i) ? "x" : "1.50");
		if (i == ROWS / 2) {
			memset(s + n, 'v', LONG_TAG);
			n += LONG_TAG;
		} else {
			n += (size_t)sprintf(s + n, "n%d", i);
		}
		s[n++] = '\n';
	}
	*len = n;
	return s;
}

/* The check each row carries: the number in its id ("o123": 123) as its
 * hash, computed on the reading thread, with the argument given. */
static void id_number(void *arg, const tide_event *ev, bool consumer_idle, store_idcheck *out)
{
	(void)consumer_idle;	/* either way, the answer is this function's */
	uint64_t n = 0;
	for (size_t i = 1; i < ev->id.n; i++)
		n = n * 10 + (uint64_t)(ev->id.p[i] - '0');
	*out = (store_idcheck){n, *(const uint32_t *)arg, STORE_ID_ABSENT};
}

static const uint32_t check_arg = 7;

static rowpipe *open_pipe(FILE *f, tide_err *e)
{
	tide_reader *r;
	rowpipe *p = NULL;
	if (tide_reader_open_stream(&r, TIDE_ORDERS, f, "orders.csv", TIDE_FMT_CSV, e) == 0)
		CHECK(rowpipe_open(&p, r, id_number, (void *)&check_arg, e) == 0);
	CHECK(p != NULL);
	return p;
}

/* A pipe reading make_csv's text from a stream *f over *csv; NULL when out
 * of memory.  finish() closes what it opened, in either case. */
static rowpipe *open_csv_pipe(char **csv, FILE **f, tide_err *e)
{
	size_t len;
	*csv = make_csv(&len);
	*f = *csv ? fmemopen(*csv, len, "r") : NULL;
	CHECK(*f != NULL);
	return *f ? open_pipe(*f, e) : NULL;
}

static void finish(rowpipe *p, FILE *f, char *csv)
{
	rowpipe_close(p);
	if (f)
		fclose(f);
	free(csv);
}

/* Checks row i as the reader would have given it. */
static void check_row(const rowpipe_row *row, int i)
{
	char want[64];
	if (i == ROWS / 2) {
		snprintf(want, sizeof want, "orders.csv:%d: note:", i + 2);
		CHECK(row->rc == TIDE_EINPUT && strncmp(row->msg, want, strlen(want)) == 0);
		snprintf(want, sizeof want, "o%d,%d,c%d,1.50,", i, 1700000000 + i, i % 97);
		CHECK(row->rc && row->text_len == strlen(want) + LONG_TAG &&
		      memcmp(row->text, want, strlen(want)) == 0 && row->text[row->text_len - 1] == 'v');
		return;
	}
	if (bad_amount(i)) {
		CHECK(row->rc == TIDE_EINPUT);
		snprintf(want, sizeof want, "orders.csv:%d: amount:", i + 2);
		CHECK(row->rc && strncmp(row->msg, want, strlen(want)) == 0);
		snprintf(want, sizeof want, "o%d,%d,c%d,x,n%d", i, 1700000000 + i, i % 97, i);
		CHECK(row->rc && row->text_len == strlen(want) && memcmp(row->text, want, row->text_len) == 0);
		return;
	}
	CHECK(row->rc == 0);
	if (row->rc)
		return;
	const tide_event *ev = &row->ev;
	snprintf(want, sizeof want, "o%d", i);
	CHECK(ev->id.n == strlen(want) && memcmp(ev->id.p, want, ev->id.n) == 0);
	CHECK(row->id.hash == (uint64_t)i && row->id.seq == check_arg);
	snprintf(want, sizeof want, "c%d", i % 97);
	CHECK(ev->customer.n == strlen(want) && memcmp(ev->customer.p, want, ev->customer.n) == 0);
	CHECK(ev->ts == 1700000000 + i && ev->amount == 15000);
	CHECK(ev->ntags == 1);
	if (ev->ntags != 1)
		return;
	CHECK(ev->tags[0].name.n == 4 && memcmp(ev->tags[0].name.p, "note", 4) == 0);
	snprintf(want, sizeof want, "n%d", i);
	CHECK(ev->tags[0].value.n == strlen(want) && memcmp(ev->tags[0].value.p, want, strlen(want)) == 0);
}

static void test_every_row_in_order(void)
{
	char *csv;
	FILE *f;
	tide_err e;
	rowpipe *p = open_csv_pipe(&csv, &f, &e);
	int seen = 0, blocks = 0, rc = -1;
	const rowpipe_row *rows;
	size_t n;
	while (p && (rc = rowpipe_next(p, &rows, &n, &e)) == 1) {
		blocks++;
		CHECK(n > 0);
		for (size_t j = 0; j < n; j++)
			check_row(&rows[j], seen++);
	}
	CHECK(p && rc == 0);
	CHECK(seen == ROWS);
	CHECK(blocks > 4);	/* more blocks than the pipe holds at once */
	CHECK(p && rowpipe_next(p, &rows, &n, &e) == 0);	/* the end stays the end */
	finish(p, f, csv);
}

/* A stream that gives its text, then fails. */
typedef struct failing {
	const char *text;
	size_t len, at;
} failing;

static ssize_t failing_read(void *cookie, char *buf, size_t size)
{
	failing *s = cookie;
	if (s->at == s->len) {
		errno = EIO;
		return -1;
	}
	size_t n = s->len - s->at < size ? s->len - s->at : size;
	memcpy(buf, s->text + s->at, n);
	s->at += n;
	return (ssize_t)n;
}

/* The reader reads ~1 MB at a time: the stream gives it more than that, so
 * that rows come before the error. */
static void test_final_error_after_rows(void)
{
	size_t len;
	char *csv = make_csv(&len);
	failing s = {csv, len, 0};
	FILE *f = csv ? fopencookie(&s, "r", (cookie_io_functions_t){.read = failing_read}) : NULL;
	CHECK(f != NULL);
	if (!f) {
		free(csv);
		return;
	}
	tide_err e;
	rowpipe *p = open_pipe(f, &e);
	const rowpipe_row *rows;
	size_t n, got = 0;
	int rc = -1;
	while (p && (rc = rowpipe_next(p, &rows, &n, &e)) == 1)
		got += n;
	CHECK(got > 0 && got < ROWS);
	CHECK(p && rc == TIDE_EIO && e.code == TIDE_EIO && strstr(e.msg, "read error") != NULL);
	finish(p, f, csv);
}

/* Closing after one block stops a reader that is waiting for room. */
static void test_close_mid_input(void)
{
	char *csv;
	FILE *f;
	tide_err e;
	rowpipe *p = open_csv_pipe(&csv, &f, &e);
	const rowpipe_row *rows;
	size_t n;
	CHECK(p && rowpipe_next(p, &rows, &n, &e) == 1);
	finish(p, f, csv);
}

int main(void)
{
	RUN(test_every_row_in_order);
	RUN(test_final_error_after_rows);
	RUN(test_close_mid_input);
	return run_failed;
}

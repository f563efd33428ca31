/* Unit tests of custindex.c: the customer index as blocks, written appended
 * into an empty table, forward in time and back in time, and walked back. */
#include "check.h"
#include "scratchenv.h"
#include "testrand.h"
#include "custindex.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "timefmt.h"

static scratchenv scratch;

static void test_entries_order_by_time(void)
{
	uint8_t a[CUSTINDEX_ENTRY], b[CUSTINDEX_ENTRY], c[CUSTINDEX_ENTRY], d[CUSTINDEX_ENTRY];
	custindex_entry_encode(-5, 9, a);
	custindex_entry_encode(3, 1, b);
	custindex_entry_encode(3, 2, c);
	custindex_entry_encode(TIDE_TS_MAX, UINT32_MAX, d);
	CHECK(memcmp(a, b, CUSTINDEX_ENTRY) < 0 && memcmp(b, c, CUSTINDEX_ENTRY) < 0 &&
	      memcmp(c, d, CUSTINDEX_ENTRY) < 0);
	int64_t ts;
	uint64_t seq;
	custindex_entry_decode(a, &ts, &seq);
	CHECK(ts == -5 && seq == 9);
	custindex_entry_decode(d, &ts, &seq);
	CHECK(ts == TIDE_TS_MAX && seq == UINT32_MAX);
}

/* What the index should hold: each customer's (ts, seq), as ts << 32 | seq
 * (the tests' times are small), in the order they were added. */
enum { CUSTOMERS = 40, MAX_EACH = 3000 };

typedef struct model {
	uint64_t v[CUSTOMERS + 1][MAX_EACH];
	size_t n[CUSTOMERS + 1];
} model;

static model want;
static uint32_t next_seq;

/* Puts k new entries of customer c, with times in [lo, hi), through w. */
static void put_some(custindex_writer *w, uint32_t c, size_t k, int64_t lo, int64_t hi)
{
	static uint64_t add[MAX_EACH];
	static uint8_t enc[MAX_EACH * CUSTINDEX_ENTRY];
	CHECK(want.n[c] + k <= MAX_EACH);
	for (size_t i = 0; i < k; i++)
		add[i] = (uint64_t)(lo + (int64_t)(testrand_next() % (uint64_t)(hi - lo))) << 32 | ++next_seq;
	qsort(add, k, sizeof *add, testrand_by_value);
	for (size_t i = 0; i < k; i++) {
		custindex_entry_encode((int64_t)(add[i] >> 32), (uint32_t)add[i], enc + i * CUSTINDEX_ENTRY);
		want.v[c][want.n[c]++] = add[i];
	}
	CHECK(custindex_put(w, c, enc, k) == 0);
}

/* Customer c's entries from `from` on, walked, are the model's. */
static void check_walk(MDB_cursor *cur, uint32_t c, int64_t from)
{
	static uint64_t sorted[MAX_EACH];
	memcpy(sorted, want.v[c], want.n[c] * sizeof *sorted);
	qsort(sorted, want.n[c], sizeof *sorted, testrand_by_value);
	size_t i = 0;
	while (i < want.n[c] && (int64_t)(sorted[i] >> 32) < from)
		i++;
	custindex_iter it;
	custindex_iter_start(&it, cur, NULL, c, from);
	int64_t ts;
	uint64_t seq;
	int rc;
	while ((rc = custindex_next(&it, &ts, &seq)) == 1) {
		CHECK(i < want.n[c] && ts == (int64_t)(sorted[i] >> 32) && seq == (uint32_t)sorted[i]);
		i++;
	}
	CHECK(rc == 0 && i == want.n[c]);
	CHECK(custindex_next(&it, &ts, &seq) == 0);	/* and stays at the end */
}

/* Every block is as written (key: customer, first entry; 1..CAP entries)
 * and full unless it is its customer's last. */
static void check_blocks(MDB_cursor *cur)
{
	MDB_val k, v;
	uint32_t prev_customer = 0;
	bool prev_full = true;
	size_t blocks = 0;
	int rc;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		const uint8_t *key = k.mv_data;
		uint32_t c = (uint32_t)key[0] << 24 | (uint32_t)key[1] << 16 | (uint32_t)key[2] << 8 | key[3];
		size_t n = v.mv_size / CUSTINDEX_ENTRY;
		CHECK(k.mv_size == CUSTINDEX_KEY && v.mv_size % CUSTINDEX_ENTRY == 0);
		CHECK(n >= 1 && n <= CUSTINDEX_CAP && memcmp(key + 4, v.mv_data, CUSTINDEX_ENTRY) == 0);
		if (blocks && c == prev_customer)
			CHECK(prev_full);
		prev_customer = c;
		prev_full = n == CUSTINDEX_CAP;
		blocks++;
	}
	CHECK(rc == MDB_NOTFOUND);
}

static void check_all(MDB_cursor *cur)
{
	check_blocks(cur);
	for (uint32_t c = 1; c <= CUSTOMERS; c++) {
		check_walk(cur, c, INT64_MIN);
		check_walk(cur, c, (int64_t)(testrand_next() % 2000000));
		check_walk(cur, c, INT64_MAX);	/* nothing is that late */
	}
}

/* A bulk load into the empty table, then batches that go forward in time
 * (filling each customer's last block), then batches that go back (merged
 * among the entries there), with customers skipped, new, small and larger
 * than a block. */
static void test_batches_forward_and_back(void)
{
	MDB_dbi dbi = scratchenv_open(&scratch, 64u << 20, "o_cust", 0);
	memset(&want, 0, sizeof want);
	MDB_cursor *cur;
	CHECK(mdb_cursor_open(scratch.txn, dbi, &cur) == 0);
	custindex_writer w = {.cur = cur, .append = true};
	for (uint32_t c = 2; c <= CUSTOMERS; c += 2)
		put_some(&w, c, c == 10 ? 500 : 1 + testrand_next() % 30, 0, 100000);
	check_all(cur);
	w.append = false;
	for (int batch = 0; batch < 6; batch++) {
		int64_t lo = 100000 * (batch + 1);
		for (uint32_t c = 1 + (uint32_t)batch % 3; c <= CUSTOMERS; c += 1 + (uint32_t)batch % 3)
			put_some(&w, c, c == 7 ? 250 : 1 + testrand_next() % 60, lo, lo + 100000);
		check_all(cur);
	}
	for (int batch = 0; batch < 4; batch++) {
		for (uint32_t c = 1; c <= CUSTOMERS; c += 1 + (uint32_t)batch)
			put_some(&w, c, 1 + testrand_next() % (c == 10 ? 300 : 40), 0, 800000);
		check_all(cur);
	}
	custindex_writer_free(&w);
	mdb_cursor_close(cur);
	scratchenv_remove(&scratch);
}

/* An entry already in the index, or a block not as written, is refused. */
static void test_corruption_is_refused(void)
{
	MDB_dbi dbi = scratchenv_open(&scratch, 16u << 20, "o_cust", 0);
	MDB_cursor *cur;
	CHECK(mdb_cursor_open(scratch.txn, dbi, &cur) == 0);
	custindex_writer w = {.cur = cur};
	uint8_t e[2 * CUSTINDEX_ENTRY];
	custindex_entry_encode(100, 1, e);
	custindex_entry_encode(200, 2, e + CUSTINDEX_ENTRY);
	CHECK(custindex_put(&w, 5, e, 2) == 0);
	CHECK(custindex_put(&w, 5, e + CUSTINDEX_ENTRY, 1) == TIDE_ECORRUPT);	/* its last */
	CHECK(custindex_put(&w, 5, e, 1) == TIDE_ECORRUPT);	/* inside, found by the merge */
	/* customer 6's block: a key whose entry is not the first */
	uint8_t key[CUSTINDEX_KEY] = {0, 0, 0, 6};
	custindex_entry_encode(50, 3, key + 4);
	MDB_val k = {sizeof key, key}, v = {CUSTINDEX_ENTRY, e};
	CHECK(mdb_put(scratch.txn, dbi, &k, &v, 0) == 0);
	custindex_iter it;
	custindex_iter_start(&it, cur, NULL, 6, INT64_MIN);
	int64_t ts;
	uint64_t seq;
	CHECK(custindex_next(&it, &ts, &seq) == TIDE_ECORRUPT);
	/* and one of a size no block has */
	v.mv_size = CUSTINDEX_ENTRY + 1;
	memcpy(key + 4, e, CUSTINDEX_ENTRY);
	CHECK(mdb_put(scratch.txn, dbi, &k, &v, 0) == 0);
	CHECK(custindex_put(&w, 6, e + CUSTINDEX_ENTRY, 1) == TIDE_ECORRUPT);
	custindex_writer_free(&w);
	mdb_cursor_close(cur);
	scratchenv_remove(&scratch);
}

/* A walk through a base and a recent table merges the two in time order,
 * from a time on, and refuses an entry found in both. */
static void test_walk_merges_base_and_recent(void)
{
	MDB_dbi base = scratchenv_open(&scratch, 16u << 20, "o_cust", 0), recent;
	CHECK(mdb_dbi_open(scratch.txn, "o_cust_new", MDB_CREATE, &recent) == 0);
	MDB_cursor *cur[2];
	CHECK(mdb_cursor_open(scratch.txn, base, &cur[0]) == 0 && mdb_cursor_open(scratch.txn, recent, &cur[1]) == 0);
	custindex_writer w[2] = {{.cur = cur[0]}, {.cur = cur[1]}};
	/* customer 3's times 0..599 (seq = time + 1) go to the base or the
	 * recent table at random, 300 in a row at most per put */
	uint8_t e[2][600 * CUSTINDEX_ENTRY];
	size_t n[2] = {0, 0};
	for (int64_t t = 0; t < 600; t++) {
		int to = (int)(testrand_next() % 2);
		custindex_entry_encode(t, (uint64_t)t + 1, e[to] + n[to]++ * CUSTINDEX_ENTRY);
	}
	for (int i = 0; i < 2; i++)
		CHECK(custindex_put(&w[i], 3, e[i], n[i]) == 0);
	uint8_t other[CUSTINDEX_ENTRY];
	custindex_entry_encode(5, 1000, other);
	CHECK(custindex_put(&w[1], 4, other, 1) == 0);	/* the next customer's */
	int64_t from[] = {INT64_MIN, 0, 17, 599, 600};
	for (size_t f = 0; f < sizeof from / sizeof *from; f++) {
		custindex_iter it;
		custindex_iter_start(&it, cur[0], cur[1], 3, from[f]);
		int64_t ts, want_ts = from[f] < 0 ? 0 : from[f];
		uint64_t seq;
		int rc;
		while ((rc = custindex_next(&it, &ts, &seq)) == 1) {
			CHECK(ts == want_ts && seq == (uint64_t)want_ts + 1);
			want_ts++;
		}
		CHECK(rc == 0 && want_ts == 600);
	}
	CHECK(custindex_put(&w[1], 3, e[0], 1) == 0);	/* the base's first, again in the recent */
	custindex_iter it;
	custindex_iter_start(&it, cur[0], cur[1], 3, INT64_MIN);
	int64_t ts;
	uint64_t seq;
	int rc;
	while ((rc = custindex_next(&it, &ts, &seq)) == 1)
		;
	CHECK(rc == TIDE_ECORRUPT);
	for (int i = 0; i < 2; i++) {
		custindex_writer_free(&w[i]);
		mdb_cursor_close(cur[i]);
	}
	scratchenv_remove(&scratch);
}

int main(void)
{
	RUN(test_entries_order_by_time);
	RUN(test_batches_forward_and_back);
	RUN(test_corruption_is_refused);
	RUN(test_walk_merges_base_and_recent);
	return run_failed;
}

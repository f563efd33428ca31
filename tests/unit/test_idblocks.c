/* Unit tests of idblocks.c: a dedupe table kept in blocks of sorted hashes,
 * written appended or merged into, and read back by lookup and in order. */
#include "check.h"
#include "scratchenv.h"
#include "testrand.h"
#include "idblocks.h"

#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "err.h"

static scratchenv scratch;

/* A transaction on a fresh environment with one dedupe table. */
static MDB_txn *open_fresh(MDB_dbi *dbi)
{
	*dbi = scratchenv_open(&scratch, 256u << 20, "ids", MDB_INTEGERKEY);
	return scratch.txn;
}

/* The sequence each test gives a hash: any function of it will do. */
static uint32_t seq_of(uint64_t h)
{
	return (uint32_t)(h >> 17) | 1;
}

static void write_sorted(MDB_txn *txn, MDB_dbi dbi, uint64_t *h, size_t n)
{
	qsort(h, n, sizeof *h, testrand_by_value);
	idblocks_writer *w;
	CHECK(idblocks_open(txn, dbi, &w) == 0);
	for (size_t i = 0; i < n; i++)
		CHECK(idblocks_add(w, h[i], seq_of(h[i])) == 0);
	CHECK(idblocks_close(w, true) == 0);
}

typedef struct walk {
	const uint64_t *want;	/* sorted */
	size_t n, at;
} walk;

static int next_in_order(void *arg, uint64_t h, uint32_t seq)
{
	walk *wk = arg;
	CHECK(wk->at < wk->n && h == wk->want[wk->at] && seq == seq_of(h));
	wk->at++;
	return 0;
}

/* The table holds exactly want[0 .. n) (sorted), found one by one and walked
 * in order, with every block full enough and none too full. */
static void check_table(MDB_txn *txn, MDB_dbi dbi, const uint64_t *want, size_t n)
{
	walk wk = {want, n, 0};
	CHECK(idblocks_each(txn, dbi, next_in_order, &wk) == 0 && wk.at == n);
	MDB_cursor *cur;
	CHECK(mdb_cursor_open(txn, dbi, &cur) == 0);
	for (size_t i = 0; i < n; i++) {
		uint32_t seq = 0;
		int found = 0;
		CHECK(idblocks_find(cur, want[i], &seq, &found) == 0 && found && seq == seq_of(want[i]));
		CHECK(idblocks_find(cur, want[i] + 1, &seq, &found) == 0);
		CHECK(!found || (i + 1 < n && want[i + 1] == want[i] + 1));
	}
	MDB_val k, v;
	size_t blocks = 0;
	for (int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		CHECK(v.mv_size % 12 == 0 && v.mv_size / 12 <= IDBLOCKS_CAP);
		uint64_t key, last;
		memcpy(&key, k.mv_data, sizeof key);
		memcpy(&last, (const uint8_t *)v.mv_data + (v.mv_size / 12 - 1) * 8, sizeof last);
		CHECK(key == last);
		blocks++;
	}
	mdb_cursor_close(cur);
	CHECK(n == 0 || blocks <= 2 * n / IDBLOCKS_CAP + 1);
}

/* Random hashes appended into an empty table fill whole blocks, but for the
 * last two, which share what is left. */
static void test_append_into_empty(void)
{
	MDB_dbi dbi;
	MDB_txn *txn = open_fresh(&dbi);
	enum { N = 5000 };
	uint64_t *h = malloc(N * sizeof *h);
	CHECK(h != NULL);
	for (size_t i = 0; i < N; i++)
		h[i] = testrand_next() | 1;	/* distinct: a xorshift state never repeats */
	write_sorted(txn, dbi, h, N);
	check_table(txn, dbi, h, N);
	MDB_stat st;
	CHECK(mdb_stat(txn, dbi, &st) == 0 && st.ms_entries == (N + IDBLOCKS_CAP - 1) / IDBLOCKS_CAP);
	uint32_t seq;
	int found;
	MDB_cursor *cur;
	CHECK(mdb_cursor_open(txn, dbi, &cur) == 0);
	CHECK(idblocks_find(cur, UINT64_MAX, &seq, &found) == 0 && !found);
	CHECK(idblocks_find(cur, 0, &seq, &found) == 0 && !found);
	mdb_cursor_close(cur);
	free(h);
	scratchenv_remove(&scratch);
}

/* A second stream merges into the blocks its hashes fall in, below the
 * first block, among and past the last: one block takes more than a block's
 * worth and splits.  A hash already there, or out of order, is refused. */
static void test_merge_into_blocks(void)
{
	MDB_dbi dbi;
	MDB_txn *txn = open_fresh(&dbi);
	enum { OLD = 2000, NEW = 3000, CROWD = 900 };
	uint64_t *h = malloc((OLD + NEW) * sizeof *h);
	CHECK(h != NULL);
	for (size_t i = 0; i < OLD; i++)
		h[i] = (testrand_next() >> 2) + (UINT64_C(1) << 61);
	write_sorted(txn, dbi, h, OLD);
	/* CROWD hashes between two neighbours of the first stream, the rest
	 * anywhere, including below and above all of it */
	uint64_t gap_at = h[OLD / 2];
	for (size_t i = 0; i < CROWD; i++)
		h[OLD + i] = gap_at + 1 + i;
	for (size_t i = OLD + CROWD; i < OLD + NEW; i++)
		h[i] = testrand_next() | 1;
	qsort(h, OLD + NEW, sizeof *h, testrand_by_value);
	for (size_t i = 1; i < OLD + NEW; i++)
		CHECK(h[i] != h[i - 1]);
	uint64_t *fresh = malloc(NEW * sizeof *fresh);
	CHECK(fresh != NULL);
	size_t nfresh = 0;
	MDB_cursor *cur;
	CHECK(mdb_cursor_open(txn, dbi, &cur) == 0);
	for (size_t i = 0; i < OLD + NEW; i++) {
		uint32_t seq;
		int found;
		CHECK(idblocks_find(cur, h[i], &seq, &found) == 0);
		if (!found)
			fresh[nfresh++] = h[i];
	}
	mdb_cursor_close(cur);
	CHECK(nfresh == NEW);
	write_sorted(txn, dbi, fresh, nfresh);
	check_table(txn, dbi, h, OLD + NEW);

	idblocks_writer *w;
	CHECK(idblocks_open(txn, dbi, &w) == 0);
	CHECK(idblocks_add(w, h[7], seq_of(h[7])) == TIDE_ECORRUPT);
	CHECK(idblocks_close(w, false) == 0);
	CHECK(idblocks_open(txn, dbi, &w) == 0);
	CHECK(idblocks_add(w, h[0] - 1, 1) == 0);
	CHECK(idblocks_add(w, h[0] - 2, 1) == TIDE_ECORRUPT);
	CHECK(idblocks_close(w, false) == 0);
	check_table(txn, dbi, h, OLD + NEW);
	free(fresh);
	free(h);
	scratchenv_remove(&scratch);
}

/* Lookups guess a hash's place in its block from the block's first and
 * last hash; blocks whose hashes are anything but evenly spread (runs of
 * neighbours with a few far ones at either end) are still read right. */
static void test_skewed_blocks(void)
{
	MDB_dbi dbi;
	MDB_txn *txn = open_fresh(&dbi);
	enum { LOW = 700, FAR = 40, HIGH = 500, N = LOW + FAR + HIGH };
	uint64_t h[N];
	size_t n = 0;
	for (size_t i = 0; i < LOW; i++)
		h[n++] = 1 + i;
	for (size_t i = 0; i < FAR; i++)
		h[n++] = (UINT64_C(1) << 63) + (uint64_t)i * (UINT64_C(1) << 40);
	for (size_t i = 0; i < HIGH; i++)
		h[n++] = UINT64_MAX - 1 - i;
	write_sorted(txn, dbi, h, n);
	check_table(txn, dbi, h, n);
	scratchenv_remove(&scratch);
}

/* A block whose size is not whole entries is named corrupt. */
static void test_bad_block(void)
{
	MDB_dbi dbi;
	MDB_txn *txn = open_fresh(&dbi);
	uint64_t key = 100;
	uint8_t junk[13] = {0};
	MDB_val k = {sizeof key, &key}, v = {sizeof junk, junk};
	CHECK(mdb_put(txn, dbi, &k, &v, 0) == 0);
	MDB_cursor *cur;
	CHECK(mdb_cursor_open(txn, dbi, &cur) == 0);
	uint32_t seq;
	int found;
	CHECK(idblocks_find(cur, 50, &seq, &found) == TIDE_ECORRUPT);
	mdb_cursor_close(cur);
	walk wk = {NULL, 0, 0};
	CHECK(idblocks_each(txn, dbi, next_in_order, &wk) == TIDE_ECORRUPT);
	scratchenv_remove(&scratch);
}

int main(void)
{
	RUN(test_append_into_empty);
	RUN(test_merge_into_blocks);
	RUN(test_skewed_blocks);
	RUN(test_bad_block);
	return run_failed;
}

/* Unit tests of runs.c: sorted runs of fixed-size entries in an LMDB table,
 * found again and merged in order with the entries still in memory. */
#include "check.h"
#include "scratchenv.h"
#include "runs.h"
#include "testrand.h"

#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "bigend.h"

enum { SIZE = 13 };

static scratchenv scratch;

/* A transaction on a fresh environment with one runs table. */
static MDB_txn *open_fresh(runs_set *set)
{
	MDB_dbi dbi = scratchenv_open(&scratch, 64u << 20, "runs", 0);
	*set = (runs_set){dbi, 3, SIZE};
	return scratch.txn;
}

/* Entries are (head, tail): 8 bytes that tie often, then 5 that settle it. */
typedef struct item {
	uint64_t head, tail;
} item;

static void encode(const void *items, size_t i, uint8_t *out)
{
	const item *it = (const item *)items + i;
	bigend_put(out, it->head, 8);
	bigend_put(out + 8, it->tail, 5);
}

/* What a merge gave, up to cap entries; past that, the callback fails. */
typedef struct seen {
	item got[2048];
	size_t n, cap;
} seen;

static seen *fresh_seen(size_t cap)
{
	static seen s;
	s.n = 0;
	s.cap = cap;
	return &s;
}

static int collect(void *arg, const uint8_t *entry)
{
	seen *s = arg;
	if (s->n == s->cap)
		return 99;
	s->got[s->n++] = (item){bigend_get(entry, 8), bigend_get(entry + 8, 5)};
	return 0;
}

static int by_entry(const void *a, const void *b)
{
	const item *x = a, *y = b;
	if (x->head != y->head)
		return x->head < y->head ? -1 : 1;
	return x->tail < y->tail ? -1 : x->tail > y->tail;
}

/* Three runs (one of a single entry, a plain LMDB node) and the pending
 * entries merge into one sequence in byte order, ties of the first 8 bytes
 * settled by the rest; UINT64_MAX heads are entries like any other. */
static void test_merge_in_order(void)
{
	runs_set set;
	MDB_txn *txn = open_fresh(&set);
	static const item run0[] = {{1, 5}, {2, 2}, {7, 1}, {UINT64_MAX, 3}};
	static const item run1[] = {{2, 1}};
	static const item run2[] = {{0, 9}, {2, 3}, {7, 0}, {UINT64_MAX, 1}};
	static const item pending[] = {{1, 4}, {2, 0}, {9, 9}, {UINT64_MAX, 2}};
	runs_pending p[] = {{run0, 4, encode}, {run1, 1, encode}, {run2, 4, encode}, {pending, 4, encode}};
	for (uint32_t r = 0; r < 3; r++)
		CHECK(runs_write(txn, &set, r, &p[r]) == 0);
	seen *s = fresh_seen(64);
	CHECK(runs_merge(txn, &set, 3, &p[3], collect, s) == 0);
	item want[13];
	size_t n = 0;
	for (int r = 0; r < 4; r++)
		for (size_t i = 0; i < p[r].n; i++)
			want[n++] = ((const item *)p[r].items)[i];
	qsort(want, n, sizeof *want, by_entry);
	CHECK(s->n == n && memcmp(s->got, want, sizeof want) == 0);

	s = fresh_seen(64);	/* the runs alone */
	CHECK(runs_merge(txn, &set, 3, NULL, collect, s) == 0);
	CHECK(s->n == 9 && s->got[0].head == 0 && s->got[8].head == UINT64_MAX && s->got[8].tail == 3);
	scratchenv_remove(&scratch);
}

/* Eleven runs of different lengths and the pending entries (twelve
 * sources, not a power of two) merge into the sorted sequence of all their
 * entries, heads tying often. */
static void test_merge_many_runs(void)
{
	runs_set set;
	MDB_txn *txn = open_fresh(&set);
	enum { RUNS = 11, MOST = 150 };
	static item runs[RUNS + 1][MOST], want[(RUNS + 1) * MOST];
	size_t n = 0;
	uint64_t tail = 0;
	seen *s = fresh_seen(2048);
	for (uint32_t r = 0; r <= RUNS; r++) {
		size_t len = 1 + testrand_next() % MOST;
		for (size_t i = 0; i < len; i++)
			want[n++] = runs[r][i] = (item){testrand_next() % 40, tail++};
		qsort(runs[r], len, sizeof *runs[r], by_entry);
		runs_pending p = {runs[r], len, encode};
		if (r < RUNS)
			CHECK(runs_write(txn, &set, r, &p) == 0);
		else
			CHECK(runs_merge(txn, &set, RUNS, &p, collect, s) == 0);
	}
	qsort(want, n, sizeof *want, by_entry);
	CHECK(s->n == n && memcmp(s->got, want, n * sizeof *want) == 0);
	scratchenv_remove(&scratch);
}

/* A callback's error stops the merge and comes back. */
static void test_merge_stops_on_error(void)
{
	runs_set set;
	MDB_txn *txn = open_fresh(&set);
	item many[100];
	for (size_t i = 0; i < 100; i++)
		many[i] = (item){i, 0};
	runs_pending p = {many, 100, encode};
	CHECK(runs_write(txn, &set, 0, &p) == 0);
	seen *s = fresh_seen(64);
	CHECK(runs_merge(txn, &set, 1, NULL, collect, s) == 99 && s->n == 64);
	scratchenv_remove(&scratch);
}

/* An entry is found by its head in whichever run holds it; one that no run
 * holds is not. */
static void test_find_by_head(void)
{
	runs_set set;
	MDB_txn *txn = open_fresh(&set);
	static const item run0[] = {{10, 1}, {30, 3}};
	static const item run1[] = {{20, 2}};
	runs_pending p0 = {run0, 2, encode}, p1 = {run1, 1, encode};
	CHECK(runs_write(txn, &set, 0, &p0) == 0 && runs_write(txn, &set, 1, &p1) == 0);
	MDB_cursor *cur;
	CHECK(mdb_cursor_open(txn, set.dbi, &cur) == 0);
	uint8_t out[SIZE];
	int found;
	static const uint64_t look[] = {10, 20, 30, 15, 31, 0};
	for (int i = 0; i < 6; i++) {
		CHECK(runs_find(cur, &set, 2, look[i], out, &found) == 0);
		CHECK(found == (look[i] && look[i] % 10 == 0));
		if (found)
			CHECK(bigend_get(out, 8) == look[i] && bigend_get(out + 8, 5) == look[i] / 10);
	}
	CHECK(runs_find(cur, &set, 1, 20, out, &found) == 0 && !found);	/* run 1 not asked */
	mdb_cursor_close(cur);
	scratchenv_remove(&scratch);
}

/* Runs of many pages' worth, where one head repeats across pages: the merge
 * gives every entry in order, and a lookup the least entry with its head,
 * in another space's runs too. */
static void test_runs_across_pages(void)
{
	runs_set set;
	MDB_txn *txn = open_fresh(&set);
	runs_set other = set;
	other.space = set.space + 1;
	enum { N0 = 1000, N1 = 700 };
	static item run0[N0], run1[N1], all[N0 + N1];
	for (size_t i = 0; i < N0; i++)
		run0[i] = (item){i < 100 ? 3 : i < 900 ? 5 : 8, i};	/* head 5 spans three pages */
	for (size_t i = 0; i < N1; i++)
		run1[i] = (item){2 * i + 1, 7};
	runs_pending p0 = {run0, N0, encode}, p1 = {run1, N1, encode};
	CHECK(runs_write(txn, &other, 0, &p1) == 0);
	CHECK(runs_write(txn, &set, 0, &p0) == 0 && runs_write(txn, &set, 1, &p1) == 0);
	seen *s = fresh_seen(N0 + N1);
	CHECK(runs_merge(txn, &set, 2, NULL, collect, s) == 0 && s->n == N0 + N1);
	memcpy(all, run0, sizeof run0);
	memcpy(all + N0, run1, sizeof run1);
	qsort(all, N0 + N1, sizeof *all, by_entry);
	CHECK(memcmp(s->got, all, sizeof all) == 0);

	MDB_cursor *cur;
	CHECK(mdb_cursor_open(txn, set.dbi, &cur) == 0);
	uint8_t out[SIZE];
	int found;
	CHECK(runs_find(cur, &set, 2, 5, out, &found) == 0 && found && bigend_get(out + 8, 5) == 100);
	CHECK(runs_find(cur, &set, 2, 8, out, &found) == 0 && found && bigend_get(out + 8, 5) == 900);
	CHECK(runs_find(cur, &set, 2, 1399, out, &found) == 0 && found && bigend_get(out + 8, 5) == 7);
	CHECK(runs_find(cur, &set, 2, 1400, out, &found) == 0 && !found);
	CHECK(runs_find(cur, &set, 2, 4, out, &found) == 0 && !found);
	CHECK(runs_find(cur, &other, 1, 699, out, &found) == 0 && found);
	CHECK(runs_find(cur, &other, 1, 5, out, &found) == 0 && found);
	CHECK(runs_find(cur, &other, 1, 8, out, &found) == 0 && !found);
	mdb_cursor_close(cur);
	scratchenv_remove(&scratch);
}

/* A run written an entry at a time, of entries of the largest size, reads
 * back as written, across pages; the appender counts what it took, and a
 * run of no entries leaves nothing in the table. */
static void test_append_one_at_a_time(void)
{
	runs_set set;
	open_fresh(&set);
	set.size = RUNS_ENTRY_MAX;
	enum { N = 300 };	/* ~5 blocks of 63 */
	runs_appender *a;
	CHECK(runs_append_start(scratch.txn, &set, 0, &a) == 0);
	size_t entries;
	CHECK(runs_append_end(a, &entries) == 0 && entries == 0);
	MDB_stat st;
	CHECK(mdb_stat(scratch.txn, set.dbi, &st) == 0 && st.ms_entries == 0);
	CHECK(runs_append_start(scratch.txn, &set, 0, &a) == 0);
	uint8_t entry[RUNS_ENTRY_MAX];
	for (size_t i = 0; i < N; i++) {
		memset(entry, (int)(i & 0xff), sizeof entry);
		bigend_put(entry, i / 2, 8);	/* heads tie in pairs */
		CHECK(runs_append(a, entry) == 0);
	}
	CHECK(runs_append_end(a, &entries) == 0 && entries == N);
	CHECK(mdb_stat(scratch.txn, set.dbi, &st) == 0 && st.ms_entries == (N + 62) / 63);
	seen *s = fresh_seen(N);
	CHECK(runs_merge(scratch.txn, &set, 1, NULL, collect, s) == 0 && s->n == N);
	int in_order = 1;
	for (size_t i = 0; i < N; i++)
		in_order &= s->got[i].head == i / 2 && (s->got[i].tail & 0xff) == (i & 0xff);
	CHECK(in_order);
	scratchenv_remove(&scratch);
}

int main(void)
{
	RUN(test_merge_in_order);
	RUN(test_merge_many_runs);
	RUN(test_merge_stops_on_error);
	RUN(test_find_by_head);
	RUN(test_runs_across_pages);
	RUN(test_append_one_at_a_time);
	return run_failed;
}

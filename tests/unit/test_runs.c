/* Unit tests of runs.c: sorted runs of fixed-size entries in a scratch
 * file, found again and merged in order with the entries still in memory. */
#include "check.h"
#include "runs.h"
#include "testrand.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "bigend.h"

enum { SIZE = 13 };

static char dir[64];

/* A set of runs of SIZE-byte entries (or `size`) in a fresh directory. */
static runs *open_fresh_sized(size_t size)
{
	snprintf(dir, sizeof dir, "/tmp/tide_runs_XXXXXX");
	CHECK(mkdtemp(dir) != NULL);
	runs *r = runs_new(dir, size);
	CHECK(r != NULL);
	return r;
}

static runs *open_fresh(void)
{
	return open_fresh_sized(SIZE);
}

/* How many names the directory holds besides . and .. */
static int names_in_dir(void)
{
	DIR *d = opendir(dir);
	int n = 0;
	for (struct dirent *de; d && (de = readdir(d));)
		n += de->d_name[0] != '.';
	if (d)
		closedir(d);
	return n;
}

/* Frees the runs and removes the directory, which must be empty: the
 * runs' file never has a name there. */
static void remove_fresh(runs *r)
{
	CHECK(names_in_dir() == 0);
	runs_free(r);
	CHECK(rmdir(dir) == 0);
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
	item got[1 << 17];
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

/* Three runs (one of a single entry) and the pending
 * entries merge into one sequence in byte order, ties of the first 8 bytes
 * settled by the rest; UINT64_MAX heads are entries like any other. */
static void test_merge_in_order(void)
{
	runs *r = open_fresh();
	static const item run0[] = {{1, 5}, {2, 2}, {7, 1}, {UINT64_MAX, 3}};
	static const item run1[] = {{2, 1}};
	static const item run2[] = {{0, 9}, {2, 3}, {7, 0}, {UINT64_MAX, 1}};
	static const item pending[] = {{1, 4}, {2, 0}, {9, 9}, {UINT64_MAX, 2}};
	runs_pending p[] = {{run0, 4, encode}, {run1, 1, encode}, {run2, 4, encode}, {pending, 4, encode}};
	for (int i = 0; i < 3; i++)
		CHECK(runs_write(r, &p[i]) == 0);
	CHECK(runs_count(r) == 3);
	seen *s = fresh_seen(64);
	CHECK(runs_merge(r, &p[3], collect, s) == 0);
	item want[13];
	size_t n = 0;
	for (int i = 0; i < 4; i++)
		for (size_t j = 0; j < p[i].n; j++)
			want[n++] = ((const item *)p[i].items)[j];
	qsort(want, n, sizeof *want, by_entry);
	CHECK(s->n == n && memcmp(s->got, want, sizeof want) == 0);

	s = fresh_seen(64);	/* the runs alone */
	CHECK(runs_merge(r, NULL, collect, s) == 0);
	CHECK(s->n == 9 && s->got[0].head == 0 && s->got[8].head == UINT64_MAX && s->got[8].tail == 3);
	remove_fresh(r);
}

/* Eleven runs of different lengths and the pending entries (twelve
 * sources, not a power of two) merge into the sorted sequence of all their
 * entries, heads tying often. */
static void test_merge_many_runs(void)
{
	runs *r = open_fresh();
	enum { RUNS = 11, MOST = 150 };
	static item sources[RUNS + 1][MOST], want[(RUNS + 1) * MOST];
	size_t n = 0;
	uint64_t tail = 0;
	seen *s = fresh_seen(2048);
	for (uint32_t k = 0; k <= RUNS; k++) {
		size_t len = 1 + testrand_next() % MOST;
		for (size_t i = 0; i < len; i++)
			want[n++] = sources[k][i] = (item){testrand_next() % 40, tail++};
		qsort(sources[k], len, sizeof *sources[k], by_entry);
		runs_pending p = {sources[k], len, encode};
		if (k < RUNS)
			CHECK(runs_write(r, &p) == 0);
		else
			CHECK(runs_merge(r, &p, collect, s) == 0);
	}
	qsort(want, n, sizeof *want, by_entry);
	CHECK(s->n == n && memcmp(s->got, want, n * sizeof *want) == 0);
	remove_fresh(r);
}

/* A callback's error stops the merge and comes back. */
static void test_merge_stops_on_error(void)
{
	runs *r = open_fresh();
	item many[100];
	for (size_t i = 0; i < 100; i++)
		many[i] = (item){i, 0};
	runs_pending p = {many, 100, encode};
	CHECK(runs_write(r, &p) == 0);
	seen *s = fresh_seen(64);
	CHECK(runs_merge(r, NULL, collect, s) == 99 && s->n == 64);
	remove_fresh(r);
}

/* An entry is found by its head in whichever run holds it; one that no run
 * holds is not. */
static void test_find_by_head(void)
{
	runs *r = open_fresh();
	static const item run0[] = {{10, 1}, {30, 3}};
	static const item run1[] = {{20, 2}};
	uint8_t out[SIZE];
	int found;
	CHECK(runs_find(r, 10, out, &found) == 0 && !found);	/* no run, no file yet */
	runs_pending p0 = {run0, 2, encode}, p1 = {run1, 1, encode};
	CHECK(runs_write(r, &p0) == 0 && runs_write(r, &p1) == 0);
	static const uint64_t look[] = {10, 20, 30, 15, 31, 0};
	for (int i = 0; i < 6; i++) {
		CHECK(runs_find(r, look[i], out, &found) == 0);
		CHECK(found == (look[i] && look[i] % 10 == 0));
		if (found)
			CHECK(bigend_get(out, 8) == look[i] && bigend_get(out + 8, 5) == look[i] / 10);
	}
	remove_fresh(r);
}

/* Runs of many segments and several chunks, where one head repeats across
 * segments: the merge gives every entry in order, and a lookup the least
 * entry with its head; a second set in the same directory keeps its own. */
static void test_runs_across_segments(void)
{
	runs *r = open_fresh();
	runs *other = runs_new(dir, SIZE);
	CHECK(other != NULL);
	enum { N0 = 70000, N1 = 700 };	/* run 0: three chunks and a half */
	static item run0[N0], run1[N1], all[N0 + N1];
	for (size_t i = 0; i < N0; i++)
		run0[i] = (item){i < 100 ? 3 : i < 900 ? 5 : i + 8, i};	/* head 5 spans three segments */
	for (size_t i = 0; i < N1; i++)
		run1[i] = (item){2 * i + 1, 7};
	runs_pending p0 = {run0, N0, encode}, p1 = {run1, N1, encode};
	CHECK(runs_write(other, &p1) == 0);
	CHECK(runs_write(r, &p0) == 0 && runs_write(r, &p1) == 0);
	seen *s = fresh_seen(N0 + N1);
	CHECK(runs_merge(r, NULL, collect, s) == 0 && s->n == N0 + N1);
	memcpy(all, run0, sizeof run0);
	memcpy(all + N0, run1, sizeof run1);
	qsort(all, N0 + N1, sizeof *all, by_entry);
	CHECK(memcmp(s->got, all, sizeof all) == 0);

	uint8_t out[SIZE];
	int found;
	CHECK(runs_find(r, 5, out, &found) == 0 && found && bigend_get(out + 8, 5) == 100);
	CHECK(runs_find(r, 908, out, &found) == 0 && found && bigend_get(out + 8, 5) == 900);
	CHECK(runs_find(r, N0 + 7, out, &found) == 0 && found && bigend_get(out + 8, 5) == N0 - 1);
	CHECK(runs_find(r, 1399, out, &found) == 0 && found && bigend_get(out + 8, 5) == 1391);
	CHECK(runs_find(r, 1, out, &found) == 0 && found && bigend_get(out + 8, 5) == 7);
	CHECK(runs_find(r, N0 + 8, out, &found) == 0 && !found);
	CHECK(runs_find(r, 4, out, &found) == 0 && !found);
	CHECK(runs_find(other, 699, out, &found) == 0 && found);
	CHECK(runs_find(other, 5, out, &found) == 0 && found);
	CHECK(runs_find(other, 8, out, &found) == 0 && !found);
	runs_free(other);
	remove_fresh(r);
}

/* A run written an entry at a time, of entries of the largest size, reads
 * back as written, across chunks; the appender counts what it took, a run
 * of no entries is no run, and a second appender must wait for the first. */
static void test_append_one_at_a_time(void)
{
	runs *r = open_fresh_sized(RUNS_ENTRY_MAX);
	enum { N = 9000 };	/* two chunks of 4096 and a part */
	runs_appender *a, *second;
	CHECK(runs_append_start(r, &a) == 0);
	size_t entries;
	CHECK(runs_append_end(a, &entries) == 0 && entries == 0 && runs_count(r) == 0);
	runs_pending none = {NULL, 0, encode};
	CHECK(runs_write(r, &none) == 0 && runs_count(r) == 0);
	CHECK(runs_append_start(r, &a) == 0);
	CHECK(runs_append_start(r, &second) != 0);
	uint8_t entry[RUNS_ENTRY_MAX];
	for (size_t i = 0; i < N; i++) {
		memset(entry, (int)(i & 0xff), sizeof entry);
		bigend_put(entry, i / 2, 8);	/* heads tie in pairs */
		CHECK(runs_append(a, entry) == 0);
	}
	CHECK(runs_append_end(a, &entries) == 0 && entries == N && runs_count(r) == 1);
	seen *s = fresh_seen(N);
	CHECK(runs_merge(r, NULL, collect, s) == 0 && s->n == N);
	int in_order = 1;
	for (size_t i = 0; i < N; i++)
		in_order &= s->got[i].head == i / 2 && (s->got[i].tail & 0xff) == (i & 0xff);
	CHECK(in_order);
	int found;
	CHECK(runs_find(r, N / 2 - 1, entry, &found) == 0 && found && entry[RUNS_ENTRY_MAX - 1] == ((N - 2) & 0xff));
	remove_fresh(r);
}

/* Where the file cannot be made, the write fails with the system's reason
 * and leaves no run. */
static void test_write_fails_cleanly(void)
{
	runs *r = runs_new("/nonexistent/tide", SIZE);
	CHECK(r != NULL);
	static const item one[] = {{1, 1}};
	runs_pending p = {one, 1, encode};
	CHECK(runs_write(r, &p) > 0 && runs_count(r) == 0);
	seen *s = fresh_seen(4);
	CHECK(runs_merge(r, &p, collect, s) == 0 && s->n == 1);
	runs_free(r);
}

int main(void)
{
	RUN(test_merge_in_order);
	RUN(test_merge_many_runs);
	RUN(test_merge_stops_on_error);
	RUN(test_find_by_head);
	RUN(test_runs_across_segments);
	RUN(test_append_one_at_a_time);
	RUN(test_write_fails_cleanly);
	return run_failed;
}

#include "runs.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "bigend.h"
#include "err.h"

/* Runs number below 2^24: at one per 8.4M events or more (the store's
 * flush sizes) of a store's at most 2^32, a kind makes at most 512.  Only
 * the tests' TIDE_FLUSH_AT, set tiny on a huge batch, could reach 2^24. */
static uint32_t run_key(const runs_set *set, uint32_t run)
{
	return set->space << 24 | run;
}

/* A run is a sequence of blocks, each of up to BLOCK_BYTES of whole entries
 * (one overflow page), keyed by 16 bytes in memcmp order: the run, the head
 * (first 8 bytes) of the block's last entry, and the block's number in the
 * run, which keeps the keys unique where heads repeat, all big-endian.  So
 * the first block of a run whose key is not below (run, h, 0) is the one
 * that holds the run's first entry with a head of h or more. */
enum { BLOCK_BYTES = 4080, KEY = 16 };

static void block_key(uint32_t run, uint64_t last_head, uint32_t block, uint8_t out[KEY])
{
	bigend_put(out, run, 4);
	bigend_put(out + 4, last_head, 8);
	bigend_put(out + 12, block, 4);
}

struct runs_appender {
	MDB_cursor *cur;
	uint32_t run, block;	/* run_key; blocks put so far */
	size_t size, per;	/* bytes per entry, entries per block */
	size_t n, entries;	/* in the block being filled, in the run so far */
	uint8_t bytes[BLOCK_BYTES];
};

int runs_append_start(MDB_txn *txn, const runs_set *set, uint32_t run, runs_appender **out)
{
	runs_appender *a = calloc(1, sizeof *a);
	if (!a)
		return TIDE_ENOMEM;
	int rc = mdb_cursor_open(txn, set->dbi, &a->cur);
	if (rc) {
		free(a);
		return rc;
	}
	a->run = run_key(set, run);
	a->size = set->size;
	a->per = BLOCK_BYTES / set->size;
	*out = a;
	return 0;
}

static int put_block(runs_appender *a)
{
	if (a->n == 0)
		return 0;
	uint8_t key[KEY];
	block_key(a->run, bigend_get(a->bytes + (a->n - 1) * a->size, 8), a->block++, key);
	MDB_val k = {KEY, key}, v = {a->n * a->size, a->bytes};
	a->n = 0;
	return mdb_cursor_put(a->cur, &k, &v, 0);
}

int runs_append(runs_appender *a, const uint8_t *entry)
{
	memcpy(a->bytes + a->n * a->size, entry, a->size);
	a->entries++;
	return ++a->n == a->per ? put_block(a) : 0;
}

int runs_append_end(runs_appender *a, size_t *entries)
{
	int rc = put_block(a);
	if (entries)
		*entries = a->entries;
	mdb_cursor_close(a->cur);
	free(a);
	return rc;
}

int runs_write(MDB_txn *txn, const runs_set *set, uint32_t run, const runs_pending *p)
{
	runs_appender *a;
	int rc = runs_append_start(txn, set, run, &a);
	if (rc)
		return rc;
	uint8_t entry[RUNS_ENTRY_MAX];
	for (size_t i = 0; rc == 0 && i < p->n; i++) {
		p->encode(p->items, i, entry);
		rc = runs_append(a, entry);
	}
	int end = runs_append_end(a, NULL);
	return rc ? rc : end;
}

/* Whether the cursor's last answer is a block of run `run`: *in, and the
 * block's entries in [*at, *end) when it is. */
static int run_block(int rc, const MDB_val *k, const MDB_val *v, uint32_t run, size_t size, bool *in,
		     const uint8_t **at, const uint8_t **end)
{
	*in = false;
	if (rc)
		return rc == MDB_NOTFOUND ? 0 : rc;
	if (k->mv_size != KEY)
		return TIDE_ECORRUPT;
	if (bigend_get(k->mv_data, 4) != run)
		return 0;
	if (v->mv_size == 0 || v->mv_size % size || v->mv_size > BLOCK_BYTES)
		return TIDE_ECORRUPT;
	*in = true;
	*at = v->mv_data;
	*end = *at + v->mv_size;
	return 0;
}

int runs_find(MDB_cursor *cur, const runs_set *set, uint32_t nruns, uint64_t head, uint8_t *out, int *found)
{
	*found = 0;
	for (uint32_t r = 0; r < nruns; r++) {
		uint8_t key[KEY];
		block_key(run_key(set, r), head, 0, key);
		MDB_val k = {KEY, key}, v;
		const uint8_t *at, *end;
		bool in;
		int rc = run_block(mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE), &k, &v, run_key(set, r), set->size,
				   &in, &at, &end);
		if (rc)
			return rc;
		if (!in)
			continue;
		size_t lo = 0, hi = (size_t)(end - at) / set->size;	/* the first head not below `head` is at lo */
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (bigend_get(at + mid * set->size, 8) < head)
				lo = mid + 1;
			else
				hi = mid;
		}
		const uint8_t *entry = at + lo * set->size;
		if (entry < end && bigend_get(entry, 8) == head) {
			memcpy(out, entry, set->size);
			*found = 1;
			return 0;
		}
	}
	return 0;
}

/* One sorted source of the merge: a run, read a block at a time, or the
 * pending entries, encoded one at a time into `own`.  Its entry at hand is
 * `entry`, and its first 8 bytes the merge's head[] for it (UINT64_MAX once
 * it is done).  A run's block is copied into `block`: the merge's callback
 * writes, and LMDB's answers hold only until the next write (a page this
 * transaction wrote may be moved out of memory, its buffer reused). */
typedef struct source {
	MDB_cursor *cur;	/* NULL: the pending entries */
	uint32_t run;
	uint8_t block[BLOCK_BYTES];
	const uint8_t *at, *end;
	const runs_pending *p;
	size_t next;
	const uint8_t *entry;
	bool done;
	uint8_t own[RUNS_ENTRY_MAX];
} source;

/* Moves s's cursor by op (from key k, for MDB_SET_RANGE) and copies the
 * block it lands on into s when that is of s's run: *in. */
static int take_block(source *s, MDB_val *k, MDB_cursor_op op, size_t size, bool *in)
{
	MDB_val v;
	const uint8_t *at, *end;
	int rc = run_block(mdb_cursor_get(s->cur, k, &v, op), k, &v, s->run, size, in, &at, &end);
	if (rc == 0 && *in) {
		memcpy(s->block, at, (size_t)(end - at));
		s->at = s->block;
		s->end = s->block + (end - at);
	}
	return rc;
}

static int advance(source *s, size_t size, uint64_t *head)
{
	if (!s->cur) {
		s->done = !s->p || s->next == s->p->n;
		if (s->done) {
			*head = UINT64_MAX;
			return 0;
		}
		s->p->encode(s->p->items, s->next++, s->own);
		s->entry = s->own;
		*head = bigend_get(s->own, 8);
		return 0;
	}
	if (s->at == s->end) {
		MDB_val k;
		bool in;
		int rc = take_block(s, &k, MDB_NEXT, size, &in);
		if (rc)
			return rc;
		if (!in) {
			s->done = true;
			*head = UINT64_MAX;
			return 0;
		}
	}
	s->entry = s->at;
	*head = bigend_get(s->at, 8);
	s->at += size;
	return 0;
}

/* Positions s at the first block of run `run`. */
static int open_run(MDB_txn *txn, const runs_set *set, uint32_t run, source *s)
{
	int rc = mdb_cursor_open(txn, set->dbi, &s->cur);
	if (rc)
		return rc;
	s->run = run_key(set, run);
	uint8_t key[KEY];
	block_key(s->run, 0, 0, key);
	MDB_val k = {KEY, key};
	bool in;
	rc = take_block(s, &k, MDB_SET_RANGE, set->size, &in);
	return rc ? rc : in ? 0 : TIDE_ECORRUPT;
}

/* Whether source a's entry comes before source b's when their heads are
 * equal: rare (an equal first 8 bytes; or UINT64_MAX, which a live source
 * may hold too), so settled by the rest of the entries away from the hot
 * loop.  A done source comes after every live one. */
static bool tie_before(const source *src, uint32_t a, uint32_t b, size_t size)
{
	if (src[a].done || src[b].done)
		return !src[a].done;
	return memcmp(src[a].entry + 8, src[b].entry + 8, size - 8) < 0;
}

static bool before(const uint64_t *head, const source *src, uint32_t a, uint32_t b, size_t size)
{
	return head[a] != head[b] ? head[a] < head[b] : tie_before(src, a, b, size);
}

/* A loser tree over the sources, padded with done ones to `width`, a power
 * of two: node i (1 <= i < width) holds the loser of the match played
 * there, and its children are 2i and 2i+1, leaf s being width + s.  When
 * the winner has moved to its next entry, only the matches on its path to
 * the root are played again: log2(width) comparisons an entry instead of a
 * scan of every source (a 100M load merges ~225M entries from a dozen
 * sources at its commit).  Dedupe hashes are random, so each match picks
 * its winner without a branch, which would mispredict half the time. */
static uint32_t replay(uint32_t *loser, uint32_t width, uint32_t winner, const uint64_t *head, const source *src,
		       size_t size)
{
	for (uint32_t node = (width + winner) / 2; node; node /= 2) {
		uint32_t other = loser[node];
		bool beaten = before(head, src, other, winner, size);
		loser[node] = beaten ? winner : other;
		winner = beaten ? other : winner;
	}
	return winner;
}

/* Plays every match, leaves first; the overall winner. */
static uint32_t build(uint32_t *loser, uint32_t *won, uint32_t width, const uint64_t *head, const source *src,
		      size_t size)
{
	for (uint32_t s = 0; s < width; s++)
		won[width + s] = s;
	for (uint32_t node = width - 1; node >= 1; node--) {
		uint32_t x = won[2 * node], y = won[2 * node + 1];
		bool x_wins = before(head, src, x, y, size);
		won[node] = x_wins ? x : y;
		loser[node] = x_wins ? y : x;
	}
	return won[1];
}

int runs_merge(MDB_txn *txn, const runs_set *set, uint32_t nruns, const runs_pending *p, runs_fn fn,
	       void *arg)
{
	uint32_t nsrc = nruns + 1, width = 1;
	while (width < nsrc)
		width *= 2;
	source *src = calloc(width, sizeof *src);
	uint64_t *head = calloc(width, sizeof *head);
	uint32_t *tree = calloc(3 * (size_t)width, sizeof *tree);
	if (!src || !head || !tree) {
		free(src);
		free(head);
		free(tree);
		return TIDE_ENOMEM;
	}
	src[nruns].p = p;
	for (uint32_t s = nsrc; s < width; s++) {
		src[s].done = true;
		head[s] = UINT64_MAX;
	}
	int rc = 0;
	for (uint32_t r = 0; rc == 0 && r < nruns; r++)
		rc = open_run(txn, set, r, &src[r]);
	for (uint32_t r = 0; rc == 0 && r < nsrc; r++)
		rc = advance(&src[r], set->size, &head[r]);
	/* the matches' losers in tree[1 .. width), build()'s winners above */
	uint32_t least = rc ? 0 : build(tree, tree + width, width, head, src, set->size);
	while (rc == 0 && !src[least].done) {
		rc = fn(arg, src[least].entry);
		if (rc == 0)
			rc = advance(&src[least], set->size, &head[least]);
		least = replay(tree, width, least, head, src, set->size);
	}
	for (uint32_t r = 0; r < nruns; r++)
		if (src[r].cur)
			mdb_cursor_close(src[r].cur);
	free(src);
	free(head);
	free(tree);
	return rc;
}

#include "idblocks.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"

enum { ENTRY = sizeof(uint64_t) + sizeof(uint32_t) };

/* A block's entry count, from its value's size. */
static int block_count(const MDB_val *v, size_t *n)
{
	*n = v->mv_size / ENTRY;
	return v->mv_size % ENTRY || *n == 0 || *n > IDBLOCKS_CAP ? TIDE_ECORRUPT : 0;
}

static uint64_t hash_at(const uint8_t *block, size_t i)
{
	uint64_t h;
	memcpy(&h, block + i * sizeof h, sizeof h);
	return h;
}

static uint32_t seq_at(const uint8_t *block, size_t n, size_t i)
{
	uint32_t seq;
	memcpy(&seq, block + n * sizeof(uint64_t) + i * sizeof seq, sizeof seq);
	return seq;
}

/* The place of the first of a block's n hashes that is not below h.  The
 * hashes are uniform, so they are spread evenly between the block's first
 * and last: h's place, interpolated, is mostly within a cache line or two
 * of the true one, where bisecting touches nine lines of the page.  From
 * the guess, steps of a cache line's hashes bracket the place, then
 * bisection finds it, so skewed hashes cost only more steps. */
static size_t lower_bound(const uint8_t *block, size_t n, uint64_t h)
{
	enum { LINE = 64 / sizeof(uint64_t) };
	uint64_t first = hash_at(block, 0), last = hash_at(block, n - 1);
	if (h <= first)
		return 0;
	if (h > last)
		return n;
	/* From here hash_at(0) < h <= hash_at(n - 1), and the place is in
	 * (lo, hi]: hash_at(lo) < h <= hash_at(hi). */
	size_t lo = 0, hi = n - 1;
	size_t guess = (size_t)((double)(h - first) / (double)(last - first) * (double)(n - 1));
	if (guess <= lo || guess >= hi)
		guess = lo + (hi - lo) / 2;
	if (hash_at(block, guess) < h) {
		lo = guess;
		while (lo + LINE < hi && hash_at(block, lo + LINE) < h)
			lo += LINE;
		if (lo + LINE < hi)
			hi = lo + LINE;
	} else {
		hi = guess;
		while (hi > lo + LINE && hash_at(block, hi - LINE) >= h)
			hi -= LINE;
		if (hi > lo + LINE)
			lo = hi - LINE;
	}
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (hash_at(block, mid) < h)
			lo = mid;
		else
			hi = mid;
	}
	return hi;
}

int idblocks_find(MDB_cursor *cur, uint64_t h, uint32_t *seq, int *found)
{
	*found = 0;
	MDB_val k = {sizeof h, &h}, v;
	int rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	size_t n;
	if (rc || (rc = block_count(&v, &n)))
		return rc == MDB_NOTFOUND ? 0 : rc;
	const uint8_t *block = v.mv_data;
	size_t at = lower_bound(block, n, h);
	if (at < n && hash_at(block, at) == h) {
		*seq = seq_at(block, n, at);
		*found = 1;
	}
	return 0;
}

int idblocks_each(MDB_txn *txn, MDB_dbi dbi, idblocks_fn fn, void *arg)
{
	MDB_cursor *cur;
	int rc = mdb_cursor_open(txn, dbi, &cur);
	if (rc)
		return rc;
	MDB_val k, v;
	size_t n;
	/* fn may write, and LMDB's answers hold only until the next write (a
	 * page of this transaction may be moved out of memory, its buffer
	 * reused): each block is read from a copy */
	uint8_t block[IDBLOCKS_CAP * ENTRY];
	while ((rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) == 0 && (rc = block_count(&v, &n)) == 0) {
		memcpy(block, v.mv_data, v.mv_size);
		for (size_t i = 0; rc == 0 && i < n; i++)
			rc = fn(arg, hash_at(block, i), seq_at(block, n, i));
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* The merged entries not yet written are out[0 .. n).  Two blocks' worth
 * are held before the first is written, so that the last one written for a
 * range (or the table's end) can be split evenly with the one before it
 * instead of being left with a few entries. */
struct idblocks_writer {
	MDB_cursor *cur;
	/* The block whose range the coming entries fall in, copied out (the
	 * writes may reuse its pages): its key, its entries, the next one not
	 * yet merged.  past_end: no block's range holds the coming entries,
	 * which append. */
	bool covering, past_end;
	uint64_t limit;
	uint64_t old_hash[IDBLOCKS_CAP];
	uint32_t old_seq[IDBLOCKS_CAP];
	size_t nold, next_old;
	uint64_t out_hash[2 * IDBLOCKS_CAP];
	uint32_t out_seq[2 * IDBLOCKS_CAP];
	size_t n;
	bool any;
	uint64_t last;		/* the last hash added */
};

int idblocks_open(MDB_txn *txn, MDB_dbi dbi, idblocks_writer **out)
{
	idblocks_writer *w = calloc(1, sizeof *w);
	if (!w)
		return TIDE_ENOMEM;
	int rc = mdb_cursor_open(txn, dbi, &w->cur);
	if (rc) {
		free(w);
		return rc;
	}
	*out = w;
	return 0;
}

/* Writes out[from .. from + count) as a block, keyed by its last hash. */
static int put_block(idblocks_writer *w, size_t from, size_t count)
{
	uint64_t key = w->out_hash[from + count - 1];
	MDB_val k = {sizeof key, &key}, v = {count * ENTRY, NULL};
	int rc = mdb_cursor_put(w->cur, &k, &v, MDB_RESERVE | (w->past_end ? MDB_APPEND : 0));
	if (rc)
		return rc;
	uint8_t *block = v.mv_data;
	memcpy(block, w->out_hash + from, count * sizeof *w->out_hash);
	memcpy(block + count * sizeof *w->out_hash, w->out_seq + from, count * sizeof *w->out_seq);
	return 0;
}

static int emit(idblocks_writer *w, uint64_t h, uint32_t seq)
{
	w->out_hash[w->n] = h;
	w->out_seq[w->n] = seq;
	if (++w->n < 2 * IDBLOCKS_CAP)
		return 0;
	int rc = put_block(w, 0, IDBLOCKS_CAP);
	memmove(w->out_hash, w->out_hash + IDBLOCKS_CAP, IDBLOCKS_CAP * sizeof *w->out_hash);
	memmove(w->out_seq, w->out_seq + IDBLOCKS_CAP, IDBLOCKS_CAP * sizeof *w->out_seq);
	w->n = IDBLOCKS_CAP;
	return rc;
}

/* Writes the held entries: one block, or two halves when they overflow one. */
static int drain(idblocks_writer *w)
{
	size_t first = w->n > IDBLOCKS_CAP ? w->n / 2 : w->n;
	int rc = first ? put_block(w, 0, first) : 0;
	if (rc == 0 && first < w->n)
		rc = put_block(w, first, w->n - first);
	w->n = 0;
	return rc;
}

/* Ends the merge into the covering block: its entries left, then its last
 * block, which takes its key and so replaces it. */
static int finish_covering(idblocks_writer *w)
{
	int rc = 0;
	while (rc == 0 && w->next_old < w->nold) {
		rc = emit(w, w->old_hash[w->next_old], w->old_seq[w->next_old]);
		w->next_old++;
	}
	w->covering = false;
	return rc ? rc : drain(w);
}

/* Finds the block whose range holds h, or learns that none does. */
static int find_covering(idblocks_writer *w, uint64_t h)
{
	MDB_val k = {sizeof h, &h}, v;
	int rc = mdb_cursor_get(w->cur, &k, &v, MDB_SET_RANGE);
	if (rc == MDB_NOTFOUND) {
		w->past_end = true;
		return 0;
	}
	if (rc || (rc = block_count(&v, &w->nold)))
		return rc;
	if (k.mv_size != sizeof w->limit)
		return TIDE_ECORRUPT;
	memcpy(&w->limit, k.mv_data, sizeof w->limit);
	for (size_t i = 0; i < w->nold; i++) {
		w->old_hash[i] = hash_at(v.mv_data, i);
		w->old_seq[i] = seq_at(v.mv_data, w->nold, i);
	}
	w->next_old = 0;
	w->covering = true;
	return 0;
}

int idblocks_add(idblocks_writer *w, uint64_t h, uint32_t seq)
{
	if (w->any && h <= w->last)
		return TIDE_ECORRUPT;
	w->any = true;
	w->last = h;
	int rc = 0;
	if (w->covering && h > w->limit)
		rc = finish_covering(w);
	if (rc == 0 && !w->covering && !w->past_end)
		rc = find_covering(w, h);
	while (rc == 0 && w->covering && w->next_old < w->nold && w->old_hash[w->next_old] < h) {
		rc = emit(w, w->old_hash[w->next_old], w->old_seq[w->next_old]);
		w->next_old++;
	}
	if (rc == 0 && w->covering && w->next_old < w->nold && w->old_hash[w->next_old] == h)
		rc = TIDE_ECORRUPT;
	return rc ? rc : emit(w, h, seq);
}

int idblocks_close(idblocks_writer *w, bool write)
{
	int rc = 0;
	if (write)
		rc = w->covering ? finish_covering(w) : drain(w);
	mdb_cursor_close(w->cur);
	free(w);
	return rc;
}

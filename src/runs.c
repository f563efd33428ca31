#include "runs.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "bigend.h"
#include "err.h"

enum { CHUNK = 4096 };

/* Runs number below 2^24: at one per 8.4M events or more (the store's
 * flush sizes) of a store's at most 2^32, a kind makes at most 512.  Only
 * the tests' TIDE_FLUSH_AT, set tiny on a huge batch, could reach 2^24. */
static uint32_t run_key(const runs_set *set, uint32_t run)
{
	return set->space << 24 | run;
}

int runs_write(MDB_txn *txn, const runs_set *set, uint32_t run, const runs_pending *p)
{
	uint8_t *chunk = malloc((size_t)CHUNK * set->size);
	if (!chunk)
		return TIDE_ENOMEM;
	MDB_cursor *cur = NULL;
	int rc = mdb_cursor_open(txn, set->dbi, &cur);
	uint32_t key = run_key(set, run);
	for (size_t i = 0; rc == 0 && i < p->n; i += CHUNK) {
		size_t m = p->n - i < CHUNK ? p->n - i : CHUNK;
		for (size_t j = 0; j < m; j++)
			p->encode(p->items, i + j, chunk + j * set->size);
		MDB_val k = {sizeof key, &key};
		MDB_val v[2] = {{set->size, chunk}, {m, NULL}};
		rc = mdb_cursor_put(cur, &k, v, MDB_MULTIPLE | MDB_APPENDDUP);
	}
	if (cur)
		mdb_cursor_close(cur);
	free(chunk);
	return rc;
}

int runs_find(MDB_cursor *cur, const runs_set *set, uint32_t nruns, const uint8_t *probe, size_t prefix,
	      uint8_t *out, int *found)
{
	*found = 0;
	for (uint32_t r = 0; r < nruns; r++) {
		uint32_t key = run_key(set, r);
		MDB_val k = {sizeof key, &key}, v = {set->size, (void *)probe};
		int rc = mdb_cursor_get(cur, &k, &v, MDB_GET_BOTH_RANGE);
		if (rc == MDB_NOTFOUND)
			continue;
		if (rc)
			return rc;
		if (v.mv_size != set->size)
			return TIDE_ECORRUPT;
		if (memcmp(v.mv_data, probe, prefix) == 0) {
			memcpy(out, v.mv_data, set->size);
			*found = 1;
			return 0;
		}
	}
	return 0;
}

/* One sorted source of the merge: a run, read a page of entries at a time,
 * or the pending entries, encoded one at a time into `own`.  Its entry at
 * hand is `entry`, and its first 8 bytes the merge's head[] for it
 * (UINT64_MAX once it is done). */
typedef struct source {
	MDB_cursor *cur;	/* NULL: the pending entries */
	const uint8_t *at, *end;
	const runs_pending *p;
	size_t next;
	const uint8_t *entry;
	bool done;
	uint8_t own[RUNS_ENTRY_MAX];
} source;

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
		MDB_val k, v;
		int rc = mdb_cursor_get(s->cur, &k, &v, MDB_NEXT_MULTIPLE);
		if (rc == MDB_NOTFOUND) {
			s->done = true;
			*head = UINT64_MAX;
			return 0;
		}
		if (rc)
			return rc;
		if (v.mv_size % size)
			return TIDE_ECORRUPT;
		s->at = v.mv_data;
		s->end = s->at + v.mv_size;
	}
	s->entry = s->at;
	*head = bigend_get(s->at, 8);
	s->at += size;
	return 0;
}

/* Positions s at the first page of run `run`. */
static int open_run(MDB_txn *txn, const runs_set *set, uint32_t run, source *s)
{
	int rc = mdb_cursor_open(txn, set->dbi, &s->cur);
	if (rc)
		return rc;
	uint32_t key = run_key(set, run);
	MDB_val k = {sizeof key, &key}, v;
	if ((rc = mdb_cursor_get(s->cur, &k, &v, MDB_SET)))
		return rc == MDB_NOTFOUND ? TIDE_ECORRUPT : rc;
	/* A run of one entry is a plain node: GET_MULTIPLE then leaves v as
	 * MDB_SET returned it, that entry. */
	if ((rc = mdb_cursor_get(s->cur, &k, &v, MDB_GET_MULTIPLE)))
		return rc;
	if (v.mv_size == 0 || v.mv_size % set->size)
		return TIDE_ECORRUPT;
	s->at = v.mv_data;
	s->end = s->at + v.mv_size;
	return 0;
}

/* The source with the least entry, or -1 when all are done.  Dedupe hashes
 * are random, so a branch on each comparison of heads would mispredict half
 * the time: the scan selects without one.  Heads that tie (an equal first 8
 * bytes; or UINT64_MAX, which a live source may hold too) are rare, and
 * settled by the rest of the entries. */
static int least_source(const uint64_t *head, const source *src, uint32_t nsrc, size_t size)
{
	uint32_t least = 0;
	for (uint32_t r = 1; r < nsrc; r++)
		least = head[r] < head[least] ? r : least;
	int best = src[least].done ? -1 : (int)least;
	for (uint32_t r = least + 1; r < nsrc; r++) {
		if (head[r] != head[least] || src[r].done)
			continue;
		if (best < 0 || memcmp(src[r].entry + 8, src[best].entry + 8, size - 8) < 0)
			best = (int)r;
	}
	return best;
}

int runs_merge(MDB_txn *txn, const runs_set *set, uint32_t nruns, const runs_pending *p, runs_fn fn,
	       void *arg)
{
	uint32_t nsrc = nruns + 1;
	source *src = calloc(nsrc, sizeof *src);
	uint64_t *head = calloc(nsrc, sizeof *head);
	if (!src || !head) {
		free(src);
		free(head);
		return TIDE_ENOMEM;
	}
	src[nruns].p = p;
	int rc = 0;
	for (uint32_t r = 0; rc == 0 && r < nruns; r++)
		rc = open_run(txn, set, r, &src[r]);
	for (uint32_t r = 0; rc == 0 && r < nsrc; r++)
		rc = advance(&src[r], set->size, &head[r]);
	for (int least; rc == 0 && (least = least_source(head, src, nsrc, set->size)) >= 0;) {
		rc = fn(arg, src[least].entry);
		if (rc == 0)
			rc = advance(&src[least], set->size, &head[least]);
	}
	for (uint32_t r = 0; r < nruns; r++)
		if (src[r].cur)
			mdb_cursor_close(src[r].cur);
	free(src);
	free(head);
	return rc;
}

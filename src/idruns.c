#include "idruns.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "bigend.h"
#include "err.h"

/* An entry: the hash big-endian, so that LMDB's byte order of duplicates
 * is the hashes' order, then the sequence. */
enum { ENTRY = 12, CHUNK = 4096 };

/* Runs number below 2^24: at one per 12.6M events of a store's at most
 * 2^32, a kind makes at most 342. */
static uint32_t run_key(int kind, uint32_t run)
{
	return (uint32_t)kind << 24 | run;
}

static void entry_encode(uint64_t hash, uint32_t seq, uint8_t *out)
{
	bigend_put(out, hash, 8);
	memcpy(out + 8, &seq, sizeof seq);
}

int idruns_write(MDB_txn *txn, MDB_dbi dbi, int kind, uint32_t run, const idbuf *ib, size_t n)
{
	uint8_t *chunk = malloc((size_t)CHUNK * ENTRY);
	if (!chunk)
		return TIDE_ENOMEM;
	MDB_cursor *cur = NULL;
	int rc = mdb_cursor_open(txn, dbi, &cur);
	uint32_t key = run_key(kind, run);
	for (size_t i = 0; rc == 0 && i < n; i += CHUNK) {
		size_t m = n - i < CHUNK ? n - i : CHUNK;
		for (size_t j = 0; j < m; j++) {
			uint64_t h;
			uint32_t seq;
			idbuf_at(ib, i + j, &h, &seq);
			entry_encode(h, seq, chunk + j * ENTRY);
		}
		MDB_val k = {sizeof key, &key};
		MDB_val v[2] = {{ENTRY, chunk}, {m, NULL}};
		rc = mdb_cursor_put(cur, &k, v, MDB_MULTIPLE | MDB_APPENDDUP);
	}
	if (cur)
		mdb_cursor_close(cur);
	free(chunk);
	return rc;
}

int idruns_find(MDB_cursor *cur, int kind, uint32_t nruns, uint64_t hash, uint32_t *seq, int *found)
{
	uint8_t probe[ENTRY];
	entry_encode(hash, 0, probe);	/* the least entry with this hash */
	*found = 0;
	for (uint32_t r = 0; r < nruns; r++) {
		uint32_t key = run_key(kind, r);
		MDB_val k = {sizeof key, &key}, v = {ENTRY, probe};
		int rc = mdb_cursor_get(cur, &k, &v, MDB_GET_BOTH_RANGE);
		if (rc == MDB_NOTFOUND)
			continue;
		if (rc)
			return rc;
		if (v.mv_size != ENTRY)
			return TIDE_ECORRUPT;
		if (memcmp(v.mv_data, probe, 8) == 0) {
			memcpy(seq, (const uint8_t *)v.mv_data + 8, sizeof *seq);
			*found = 1;
			return 0;
		}
	}
	return 0;
}

/* One sorted source of the merge: a run, read a page of entries at a time,
 * or the pending entries.  Its entry at hand is the merge's head[] for it,
 * UINT64_MAX once it is done. */
typedef struct source {
	MDB_cursor *cur;	/* NULL: the pending entries */
	const uint8_t *at, *end;
	const idbuf *ib;
	size_t next, n;
	bool done;
	uint32_t seq;
} source;

static int advance(source *s, uint64_t *head)
{
	if (!s->cur) {
		s->done = s->next == s->n;
		if (s->done)
			*head = UINT64_MAX;
		else
			idbuf_at(s->ib, s->next++, head, &s->seq);
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
		s->at = v.mv_data;
		s->end = s->at + v.mv_size;
	}
	*head = bigend_get(s->at, 8);
	memcpy(&s->seq, s->at + 8, sizeof s->seq);
	s->at += ENTRY;
	return 0;
}

/* Positions s at the first page of run `run`. */
static int open_run(MDB_txn *txn, MDB_dbi dbi, int kind, uint32_t run, source *s)
{
	int rc = mdb_cursor_open(txn, dbi, &s->cur);
	if (rc)
		return rc;
	uint32_t key = run_key(kind, run);
	MDB_val k = {sizeof key, &key}, v;
	if ((rc = mdb_cursor_get(s->cur, &k, &v, MDB_SET)))
		return rc == MDB_NOTFOUND ? TIDE_ECORRUPT : rc;
	/* A run of one entry is a plain node: GET_MULTIPLE then leaves v as
	 * MDB_SET returned it, that entry. */
	if ((rc = mdb_cursor_get(s->cur, &k, &v, MDB_GET_MULTIPLE)))
		return rc;
	if (v.mv_size % ENTRY)
		return TIDE_ECORRUPT;
	s->at = v.mv_data;
	s->end = s->at + v.mv_size;
	return 0;
}

/* The source with the least head, or -1 when all are done.  The hashes are
 * random, so a branch on each comparison would mispredict half the time:
 * the scan selects without one.  A live source may hold the hash
 * UINT64_MAX too, which the rare second look tells from a done one. */
static int least_head(const uint64_t *head, const source *src, uint32_t nsrc)
{
	uint32_t least = 0;
	for (uint32_t r = 1; r < nsrc; r++)
		least = head[r] < head[least] ? r : least;
	if (!src[least].done)
		return (int)least;
	for (uint32_t r = 0; r < nsrc; r++)
		if (!src[r].done)
			return (int)r;
	return -1;
}

int idruns_merge(MDB_txn *txn, MDB_dbi dbi, int kind, uint32_t nruns, const idbuf *ib, size_t n,
		 idruns_fn fn, void *arg)
{
	uint32_t nsrc = nruns + 1;
	source *src = calloc(nsrc, sizeof *src);
	uint64_t *head = calloc(nsrc, sizeof *head);
	if (!src || !head) {
		free(src);
		free(head);
		return TIDE_ENOMEM;
	}
	src[nruns] = (source){.ib = ib, .n = n};
	int rc = 0;
	for (uint32_t r = 0; rc == 0 && r < nruns; r++)
		rc = open_run(txn, dbi, kind, r, &src[r]);
	for (uint32_t r = 0; rc == 0 && r < nsrc; r++)
		rc = advance(&src[r], &head[r]);
	for (int least; rc == 0 && (least = least_head(head, src, nsrc)) >= 0;) {
		rc = fn(arg, head[least], src[least].seq);
		if (rc == 0)
			rc = advance(&src[least], &head[least]);
	}
	for (uint32_t r = 0; r < nruns; r++)
		if (src[r].cur)
			mdb_cursor_close(src[r].cur);
	free(src);
	free(head);
	return rc;
}

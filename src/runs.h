/* runs.h — a batch's sorted entries that left memory, as runs in a table.
 *
 * A big batch moves what it has pending out of memory every few million
 * events: its dedupe entries (idbuf.h), its customer index entries
 * (custbuf.h) and its tag roll-ups (rollup.h).  Written into their tables
 * at once, each such flush touched nearly every page of a B-tree of tens
 * of millions of entries, and the
 * flushes of a 100M load rewrote those tables over and over (the dedupe
 * entries 70 of its 263 s, the index 33 s).  Instead each flush writes its
 * entries, sorted, as one run of a table kept for them, in blocks of whole
 * entries, a 4 KiB page each (one put per block: LMDB's put per entry, as
 * duplicates of a key per run, cost ~100 ns each, 1-1.7 s a flush).  At
 * commit the runs and the last pending entries merge, in order, into one
 * pass over the real table, and the store empties the runs' table
 * (mdb_drop): between batches it is empty.
 *
 * Entries are `size` bytes, 8 to RUNS_ENTRY_MAX, ordered by their bytes
 * (memcmp): big-endian fields.  A runs_set's table is opened with no flags
 * (its keys compare as bytes) and holds entries of one size; its runs are
 * numbered from 0 per `space` (a kind).
 * Every call works in the caller's write transaction; LMDB's codes pass
 * through, TIDE_ENOMEM when out of memory, TIDE_ECORRUPT when a run is not
 * what was written. */
#ifndef TIDE_RUNS_H
#define TIDE_RUNS_H

#include <lmdb.h>
#include <stddef.h>
#include <stdint.h>

enum { RUNS_ENTRY_MAX = 64 };

typedef struct runs_set {
	MDB_dbi dbi;
	uint32_t space;		/* < 256 */
	size_t size;		/* bytes per entry */
} runs_set;

/* Encodes entry i of a sorted array the caller keeps into out (size bytes). */
typedef void (*runs_encode_fn)(const void *items, size_t i, uint8_t *out);

/* Entries still in memory: n of them, sorted, read through encode. */
typedef struct runs_pending {
	const void *items;
	size_t n;
	runs_encode_fn encode;
} runs_pending;

/* Appends the pending entries as run `run` of the set. */
int runs_write(MDB_txn *txn, const runs_set *set, uint32_t run, const runs_pending *p);

/* Writes run `run` of the set an entry at a time, for entries that come
 * from a walk rather than an array: each is copied, and a block is put once
 * it is full.  Entries must come in order.  runs_append_end puts the last
 * block, says how many entries the run holds (a run of none is no run:
 * runs_merge would not find it) and frees the appender, after an error
 * too. */
typedef struct runs_appender runs_appender;
int runs_append_start(MDB_txn *txn, const runs_set *set, uint32_t run, runs_appender **out);
int runs_append(runs_appender *a, const uint8_t *entry);
int runs_append_end(runs_appender *a, size_t *entries);

/* Looks, through cur (a cursor on the set's table), in runs 0 .. nruns-1 for
 * an entry whose first 8 bytes are `head` (big-endian): *found, and the
 * least such entry of the first run that holds one copied to out (size
 * bytes) when found. */
int runs_find(MDB_cursor *cur, const runs_set *set, uint32_t nruns, uint64_t head, uint8_t *out, int *found);

/* Called once per entry, in order; a non-zero return stops the merge and is
 * returned.  entry is valid until the call returns. */
typedef int (*runs_fn)(void *arg, const uint8_t *entry);

/* Calls fn for every entry of runs 0 .. nruns-1 and of p (NULL: none), in
 * order. */
int runs_merge(MDB_txn *txn, const runs_set *set, uint32_t nruns, const runs_pending *p, runs_fn fn,
	       void *arg);

#endif

/* idruns.h — a batch's dedupe entries that left memory, as sorted runs.
 *
 * A big batch moves its pending dedupe entries (idbuf.h) out of memory every
 * 12.5M events.  Inserted into the ids table, a B-tree of random hashes,
 * each such flush touched nearly every page of it: the flushes of a 100M
 * load rewrote the table over and over (70 of its 263 s).  Instead each
 * flush appends its entries, sorted, as one run of a table kept for them:
 * a key per run, whose duplicates (fixed size, packed a page at a time) are
 * the entries.  At commit the runs and the last pending entries merge, in
 * hash order, into one pass over the ids table, and the store empties the
 * runs' table (mdb_drop): between batches it is empty.
 *
 * The table must be MDB_INTEGERKEY | MDB_DUPSORT | MDB_DUPFIXED; runs are
 * numbered from 0 per kind.  Every call works in the caller's write
 * transaction; LMDB's codes pass through, TIDE_ENOMEM when out of memory. */
#ifndef TIDE_IDRUNS_H
#define TIDE_IDRUNS_H

#include <lmdb.h>
#include <stddef.h>
#include <stdint.h>

#include "idbuf.h"

/* Appends the n entries of ib, sorted (idbuf_sort), as run `run` of kind. */
int idruns_write(MDB_txn *txn, MDB_dbi dbi, int kind, uint32_t run, const idbuf *ib, size_t n);

/* Looks hash up in kind's runs 0 .. nruns-1 through cur, a cursor on the
 * runs' table: *found, and *seq when found. */
int idruns_find(MDB_cursor *cur, int kind, uint32_t nruns, uint64_t hash, uint32_t *seq, int *found);

/* Called once per entry; a non-zero return stops the merge and is returned. */
typedef int (*idruns_fn)(void *arg, uint64_t hash, uint32_t seq);

/* Calls fn for every entry of kind's runs 0 .. nruns-1 and of ib's n sorted
 * entries (ib may be NULL when n is 0), in hash order. */
int idruns_merge(MDB_txn *txn, MDB_dbi dbi, int kind, uint32_t nruns, const idbuf *ib, size_t n,
		 idruns_fn fn, void *arg);

#endif

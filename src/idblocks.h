/* idblocks.h — a dedupe table (id hash → sequence) kept in blocks.
 *
 * The dedupe tables (`ids`, `c_ids` and their recent tables) held one LMDB
 * entry per id: 22 bytes of node, key and slot for 12 bytes of hash and
 * sequence, and one put per id (~125 ns appended: 12.6 s of a 100M load's
 * commit).  A block holds up to IDBLOCKS_CAP entries, sorted: their hashes,
 * then their sequences in the same order, one value of at most 4080 bytes,
 * which is one overflow page.  Its key is its last hash (MDB_INTEGERKEY, a
 * native u64): the only block that may hold a hash is the first whose key
 * is not below it (MDB_SET_RANGE), and keys are unique as the hashes are.
 *
 * A writer takes a table's new entries in hash order.  Those past the
 * table's last key fill new blocks, appended; the others merge into the
 * block whose range they fall in, rewritten once after its last new entry
 * (split in two or more when it overflows).  Every call works in the
 * caller's write transaction; LMDB's codes pass through, TIDE_ENOMEM when
 * out of memory, TIDE_ECORRUPT for a block not as written, or a hash out of
 * order or already in the table.
 *
 * Ownership: a writer is the caller's from idblocks_open until
 * idblocks_close, which frees it in every case. */
#ifndef TIDE_IDBLOCKS_H
#define TIDE_IDBLOCKS_H

#include <lmdb.h>
#include <stdbool.h>
#include <stdint.h>

enum { IDBLOCKS_CAP = 340 };	/* 340 × 12 bytes = 4080: one 4 KiB overflow page */

/* Looks hash h up through cur, a cursor on the table: *found, and *seq
 * when found. */
int idblocks_find(MDB_cursor *cur, uint64_t h, uint32_t *seq, int *found);

/* Called once per entry of a table, in hash order; a non-zero return stops
 * the walk and is returned.  fn may write (each block is read from a copy). */
typedef int (*idblocks_fn)(void *arg, uint64_t h, uint32_t seq);
int idblocks_each(MDB_txn *txn, MDB_dbi dbi, idblocks_fn fn, void *arg);

typedef struct idblocks_writer idblocks_writer;

int idblocks_open(MDB_txn *txn, MDB_dbi dbi, idblocks_writer **out);

/* Adds an entry whose hash is above every hash added before. */
int idblocks_add(idblocks_writer *w, uint64_t h, uint32_t seq);

/* Writes what is still pending when `write` (else drops it: the caller is
 * abandoning its transaction), and frees w. */
int idblocks_close(idblocks_writer *w, bool write);

#endif

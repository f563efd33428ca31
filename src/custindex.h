/* custindex.h — the customer index (`o_cust`, `c_cust`): each customer's
 * events in (ts, seq) order, kept in blocks.
 *
 * An entry is CUSTINDEX_ENTRY bytes: the ts as seconds since 0001-01-01 in
 * 5 bytes big-endian, then the seq in 4, so that memcmp orders entries by
 * time.  A block holds up to CUSTINDEX_CAP of one customer's entries, sorted,
 * as one value; its key is the customer (4 bytes big-endian) then the
 * block's first entry, so a customer's blocks are consecutive and in time
 * order, and every entry of a block lies before the next block's first.
 *
 * Until layout 15 an entry was an LMDB duplicate under the customer's
 * number, and a batch put each one (`MDB_MULTIPLE` puts duplicates one by
 * one, ~1,000 instructions each: ~9 s of a 100M-order load's commit).  Now
 * a customer's entries of a batch take one put: a block of their own, or
 * the customer's last block rewritten in place with them added.
 *
 * Every call works in the caller's transaction; LMDB's codes pass through,
 * TIDE_ENOMEM when out of memory, TIDE_ECORRUPT for a block not as written
 * or an entry that is already there.
 *
 * Ownership: the cursors are the caller's.  A writer's buffers are freed by
 * custindex_writer_free; an iterator's answers point into the transaction's
 * pages (it must not write meanwhile) and hold no memory of their own. */
#ifndef TIDE_CUSTINDEX_H
#define TIDE_CUSTINDEX_H

#include <lmdb.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
	CUSTINDEX_ENTRY = 9,
	CUSTINDEX_KEY = 4 + CUSTINDEX_ENTRY,
	/* 224 × 9 = 2016 bytes: with its 13-byte key and LMDB's 8-byte node
	 * header, a full block still fits in a 4 KiB leaf page beside another
	 * (LMDB's largest in-page node is 2038 bytes), never an overflow page. */
	CUSTINDEX_CAP = 224
};

/* Timestamps are years 1..9999: 315,537,897,599 seconds span them, < 2^39. */
void custindex_entry_encode(int64_t ts, uint64_t seq, uint8_t out[CUSTINDEX_ENTRY]);
void custindex_entry_decode(const uint8_t in[CUSTINDEX_ENTRY], int64_t *ts, uint64_t *seq);

typedef struct custindex_writer {
	MDB_cursor *cur;	/* on the table, in a write transaction */
	bool append;		/* the table was empty: customers come in rising order */
	uint8_t *buf;		/* what a put merges, room for cap entries */
	size_t cap;
	uint8_t (*dead)[CUSTINDEX_KEY];	/* keys of the blocks a merge replaces */
	size_t dead_cap;
} custindex_writer;

/* Adds one customer's n new entries (sorted, n > 0).  Entries that follow
 * the customer's last fill its last block, then new ones; the rare batch
 * that goes back in time rewrites the customer's blocks from the one it
 * starts in. */
int custindex_put(custindex_writer *w, uint32_t customer, const uint8_t *entries, size_t n);

void custindex_writer_free(custindex_writer *w);

/* One table's part of a walk: the block it is in. */
typedef struct custindex_part {
	MDB_cursor *cur;	/* NULL: a table with nothing to give */
	const uint8_t *at, *end;	/* the current block's entries still to give */
	bool started, done;
} custindex_part;

/* A walk of one customer's entries, from a time on, through the base table
 * and the recent one that later batches write (store.c), merged in (ts, seq)
 * order.  An entry is in one of the two only. */
typedef struct custindex_iter {
	custindex_part part[2];
	uint32_t customer;
	uint8_t from[CUSTINDEX_ENTRY];	/* entries below it are skipped */
} custindex_iter;

/* Starts a walk of the customer's entries with ts >= from, through base and
 * recent, cursors on the two tables (recent may be NULL). */
void custindex_iter_start(custindex_iter *it, MDB_cursor *base, MDB_cursor *recent, uint32_t customer,
			  int64_t from);

/* 1 and the next entry, 0 after the customer's last, or an error
 * (TIDE_ECORRUPT for an entry in both tables). */
int custindex_next(custindex_iter *it, int64_t *ts, uint64_t *seq);

#endif

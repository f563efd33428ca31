/* colblock.h — a block of orders' head fields, stored column by column.
 *
 * A scan that reads no order's id, sku or tags needs five fields of each
 * order: its sequence number, time, customer, amount and cost.  From the log
 * each order costs a cursor step and a varint decode; the store keeps these
 * fields a second time in o_cols, a few hundred orders to a block, so that a
 * scan reads one block per few hundred orders and decodes it a column at a
 * time in tight loops.
 *
 * Each column is stored as offsets from its least value in the block, in the
 * fewest whole bytes (0, 1, 2, 4 or 8) that hold the largest offset (a
 * "frame of reference").  Encoded, little-endian:
 *
 *   u16 n
 *   (n + 7) / 8 bytes: has_cost, one bit per order
 *   per column (seq, ts, customer, amount, cost):
 *       i64 least value, u8 width, n × width bytes of value - least
 *
 * An order without a cost stores cost 0.  A block is built until one more
 * order would make it longer than COLBLOCK_BYTES, or hold COLBLOCK_EVENTS.
 *
 * Ownership: a colblock is plain data, owned by whoever declared it. */
#ifndef TIDE_COLBLOCK_H
#define TIDE_COLBLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* LMDB stores a value longer than half a page on overflow pages, whole
 * pages after a 16-byte header: with 4 KiB pages a block of at most this
 * size takes exactly one. */
enum { COLBLOCK_BYTES = 4096 - 16 };
enum { COLBLOCK_EVENTS = 1024 };

typedef enum colblock_col { CB_SEQ, CB_TS, CB_CUSTOMER, CB_AMOUNT, CB_COST, CB_NCOLS } colblock_col;

typedef struct colblock {
	uint32_t n;
	int64_t col[CB_NCOLS][COLBLOCK_EVENTS];
	bool has_cost[COLBLOCK_EVENTS];
	/* while building: each column's least and greatest value so far */
	int64_t lo[CB_NCOLS], hi[CB_NCOLS];
} colblock;

/* Empties b for building. */
void colblock_reset(colblock *b);

/* Adds an order to b, or returns false (b unchanged) when it would make the
 * encoded block longer than COLBLOCK_BYTES or hold too many orders. */
bool colblock_add(colblock *b, uint64_t seq, int64_t ts, uint32_t customer, int64_t amount,
		  bool has_cost, int64_t cost);

/* Encodes b (built with colblock_add) into out; returns its length, at most
 * COLBLOCK_BYTES. */
size_t colblock_encode(const colblock *b, uint8_t out[COLBLOCK_BYTES]);

/* Decodes len bytes into b, for reading (its lo/hi are left as they were).
 * Returns false when the bytes are not a block of at most COLBLOCK_BYTES. */
bool colblock_decode(const uint8_t *in, size_t len, colblock *b);

/* Makes a decoded block ready for colblock_add to extend: sets its lo/hi,
 * which a scan's decode has no use for. */
void colblock_resume(colblock *b);

#endif

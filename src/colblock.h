/* colblock.h — a block of orders' head fields and tags, stored column by
 * column.
 *
 * A scan that reads no order's id, sku or qty needs its sequence number,
 * time, customer, amount, cost and tags.  From the log each order costs a
 * cursor step and a varint decode; the store keeps these fields a second
 * time in o_cols, a few hundred orders to a block, so that a scan reads one
 * block per few hundred orders and decodes it a column at a time in tight
 * loops.
 *
 * Each column is stored as offsets from its least value in the block, in the
 * fewest whole bytes (0 to 8) that hold the largest offset (a "frame of
 * reference").  A tag is a column of its own: the interned number
 * of each order's value, 0 for an order without that tag.  Encoded,
 * little-endian:
 *
 *   u16 n
 *   (n + 7) / 8 bytes: has_cost, one bit per order
 *   per column (seq, ts, customer, amount, cost):
 *       i64 least value, u8 width, n × width bytes of value - least
 *   u8 tag columns
 *   per tag column: u32 tag name, then a column as above
 *
 * An order without a cost stores cost 0.  A block is built until one more
 * order would make it longer than COLBLOCK_BYTES, hold COLBLOCK_EVENTS, or
 * need more than COLBLOCK_TAGS tag columns.
 *
 * Ownership: a colblock is plain data, owned by whoever declared it; an
 * order's tags given to colblock_add are copied. */
#ifndef TIDE_COLBLOCK_H
#define TIDE_COLBLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"

/* LMDB stores a value longer than half a page on overflow pages, whole
 * pages after a 16-byte header: with 4 KiB pages a block of at most this
 * size takes exactly one. */
enum { COLBLOCK_BYTES = 4096 - 16 };
enum { COLBLOCK_EVENTS = 1024 };
/* Every order's tags fit an empty block. */
enum { COLBLOCK_TAGS = TIDE_TAGS_MAX };

typedef enum colblock_col { CB_SEQ, CB_TS, CB_CUSTOMER, CB_AMOUNT, CB_COST, CB_NCOLS } colblock_col;

/* One order as colblock_add takes it. */
typedef struct colblock_order {
	uint64_t seq;
	int64_t ts;
	uint32_t customer;
	int64_t amount;
	bool has_cost;
	int64_t cost;
	uint32_t ntags;
	const uint32_t *tags;	/* ntags pairs (name, value), value 0 for none;
				 * no name twice (the readers refuse a repeated column) */
} colblock_order;

typedef struct colblock {
	uint32_t n;
	uint32_t ntags;		/* tag columns */
	uint32_t tag_name[COLBLOCK_TAGS];
	/* the head columns, then tag column t at CB_NCOLS + t */
	int64_t col[CB_NCOLS + COLBLOCK_TAGS][COLBLOCK_EVENTS];
	bool has_cost[COLBLOCK_EVENTS];
	/* while building: each column's least and greatest value so far, the
	 * bytes that take per order, and their sum over the columns */
	int64_t lo[CB_NCOLS + COLBLOCK_TAGS], hi[CB_NCOLS + COLBLOCK_TAGS];
	int width[CB_NCOLS + COLBLOCK_TAGS];
	size_t row_bytes;
} colblock;

/* Empties b for building. */
void colblock_reset(colblock *b);

/* Adds an order to b, or returns false (b unchanged) when it would make the
 * encoded block longer than COLBLOCK_BYTES, hold too many orders or need
 * too many tag columns. */
bool colblock_add(colblock *b, const colblock_order *o);

/* Encodes b (built with colblock_add) into out; returns its length, at most
 * COLBLOCK_BYTES. */
size_t colblock_encode(const colblock *b, uint8_t out[COLBLOCK_BYTES]);

/* Decodes len bytes into b, every column.  Returns false when the bytes are
 * not a block of at most COLBLOCK_BYTES. */
bool colblock_decode(const uint8_t *in, size_t len, colblock *b);

/* As colblock_decode, for reading: the head columns and only the tag columns
 * named in names (nnames of them), which become b's tag columns in the
 * block's order.  Its lo/hi are left as they were. */
bool colblock_decode_tags(const uint8_t *in, size_t len, const uint32_t *names, uint32_t nnames,
			  colblock *b);

/* Makes a block decoded with colblock_decode ready for colblock_add to
 * extend: sets its lo/hi, which a scan's decode has no use for. */
void colblock_resume(colblock *b);

/* Writes order i's tags as the log writes them (a varint tag name and a
 * varint value for each tag the order has) into out, which has room for
 * COLBLOCK_TAG_BYTES; returns their length and sets *ntags. */
enum { COLBLOCK_TAG_BYTES = COLBLOCK_TAGS * 2 * 5 };
size_t colblock_tags_of(const colblock *b, uint32_t i, uint8_t *out, uint32_t *ntags);

#endif

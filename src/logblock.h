/* logblock.h — a block of log records: the records of consecutive events of
 * one kind, as the orders and contacts logs store them, a block to a value.
 *
 * One LMDB entry per event cost 18 bytes beside its record (the node header,
 * the 8-byte key, the pointer to the node) and a put: of a ~30-byte order
 * record, more than a third again.  Blocks of about a hundred records take
 * one entry, keyed by the sequence number of their first record, and fill
 * one overflow page exactly.
 *
 * Encoded, each record in turn:
 *   varint (seq − the previous record's seq; the first record's: 0, its seq
 *           being the block's key), varint len, len bytes of record
 * Sequence numbers rise within a block.
 *
 * Ownership: a logblock is plain data, owned by whoever declared it; a
 * logblock_rd views bytes someone else keeps. */
#ifndef TIDE_LOGBLOCK_H
#define TIDE_LOGBLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* LMDB keeps a value longer than half a page on overflow pages, whole pages
 * after a 16-byte header: with 4 KiB pages a block of at most this size
 * takes exactly one. */
enum { LOGBLOCK_BYTES = 4096 - 16 };

typedef struct logblock {
	uint64_t first, last;	/* sequence numbers; valid when len > 0 */
	size_t len;
	uint8_t bytes[LOGBLOCK_BYTES];
} logblock;

void logblock_reset(logblock *b);

/* Appends record rec of event seq (greater than the block's last), or
 * returns false (b unchanged) when it would not fit. */
bool logblock_add(logblock *b, uint64_t seq, const uint8_t *rec, size_t len);

/* A reader of one block's records. */
typedef struct logblock_rd {
	const uint8_t *p, *end;
	uint64_t seq;		/* the last record's read; the key before any */
	bool started;
} logblock_rd;

/* Starts reading the len bytes of the block whose key is first. */
void logblock_read(logblock_rd *r, uint64_t first, const void *bytes, size_t len);

/* The next record: 1 with *seq, *rec and *len set; 0 at the block's end;
 * -1 when the bytes are not a block. */
int logblock_next(logblock_rd *r, uint64_t *seq, const uint8_t **rec, size_t *len);

/* Loads a stored block into b to extend it; false when the bytes are not a
 * block of at most LOGBLOCK_BYTES. */
bool logblock_resume(logblock *b, uint64_t first, const void *bytes, size_t len);

#endif

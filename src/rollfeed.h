/* rollfeed.h — folds a batch's orders into its roll-ups on a thread of its
 * own.
 *
 * Folding is a sixth of a bulk load's writing: each order touches its
 * customer's roll-up and one per tag, at random in tables of hundreds of MB
 * that the kernel zeroes as they are first written.  None of it needs the
 * write transaction, so the writer queues each order's fold and goes on; a
 * second thread, on the other core, takes them in order and folds them into
 * the rollup_buf.  It sees the queue ahead of it, so it asks for the memory
 * of the orders it will fold next before folding this one.
 *
 * Ownership: rollfeed_start borrows buf until rollfeed_stop.  Between them
 * the buffer is the thread's; the caller may touch it only after
 * rollfeed_drain and before the next rollfeed_add.  When no thread can be
 * started, rollfeed_add folds on the caller's thread, so the caller's code is
 * the same either way.  All calls are for one thread. */
#ifndef TIDE_ROLLFEED_H
#define TIDE_ROLLFEED_H

#include <stdbool.h>
#include <stdint.h>

#include "event.h"
#include "rollup.h"

typedef struct rollfeed rollfeed;

/* Orders queued at most: ~1.2 MB, several milliseconds of a bulk load's
 * writing, so neither side waits on the other's hiccups. */
enum { ROLLFEED_QUEUE = 4096 };

/* NULL only when out of memory. */
rollfeed *rollfeed_start(rollup_buf *buf);

/* Queues rollup_buf_add(buf, customer, pairs, npairs, seq, ts, amount,
 * margin); npairs <= TIDE_TAGS_MAX.  0, or -1 when a fold failed for want of
 * memory (this one or an earlier one). */
int rollfeed_add(rollfeed *f, uint32_t customer, const uint32_t *pairs, int npairs, uint32_t seq,
		 int64_t ts, int64_t amount, int64_t margin);

/* Whether the buffer held as much as it should (rollup_buf_full) after the
 * last order the thread folded: then drain, write the buffer out and clear
 * it.  The thread runs behind the writer, so the buffer may take up to
 * ROLLFEED_QUEUE more orders before the writer sees this (at most
 * ROLLFEED_QUEUE * (TIDE_TAGS_MAX + ROLLUP_TRACKED) = 147,456 tag roll-ups);
 * rollup_buf_full leaves room for them. */
bool rollfeed_full(const rollfeed *f);

/* Waits until every queued order is folded, and forgets that the buffer was
 * full.  0, or -1 when a fold failed for want of memory. */
int rollfeed_drain(rollfeed *f);

/* Drains and stops the thread; NULL is a no-op. */
void rollfeed_stop(rollfeed *f);

#endif

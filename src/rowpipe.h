/* rowpipe.h — runs an input reader on a thread of its own and hands its rows
 * over in blocks.
 *
 * A bulk load spends about a tenth of its time parsing, on the same core as
 * the store's work; on its own thread the parsing overlaps that work, and so
 * does the dedupe lookup of each event's id (the check function).  And a
 * block lets the consumer see the rows after the one it is storing, so that
 * it can ask for their memory (dedupe slot, customer) before it needs it.
 *
 * Every event of a block owns its strings: they are copied out of the
 * reader's row buffer into the block.  A bad row (TIDE_EINPUT) is a row too,
 * with the reader's message and the row's text, so the consumer meets bad
 * rows and events in input order, as it would calling the reader itself.
 *
 * Ownership: rowpipe_open takes the reader, whatever it returns;
 * rowpipe_close stops the thread and closes the reader.  A block's rows stay
 * valid until the next rowpipe_next or rowpipe_close.  All calls are for one
 * consuming thread. */
#ifndef TIDE_ROWPIPE_H
#define TIDE_ROWPIPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "event.h"
#include "reader.h"
#include "store.h"

typedef struct rowpipe rowpipe;

typedef struct rowpipe_row {
	int rc;			/* 0: ev is an event; TIDE_EINPUT: a bad row */
	tide_event ev;		/* when rc == 0 */
	store_idcheck id;	/* when rc == 0: the check function's answer for ev */
	const char *msg;	/* when rc != 0: "name:line: field: reason" */
	const char *text;	/* when rc != 0: the row, as tide_reader_row gives it */
	size_t text_len;
} rowpipe_row;

/* What the reading thread works out of each event besides parsing it, off
 * the consumer's thread; arg is the check function's.  consumer_idle: the
 * consumer is waiting for rows, so work it could do itself on a row is
 * better left to it. */
typedef void (*rowpipe_check_fn)(void *arg, const tide_event *ev, bool consumer_idle, store_idcheck *out);

/* Starts reading r on a new thread, each row's id checked there with
 * check(arg, ...).  0, or an error (r is closed). */
int rowpipe_open(rowpipe **out, tide_reader *r, rowpipe_check_fn check, void *arg, tide_err *e);

/* The next block: 1 with *rows and *n > 0, 0 at the end of the input, or the
 * reader's final error (any but TIDE_EINPUT) once the rows before it have
 * been handed over, its message in e. */
int rowpipe_next(rowpipe *p, const rowpipe_row **rows, size_t *n, tide_err *e);

/* Stops the thread (it may be mid-input), closes the reader and frees the
 * blocks; NULL is a no-op. */
void rowpipe_close(rowpipe *p);

#endif

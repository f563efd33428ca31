/* reader.h — turns CSV or NDJSON text into validated tide_events.
 *
 * A reader owns its buffers; every view in an event it returns stays valid
 * until the next tide_reader_next() or tide_reader_close() on that reader. */
#ifndef TIDE_READER_H
#define TIDE_READER_H

#include <stdio.h>

#include "err.h"
#include "event.h"

typedef enum {
	TIDE_FMT_AUTO = 0,	/* by file name: .ndjson/.jsonl → NDJSON, else CSV */
	TIDE_FMT_CSV,
	TIDE_FMT_NDJSON
} tide_format;

#define TIDE_LINE_MAX (1 << 20)	/* bytes in one input line */

typedef struct tide_reader tide_reader;

/* Opens path ("-" or NULL = stdin) for events of one kind.  name is what
 * error messages call the input ("orders.csv", "<stdin>").  For CSV the header
 * is read and checked here: missing required or duplicate columns are
 * TIDE_EINPUT, as is an empty file. */
int tide_reader_open(tide_reader **out, tide_kind kind, const char *path,
		     tide_format format, tide_err *e);

/* Same, over an open stream the caller keeps owning (not closed by the
 * reader); name is used in messages.  format AUTO means CSV here. */
int tide_reader_open_stream(tide_reader **out, tide_kind kind, FILE *f, const char *name,
			    tide_format format, tide_err *e);

/* Next event: returns 1 and fills *ev, 0 at end of input, or an error.
 * TIDE_EINPUT means the current row is bad; e->msg reads
 * "name:line: field: reason" and the reader stays usable, so a caller that
 * skips bad rows can call again.  Any other error is final. */
int tide_reader_next(tide_reader *r, tide_event *ev, tide_err *e);

/* 1-based line number of the row last returned (or rejected). */
long tide_reader_line(const tide_reader *r);

/* The raw text of that row, without its line ending.  A row that could not
 * be delimited gives what the reader kept of it: the first TIDE_LINE_MAX
 * bytes of an over-long line, or the first line of a row whose quote never
 * closes (reading resumes on the line after it). */
const char *tide_reader_row(const tide_reader *r, size_t *len);

void tide_reader_close(tide_reader *r);

#endif

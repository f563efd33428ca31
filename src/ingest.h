/* ingest.h — loads input files into the store as one atomic batch. */
#ifndef TIDE_INGEST_H
#define TIDE_INGEST_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "event.h"
#include "reader.h"
#include "store.h"

typedef struct ingest_opts {
	tide_format format;
	/* When set, bad rows do not abort the batch: each is written to this
	 * file as "REASON<TAB>ROW" and the good rows are stored. */
	const char *skip_bad_path;
	bool progress;		/* a progress line on stderr */
} ingest_opts;

typedef struct ingest_result {
	uint64_t rows, stored, duplicates, bad;
	double seconds;
} ingest_result;

/* Reads every path (NULL or "-" = stdin) and stores its events in one write
 * transaction: either all good rows of all files are stored, or nothing is.
 * When the map fills, it grows (up to the store's cap) and the batch is
 * replayed, so standard input is first spooled to a temporary file. */
int ingest_run(store *s, const char *dir, tide_kind kind, const char *const *paths,
	       int npaths, const ingest_opts *opts, ingest_result *res, tide_err *e);

#endif

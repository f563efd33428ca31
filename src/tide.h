/* tide.h — the public C API: open a store, ingest, export, query, close.
 * The `tide` command-line tool is written against this header alone, so a
 * program can embed the store the same way.
 *
 * Conventions: every function returns 0 or an error code (err.h) and fills
 * the caller's tide_err; handles are opaque; what a call returns is owned by
 * the caller unless said otherwise. */
#ifndef TIDE_H
#define TIDE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"
#include "event.h"
#include "ingest.h"
#include "reader.h"
#include "store.h"

typedef struct tide_db tide_db;

typedef struct tide_open_opts {
	bool read_only;		/* open an existing store for queries only */
	uint64_t map_cap;	/* bytes the store may grow to; 0 = 1 TiB */
} tide_open_opts;

/* Opens (creating unless read_only) the store in directory dir. */
int tide_open(const char *dir, const tide_open_opts *opts, tide_db **out, tide_err *e);
void tide_close(tide_db *db);

/* Ingests files (NULL/"-" = stdin) as one atomic batch; see ingest.h. */
int tide_ingest(tide_db *db, tide_kind kind, const char *const *paths, int npaths,
		const ingest_opts *opts, ingest_result *res, tide_err *e);

/* Counters and sizes of the last committed state. */
int tide_stats(tide_db *db, store_info *out, tide_err *e);

/* A number that changes whenever the store's content may have (the last
 * committed transaction, by any process): results computed at one value
 * stay exact while it holds. */
uint64_t tide_version(tide_db *db);

/* Writes every event of kind to out (TIDE_FMT_CSV or TIDE_FMT_NDJSON). */
int tide_export(tide_db *db, tide_kind kind, tide_format format, FILE *out, tide_err *e);

/* ---- queries ---------------------------------------------------------- */

typedef enum { TIDE_OUT_TEXT, TIDE_OUT_CSV, TIDE_OUT_JSON, TIDE_OUT_NDJSON } tide_out_format;

typedef struct tide_query_opts {
	const char *asof;	/* overrides the query's ASOF (timestamp text), or NULL */
	double timeout;		/* seconds; 0 = none */
} tide_query_opts;

typedef struct tide_result tide_result;

/* Parses, checks, plans and runs one TQL statement (len bytes of text; a
 * NUL among them is an error, not the end) over a consistent snapshot.
 * TIDE_EQUERY: e->msg is "LINE:COL: ..."; TIDE_ETIMEOUT. */
int tide_query(tide_db *db, const char *text, size_t len, const tide_query_opts *opts,
	       tide_result **out, tide_err *e);

int tide_result_write(const tide_result *r, tide_out_format format, FILE *out, tide_err *e);
void tide_result_free(tide_result *r);

#endif

/* result.h — a query's answer: named columns and rows of values, and the
 * four output formats.
 *
 * A result owns copies of every string it holds (an arena), so it outlives
 * the snapshot the query read. */
#ifndef TIDE_RESULT_H
#define TIDE_RESULT_H

#include <stdbool.h>
#include <stdio.h>

#include "err.h"
#include "tide.h"
#include "value.h"

/* A block of the string arena.  Blocks are never reallocated, so a string
 * copied into the arena keeps its address for the life of the result. */
struct result_chunk;

struct result_keep;

struct tide_result {
	int ncols;
	char **names;		/* owned */
	size_t nrows, cap;
	value *cells;		/* nrows × ncols, row-major */
	struct result_chunk *chunks;	/* string bytes of VAL_STR cells, newest first */
	char *text;		/* EXPLAIN: the plan text instead of rows, or NULL;
				 * owned (malloc'd), freed by tide_result_free */
	struct result_keep *keep;	/* result_keep_first, or NULL */
};

/* New empty result with these column names (copied).  ncols may be 0 (and
 * names NULL), e.g. for an EXPLAIN result that only sets text. */
int result_new(tide_result **out, int ncols, char *const *names, tide_err *e);

/* Appends a row of ncols values; the bytes of VAL_STR cells are copied into
 * the arena (NUL-terminated), so the row does not refer to the caller's
 * memory.  On error no row is added. */
int result_append(tide_result *r, const value *row, tide_err *e);

/* How rows compare for ORDER BY: on their cells first..first+n-1, each in
 * val_compare order, reversed where desc[i]; rows equal on all of them keep
 * the order they arrived in.  n = 0: arrival order. */
typedef struct result_order {
	int first, n;
	const bool *desc;	/* borrowed */
} result_order;

/* From now on r keeps only the first k rows under o as rows are appended:
 * a row that cannot be among them is dropped on arrival, one that can takes
 * the place of the last kept.  ORDER BY ... LIMIT k over many groups then
 * holds k rows, not all.  Call on an empty result; o->desc must outlive the
 * appends. */
int result_keep_first(tide_result *r, const result_order *o, size_t k, tide_err *e);

/* Rows a and b under o alone (no arrival order): < 0 when a comes first,
 * 0 when o cannot tell them apart, > 0 when b comes first. */
int result_compare(const result_order *o, const value *a, const value *b);

/* The first `limit` rows under o (all when fewer): *idx is a malloc'd array
 * of *n row numbers, in order, that the caller frees. */
int result_order_rows(const tide_result *r, const result_order *o, size_t limit,
		      size_t **idx, size_t *n, tide_err *e);

/* Row i's cells (i < nrows).  The pointer is valid until the next
 * result_append; the strings it refers to live as long as the result. */
value *result_row(const tide_result *r, size_t i);

/* Output, per language.md.  When r->text is set (EXPLAIN), that text is
 * written instead of the rows, in every format: text as is (plus a final
 * newline if it lacks one), csv as a column `plan` with one row per line,
 * json as {"plan":"..."} and ndjson as the same object on one line.
 *
 * Cells: money with exactly 2 decimals (val_money_cents, never "-0.00");
 * reals with 6 decimals in text and CSV ("-0.000000" prints as "0.000000";
 * non-finite as nan, inf, -inf) and in JSON as the shortest text that reads
 * back as the same double (non-finite as null); timestamps as
 * YYYY-MM-DDTHH:MM:SSZ; booleans true/false; durations canonical ("90d");
 * null empty in text and CSV and null in JSON.
 *
 * text: a header line of the column names, a line of dashes under each
 *   column, then the rows, columns separated by two spaces and padded to the
 *   widest cell (widths in UTF-8 code points).  Numbers (int, money, real)
 *   are right-aligned, everything else left-aligned; the header of a column
 *   whose non-null cells are all numbers is right-aligned too.  No line ends
 *   in padding.  Control characters in strings print as \n, \r, \t or
 *   \xHH.  Last line: "(1 row)" or "(N rows)", also for an empty result.
 * csv: RFC 4180 with \n line ends: a header row, then the rows; a field is
 *   quoted when it holds , " CR or LF, and an empty string is written ""
 *   so that it differs from null, which is written as nothing.
 * json: an array of objects keyed by column name in column order, one
 *   object per line: "[\n{...},\n{...}\n]\n"; "[]\n" when empty.  Strings
 *   are escaped per RFC 8259 (invalid UTF-8 bytes become \ufffd).
 * ndjson: one object per line, the same encodings; nothing when empty.
 *
 * TIDE_EIO when writing fails, TIDE_EUSAGE for a bad format. */
int result_write(const tide_result *r, tide_out_format f, FILE *out, tide_err *e);

#endif

/* export.h — writes every event of one kind back out, in arrival order,
 * losslessly: ingesting the output into an empty store gives the same
 * events (same ids, timestamps, exact amounts, tags). */
#ifndef TIDE_EXPORT_H
#define TIDE_EXPORT_H

#include <stdio.h>

#include "err.h"
#include "event.h"
#include "reader.h"
#include "store.h"

/* format: TIDE_FMT_CSV (header + rows) or TIDE_FMT_NDJSON. */
int export_run(store *s, tide_kind kind, tide_format format, FILE *out, tide_err *e);

/* Writes s[0..n) as a JSON string literal, with quotes. */
void export_json_string(FILE *out, const char *s, size_t n);

/* Writes s[0..n) as a CSV field, quoted when it must be. */
void export_csv_field(FILE *out, const char *s, size_t n);

#endif

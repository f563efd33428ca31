/* query.h — one TQL statement from text to result: parse, bind, run each
 * series point, order, limit.  The public entry is tide_query (tide.h). */
#ifndef TIDE_QUERY_H
#define TIDE_QUERY_H

#include "store.h"
#include "tide.h"

int query_run(store *s, const char *text, size_t len, const tide_query_opts *opts,
	      tide_result **out, tide_err *e);

#endif

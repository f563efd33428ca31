/* rollwalk.h — for the roll-up tests: the pending roll-ups a walk of a
 * rollup_buf gives, keys and deltas, in the walk's order. */
#ifndef TIDE_ROLLWALK_H
#define TIDE_ROLLWALK_H

#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "rollup.h"

typedef struct rollwalk {
	uint32_t (*key)[3];	/* tag, value, customer */
	rollup *r;
	size_t n, cap;
} rollwalk;

static inline int rollwalk_note(void *arg, uint32_t tag, uint32_t value, uint32_t customer,
				const rollup *delta)
{
	rollwalk *w = arg;
	if (w->n == w->cap) {
		size_t cap = 2 * w->cap;
		uint32_t(*key)[3] = realloc(w->key, cap * sizeof *key);
		if (key)
			w->key = key;
		rollup *r = realloc(w->r, cap * sizeof *r);
		if (r)
			w->r = r;
		if (!key || !r)
			return 1;
		w->cap = cap;
	}
	w->key[w->n][0] = tag;
	w->key[w->n][1] = value;
	w->key[w->n][2] = customer;
	w->r[w->n++] = *delta;
	return 0;
}

/* Walks b (CHECKing that the walk went to its end); free with
 * rollwalk_free. */
static inline rollwalk rollwalk_of(rollup_buf *b)
{
	rollwalk w = {malloc(256 * sizeof *w.key), malloc(256 * sizeof *w.r), 0, 256};
	CHECK(w.key && w.r && rollup_buf_each(b, rollwalk_note, &w) == 0);
	return w;
}

static inline void rollwalk_free(rollwalk w)
{
	free(w.key);
	free(w.r);
}

#endif

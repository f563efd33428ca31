/* eval.h — evaluates bound expressions (plan.h) in one of three contexts:
 * an event of the source, a row of a derived table, or a finished group. */
#ifndef TIDE_EVAL_H
#define TIDE_EVAL_H

#include "plan.h"

typedef struct eval_ctx {
	const plan *p;
	store_snap *snap;	/* where names are read; NULL = p->snap (a scan on
				 * another thread has a snapshot of its own) */
	int64_t asof;
	/* event context: one of these */
	const store_order *order;
	const store_contact *contact;
	/* row context */
	const value *row;
	/* group context */
	const value *keys, *slots, *out;
} eval_ctx;

int eval(const bx *x, const eval_ctx *c, value *out, tide_err *e);

/* SQL truth: only a true boolean is true (null and false are not). */
bool eval_true(value v);

/* *out = eval_true(value of x).  The usual WHERE, an interned column
 * compared with a constant (`region = 'north'`), is tested on its ids
 * without making a value. */
int eval_cond(const bx *x, const eval_ctx *c, bool *out, tide_err *e);

/* A run-time type error rc (TIDE_EQUERY) of expression x of plan p, its
 * message prefixed with x's LINE:COL; other codes pass through. */
int eval_error_at(const bx *x, const plan *p, int rc, tide_err *e);

/* The value of event column col (tag: name id) of the context's event. */
int eval_event_column(const eval_ctx *c, ev_col col, uint32_t tag, value *out, tide_err *e);

/* The interned id of an interned column (customer, sku, channel, reason,
 * tag) of the context's event; 0 when the event lacks it. */
uint32_t eval_event_id(const eval_ctx *c, ev_col col, uint32_t tag);

/* The value interned column col has where its id is id (0: null). */
int eval_interned_value(const eval_ctx *c, ev_col col, uint32_t id, value *out, tide_err *e);

/* Is col one whose values are interned ids (customer sku channel reason tags)? */
bool eval_column_interned(ev_col col);

extern const char *const eval_stage_names[TIDE_STAGE_COUNT];

#endif

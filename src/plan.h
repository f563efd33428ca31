/* plan.h — a checked, name-resolved query, ready to run.
 *
 * bind.c builds it from the AST (resolving names and types and reporting
 * LINE:COL errors), exec.c runs it at an instant T, query.c drives series
 * points, ordering and limits.  A plan borrows the AST (string constants
 * point into it) and the snapshot (interned ids), so it lives shorter than
 * both. */
#ifndef TIDE_PLAN_H
#define TIDE_PLAN_H

#include <stdbool.h>
#include <stdint.h>

#include "ast.h"
#include "cal.h"
#include "result.h"
#include "store.h"
#include "value.h"

/* Columns of a source event. */
typedef enum {
	EV_TS, EV_CUSTOMER, EV_AMOUNT, EV_QTY, EV_SKU, EV_COST,
	EV_CHANNEL, EV_STAGE, EV_NEXT_FOLLOWUP, EV_REASON, EV_TAG
} ev_col;

/* Per-group metric functions. */
typedef enum {
	M_REVENUE, M_ORDERS, M_AVG_ORDER, M_MARGIN, M_FIRST_ORDER, M_LAST_ORDER,
	M_RECENCY, M_TENURE, M_CONTRIBUTION, M_ACTIVITY, M_STABILITY, M_MEDIAN_GAP,
	M_CHURNED, M_CHURNED_ADAPTIVE, M_RFM_R, M_RFM_F, M_RFM_M, M_CLASS, M_ABC,
	M_LIFETIME_VALUE,
	M_STAGE, M_CONTACTS, M_LAST_CONTACT, M_NEXT_FOLLOWUP, M_FOLLOWUP_OVERDUE,
	M_CONVERSION,
	M_P_ALIVE, M_EXPECTED_ORDERS, M_EXPECTED_SPEND, M_CLV, M_BGNBD, M_GG,
	M_CHURN_RATE,
	/* aggregates over the rows (events or derived rows) of a group */
	A_COUNT_STAR, A_COUNT, A_COUNT_DISTINCT, A_SUM, A_AVG, A_MIN, A_MAX, A_MEDIAN,
	M_COUNT_
} metric_fn;

typedef enum {
	BX_CONST,	/* c */
	BX_EVCOL,	/* col (+ tag name id in idx; 0 = tag not in store) */
	BX_ROWCOL,	/* idx: column of a derived table's row */
	BX_KEY,		/* idx: group key */
	BX_SLOT,	/* idx: metric or aggregate slot */
	BX_OUT,		/* idx: output column (an AS name in HAVING / ORDER BY) */
	BX_ASOF,	/* the evaluation instant */
	BX_NEG, BX_NOT, BX_BIN, BX_IN, BX_BETWEEN, BX_ISNULL, BX_CASE,
	BX_ROUND, BX_ABS, BX_COALESCE, BX_TIER,
	BX_EVID		/* interned event column (col, tag in idx) = c.i (an id;
			 * 0 = the text is in no event); negated for != */
} bx_kind;

typedef struct bx {
	bx_kind kind;
	ast_op op;
	value c;
	ev_col col;
	uint32_t idx;
	struct bx **args;
	int nargs;
	bool negated, has_else;
	uint32_t pos;		/* in the query text, for run-time errors */
} bx;

/* A metric or aggregate used by the query, computed once per group. */
typedef struct slot {
	metric_fn fn;
	bx *arg;		/* aggregate argument (event or row context) */
	cal_dur dur;		/* P of activity/stability/churn_rate, D of churned... */
	int64_t nperiods;	/* activity/stability: W / P */
	int period_set;		/* which per-group period array it reads */
	double k, rate;		/* churned_adaptive k; clv rate */
	/* class/abc thresholds, exact: value × 10^4 (cth < 0 = default) */
	int64_t th[3];
	bool th_given;
	int name;		/* bgnbd/gg parameter index */
	const char *text;	/* source text, for messages */
} slot;

typedef enum {
	KEY_CUSTOMER, KEY_PERIOD, KEY_EVCOL, KEY_ROWCOL
} key_kind;

typedef struct key {
	key_kind kind;
	cal_unit unit;		/* KEY_PERIOD */
	ev_col col;		/* KEY_EVCOL */
	uint32_t tag;		/* KEY_EVCOL with EV_TAG: tag name id (0 = unknown) */
	int rowcol;		/* KEY_ROWCOL */
	char *name;
} key;

#define PLAN_MAX_PERIOD_SETS 4

typedef struct plan {
	const ast_select *ast;
	const char *text;	/* query text, for messages */
	store_snap *snap;
	ast_source source;
	struct plan *sub;	/* SRC_QUERY: the inner plan */
	tide_result *sub_result;	/* filled when running */

	bx *where;		/* event or row context, or NULL */
	const char *point_customer;	/* WHERE has `customer = '...'` at its top */
	bool has_window;
	cal_dur window;
	bool has_asof;
	int64_t asof;
	bool has_step;
	cal_dur step;
	int64_t step_count;
	cal_tz *tz;

	key *keys;
	int nkeys;
	bool by_customer;	/* GROUP BY customer alone */
	bool row_mode;		/* no grouping, no aggregate: one row per event/row */

	slot *slots;
	int nslots;
	cal_dur period_sets[PLAN_MAX_PERIOD_SETS];
	int64_t period_counts[PLAN_MAX_PERIOD_SETS];
	int nperiod_sets;
	bool need_history;	/* some metric reads events before the window */
	bool need_days;		/* median_gap / models: per-group order days */
	bool need_model;	/* BG/NBD or gamma-gamma */
	bool need_customer_sets;	/* conversion() outside GROUP BY customer */

	int nitems;		/* output columns (incl. expanded *) */
	bx **items;
	char **names;
	bx *having;
	bx **order;
	bool *order_desc;
	int norder;
	bool has_limit;
	int64_t limit;
	bool explain;
} plan;

/* Builds the plan for ast over snapshot snap.  TIDE_EQUERY with
 * "LINE:COL: ..." on any name or type error. */
int plan_bind(const ast_select *ast, const char *text, store_snap *snap,
	      const char *asof_override, plan **out, tide_err *e);
void plan_free(plan *p);

/* Writes the EXPLAIN text of p (evaluated at its first instant). */
int plan_explain(const plan *p, char **out, tide_err *e);

#endif

/* bind.c — resolves an AST into a plan: names, types, function arguments,
 * and the rules of language.md about which function may go where. */
#include "plan.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval.h"
#include "timefmt.h"

enum {
	F_ORDERS = 1,		/* needs FROM orders */
	F_CONTACTS = 2,		/* needs FROM contacts */
	F_CUSTOMER = 4,		/* needs GROUP BY customer */
	F_AGG = 8,		/* aggregate over the group's rows */
	F_WINDOW_P = 16,	/* first argument P must divide the window */
	F_MODEL = 32,		/* BG/NBD or gamma-gamma */
	F_DAYS = 64,		/* needs each group's order days */
	F_HISTORY = 128		/* reads events before the window */
};

typedef struct fn_def {
	const char *name;
	metric_fn fn;
	int min_args, max_args;
	unsigned flags;
} fn_def;

static const fn_def functions[] = {
	{"revenue", M_REVENUE, 0, 0, F_ORDERS},
	{"orders", M_ORDERS, 0, 0, F_ORDERS},
	{"avg_order", M_AVG_ORDER, 0, 0, F_ORDERS},
	{"margin", M_MARGIN, 0, 0, F_ORDERS},
	{"first_order", M_FIRST_ORDER, 0, 0, F_ORDERS | F_HISTORY},
	{"last_order", M_LAST_ORDER, 0, 0, F_ORDERS | F_HISTORY},
	{"recency", M_RECENCY, 0, 0, F_ORDERS | F_HISTORY},
	{"tenure", M_TENURE, 0, 0, F_ORDERS | F_HISTORY},
	{"contribution", M_CONTRIBUTION, 0, 0, F_ORDERS | F_CUSTOMER},
	{"activity", M_ACTIVITY, 1, 1, F_ORDERS | F_WINDOW_P},
	{"stability", M_STABILITY, 1, 1, F_ORDERS | F_WINDOW_P},
	{"median_gap", M_MEDIAN_GAP, 0, 0, F_ORDERS | F_DAYS | F_HISTORY},
	{"churned", M_CHURNED, 1, 1, F_ORDERS | F_HISTORY},
	{"churned_adaptive", M_CHURNED_ADAPTIVE, 2, 2, F_ORDERS | F_DAYS | F_HISTORY},
	{"rfm_r", M_RFM_R, 0, 0, F_ORDERS | F_CUSTOMER | F_HISTORY},
	{"rfm_f", M_RFM_F, 0, 0, F_ORDERS | F_CUSTOMER},
	{"rfm_m", M_RFM_M, 0, 0, F_ORDERS | F_CUSTOMER},
	{"class", M_CLASS, 0, 3, F_ORDERS | F_CUSTOMER},
	{"abc", M_ABC, 0, 3, F_ORDERS | F_CUSTOMER},
	{"lifetime_value", M_LIFETIME_VALUE, 0, 0, F_ORDERS | F_HISTORY},
	{"stage", M_STAGE, 0, 0, F_CONTACTS | F_CUSTOMER | F_HISTORY},
	{"contacts", M_CONTACTS, 0, 0, F_CONTACTS},
	{"last_contact", M_LAST_CONTACT, 0, 0, F_CONTACTS | F_HISTORY},
	{"next_followup", M_NEXT_FOLLOWUP, 0, 0, F_CONTACTS | F_CUSTOMER | F_HISTORY},
	{"followup_overdue", M_FOLLOWUP_OVERDUE, 0, 0, F_CONTACTS | F_CUSTOMER | F_HISTORY},
	{"conversion", M_CONVERSION, 0, 0, F_CONTACTS | F_HISTORY},
	{"p_alive", M_P_ALIVE, 0, 0, F_ORDERS | F_CUSTOMER | F_MODEL | F_DAYS | F_HISTORY},
	{"expected_orders", M_EXPECTED_ORDERS, 1, 1, F_ORDERS | F_CUSTOMER | F_MODEL | F_DAYS | F_HISTORY},
	{"expected_spend", M_EXPECTED_SPEND, 0, 0, F_ORDERS | F_CUSTOMER | F_MODEL | F_DAYS | F_HISTORY},
	{"clv", M_CLV, 2, 2, F_ORDERS | F_CUSTOMER | F_MODEL | F_DAYS | F_HISTORY},
	{"bgnbd", M_BGNBD, 1, 1, F_ORDERS | F_MODEL | F_DAYS | F_HISTORY},
	{"gg", M_GG, 1, 1, F_ORDERS | F_MODEL | F_DAYS | F_HISTORY},
	{"churn_rate", M_CHURN_RATE, 1, 1, F_ORDERS | F_HISTORY},
	{"sum", A_SUM, 1, 1, F_AGG},
	{"avg", A_AVG, 1, 1, F_AGG},
	{"min", A_MIN, 1, 1, F_AGG},
	{"max", A_MAX, 1, 1, F_AGG},
	{"median", A_MEDIAN, 1, 1, F_AGG},
	{"count", A_COUNT, 1, 1, F_AGG},
};

typedef enum { CTX_EVENT, CTX_ROW, CTX_GROUP } ctx_kind;

typedef struct binder {
	plan *p;
	const char *text;
	tide_err *e;
	const plan *sub;	/* derived table's plan (its names are the columns) */
	bool allow_out;		/* HAVING / ORDER BY: AS names resolve */
	bool in_agg;
} binder;

static int fail_at(binder *b, uint32_t pos, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail_at(binder *b, uint32_t pos, const char *fmt, ...)
{
	int line, col;
	tql_position(b->text, pos, &line, &col);
	char msg[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return tide_errf(b->e, TIDE_EQUERY, "%d:%d: %s", line, col, msg);
}

static const char *src_name(ast_source s)
{
	return s == SRC_ORDERS ? "orders" : s == SRC_CONTACTS ? "contacts" : "a derived table";
}

static bx *bx_new(bx_kind kind)
{
	bx *x = calloc(1, sizeof(bx));
	if (x)
		x->kind = kind;
	return x;
}

static void bx_free(bx *x)
{
	if (!x)
		return;
	for (int i = 0; i < x->nargs; i++)
		bx_free(x->args[i]);
	free(x->args);
	free(x);
}

static int nomem(binder *b)
{
	return tide_errf(b->e, TIDE_ENOMEM, "out of memory");
}

static bool is_period_name(const char *s, cal_unit *u)
{
	static const char *const names[] = {"day", "week", "month", "quarter", "year"};
	for (int i = 0; i < 5; i++)
		if (strcmp(s, names[i]) == 0) {
			*u = (cal_unit)i;
			return true;
		}
	return false;
}

/* An event column by name, for the plan's source: a field, or a tag some
 * event of that kind carries.  A name that is neither is an error at pos. */
static int event_column(binder *b, uint32_t pos, const char *name, ev_col *col, uint32_t *tag)
{
	static const struct {
		const char *name;
		ev_col col;
		unsigned kinds;	/* 1 orders, 2 contacts */
	} cols[] = {
		{"ts", EV_TS, 3}, {"customer", EV_CUSTOMER, 3}, {"amount", EV_AMOUNT, 1},
		{"qty", EV_QTY, 1}, {"sku", EV_SKU, 1}, {"cost", EV_COST, 1},
		{"channel", EV_CHANNEL, 2}, {"stage", EV_STAGE, 2},
		{"next_followup", EV_NEXT_FOLLOWUP, 2}, {"reason", EV_REASON, 2},
	};
	unsigned kind_bit = b->p->source == SRC_ORDERS ? 1 : 2;
	for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
		if (strcmp(name, cols[i].name) == 0 && (cols[i].kinds & kind_bit)) {
			*col = cols[i].col;
			*tag = 0;
			return 0;
		}
	*col = EV_TAG;
	*tag = 0;
	int rc = store_string_find(b->p->snap, name, strlen(name), tag);
	if (rc < 0)
		return tide_errf(b->e, rc, "looking up tag '%s': %s", name, tide_strerror(rc));
	uint32_t names[TIDE_TAGS_MAX * 8];
	tide_kind kind = b->p->source == SRC_ORDERS ? TIDE_ORDERS : TIDE_CONTACTS;
	int n = store_tag_names(b->p->snap, kind, names, TIDE_TAGS_MAX * 8, b->e);
	if (n < 0)
		return n;
	for (int i = 0; rc == 1 && i < n && i < TIDE_TAGS_MAX * 8; i++)
		if (names[i] == *tag)
			return 0;
	char known[512] = "";
	size_t len = 0;
	for (int i = 0; i < n && i < TIDE_TAGS_MAX * 8 && len < sizeof known - 80; i++) {
		tide_str t;
		if (store_string(b->p->snap, names[i], &t) == 0)
			len += (size_t)snprintf(known + len, sizeof known - len, "%s%.*s", i ? ", " : "",
						(int)t.n, t.p);
	}
	return fail_at(b, pos, "unknown column '%s': %s events have %s%s%s", name,
		       kind == TIDE_ORDERS ? "orders" : "contacts",
		       kind == TIDE_ORDERS ? "ts customer amount qty sku cost" : "ts customer channel stage next_followup reason",
		       n ? " and tags " : " and no tags", known);
}

/* A derived table's columns: `asof` first when it is a series, then its
 * items. */
static int sub_ncols(const plan *sub)
{
	return sub->nitems + (sub->has_step ? 1 : 0);
}

static const char *sub_colname(const plan *sub, int i)
{
	if (sub->has_step && i-- == 0)
		return "asof";
	return sub->names[i];
}

static int row_column(const plan *sub, const char *name)
{
	for (int i = 0; i < sub_ncols(sub); i++)
		if (strcmp(sub_colname(sub, i), name) == 0)
			return i;
	return -1;
}

static const fn_def *find_fn(const char *name)
{
	for (size_t i = 0; i < sizeof functions / sizeof functions[0]; i++)
		if (strcmp(functions[i].name, name) == 0)
			return &functions[i];
	return NULL;
}

static int bind_expr(binder *b, const ast_expr *x, ctx_kind ctx, bx **out);
static int bind_id_compare(binder *b, bx *n);

static int bind_args(binder *b, const ast_expr *x, ctx_kind ctx, bx *n)
{
	n->nargs = x->nargs;
	n->args = calloc((size_t)(x->nargs ? x->nargs : 1), sizeof *n->args);
	if (!n->args)
		return nomem(b);
	for (int i = 0; i < x->nargs; i++) {
		int rc = bind_expr(b, x->args[i], ctx, &n->args[i]);
		if (rc)
			return rc;
	}
	return 0;
}

static int literal_dur(binder *b, const ast_expr *call, int i, cal_dur *out)
{
	if (i >= call->nargs || call->args[i]->kind != AST_DUR)
		return fail_at(b, i < call->nargs ? call->args[i]->pos : call->pos,
			       "%s() takes a duration like 90d or 1mo as argument %d", call->str, i + 1);
	*out = call->args[i]->dur;
	return 0;
}

/* A number literal as an exact value × 10^4. */
static int literal_fixed(binder *b, const ast_expr *call, int i, int64_t *out)
{
	const ast_expr *a = call->args[i];
	bool neg = false;
	if (a->kind == AST_NEG && a->nargs == 1) {
		neg = true;
		a = a->args[0];
	}
	if (a->kind == AST_INT && a->ival < INT64_MAX / 10000)
		*out = a->ival * 10000;
	else if (a->kind == AST_DEC && a->dec_exact)
		*out = a->ival;
	else if (a->kind == AST_DEC)
		return fail_at(b, a->pos, "%s() takes a number with at most 4 decimals as argument %d",
			       call->str, i + 1);
	else
		return fail_at(b, a->pos, "%s() takes a number as argument %d", call->str, i + 1);
	if (neg)
		*out = -*out;
	return 0;
}

static int add_slot(binder *b, slot *s, int *idx)
{
	plan *p = b->p;
	slot *ns = realloc(p->slots, (size_t)(p->nslots + 1) * sizeof *ns);
	if (!ns)
		return nomem(b);
	p->slots = ns;
	p->slots[p->nslots] = *s;
	*idx = p->nslots++;
	return 0;
}

static int period_set(binder *b, const ast_expr *call, cal_dur d, int *set, int64_t *n)
{
	plan *p = b->p;
	char ds[32], ws[32];
	cal_dur_format(d, ds);
	if (!p->has_window)
		return fail_at(b, call->pos, "%s(%s) needs a WINDOW that is a whole number of %s",
			       call->str, ds, ds);
	*n = cal_dur_divide(p->window, d);
	if (*n <= 0) {
		cal_dur_format(p->window, ws);
		return fail_at(b, call->pos, "%s(%s) needs a WINDOW that is a whole number of %s, got %s",
			       call->str, ds, ds, ws);
	}
	for (int i = 0; i < p->nperiod_sets; i++)
		if (p->period_sets[i].n == d.n && p->period_sets[i].unit == d.unit) {
			*set = i;
			return 0;
		}
	if (p->nperiod_sets == PLAN_MAX_PERIOD_SETS)
		return fail_at(b, call->pos, "at most %d different periods in one query",
			       PLAN_MAX_PERIOD_SETS);
	p->period_sets[p->nperiod_sets] = d;
	p->period_counts[p->nperiod_sets] = *n;
	*set = p->nperiod_sets++;
	return 0;
}

static bool has_period_key(const plan *p, cal_dur d)
{
	for (int i = 0; i < p->nkeys; i++)
		if (p->keys[i].kind == KEY_PERIOD && p->keys[i].unit == d.unit && d.n == 1)
			return true;
	return false;
}

static int bind_metric(binder *b, const ast_expr *x, const fn_def *f, bx *n)
{
	plan *p = b->p;
	if (x->distinct)
		return fail_at(b, x->pos, "DISTINCT goes only with count()");
	if (x->nargs < f->min_args || x->nargs > f->max_args) {
		if (f->min_args == f->max_args)
			return fail_at(b, x->pos, "%s() takes %d argument%s, found %d", f->name,
				       f->min_args, f->min_args == 1 ? "" : "s", x->nargs);
		return fail_at(b, x->pos, "%s() takes %d to %d arguments, found %d", f->name,
			       f->min_args, f->max_args, x->nargs);
	}
	if (b->in_agg)
		return fail_at(b, x->pos, "%s() cannot be used inside an aggregate", f->name);
	if (p->source == SRC_QUERY)
		return fail_at(b, x->pos, "%s() needs FROM orders or FROM contacts, not a derived table",
			       f->name);
	if ((f->flags & F_ORDERS) && p->source != SRC_ORDERS)
		return fail_at(b, x->pos, "%s() is a metric of orders; this query reads %s",
			       f->name, src_name(p->source));
	if ((f->flags & F_CONTACTS) && p->source != SRC_CONTACTS)
		return fail_at(b, x->pos, "%s() is a metric of contacts; this query reads %s",
			       f->name, src_name(p->source));
	if ((f->flags & F_CUSTOMER) && !p->by_customer)
		return fail_at(b, x->pos, "%s() is relative to each customer and needs GROUP BY customer",
			       f->name);

	slot s = {.fn = f->fn, .text = x->str, .th = {-1, -1, -1}};
	int rc = 0;
	switch (f->fn) {
	case M_ACTIVITY:
	case M_STABILITY:
		rc = literal_dur(b, x, 0, &s.dur);
		if (rc == 0)
			rc = period_set(b, x, s.dur, &s.period_set, &s.nperiods);
		break;
	case M_CHURNED:
	case M_EXPECTED_ORDERS:
		rc = literal_dur(b, x, 0, &s.dur);
		break;
	case M_CHURNED_ADAPTIVE: {
		int64_t k = 0;
		rc = literal_fixed(b, x, 0, &k);
		s.k = (double)k / 10000.0;
		if (rc == 0)
			rc = literal_dur(b, x, 1, &s.dur);
		break;
	}
	case M_CLV: {
		int64_t rate = 0;
		rc = literal_dur(b, x, 0, &s.dur);
		if (rc == 0)
			rc = literal_fixed(b, x, 1, &rate);
		s.rate = (double)rate / 10000.0;
		break;
	}
	case M_CLASS: {
		cal_dur month = {1, CAL_MONTH};
		s.dur = month;
		s.th[1] = 5000;	/* sth = 0.5 */
		for (int i = 0; rc == 0 && i < x->nargs && i < 2; i++)
			rc = literal_fixed(b, x, i, &s.th[i]);
		if (rc == 0 && x->nargs == 3)
			rc = literal_dur(b, x, 2, &s.dur);
		s.th_given = x->nargs > 0;
		if (rc == 0)
			rc = period_set(b, x, s.dur, &s.period_set, &s.nperiods);
		break;
	}
	case M_ABC: {
		static const int64_t defaults[3] = {5000, 8000, 9500};
		for (int i = 0; i < 3; i++)
			s.th[i] = defaults[i];
		for (int i = 0; rc == 0 && i < x->nargs; i++)
			rc = literal_fixed(b, x, i, &s.th[i]);
		break;
	}
	case M_BGNBD:
	case M_GG: {
		static const char *const bg[] = {"r", "alpha", "a", "b", "ll"};
		static const char *const gg[] = {"p", "q", "gamma", "ll"};
		const char *const *names = f->fn == M_BGNBD ? bg : gg;
		int nn = f->fn == M_BGNBD ? 5 : 4;
		const ast_expr *a = x->args[0];
		s.name = -1;
		for (int i = 0; a->kind == AST_STR && i < nn; i++)
			if (strcmp(a->str, names[i]) == 0)
				s.name = i;
		if (s.name < 0)
			rc = fail_at(b, a->pos, "%s() takes one of %s", f->name,
				     f->fn == M_BGNBD ? "'r' 'alpha' 'a' 'b' 'll'" : "'p' 'q' 'gamma' 'll'");
		break;
	}
	case M_CHURN_RATE:
		rc = literal_dur(b, x, 0, &s.dur);
		if (rc == 0 && !has_period_key(p, s.dur)) {
			char ds[32];
			cal_dur_format(s.dur, ds);
			rc = fail_at(b, x->pos,
				     "churn_rate(%s) is a metric of a period group: GROUP BY the period of %s",
				     ds, ds);
		}
		break;
	default:
		break;
	}
	if (rc)
		return rc;
	if (f->flags & F_DAYS)
		p->need_days = true;
	if (f->flags & F_HISTORY)
		p->need_history = true;
	if (f->flags & F_MODEL)
		p->need_model = true;
	if (f->fn == M_CONVERSION && !p->by_customer)
		p->need_customer_sets = true;
	int idx;
	if ((rc = add_slot(b, &s, &idx)))
		return rc;
	n->kind = BX_SLOT;
	n->idx = (uint32_t)idx;
	return 0;
}

static bool column_is_timestamp(ev_col col)
{
	return col == EV_TS || col == EV_NEXT_FOLLOWUP;
}

static int bind_aggregate(binder *b, const ast_expr *x, const fn_def *f, bx *n)
{
	if (b->in_agg)
		return fail_at(b, x->pos, "aggregates cannot be nested");
	slot s = {.fn = f->fn, .text = x->str};
	if (x->nargs != 1)
		return fail_at(b, x->pos, "%s() takes 1 argument, found %d", f->name, x->nargs);
	if (x->distinct && f->fn != A_COUNT)
		return fail_at(b, x->pos, "DISTINCT goes only with count()");
	if (x->args[0]->kind == AST_STAR) {
		if (f->fn != A_COUNT || x->distinct)
			return fail_at(b, x->args[0]->pos, "only count(*) takes *");
		s.fn = A_COUNT_STAR;
	} else {
		if (x->distinct)
			s.fn = A_COUNT_DISTINCT;
		b->in_agg = true;
		int rc = bind_expr(b, x->args[0], b->p->source == SRC_QUERY ? CTX_ROW : CTX_EVENT, &s.arg);
		b->in_agg = false;
		/* found here even when no event would reach it */
		if (rc == 0 && (s.fn == A_SUM || s.fn == A_AVG || s.fn == A_MEDIAN) &&
		    s.arg->kind == BX_EVCOL && s.arg->col != EV_AMOUNT && s.arg->col != EV_QTY &&
		    s.arg->col != EV_COST)
			rc = fail_at(b, x->args[0]->pos, "%s() takes numbers, found the %s column %s",
				     f->name, column_is_timestamp(s.arg->col) ? "timestamp" : "string",
				     x->args[0]->str);
		if (rc) {
			bx_free(s.arg);
			return rc;
		}
	}
	int idx, rc = add_slot(b, &s, &idx);
	if (rc) {
		bx_free(s.arg);
		return rc;
	}
	n->kind = BX_SLOT;
	n->idx = (uint32_t)idx;
	return 0;
}

/* Whether x's values are timestamps, as far as binding can tell. */
static bool is_timestamp(const binder *b, const bx *x)
{
	if (x->kind == BX_ASOF || (x->kind == BX_EVCOL && column_is_timestamp(x->col)))
		return true;
	if (x->kind != BX_SLOT)
		return false;
	metric_fn fn = b->p->slots[x->idx].fn;
	return fn == M_FIRST_ORDER || fn == M_LAST_ORDER || fn == M_LAST_CONTACT || fn == M_NEXT_FOLLOWUP;
}

/* coalesce(next_followup, '2026-01-01'): where a timestamp is expected the
 * string is one, so every row of the column is a timestamp. */
static int coalesce_timestamps(binder *b, const ast_expr *x, bx *n)
{
	bool any = false;
	for (int i = 0; i < n->nargs; i++)
		any |= is_timestamp(b, n->args[i]);
	for (int i = 0; any && i < n->nargs; i++) {
		bx *a = n->args[i];
		if (a->kind != BX_CONST || a->c.type != VAL_STR)
			continue;
		int64_t ts;
		if (tide_ts_parse(a->c.s.p, a->c.s.n, &ts))
			return fail_at(b, x->args[i]->pos,
				       "coalesce() of timestamps takes a timestamp such as '2025-03-01', found '%.*s'",
				       (int)a->c.s.n, a->c.s.p);
		a->c = val_ts(ts);
	}
	return 0;
}

static int bind_call(binder *b, const ast_expr *x, ctx_kind ctx, bx *n)
{
	static const struct {
		const char *name;
		bx_kind kind;
		int min, max;
	} scalars[] = {
		{"round", BX_ROUND, 1, 2}, {"abs", BX_ABS, 1, 1},
		{"coalesce", BX_COALESCE, 1, 64}, {"tier", BX_TIER, 2, 64},
	};
	for (size_t i = 0; i < sizeof scalars / sizeof scalars[0]; i++) {
		if (strcmp(x->str, scalars[i].name) != 0)
			continue;
		int min = scalars[i].min, max = scalars[i].max;
		if (x->nargs < min || x->nargs > max) {
			char takes[32];
			if (max == min + 1)
				snprintf(takes, sizeof takes, "%d or %d", min, max);
			else
				snprintf(takes, sizeof takes, "%d%s", min, max > min ? " or more" : "");
			return fail_at(b, x->pos, "%s() takes %s argument%s, found %d", x->str, takes,
				       max == 1 ? "" : "s", x->nargs);
		}
		n->kind = scalars[i].kind;
		int rc = bind_args(b, x, ctx, n);
		return rc == 0 && n->kind == BX_COALESCE ? coalesce_timestamps(b, x, n) : rc;
	}
	const fn_def *f = find_fn(x->str);
	if (!f)
		return fail_at(b, x->pos, "unknown function '%s'", x->str);
	if (ctx != CTX_GROUP && !(f->flags & F_AGG))
		return fail_at(b, x->pos, "%s() is a per-group metric: use it in SELECT, HAVING or ORDER BY, not on %s",
			       x->str, ctx == CTX_EVENT ? "events" : "rows");
	if (f->flags & F_AGG) {
		if (ctx != CTX_GROUP)
			return fail_at(b, x->pos, "aggregate %s() cannot be used here: WHERE filters %s before grouping",
				       x->str, ctx == CTX_EVENT ? "events" : "rows");
		return bind_aggregate(b, x, f, n);
	}
	return bind_metric(b, x, f, n);
}

static int bind_name(binder *b, const ast_expr *x, ctx_kind ctx, bx *n)
{
	plan *p = b->p;
	const char *name = x->str;
	if (ctx == CTX_GROUP) {
		if (b->allow_out)
			for (int i = 0; i < p->nitems; i++)
				if (p->names[i] && strcmp(p->names[i], name) == 0 && p->items[i]) {
					n->kind = BX_OUT;
					n->idx = (uint32_t)i;
					return 0;
				}
		for (int i = 0; i < p->nkeys; i++)
			if (strcmp(p->keys[i].name, name) == 0) {
				n->kind = BX_KEY;
				n->idx = (uint32_t)i;
				return 0;
			}
		if (strcmp(name, "asof") == 0) {
			n->kind = BX_ASOF;
			return 0;
		}
		if (p->nkeys == 0 && !p->row_mode)
			return fail_at(b, x->pos, "'%s' is not an output column; without GROUP BY use it inside an aggregate such as sum(%s)",
				       name, name);
		return fail_at(b, x->pos, "'%s' is not a GROUP BY key or output column; use it inside an aggregate such as count(DISTINCT %s)",
			       name, name);
	}
	if (ctx == CTX_ROW) {
		int c = row_column(b->sub, name);
		if (c < 0)
			return fail_at(b, x->pos, "the derived table has no column '%s'", name);
		n->kind = BX_ROWCOL;
		n->idx = (uint32_t)c;
		return 0;
	}
	if (strcmp(name, "asof") == 0) {
		n->kind = BX_ASOF;
		return 0;
	}
	n->kind = BX_EVCOL;
	return event_column(b, x->pos, name, &n->col, &n->idx);
}

static int bind_expr(binder *b, const ast_expr *x, ctx_kind ctx, bx **out)
{
	bx *n = bx_new(BX_CONST);
	if (!n)
		return nomem(b);
	*out = n;
	n->pos = x->pos;
	switch (x->kind) {
	case AST_INT: n->kind = BX_CONST; n->c = val_int(x->ival); return 0;
	case AST_DEC: n->kind = BX_CONST; n->c = val_real(x->dval); return 0;
	case AST_STR: n->kind = BX_CONST; n->c = val_str(x->str, (uint32_t)strlen(x->str)); return 0;
	case AST_BOOL: n->kind = BX_CONST; n->c = val_bool(x->ival != 0); return 0;
	case AST_NULL: n->kind = BX_CONST; n->c = val_null(); return 0;
	case AST_DUR:
		n->kind = BX_CONST;
		n->c.type = VAL_DUR;
		n->c.dur = x->dur;
		return 0;
	case AST_STAR:
		return fail_at(b, x->pos, "* is only allowed in count(*) and as a whole select item");
	case AST_COL: return bind_name(b, x, ctx, n);
	case AST_CALL: return bind_call(b, x, ctx, n);
	case AST_NEG: n->kind = BX_NEG; break;
	case AST_NOT: n->kind = BX_NOT; break;
	case AST_BIN: n->kind = BX_BIN; n->op = x->op; break;
	case AST_IN: n->kind = BX_IN; break;
	case AST_BETWEEN: n->kind = BX_BETWEEN; break;
	case AST_ISNULL: n->kind = BX_ISNULL; break;
	case AST_CASE: n->kind = BX_CASE; n->has_else = x->has_else; break;
	}
	n->negated = x->negated;
	int rc = bind_args(b, x, ctx, n);
	if (rc == 0 && ctx == CTX_EVENT)
		rc = bind_id_compare(b, n);
	return rc;
}

/* `col = 'text'` or `col != 'text'` on an interned column compares ids, not
 * strings: resolve the text once here instead of every event's id there. */
static int bind_id_compare(binder *b, bx *n)
{
	if (n->kind != BX_BIN || (n->op != OP_EQ && n->op != OP_NE))
		return 0;
	bx *col = n->args[0], *lit = n->args[1];
	if (col->kind == BX_CONST) {
		col = n->args[1];
		lit = n->args[0];
	}
	if (col->kind != BX_EVCOL || !eval_column_interned(col->col) || lit->kind != BX_CONST ||
	    lit->c.type != VAL_STR)
		return 0;
	uint32_t id = 0;
	int rc = col->col == EV_CUSTOMER ? store_customer_find(b->p->snap, lit->c.s.p, lit->c.s.n, &id)
					 : store_string_find(b->p->snap, lit->c.s.p, lit->c.s.n, &id);
	if (rc < 0)
		return tide_errf(b->e, rc, "looking up '%.*s': %s", (int)lit->c.s.n, lit->c.s.p,
				 tide_strerror(rc));
	n->kind = BX_EVID;
	n->col = col->col;
	n->idx = col->idx;
	n->negated = n->op == OP_NE;
	n->c = val_int(rc == 1 ? id : 0);
	return 0;
}

/* The customer of a top-level `customer = 'text'` conjunct, if any. */
static const char *point_customer(const ast_expr *w)
{
	if (!w)
		return NULL;
	if (w->kind == AST_BIN && w->op == OP_AND) {
		const char *c = point_customer(w->args[0]);
		return c ? c : point_customer(w->args[1]);
	}
	if (w->kind != AST_BIN || w->op != OP_EQ)
		return NULL;
	const ast_expr *a = w->args[0], *v = w->args[1];
	if (v->kind == AST_COL) {
		a = w->args[1];
		v = w->args[0];
	}
	if (a->kind == AST_COL && strcmp(a->str, "customer") == 0 && v->kind == AST_STR)
		return v->str;
	return NULL;
}

/* Does x hold an aggregate or metric call (anything that needs a group)? */
static bool has_group_fn(const ast_expr *x)
{
	if (!x)
		return false;
	if (x->kind == AST_CALL && find_fn(x->str))
		return true;
	for (int i = 0; i < x->nargs; i++)
		if (has_group_fn(x->args[i]))
			return true;
	return false;
}

/* White space or the start of a comment, at p. */
static bool gap_at(const char *p, const char *end)
{
	return isspace((unsigned char)*p) || (*p == '-' && p + 1 < end && p[1] == '-');
}

/* An item's text as its column name: as typed, except that a comment, and
 * a run of white space holding a line break or a comment, become one space
 * (a header holds one line).  Quotes are followed so a '--' in a string
 * stays. */
static char *text_of(const char *text, uint32_t pos, uint32_t len)
{
	char *s = malloc(len + 1);
	if (!s)
		return NULL;
	const char *p = text + pos, *end = p + len;
	size_t n = 0;
	bool quoted = false;
	while (p < end) {
		if (*p == '\'')
			quoted = !quoted;	/* '' toggles twice */
		if (quoted || !gap_at(p, end)) {
			s[n++] = *p++;
			continue;
		}
		const char *run = p;
		bool folds = false;
		while (p < end && gap_at(p, end)) {
			if (*p == '-') {	/* a comment, to its line's end */
				while (p < end && *p != '\n')
					p++;
				folds = true;
				continue;
			}
			folds |= *p++ == '\n';
		}
		if (folds) {
			if (n && p < end)
				s[n++] = ' ';
		} else {
			memcpy(s + n, run, (size_t)(p - run));
			n += (size_t)(p - run);
		}
	}
	s[n] = '\0';
	return s;
}

static int bind_keys(binder *b)
{
	plan *p = b->p;
	const ast_select *a = p->ast;
	p->keys = calloc((size_t)(a->ngroup ? a->ngroup : 1), sizeof *p->keys);
	if (!p->keys)
		return nomem(b);
	for (int i = 0; i < a->ngroup; i++) {
		const ast_expr *g = a->group[i];
		key *k = &p->keys[i];
		if (!(k->name = strdup(g->str)))
			return nomem(b);
		p->nkeys = i + 1;
		for (int j = 0; j < i; j++)
			if (strcmp(p->keys[j].name, g->str) == 0)
				return fail_at(b, g->pos, "'%s' appears twice in GROUP BY", g->str);
		if (p->source == SRC_QUERY) {
			k->kind = KEY_ROWCOL;
			k->rowcol = row_column(b->sub, g->str);
			if (k->rowcol < 0)
				return fail_at(b, g->pos, "the derived table has no column '%s'", g->str);
		} else if (strcmp(g->str, "customer") == 0) {
			k->kind = KEY_CUSTOMER;
		} else if (is_period_name(g->str, &k->unit)) {
			k->kind = KEY_PERIOD;
		} else {
			k->kind = KEY_EVCOL;
			int rc = event_column(b, g->pos, g->str, &k->col, &k->tag);
			if (rc)
				return rc;
			if (column_is_timestamp(k->col) || k->col == EV_AMOUNT || k->col == EV_COST)
				return fail_at(b, g->pos, "cannot GROUP BY %s; group by a period (day week month quarter year) instead",
					       g->str);
		}
	}
	p->by_customer = p->nkeys == 1 && p->keys[0].kind == KEY_CUSTOMER;
	return 0;
}

static int bind_time(binder *b)
{
	plan *p = b->p;
	const ast_select *a = p->ast;
	if (p->source == SRC_QUERY && (a->has_window || a->asof || a->has_step))
		return fail_at(b, a->has_window ? a->window_pos : a->asof ? a->asof->pos : a->step_pos,
			       "WINDOW, ASOF and STEP belong to the inner query: the derived table already fixed its time");
	p->has_window = a->has_window;
	p->window = a->window;
	p->has_step = a->has_step;
	p->step = a->step;
	p->step_count = a->step_count;
	if (a->has_step && (a->step_count < 1 || a->step_count > 10000))
		return fail_at(b, a->step_pos, "STEP ... COUNT takes 1 to 10000 points");
	int rc = cal_tz_open(a->tz ? a->tz : "UTC", &p->tz, b->e);
	if (rc)
		return a->tz ? fail_at(b, a->tz_pos, "%s", b->e->msg) : rc;
	if (a->asof) {
		const ast_expr *t = a->asof;
		if (t->kind == AST_INT && t->ival >= TIDE_TS_MIN && t->ival <= TIDE_TS_MAX) {
			p->asof = t->ival;
		} else if (t->kind != AST_STR || tide_ts_parse(t->str, strlen(t->str), &p->asof)) {
			return fail_at(b, t->pos, "ASOF takes a timestamp such as '2025-03-01' or '2025-03-01T10:22:00Z'");
		}
		p->has_asof = true;
	}
	return 0;
}

static int bind_items(binder *b)
{
	plan *p = b->p;
	const ast_select *a = p->ast;
	int n = 0;
	for (int i = 0; i < a->nitems; i++) {
		if (a->items[i].expr)
			n++;
		else if (p->source != SRC_QUERY)
			return fail_at(b, a->items[i].pos, "SELECT * needs a derived table; name the columns of %s",
				       src_name(p->source));
		else
			n += sub_ncols(b->sub);
	}
	p->items = calloc((size_t)n, sizeof *p->items);
	p->names = calloc((size_t)n, sizeof *p->names);
	if (!p->items || !p->names)
		return nomem(b);
	/* Names first, so HAVING and ORDER BY can refer to any of them. */
	int k = 0;
	for (int i = 0; i < a->nitems; i++) {
		const ast_item *it = &a->items[i];
		if (!it->expr) {
			for (int c = 0; c < sub_ncols(b->sub); c++)
				if (!(p->names[k++] = strdup(sub_colname(b->sub, c))))
					return nomem(b);
			continue;
		}
		p->names[k] = it->alias ? strdup(it->alias) : text_of(b->text, it->pos, it->len);
		if (!p->names[k++])
			return nomem(b);
	}
	p->nitems = n;
	ctx_kind ctx = p->row_mode ? (p->source == SRC_QUERY ? CTX_ROW : CTX_EVENT) : CTX_GROUP;
	k = 0;
	for (int i = 0; i < a->nitems; i++) {
		const ast_item *it = &a->items[i];
		if (!it->expr) {
			for (int c = 0; c < sub_ncols(b->sub); c++, k++) {
				if (!(p->items[k] = bx_new(BX_ROWCOL)))
					return nomem(b);
				p->items[k]->kind = p->row_mode ? BX_ROWCOL : BX_KEY;
				p->items[k]->idx = (uint32_t)c;
				if (!p->row_mode) {
					int ki = -1;
					for (int j = 0; j < p->nkeys; j++)
						if (p->keys[j].rowcol == c)
							ki = j;
					if (ki < 0)
						return fail_at(b, it->pos, "* with GROUP BY needs every column of the derived table as a key; '%s' is not",
							       sub_colname(b->sub, c));
					p->items[k]->idx = (uint32_t)ki;
				}
			}
			continue;
		}
		int rc = bind_expr(b, it->expr, ctx, &p->items[k++]);
		if (rc)
			return rc;
	}
	return 0;
}

static int bind_tail(binder *b)
{
	plan *p = b->p;
	const ast_select *a = p->ast;
	ctx_kind ctx = p->row_mode ? (p->source == SRC_QUERY ? CTX_ROW : CTX_EVENT) : CTX_GROUP;
	b->allow_out = true;
	int rc = 0;
	if (a->having) {
		if (p->row_mode)
			return fail_at(b, a->having->pos, "HAVING needs GROUP BY or an aggregate; use WHERE to filter rows");
		rc = bind_expr(b, a->having, ctx, &p->having);
	}
	if (rc == 0 && a->norder) {
		p->order = calloc((size_t)a->norder, sizeof *p->order);
		p->order_desc = calloc((size_t)a->norder, sizeof *p->order_desc);
		if (!p->order || !p->order_desc)
			return nomem(b);
		for (int i = 0; rc == 0 && i < a->norder; i++) {
			p->order_desc[i] = a->order[i].desc;
			p->norder = i + 1;
			if (p->row_mode && a->order[i].expr->kind == AST_COL) {
				/* an output name first, then an event or row column */
				const char *nm = a->order[i].expr->str;
				int hit = -1;
				for (int c = 0; c < p->nitems; c++)
					if (strcmp(p->names[c], nm) == 0)
						hit = c;
				if (hit >= 0) {
					if (!(p->order[i] = bx_new(BX_OUT)))
						return nomem(b);
					p->order[i]->kind = BX_OUT;
					p->order[i]->idx = (uint32_t)hit;
					continue;
				}
			}
			rc = bind_expr(b, a->order[i].expr, ctx, &p->order[i]);
		}
	}
	b->allow_out = false;
	if (rc == 0 && a->has_limit) {
		p->has_limit = true;
		p->limit = a->limit;
	}
	return rc;
}

int plan_bind(const ast_select *a, const char *text, store_snap *snap,
	      const char *asof_override, plan **out, tide_err *e)
{
	*out = NULL;
	plan *p = calloc(1, sizeof *p);
	if (!p)
		return tide_errf(e, TIDE_ENOMEM, "out of memory");
	p->ast = a;
	p->text = text;
	p->snap = snap;
	p->source = a->source;
	p->explain = a->explain;
	binder b = {.p = p, .text = text, .e = e};
	int rc = 0;
	if (a->source == SRC_QUERY) {
		rc = plan_bind(a->sub, text, snap, NULL, &p->sub, e);
		b.sub = p->sub;
	}
	if (rc == 0)
		rc = bind_time(&b);
	if (rc == 0 && asof_override) {
		/* The innermost query owns time: --asof applies there. */
		plan *owner = p;
		while (owner->source == SRC_QUERY)
			owner = owner->sub;
		owner->has_asof = true;
		rc = tide_ts_parse(asof_override, strlen(asof_override), &owner->asof);
		if (rc)
			rc = tide_errf(e, TIDE_EUSAGE, "--asof: '%s' is not a timestamp", asof_override);
	}
	if (rc == 0)
		rc = bind_keys(&b);
	if (rc == 0) {
		bool grouped = a->ngroup > 0;
		for (int i = 0; i < a->nitems && !grouped; i++)
			grouped = has_group_fn(a->items[i].expr);
		grouped = grouped || has_group_fn(a->having);
		p->row_mode = !grouped;
		if (p->row_mode && a->has_step)
			rc = fail_at(&b, a->step_pos, "STEP needs GROUP BY or an aggregate");
	}
	if (rc == 0 && a->where) {
		rc = bind_expr(&b, a->where, a->source == SRC_QUERY ? CTX_ROW : CTX_EVENT, &p->where);
		if (a->source != SRC_QUERY)
			p->point_customer = point_customer(a->where);
	}
	if (rc == 0)
		rc = bind_items(&b);
	if (rc == 0)
		rc = bind_tail(&b);
	if (rc) {
		plan_free(p);
		return rc;
	}
	*out = p;
	return 0;
}

void plan_free(plan *p)
{
	if (!p)
		return;
	plan_free(p->sub);
	if (p->sub_result)
		tide_result_free(p->sub_result);
	bx_free(p->where);
	for (int i = 0; i < p->nkeys; i++)
		free(p->keys[i].name);
	free(p->keys);
	for (int i = 0; i < p->nslots; i++)
		bx_free(p->slots[i].arg);
	free(p->slots);
	for (int i = 0; i < p->nitems; i++) {
		bx_free(p->items[i]);
		free(p->names[i]);
	}
	free(p->items);
	free(p->names);
	bx_free(p->having);
	for (int i = 0; i < p->norder; i++)
		bx_free(p->order[i]);
	free(p->order);
	free(p->order_desc);
	cal_tz_close(p->tz);
	free(p);
}

/* explain.c — EXPLAIN: the steps a plan takes, what each reads and how
 * much, from the store's own counters and time index. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec.h"
#include "grow.h"
#include "metrics.h"
#include "plan.h"
#include "timefmt.h"

typedef struct sbuf {
	char *p;
	size_t len, cap;
	bool oom;
} sbuf;

static void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_printf(sbuf *b, const char *fmt, ...)
{
	va_list ap;
	for (;;) {
		va_start(ap, fmt);
		int n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = true;
			return;
		}
		if (b->p && b->len + (size_t)n < b->cap) {
			b->len += (size_t)n;
			return;
		}
		char *np = grow_reserve(b->p, &b->cap, b->len + (size_t)n + 1, 1, 1024);
		if (!np) {
			b->oom = true;
			return;
		}
		b->p = np;
	}
}

static const char *key_desc(const key *k)
{
	switch (k->kind) {
	case KEY_CUSTOMER: return "customer (dense id, array-indexed)";
	case KEY_PERIOD: return "calendar period of ts in the query's zone";
	case KEY_EVCOL: return k->col == EV_TAG ? "tag value (interned id)" : "event column";
	case KEY_ROWCOL: return "derived-table column";
	}
	return "";
}

static void explain_into(const plan *p, sbuf *b, int depth, tide_err *e)
{
	char pad[64];
	int width = depth * 4 < (int)sizeof pad - 1 ? depth * 4 : (int)sizeof pad - 1;
	memset(pad, ' ', (size_t)width);
	pad[width] = '\0';
	if (p->source == SRC_QUERY) {
		sb_printf(b, "%sderived table:\n", pad);
		explain_into(p->sub, b, depth + 1, e);
		sb_printf(b, "%sscan the derived table's rows%s\n", pad, p->where ? ", filter WHERE" : "");
	} else {
		store_info info;
		int64_t T = p->asof;
		if (store_snap_info(p->snap, &info, e) == 0 && !p->has_asof)
			exec_default_asof((plan *)p, &T, e);
		char ts[32], ws[32];
		tide_ts_format(T, ts);
		int kind = p->source == SRC_ORDERS ? TIDE_ORDERS : TIDE_CONTACTS;
		const char *name = kind == TIDE_ORDERS ? "orders" : "contacts";
		sb_printf(b, "%sas of T = %s%s\n", pad, ts, p->has_asof ? "" : " (just after the newest event)");
		if (p->has_step) {
			cal_dur_format(p->step, ws);
			sb_printf(b, "%sseries: %lld points, stepping back %s (one evaluation each)\n",
				  pad, (long long)p->step_count, ws);
		}
		const char *idx = kind == TIDE_ORDERS ? "o_days" : "c_days";
		exec_tags tags;
		const char *scanned = !exec_reads_heads(p, &tags) ? kind == TIDE_ORDERS ? "log 'orders'" : "log 'contacts'"
				    : tags.n ? "the orders' head fields and tags in 'o_cols'"
					     : "the orders' head fields in 'o_cols'";
		if (p->has_window) {
			int64_t start = cal_add(T, p->window, -1, p->tz);
			store_span span;
			store_time_range(p->snap, (tide_kind)kind, start, T, &span, e);
			cal_dur_format(p->window, ws);
			char ss[32];
			tide_ts_format(start, ss);
			sb_printf(b, "%swindow %s = [%s, %s): time index '%s' gives sequence range %llu..%llu, about %llu events\n",
				  pad, ws, ss, ts, idx, (unsigned long long)span.first_seq,
				  (unsigned long long)span.last_seq, (unsigned long long)span.events);
		}
		uint32_t tag, tag_value;
		bool rolled = exec_rollup_source(p, T, &info, &tag, &tag_value) && store_tag_rolled(p->snap, tag);
		leaders lead = {0};
		bool led = false;
		if (!rolled)
			exec_leaders(p, T, &lead, &led, e);	/* led stays false on failure */
		if (rolled)
			sb_printf(b, "%sread each customer's roll-up from '%s'%s instead of the log (every order is before T)\n",
				  pad, tag ? "o_roll_tag" : "o_roll", tag ? " over the WHERE's tag value" : "");
		else if (led)
			sb_printf(b, "%sread the week's leaders from meta 'leaders' instead of the window's orders: "
				  "%zu customers (%s) and their roll-ups, which the last commit %s\n",
				  pad, lead.n, lead.complete ? "every one with an order in it" : "those with the most revenue in it",
				  lead.updated ? "updated from the customers whose week it changed"
					       : "made from the week's orders");
		else if (p->point_customer)
			sb_printf(b, "%sread customer '%s' from the (customer, ts) index '%s', each event from log '%s' by sequence\n",
				  pad, p->point_customer, kind == TIDE_ORDERS ? "o_cust" : "c_cust", name);
		else if (p->has_window && !p->need_history)
			sb_printf(b, "%sscan %s over that sequence range only (no metric looks before the window)\n",
				  pad, scanned);
		else {
			store_span before;
			store_time_range(p->snap, (tide_kind)kind, info.first_ts[kind], T, &before, e);
			sb_printf(b, "%sscan %s from the start to sequence %llu, about %llu events before T (of %llu)\n",
				  pad, scanned, (unsigned long long)before.last_seq,
				  (unsigned long long)before.events, (unsigned long long)info.events[kind]);
		}
		leaders_free(&lead);
		if (p->where && !rolled)
			sb_printf(b, "%sfilter WHERE on each event (interned strings compared by id)\n", pad);
	}
	if (p->row_mode) {
		sb_printf(b, "%soutput one row per %s\n", pad,
			  p->source == SRC_QUERY ? "row" : "event in the window");
	} else {
		if (p->nkeys == 0)
			sb_printf(b, "%sone group: the whole scope\n", pad);
		for (int i = 0; i < p->nkeys; i++)
			sb_printf(b, "%sgroup by %s: %s\n", pad, p->keys[i].name, key_desc(&p->keys[i]));
		for (int i = 0; i < p->nslots; i++)
			sb_printf(b, "%s  compute %s()%s\n", pad, p->slots[i].text,
				  p->slots[i].fn >= A_COUNT_STAR ? " over each group's rows" : " per group");
		if (p->need_model)
			sb_printf(b, "%sfit BG/NBD and gamma-gamma over the customers in scope\n", pad);
	}
	if (p->having)
		sb_printf(b, "%sfilter groups: HAVING\n", pad);
	if (p->norder)
		sb_printf(b, "%ssort: ORDER BY, %d key%s\n", pad, p->norder, p->norder > 1 ? "s" : "");
	if (p->has_limit)
		sb_printf(b, "%slimit %lld rows\n", pad, (long long)p->limit);
	int nameless = exec_nameless_order_terms(p);
	if (nameless)
		sb_printf(b, "%sname only the customers that can make the limit (chosen on the first %d ORDER BY term%s)\n",
			  pad, nameless, nameless > 1 ? "s" : "");
	else if (exec_names_after_having(p))
		sb_printf(b, "%sname only the customers that pass HAVING\n", pad);
}

int plan_explain(const plan *p, char **out, tide_err *e)
{
	sbuf b = {0};
	explain_into(p, &b, 0, e);
	if (b.oom) {
		free(b.p);
		return tide_errf(e, TIDE_ENOMEM, "out of memory");
	}
	*out = b.p;
	return 0;
}

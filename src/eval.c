#include "eval.h"

#include <math.h>
#include <string.h>

const char *const eval_stage_names[TIDE_STAGE_COUNT] = {
	"new", "contacted", "testing", "won", "paused", "lost",
};

bool eval_true(value v)
{
	return v.type == VAL_BOOL && v.i;
}

static int interned(const eval_ctx *c, uint32_t id, bool customer, value *out, tide_err *e)
{
	if (id == 0) {
		*out = val_null();
		return 0;
	}
	tide_str s;
	store_snap *snap = c->snap ? c->snap : c->p->snap;
	int rc = customer ? store_customer_name(snap, id, &s) : store_string(snap, id, &s);
	if (rc)
		return tide_errf(e, rc, "reading an interned string: %s", tide_strerror(rc));
	*out = val_str(s.p, s.n);
	return 0;
}

int eval_interned_value(const eval_ctx *c, ev_col col, uint32_t id, value *out, tide_err *e)
{
	return interned(c, id, col == EV_CUSTOMER, out, e);
}

bool eval_column_interned(ev_col col)
{
	return col == EV_CUSTOMER || col == EV_SKU || col == EV_CHANNEL || col == EV_REASON || col == EV_TAG;
}

uint32_t eval_event_id(const eval_ctx *c, ev_col col, uint32_t tag)
{
	const store_order *o = c->order;
	const store_contact *k = c->contact;
	switch (col) {
	case EV_CUSTOMER: return o ? o->customer : k->customer;
	case EV_SKU: return o->sku;
	case EV_CHANNEL: return k->channel;
	case EV_REASON: return k->reason;
	case EV_TAG:
		if (tag == 0)
			return 0;
		return o ? store_tag_lookup(o->tags, o->tags_len, tag) : store_tag_lookup(k->tags, k->tags_len, tag);
	default: return 0;
	}
}

int eval_event_column(const eval_ctx *c, ev_col col, uint32_t tag, value *out, tide_err *e)
{
	const store_order *o = c->order;
	const store_contact *k = c->contact;
	switch (col) {
	case EV_TS: *out = val_ts(o ? o->ts : k->ts); return 0;
	case EV_CUSTOMER: return interned(c, o ? o->customer : k->customer, true, out, e);
	case EV_AMOUNT: *out = val_money(o->amount); return 0;
	case EV_QTY: *out = val_int(o->qty); return 0;
	case EV_SKU: return interned(c, o->sku, false, out, e);
	case EV_COST: *out = o->has_cost ? val_money(o->cost) : val_null(); return 0;
	case EV_CHANNEL: return interned(c, k->channel, false, out, e);
	case EV_STAGE:
		*out = k->stage >= 0 && k->stage < TIDE_STAGE_COUNT
			       ? val_str(eval_stage_names[k->stage], (uint32_t)strlen(eval_stage_names[k->stage]))
			       : val_null();
		return 0;
	case EV_NEXT_FOLLOWUP: *out = k->has_next_followup ? val_ts(k->next_followup) : val_null(); return 0;
	case EV_REASON: return interned(c, k->reason, false, out, e);
	case EV_TAG:
		if (tag == 0) {
			*out = val_null();
			return 0;
		}
		return interned(c, o ? store_tag_lookup(o->tags, o->tags_len, tag)
				     : store_tag_lookup(k->tags, k->tags_len, tag), false, out, e);
	}
	return tide_errf(e, TIDE_EQUERY, "unknown column");
}

static int compare_op(ast_op op, value a, value b, value *out)
{
	if (a.type == VAL_NULL || b.type == VAL_NULL) {
		*out = val_null();
		return 0;
	}
	bool ok;
	int c = val_compare(a, b, &ok);
	if (!ok) {
		*out = val_null();
		return -1;
	}
	bool r = false;
	switch (op) {
	case OP_EQ: r = c == 0; break;
	case OP_NE: r = c != 0; break;
	case OP_LT: r = c < 0; break;
	case OP_LE: r = c <= 0; break;
	case OP_GT: r = c > 0; break;
	case OP_GE: r = c >= 0; break;
	default: break;
	}
	*out = val_bool(r);
	return 0;
}

/* Three-valued AND / OR of SQL. */
static value logic(ast_op op, value a, value b)
{
	bool an = a.type != VAL_BOOL, bn = b.type != VAL_BOOL;
	if (op == OP_AND) {
		if ((!an && !a.i) || (!bn && !b.i))
			return val_bool(false);
		return an || bn ? val_null() : val_bool(true);
	}
	if ((!an && a.i) || (!bn && b.i))
		return val_bool(true);
	return an || bn ? val_null() : val_bool(false);
}

int eval_error_at(const bx *x, const plan *p, int rc, tide_err *e)
{
	if (rc != TIDE_EQUERY || !e || !p->text)
		return rc;
	int line, col;
	tql_position(p->text, x->pos, &line, &col);
	char msg[sizeof e->msg];
	memcpy(msg, e->msg, sizeof msg);
	return tide_errf(e, rc, "%d:%d: %.900s", line, col, msg);
}

static int at(const bx *x, const eval_ctx *c, int rc, tide_err *e)
{
	return eval_error_at(x, c->p, rc, e);
}

/* SQL's logic takes true, false and null; anything else is a type error,
 * not a silent null (WHERE amount would otherwise match nothing). */
static int want_bool(const bx *x, const eval_ctx *c, value v, const char *what, tide_err *e)
{
	if (v.type == VAL_BOOL || v.type == VAL_NULL)
		return 0;
	return at(x, c, tide_errf(e, TIDE_EQUERY, "expected true or false %s, found %s", what,
				  val_type_name(v.type)), e);
}

static int eval_bin(const bx *x, const eval_ctx *c, value *out, tide_err *e)
{
	value a, b;
	int rc = eval(x->args[0], c, &a, e);
	if (rc == 0)
		rc = eval(x->args[1], c, &b, e);
	if (rc)
		return rc;
	switch (x->op) {
	case OP_ADD: case OP_SUB: case OP_MUL: case OP_DIV:
		return at(x, c, val_arith(x->op, a, b, out, e), e);
	case OP_AND: case OP_OR: {
		const char *where = x->op == OP_AND ? "on each side of AND" : "on each side of OR";
		if ((rc = want_bool(x, c, a, where, e)) || (rc = want_bool(x, c, b, where, e)))
			return rc;
		*out = logic(x->op, a, b);
		return 0;
	}
	default:
		if (compare_op(x->op, a, b, out))
			return at(x, c, tide_errf(e, TIDE_EQUERY, "cannot compare %s with %s",
						  val_type_name(a.type), val_type_name(b.type)), e);
		return 0;
	}
}

static int eval_tier(const bx *x, const eval_ctx *c, value *out, tide_err *e)
{
	value v;
	int rc = eval(x->args[0], c, &v, e);
	if (rc)
		return rc;
	if (v.type == VAL_NULL) {
		*out = val_null();
		return 0;
	}
	for (int i = 1; i < x->nargs; i++) {
		value t;
		if ((rc = eval(x->args[i], c, &t, e)))
			return rc;
		bool ok;
		int cmp = val_compare(v, t, &ok);
		if (!ok)
			return at(x, c, tide_errf(e, TIDE_EQUERY, "tier(): cannot compare %s with %s",
						  val_type_name(v.type), val_type_name(t.type)), e);
		if (cmp >= 0) {
			*out = val_int(i);
			return 0;
		}
	}
	*out = val_int(x->nargs);
	return 0;
}

/* An interned column compared with the constant's id (id > 0). */
static bool evid_holds(const bx *x, uint32_t id)
{
	return (id == (uint64_t)x->c.i) != x->negated;
}

int eval(const bx *x, const eval_ctx *c, value *out, tide_err *e)
{
	value a;
	int rc;
	switch (x->kind) {
	case BX_CONST: *out = x->c; return 0;
	case BX_EVCOL: return eval_event_column(c, x->col, x->idx, out, e);
	case BX_ROWCOL: *out = c->row[x->idx]; return 0;
	case BX_KEY: *out = c->keys[x->idx]; return 0;
	case BX_SLOT: *out = c->slots[x->idx]; return 0;
	case BX_OUT: *out = c->out[x->idx]; return 0;
	case BX_ASOF: *out = val_ts(c->asof); return 0;
	case BX_NEG:
		if ((rc = eval(x->args[0], c, &a, e)))
			return rc;
		if (!val_is_numeric(a) && a.type != VAL_NULL)
			return at(x, c, tide_errf(e, TIDE_EQUERY, "- takes a number, found %s", val_type_name(a.type)), e);
		return at(x, c, val_arith(OP_SUB, val_int(0), a, out, e), e);
	case BX_NOT:
		if ((rc = eval(x->args[0], c, &a, e)) || (rc = want_bool(x, c, a, "after NOT", e)))
			return rc;
		*out = a.type == VAL_BOOL ? val_bool(!a.i) : val_null();
		return 0;
	case BX_BIN: return eval_bin(x, c, out, e);
	case BX_IN: {
		if ((rc = eval(x->args[0], c, &a, e)))
			return rc;
		if (a.type == VAL_NULL) {
			*out = val_null();
			return 0;
		}
		/* SQL: no match with a null in the list is null, not false */
		bool hit = false, null_seen = false;
		for (int i = 1; i < x->nargs && !hit; i++) {
			value b;
			if ((rc = eval(x->args[i], c, &b, e)))
				return rc;
			hit = val_equal(a, b);
			null_seen |= b.type == VAL_NULL;
		}
		*out = !hit && null_seen ? val_null() : val_bool(hit != x->negated);
		return 0;
	}
	case BX_BETWEEN: {
		value lo, hi, ge, le;
		if ((rc = eval(x->args[0], c, &a, e)) || (rc = eval(x->args[1], c, &lo, e)) ||
		    (rc = eval(x->args[2], c, &hi, e)))
			return rc;
		bool lo_bad = compare_op(OP_GE, a, lo, &ge) != 0;
		if (lo_bad || compare_op(OP_LE, a, hi, &le))
			return at(x, c, tide_errf(e, TIDE_EQUERY, "BETWEEN: cannot compare %s with %s",
						  val_type_name(a.type), val_type_name((lo_bad ? lo : hi).type)), e);
		*out = logic(OP_AND, ge, le);
		if (x->negated && out->type == VAL_BOOL)
			out->i = !out->i;
		return 0;
	}
	case BX_ISNULL:
		if ((rc = eval(x->args[0], c, &a, e)))
			return rc;
		*out = val_bool((a.type == VAL_NULL) != x->negated);
		return 0;
	case BX_CASE: {
		int pairs = (x->nargs - (x->has_else ? 1 : 0)) / 2;
		for (int i = 0; i < pairs; i++) {
			if ((rc = eval(x->args[2 * i], c, &a, e)) ||
			    (rc = want_bool(x->args[2 * i], c, a, "after WHEN", e)))
				return rc;
			if (eval_true(a))
				return eval(x->args[2 * i + 1], c, out, e);
		}
		if (x->has_else)
			return eval(x->args[x->nargs - 1], c, out, e);
		*out = val_null();
		return 0;
	}
	case BX_ROUND: {
		value n = val_int(0);
		if ((rc = eval(x->args[0], c, &a, e)) || (x->nargs > 1 && (rc = eval(x->args[1], c, &n, e))))
			return rc;
		if (n.type != VAL_INT && n.type != VAL_NULL)
			return at(x, c, tide_errf(e, TIDE_EQUERY, "round() takes an integer number of decimals, found %s",
						  val_type_name(n.type)), e);
		if (!val_is_numeric(a) && a.type != VAL_NULL)
			return at(x, c, tide_errf(e, TIDE_EQUERY, "round() takes a number, found %s", val_type_name(a.type)), e);
		*out = n.type == VAL_NULL ? val_null() : val_round(a, (int)n.i);
		return 0;
	}
	case BX_ABS:
		if ((rc = eval(x->args[0], c, &a, e)))
			return rc;
		if (!val_is_numeric(a)) {
			*out = a.type == VAL_NULL ? a : val_null();
			if (a.type != VAL_NULL)
				return at(x, c, tide_errf(e, TIDE_EQUERY, "abs() takes a number, found %s",
							  val_type_name(a.type)), e);
			return 0;
		}
		if (val_to_double(a) < 0)
			return val_arith(OP_SUB, val_int(0), a, out, e);
		*out = a;
		return 0;
	case BX_COALESCE:
		for (int i = 0; i < x->nargs; i++) {
			if ((rc = eval(x->args[i], c, out, e)))
				return rc;
			if (out->type != VAL_NULL)
				return 0;
		}
		return 0;
	case BX_TIER: return eval_tier(x, c, out, e);
	case BX_EVID: {
		uint32_t id = eval_event_id(c, x->col, x->idx);
		*out = id == 0 ? val_null() : val_bool(evid_holds(x, id));
		return 0;
	}
	}
	return tide_errf(e, TIDE_EQUERY, "cannot evaluate expression");
}

int eval_cond(const bx *x, const eval_ctx *c, bool *out, tide_err *e)
{
	if (x->kind == BX_EVID) {
		uint32_t id = eval_event_id(c, x->col, x->idx);
		*out = id != 0 && evid_holds(x, id);	/* a missing value compares null */
		return 0;
	}
	value v;
	int rc = eval(x, c, &v, e);
	if (rc == 0)
		rc = want_bool(x, c, v, "as a condition", e);
	*out = rc == 0 && eval_true(v);
	return rc;
}

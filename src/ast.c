/* ast.c — the syntax tree: constructors for the grammar's actions and the
 * two free functions.
 *
 * Every constructor owns what it is given (see parse.h): on any failure,
 * or once an error is recorded in the context, it frees its inputs and
 * returns a null node / NULL, so the rest of the parse unwinds without
 * leaks.  Heights are carried beside the nodes (tql_node.h) and bounded by
 * TQL_MAX_HEIGHT, so the recursive frees below cannot run deep. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ast.h"
#include "parse.h"

static const tql_node null_node;

void ast_expr_free(ast_expr *x)
{
	if (!x)
		return;
	for (int i = 0; i < x->nargs; i++)
		ast_expr_free(x->args[i]);
	free(x->args);
	free(x->str);
	free(x);
}

void ast_select_free(ast_select *s)
{
	if (!s)
		return;
	for (int i = 0; i < s->nitems; i++) {
		ast_expr_free(s->items[i].expr);
		free(s->items[i].alias);
	}
	free(s->items);
	ast_select_free(s->sub);
	free(s->sub_alias);
	ast_expr_free(s->where);
	ast_expr_free(s->asof);
	free(s->tz);
	for (int i = 0; i < s->ngroup; i++)
		ast_expr_free(s->group[i]);
	free(s->group);
	ast_expr_free(s->having);
	for (int i = 0; i < s->norder; i++)
		ast_expr_free(s->order[i].expr);
	free(s->order);
	free(s);
}

/* ---- helpers ---- */

static char *copy_text(tql_ctx *c, tql_tok t)
{
	char *s = malloc((size_t)t.len + 1);
	if (!s) {
		tql_oom(c);
		return NULL;
	}
	memcpy(s, c->text + t.pos, t.len);
	s[t.len] = '\0';
	return s;
}

/* The body of a string literal token, '' read as '. */
static char *unquote(tql_ctx *c, tql_tok t)
{
	char *s = malloc(t.len);	/* the quotes make room for the NUL */
	if (!s) {
		tql_oom(c);
		return NULL;
	}
	const char *p = c->text + t.pos + 1, *q = c->text + t.pos + t.len - 1;
	char *d = s;
	while (p < q) {
		if (*p == '\'')
			p++;		/* the first of '' */
		*d++ = *p++;
	}
	*d = '\0';
	return s;
}

static ast_expr *node_new(tql_ctx *c, ast_kind kind, uint32_t pos,
			  uint32_t end)
{
	ast_expr *x = calloc(1, sizeof *x);
	if (!x) {
		tql_oom(c);
		return NULL;
	}
	x->kind = kind;
	x->pos = pos;
	x->len = end - pos;
	return x;
}

static uint32_t end_of(const ast_expr *x)
{
	return x->pos + x->len;
}

static uint32_t tok_end(tql_tok t)
{
	return t.pos + t.len;
}

/* Appends a to x->args, growing the array at powers of two. */
static int push_arg(tql_ctx *c, ast_expr *x, ast_expr *a)
{
	int n = x->nargs;
	if ((n & (n - 1)) == 0) {	/* 0, 1, 2, 4, ...: full */
		size_t cap = n ? 2 * (size_t)n : 1;
		ast_expr **v = realloc(x->args, cap * sizeof *v);
		if (!v) {
			tql_oom(c);
			return -1;
		}
		x->args = v;
	}
	x->args[x->nargs++] = a;
	return 0;
}

static int max_h(int a, int b)
{
	return a > b ? a : b;
}

/* Makes x (height h) a node, or frees it if the tree is too tall. */
static tql_node finish(tql_ctx *c, ast_expr *x, int h)
{
	if (h > TQL_MAX_HEIGHT) {
		tql_error(c, x->pos, "query nested too deeply");
		ast_expr_free(x);
		return null_node;
	}
	return (tql_node){ x, h };
}

/* ---- expressions ---- */

tql_node ast_leaf(tql_ctx *c, ast_kind kind, tql_tok t)
{
	if (c->rc)
		return null_node;
	ast_expr *x = node_new(c, kind, t.pos, tok_end(t));
	if (!x)
		return null_node;
	switch (kind) {
	case AST_INT:
		x->ival = t.ival;
		x->dval = (double)t.ival;
		break;
	case AST_DEC:
		x->ival = t.ival;
		x->dec_exact = t.exact;
		x->dval = t.dval;
		break;
	case AST_DUR:
		x->dur.n = t.ival;
		x->dur.unit = t.unit;
		break;
	case AST_BOOL:
		x->ival = tolower((unsigned char)c->text[t.pos]) == 't';
		break;
	case AST_STR:
		x->str = unquote(c, t);
		break;
	case AST_COL:
		x->str = copy_text(c, t);
		break;
	default:
		break;
	}
	if ((kind == AST_STR || kind == AST_COL) && !x->str) {
		ast_expr_free(x);
		return null_node;
	}
	return (tql_node){ x, 1 };
}

tql_node ast_unary(tql_ctx *c, ast_kind kind, tql_tok op, tql_node a)
{
	ast_expr *x = NULL;
	if (c->rc || !(x = node_new(c, kind, op.pos, end_of(a.x))) ||
	    push_arg(c, x, a.x) < 0) {
		ast_expr_free(x);
		ast_expr_free(a.x);
		return null_node;
	}
	return finish(c, x, a.h + 1);
}

tql_node ast_binary(tql_ctx *c, ast_op op, tql_node a, tql_node b)
{
	ast_expr *x = NULL;
	if (c->rc || !(x = node_new(c, AST_BIN, a.x->pos, end_of(b.x))) ||
	    push_arg(c, x, a.x) < 0) {
		ast_expr_free(x);
		ast_expr_free(a.x);
		ast_expr_free(b.x);
		return null_node;
	}
	x->op = op;
	if (push_arg(c, x, b.x) < 0) {
		ast_expr_free(x);
		ast_expr_free(b.x);
		return null_node;
	}
	return finish(c, x, max_h(a.h, b.h) + 1);
}

tql_node ast_paren(tql_ctx *c, tql_tok lp, tql_node a, tql_tok rp)
{
	if (c->rc) {
		ast_expr_free(a.x);
		return null_node;
	}
	/* The node's text takes in the parentheses, so that a parent's
	 * range, which starts at its first child, covers them too. */
	a.x->pos = lp.pos;
	a.x->len = tok_end(rp) - lp.pos;
	return a;
}

tql_node ast_list(tql_ctx *c, tql_node list, tql_node item)
{
	if (c->rc) {
		ast_expr_free(list.x);
		ast_expr_free(item.x);
		return null_node;
	}
	if (!list.x) {
		list.x = node_new(c, AST_CALL, item.x->pos, end_of(item.x));
		list.h = 0;
		if (!list.x) {
			ast_expr_free(item.x);
			return null_node;
		}
	}
	if (push_arg(c, list.x, item.x) < 0) {
		ast_expr_free(list.x);
		ast_expr_free(item.x);
		return null_node;
	}
	list.x->len = end_of(item.x) - list.x->pos;
	list.h = max_h(list.h, item.h);
	return list;
}

/* Turns list (or nothing) into the node kind spanning [pos, end). */
static tql_node from_list(tql_ctx *c, ast_kind kind, tql_node list,
			  uint32_t pos, uint32_t end)
{
	ast_expr *x = list.x;
	if (!x && !(x = node_new(c, kind, pos, end)))
		return null_node;
	x->kind = kind;
	x->pos = pos;
	x->len = end - pos;
	return finish(c, x, list.h + 1);
}

tql_node ast_call(tql_ctx *c, tql_tok name, tql_node args, bool distinct,
		  tql_tok rp)
{
	if (c->rc) {
		ast_expr_free(args.x);
		return null_node;
	}
	char *s = copy_text(c, name);
	if (!s) {
		ast_expr_free(args.x);
		return null_node;
	}
	for (char *p = s; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	tql_node n = from_list(c, AST_CALL, args, name.pos, tok_end(rp));
	if (!n.x) {
		free(s);
		return n;
	}
	n.x->str = s;
	n.x->distinct = distinct;
	return n;
}

tql_node ast_in(tql_ctx *c, tql_node a, bool negated, tql_node list,
		tql_tok rp)
{
	if (c->rc) {
		ast_expr_free(a.x);
		ast_expr_free(list.x);
		return null_node;
	}
	/* Put a in front of the list: args = a, v1, v2, ... */
	uint32_t pos = a.x->pos;
	if (push_arg(c, list.x, a.x) < 0) {
		ast_expr_free(list.x);
		ast_expr_free(a.x);
		return null_node;
	}
	ast_expr **v = list.x->args;
	memmove(v + 1, v, (size_t)(list.x->nargs - 1) * sizeof *v);
	v[0] = a.x;
	tql_node n = from_list(c, AST_IN, (tql_node){ list.x, max_h(a.h, list.h) },
			       pos, tok_end(rp));
	if (n.x)
		n.x->negated = negated;
	return n;
}

tql_node ast_between(tql_ctx *c, tql_node a, bool negated, tql_node lo,
		     tql_node hi)
{
	uint32_t pos = c->rc ? 0 : a.x->pos;
	tql_node l = ast_list(c, ast_list(c, ast_list(c, null_node, a), lo), hi);
	if (!l.x)
		return null_node;
	tql_node n = from_list(c, AST_BETWEEN, l, pos, end_of(l.x));
	if (n.x)
		n.x->negated = negated;
	return n;
}

tql_node ast_isnull(tql_ctx *c, tql_node a, bool negated, tql_tok null)
{
	if (c->rc) {
		ast_expr_free(a.x);
		return null_node;
	}
	uint32_t pos = a.x->pos;
	tql_node l = ast_list(c, null_node, a);
	if (!l.x)
		return null_node;
	tql_node n = from_list(c, AST_ISNULL, l, pos, tok_end(null));
	if (n.x)
		n.x->negated = negated;
	return n;
}

tql_node ast_case(tql_ctx *c, tql_tok kw, tql_node whens, tql_node els,
		  tql_tok end)
{
	bool has_else = els.x != NULL;
	if (has_else)
		whens = ast_list(c, whens, els);
	else if (c->rc) {
		ast_expr_free(whens.x);
		whens = null_node;
	}
	if (!whens.x)
		return null_node;
	tql_node n = from_list(c, AST_CASE, whens, kw.pos, tok_end(end));
	if (n.x)
		n.x->has_else = has_else;
	return n;
}

/* ---- the select ---- */

/* Frees s and returns NULL: the failure path of every clause. */
static ast_select *drop(ast_select *s)
{
	ast_select_free(s);
	return NULL;
}

ast_select *ast_sel_item(tql_ctx *c, ast_select *s, tql_item it)
{
	if (c->rc || !s) {
		ast_expr_free(it.e.x);
		return drop(s);
	}
	int n = s->nitems;
	if ((n & (n - 1)) == 0) {
		size_t cap = n ? 2 * (size_t)n : 1;
		ast_item *v = realloc(s->items, cap * sizeof *v);
		if (!v) {
			tql_oom(c);
			ast_expr_free(it.e.x);
			return drop(s);
		}
		s->items = v;
	}
	ast_item *d = &s->items[s->nitems];
	*d = (ast_item){ 0 };
	if (it.star) {
		d->pos = it.star_tok.pos;
		d->len = it.star_tok.len;
	} else {
		d->expr = it.e.x;
		d->pos = it.e.x->pos;
		d->len = it.e.x->len;
	}
	s->nitems++;
	if (it.has_alias && !(d->alias = copy_text(c, it.alias)))
		return drop(s);
	return s;
}

ast_select *ast_sel_new(tql_ctx *c, tql_item first)
{
	ast_select *s = NULL;
	if (!c->rc && !(s = calloc(1, sizeof *s)))
		tql_oom(c);
	return ast_sel_item(c, s, first);
}

ast_select *ast_sel_table(tql_ctx *c, ast_select *s, tql_tok name)
{
	if (c->rc)
		return drop(s);
	const char *p = c->text + name.pos;
	if (name.len == 6 && strncasecmp(p, "orders", 6) == 0)
		s->source = SRC_ORDERS;
	else if (name.len == 8 && strncasecmp(p, "contacts", 8) == 0)
		s->source = SRC_CONTACTS;
	else {
		char found[TQL_FOUND_MAX];
		tql_found(c, &name, found, sizeof found);
		tql_error(c, name.pos,
			  "expected orders, contacts or '(' after FROM, found %s",
			  found);
		return drop(s);
	}
	s->source_pos = name.pos;
	return s;
}

ast_select *ast_sel_sub(tql_ctx *c, ast_select *s, tql_tok lp,
			ast_select *sub, const tql_tok *alias)
{
	if (c->rc || !sub) {
		ast_select_free(sub);
		return drop(s);
	}
	s->source = SRC_QUERY;
	s->source_pos = lp.pos;
	s->sub = sub;
	if (alias && !(s->sub_alias = copy_text(c, *alias)))
		return drop(s);
	return s;
}

ast_select *ast_sel_where(tql_ctx *c, ast_select *s, tql_node e)
{
	if (c->rc) {
		ast_expr_free(e.x);
		return drop(s);
	}
	s->where = e.x;
	return s;
}

/* Each time clause may be given once.  (Whether it applies at all, e.g.
 * over a derived table, and the range of COUNT are the binder's checks.) */
static int once(tql_ctx *c, tql_tok kw, bool given, const char *name)
{
	if (given) {
		tql_error(c, kw.pos, "%s given twice", name);
		return -1;
	}
	return 0;
}

ast_select *ast_sel_window(tql_ctx *c, ast_select *s, tql_tok kw,
			   tql_tok dur)
{
	if (c->rc || once(c, kw, s->has_window, "WINDOW") < 0)
		return drop(s);
	s->has_window = true;
	s->window = (cal_dur){ dur.ival, dur.unit };
	s->window_pos = kw.pos;
	return s;
}

ast_select *ast_sel_asof(tql_ctx *c, ast_select *s, tql_tok kw, tql_node ts)
{
	if (c->rc || once(c, kw, s->asof != NULL, "ASOF") < 0) {
		ast_expr_free(ts.x);
		return drop(s);
	}
	s->asof = ts.x;
	return s;
}

ast_select *ast_sel_step(tql_ctx *c, ast_select *s, tql_tok kw,
			 tql_tok dur, tql_tok count)
{
	if (c->rc || once(c, kw, s->has_step, "STEP") < 0)
		return drop(s);
	s->has_step = true;
	s->step = (cal_dur){ dur.ival, dur.unit };
	s->step_count = count.ival;
	s->step_pos = kw.pos;
	return s;
}

ast_select *ast_sel_tz(tql_ctx *c, ast_select *s, tql_tok kw, tql_tok zone)
{
	if (c->rc || once(c, kw, s->tz != NULL, "TZ") < 0)
		return drop(s);
	if (!(s->tz = unquote(c, zone)))
		return drop(s);
	s->tz_pos = zone.pos;
	return s;
}

ast_select *ast_sel_group(tql_ctx *c, ast_select *s, tql_tok key)
{
	tql_node k = ast_leaf(c, AST_COL, key);
	if (!k.x)
		return drop(s);
	int n = s->ngroup;
	if ((n & (n - 1)) == 0) {
		size_t cap = n ? 2 * (size_t)n : 1;
		ast_expr **v = realloc(s->group, cap * sizeof *v);
		if (!v) {
			tql_oom(c);
			ast_expr_free(k.x);
			return drop(s);
		}
		s->group = v;
	}
	s->group[s->ngroup++] = k.x;
	return s;
}

ast_select *ast_sel_having(tql_ctx *c, ast_select *s, tql_node e)
{
	if (c->rc) {
		ast_expr_free(e.x);
		return drop(s);
	}
	s->having = e.x;
	return s;
}

ast_select *ast_sel_order(tql_ctx *c, ast_select *s, tql_sort o)
{
	if (c->rc) {
		ast_expr_free(o.e.x);
		return drop(s);
	}
	int n = s->norder;
	if ((n & (n - 1)) == 0) {
		size_t cap = n ? 2 * (size_t)n : 1;
		ast_order *v = realloc(s->order, cap * sizeof *v);
		if (!v) {
			tql_oom(c);
			ast_expr_free(o.e.x);
			return drop(s);
		}
		s->order = v;
	}
	s->order[s->norder++] = (ast_order){ o.e.x, o.desc };
	return s;
}

ast_select *ast_sel_limit(tql_ctx *c, ast_select *s, tql_tok n)
{
	if (c->rc)
		return drop(s);
	s->has_limit = true;
	s->limit = n.ival;
	return s;
}

void ast_sel_done(tql_ctx *c, ast_select *s, bool explain)
{
	if (c->rc || !s) {
		ast_select_free(s);
		return;
	}
	s->explain = explain;
	c->result = s;
}

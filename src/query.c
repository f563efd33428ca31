#include "query.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "exec.h"
#include "plan.h"
#include "result.h"
#include "timefmt.h"

static int column_names(const plan *p, char ***out, int *n)
{
	int off = p->has_step ? 1 : 0;
	*n = off + p->nitems + p->norder;
	char **names = calloc((size_t)*n, sizeof *names);
	if (!names)
		return -1;
	if (off)
		names[0] = "asof";
	for (int i = 0; i < p->nitems; i++)
		names[off + i] = p->names[i];
	for (int i = 0; i < p->norder; i++)
		names[off + p->nitems + i] = "";
	*out = names;
	return 0;
}

/* Rows compare on their hidden ORDER BY values, after the visible ones. */
static result_order order_of(const plan *p)
{
	return (result_order){(p->has_step ? 1 : 0) + p->nitems, p->norder, p->order_desc};
}

/* Orders, limits and drops the hidden columns: a new result. */
static int finish(const plan *p, tide_result *raw, tide_result **out, tide_err *e)
{
	int visible = (p->has_step ? 1 : 0) + p->nitems;
	result_order o = order_of(p);
	size_t *idx, n;
	int rc = result_order_rows(raw, &o, p->has_limit ? (size_t)p->limit : SIZE_MAX, &idx, &n, e);
	if (rc)
		return rc;
	tide_result *r;
	rc = result_new(&r, visible, raw->names, e);
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = result_append(r, result_row(raw, idx[i]), e);
	free(idx);
	if (rc) {
		tide_result_free(r);	/* NULL when result_new failed */
		return rc;
	}
	*out = r;
	return 0;
}

/* Up to this LIMIT the rows are chosen as they come (result_keep_first);
 * above, all are kept and sorted. */
enum { KEEP_FIRST_MAX = 1 << 16 };

/* Runs a bound plan (its derived table first) into a finished result. */
static int run_plan(plan *p, const exec_limits *lim, tide_result **out, tide_err *e)
{
	int rc;
	if (p->sub && (rc = run_plan(p->sub, lim, &p->sub_result, e)))
		return rc;
	int64_t T = p->asof;
	if (!p->has_asof && p->source != SRC_QUERY && (rc = exec_default_asof(p, &T, e)))
		return rc;
	if (p->has_step && cal_add(T, p->step, -(p->step_count - 1), p->tz) < TIDE_TS_MIN) {
		int line, col;
		tql_position(p->text, p->ast->step_pos, &line, &col);
		return tide_errf(e, TIDE_EQUERY, "%d:%d: the series reaches before 0001-01-01: "
				 "expected fewer points or a shorter STEP", line, col);
	}
	char **names;
	int ncols;
	if (column_names(p, &names, &ncols))
		return tide_errf(e, TIDE_ENOMEM, "out of memory");
	tide_result *raw;
	rc = result_new(&raw, ncols, names, e);
	free(names);
	if (rc)
		return rc;
	if (p->norder && p->has_limit && p->limit <= KEEP_FIRST_MAX) {
		result_order o = order_of(p);
		if ((rc = result_keep_first(raw, &o, (size_t)p->limit, e))) {
			tide_result_free(raw);
			return rc;
		}
	}
	int64_t points = p->has_step ? p->step_count : 1;
	for (int64_t i = 0; rc == 0 && i < points; i++)
		rc = exec_point(p, p->has_step ? cal_add(T, p->step, -i, p->tz) : T, raw, lim, e);
	/* Nothing to order, cut or hide: the rows as they came are the answer
	 * (a derived table of a row per customer is not copied). */
	if (rc == 0 && p->norder == 0 && !p->has_limit) {
		*out = raw;
		return 0;
	}
	if (rc == 0)
		rc = finish(p, raw, out, e);
	tide_result_free(raw);
	return rc;
}

int query_run(store *s, const char *text, size_t len, const tide_query_opts *opts,
	      tide_result **out, tide_err *e)
{
	tide_query_opts defaults = {0};
	if (!opts)
		opts = &defaults;
	*out = NULL;
	exec_limits lim = {opts->timeout > 0 ? exec_now() + opts->timeout : 0};
	ast_select *ast;
	int rc = tql_parse(text, len, &ast, e);
	if (rc)
		return rc;
	store_snap *snap;
	if ((rc = store_snap_begin(s, &snap, e))) {
		ast_select_free(ast);
		return rc;
	}
	plan *p;
	rc = plan_bind(ast, text, snap, opts->asof, &p, e);
	if (rc == 0) {
		if (p->explain) {
			char *plan_text = NULL;
			rc = plan_explain(p, &plan_text, e);
			if (rc == 0 && (rc = result_new(out, 0, NULL, e)) == 0)
				(*out)->text = plan_text;
			else
				free(plan_text);
		} else {
			rc = run_plan(p, &lim, out, e);
		}
		plan_free(p);
	}
	store_snap_end(snap);
	ast_select_free(ast);
	return rc;
}

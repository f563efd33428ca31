#include "query.h"

#include <stdlib.h>
#include <string.h>

#include "exec.h"
#include "plan.h"
#include "result.h"

/* Sorting rows on their hidden ORDER BY values. */
typedef struct sorter {
	const tide_result *r;
	int first;		/* index of the first ORDER BY value in a row */
	int n;
	const bool *desc;
} sorter;

static _Thread_local sorter sort_by;	/* qsort has no context argument */

static int row_cmp(const void *x, const void *y)
{
	size_t a = *(const size_t *)x, b = *(const size_t *)y;
	const value *ra = result_row(sort_by.r, a), *rb = result_row(sort_by.r, b);
	for (int i = 0; i < sort_by.n; i++) {
		bool ok;
		int c = val_compare(ra[sort_by.first + i], rb[sort_by.first + i], &ok);
		if (c)
			return sort_by.desc[i] ? -c : c;
	}
	return (a > b) - (a < b);	/* stable: keep the engine's order */
}

/* Sifts idx[i] down the max-heap idx[0..n) ordered by row_cmp. */
static void sift_down(size_t *idx, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < n && row_cmp(&idx[l], &idx[m]) > 0)
			m = l;
		if (r < n && row_cmp(&idx[r], &idx[m]) > 0)
			m = r;
		if (m == i)
			return;
		size_t t = idx[i];
		idx[i] = idx[m];
		idx[m] = t;
		i = m;
	}
}

/* ORDER BY ... LIMIT k over many rows: the k first rows in order, in n·log k
 * comparisons instead of sorting all n.  Returns k (or n if smaller). */
static size_t top_k(size_t *idx, size_t n, size_t k)
{
	if (k == 0)
		return 0;
	for (size_t i = k / 2; i-- > 0;)
		sift_down(idx, k, i);
	for (size_t i = k; i < n; i++)
		if (row_cmp(&idx[i], &idx[0]) < 0) {
			idx[0] = idx[i];
			sift_down(idx, k, 0);
		}
	qsort(idx, k, sizeof *idx, row_cmp);
	return k;
}

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

/* Orders, limits and drops the hidden columns: a new result. */
static int finish(const plan *p, tide_result *raw, tide_result **out, tide_err *e)
{
	int off = p->has_step ? 1 : 0;
	int visible = off + p->nitems;
	size_t n = raw->nrows;
	size_t *idx = malloc((n ? n : 1) * sizeof *idx);
	if (!idx)
		return tide_errf(e, TIDE_ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	if (p->norder) {
		sort_by = (sorter){raw, visible, p->norder, p->order_desc};
		if (p->has_limit && (uint64_t)p->limit < n / 8)
			n = top_k(idx, n, (size_t)p->limit);
		else
			qsort(idx, n, sizeof *idx, row_cmp);
	}
	if (p->has_limit && (uint64_t)p->limit < n)
		n = (size_t)p->limit;
	tide_result *r;
	int rc = result_new(&r, visible, raw->names, e);
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

/* Runs a bound plan (its derived table first) into a finished result. */
static int run_plan(plan *p, const exec_limits *lim, tide_result **out, tide_err *e)
{
	int rc;
	if (p->sub && (rc = run_plan(p->sub, lim, &p->sub_result, e)))
		return rc;
	int64_t T = p->asof;
	if (!p->has_asof && p->source != SRC_QUERY && (rc = exec_default_asof(p, &T, e)))
		return rc;
	char **names;
	int ncols;
	if (column_names(p, &names, &ncols))
		return tide_errf(e, TIDE_ENOMEM, "out of memory");
	tide_result *raw;
	rc = result_new(&raw, ncols, names, e);
	free(names);
	if (rc)
		return rc;
	int64_t points = p->has_step ? p->step_count : 1;
	for (int64_t i = 0; rc == 0 && i < points; i++)
		rc = exec_point(p, p->has_step ? cal_add(T, p->step, -i, p->tz) : T, raw, lim, e);
	if (rc == 0)
		rc = finish(p, raw, out, e);
	tide_result_free(raw);
	return rc;
}

int query_run(store *s, const char *text, const tide_query_opts *opts,
	      tide_result **out, tide_err *e)
{
	tide_query_opts defaults = {0};
	if (!opts)
		opts = &defaults;
	*out = NULL;
	exec_limits lim = {opts->timeout > 0 ? exec_now() + opts->timeout : 0};
	ast_select *ast;
	int rc = tql_parse(text, strlen(text), &ast, e);
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

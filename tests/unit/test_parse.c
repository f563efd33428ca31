/* test_parse.c — the TQL parser: every example of language.md, each clause,
 * precedence, literals, derived tables, item text, limits, and the exact
 * text of the error messages. */
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>

#include "ast.h"
#include "check.h"

/* ---- helpers ---- */

typedef struct sbuf {
	char b[8192];
	size_t k;
} sbuf;

static void put(sbuf *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void put(sbuf *s, const char *fmt, ...)
{
	if (s->k >= sizeof s->b)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(s->b + s->k, sizeof s->b - s->k, fmt, ap);
	va_end(ap);
	if (n > 0)
		s->k += (size_t)n;
}

static const char *const op_names[] = {
	"+", "-", "*", "/", "=", "!=", "<", "<=", ">", ">=", "AND", "OR",
};
static const char *const unit_names[] = { "d", "w", "mo", "q", "y" };

/* The tree as an S-expression: (+ a b), f(x), (IN a 1 2), ... */
static void dump(sbuf *s, const ast_expr *x)
{
	if (!x) {
		put(s, "<null>");
		return;
	}
	switch (x->kind) {
	case AST_INT: put(s, "%lld", (long long)x->ival); break;
	case AST_DEC: put(s, "%g", x->dval); break;
	case AST_STR: put(s, "'%s'", x->str); break;
	case AST_DUR: put(s, "%lld%s", (long long)x->dur.n, unit_names[x->dur.unit]); break;
	case AST_BOOL: put(s, x->ival ? "true" : "false"); break;
	case AST_NULL: put(s, "null"); break;
	case AST_COL: put(s, "%s", x->str); break;
	case AST_STAR: put(s, "*"); break;
	case AST_CALL:
		put(s, "%s(%s", x->str, x->distinct ? "DISTINCT " : "");
		for (int i = 0; i < x->nargs; i++) {
			if (i)
				put(s, ", ");
			dump(s, x->args[i]);
		}
		put(s, ")");
		break;
	case AST_NEG: put(s, "(- "); dump(s, x->args[0]); put(s, ")"); break;
	case AST_NOT: put(s, "(NOT "); dump(s, x->args[0]); put(s, ")"); break;
	case AST_BIN:
		put(s, "(%s ", op_names[x->op]);
		dump(s, x->args[0]);
		put(s, " ");
		dump(s, x->args[1]);
		put(s, ")");
		break;
	case AST_IN:
	case AST_BETWEEN:
	case AST_ISNULL:
	case AST_CASE:
		put(s, "(%s%s", x->negated ? "NOT " : "",
		    x->kind == AST_IN ? "IN" : x->kind == AST_BETWEEN ? "BETWEEN" :
		    x->kind == AST_ISNULL ? "ISNULL" : "CASE");
		for (int i = 0; i < x->nargs; i++) {
			put(s, " ");
			if (x->kind == AST_CASE && x->has_else && i == x->nargs - 1)
				put(s, "ELSE ");
			dump(s, x->args[i]);
		}
		put(s, ")");
		break;
	}
}

static const char *tree(const ast_expr *x)
{
	static sbuf s;
	s.k = 0;
	s.b[0] = '\0';
	dump(&s, x);
	return s.b;
}

/* Every node's range lies in the text and inside its parent's. */
static int ranges_ok(const ast_expr *x, uint32_t lo, uint32_t hi)
{
	if (!x)
		return 1;
	if (x->pos < lo || x->pos + x->len > hi || x->len == 0)
		return 0;
	for (int i = 0; i < x->nargs; i++)
		if (!ranges_ok(x->args[i], x->pos, x->pos + x->len))
			return 0;
	return 1;
}

static int select_ranges_ok(const ast_select *s, uint32_t n)
{
	for (int i = 0; i < s->nitems; i++) {
		if (s->items[i].pos + s->items[i].len > n)
			return 0;
		if (!ranges_ok(s->items[i].expr, 0, n))
			return 0;
	}
	if (!ranges_ok(s->where, 0, n) || !ranges_ok(s->having, 0, n) ||
	    !ranges_ok(s->asof, 0, n))
		return 0;
	for (int i = 0; i < s->ngroup; i++)
		if (!ranges_ok(s->group[i], 0, n))
			return 0;
	for (int i = 0; i < s->norder; i++)
		if (!ranges_ok(s->order[i].expr, 0, n))
			return 0;
	return !s->sub || select_ranges_ok(s->sub, n);
}

static ast_select *parse(const char *q)
{
	ast_select *s = NULL;
	tide_err e;
	int rc = tql_parse(q, strlen(q), &s, &e);
	if (rc != 0) {
		fprintf(stderr, "  parse failed: %s\n  query: %s\n", e.msg, q);
		return NULL;
	}
	if (!select_ranges_ok(s, (uint32_t)strlen(q)))
		fprintf(stderr, "  bad node ranges in: %s\n", q);
	CHECK(select_ranges_ok(s, (uint32_t)strlen(q)));
	return s;
}

/* The text of item i, as the executor takes a default column name. */
static const char *item_text(const char *q, const ast_select *s, int i)
{
	static char buf[256];
	snprintf(buf, sizeof buf, "%.*s", (int)s->items[i].len, q + s->items[i].pos);
	return buf;
}

static const char *node_text(const char *q, const ast_expr *x)
{
	static char buf[256];
	snprintf(buf, sizeof buf, "%.*s", (int)x->len, q + x->pos);
	return buf;
}

static const char *error_of(const char *q)
{
	static tide_err e;
	ast_select *s = (ast_select *)1;
	int rc = tql_parse(q, strlen(q), &s, &e);
	CHECK(s == NULL);
	if (rc == 0) {
		ast_select_free(s);
		return "(parsed)";
	}
	CHECK(rc == TIDE_EQUERY);
	CHECK(e.code == rc);
	CHECK(strchr(e.msg, '\n') == NULL);
	return e.msg;
}

#define CHECK_ERR(q, want) CHECK_STR(error_of(q), want)

/* ---- the examples of language.md ---- */

static void test_example_top_customers(void)
{
	const char *q =
		"-- top customers by revenue, last 90 days\n"
		"SELECT customer, revenue() AS revenue, orders() AS orders\n"
		"FROM orders WINDOW 90d GROUP BY customer ORDER BY revenue DESC, customer LIMIT 20\n";
	ast_select *s = parse(q);
	CHECK(s);
	if (!s)
		return;
	CHECK(!s->explain);
	CHECK(s->nitems == 3);
	CHECK(s->items[0].expr->kind == AST_COL);
	CHECK_STR(s->items[0].expr->str, "customer");
	CHECK(s->items[0].alias == NULL);
	CHECK(s->items[1].expr->kind == AST_CALL);
	CHECK_STR(s->items[1].expr->str, "revenue");
	CHECK(s->items[1].expr->nargs == 0);
	CHECK_STR(s->items[1].alias, "revenue");
	CHECK_STR(item_text(q, s, 1), "revenue()");
	CHECK_STR(s->items[2].alias, "orders");
	CHECK(s->source == SRC_ORDERS);
	CHECK(s->sub == NULL);
	CHECK(s->where == NULL);
	CHECK(s->has_window && s->window.n == 90 && s->window.unit == CAL_DAY);
	CHECK(s->asof == NULL && !s->has_step && s->tz == NULL);
	CHECK(s->ngroup == 1);
	CHECK_STR(s->group[0]->str, "customer");
	CHECK(s->having == NULL);
	CHECK(s->norder == 2);
	CHECK_STR(tree(s->order[0].expr), "revenue");
	CHECK(s->order[0].desc);
	CHECK_STR(tree(s->order[1].expr), "customer");
	CHECK(!s->order[1].desc);
	CHECK(s->has_limit && s->limit == 20);
	int line, col;
	tql_position(q, s->window_pos, &line, &col);
	CHECK(line == 3 && col == 13);
	tql_position(q, s->source_pos, &line, &col);
	CHECK(line == 3 && col == 6);
	ast_select_free(s);
}

static void test_example_monthly(void)
{
	ast_select *s = parse(
		"-- monthly trend, two years\n"
		"SELECT month, revenue() AS revenue, orders() AS orders\n"
		"FROM orders WINDOW 24mo GROUP BY month ORDER BY month");
	CHECK(s);
	if (!s)
		return;
	CHECK(s->nitems == 3);
	CHECK_STR(s->items[0].expr->str, "month");
	CHECK(s->window.n == 24 && s->window.unit == CAL_MONTH);
	CHECK(s->ngroup == 1);
	CHECK_STR(s->group[0]->str, "month");
	CHECK(s->norder == 1 && !s->order[0].desc);
	CHECK(!s->has_limit);
	ast_select_free(s);
}

static void test_example_classes(void)
{
	const char *q =
		"-- the four classes and what each holds\n"
		"SELECT class, count(*) AS customers, sum(revenue) AS revenue\n"
		"FROM (SELECT customer, class() AS class, revenue() AS revenue\n"
		"      FROM orders WINDOW 12mo GROUP BY customer)\n"
		"GROUP BY class ORDER BY class";
	ast_select *s = parse(q);
	CHECK(s);
	if (!s)
		return;
	CHECK(s->nitems == 3);
	CHECK_STR(tree(s->items[1].expr), "count(*)");
	CHECK(s->items[1].expr->args[0]->kind == AST_STAR);
	CHECK(!s->items[1].expr->distinct);
	CHECK_STR(item_text(q, s, 1), "count(*)");
	CHECK_STR(tree(s->items[2].expr), "sum(revenue)");
	CHECK(s->source == SRC_QUERY);
	CHECK(s->sub_alias == NULL);
	CHECK(!s->has_window);
	ast_select *in = s->sub;
	CHECK(in != NULL);
	if (in) {
		CHECK(in->nitems == 3);
		CHECK_STR(tree(in->items[1].expr), "class()");
		CHECK_STR(in->items[1].alias, "class");
		CHECK(in->source == SRC_ORDERS);
		CHECK(in->has_window && in->window.n == 12 && in->window.unit == CAL_MONTH);
		CHECK(in->ngroup == 1);
		CHECK_STR(in->group[0]->str, "customer");
		CHECK(in->sub == NULL);
	}
	CHECK(s->ngroup == 1);
	CHECK_STR(s->group[0]->str, "class");
	int line, col;
	tql_position(q, s->source_pos, &line, &col);
	CHECK(line == 3 && col == 6);
	ast_select_free(s);
}

static void test_example_slipping(void)
{
	const char *q =
		"-- who is slipping away: big customers with no order for 90 days\n"
		"SELECT customer, recency() AS days_silent, lifetime_value() AS ltv\n"
		"FROM orders WHERE region = 'north' GROUP BY customer\n"
		"HAVING churned(90d) AND abc() IN ('A', 'B') ORDER BY ltv DESC";
	ast_select *s = parse(q);
	CHECK(s);
	if (!s)
		return;
	CHECK_STR(tree(s->where), "(= region 'north')");
	CHECK_STR(node_text(q, s->where), "region = 'north'");
	CHECK(!s->has_window);
	CHECK_STR(tree(s->having), "(AND churned(90d) (IN abc() 'A' 'B'))");
	CHECK_STR(node_text(q, s->having), "churned(90d) AND abc() IN ('A', 'B')");
	CHECK(s->having->args[0]->args[0]->kind == AST_DUR);
	CHECK(s->norder == 1 && s->order[0].desc);
	CHECK_STR(tree(s->order[0].expr), "ltv");
	ast_select_free(s);
}

static void test_example_series(void)
{
	const char *q =
		"-- contribution of each top customer, month by month for a year (a series)\n"
		"SELECT customer, contribution() AS share\n"
		"FROM orders WINDOW 90d STEP 1mo COUNT 12 GROUP BY customer\n"
		"HAVING share >= 0.01 ORDER BY asof, share DESC";
	ast_select *s = parse(q);
	CHECK(s);
	if (!s)
		return;
	CHECK(s->has_window && s->window.n == 90 && s->window.unit == CAL_DAY);
	CHECK(s->has_step && s->step.n == 1 && s->step.unit == CAL_MONTH);
	CHECK(s->step_count == 12);
	CHECK_STR(tree(s->having), "(>= share 0.01)");
	CHECK(s->having->args[1]->kind == AST_DEC);
	CHECK(s->having->args[1]->dec_exact && s->having->args[1]->ival == 100);
	CHECK(s->norder == 2);
	CHECK(s->order[0].expr->kind == AST_COL);
	CHECK_STR(s->order[0].expr->str, "asof");
	CHECK(!s->order[0].desc && s->order[1].desc);
	int line, col;
	tql_position(q, s->step_pos, &line, &col);
	CHECK(line == 3 && col == 24);
	ast_select_free(s);
}

static void test_example_funnel(void)
{
	const char *q =
		"-- the sales funnel today, and overdue follow-ups\n"
		"SELECT stage, count(*) AS customers, sum(CASE WHEN overdue THEN 1 ELSE 0 END) AS overdue\n"
		"FROM (SELECT customer, stage() AS stage, followup_overdue() AS overdue\n"
		"      FROM contacts GROUP BY customer)\n"
		"GROUP BY stage ORDER BY stage";
	ast_select *s = parse(q);
	CHECK(s);
	if (!s)
		return;
	CHECK_STR(tree(s->items[2].expr), "sum((CASE overdue 1 ELSE 0))");
	const ast_expr *c = s->items[2].expr->args[0];
	CHECK(c->kind == AST_CASE && c->has_else && c->nargs == 3);
	CHECK_STR(node_text(q, c), "CASE WHEN overdue THEN 1 ELSE 0 END");
	CHECK_STR(item_text(q, s, 2), "sum(CASE WHEN overdue THEN 1 ELSE 0 END)");
	CHECK(s->sub && s->sub->source == SRC_CONTACTS);
	CHECK(s->sub && s->sub->nitems == 3);
	CHECK(s->sub && strcmp(s->sub->items[1].expr->str, "stage") == 0);
	ast_select_free(s);
}

/* ---- clauses ---- */

static void test_all_clauses(void)
{
	const char *q =
		"SELECT a AS x, b FROM contacts WHERE stage = 'won' WINDOW 12w "
		"ASOF '2025-03-01' STEP 1q COUNT 4 TZ 'Europe/Paris' "
		"GROUP BY rep, region HAVING x > 1 ORDER BY x ASC, b DESC LIMIT 5;";
	ast_select *s = parse(q);
	CHECK(s);
	if (!s)
		return;
	CHECK(s->source == SRC_CONTACTS);
	CHECK(s->window.n == 12 && s->window.unit == CAL_WEEK);
	CHECK(s->asof && s->asof->kind == AST_STR);
	CHECK_STR(s->asof->str, "2025-03-01");
	CHECK_STR(node_text(q, s->asof), "'2025-03-01'");
	CHECK(s->step.n == 1 && s->step.unit == CAL_QUARTER && s->step_count == 4);
	CHECK_STR(s->tz, "Europe/Paris");
	CHECK(q[s->tz_pos] == '\'');
	CHECK(s->ngroup == 2);
	CHECK_STR(s->group[1]->str, "region");
	CHECK_STR(tree(s->having), "(> x 1)");
	CHECK(s->norder == 2 && !s->order[0].desc && s->order[1].desc);
	CHECK(s->limit == 5);
	ast_select_free(s);
}

static void test_time_clause_order(void)
{
	/* WINDOW, ASOF, STEP and TZ in any order among themselves. */
	ast_select *s = parse("SELECT revenue() FROM orders TZ 'UTC' STEP 1y COUNT 3 "
			      "ASOF 1735689600 WINDOW 2q");
	CHECK(s);
	if (!s)
		return;
	CHECK(s->has_window && s->window.n == 2 && s->window.unit == CAL_QUARTER);
	CHECK(s->asof && s->asof->kind == AST_INT && s->asof->ival == 1735689600);
	CHECK(s->has_step && s->step.unit == CAL_YEAR && s->step_count == 3);
	CHECK_STR(s->tz, "UTC");
	ast_select_free(s);

	s = parse("select 1 from orders asof '2025-01-01T00:00:00Z' window 6mo");
	CHECK(s && s->asof && s->window.n == 6 && s->window.unit == CAL_MONTH);
	ast_select_free(s);
}

static void test_keywords_case(void)
{
	ast_select *s = parse("sElEcT Region, REVENUE() As Rev FrOm ORDERS wHeRe NoT Flag "
			      "window 90d GROUP by Region Order By Rev desc limit 3");
	CHECK(s);
	if (!s)
		return;
	CHECK_STR(s->items[0].expr->str, "Region");	/* identifiers keep case */
	CHECK_STR(s->items[1].expr->str, "revenue");	/* function names lower */
	CHECK_STR(s->items[1].alias, "Rev");
	CHECK(s->source == SRC_ORDERS);
	CHECK_STR(tree(s->where), "(NOT Flag)");
	CHECK_STR(s->group[0]->str, "Region");
	CHECK(s->order[0].desc && s->limit == 3);
	ast_select_free(s);
	s = parse("SELECT COUNT(*), Count(DISTINCT Customer), count(x) FROM orders");
	CHECK(s);
	if (s) {
		CHECK_STR(tree(s->items[0].expr), "count(*)");
		CHECK_STR(tree(s->items[1].expr), "count(DISTINCT Customer)");
		CHECK(s->items[1].expr->distinct);
		CHECK_STR(tree(s->items[2].expr), "count(x)");
		CHECK(!s->items[2].expr->distinct);
	}
	ast_select_free(s);
}

static void test_comments_and_semicolon(void)
{
	ast_select *s = parse("-- a comment\nSELECT a -- another\n, b\nFROM orders; -- the end");
	CHECK(s && s->nitems == 2);
	ast_select_free(s);
	s = parse("SELECT a FROM orders;");
	CHECK(s != NULL);
	ast_select_free(s);
	s = parse("  \t\r\n SELECT a--no space needed\nFROM orders\n");
	CHECK(s != NULL);
	ast_select_free(s);
	s = parse("SELECT 1-1 FROM orders");	/* 1 - 1, not a comment */
	CHECK(s && strcmp(tree(s->items[0].expr), "(- 1 1)") == 0);
	ast_select_free(s);
	s = parse("SELECT 1--1 FROM orders\nFROM contacts");
	CHECK(s && s->source == SRC_CONTACTS && strcmp(tree(s->items[0].expr), "1") == 0);
	ast_select_free(s);
}

static void test_derived_tables(void)
{
	ast_select *s = parse("SELECT * FROM (SELECT customer FROM orders GROUP BY customer) AS t");
	CHECK(s);
	if (s) {
		CHECK(s->nitems == 1 && s->items[0].expr == NULL);
		CHECK(s->items[0].len == 1);
		CHECK_STR(s->sub_alias, "t");
	}
	ast_select_free(s);
	s = parse("SELECT x FROM (SELECT a AS x FROM orders) sub WHERE x > 0 TZ 'UTC' LIMIT 2");
	CHECK(s);
	if (s) {
		CHECK_STR(s->sub_alias, "sub");
		CHECK_STR(tree(s->where), "(> x 0)");
		CHECK_STR(s->tz, "UTC");
	}
	ast_select_free(s);
	/* Clauses of the inner query stay inside it. */
	s = parse("SELECT n FROM (SELECT count(*) AS n FROM orders WINDOW 30d LIMIT 10) ORDER BY n");
	CHECK(s);
	if (s) {
		CHECK(!s->has_window && !s->has_limit && s->norder == 1);
		CHECK(s->sub->has_window && s->sub->has_limit && s->sub->limit == 10);
		CHECK(s->sub->norder == 0);
	}
	ast_select_free(s);
	/* Two levels, and a series read back by its asof column. */
	s = parse("SELECT asof, sum(share) AS total FROM (SELECT * FROM (SELECT customer, "
		  "contribution() AS share FROM orders STEP 1mo COUNT 3 GROUP BY customer)) "
		  "GROUP BY asof ORDER BY asof");
	CHECK(s);
	if (s) {
		CHECK(s->sub && s->sub->sub && s->sub->sub->has_step);
		CHECK_STR(s->group[0]->str, "asof");
		CHECK_STR(s->items[0].expr->str, "asof");
	}
	ast_select_free(s);
}

static void test_explain(void)
{
	ast_select *s = parse("EXPLAIN SELECT customer FROM orders GROUP BY customer");
	CHECK(s && s->explain);
	ast_select_free(s);
	s = parse("explain select 1 from (select 2 from contacts);");
	CHECK(s && s->explain && s->sub && !s->sub->explain);
	ast_select_free(s);
}

/* ---- expressions ---- */

static const char *expr_of(const char *e)
{
	static char out[1024];
	char q[1024];
	snprintf(q, sizeof q, "SELECT %s FROM orders", e);
	ast_select *s = parse(q);
	if (!s)
		return "(error)";
	snprintf(out, sizeof out, "%s", tree(s->items[0].expr));
	CHECK_STR(item_text(q, s, 0), e);	/* the item covers its text */
	ast_select_free(s);
	return out;
}

static void test_precedence(void)
{
	CHECK_STR(expr_of("1 + 2 * 3"), "(+ 1 (* 2 3))");
	CHECK_STR(expr_of("1 * 2 + 3"), "(+ (* 1 2) 3)");
	CHECK_STR(expr_of("1 - 2 - 3"), "(- (- 1 2) 3)");
	CHECK_STR(expr_of("8 / 4 / 2"), "(/ (/ 8 4) 2)");
	CHECK_STR(expr_of("(1 + 2) * 3"), "(* (+ 1 2) 3)");
	CHECK_STR(expr_of("-a * b"), "(* (- a) b)");
	CHECK_STR(expr_of("- - a"), "(- (- a))");
	CHECK_STR(expr_of("a - -1"), "(- a (- 1))");
	CHECK_STR(expr_of("a + 1 = b * 2"), "(= (+ a 1) (* b 2))");
	CHECK_STR(expr_of("a = 1 AND b = 2 OR c = 3"), "(OR (AND (= a 1) (= b 2)) (= c 3))");
	CHECK_STR(expr_of("a OR b AND c"), "(OR a (AND b c))");
	CHECK_STR(expr_of("NOT a = b"), "(NOT (= a b))");
	CHECK_STR(expr_of("NOT a AND b"), "(AND (NOT a) b)");
	CHECK_STR(expr_of("NOT NOT a"), "(NOT (NOT a))");
	CHECK_STR(expr_of("a <> b"), "(!= a b)");
	CHECK_STR(expr_of("a != b"), "(!= a b)");
	CHECK_STR(expr_of("a <= b AND a >= c AND a < d AND a > e"),
		  "(AND (AND (AND (<= a b) (>= a c)) (< a d)) (> a e))");
	CHECK_STR(expr_of("a IN (1, 2, 3)"), "(IN a 1 2 3)");
	CHECK_STR(expr_of("a NOT IN ('x')"), "(NOT IN a 'x')");
	CHECK_STR(expr_of("a + 1 IN (2) AND b"), "(AND (IN (+ a 1) 2) b)");
	CHECK_STR(expr_of("NOT a IN (1)"), "(NOT (IN a 1))");
	CHECK_STR(expr_of("a BETWEEN 1 AND 2"), "(BETWEEN a 1 2)");
	CHECK_STR(expr_of("a BETWEEN 1 AND 2 AND b"), "(AND (BETWEEN a 1 2) b)");
	CHECK_STR(expr_of("a NOT BETWEEN b + 1 AND c * 2 OR d"),
		  "(OR (NOT BETWEEN a (+ b 1) (* c 2)) d)");
	CHECK_STR(expr_of("a IS NULL"), "(ISNULL a)");
	CHECK_STR(expr_of("a IS NOT NULL OR b IS NULL"), "(OR (NOT ISNULL a) (ISNULL b))");
	CHECK_STR(expr_of("a + b IS NULL"), "(ISNULL (+ a b))");
	CHECK_STR(expr_of("CASE WHEN a > 1 THEN 'big' WHEN a > 0 THEN 'small' END"),
		  "(CASE (> a 1) 'big' (> a 0) 'small')");
	CHECK_STR(expr_of("CASE WHEN a THEN 1 ELSE CASE WHEN b THEN 2 ELSE 3 END END + 1"),
		  "(+ (CASE a 1 ELSE (CASE b 2 ELSE 3)) 1)");
	CHECK_STR(expr_of("round(avg(x) * 100, 2)"), "round((* avg(x) 100), 2)");
	CHECK_STR(expr_of("coalesce(a, b, 0)"), "coalesce(a, b, 0)");
	CHECK_STR(expr_of("tier(revenue(), 1000, 5000)"), "tier(revenue(), 1000, 5000)");
	CHECK_STR(expr_of("churned_adaptive(3, 90d)"), "churned_adaptive(3, 90d)");
	CHECK_STR(expr_of("count(DISTINCT customer) / count(*)"),
		  "(/ count(DISTINCT customer) count(*))");
	CHECK_STR(expr_of("((a))"), "a");
	/* Arity, DISTINCT and * are the binder's to check. */
	CHECK_STR(expr_of("count()"), "count()");
	CHECK_STR(expr_of("sum(DISTINCT a, b)"), "sum(DISTINCT a, b)");
	CHECK_STR(expr_of("Sum(*)"), "sum(*)");
}

static void test_literals(void)
{
	ast_select *s = parse("SELECT 0, 42, 9223372036854775807, 12.5, 0.00005, 3.14159265358979, "
			      "'it''s', '', 90d, 12w, 6mo, 2q, 1y, true, FALSE, Null FROM orders");
	CHECK(s && s->nitems == 16);
	if (!s)
		return;
	ast_expr **x = malloc((size_t)s->nitems * sizeof *x);
	for (int i = 0; i < s->nitems; i++)
		x[i] = s->items[i].expr;
	CHECK(x[0]->kind == AST_INT && x[0]->ival == 0);
	CHECK(x[1]->kind == AST_INT && x[1]->ival == 42);
	CHECK(x[2]->kind == AST_INT && x[2]->ival == INT64_MAX);
	CHECK(x[3]->kind == AST_DEC && x[3]->dval == 12.5 && x[3]->dec_exact && x[3]->ival == 125000);
	CHECK(x[4]->kind == AST_DEC && x[4]->dval == 0.00005 && !x[4]->dec_exact);
	CHECK(x[5]->kind == AST_DEC && x[5]->dval == 3.14159265358979 && !x[5]->dec_exact);
	CHECK(x[6]->kind == AST_STR);
	CHECK_STR(x[6]->str, "it's");
	CHECK(x[7]->kind == AST_STR);
	CHECK_STR(x[7]->str, "");
	CHECK(x[8]->kind == AST_DUR && x[8]->dur.n == 90 && x[8]->dur.unit == CAL_DAY);
	CHECK(x[9]->dur.n == 12 && x[9]->dur.unit == CAL_WEEK);
	CHECK(x[10]->dur.n == 6 && x[10]->dur.unit == CAL_MONTH);
	CHECK(x[11]->dur.n == 2 && x[11]->dur.unit == CAL_QUARTER);
	CHECK(x[12]->dur.n == 1 && x[12]->dur.unit == CAL_YEAR);
	CHECK(x[13]->kind == AST_BOOL && x[13]->ival == 1);
	CHECK(x[14]->kind == AST_BOOL && x[14]->ival == 0);
	CHECK(x[15]->kind == AST_NULL);
	free(x);
	ast_select_free(s);

	s = parse("SELECT 1.50000, 0.1, 123456789012345678.25 FROM orders");
	CHECK(s);
	if (s) {
		CHECK(s->items[0].expr->dec_exact && s->items[0].expr->ival == 15000);
		CHECK(s->items[1].expr->dval == 0.1 && s->items[1].expr->ival == 1000);
		CHECK(!s->items[2].expr->dec_exact);
		CHECK(s->items[2].expr->dval == 123456789012345678.25);
	}
	ast_select_free(s);
	/* A string keeps its bytes, newlines and UTF-8 included. */
	s = parse("SELECT a FROM orders WHERE city = 'Zürich\nnord'");
	CHECK(s && strcmp(s->where->args[1]->str, "Zürich\nnord") == 0);
	ast_select_free(s);
}

static void test_item_text(void)
{
	const char *q = "SELECT revenue(), ( a +b )*2 AS x, -amount, count( * ),\n"
			"  CASE WHEN a THEN b END, x IS NOT NULL, y NOT IN (1,2), * FROM orders";
	ast_select *s = parse(q);
	CHECK(s && s->nitems == 8);
	if (!s)
		return;
	CHECK_STR(item_text(q, s, 0), "revenue()");
	CHECK_STR(item_text(q, s, 1), "( a +b )*2");
	CHECK_STR(item_text(q, s, 2), "-amount");
	CHECK_STR(item_text(q, s, 3), "count( * )");
	CHECK_STR(item_text(q, s, 4), "CASE WHEN a THEN b END");
	CHECK_STR(item_text(q, s, 5), "x IS NOT NULL");
	CHECK_STR(item_text(q, s, 6), "y NOT IN (1,2)");
	CHECK_STR(item_text(q, s, 7), "*");
	CHECK(s->items[7].expr == NULL);
	CHECK_STR(node_text(q, s->items[1].expr->args[0]), "( a +b )");
	CHECK_STR(node_text(q, s->items[3].expr->args[0]), "*");
	ast_select_free(s);
}

static void test_names(void)
{
	/* asof and count are also plain names; period names, customer and
	 * stage are identifiers. */
	ast_select *s = parse("SELECT count(*) AS count, asof, count, day, week, quarter, year "
			      "FROM (SELECT 1 AS asof FROM orders) AS asof GROUP BY count, asof");
	CHECK(s);
	if (s) {
		CHECK_STR(s->items[0].alias, "count");
		CHECK_STR(s->items[1].expr->str, "asof");
		CHECK(s->items[2].expr->kind == AST_COL);
		CHECK_STR(s->items[2].expr->str, "count");
		CHECK_STR(s->sub_alias, "asof");
		CHECK_STR(s->group[0]->str, "count");
		CHECK_STR(s->group[1]->str, "asof");
	}
	ast_select_free(s);
	s = parse("SELECT _x1, selected, fromage FROM orders");	/* keyword prefixes */
	CHECK(s && s->nitems == 3);
	if (s)
		CHECK_STR(s->items[1].expr->str, "selected");
	ast_select_free(s);
}

/* ---- errors ---- */

static void test_errors_syntax(void)
{
	/* The spec's example: */
	CHECK_ERR("SELECT * FROM orders WINDOW month",
		  "1:29: expected a duration after WINDOW, found 'month'");
	CHECK_ERR("SELECT x\nFROM orders\nWINDOW month",
		  "3:8: expected a duration after WINDOW, found 'month'");
	CHECK_ERR("", "1:1: expected SELECT or EXPLAIN, found 'end of query'");
	CHECK_ERR("-- nothing but a comment\n",
		  "1:1: expected SELECT or EXPLAIN, found 'end of query'");
	CHECK_ERR("SELECT", "1:7: expected an expression or '*' after SELECT, found 'end of query'");
	CHECK_ERR("SELECT FROM orders",
		  "1:8: expected an expression or '*' after SELECT, found 'FROM'");
	CHECK_ERR("SELECT a FROM", "1:14: expected orders, contacts or '(' after FROM, found 'end of query'");
	CHECK_ERR("SELECT a FROM sales", "1:15: expected orders, contacts or '(' after FROM, found 'sales'");
	CHECK_ERR("SELECT a b FROM orders", "1:10: expected an operator, AS, ',' or FROM, found 'b'");
	CHECK_ERR("SELECT a FROM orders GROUP customer",
		  "1:28: expected BY after GROUP, found 'customer'");
	CHECK_ERR("SELECT a FROM orders GROUP BY 1", "1:31: expected a name after GROUP BY, found '1'");
	CHECK_ERR("SELECT a FROM orders ORDER BY", "1:30: expected an expression after ORDER BY, found 'end of query'");
	CHECK_ERR("SELECT a FROM orders STEP 1mo",
		  "1:30: expected COUNT, found 'end of query'");
	CHECK_ERR("SELECT a FROM orders STEP 1mo COUNT x",
		  "1:37: expected an integer after COUNT, found 'x'");
	CHECK_ERR("SELECT a FROM orders STEP month COUNT 3",
		  "1:27: expected a duration after STEP, found 'month'");
	CHECK_ERR("SELECT a FROM orders ASOF now", "1:27: expected a timestamp after ASOF, found 'now'");
	CHECK_ERR("SELECT a FROM orders TZ UTC", "1:25: expected a string after TZ, found 'UTC'");
	CHECK_ERR("SELECT a FROM orders LIMIT -1", "1:28: expected an integer after LIMIT, found '-'");
	CHECK_ERR("SELECT a FROM orders WHERE", "1:27: expected an expression after WHERE, found 'end of query'");
	CHECK_ERR("SELECT a FROM orders WHERE x = 1 foo",
		  "1:34: expected an operator, WINDOW, ASOF, STEP, TZ, GROUP BY, HAVING, "
		  "ORDER BY, LIMIT or end of query, found 'foo'");
	CHECK_ERR("SELECT a FROM orders WHERE 1 < x < 5",
		  "1:34: expected an operator other than a comparison, WINDOW, ASOF, STEP, TZ, "
		  "GROUP BY, HAVING, ORDER BY, LIMIT or end of query, found '<'");
	CHECK_ERR("SELECT a FROM orders LIMIT 5 WINDOW 90d",
		  "1:30: expected end of query, found 'WINDOW'");
	CHECK_ERR("SELECT a FROM orders GROUP BY customer WINDOW 90d",
		  "1:40: expected ',', HAVING, ORDER BY, LIMIT or end of query, found 'WINDOW'");
	CHECK_ERR("SELECT a FROM orders;;", "1:22: expected end of query, found ';'");
	CHECK_ERR("SELECT (a + 1 FROM orders", "1:15: expected an operator or ')', found 'FROM'");
	CHECK_ERR("SELECT f(a,) FROM orders", "1:12: expected an expression, found ')'");
	CHECK_ERR("SELECT count(DISTINCT) FROM orders",
		  "1:22: expected an expression after DISTINCT, found ')'");
	CHECK_ERR("SELECT f(* FROM orders", "1:12: expected ')', found 'FROM'");
	CHECK_ERR("SELECT a AS FROM orders", "1:13: expected a name after AS, found 'FROM'");
	CHECK_ERR("SELECT a FROM orders WHERE a BETWEEN 1 5",
		  "1:40: expected AND or an operator, found '5'");
	CHECK_ERR("SELECT a FROM orders WHERE a IS 1", "1:33: expected NOT or NULL after IS, found '1'");
	CHECK_ERR("SELECT a FROM orders WHERE a NOT 1", "1:34: expected IN or BETWEEN after NOT, found '1'");
	CHECK_ERR("SELECT a FROM orders WHERE a IN 1", "1:33: expected '(' after IN, found '1'");
	CHECK_ERR("SELECT CASE a END FROM orders", "1:13: expected WHEN after CASE, found 'a'");
	CHECK_ERR("SELECT CASE WHEN a THEN b FROM orders",
		  "1:27: expected an operator, WHEN, ELSE or END, found 'FROM'");
	CHECK_ERR("SELECT a FROM (orders)", "1:16: expected SELECT, found 'orders'");
	CHECK_ERR("SELECT a FROM (SELECT b FROM orders", "1:36: expected WHERE, WINDOW, ASOF, STEP, TZ, "
		  "GROUP BY, HAVING, ORDER BY, LIMIT or ')', found 'end of query'");
	CHECK_ERR("EXPLAIN EXPLAIN SELECT 1 FROM orders", "1:9: expected SELECT after EXPLAIN, found 'EXPLAIN'");
	CHECK_ERR("SELECT a FROM orders ORDER BY a DESC DESC",
		  "1:38: expected ',', LIMIT or end of query, found 'DESC'");
	CHECK_ERR("SELECT a.b FROM orders", "1:9: expected an operator, AS, ',' or FROM, found '.'");
	/* The found text is cut to 30 bytes and to its first line. */
	CHECK_ERR("SELECT a FROM orders WINDOW 'a very long string that goes on and on'",
		  "1:29: expected a duration after WINDOW, found ''a very long string that goes...'");
	CHECK_ERR("SELECT a FROM orders WINDOW 'two\nlines'",
		  "1:29: expected a duration after WINDOW, found ''two...'");
	/* Bytes that are not valid UTF-8 show as \xNN; UTF-8 stays whole. */
	CHECK_ERR("SELECT a FROM orders WINDOW 'a\xff\tb'",
		  "1:29: expected a duration after WINDOW, found ''a\\xff\\x09b''");
	CHECK_ERR("SELECT a FROM orders WINDOW 'ééééééééééééééé'",
		  "1:29: expected a duration after WINDOW, found ''éééééééééééééé...'");
}

static void test_errors_semantic(void)
{
	CHECK_ERR("SELECT a FROM orders WINDOW 90d ASOF '2025-01-01' WINDOW 30d",
		  "1:51: WINDOW given twice");
	CHECK_ERR("SELECT a FROM orders ASOF 1 ASOF 2", "1:29: ASOF given twice");
	CHECK_ERR("SELECT a FROM orders STEP 1d COUNT 2 TZ 'UTC' STEP 1d COUNT 2",
		  "1:47: STEP given twice");
	CHECK_ERR("SELECT a FROM orders TZ 'UTC' TZ 'UTC'", "1:31: TZ given twice");
	/* Whether a clause applies (time over a derived table) and the range
	 * of COUNT are the binder's to judge: the parser keeps them. */
	ast_select *s = parse("SELECT a FROM (SELECT a FROM orders) t WINDOW 90d "
			      "ASOF '2025-01-01' STEP 1d COUNT 0");
	CHECK(s && s->source == SRC_QUERY && s->has_window && s->asof &&
	      s->has_step && s->step_count == 0);
	ast_select_free(s);
}

static void test_errors_lexical(void)
{
	CHECK_ERR("SELECT 'abc FROM orders", "1:8: expected ' to close the string, found the end of the query");
	CHECK_ERR("SELECT 'it''s FROM orders", "1:12: expected ' to close the string, found the end of the query");
	CHECK_ERR("SELECT # FROM orders", "1:8: unexpected character '#'");
	CHECK_ERR("SELECT a FROM orders WHERE a ! b", "1:30: unexpected character '!'");
	CHECK_ERR("SELECT a FROM orders WHERE a = 'x' AND é", "1:40: unexpected character 'é'");
	CHECK_ERR("SELECT 'café' AS c, # FROM orders", "1:21: unexpected character '#'");	/* characters, not bytes */
	CHECK_ERR("SELECT a\n  FROM orders WINDOW 5x", "2:22: expected a number or a duration such as 90d, found '5x'");
	CHECK_ERR("SELECT 90dx FROM orders", "1:8: expected a number or a duration such as 90d, found '90dx'");
	CHECK_ERR("SELECT 90D FROM orders", "1:8: expected a number or a duration such as 90d, found '90D'");
	CHECK_ERR("SELECT 12.5e3 FROM orders", "1:8: expected a number or a duration such as 90d, found '12.5e3'");
	CHECK_ERR("SELECT 1. FROM orders", "1:8: expected a number or a duration such as 90d, found '1.'");
	CHECK_ERR("SELECT 0d FROM orders", "1:8: bad duration '0d'");
	CHECK_ERR("SELECT a FROM orders WINDOW 99999999d", "1:29: number out of range '99999999d'");
	CHECK_ERR("SELECT 9223372036854775808 FROM orders",
		  "1:8: number out of range '9223372036854775808'");
	const char q[] = "SELECT a\0 FROM orders";
	tide_err e;
	ast_select *s;
	CHECK(tql_parse(q, sizeof q - 1, &s, &e) == TIDE_EQUERY);
	CHECK_STR(e.msg, "1:9: unexpected character '\\x00'");
	CHECK(s == NULL);
}

/* Not NUL-terminated: tql_parse reads exactly len bytes. */
static void test_length(void)
{
	const char q[] = "SELECT a FROM ordersXYZ";
	ast_select *s;
	tide_err e;
	CHECK(tql_parse(q, sizeof q - 4, &s, &e) == 0);
	CHECK(s && s->source == SRC_ORDERS);
	ast_select_free(s);
	CHECK(tql_parse(q, 8, &s, &e) == TIDE_EQUERY);
	CHECK_STR(e.msg, "1:9: expected an operator, AS, ',' or FROM, found 'end of query'");
}

/* ---- limits: deep or huge input fails cleanly ---- */

static char *repeat(const char *head, const char *unit, int n, const char *tail)
{
	size_t hl = strlen(head), ul = strlen(unit), tl = strlen(tail);
	char *q = malloc(hl + ul * (size_t)n + tl + 1), *p = q;
	memcpy(p, head, hl);
	p += hl;
	for (int i = 0; i < n; i++, p += ul)
		memcpy(p, unit, ul);
	memcpy(p, tail, tl + 1);
	return q;
}

static void test_limits(void)
{
	char *q = repeat("SELECT ", "(", 100000, "");
	const char *msg = error_of(q);
	CHECK(strstr(msg, ": query nested too deeply") != NULL);
	free(q);
	q = repeat("SELECT ", "NOT ", 100000, "a FROM orders");
	msg = error_of(q);
	CHECK(strstr(msg, ": query nested too deeply") != NULL);
	free(q);
	q = repeat("SELECT 1", " + 1", 5000, " FROM orders");
	CHECK_STR(error_of(q), "1:8: query nested too deeply");
	free(q);
	q = repeat("SELECT a FROM ", "(SELECT a FROM ", 50000, "orders");
	msg = error_of(q);
	CHECK(strstr(msg, ": query nested too deeply") != NULL);
	free(q);
	/* Reasonable depth and width still parse. */
	q = repeat("SELECT 1", " + 1", 900, " FROM orders");
	ast_select *s = parse(q);
	CHECK(s != NULL);
	ast_select_free(s);
	q = (free(q), repeat("SELECT ", "(", 200, "1"));
	char *q2 = repeat(q, ")", 200, " FROM orders");
	s = parse(q2);
	CHECK(s && s->items[0].expr->kind == AST_INT);
	ast_select_free(s);
	free(q);
	free(q2);
	q = repeat("SELECT a FROM orders WHERE a IN (0", ", 1", 20000, ")");
	s = parse(q);
	CHECK(s && s->where->nargs == 20002);
	ast_select_free(s);
	free(q);
	/* Too long a text. */
	size_t n = (1u << 20) + 1;
	q = malloc(n);
	memset(q, ' ', n);
	tide_err e;
	CHECK(tql_parse(q, n, &s, &e) == TIDE_EQUERY && s == NULL);
	CHECK(strncmp(e.msg, "1:1: query too long", 19) == 0);
	free(q);
}

static void test_position(void)
{
	const char *t = "ab\ncd\n\nx";
	int l, c;
	tql_position(t, 0, &l, &c);
	CHECK(l == 1 && c == 1);
	tql_position(t, 2, &l, &c);
	CHECK(l == 1 && c == 3);
	tql_position(t, 3, &l, &c);
	CHECK(l == 2 && c == 1);
	tql_position(t, 7, &l, &c);
	CHECK(l == 4 && c == 1);
}

int main(void)
{
	RUN(test_example_top_customers);
	RUN(test_example_monthly);
	RUN(test_example_classes);
	RUN(test_example_slipping);
	RUN(test_example_series);
	RUN(test_example_funnel);
	RUN(test_all_clauses);
	RUN(test_time_clause_order);
	RUN(test_keywords_case);
	RUN(test_comments_and_semicolon);
	RUN(test_derived_tables);
	RUN(test_explain);
	RUN(test_precedence);
	RUN(test_literals);
	RUN(test_item_text);
	RUN(test_names);
	RUN(test_errors_syntax);
	RUN(test_errors_semantic);
	RUN(test_errors_lexical);
	RUN(test_length);
	RUN(test_limits);
	RUN(test_position);
	return run_failed;
}

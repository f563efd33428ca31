/* fuzz_parse.c — libFuzzer target for tql_parse().
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Isrc -Ibuild \
 *     tests/fuzz/fuzz_parse.c src/ast.c src/parse.c src/err.c \
 *     build/lexer.c build/tql.c -llmdb -o build/fuzz_parse
 *   build/fuzz_parse -max_total_time=60 -max_len=4096 CORPUS_DIR
 *
 * Besides crashes, leaks and hangs it checks what callers rely on: an error
 * is one line "L:C: ..." with code TIDE_EQUERY and no tree; a tree's node
 * ranges lie inside the text and inside their parents; and the text of
 * each select item, parsed again on its own, gives the same expression
 * (the executor names columns by that text). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int same(const ast_expr *a, const ast_expr *b)
{
	if (!a || !b)
		return a == b;
	if (a->kind != b->kind || a->nargs != b->nargs ||
	    a->distinct != b->distinct || a->negated != b->negated ||
	    a->has_else != b->has_else)
		return 0;
	switch (a->kind) {
	case AST_BIN:
		if (a->op != b->op)
			return 0;
		break;
	case AST_INT:
	case AST_BOOL:
		if (a->ival != b->ival)
			return 0;
		break;
	case AST_DEC:
		if (a->dval != b->dval || a->dec_exact != b->dec_exact ||
		    (a->dec_exact && a->ival != b->ival))
			return 0;
		break;
	case AST_DUR:
		if (a->dur.n != b->dur.n || a->dur.unit != b->dur.unit)
			return 0;
		break;
	case AST_STR:
	case AST_COL:
	case AST_CALL:
		if (!a->str || !b->str || strcmp(a->str, b->str) != 0)
			return 0;
		break;
	default:
		break;
	}
	for (int i = 0; i < a->nargs; i++)
		if (!same(a->args[i], b->args[i]))
			return 0;
	return 1;
}

static void check_range(const ast_expr *x, uint32_t lo, uint32_t hi)
{
	if (!x)
		return;
	if (x->pos < lo || x->len == 0 || x->pos + x->len > hi)
		abort();
	for (int i = 0; i < x->nargs; i++)
		check_range(x->args[i], x->pos, x->pos + x->len);
}

static void check_select(const char *text, uint32_t n, const ast_select *s)
{
	if (s->nitems < 1)
		abort();
	for (int i = 0; i < s->nitems; i++) {
		const ast_item *it = &s->items[i];
		if (it->pos + it->len > n || it->len == 0)
			abort();
		if (!it->expr)
			continue;
		check_range(it->expr, 0, n);
		if (it->pos != it->expr->pos || it->len != it->expr->len)
			abort();
		/* The item's text alone parses to the same expression. */
		static const char head[] = "SELECT ", tail[] = " FROM orders";
		size_t qn = sizeof head - 1 + it->len + sizeof tail - 1;
		char *q = malloc(qn + 1);
		if (!q)
			abort();
		memcpy(q, head, sizeof head - 1);
		memcpy(q + sizeof head - 1, text + it->pos, it->len);
		memcpy(q + sizeof head - 1 + it->len, tail, sizeof tail);
		ast_select *r;
		tide_err e;
		if (tql_parse(q, qn, &r, &e) != 0) {
			fprintf(stderr, "item text does not reparse: %s\n%s\n", e.msg, q);
			abort();
		}
		if (r->nitems != 1 || !same(it->expr, r->items[0].expr)) {
			fprintf(stderr, "item text reparses differently: %s\n", q);
			abort();
		}
		ast_select_free(r);
		free(q);
	}
	check_range(s->where, 0, n);
	check_range(s->asof, 0, n);
	check_range(s->having, 0, n);
	for (int i = 0; i < s->ngroup; i++) {
		check_range(s->group[i], 0, n);
		if (s->group[i]->kind != AST_COL)
			abort();
	}
	for (int i = 0; i < s->norder; i++)
		check_range(s->order[i].expr, 0, n);
	if ((s->source == SRC_QUERY) != (s->sub != NULL))
		abort();
	if (s->sub)
		check_select(text, n, s->sub);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ast_select *s = (ast_select *)&s;
	tide_err e;
	int rc = tql_parse((const char *)data, size, &s, &e);
	if (rc == 0) {
		if (!s || e.code != 0)
			abort();
		check_select((const char *)data, (uint32_t)size, s);
		ast_select_free(s);
		return 0;
	}
	if (s != NULL || e.code != rc)
		abort();
	if (rc == TIDE_ENOMEM)
		return 0;
	if (rc != TIDE_EQUERY || strchr(e.msg, '\n'))
		abort();
	int line, col, k = 0;
	if (sscanf(e.msg, "%d:%d: %n", &line, &col, &k) != 2 || k == 0 ||
	    line < 1 || col < 1 || e.msg[k] == '\0')
		abort();
	return 0;
}

/* tql.y — the TQL grammar (lemon; build/tql.c and build/tql.h are
 * generated); the language is the spec's language.md.
 *
 *   [EXPLAIN] SELECT item, ... FROM source [WHERE e]
 *     {WINDOW dur | ASOF ts | STEP dur COUNT n | TZ 'zone'}   -- any order, each once
 *     [GROUP BY key, ...] [HAVING e] [ORDER BY e [ASC|DESC], ...] [LIMIT n] [;]
 *
 * Actions only call the constructors of src/ast.c (declared in parse.h),
 * which attach or free every child they are given; every non-terminal that
 * holds heap memory has a %destructor, so a parse abandoned at any token
 * leaks nothing.  The driver (src/parse.c) checks each token with
 * tql_parser_accepts() before feeding it, so %syntax_error is a backstop. */

%name tql_parser
%token_prefix TK_
%token_type {tql_tok}
%extra_context {tql_ctx *ctx}
%start_symbol cmd

/* Each level of parentheses, NOT, unary minus, CASE or derived table
 * holds a few entries; 1000 is far beyond any real query and turns
 * "((((((..." into a clean error instead of unbounded memory. */
%stack_size 1000
%stack_overflow { tql_stack_overflow(ctx); }

%syntax_error {
	(void)yyminor;
	tql_syntax_error(ctx, yymajor);
}

%include {
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>

#include "parse.h"

/* Stop at the first error: no error symbol, no recovery. */
#define YYNOERRORRECOVERY 1
}

/* Token codes in this order (tql.h).  The parser's error messages list
 * tokens in their own order (src/parse.c), not by code. */
%token SELECT FROM WHERE WINDOW ASOF STEP COUNT TZ GROUP BY HAVING ORDER
	ASC DESC LIMIT AS EXPLAIN DISTINCT CASE WHEN THEN ELSE END
	TRUE FALSE NULL ID INTEGER DECIMAL STRING DURATION
	LP RP COMMA SEMI DOT.

/* Lowest binding first. */
%left OR.
%left AND.
%right NOT.
%nonassoc EQ NE LT LE GT GE IN BETWEEN IS.
%left PLUS MINUS.
%left STAR SLASH.
%right UMINUS.

%type select {ast_select *}
%destructor select { ast_select_free($$); }
%type sel_items {ast_select *}
%destructor sel_items { ast_select_free($$); }
%type sel_from {ast_select *}
%destructor sel_from { ast_select_free($$); }
%type sel_where {ast_select *}
%destructor sel_where { ast_select_free($$); }
%type sel_time {ast_select *}
%destructor sel_time { ast_select_free($$); }
%type sel_grouped {ast_select *}
%destructor sel_grouped { ast_select_free($$); }
%type sel_group {ast_select *}
%destructor sel_group { ast_select_free($$); }
%type sel_having {ast_select *}
%destructor sel_having { ast_select_free($$); }
%type sel_ordered {ast_select *}
%destructor sel_ordered { ast_select_free($$); }
%type sel_order {ast_select *}
%destructor sel_order { ast_select_free($$); }

%type item {tql_item}
%destructor item { ast_expr_free($$.e.x); }
%type sortitem {tql_sort}
%destructor sortitem { ast_expr_free($$.e.x); }
%type expr {tql_node}
%destructor expr { ast_expr_free($$.x); }
%type exprlist {tql_node}
%destructor exprlist { ast_expr_free($$.x); }
%type whens {tql_node}
%destructor whens { ast_expr_free($$.x); }
%type name {tql_tok}
%type fname {tql_tok}

/* ---- statement ---- */

cmd ::= select(S) semi_opt.		{ ast_sel_done(ctx, S, false); }
cmd ::= EXPLAIN select(S) semi_opt.	{ ast_sel_done(ctx, S, true); }

semi_opt ::= .
semi_opt ::= SEMI.

/* ---- a query, clause by clause ---- */

select(A) ::= sel_order(A).
select(A) ::= sel_order(A) LIMIT INTEGER(N).	{ A = ast_sel_limit(ctx, A, N); }

sel_order(A) ::= sel_having(A).
sel_order(A) ::= sel_ordered(A).
sel_ordered(A) ::= sel_having(A) ORDER BY sortitem(O).	{ A = ast_sel_order(ctx, A, O); }
sel_ordered(A) ::= sel_ordered(A) COMMA sortitem(O).	{ A = ast_sel_order(ctx, A, O); }

sortitem(A) ::= expr(X).	{ A.e = X; A.desc = false; }
sortitem(A) ::= expr(X) ASC.	{ A.e = X; A.desc = false; }
sortitem(A) ::= expr(X) DESC.	{ A.e = X; A.desc = true; }

sel_having(A) ::= sel_group(A).
sel_having(A) ::= sel_group(A) HAVING expr(X).	{ A = ast_sel_having(ctx, A, X); }

sel_group(A) ::= sel_time(A).
sel_group(A) ::= sel_grouped(A).
sel_grouped(A) ::= sel_time(A) GROUP BY name(K).	{ A = ast_sel_group(ctx, A, K); }
sel_grouped(A) ::= sel_grouped(A) COMMA name(K).	{ A = ast_sel_group(ctx, A, K); }

/* The time clauses, in any order; a repeat is an error (ast.c). */
sel_time(A) ::= sel_where(A).
sel_time(A) ::= sel_time(A) WINDOW(K) DURATION(D).	{ A = ast_sel_window(ctx, A, K, D); }
sel_time(A) ::= sel_time(A) ASOF(K) STRING(V).
	{ A = ast_sel_asof(ctx, A, K, ast_leaf(ctx, AST_STR, V)); }
sel_time(A) ::= sel_time(A) ASOF(K) INTEGER(V).
	{ A = ast_sel_asof(ctx, A, K, ast_leaf(ctx, AST_INT, V)); }
sel_time(A) ::= sel_time(A) STEP(K) DURATION(D) COUNT INTEGER(N).
	{ A = ast_sel_step(ctx, A, K, D, N); }
sel_time(A) ::= sel_time(A) TZ(K) STRING(Z).		{ A = ast_sel_tz(ctx, A, K, Z); }

sel_where(A) ::= sel_from(A).
sel_where(A) ::= sel_from(A) WHERE expr(X).	{ A = ast_sel_where(ctx, A, X); }

sel_from(A) ::= sel_items(A) FROM ID(T).	{ A = ast_sel_table(ctx, A, T); }
sel_from(A) ::= sel_items(A) FROM LP(L) select(S) RP.
	{ A = ast_sel_sub(ctx, A, L, S, NULL); }
sel_from(A) ::= sel_items(A) FROM LP(L) select(S) RP AS name(N).
	{ A = ast_sel_sub(ctx, A, L, S, &N); }
sel_from(A) ::= sel_items(A) FROM LP(L) select(S) RP ID(N).
	{ A = ast_sel_sub(ctx, A, L, S, &N); }

sel_items(A) ::= SELECT item(I).		{ A = ast_sel_new(ctx, I); }
sel_items(A) ::= sel_items(A) COMMA item(I).	{ A = ast_sel_item(ctx, A, I); }

item(A) ::= expr(X).			{ A = (tql_item){ .e = X }; }
item(A) ::= expr(X) AS name(N).		{ A = (tql_item){ .e = X, .has_alias = true, .alias = N }; }
item(A) ::= STAR(S).			{ A = (tql_item){ .star = true, .star_tok = S }; }

/* Names: identifiers, and the keywords that are also column names (the
 * series column `asof`, a column called `count`). */
name(A) ::= ID(A).
name(A) ::= ASOF(A).
name(A) ::= COUNT(A).

/* ---- expressions ---- */

expr(A) ::= LP(L) expr(X) RP(R).	{ A = ast_paren(ctx, L, X, R); }

expr(A) ::= ID(T).		{ A = ast_leaf(ctx, AST_COL, T); }
expr(A) ::= ASOF(T).		{ A = ast_leaf(ctx, AST_COL, T); }
expr(A) ::= COUNT(T).		{ A = ast_leaf(ctx, AST_COL, T); }
expr(A) ::= INTEGER(T).		{ A = ast_leaf(ctx, AST_INT, T); }
expr(A) ::= DECIMAL(T).		{ A = ast_leaf(ctx, AST_DEC, T); }
expr(A) ::= STRING(T).		{ A = ast_leaf(ctx, AST_STR, T); }
expr(A) ::= DURATION(T).	{ A = ast_leaf(ctx, AST_DUR, T); }
expr(A) ::= TRUE(T).		{ A = ast_leaf(ctx, AST_BOOL, T); }
expr(A) ::= FALSE(T).		{ A = ast_leaf(ctx, AST_BOOL, T); }
expr(A) ::= NULL(T).		{ A = ast_leaf(ctx, AST_NULL, T); }

/* Calls.  Any function takes DISTINCT or a lone `*` here; the binder says
 * that only count() does, and checks each function's arguments. */
expr(A) ::= fname(N) LP RP(R).		{ A = ast_call(ctx, N, (tql_node){ 0 }, false, R); }
expr(A) ::= fname(N) LP exprlist(L) RP(R).	{ A = ast_call(ctx, N, L, false, R); }
expr(A) ::= fname(N) LP DISTINCT exprlist(L) RP(R).
	{ A = ast_call(ctx, N, L, true, R); }
expr(A) ::= fname(N) LP STAR(S) RP(R).
	{ A = ast_call(ctx, N, ast_list(ctx, (tql_node){ 0 }, ast_leaf(ctx, AST_STAR, S)), false, R); }
fname(A) ::= ID(A).
fname(A) ::= COUNT(A).

expr(A) ::= MINUS(M) expr(X). [UMINUS]	{ A = ast_unary(ctx, AST_NEG, M, X); }
expr(A) ::= NOT(M) expr(X).		{ A = ast_unary(ctx, AST_NOT, M, X); }

expr(A) ::= expr(X) PLUS expr(Y).	{ A = ast_binary(ctx, OP_ADD, X, Y); }
expr(A) ::= expr(X) MINUS expr(Y).	{ A = ast_binary(ctx, OP_SUB, X, Y); }
expr(A) ::= expr(X) STAR expr(Y).	{ A = ast_binary(ctx, OP_MUL, X, Y); }
expr(A) ::= expr(X) SLASH expr(Y).	{ A = ast_binary(ctx, OP_DIV, X, Y); }
expr(A) ::= expr(X) EQ expr(Y).		{ A = ast_binary(ctx, OP_EQ, X, Y); }
expr(A) ::= expr(X) NE expr(Y).		{ A = ast_binary(ctx, OP_NE, X, Y); }
expr(A) ::= expr(X) LT expr(Y).		{ A = ast_binary(ctx, OP_LT, X, Y); }
expr(A) ::= expr(X) LE expr(Y).		{ A = ast_binary(ctx, OP_LE, X, Y); }
expr(A) ::= expr(X) GT expr(Y).		{ A = ast_binary(ctx, OP_GT, X, Y); }
expr(A) ::= expr(X) GE expr(Y).		{ A = ast_binary(ctx, OP_GE, X, Y); }
expr(A) ::= expr(X) AND expr(Y).	{ A = ast_binary(ctx, OP_AND, X, Y); }
expr(A) ::= expr(X) OR expr(Y).		{ A = ast_binary(ctx, OP_OR, X, Y); }

expr(A) ::= expr(X) IN LP exprlist(L) RP(R).	{ A = ast_in(ctx, X, false, L, R); }
expr(A) ::= expr(X) NOT IN LP exprlist(L) RP(R). [IN]
	{ A = ast_in(ctx, X, true, L, R); }
expr(A) ::= expr(X) BETWEEN expr(Y) AND expr(Z). [BETWEEN]
	{ A = ast_between(ctx, X, false, Y, Z); }
expr(A) ::= expr(X) NOT BETWEEN expr(Y) AND expr(Z). [BETWEEN]
	{ A = ast_between(ctx, X, true, Y, Z); }
expr(A) ::= expr(X) IS NULL(R).		{ A = ast_isnull(ctx, X, false, R); }
expr(A) ::= expr(X) IS NOT NULL(R). [IS]	{ A = ast_isnull(ctx, X, true, R); }

expr(A) ::= CASE(C) whens(W) END(E).	{ A = ast_case(ctx, C, W, (tql_node){ 0 }, E); }
expr(A) ::= CASE(C) whens(W) ELSE expr(X) END(E).
	{ A = ast_case(ctx, C, W, X, E); }
whens(A) ::= WHEN expr(X) THEN expr(Y).
	{ A = ast_list(ctx, ast_list(ctx, (tql_node){ 0 }, X), Y); }
whens(A) ::= whens(A) WHEN expr(X) THEN expr(Y).
	{ A = ast_list(ctx, ast_list(ctx, A, X), Y); }

exprlist(A) ::= expr(X).			{ A = ast_list(ctx, (tql_node){ 0 }, X); }
exprlist(A) ::= exprlist(A) COMMA expr(X).	{ A = ast_list(ctx, A, X); }

/* ---- the parser's own tables, for the driver's error messages ---- */
%code {

int tql_parser_ntokens(void)
{
	return YYNTOKEN;
}

/* Replays what tql_parser() would do with token `major` on a copy of the
 * top of the stack: reductions pop entries and push their goto states until
 * the token is shifted (1) or hits an error action (0).  The real stack is
 * read, never written; what the replay pushes lives in `over`. */
int tql_parser_accepts(void *p, int major)
{
	yyParser *yyp = p;
	YYACTIONTYPE over[64];
	int nover = 0;
	int real = (int)(yyp->yytos - yyp->yystack);
	YYACTIONTYPE act = yyp->yytos->stateno;

	if (major < 0 || major >= YYNTOKEN)
		return 0;
	for (;;) {
		act = yy_find_shift_action((YYCODETYPE)major, act);
		if (act >= YY_MIN_REDUCE) {
			unsigned rule = act - YY_MIN_REDUCE;
			int n = -yyRuleInfoNRhs[rule];
			while (n > 0 && nover > 0) {
				nover--;
				n--;
			}
			real -= n;
			if (real < 0 || nover == (int)(sizeof over / sizeof over[0]))
				return 0;
			act = yy_find_reduce_action(
				nover ? over[nover - 1] : yyp->yystack[real].stateno,
				yyRuleInfoLhs[rule]);
			over[nover++] = act;
		} else if (act <= YY_MAX_SHIFTREDUCE || act == YY_ACCEPT_ACTION) {
			return 1;
		} else {
			return 0;
		}
	}
}

}

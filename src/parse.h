/* parse.h — internals shared by the TQL lexer (grammar/lexer.re), the lemon
 * grammar (grammar/tql.y), the AST constructors (src/ast.c) and the driver
 * (src/parse.c).  Not part of the public API: callers use tql_parse() in
 * ast.h.
 *
 * Ownership: the parse context borrows the query text for the whole parse.
 * Every constructor below takes ownership of the nodes it is given: it
 * attaches them or, when it fails (out of memory, a query error, or an error
 * already recorded in the context), frees them and returns a null node.  So a
 * grammar action never frees anything itself. */
#ifndef TIDE_PARSE_H
#define TIDE_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ast.h"

/* Limits that keep a hostile query from exhausting memory or the C stack.
 * Every tree tql_parse() returns has height <= TQL_MAX_HEIGHT, so code that
 * walks it recursively needs no depth check of its own. */
#define TQL_MAX_TEXT	(1u << 20)	/* bytes of query text */
#define TQL_MAX_HEIGHT	1000		/* expression tree height */
#define TQL_MAX_DUR	1000000		/* largest duration count (90d: 90) */

/* One token: its byte range in the text and, for literals, the value the
 * lexer decoded.  Identifiers and strings are copied out of the text by the
 * constructors. */
typedef struct tql_tok {
	uint32_t pos, len;
	int64_t ival;		/* INTEGER; DURATION count; DECIMAL × 10^4 */
	double dval;		/* DECIMAL */
	cal_unit unit;		/* DURATION */
	bool exact;		/* DECIMAL: ival is exact */
} tql_tok;

/* An expression under construction and the height of its tree (a leaf is
 * 1).  x == NULL after a failure. */
typedef struct tql_node {
	ast_expr *x;
	int h;
} tql_node;

/* A select-list item before it is attached. */
typedef struct tql_item {
	tql_node e;		/* e.x == NULL for `*` */
	bool star;
	tql_tok star_tok;
	bool has_alias;
	tql_tok alias;
} tql_item;

/* One ORDER BY term. */
typedef struct tql_sort {
	tql_node e;
	bool desc;
} tql_sort;

typedef struct tql_ctx {
	const char *text;	/* NUL-terminated, len bytes before the NUL */
	size_t len;
	int rc;			/* 0 while parsing; TIDE_EQUERY or TIDE_ENOMEM */
	tide_err *e;
	void *parser;		/* the lemon parser, for tql_expected() */
	tql_tok tok;		/* the token being fed to the parser */
	int tok_type;
	int prev, prev2;	/* the last two token types shifted (0: none) */
	uint32_t end;		/* offset just after the last token shifted */
	ast_select *result;
} tql_ctx;

/* src/parse.c: errors.  Only the first error of a parse is kept. */
void tql_error(tql_ctx *c, uint32_t pos, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void tql_oom(tql_ctx *c);
/* "L:C: expected WHAT, found 'TOKEN'" for the token type major at c->tok,
 * describing what the parser could have shifted instead. */
void tql_syntax_error(tql_ctx *c, int major);
void tql_stack_overflow(tql_ctx *c);
/* Writes "'text'" of token t, or "'end of query'" for t == NULL, into
 * buf (TQL_FOUND_MAX bytes hold any): the first line of the text, cut to
 * 30 bytes ("..." marks a cut), bytes that are not printable ASCII or
 * valid UTF-8 written \xNN. */
#define TQL_FOUND_MAX 160
void tql_found(const tql_ctx *c, const tql_tok *t, char *buf, size_t n);

/* grammar/lexer.re: the next token at *at (skipping blanks and comments);
 * returns its TK_ type, 0 at the end of the text, or -1 after recording a
 * lexical error in c.  *at moves past the token. */
int tql_lex(tql_ctx *c, uint32_t *at, tql_tok *t);

/* grammar/tql.y (lemon output, build/tql.c). */
void *tql_parserAlloc(void *(*mallocProc)(size_t), tql_ctx *c);
void tql_parserFree(void *p, void (*freeProc)(void *));
void tql_parser(void *p, int major, tql_tok minor);
/* Whether the parser in its current state would accept token type major
 * (after any reductions) rather than report a syntax error. */
int tql_parser_accepts(void *p, int major);
/* Number of terminal types (TK_ codes are 1 .. n-1; 0 is the end). */
int tql_parser_ntokens(void);

/* src/ast.c: constructors called by the grammar's actions. */
tql_node ast_leaf(tql_ctx *c, ast_kind kind, tql_tok t);
tql_node ast_unary(tql_ctx *c, ast_kind kind, tql_tok op, tql_node a);
tql_node ast_binary(tql_ctx *c, ast_op op, tql_node a, tql_node b);
tql_node ast_paren(tql_ctx *c, tql_tok lp, tql_node a, tql_tok rp);
/* Appends item to list (list.x == NULL for a new list).  A list is a
 * node whose args are the items; its own kind is meaningless. */
tql_node ast_list(tql_ctx *c, tql_node list, tql_node item);
/* name([DISTINCT] args) with args a list, or a null node for name(). */
tql_node ast_call(tql_ctx *c, tql_tok name, tql_node args, bool distinct,
		  tql_tok rp);
tql_node ast_in(tql_ctx *c, tql_node a, bool negated, tql_node list,
		tql_tok rp);
tql_node ast_between(tql_ctx *c, tql_node a, bool negated, tql_node lo,
		     tql_node hi);
tql_node ast_isnull(tql_ctx *c, tql_node a, bool negated, tql_tok null);
/* whens is a list when1, then1, ...; els may be a null node. */
tql_node ast_case(tql_ctx *c, tql_tok kw, tql_node whens, tql_node els,
		  tql_tok end);

/* Select clauses, in query order.  Each takes s and returns it, or NULL
 * after freeing it. */
ast_select *ast_sel_new(tql_ctx *c, tql_item first);
ast_select *ast_sel_item(tql_ctx *c, ast_select *s, tql_item it);
ast_select *ast_sel_table(tql_ctx *c, ast_select *s, tql_tok name);
ast_select *ast_sel_sub(tql_ctx *c, ast_select *s, tql_tok lp,
			ast_select *sub, const tql_tok *alias);
ast_select *ast_sel_where(tql_ctx *c, ast_select *s, tql_node e);
ast_select *ast_sel_window(tql_ctx *c, ast_select *s, tql_tok kw,
			   tql_tok dur);
ast_select *ast_sel_asof(tql_ctx *c, ast_select *s, tql_tok kw,
			 tql_node ts);
ast_select *ast_sel_step(tql_ctx *c, ast_select *s, tql_tok kw,
			 tql_tok dur, tql_tok count);
ast_select *ast_sel_tz(tql_ctx *c, ast_select *s, tql_tok kw, tql_tok zone);
ast_select *ast_sel_group(tql_ctx *c, ast_select *s, tql_tok key);
ast_select *ast_sel_having(tql_ctx *c, ast_select *s, tql_node e);
ast_select *ast_sel_order(tql_ctx *c, ast_select *s, tql_sort o);
ast_select *ast_sel_limit(tql_ctx *c, ast_select *s, tql_tok n);
/* The statement: stores it as c->result. */
void ast_sel_done(tql_ctx *c, ast_select *s, bool explain);

#endif

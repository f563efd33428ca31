/* ast.h — the syntax tree of one TQL statement, built by the lemon grammar
 * (grammar/tql.y) through the constructors below and freed in one call.
 *
 * Ownership: every node owns its children and its strings; ast_select_free()
 * and ast_expr_free() free a whole tree.  pos/len are the byte range of the
 * node in the query text, for error messages and default column names. */
#ifndef TIDE_AST_H
#define TIDE_AST_H

#include <stdbool.h>
#include <stdint.h>

#include "cal.h"
#include "err.h"

typedef enum {
	AST_INT,	/* ival */
	AST_DEC,	/* decimal literal: dval, and ival = value × 10^4 when exact */
	AST_STR,	/* str, unescaped */
	AST_DUR,	/* dur */
	AST_BOOL,	/* ival 0/1 */
	AST_NULL,
	AST_COL,	/* str = identifier (case kept) */
	AST_STAR,	/* `*` as the argument of count(*) */
	AST_CALL,	/* str = function name, lower-cased; args; distinct */
	AST_NEG,	/* args[0] */
	AST_NOT,	/* args[0] */
	AST_BIN,	/* op; args[0], args[1] */
	AST_IN,		/* args[0] IN (args[1..]); negated */
	AST_BETWEEN,	/* args[0] BETWEEN args[1] AND args[2]; negated */
	AST_ISNULL,	/* args[0] IS [NOT] NULL; negated */
	AST_CASE	/* args = when1, then1, when2, then2, ..., [else]; has_else */
} ast_kind;

typedef enum {
	OP_ADD, OP_SUB, OP_MUL, OP_DIV,
	OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE,
	OP_AND, OP_OR
} ast_op;

typedef struct ast_expr {
	ast_kind kind;
	ast_op op;
	uint32_t pos, len;
	int64_t ival;
	bool dec_exact;		/* AST_DEC: ival holds the exact 1/10000 value */
	double dval;
	char *str;
	cal_dur dur;
	struct ast_expr **args;
	int nargs;
	bool distinct;		/* count(DISTINCT x) */
	bool negated;		/* NOT IN, NOT BETWEEN, IS NOT NULL */
	bool has_else;		/* AST_CASE */
} ast_expr;

typedef struct ast_item {
	ast_expr *expr;		/* NULL for `*` */
	char *alias;		/* AS name, or NULL */
	uint32_t pos, len;	/* text of the item without its alias */
} ast_item;

typedef struct ast_order {
	ast_expr *expr;
	bool desc;
} ast_order;

typedef enum { SRC_ORDERS, SRC_CONTACTS, SRC_QUERY } ast_source;

typedef struct ast_select {
	bool explain;
	ast_item *items;
	int nitems;
	ast_source source;
	uint32_t source_pos;
	struct ast_select *sub;	/* SRC_QUERY */
	char *sub_alias;	/* or NULL */
	ast_expr *where;
	bool has_window;
	cal_dur window;
	uint32_t window_pos;
	ast_expr *asof;		/* AST_STR or AST_INT, or NULL */
	bool has_step;
	cal_dur step;
	int64_t step_count;
	uint32_t step_pos;
	char *tz;		/* or NULL (UTC) */
	uint32_t tz_pos;
	ast_expr **group;	/* AST_COL each */
	int ngroup;
	ast_expr *having;
	ast_order *order;
	int norder;
	bool has_limit;
	int64_t limit;
} ast_select;

/* Parses one statement (an optional trailing `;`, comments and whitespace
 * allowed).  On error returns TIDE_EQUERY with e->msg
 * "LINE:COL: expected X, found 'Y'" and *out = NULL. */
int tql_parse(const char *text, size_t len, ast_select **out, tide_err *e);

/* Line and column (1-based, columns in bytes) of byte offset pos. */
void tql_position(const char *text, uint32_t pos, int *line, int *col);

void ast_select_free(ast_select *s);
void ast_expr_free(ast_expr *x);

#endif

/* parse.c — tql_parse(): feeds the re2c lexer's tokens to the lemon parser
 * and stops at the first error, and the error messages themselves.
 *
 * Before a token is fed, tql_parser_accepts() replays it on the parser's
 * stack; a token the parser would reject is reported from the state the
 * parser is in *before* any reduction the bad token would have triggered,
 * so the list of what was expected is complete:
 *
 *   1:29: expected a duration after WINDOW, found 'month'
 *
 * Line and column are computed only then, from the token's offset. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"
#include "parse.h"
#include "tql.h"

/* Columns count characters, not bytes: a UTF-8 continuation byte
 * (10xxxxxx) does not start one. */
void tql_position(const char *text, uint32_t pos, int *line, int *col)
{
	int l = 1, c = 1;
	for (uint32_t i = 0; i < pos; i++)
		if (text[i] == '\n') {
			l++;
			c = 1;
		} else if (((unsigned char)text[i] & 0xC0) != 0x80) {
			c++;
		}
	*line = l;
	*col = c;
}

void tql_error(tql_ctx *c, uint32_t pos, const char *fmt, ...)
{
	if (c->rc)
		return;		/* the first error stands */
	c->rc = TIDE_EQUERY;
	int line, col;
	tql_position(c->text, pos, &line, &col);
	char msg[sizeof c->e->msg];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	tide_errf(c->e, TIDE_EQUERY, "%d:%d: %s", line, col, msg);
}

void tql_oom(tql_ctx *c)
{
	if (c->rc)
		return;
	c->rc = TIDE_ENOMEM;
	tide_errf(c->e, TIDE_ENOMEM, "out of memory parsing the query");
}

void tql_stack_overflow(tql_ctx *c)
{
	tql_error(c, c->tok.pos, "query nested too deeply");
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t k = *s >= 0xf0 && *s <= 0xf4 ? 4 : *s >= 0xe0 ? 3 :
		   *s >= 0xc2 ? 2 : 0;
	if (k == 0 || k > n)
		return 0;
	for (size_t i = 1; i < k; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return k;
}

void tql_found(const tql_ctx *c, const tql_tok *t, char *buf, size_t n)
{
	if (!t) {
		snprintf(buf, n, "'end of query'");
		return;
	}
	enum { MAX = 30 };
	const unsigned char *s = (const unsigned char *)c->text + t->pos;
	size_t len = t->len, cut = len;
	const unsigned char *nl = memchr(s, '\n', len);
	if (nl)
		cut = (size_t)(nl - s);
	if (cut > MAX)
		cut = MAX;
	/* Do not split a UTF-8 sequence. */
	for (int i = 0; i < 3 && cut < len && cut > 0 && (s[cut] & 0xc0) == 0x80; i++)
		cut--;
	if (cut < len)		/* cut: drop the blanks before "..." */
		while (cut > 0 && (s[cut - 1] == ' ' || s[cut - 1] == '\t' ||
				   s[cut - 1] == '\r'))
			cut--;
	/* Printable ASCII and valid UTF-8 as they are, other bytes as \xNN,
	 * so the message stays one line of valid UTF-8. */
	size_t k = (size_t)snprintf(buf, n, "'");
	for (size_t i = 0; i < cut && k < n; ) {
		size_t u = s[i] >= 0x80 ? utf8_len(s + i, cut - i) : 0;
		if (u) {
			k += (size_t)snprintf(buf + k, n - k, "%.*s", (int)u,
					      (const char *)s + i);
			i += u;
		} else if (s[i] >= 0x20 && s[i] < 0x7f) {
			k += (size_t)snprintf(buf + k, n - k, "%c", s[i++]);
		} else {
			k += (size_t)snprintf(buf + k, n - k, "\\x%02x", s[i++]);
		}
	}
	if (k < n)
		snprintf(buf + k, n - k, "%s'", cut < len ? "..." : "");
}

/* ---- describing what the parser expected ---- */

/* How each token reads in "expected ...", in the order the list shows
 * them.  Tokens named here only as part of a group are absent. */
static const struct {
	int tok;
	const char *name;
} shown[] = {
	{ TK_SELECT, "SELECT" }, { TK_EXPLAIN, "EXPLAIN" },
	{ TK_ID, "a name" }, { TK_INTEGER, "an integer" },
	{ TK_DECIMAL, "a number" }, { TK_STRING, "a string" },
	{ TK_DURATION, "a duration" },
	{ TK_LP, "'('" }, { TK_STAR, "'*'" }, { TK_DISTINCT, "DISTINCT" },
	{ TK_CASE, "CASE" }, { TK_TRUE, "TRUE" }, { TK_FALSE, "FALSE" },
	{ TK_NOT, "NOT" }, { TK_IN, "IN" }, { TK_BETWEEN, "BETWEEN" },
	{ TK_IS, "IS" }, { TK_NULL, "NULL" },
	{ TK_PLUS, "'+'" }, { TK_MINUS, "'-'" }, { TK_SLASH, "'/'" },
	{ TK_EQ, "'='" }, { TK_NE, "'!='" }, { TK_LT, "'<'" }, { TK_LE, "'<='" },
	{ TK_GT, "'>'" }, { TK_GE, "'>='" }, { TK_AND, "AND" }, { TK_OR, "OR" },
	{ TK_AS, "AS" }, { TK_ASC, "ASC" }, { TK_DESC, "DESC" },
	{ TK_WHEN, "WHEN" }, { TK_THEN, "THEN" }, { TK_ELSE, "ELSE" },
	{ TK_END, "END" },
	{ TK_COMMA, "','" },
	{ TK_FROM, "FROM" }, { TK_WHERE, "WHERE" }, { TK_WINDOW, "WINDOW" },
	{ TK_ASOF, "ASOF" }, { TK_STEP, "STEP" }, { TK_COUNT, "COUNT" },
	{ TK_TZ, "TZ" }, { TK_GROUP, "GROUP BY" }, { TK_BY, "BY" },
	{ TK_HAVING, "HAVING" }, { TK_ORDER, "ORDER BY" }, { TK_LIMIT, "LIMIT" },
	{ TK_RP, "')'" }, { TK_SEMI, "';'" }, { TK_DOT, "'.'" },
	{ 0, "end of query" },
};

static const int expr_start[] = {
	TK_ID, TK_ASOF, TK_COUNT, TK_INTEGER, TK_DECIMAL, TK_STRING,
	TK_DURATION, TK_TRUE, TK_FALSE, TK_NULL, TK_CASE, TK_NOT, TK_MINUS,
	TK_LP,
};

static const int operators[] = {
	TK_PLUS, TK_MINUS, TK_STAR, TK_SLASH, TK_EQ, TK_NE, TK_LT, TK_LE,
	TK_GT, TK_GE, TK_AND, TK_OR, TK_IN, TK_BETWEEN, TK_IS, TK_NOT,
};

#define NTOK 64
_Static_assert(TK_UMINUS < NTOK, "NTOK must exceed the last token code");
#define COUNTOF(a) (sizeof(a) / sizeof(a)[0])

/* The keyword the "after X" phrase names, or NULL: only keywords that
 * must be followed by something. */
static const char *after_name(int prev, int prev2)
{
	switch (prev) {
	case TK_BY:
		return prev2 == TK_GROUP ? "GROUP BY" : "ORDER BY";
	case TK_SELECT: return "SELECT";
	case TK_FROM: return "FROM";
	case TK_WHERE: return "WHERE";
	case TK_WINDOW: return "WINDOW";
	case TK_ASOF: return "ASOF";
	case TK_STEP: return "STEP";
	case TK_COUNT: return "COUNT";
	case TK_TZ: return "TZ";
	case TK_GROUP: return "GROUP";
	case TK_ORDER: return "ORDER";
	case TK_HAVING: return "HAVING";
	case TK_LIMIT: return "LIMIT";
	case TK_AS: return "AS";
	case TK_AND: return "AND";
	case TK_OR: return "OR";
	case TK_NOT: return "NOT";
	case TK_IN: return "IN";
	case TK_BETWEEN: return "BETWEEN";
	case TK_IS: return "IS";
	case TK_CASE: return "CASE";
	case TK_WHEN: return "WHEN";
	case TK_THEN: return "THEN";
	case TK_ELSE: return "ELSE";
	case TK_DISTINCT: return "DISTINCT";
	case TK_EXPLAIN: return "EXPLAIN";
	default: return NULL;
	}
}

static bool is_comparison(int t)
{
	switch (t) {
	case TK_EQ: case TK_NE: case TK_LT: case TK_LE: case TK_GT: case TK_GE:
	case TK_IN: case TK_BETWEEN: case TK_IS:
		return true;
	default:
		return false;
	}
}

/* Describes the set of acceptable tokens ok[] into buf. */
static void describe(const tql_ctx *c, bool ok[NTOK], int found, char *buf,
		     size_t n)
{
	const char *phrase[NTOK];
	int np = 0;
	bool expr = ok[TK_ID] && ok[TK_INTEGER] && ok[TK_LP];
	bool op = ok[TK_PLUS] && ok[TK_STAR];
	/* Comparisons do not chain (a < b < c): say so only when that is
	 * what went wrong. */
	bool cmp = ok[TK_EQ] || !is_comparison(found);
	bool and_ok = ok[TK_AND];

	if (expr) {
		phrase[np++] = "an expression";
		for (size_t i = 0; i < COUNTOF(expr_start); i++)
			ok[expr_start[i]] = false;
	}
	if (ok[TK_ID]) {
		/* Keywords that double as names are names here, except ASOF
		 * among the time clauses. */
		ok[TK_COUNT] = false;
		if (!ok[TK_WINDOW])
			ok[TK_ASOF] = false;
	}
	if (ok[TK_STRING] && ok[TK_INTEGER] && !ok[TK_ID] && !expr) {
		phrase[np++] = "a timestamp";
		ok[TK_STRING] = ok[TK_INTEGER] = false;
	}
	if (ok[TK_SEMI] && ok[0])
		ok[TK_SEMI] = false;	/* "end of query" says it */
	if (op) {
		for (size_t j = 0; j < COUNTOF(operators); j++)
			ok[operators[j]] = false;
		ok[TK_LP] = false;	/* name( of a call: a detail here */
	}
	for (size_t i = 0; i < COUNTOF(shown); i++) {
		int t = shown[i].tok;
		if (op && t == TK_AS) {
			/* Operators go before AS, ',' and the clauses. */
			phrase[np++] = cmp ? "an operator"
					   : "an operator other than a comparison";
			op = false;
		}
		if (!ok[t])
			continue;
		if (t == TK_ID && c->prev == TK_FROM)
			phrase[np++] = "orders, contacts";
		else
			phrase[np++] = shown[i].name;
		ok[t] = false;
	}
	if (op)
		phrase[np++] = cmp ? "an operator"
				   : "an operator other than a comparison";
	/* Only operators: the middle of x BETWEEN lo AND hi, waiting for its
	 * AND. */
	if (np == 1 && and_ok && strncmp(phrase[0], "an operator", 11) == 0)
		phrase[0] = "AND or an operator";

	size_t k = 0;
	k += (size_t)snprintf(buf, n, "expected ");
	for (int i = 0; i < np && k < n; i++) {
		const char *sep = i == 0 ? "" : i == np - 1 ? " or " : ", ";
		k += (size_t)snprintf(buf + k, n - k, "%s%s", sep, phrase[i]);
	}
	if (np == 0 && k < n)
		k += (size_t)snprintf(buf + k, n - k, "nothing more");
	/* "after X" where X must be followed by what the list names. */
	const char *after = after_name(c->prev, c->prev2);
	bool ends = false;
	for (int i = 0; i < np; i++)
		if (strcmp(phrase[i], "end of query") == 0 ||
		    strstr(phrase[i], "an operator"))
			ends = true;
	if (after && !ends && np <= 3 && k < n)
		snprintf(buf + k, n - k, " after %s", after);
}

void tql_syntax_error(tql_ctx *c, int major)
{
	if (c->rc)
		return;
	bool ok[NTOK] = { false };
	int ntok = tql_parser_ntokens();
	if (ntok > NTOK)
		ntok = NTOK;
	for (int t = 0; t < ntok; t++)
		ok[t] = tql_parser_accepts(c->parser, t);
	char what[512], found[TQL_FOUND_MAX];
	describe(c, ok, major, what, sizeof what);
	tql_found(c, major == 0 ? NULL : &c->tok, found, sizeof found);
	tql_error(c, major == 0 ? c->end : c->tok.pos, "%s, found %s", what, found);
}

/* ---- the driver ---- */

int tql_parse(const char *text, size_t len, ast_select **out, tide_err *e)
{
	*out = NULL;
	if (e)
		tide_err_clear(e);
	if (!text)
		len = 0;
	if (len > TQL_MAX_TEXT)
		return tide_errf(e, TIDE_EQUERY, "1:1: query too long (%zu bytes, at most %u)",
				 len, TQL_MAX_TEXT);
	char *buf = malloc(len + 1);
	if (!buf)
		return tide_errf(e, TIDE_ENOMEM, "out of memory parsing the query");
	if (len)
		memcpy(buf, text, len);
	buf[len] = '\0';

	tql_ctx c = { .text = buf, .len = len, .e = e };
	void *p = tql_parserAlloc(malloc, &c);
	if (!p) {
		free(buf);
		return tide_errf(e, TIDE_ENOMEM, "out of memory parsing the query");
	}
	c.parser = p;
	uint32_t at = 0;
	while (!c.rc) {
		tql_tok t;
		int type = tql_lex(&c, &at, &t);
		if (type < 0)
			break;
		c.tok = t;
		c.tok_type = type;
		if (!tql_parser_accepts(p, type)) {
			tql_syntax_error(&c, type);
			break;
		}
		tql_parser(p, type, t);
		if (type == 0)
			break;
		c.prev2 = c.prev;
		c.prev = type;
		c.end = t.pos + t.len;
	}
	tql_parserFree(p, free);
	free(buf);

	if (!c.rc && !c.result)	/* cannot happen: the end was accepted */
		return tide_errf(e, TIDE_EQUERY, "1:1: query did not parse");
	if (c.rc) {
		ast_select_free(c.result);
		return c.rc;
	}
	*out = c.result;
	return 0;
}

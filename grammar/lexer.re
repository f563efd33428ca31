/* lexer.re — the TQL tokenizer (re2c 3.0; build/lexer.c is generated).
 *
 * Works on the NUL-terminated copy of the query that tql_parse() makes:
 * no refill, a rule for the NUL (the end, or a stray NUL byte inside the
 * text) and a catch-all so that no byte goes unmatched.  Keywords are
 * case-insensitive ('...' in re2c), identifiers case-sensitive.  Numeric
 * literals are decoded and range-checked here, so the grammar's actions
 * never see a bad number. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "tql.h"

/* Shows the byte at p the way an error message should: printable ASCII as
 * is, a UTF-8 sequence whole, anything else as \xNN. */
static void show_char(const unsigned char *p, const unsigned char *end,
		      char *buf, size_t n)
{
	if (*p >= 0x20 && *p < 0x7f) {
		snprintf(buf, n, "%c", *p);
		return;
	}
	size_t k = 0;
	if (*p >= 0xc2 && *p <= 0xf4)
		k = *p >= 0xf0 ? 3 : *p >= 0xe0 ? 2 : 1;
	size_t i;
	for (i = 1; i <= k; i++)
		if (p + i >= end || (p[i] & 0xc0) != 0x80)
			break;
	if (k && i > k)
		snprintf(buf, n, "%.*s", (int)(k + 1), (const char *)p);
	else
		snprintf(buf, n, "\\x%02x", *p);
}

/* Digits [p, q) as an int64; -1 when it does not fit. */
static int64_t digits_value(const unsigned char *p, const unsigned char *q)
{
	int64_t v = 0;
	for (; p < q; p++) {
		int d = *p - '0';
		if (v > (INT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	return v;
}

static const int64_t pow10_tab[] = {
	1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000,
	1000000000, 10000000000, 100000000000, 1000000000000,
	10000000000000, 100000000000000, 1000000000000000,
	10000000000000000, 100000000000000000, 1000000000000000000,
};

/* A decimal literal DIGITS.DIGITS at [p, q): its double (0 when out of
 * range) and, when the value has at most 4 significant fractional digits
 * and fits, the exact value × 10^4. */
static int decimal_value(const unsigned char *p, const unsigned char *q,
			 tql_tok *t)
{
	const unsigned char *dot = p;
	while (*dot != '.')
		dot++;
	/* Exact 1/10000 units. */
	int64_t ip = digits_value(p, dot);
	const unsigned char *fe = q;
	while (fe > dot + 1 && fe[-1] == '0')
		fe--;			/* trailing zeros change nothing */
	t->exact = false;
	t->ival = 0;
	if (ip >= 0 && fe - (dot + 1) <= 4 && ip <= (INT64_MAX - 9999) / 10000) {
		int64_t f = digits_value(dot + 1, fe);
		t->ival = ip * 10000 + f * pow10_tab[4 - (fe - (dot + 1))];
		t->exact = true;
	}
	/* The double: mantissa / 10^k is correctly rounded when both are
	 * exact doubles (<= 15 significant digits, k <= 22); strtod
	 * otherwise (the text stops at a byte strtod will not take). */
	const unsigned char *s = p;
	while (s < dot && *s == '0')
		s++;
	size_t nsig = (size_t)(dot - s) + (size_t)(fe - (dot + 1));
	size_t k = (size_t)(fe - (dot + 1));
	if (nsig <= 15 && k <= 18) {
		int64_t m = 0;
		for (const unsigned char *d = s; d < fe; d++)
			if (*d != '.')
				m = m * 10 + (*d - '0');
		t->dval = (double)m / (double)pow10_tab[k];
	} else {
		t->dval = strtod((const char *)p, NULL);
	}
	return isfinite(t->dval) ? 0 : -1;
}

int tql_lex(tql_ctx *c, uint32_t *at, tql_tok *t)
{
	const unsigned char *base = (const unsigned char *)c->text;
	const unsigned char *end = base + c->len;
	const unsigned char *YYCURSOR = base + *at, *YYMARKER = YYCURSOR;
	const unsigned char *tok;
	int type;

	*t = (tql_tok){0};
	for (;;) {
		tok = YYCURSOR;
/*!re2c
	re2c:define:YYCTYPE = "unsigned char";
	re2c:yyfill:enable = 0;

	digit = [0-9];
	idc = [A-Za-z0-9_];
	unit = "d" | "w" | "mo" | "q" | "y";

	"\x00" {
		if (tok == end) {
			YYCURSOR = tok;	/* stay on the end */
			type = 0;
			goto done;
		}
		tql_error(c, (uint32_t)(tok - base), "unexpected character '\\x00'");
		return -1;
	}
	[ \t\n\r\f\v]+ { continue; }
	"--" [^\n\x00]* { continue; }

	'select'	{ type = TK_SELECT; goto done; }
	'from'		{ type = TK_FROM; goto done; }
	'where'		{ type = TK_WHERE; goto done; }
	'window'	{ type = TK_WINDOW; goto done; }
	'asof'		{ type = TK_ASOF; goto done; }
	'step'		{ type = TK_STEP; goto done; }
	'count'		{ type = TK_COUNT; goto done; }
	'tz'		{ type = TK_TZ; goto done; }
	'group'		{ type = TK_GROUP; goto done; }
	'by'		{ type = TK_BY; goto done; }
	'having'	{ type = TK_HAVING; goto done; }
	'order'		{ type = TK_ORDER; goto done; }
	'asc'		{ type = TK_ASC; goto done; }
	'desc'		{ type = TK_DESC; goto done; }
	'limit'		{ type = TK_LIMIT; goto done; }
	'as'		{ type = TK_AS; goto done; }
	'and'		{ type = TK_AND; goto done; }
	'or'		{ type = TK_OR; goto done; }
	'not'		{ type = TK_NOT; goto done; }
	'in'		{ type = TK_IN; goto done; }
	'between'	{ type = TK_BETWEEN; goto done; }
	'is'		{ type = TK_IS; goto done; }
	'null'		{ type = TK_NULL; goto done; }
	'true'		{ type = TK_TRUE; goto done; }
	'false'		{ type = TK_FALSE; goto done; }
	'case'		{ type = TK_CASE; goto done; }
	'when'		{ type = TK_WHEN; goto done; }
	'then'		{ type = TK_THEN; goto done; }
	'else'		{ type = TK_ELSE; goto done; }
	'end'		{ type = TK_END; goto done; }
	'distinct'	{ type = TK_DISTINCT; goto done; }
	'explain'	{ type = TK_EXPLAIN; goto done; }

	[A-Za-z_] idc*	{ type = TK_ID; goto done; }

	/* Numbers.  On a tie the earlier rule wins, so 90d is a duration and
	 * 123 an integer; anything longer that runs into identifier
	 * characters or a dangling '.' is one bad token. */
	digit+ unit {
		const unsigned char *u = tok;
		while (*u >= '0' && *u <= '9')
			u++;
		t->ival = digits_value(tok, u);
		t->unit = *u == 'd' ? CAL_DAY : *u == 'w' ? CAL_WEEK :
			  *u == 'm' ? CAL_MONTH : *u == 'q' ? CAL_QUARTER :
			  CAL_YEAR;
		if (t->ival == 0) {
			tql_error(c, (uint32_t)(tok - base), "bad duration '%.*s'",
				  (int)(YYCURSOR - tok), (const char *)tok);
			return -1;
		}
		if (t->ival < 0 || t->ival > TQL_MAX_DUR)
			goto range;
		type = TK_DURATION;
		goto done;
	}
	digit+ "." digit+ {
		if (decimal_value(tok, YYCURSOR, t) < 0)
			goto range;
		type = TK_DECIMAL;
		goto done;
	}
	digit+ {
		t->ival = digits_value(tok, YYCURSOR);
		if (t->ival < 0)
			goto range;
		type = TK_INTEGER;
		goto done;
	}
	digit+ ("." idc* | idc+) {
		if (YYCURSOR - tok > 30)
			tql_error(c, (uint32_t)(tok - base),
				  "expected a number or a duration such as 90d, found '%.30s...'",
				  (const char *)tok);
		else
			tql_error(c, (uint32_t)(tok - base),
				  "expected a number or a duration such as 90d, found '%.*s'",
				  (int)(YYCURSOR - tok), (const char *)tok);
		return -1;
	}

	['] ([^'\x00] | ['][']) * ['] { type = TK_STRING; goto done; }
	['] {
		/* the string runs into a NUL byte inside the query, or its end */
		const unsigned char *nul = memchr(tok, 0, (size_t)(end - tok));
		if (nul && nul < end)
			tql_error(c, (uint32_t)(nul - base),
				  "expected ' to close the string, found a NUL byte");
		else
			tql_error(c, (uint32_t)(tok - base),
				  "expected ' to close the string, found the end of the query");
		return -1;
	}

	"+"	{ type = TK_PLUS; goto done; }
	"-"	{ type = TK_MINUS; goto done; }
	"*"	{ type = TK_STAR; goto done; }
	"/"	{ type = TK_SLASH; goto done; }
	"="	{ type = TK_EQ; goto done; }
	"!=" | "<>" { type = TK_NE; goto done; }
	"<"	{ type = TK_LT; goto done; }
	"<="	{ type = TK_LE; goto done; }
	">"	{ type = TK_GT; goto done; }
	">="	{ type = TK_GE; goto done; }
	"("	{ type = TK_LP; goto done; }
	")"	{ type = TK_RP; goto done; }
	","	{ type = TK_COMMA; goto done; }
	";"	{ type = TK_SEMI; goto done; }
	"."	{ type = TK_DOT; goto done; }

	[^] {
		char buf[8];
		show_char(tok, end, buf, sizeof buf);
		tql_error(c, (uint32_t)(tok - base), "unexpected character '%s'", buf);
		return -1;
	}
*/
	}
range:
	if (YYCURSOR - tok > 30)
		tql_error(c, (uint32_t)(tok - base), "number out of range '%.30s...'",
			  (const char *)tok);
	else
		tql_error(c, (uint32_t)(tok - base), "number out of range '%.*s'",
			  (int)(YYCURSOR - tok), (const char *)tok);
	return -1;
done:
	t->pos = (uint32_t)(tok - base);
	t->len = (uint32_t)(YYCURSOR - tok);
	*at = (uint32_t)(YYCURSOR - base);
	return type;
}

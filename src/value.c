/* value.c — constructors, arithmetic, comparison and rounding of values.
 *
 * Money is an exact rational num / den of 1/10000 units.  Every operation
 * on it is done in __int128 and then normalised: the sign lives in num, den
 * is positive and the fraction is reduced.  den only grows by dividing money
 * by an integer; should it pass MONEY_DEN_MAX (a chain of divisions), the
 * value is rounded half away from zero to whole 1/10000 units (den 1), so
 * every product of a num and a den still fits in __int128 with room to add
 * two of them. */
#include "value.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timefmt.h"

#define MONEY_SCALE 10000
#define MONEY_DEN_MAX INT64_C(1000000000000)	/* 10^12 */

typedef __int128 i128;

value val_null(void)
{
	value v;
	memset(&v, 0, sizeof v);
	v.type = VAL_NULL;
	return v;
}

value val_bool(bool b)
{
	value v = val_null();
	v.type = VAL_BOOL;
	v.i = b ? 1 : 0;
	return v;
}

value val_int(int64_t i)
{
	value v = val_null();
	v.type = VAL_INT;
	v.i = i;
	return v;
}

value val_money(int64_t units)
{
	value v = val_null();
	v.type = VAL_MONEY;
	v.m.num = units;
	v.m.den = 1;
	return v;
}

value val_real(double r)
{
	value v = val_null();
	v.type = VAL_REAL;
	v.r = r;
	return v;
}

value val_str(const char *p, uint32_t n)
{
	value v = val_null();
	v.type = VAL_STR;
	v.s.p = p;
	v.s.n = n;
	return v;
}

value val_ts(int64_t t)
{
	value v = val_null();
	v.type = VAL_TS;
	v.i = t;
	return v;
}

bool val_is_numeric(value v)
{
	return v.type == VAL_INT || v.type == VAL_MONEY || v.type == VAL_REAL;
}

double val_to_double(value v)
{
	switch (v.type) {
	case VAL_INT:
		return (double)v.i;
	case VAL_MONEY:
		/* One rounding when den is 1 (the usual case). */
		if (v.m.den == 1)
			return (double)v.m.num / MONEY_SCALE;
		return (double)v.m.num / ((double)v.m.den * MONEY_SCALE);
	case VAL_REAL:
		return v.r;
	default:
		return 0;
	}
}

/* ---- exact helpers -------------------------------------------------- */

static i128 abs128(i128 x)
{
	return x < 0 ? -x : x;
}

static i128 gcd128(i128 a, i128 b)
{
	a = abs128(a);
	b = abs128(b);
	while (b) {
		i128 t = a % b;
		a = b;
		b = t;
	}
	return a;
}

/* n / d rounded half away from zero; d > 0. */
static i128 div_round(i128 n, i128 d)
{
	i128 a = abs128(n), q = a / d, r = a % d;
	if (r >= d - r)
		q++;
	return n < 0 ? -q : q;
}

static bool fits64(i128 x)
{
	return x >= INT64_MIN && x <= INT64_MAX;
}

/* Money num / den (den != 0) as a normalised value; false on overflow. */
static bool money_make(i128 num, i128 den, value *out)
{
	if (den < 0) {
		num = -num;
		den = -den;
	}
	i128 g = gcd128(num, den);
	if (g > 1) {
		num /= g;
		den /= g;
	}
	if (num == 0)
		den = 1;
	if (den > MONEY_DEN_MAX || !fits64(num)) {
		num = div_round(num, den);
		den = 1;
	}
	/* INT64_MIN is excluded so that negating money never overflows. */
	if (!fits64(num) || num == INT64_MIN)
		return false;
	*out = val_money(0);
	out->m.num = (int64_t)num;
	out->m.den = (int64_t)den;
	return true;
}

/* Whole 1/10000 units nearest to the double x, as money; false when x is
 * too big. */
static bool money_from_units(double x, value *out)
{
	double r = round(x);	/* half away from zero */
	if (!(r > -9.2e18 && r < 9.2e18))
		return false;
	*out = val_money((int64_t)r);
	return true;
}

const char *val_type_name(val_type t)
{
	static const char *const names[] = {
		"null", "boolean", "integer", "money", "number", "string",
		"timestamp", "duration"
	};
	return (unsigned)t < sizeof names / sizeof names[0] ? names[t] : "value";
}

static const char *op_name(ast_op op)
{
	static const char *const names[] = { "+", "-", "*", "/" };
	return (unsigned)op <= OP_DIV ? names[op] : "?";
}

/* ---- arithmetic ----------------------------------------------------- */

static int overflow(ast_op op, tide_err *e)
{
	return tide_errf(e, TIDE_EQUERY, "numeric overflow in %s", op_name(op));
}

static int arith_int(ast_op op, int64_t a, int64_t b, value *out, tide_err *e)
{
	int64_t r;
	bool ovf;
	switch (op) {
	case OP_ADD:
		ovf = __builtin_add_overflow(a, b, &r);
		break;
	case OP_SUB:
		ovf = __builtin_sub_overflow(a, b, &r);
		break;
	case OP_MUL:
		ovf = __builtin_mul_overflow(a, b, &r);
		break;
	default:	/* OP_DIV: a ratio */
		*out = b == 0 ? val_null() : val_real((double)a / (double)b);
		return 0;
	}
	if (ovf)
		return overflow(op, e);
	*out = val_int(r);
	return 0;
}

static int arith_real(ast_op op, double a, double b, value *out)
{
	switch (op) {
	case OP_ADD:
		*out = val_real(a + b);
		break;
	case OP_SUB:
		*out = val_real(a - b);
		break;
	case OP_MUL:
		*out = val_real(a * b);
		break;
	default:
		*out = b == 0 ? val_null() : val_real(a / b);
		break;
	}
	return 0;
}

/* Money as an exact fraction of 1/10000 units; an int counts whole
 * currency units. */
static void as_fraction(value v, i128 *num, i128 *den)
{
	if (v.type == VAL_MONEY) {
		*num = v.m.num;
		*den = v.m.den;
	} else {
		*num = (i128)v.i * MONEY_SCALE;
		*den = 1;
	}
}

int val_arith(ast_op op, value a, value b, value *out, tide_err *e)
{
	if (op < OP_ADD || op > OP_DIV)
		return tide_errf(e, TIDE_EQUERY, "not an arithmetic operator");
	if (a.type == VAL_NULL || b.type == VAL_NULL) {
		*out = val_null();
		return 0;
	}
	if (!val_is_numeric(a) || !val_is_numeric(b))
		return tide_errf(e, TIDE_EQUERY, "cannot compute %s %s %s",
				 val_type_name(a.type), op_name(op), val_type_name(b.type));

	if (a.type == VAL_INT && b.type == VAL_INT)
		return arith_int(op, a.i, b.i, out, e);

	bool am = a.type == VAL_MONEY, bm = b.type == VAL_MONEY;
	if (!am && !bm)		/* a real with an int or a real */
		return arith_real(op, val_to_double(a), val_to_double(b), out);

	/* At least one side is money. */
	if (op == OP_ADD || op == OP_SUB) {
		if (a.type == VAL_REAL || b.type == VAL_REAL)
			return arith_real(op, val_to_double(a), val_to_double(b), out);
		i128 an, ad, bn, bd;
		as_fraction(a, &an, &ad);
		as_fraction(b, &bn, &bd);
		if (op == OP_SUB)
			bn = -bn;
		if (!money_make(an * bd + bn * ad, ad * bd, out))
			return overflow(op, e);
		return 0;
	}

	if (op == OP_MUL) {
		if (am && bm)
			return tide_errf(e, TIDE_EQUERY, "cannot compute money * money");
		value m = am ? a : b, k = am ? b : a;
		if (k.type == VAL_REAL) {
			if (!isfinite(k.r)) {
				*out = val_null();
				return 0;
			}
			double x = (double)m.m.num * k.r / (double)m.m.den;
			if (!money_from_units(x, out))
				return overflow(op, e);
			return 0;
		}
		if (!money_make((i128)m.m.num * k.i, m.m.den, out))
			return overflow(op, e);
		return 0;
	}

	/* OP_DIV */
	if (am && bm) {		/* a ratio */
		if (b.m.num == 0) {
			*out = val_null();
			return 0;
		}
		i128 n = (i128)a.m.num * b.m.den, d = (i128)a.m.den * b.m.num;
		*out = val_real((double)n / (double)d);
		return 0;
	}
	if (bm) {		/* number / money: a ratio too */
		if (b.m.num == 0) {
			*out = val_null();
			return 0;
		}
		*out = val_real(val_to_double(a) / val_to_double(b));
		return 0;
	}
	if (b.type == VAL_REAL) {
		if (b.r == 0 || !isfinite(b.r)) {
			*out = val_null();
			return 0;
		}
		double x = (double)a.m.num / b.r / (double)a.m.den;
		if (!money_from_units(x, out))
			return overflow(op, e);
		return 0;
	}
	if (b.i == 0) {
		*out = val_null();
		return 0;
	}
	if (!money_make(a.m.num, (i128)a.m.den * b.i, out))
		return overflow(op, e);
	return 0;
}

/* ---- comparison ----------------------------------------------------- */

static int sign128(i128 x)
{
	return (x > 0) - (x < 0);
}

/* Doubles in a total order: NaN after every number and equal to itself. */
static int cmp_double(double a, double b)
{
	bool an = isnan(a), bn = isnan(b);
	if (an || bn)
		return an - bn;
	return (a > b) - (a < b);
}

static int cmp_numbers(value a, value b)
{
	if (a.type == VAL_REAL || b.type == VAL_REAL)
		return cmp_double(val_to_double(a), val_to_double(b));
	if (a.type == VAL_INT && b.type == VAL_INT)
		return (a.i > b.i) - (a.i < b.i);
	i128 an, ad, bn, bd;
	as_fraction(a, &an, &ad);
	as_fraction(b, &bn, &bd);
	return sign128(an * bd - bn * ad);
}

/* Durations in days (d, w) or months (mo, q, y). */
static bool dur_base(cal_dur d, i128 *n, bool *months)
{
	static const int mult[] = { 1, 7, 1, 3, 12 };
	if ((unsigned)d.unit > CAL_YEAR)
		return false;
	*n = (i128)d.n * mult[d.unit];
	*months = d.unit >= CAL_MONTH;
	return true;
}

/* Rank of a type for ordering values that cannot be compared, so that
 * sorting a mixed column still sees a consistent order. */
static int type_rank(val_type t)
{
	switch (t) {
	case VAL_NULL:
		return 0;
	case VAL_BOOL:
		return 1;
	case VAL_INT:
	case VAL_MONEY:
	case VAL_REAL:
		return 2;
	case VAL_STR:
		return 3;
	case VAL_TS:
		return 4;
	default:
		return 5;
	}
}

int val_compare(value a, value b, bool *comparable)
{
	bool ok = true;
	int c = 0;
	if (a.type == VAL_NULL || b.type == VAL_NULL) {
		c = (b.type == VAL_NULL) - (a.type == VAL_NULL);
	} else if (val_is_numeric(a) && val_is_numeric(b)) {
		c = cmp_numbers(a, b);
	} else if (a.type == VAL_STR && b.type == VAL_STR) {
		uint32_t n = a.s.n < b.s.n ? a.s.n : b.s.n;
		c = n ? memcmp(a.s.p, b.s.p, n) : 0;
		if (c == 0)
			c = (a.s.n > b.s.n) - (a.s.n < b.s.n);
		else
			c = c < 0 ? -1 : 1;
	} else if (a.type == VAL_BOOL && b.type == VAL_BOOL) {
		c = (a.i > b.i) - (a.i < b.i);
	} else if ((a.type == VAL_TS || a.type == VAL_STR) &&
		   (b.type == VAL_TS || b.type == VAL_STR)) {
		/* One side is a string: read it as a timestamp. */
		int64_t ta = a.i, tb = b.i;
		if (a.type == VAL_STR && tide_ts_parse(a.s.p, a.s.n, &ta) != 0)
			ok = false;
		if (b.type == VAL_STR && tide_ts_parse(b.s.p, b.s.n, &tb) != 0)
			ok = false;
		if (ok)
			c = (ta > tb) - (ta < tb);
	} else if (a.type == VAL_DUR && b.type == VAL_DUR) {
		i128 na, nb;
		bool ma, mb;
		if (!dur_base(a.dur, &na, &ma) || !dur_base(b.dur, &nb, &mb) || ma != mb)
			ok = false;
		else
			c = sign128(na - nb);
	} else {
		ok = false;
	}
	if (!ok) {
		int ra = type_rank(a.type), rb = type_rank(b.type);
		c = (ra > rb) - (ra < rb);
	}
	if (comparable)
		*comparable = ok;
	return c;
}

bool val_equal(value a, value b)
{
	if (a.type == VAL_NULL || b.type == VAL_NULL)
		return false;
	if ((a.type == VAL_REAL && isnan(a.r)) || (b.type == VAL_REAL && isnan(b.r)))
		return false;
	bool ok;
	int c = val_compare(a, b, &ok);
	return ok && c == 0;
}

/* ---- rounding ------------------------------------------------------- */

static const int64_t pow10_tab[] = {
	INT64_C(1), INT64_C(10), INT64_C(100), INT64_C(1000), INT64_C(10000),
	INT64_C(100000), INT64_C(1000000), INT64_C(10000000),
	INT64_C(100000000), INT64_C(1000000000), INT64_C(10000000000),
	INT64_C(100000000000), INT64_C(1000000000000),
	INT64_C(10000000000000), INT64_C(100000000000000),
	INT64_C(1000000000000000), INT64_C(10000000000000000),
	INT64_C(100000000000000000), INT64_C(1000000000000000000)
};

/* x rounded half away from zero to n decimals, as the decimal a person
 * reads: the digits are those of the shortest text that reads back as x,
 * so round(1.005, 2) is 1.01 although the double is a hair below 1.005. */
static double round_real(double x, int n)
{
	if (!isfinite(x) || x == 0 || n > 400)
		return x;
	if (n < -400)
		return 0;
	char buf[40];
	for (int p = 1; p <= 17; p++) {
		snprintf(buf, sizeof buf, "%.*e", p - 1, x);
		if (strtod(buf, NULL) == x)
			break;
	}
	/* buf is [-]d[.ddd]e±XX */
	bool neg = buf[0] == '-';
	const char *s = buf + neg;
	char dig[20];
	int nd = 0;
	for (; *s != 'e'; s++)
		if (*s != '.')
			dig[nd++] = *s;
	int exp10 = atoi(s + 1);	/* the first digit is worth 10^exp10 */
	int keep = exp10 + 1 + n;	/* digits down to 10^-n */
	if (keep >= nd)
		return x;
	if (keep < 0)
		return 0;
	/* Round up when the first dropped digit is 5 or more. */
	bool up = dig[keep] >= '5';
	if (keep == 0) {
		if (!up)
			return 0;
		dig[0] = '1';
		keep = 1;
		exp10 = -n;
	} else if (up) {
		int i = keep - 1;
		while (i >= 0 && dig[i] == '9')
			dig[i--] = '0';
		if (i >= 0) {
			dig[i]++;
		} else {
			memmove(dig + 1, dig, (size_t)keep);
			dig[0] = '1';
			exp10++;
		}
	}
	char out[48];
	snprintf(out, sizeof out, "%s0.%.*se%d", neg ? "-" : "", keep, dig, exp10 + 1);
	double r = strtod(out, NULL);
	return r == 0 ? 0 : r;
}

value val_round(value v, int n)
{
	switch (v.type) {
	case VAL_INT: {
		if (n >= 0)
			return v;
		if (n < -18)
			return val_int(0);
		i128 s = pow10_tab[-n], q = div_round(v.i, s) * s;
		return fits64(q) ? val_int((int64_t)q) : val_null();
	}
	case VAL_MONEY: {
		if (n > 4)
			n = 4;
		if (n < -14)
			n = -14;
		i128 s = pow10_tab[4 - n];
		i128 q = div_round(v.m.num, (i128)v.m.den * s) * s;
		value r;
		return money_make(q, 1, &r) ? r : val_null();
	}
	case VAL_REAL:
		return val_real(round_real(v.r, n));
	default:
		return v;
	}
}

int64_t val_money_cents(value v)
{
	switch (v.type) {
	case VAL_MONEY:
		return (int64_t)div_round(v.m.num, (i128)v.m.den * (MONEY_SCALE / 100));
	case VAL_INT: {
		int64_t c;
		return __builtin_mul_overflow(v.i, 100, &c) ? 0 : c;
	}
	case VAL_REAL: {
		double c = round(v.r * 100);
		return c > -9.2e18 && c < 9.2e18 ? (int64_t)c : 0;
	}
	default:
		return 0;
	}
}

/* test_value.c — value arithmetic type rules, exact money rounding,
 * comparisons across types and rounding. */
#include <math.h>
#include <string.h>

#include "check.h"
#include "value.h"

static value money_frac(int64_t num, int64_t den)
{
	value v = val_money(num);
	v.m.den = den;
	return v;
}

static value dur(int64_t n, cal_unit u)
{
	value v = val_null();
	v.type = VAL_DUR;
	v.dur.n = n;
	v.dur.unit = u;
	return v;
}

static value arith(ast_op op, value a, value b)
{
	value out = val_int(-12345);
	tide_err e;
	tide_err_clear(&e);
	int rc = val_arith(op, a, b, &out, &e);
	CHECK(rc == 0);
	CHECK(e.code == 0);
	return out;
}

static int arith_fails(ast_op op, value a, value b, const char *msg)
{
	value out = val_int(-12345);
	tide_err e;
	tide_err_clear(&e);
	int rc = val_arith(op, a, b, &out, &e);
	CHECK(rc == TIDE_EQUERY);
	CHECK(e.code == TIDE_EQUERY);
	if (msg)
		CHECK_STR(e.msg, msg);
	return rc;
}

static bool is_money(value v, int64_t num, int64_t den)
{
	return v.type == VAL_MONEY && v.m.num == num && v.m.den == den;
}

static void test_constructors(void)
{
	CHECK(val_null().type == VAL_NULL);
	value b = val_bool(true);
	CHECK(b.type == VAL_BOOL && b.i == 1);
	CHECK(val_bool(false).i == 0);
	CHECK(val_int(-7).type == VAL_INT && val_int(-7).i == -7);
	CHECK(is_money(val_money(125000), 125000, 1));
	CHECK(val_real(0.5).type == VAL_REAL && val_real(0.5).r == 0.5);
	value s = val_str("abc", 2);
	CHECK(s.type == VAL_STR && s.s.n == 2 && memcmp(s.s.p, "ab", 2) == 0);
	CHECK(val_ts(1740824520).type == VAL_TS && val_ts(1740824520).i == 1740824520);
	CHECK(val_is_numeric(val_int(1)) && val_is_numeric(val_money(1)) &&
	      val_is_numeric(val_real(1)));
	CHECK(!val_is_numeric(val_null()) && !val_is_numeric(val_bool(true)) &&
	      !val_is_numeric(val_str("1", 1)) && !val_is_numeric(val_ts(1)));
	CHECK(val_to_double(val_int(3)) == 3.0);
	CHECK(val_to_double(val_money(125000)) == 12.5);
	CHECK(val_to_double(val_money(1000)) == 0.1);
	CHECK(val_to_double(money_frac(100000, 3)) == 10.0 / 3);
	CHECK(val_to_double(val_real(-2.25)) == -2.25);
	CHECK(val_to_double(val_str("5", 1)) == 0);
}

static void test_arith_int(void)
{
	value v = arith(OP_ADD, val_int(2), val_int(3));
	CHECK(v.type == VAL_INT && v.i == 5);
	v = arith(OP_SUB, val_int(2), val_int(3));
	CHECK(v.type == VAL_INT && v.i == -1);
	v = arith(OP_MUL, val_int(-4), val_int(3));
	CHECK(v.type == VAL_INT && v.i == -12);
	v = arith(OP_DIV, val_int(7), val_int(2));	/* a ratio */
	CHECK(v.type == VAL_REAL && v.r == 3.5);
	v = arith(OP_DIV, val_int(6), val_int(3));
	CHECK(v.type == VAL_REAL && v.r == 2.0);
	v = arith(OP_DIV, val_int(1), val_int(0));
	CHECK(v.type == VAL_NULL);
	arith_fails(OP_ADD, val_int(INT64_MAX), val_int(1), "numeric overflow in +");
	arith_fails(OP_MUL, val_int(INT64_MAX / 2), val_int(3), "numeric overflow in *");
	arith_fails(OP_SUB, val_int(INT64_MIN), val_int(1), NULL);
}

static void test_arith_real(void)
{
	value v = arith(OP_ADD, val_real(0.5), val_int(1));
	CHECK(v.type == VAL_REAL && v.r == 1.5);
	v = arith(OP_MUL, val_int(3), val_real(0.5));
	CHECK(v.type == VAL_REAL && v.r == 1.5);
	v = arith(OP_DIV, val_real(1), val_real(4));
	CHECK(v.type == VAL_REAL && v.r == 0.25);
	v = arith(OP_DIV, val_real(1), val_real(0));
	CHECK(v.type == VAL_NULL);
	v = arith(OP_DIV, val_real(1), val_int(0));
	CHECK(v.type == VAL_NULL);
	/* money ± real is a real */
	v = arith(OP_ADD, val_money(125000), val_real(0.25));
	CHECK(v.type == VAL_REAL && v.r == 12.75);
	v = arith(OP_SUB, val_real(20), val_money(125000));
	CHECK(v.type == VAL_REAL && v.r == 7.5);
}

static void test_arith_money(void)
{
	/* money ± money, money ± int (whole currency units) */
	value v = arith(OP_ADD, val_money(125000), val_money(-3000));
	CHECK(is_money(v, 122000, 1));
	v = arith(OP_SUB, val_money(125000), val_money(125000));
	CHECK(is_money(v, 0, 1));
	v = arith(OP_ADD, val_money(125000), val_int(2));
	CHECK(is_money(v, 145000, 1));
	v = arith(OP_SUB, val_int(1), val_money(2500));
	CHECK(is_money(v, 7500, 1));
	v = arith(OP_ADD, money_frac(100000, 3), money_frac(200000, 3));
	CHECK(is_money(v, 100000, 1));
	v = arith(OP_ADD, money_frac(1, 2), money_frac(1, 3));
	CHECK(is_money(v, 5, 6));

	/* money × / number */
	v = arith(OP_MUL, val_money(125000), val_int(3));
	CHECK(is_money(v, 375000, 1));
	v = arith(OP_MUL, val_int(-2), val_money(125000));
	CHECK(is_money(v, -250000, 1));
	v = arith(OP_MUL, val_money(10000), val_real(1.5));
	CHECK(is_money(v, 15000, 1));
	v = arith(OP_MUL, val_real(0.5), val_money(1));	/* half a unit: away from zero */
	CHECK(is_money(v, 1, 1));
	v = arith(OP_MUL, val_money(-1), val_real(0.5));
	CHECK(is_money(v, -1, 1));
	v = arith(OP_MUL, val_money(110000), val_real(1.1));	/* 12.100000000000001 */
	CHECK(is_money(v, 121000, 1));
	v = arith(OP_MUL, val_money(30000), val_real(1.0 / 3));
	CHECK(is_money(v, 10000, 1));
	v = arith(OP_DIV, val_money(100000), val_int(3));	/* exact: den grows */
	CHECK(is_money(v, 100000, 3));
	v = arith(OP_DIV, val_money(100000), val_int(-4));
	CHECK(is_money(v, -25000, 1));
	v = arith(OP_DIV, money_frac(100000, 3), val_int(3));
	CHECK(is_money(v, 100000, 9));
	v = arith(OP_MUL, money_frac(100000, 3), val_int(3));	/* back to exact */
	CHECK(is_money(v, 100000, 1));
	v = arith(OP_DIV, val_money(100000), val_real(4));
	CHECK(is_money(v, 25000, 1));
	v = arith(OP_DIV, val_money(100000), val_int(0));
	CHECK(v.type == VAL_NULL);
	v = arith(OP_DIV, val_money(100000), val_real(0));
	CHECK(v.type == VAL_NULL);

	/* money / money is a ratio; number / money too */
	v = arith(OP_DIV, val_money(10000), val_money(40000));
	CHECK(v.type == VAL_REAL && v.r == 0.25);
	v = arith(OP_DIV, money_frac(100000, 3), val_money(100000));
	CHECK(v.type == VAL_REAL && fabs(v.r - 1.0 / 3) < 1e-15);
	v = arith(OP_DIV, val_money(10000), val_money(0));
	CHECK(v.type == VAL_NULL);
	v = arith(OP_DIV, val_int(1), val_money(40000));
	CHECK(v.type == VAL_REAL && v.r == 0.25);

	arith_fails(OP_MUL, val_money(10000), val_money(10000), "cannot compute money * money");
	/* a long chain of divisions stays bounded: rounded to whole units */
	v = val_money(INT64_C(1000000000000));
	for (int i = 0; i < 8; i++)
		v = arith(OP_DIV, v, val_int(7));
	CHECK(v.type == VAL_MONEY && v.m.den <= INT64_C(1000000000000));
	CHECK(fabs(val_to_double(v) - 1e8 / pow(7, 8)) < 1e-3);
	arith_fails(OP_MUL, val_money(INT64_MAX / 2), val_int(4), "numeric overflow in *");
}

static void test_arith_null_and_types(void)
{
	value v = arith(OP_ADD, val_null(), val_int(1));
	CHECK(v.type == VAL_NULL);
	v = arith(OP_DIV, val_money(1), val_null());
	CHECK(v.type == VAL_NULL);
	v = arith(OP_MUL, val_null(), val_str("a", 1));	/* null in, null out */
	CHECK(v.type == VAL_NULL);
	arith_fails(OP_ADD, val_str("a", 1), val_int(1), "cannot compute string + integer");
	arith_fails(OP_SUB, val_bool(true), val_int(1), "cannot compute boolean - integer");
	arith_fails(OP_ADD, val_ts(0), dur(1, CAL_DAY), "cannot compute timestamp + duration");
	arith_fails(OP_DIV, val_real(1), val_ts(0), "cannot compute number / timestamp");
	arith_fails(OP_EQ, val_int(1), val_int(1), NULL);
}

static void test_money_cents(void)
{
	CHECK(val_money_cents(val_money(10050)) == 101);	/* 1.005 exactly */
	CHECK(val_money_cents(val_money(-10050)) == -101);
	CHECK(val_money_cents(val_money(10049)) == 100);
	CHECK(val_money_cents(val_money(-40)) == 0);	/* -0.004: no -0.00 */
	CHECK(val_money_cents(val_money(-50)) == -1);
	CHECK(val_money_cents(val_money(50)) == 1);
	CHECK(val_money_cents(val_money(125000)) == 1250);
	CHECK(val_money_cents(money_frac(100000, 3)) == 333);	/* 10.00 / 3 */
	CHECK(val_money_cents(money_frac(200000, 3)) == 667);	/* 20.00 / 3 */
	CHECK(val_money_cents(money_frac(-200000, 3)) == -667);
	CHECK(val_money_cents(money_frac(200, 3)) == 1);	/* 2/3 of a cent */
	CHECK(val_money_cents(money_frac(100, 3)) == 0);	/* 1/3 of a cent */
	CHECK(val_money_cents(money_frac(-100, 3)) == 0);
	CHECK(val_money_cents(money_frac(10100, 2)) == 51);	/* 0.505 */
	CHECK(val_money_cents(money_frac(-10100, 2)) == -51);
	/* 0.004999...: just below half a cent, exact */
	CHECK(val_money_cents(money_frac(149999, 3000)) == 0);
	CHECK(val_money_cents(money_frac(150000, 3000)) == 1);
	value avg = arith(OP_DIV, val_money(100000), val_int(3));
	CHECK(val_money_cents(avg) == 333);
	CHECK(val_money_cents(val_int(3)) == 300);
	CHECK(val_money_cents(val_real(0.125)) == 13);
	CHECK(val_money_cents(val_str("1", 1)) == 0);
}

static void test_round(void)
{
	value v = val_round(val_money(123456), 2);	/* 12.3456 */
	CHECK(is_money(v, 123500, 1));
	v = val_round(val_money(-1250), 2);	/* -0.125 */
	CHECK(is_money(v, -1300, 1));
	v = val_round(money_frac(100000, 3), 2);
	CHECK(is_money(v, 33300, 1));
	v = val_round(money_frac(100000, 3), 9);	/* money keeps 4 decimals */
	CHECK(is_money(v, 33333, 1));
	v = val_round(val_money(125000), 0);
	CHECK(is_money(v, 130000, 1));
	v = val_round(val_money(1250000), -1);
	CHECK(is_money(v, 1300000, 1));
	v = val_round(val_money(-40), 2);
	CHECK(is_money(v, 0, 1));

	CHECK(val_round(val_int(1234), 2).i == 1234);
	CHECK(val_round(val_int(1234), -2).i == 1200);
	CHECK(val_round(val_int(1250), -2).i == 1300);
	CHECK(val_round(val_int(-1250), -2).i == -1300);
	CHECK(val_round(val_int(1250), -2).type == VAL_INT);

	CHECK(val_round(val_real(1.005), 2).r == 1.01);
	CHECK(val_round(val_real(-1.005), 2).r == -1.01);
	CHECK(val_round(val_real(2.675), 2).r == 2.68);
	CHECK(val_round(val_real(1.004), 2).r == 1.0);
	CHECK(val_round(val_real(9.995), 2).r == 10.0);
	CHECK(val_round(val_real(0.1 + 0.2), 2).r == 0.3);
	CHECK(val_round(val_real(0.5), 0).r == 1.0);
	CHECK(val_round(val_real(-0.5), 0).r == -1.0);
	CHECK(val_round(val_real(0.4), 0).r == 0.0);
	CHECK(val_round(val_real(0.005), 2).r == 0.01);
	CHECK(val_round(val_real(0.004), 2).r == 0.0);
	CHECK(val_round(val_real(0.0004), 2).r == 0.0);
	v = val_round(val_real(-0.004), 2);
	CHECK(v.r == 0.0 && !signbit(v.r));
	CHECK(val_round(val_real(123.456), -1).r == 120.0);
	CHECK(val_round(val_real(1.0 / 3), 6).r == 0.333333);
	CHECK(val_round(val_real(1.0 / 3), 30).r == 1.0 / 3);
	CHECK(val_round(val_real(1e300), 2).r == 1e300);
	CHECK(isnan(val_round(val_real(NAN), 2).r));
	CHECK(val_round(val_real(0.25), 2).type == VAL_REAL);

	CHECK(val_round(val_null(), 2).type == VAL_NULL);
	CHECK(val_round(val_str("x", 1), 2).type == VAL_STR);
}

static int cmp(value a, value b, bool *ok)
{
	return val_compare(a, b, ok);
}

static void test_compare_numbers(void)
{
	bool ok = false;
	CHECK(cmp(val_int(1), val_money(10000), &ok) == 0 && ok);
	CHECK(cmp(val_money(10001), val_int(1), &ok) > 0 && ok);
	CHECK(cmp(val_int(1), val_money(10001), &ok) < 0 && ok);
	CHECK(cmp(money_frac(100000, 3), val_money(33333), &ok) > 0 && ok);
	CHECK(cmp(money_frac(100000, 3), money_frac(200000, 6), &ok) == 0 && ok);
	/* exact where doubles would tie */
	CHECK(cmp(val_money(INT64_C(1000000000000000001)), val_int(INT64_C(100000000000000)),
		  &ok) > 0 && ok);
	CHECK(cmp(val_money(INT64_C(900000000000000001)),
		  val_money(INT64_C(900000000000000000)), &ok) > 0 && ok);
	CHECK(cmp(val_real(0.1), val_money(1000), &ok) == 0 && ok);
	CHECK(cmp(val_real(0.5), val_int(1), &ok) < 0 && ok);
	CHECK(cmp(val_int(2), val_real(1.5), &ok) > 0 && ok);
	CHECK(cmp(val_int(-3), val_int(2), &ok) < 0 && ok);
	CHECK(cmp(val_real(NAN), val_real(1e300), &ok) > 0 && ok);
	CHECK(cmp(val_real(NAN), val_real(NAN), &ok) == 0 && ok);
	CHECK(cmp(val_int(1), val_null(), &ok) > 0 && ok);
	CHECK(cmp(val_null(), val_money(1), &ok) < 0 && ok);
	CHECK(cmp(val_null(), val_null(), &ok) == 0 && ok);
	CHECK(cmp(val_int(1), val_int(2), NULL) < 0);	/* comparable may be NULL */
}

static void test_compare_others(void)
{
	bool ok = false;
	CHECK(cmp(val_str("a", 1), val_str("ab", 2), &ok) < 0 && ok);
	CHECK(cmp(val_str("ab", 2), val_str("b", 1), &ok) < 0 && ok);
	CHECK(cmp(val_str("b", 1), val_str("ab", 2), &ok) > 0 && ok);
	CHECK(cmp(val_str("\xc3\xa9", 2), val_str("z", 1), &ok) > 0 && ok);	/* bytewise */
	CHECK(cmp(val_str("", 0), val_str("", 0), &ok) == 0 && ok);
	CHECK(cmp(val_bool(false), val_bool(true), &ok) < 0 && ok);
	CHECK(cmp(val_ts(10), val_ts(5), &ok) > 0 && ok);

	/* a string against a timestamp is read as one */
	value jan8 = val_ts(1767830400);	/* 2026-01-08T00:00:00Z */
	CHECK(cmp(val_ts(1767830399), val_str("2026-01-08", 10), &ok) < 0 && ok);
	CHECK(cmp(jan8, val_str("2026-01-08", 10), &ok) == 0 && ok);
	CHECK(cmp(val_str("2026-01-08T00:00:01Z", 20), jan8, &ok) > 0 && ok);
	CHECK(cmp(val_str("2026-01-08 00:00:00", 19), jan8, &ok) == 0 && ok);
	cmp(jan8, val_str("next week", 9), &ok);
	CHECK(!ok);
	cmp(jan8, val_str("2026-02-30", 10), &ok);
	CHECK(!ok);

	CHECK(cmp(dur(1, CAL_WEEK), dur(7, CAL_DAY), &ok) == 0 && ok);
	CHECK(cmp(dur(1, CAL_YEAR), dur(12, CAL_MONTH), &ok) == 0 && ok);
	CHECK(cmp(dur(1, CAL_QUARTER), dur(2, CAL_MONTH), &ok) > 0 && ok);
	cmp(dur(1, CAL_MONTH), dur(30, CAL_DAY), &ok);
	CHECK(!ok);

	/* incomparable types still order consistently (by kind) */
	int c1 = cmp(val_str("1", 1), val_int(1), &ok);
	CHECK(!ok && c1 != 0);
	int c2 = cmp(val_int(1), val_str("1", 1), &ok);
	CHECK(!ok && c2 == -c1);
	cmp(val_bool(true), val_int(1), &ok);
	CHECK(!ok);
	cmp(val_ts(0), val_int(0), &ok);
	CHECK(!ok);
}

static void test_equal(void)
{
	CHECK(!val_equal(val_null(), val_null()));
	CHECK(!val_equal(val_null(), val_int(1)));
	CHECK(!val_equal(val_int(1), val_null()));
	CHECK(val_equal(val_int(1), val_money(10000)));
	CHECK(val_equal(val_money(10000), val_real(1.0)));
	CHECK(!val_equal(val_money(10001), val_int(1)));
	CHECK(val_equal(val_str("A", 1), val_str("A", 1)));
	CHECK(!val_equal(val_str("A", 1), val_str("a", 1)));
	CHECK(!val_equal(val_str("1", 1), val_int(1)));
	CHECK(val_equal(val_ts(1767830400), val_str("2026-01-08", 10)));
	CHECK(!val_equal(val_real(NAN), val_real(NAN)));
	CHECK(val_equal(val_bool(true), val_bool(true)));
	CHECK(!val_equal(val_bool(true), val_int(1)));
}

int main(void)
{
	RUN(test_constructors);
	RUN(test_arith_int);
	RUN(test_arith_real);
	RUN(test_arith_money);
	RUN(test_arith_null_and_types);
	RUN(test_money_cents);
	RUN(test_round);
	RUN(test_compare_numbers);
	RUN(test_compare_others);
	RUN(test_equal);
	return run_failed;
}

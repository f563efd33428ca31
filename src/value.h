/* value.h — the typed values a query computes.
 *
 * Money is exact: an integer count of 1/10000 units over a positive integer
 * denominator (den > 1 only after dividing money by an integer, e.g. an
 * average), so printing to 2 decimals rounds the exact rational once.
 * Ratios are doubles.  Strings are views; whoever stores a value beyond the
 * life of its source copies the bytes (result.c does). */
#ifndef TIDE_VALUE_H
#define TIDE_VALUE_H

#include <stdbool.h>
#include <stdint.h>

#include "ast.h"
#include "cal.h"
#include "err.h"

typedef enum {
	VAL_NULL,
	VAL_BOOL,	/* i: 0 or 1 */
	VAL_INT,	/* i */
	VAL_MONEY,	/* num / den, in 1/10000 units; den > 0, reduced */
	VAL_REAL,	/* r */
	VAL_STR,	/* s */
	VAL_TS,		/* i: UTC seconds */
	VAL_DUR		/* dur */
} val_type;

typedef struct value {
	val_type type;
	union {
		int64_t i;
		double r;
		struct {
			int64_t num, den;
		} m;
		struct {
			const char *p;
			uint32_t n;
		} s;
		cal_dur dur;
	};
} value;

value val_null(void);
value val_bool(bool b);
value val_int(int64_t i);
value val_money(int64_t units);		/* den = 1 */
value val_real(double r);
value val_str(const char *p, uint32_t n);
value val_ts(int64_t t);

/* Numeric view as a double (ints, money in currency units, reals); 0 for
 * others. */
double val_to_double(value v);

bool val_is_numeric(value v);		/* INT, MONEY or REAL */
const char *val_type_name(val_type t);	/* for messages: "money", "number" (REAL), ... */

/* a OP b for + - * / (OP_ADD..OP_DIV).  Type rules: int∘int = int (division
 * of ints gives a real: 7 / 2 = 3.5), money±money = money, money±int =
 * money (the int in currency units), money × or / number = money, number ×
 * money = money, money / money = real, number / money = real, anything else
 * with a real = real (so money ± real = real), null in → null out.  Money
 * stays exact except money × or / real, which rounds half away from zero to
 * whole 1/10000 units; money / int keeps the exact fraction (den grows, and
 * is rounded to den 1 only past 10^12).  Division by zero gives null (and so
 * does money × or / a non-finite real).  TIDE_EQUERY with a message for other
 * types ("cannot compute string + integer", money × money), and for integer
 * or money overflow ("numeric overflow in +"). */
int val_arith(ast_op op, value a, value b, value *out, tide_err *e);

/* Total order for ORDER BY and comparisons: returns -1, 0 or 1.  Numbers
 * compare by value across INT/MONEY/REAL (money exactly against ints and
 * money, as doubles against reals; NaN after every number); strings
 * bytewise (a shorter prefix first); booleans false < true; timestamps by
 * time; a string compared with a timestamp is parsed with tide_ts_parse
 * (not comparable when it does not parse); durations when both are in days
 * (d, w) or both in months (mo, q, y).  NULL sorts first (comparable).
 * *comparable (may be NULL) = false when the values cannot be compared; the
 * result then still orders them by kind (bool < numbers < strings <
 * timestamps < durations) so that a sort stays consistent. */
int val_compare(value a, value b, bool *comparable);

/* SQL equality for = and IN: false when either side is null or NaN, or the
 * values are not comparable. */
bool val_equal(value a, value b);

/* Rounds to n decimals (half away from zero; n < 0 rounds to tens,
 * hundreds, ...).  Money stays money with den 1 (n above 4 acts as 4); an
 * int stays an int; a real rounds the shortest decimal that reads back as
 * it, so round(1.005, 2) = 1.01.  Other types are returned as they are;
 * null when the rounded value overflows. */
value val_round(value v, int n);

/* Money rounded half away from zero to the nearest 1/100, exactly from the
 * rational, as an integer of cents; the basis of all money printing
 * (1.005 → 101, -0.004 → 0).  Ints and reals convert too; others give 0. */
int64_t val_money_cents(value v);

#endif

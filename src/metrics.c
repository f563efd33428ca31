#include "metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef __int128 i128;

void metrics_scope_add(metrics_scope *s, int64_t revenue)
{
	s->n++;
	if (__builtin_add_overflow(s->total, revenue, &s->total))
		s->overflow = true;
	if (revenue > 0) {
		s->npositive++;
		if (__builtin_add_overflow(s->positive, revenue, &s->positive))
			s->overflow = true;
	}
}

static int id_cmp(const metrics_cust *a, const metrics_cust *b)
{
	uint32_t n = a->id_len < b->id_len ? a->id_len : b->id_len;
	int c = memcmp(a->id, b->id, n);
	return c ? c : (a->id_len > b->id_len) - (a->id_len < b->id_len);
}

/* Worst first, ties by id ascending. */
static int worst_recency(const void *x, const void *y)
{
	const metrics_cust *a = *(metrics_cust *const *)x, *b = *(metrics_cust *const *)y;
	if (a->has_order != b->has_order)
		return a->has_order ? 1 : -1;	/* no order: worst of all */
	if (a->has_order && a->last_order != b->last_order)
		return a->last_order < b->last_order ? -1 : 1;	/* older = larger recency */
	return id_cmp(a, b);
}

static int worst_frequency(const void *x, const void *y)
{
	const metrics_cust *a = *(metrics_cust *const *)x, *b = *(metrics_cust *const *)y;
	if (a->orders != b->orders)
		return a->orders < b->orders ? -1 : 1;
	return id_cmp(a, b);
}

static int worst_monetary(const void *x, const void *y)
{
	const metrics_cust *a = *(metrics_cust *const *)x, *b = *(metrics_cust *const *)y;
	if (a->revenue != b->revenue)
		return a->revenue < b->revenue ? -1 : 1;
	return id_cmp(a, b);
}

static int best_revenue(const void *x, const void *y)
{
	const metrics_cust *a = *(metrics_cust *const *)x, *b = *(metrics_cust *const *)y;
	if (a->revenue != b->revenue)
		return a->revenue > b->revenue ? -1 : 1;
	return id_cmp(a, b);
}

int metrics_rank(metrics_cust *const *in, size_t n, int which)
{
	if (n == 0)
		return 0;
	metrics_cust **v = malloc(n * sizeof *v);
	if (!v)
		return -1;
	int (*const orders[3])(const void *, const void *) = {worst_recency, worst_frequency,
							      worst_monetary};
	for (int k = 0; k < 3 && (which & METRICS_RANK_RFM); k++) {
		memcpy(v, in, n * sizeof *v);
		qsort(v, n, sizeof *v, orders[k]);
		for (size_t r = 0; r < n; r++)
			v[r]->rfm[k] = 1 + (int)((5 * (uint64_t)r) / n);
	}
	if (which & METRICS_RANK_ABC) {
		memcpy(v, in, n * sizeof *v);
		qsort(v, n, sizeof *v, best_revenue);
		int64_t above = 0;
		for (size_t r = 0; r < n; r++) {
			v[r]->above = above;
			/* past int64 the scope's positive sum did too (s->overflow):
			 * abc() is then an error, whatever is kept here */
			if (__builtin_add_overflow(above, v[r]->revenue, &above))
				above = INT64_MAX;
		}
	}
	free(v);
	return 0;
}

double metrics_contribution(int64_t revenue, const metrics_scope *s)
{
	return s->total > 0 ? (double)revenue / (double)s->total : 0.0;
}

double metrics_activity(const uint8_t *ordered, int64_t n)
{
	int64_t k = 0;
	for (int64_t i = 0; i < n; i++)
		k += ordered[i];
	return (double)k / (double)n;
}

/* Unsigned 256-bit integers, enough for S², n·Q and their products with
 * the threshold's squares whatever the amounts: the class boundary is
 * decided exactly, never in floating point. */
typedef unsigned __int128 u128;
typedef struct u256 {
	u128 hi, lo;
} u256;

static u256 mul128(u128 a, u128 b)
{
	const u128 m = UINT64_MAX;
	u128 a0 = a & m, a1 = a >> 64, b0 = b & m, b1 = b >> 64;
	u128 p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
	u128 mid = (p00 >> 64) + (p01 & m) + (p10 & m);
	u256 r = {p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64), (mid << 64) | (p00 & m)};
	return r;
}

static u256 add256(u256 a, u256 b)
{
	u256 r = {a.hi + b.hi, a.lo + b.lo};
	r.hi += r.lo < a.lo;
	return r;
}

static u256 sub256(u256 a, u256 b)	/* a ≥ b */
{
	u256 r = {a.hi - b.hi - (a.lo < b.lo), a.lo - b.lo};
	return r;
}

static int cmp256(u256 a, u256 b)
{
	if (a.hi != b.hi)
		return a.hi < b.hi ? -1 : 1;
	return (a.lo > b.lo) - (a.lo < b.lo);
}

/* a × m for a small m; the products here stay far below 2^256. */
static u256 mul256_small(u256 a, uint64_t m)
{
	u256 lo = mul128(a.lo, m), hi = mul128(a.hi, m);
	u256 r = {lo.hi + hi.lo, lo.lo};
	return r;
}

static long double ld256(u256 a)
{
	return (long double)a.hi * 0x1p128L + (long double)a.lo;
}

static u128 abs128(__int128 v)
{
	return v < 0 ? (u128)-v : (u128)v;
}

/* S = Σx and spread = n·Q − S² (= n² σ²), exactly. */
static void moments(const int64_t *x, int64_t n, i128 *sum, u256 *spread)
{
	i128 s = 0;
	u256 q = {0, 0};
	for (int64_t i = 0; i < n; i++) {
		s += x[i];
		u128 a = abs128(x[i]);
		q = add256(q, mul128(a, a));
	}
	u128 as = abs128(s);
	*sum = s;
	*spread = sub256(mul256_small(q, (uint64_t)n), mul128(as, as));
}

double metrics_stability(const int64_t *x, int64_t n)
{
	i128 s;
	u256 spread;
	moments(x, n, &s, &spread);
	if (s <= 0)
		return 0.0;
	/* μ/(μ+σ) = S / (S + sqrt(nQ − S²)) */
	long double sd = sqrtl(ld256(spread));
	return (double)((long double)s / ((long double)s + sd));
}

/* stability ≥ sth exactly: with s = p/D, μ(1−s) ≥ sσ ⟺ S²(D−p)² ≥ p²(nQ−S²). */
static bool stability_at_least(const int64_t *x, int64_t n, int64_t p)
{
	const int64_t D = 10000;
	i128 s;
	u256 spread;
	moments(x, n, &s, &spread);
	if (p <= 0)
		return true;
	if (s <= 0)
		return false;
	if (p >= D)
		return p == D && spread.hi == 0 && spread.lo == 0;
	u256 lhs = mul256_small(mul128((u128)s, (u128)s), (uint64_t)((D - p) * (D - p)));
	u256 rhs = mul256_small(spread, (uint64_t)(p * p));
	return cmp256(lhs, rhs) >= 0;
}

static int day_cmp(const void *x, const void *y)
{
	int64_t a = ((const metrics_day *)x)->day, b = ((const metrics_day *)y)->day;
	return (a > b) - (a < b);
}

static int double_cmp(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return (a > b) - (a < b);
}

bool metrics_median_gap(metrics_day *days, uint32_t n, double *out)
{
	if (n < 2)
		return false;
	qsort(days, n, sizeof *days, day_cmp);
	uint32_t distinct = 0;
	for (uint32_t i = 0; i < n; i++)
		distinct += i == 0 || days[i].day != days[i - 1].day;
	if (distinct < 2)
		return false;
	double *gaps = malloc((distinct - 1) * sizeof *gaps);
	if (!gaps)
		return false;
	uint32_t k = 0;
	int64_t prev = days[0].day;
	for (uint32_t i = 1; i < n; i++)
		if (days[i].day != prev) {
			gaps[k++] = (double)(days[i].day - prev);
			prev = days[i].day;
		}
	qsort(gaps, k, sizeof *gaps, double_cmp);
	*out = k % 2 ? gaps[k / 2] : (gaps[k / 2 - 1] + gaps[k / 2]) / 2.0;
	free(gaps);
	return true;
}

const char *metrics_class(int64_t revenue, const int64_t *periods, int64_t n, bool cth_given,
			  int64_t cth_units, int64_t sth_units, const metrics_scope *s)
{
	bool high;
	if (s->total <= 0) {
		/* contribution is 0 for everyone, below any default cth = 1/npositive
		 * (infinite when npositive = 0) */
		high = cth_given && cth_units <= 0;
	} else if (!cth_given) {
		/* revenue / total ≥ 1 / npositive */
		high = s->npositive > 0 && (i128)revenue * (i128)s->npositive >= (i128)s->total;
	} else {
		high = (i128)revenue * 10000 >= (i128)cth_units * s->total;
	}
	bool steady = stability_at_least(periods, n, sth_units);
	return high ? (steady ? "EI" : "EII") : (steady ? "EIII" : "EIV");
}

const char *metrics_abc(const metrics_cust *c, const int64_t th[3], const metrics_scope *s)
{
	if (s->total <= 0 || c->revenue <= 0)
		return "D";
	static const char *const names[] = {"A", "B", "C"};
	/* share above < t  ⟺  above × 10^4 < t × total */
	for (int i = 0; i < 3; i++)
		if ((i128)c->above * 10000 < (i128)th[i] * s->total)
			return names[i];
	return "D";
}

static int value_cmp(const void *x, const void *y)
{
	bool ok;
	return val_compare(*(const value *)x, *(const value *)y, &ok);
}

value metrics_median_value(value *v, size_t n)
{
	if (n == 0)
		return val_null();
	qsort(v, n, sizeof *v, value_cmp);
	if (n % 2)
		return v[n / 2];
	value sum, out;
	if (val_arith(OP_ADD, v[n / 2 - 1], v[n / 2], &sum, NULL) ||
	    val_arith(OP_DIV, sum, val_int(2), &out, NULL))
		return val_null();
	/* the mean of two integers is a ratio, of two money values money */
	return out;
}

int metrics_months(cal_dur d, int64_t seconds)
{
	switch (d.unit) {
	case CAL_MONTH: return (int)d.n;
	case CAL_QUARTER: return (int)(3 * d.n);
	case CAL_YEAR: return (int)(12 * d.n);
	default: return (int)(seconds / (30 * 86400));
	}
}

void metrics_model_input(metrics_cust *c, metrics_day *days, uint32_t n, int64_t last_day)
{
	c->model_ok = false;
	if (n == 0)
		return;
	qsort(days, n, sizeof *days, day_cmp);
	int64_t first = days[0].day, last = first, repeat_sum = 0;
	uint32_t x = 0;
	for (uint32_t i = 1; i < n; i++) {
		if (days[i].day != days[i - 1].day) {
			x++;
			last = days[i].day;
		}
		/* every amount after the first day belongs to a repeat purchase */
		if (days[i].day != first)
			repeat_sum += days[i].amount;
	}
	c->model.x = x;
	c->model.t_x = (double)(last - first) / 7.0;
	c->model.t_cal = (double)(last_day - first) / 7.0;
	c->model.zbar = x ? (double)repeat_sum / 10000.0 / x : 0.0;
	c->model_ok = true;
}

int metrics_fit(metrics_cust *const *in, size_t n, bgnbd_params *bg, gg_params *gg,
		int *gg_rc, tide_err *e)
{
	bgnbd_cust *c = malloc((n ? n : 1) * sizeof *c);
	if (!c)
		return tide_errf(e, TIDE_ENOMEM, "out of memory");
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (in[i]->model_ok)
			c[k++] = in[i]->model;
	int rc = bgnbd_fit(c, k, bg, e);
	*gg_rc = rc ? rc : gg_fit(c, k, gg, e);
	free(c);
	return rc;
}

/* metrics.h — the exact arithmetic of metrics.md that does not depend on
 * how events were read: stability, activity, median gap, contribution,
 * RFM ranks, the class and pyramid thresholds (compared exactly, never in
 * floating point), medians, and the model inputs. */
#ifndef TIDE_METRICS_H
#define TIDE_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bgnbd.h"
#include "cal.h"
#include "value.h"

typedef struct metrics_day {
	int64_t day;		/* UTC day number */
	int64_t amount;		/* 1/10000 units */
} metrics_day;

/* What the cross-customer metrics need of one customer in scope. */
typedef struct metrics_cust {
	const char *id;		/* customer id bytes: the tie-breaker */
	uint32_t id_len;
	int64_t revenue;	/* in the window */
	uint64_t orders;	/* in the window */
	bool has_order;		/* any order before T */
	int64_t last_order;
	int rfm[3];		/* R, F, M scores 1..5 */
	int64_t above;		/* revenue of the customers ranked above (abc) */
	bool model_ok;		/* at least one purchase day: model defined */
	bgnbd_cust model;
} metrics_cust;

typedef struct metrics_scope {
	size_t n;		/* customers in scope */
	size_t npositive;	/* of them with revenue > 0 */
	int64_t total;		/* their revenue */
	int64_t positive;	/* of it, the revenue > 0 (what abc's running sums reach) */
	bool overflow;		/* a sum passed int64: ranks and shares would be wrong */
} metrics_scope;

/* Counts one customer in scope into s (zeroed to start); sets
 * s->overflow when a sum passes what int64 holds. */
void metrics_scope_add(metrics_scope *s, int64_t revenue);

/* What metrics_rank sets: each is a sort of the customers in scope. */
enum { METRICS_RANK_RFM = 1, METRICS_RANK_ABC = 2 };

/* Sets rfm[] (RFM) and above (ABC) for every customer, as `which` asks.
 * Returns 0 or -1 (no memory). */
int metrics_rank(metrics_cust *const *in, size_t n, int which);

double metrics_contribution(int64_t revenue, const metrics_scope *s);
double metrics_activity(const uint8_t *ordered, int64_t n);
double metrics_stability(const int64_t *revenue, int64_t n);

/* Median gap in days between distinct order days; sorts days in place.
 * Returns false when there are fewer than 2 distinct days. */
bool metrics_median_gap(metrics_day *days, uint32_t n, double *out);

/* class(cth, sth): thresholds in 1/10000; without cth_given the default
 * 1 / npositive.  Returns "EI" "EII" "EIII" or "EIV". */
const char *metrics_class(int64_t revenue, const int64_t *periods, int64_t n, bool cth_given,
			  int64_t cth_units, int64_t sth_units, const metrics_scope *s);

/* abc(a, b, c) from thresholds in 1/10000: "A" "B" "C" or "D". */
const char *metrics_abc(const metrics_cust *c, const int64_t th[3], const metrics_scope *s);

/* Median of numeric values (exact for money: the mean of two middles). */
value metrics_median_value(value *v, size_t n);

/* Whole months in a duration for clv(): mo/q/y exactly, d/w as days / 30. */
int metrics_months(cal_dur d, int64_t seconds);

/* Fills c->model from a customer's order days (merged per day) as of the
 * day last_day (the last whole UTC day before T). */
void metrics_model_input(metrics_cust *c, metrics_day *days, uint32_t n, int64_t last_day);

/* Fits BG/NBD (and gamma-gamma: *gg_rc) over the customers with model_ok. */
int metrics_fit(metrics_cust *const *in, size_t n, bgnbd_params *bg, gg_params *gg,
		int *gg_rc, tide_err *e);

#endif

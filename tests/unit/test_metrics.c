/* Unit tests of metrics.c: the exact thresholds and ranks of metrics.md. */
#include <math.h>
#include <stdlib.h>

#include "check.h"
#include "metrics.h"

static metrics_cust cust(const char *id, int64_t revenue, uint64_t orders, int64_t last)
{
	metrics_cust c = {.id = id, .id_len = (uint32_t)strlen(id), .revenue = revenue,
			  .orders = orders, .has_order = last >= 0, .last_order = last};
	return c;
}

static void test_stability_values(void)
{
	int64_t flat[12], burst[12] = {0};
	for (int i = 0; i < 12; i++)
		flat[i] = 700;
	burst[3] = 12;
	CHECK(metrics_stability(flat, 12) == 1.0);
	/* μ = 1, σ = √11 */
	CHECK(fabs(metrics_stability(burst, 12) - 1.0 / (1.0 + sqrt(11.0))) < 1e-12);
	int64_t nothing[3] = {0, 5, -5};
	CHECK(metrics_stability(nothing, 3) == 0.0);
}

static void test_class_boundaries_exact(void)
{
	/* Six months of 1 and six of 0: S² = 6Q, so σ = μ and stability is
	 * exactly 0.5 — steady under sth = 0.5. */
	int64_t half[12] = {1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0};
	int64_t less[12] = {1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 0, 0};
	metrics_scope s = {.n = 3, .npositive = 3, .total = 30};
	/* contribution 10/30 = 1/3 = 1/npositive: high, exactly at the line */
	CHECK_STR(metrics_class(10, half, 12, false, 0, 5000, &s), "EI");
	CHECK_STR(metrics_class(10, less, 12, false, 0, 5000, &s), "EII");
	CHECK_STR(metrics_class(9, half, 12, false, 0, 5000, &s), "EIII");
	CHECK_STR(metrics_class(9, less, 12, false, 0, 5000, &s), "EIV");
	/* explicit thresholds: 0.3333 × 30 = 9.999 ≤ 10 */
	CHECK_STR(metrics_class(10, half, 12, true, 3333, 5000, &s), "EI");
	CHECK_STR(metrics_class(10, half, 12, true, 3334, 5001, &s), "EIV");
	/* total ≤ 0: contribution is 0 for everyone */
	metrics_scope neg = {.n = 2, .npositive = 0, .total = -5};
	CHECK_STR(metrics_class(-5, half, 12, false, 0, 5000, &neg), "EIII");
	/* an explicit negative cth: every contribution (0 here) is above it */
	CHECK_STR(metrics_class(-5, half, 12, true, -1000, 5000, &neg), "EI");
}

static void test_abc(void)
{
	metrics_cust a = cust("a", 50, 1, 0), b = cust("b", 30, 1, 0), c = cust("c", 15, 1, 0),
		     d = cust("d", 5, 1, 0), z = cust("z", 0, 1, 0);
	metrics_cust *in[] = {&d, &z, &b, &a, &c};
	metrics_scope s = {0};
	for (int i = 0; i < 5; i++)
		metrics_scope_add(&s, in[i]->revenue);
	CHECK(s.total == 100 && s.npositive == 4);
	CHECK(metrics_rank(in, 5, METRICS_RANK_ABC) == 0);
	const int64_t th[3] = {5000, 8000, 9500};
	/* shares above: a 0, b 0.5, c 0.8, d 0.95: each exactly on a line */
	CHECK_STR(metrics_abc(&a, th, &s), "A");
	CHECK_STR(metrics_abc(&b, th, &s), "B");
	CHECK_STR(metrics_abc(&c, th, &s), "C");
	CHECK_STR(metrics_abc(&d, th, &s), "D");
	CHECK_STR(metrics_abc(&z, th, &s), "D");
}

static void test_rfm_ties_by_id(void)
{
	/* equal revenue: the smaller id ranks worse (first) */
	metrics_cust c1 = cust("c1", 10, 2, 100), c2 = cust("c2", 10, 2, 100),
		     c3 = cust("c3", 20, 1, 50), c4 = cust("c4", 30, 3, -1),
		     c5 = cust("c5", 40, 4, 200);
	metrics_cust *in[] = {&c5, &c4, &c3, &c2, &c1};
	CHECK(metrics_rank(in, 5, METRICS_RANK_RFM) == 0);
	/* R: c4 (no order) worst, then c3 (oldest), c1, c2, c5 */
	CHECK(c4.rfm[0] == 1 && c3.rfm[0] == 2 && c1.rfm[0] == 3 && c2.rfm[0] == 4 && c5.rfm[0] == 5);
	/* F: c3 (1), c1, c2 (2 each, by id), c4 (3), c5 (4) */
	CHECK(c3.rfm[1] == 1 && c1.rfm[1] == 2 && c2.rfm[1] == 3 && c4.rfm[1] == 4 && c5.rfm[1] == 5);
	/* M: c1, c2, c3, c4, c5 */
	CHECK(c1.rfm[2] == 1 && c2.rfm[2] == 2 && c5.rfm[2] == 5);
}

static void test_median_gap(void)
{
	metrics_day d[] = {{5, 1}, {0, 1}, {1, 1}, {1, 3}};
	double mg;
	CHECK(metrics_median_gap(d, 4, &mg) && mg == 2.5);	/* gaps 1, 4 */
	metrics_day one[] = {{7, 1}, {7, 2}};
	CHECK(!metrics_median_gap(one, 2, &mg));
	metrics_day odd[] = {{0, 1}, {2, 1}, {3, 1}, {13, 1}};
	CHECK(metrics_median_gap(odd, 4, &mg) && mg == 2.0);	/* gaps 2, 1, 10 */
}

static void test_model_input(void)
{
	/* days 0 (10 + 5), 7 (20), 14 (40): x = 2, repeat mean 30 */
	metrics_day d[] = {{14, 400000}, {0, 100000}, {7, 200000}, {0, 50000}};
	metrics_cust c = cust("c", 0, 0, 0);
	metrics_model_input(&c, d, 4, 20);
	CHECK(c.model_ok);
	CHECK(c.model.x == 2 && c.model.t_x == 2.0 && fabs(c.model.t_cal - 20.0 / 7) < 1e-12);
	CHECK(c.model.zbar == 30.0);
}

static void test_activity_and_months(void)
{
	uint8_t ord[4] = {1, 0, 1, 1};
	CHECK(metrics_activity(ord, 4) == 0.75);
	cal_dur q = {2, CAL_QUARTER}, d = {95, CAL_DAY};
	CHECK(metrics_months(q, 0) == 6 && metrics_months(d, 95 * 86400) == 3);
}

int main(void)
{
	RUN(test_stability_values);
	RUN(test_class_boundaries_exact);
	RUN(test_abc);
	RUN(test_rfm_ties_by_id);
	RUN(test_median_gap);
	RUN(test_model_input);
	RUN(test_activity_and_months);
	return run_failed;
}

/* Unit tests of leaders.c: which customers a week's orders make leaders,
 * ties at the last place, updates from a few customers' new weeks, and the
 * stored form. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "err.h"
#include "leaders.h"
#include "testrand.h"

static const leaders stamp = {.from = 1000, .to = 1000 + LEADERS_WEEK, .events = {70, 9}};

/* Finishes m and decodes what it wrote into *out. */
static void finish(leaders_maker *m, leaders *out)
{
	uint8_t *bytes;
	size_t len;
	leaders made = stamp;
	CHECK(leaders_maker_finish(m, &made, &bytes, &len) == 0);
	CHECK(leaders_decode(bytes, len, out) == 0);
	CHECK(out->from == stamp.from && out->to == stamp.to);
	CHECK(out->events[0] == 70 && out->events[1] == 9);
	CHECK(out->complete == made.complete && out->n == made.n && !out->updated);
	free(bytes);
}

static void test_few_customers_are_all_kept(void)
{
	leaders_maker *m = leaders_maker_new(10);
	const uint32_t cust[] = {7, 3, 7, 10, 3};
	const int64_t amount[] = {500, -20, 100, 0, 40};
	rollup want[3] = {{0}};
	const int slot_of[] = {0, 1, 0, 2, 1};
	for (int i = 0; i < 5; i++) {
		CHECK(leaders_maker_add(m, cust[i], (uint32_t)i + 1, 2000 + i, amount[i], amount[i] - 1) == 0);
		rollup_fold(&want[slot_of[i]], (uint32_t)i + 1, 2000 + i, amount[i], amount[i] - 1);
	}
	CHECK(leaders_maker_add(m, 11, 9, 2009, 1, 1) == TIDE_ECORRUPT);	/* past the store's ids */
	leaders l;
	finish(m, &l);
	CHECK(l.complete && l.n == 3);
	CHECK(l.customer[0] == 7 && l.customer[1] == 3 && l.customer[2] == 10);
	for (size_t i = 0; i < l.n && i < 3; i++)
		CHECK(memcmp(&l.r[i], &want[i], sizeof want[i]) == 0);
	leaders_free(&l);
	leaders_maker_free(m);
}

static int by_revenue_desc(const void *x, const void *y)
{
	int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
	return (a < b) - (a > b);
}

/* More customers than LEADERS_KEEP, their revenues drawn from few values so
 * that many tie with the last place: exactly those at or above it stay. */
static void test_many_keep_the_top_and_its_ties(void)
{
	enum { CUSTOMERS = 5 * LEADERS_KEEP };
	leaders_maker *m = leaders_maker_new(CUSTOMERS);
	int64_t *revenue = calloc(CUSTOMERS + 1, sizeof *revenue);
	bool *ordered = calloc(CUSTOMERS + 1, sizeof *ordered);
	for (uint32_t seq = 1; seq <= 3 * CUSTOMERS; seq++) {
		uint32_t c = (uint32_t)(testrand_next() % CUSTOMERS) + 1;
		int64_t amount = (int64_t)(testrand_next() % 40) * 2500 - 10000;
		revenue[c] += amount;
		ordered[c] = true;
		CHECK(leaders_maker_add(m, c, seq, 5000, amount, amount) == 0);
	}
	leaders l;
	finish(m, &l);
	leaders_maker_free(m);
	int64_t *sorted = malloc(CUSTOMERS * sizeof *sorted);
	size_t seen = 0;
	for (uint32_t c = 1; c <= CUSTOMERS; c++)
		if (ordered[c])
			sorted[seen++] = revenue[c];
	qsort(sorted, seen, sizeof *sorted, by_revenue_desc);
	int64_t least = sorted[LEADERS_KEEP - 1];
	size_t at_least = 0, above = 0;
	for (uint32_t c = 1; c <= CUSTOMERS; c++) {
		at_least += ordered[c] && revenue[c] >= least;
		above += ordered[c] && revenue[c] > least;
	}
	/* the draw makes ties at the last place: some are kept past it */
	CHECK(above < LEADERS_KEEP && at_least > LEADERS_KEEP);
	CHECK(!l.complete && l.n == at_least);
	size_t wrong = 0;
	for (size_t i = 0; i < l.n; i++)
		wrong += l.r[i].revenue < least || l.r[i].revenue != revenue[l.customer[i]];
	CHECK(wrong == 0);
	leaders_free(&l);
	free(sorted);
	free(ordered);
	free(revenue);
}

static void test_a_wrapped_revenue_keeps_none(void)
{
	leaders_maker *m = leaders_maker_new(4);
	CHECK(leaders_maker_add(m, 1, 1, 10, INT64_MAX, 0) == 0);
	CHECK(leaders_maker_add(m, 1, 2, 11, 1, 0) == 0);
	CHECK(leaders_maker_add(m, 2, 3, 12, 5, 0) == 0);
	leaders l;
	finish(m, &l);
	CHECK(!l.complete && l.n == 0);
	leaders_free(&l);
	leaders_maker_free(m);
}

/* Leaders of a week of orders, then some customers' weeks changed (orders
 * added, orders gone): the old leaders with those customers' new roll-ups,
 * under the old least revenue as the floor, are exactly the customers at or
 * above their own least revenue, as leaders made afresh would be. */
static void test_an_update_keeps_everyone_above_the_least(void)
{
	enum { CUSTOMERS = 4 * LEADERS_KEEP, ORDERS = 3 * CUSTOMERS };
	rollup *week = calloc(CUSTOMERS + 1, sizeof *week);
	leaders_maker *m = leaders_maker_new(CUSTOMERS);
	uint32_t seq = 1;
	for (; seq <= ORDERS; seq++) {
		uint32_t c = (uint32_t)(testrand_next() % CUSTOMERS) + 1;
		int64_t amount = (int64_t)(testrand_next() % 40) * 2500 - 10000;
		rollup_fold(&week[c], seq, 5000, amount, amount);
		CHECK(leaders_maker_add(m, c, seq, 5000, amount, amount) == 0);
	}
	leaders old;
	finish(m, &old);
	leaders_maker_free(m);
	CHECK(!old.complete && old.n >= LEADERS_KEEP);
	/* a tenth of the customers change: the first half of those who lead
	 * lose their week, the others gain or lose an order */
	bool *touched = calloc(CUSTOMERS + 1, sizeof *touched);
	for (size_t i = 0; i < old.n / 2; i += 5) {
		week[old.customer[i]] = (rollup){0};
		touched[old.customer[i]] = true;
	}
	for (uint32_t c = 1; c <= CUSTOMERS; c += 10) {
		int64_t amount = (int64_t)(testrand_next() % 80) * 2500 - 50000;
		rollup_fold(&week[c], seq++, 5000, amount, amount);
		touched[c] = true;
	}
	m = leaders_maker_new(CUSTOMERS);
	int64_t floor = INT64_MAX;
	for (size_t i = 0; i < old.n; i++) {
		floor = old.r[i].revenue < floor ? old.r[i].revenue : floor;
		if (!touched[old.customer[i]])
			CHECK(leaders_maker_put(m, old.customer[i], &old.r[i]) == 0);
	}
	leaders_maker_floor(m, &old);
	for (uint32_t c = 1; c <= CUSTOMERS; c++)
		if (touched[c] && week[c].events)
			CHECK(leaders_maker_put(m, c, &week[c]) == 0);
	CHECK(leaders_maker_put(m, CUSTOMERS + 1, &week[1]) == TIDE_ECORRUPT);
	leaders made = stamp;
	made.updated = true;
	uint8_t *bytes;
	size_t len;
	CHECK(leaders_maker_finish(m, &made, &bytes, &len) == 0);
	leaders_maker_free(m);
	leaders now;
	CHECK(leaders_decode(bytes, len, &now) == 0);
	free(bytes);
	CHECK(now.updated && !now.complete && now.n == made.n && now.n > LEADERS_KEEP / 2);
	bool *lead = calloc(CUSTOMERS + 1, sizeof *lead);
	int64_t least = INT64_MAX;
	size_t wrong = 0;
	for (size_t i = 0; i < now.n; i++) {
		lead[now.customer[i]] = true;
		least = now.r[i].revenue < least ? now.r[i].revenue : least;
		wrong += memcmp(&now.r[i], &week[now.customer[i]], sizeof now.r[i]) != 0;
	}
	CHECK(least >= floor);
	for (uint32_t c = 1; c <= CUSTOMERS; c++)
		wrong += week[c].events && lead[c] != (week[c].revenue >= least);
	CHECK(wrong == 0);
	leaders_free(&now);
	leaders_free(&old);
	free(lead);
	free(touched);
	free(week);
}

/* Complete leaders updated stay complete while they fit, and keep the top
 * and its ties when they no longer do. */
static void test_complete_leaders_stay_complete_until_too_many(void)
{
	leaders_maker *m = leaders_maker_new(3 * LEADERS_KEEP);
	rollup r = {0};
	rollup_fold(&r, 1, 5000, 700, 700);
	CHECK(leaders_maker_put(m, 9, &r) == 0);
	rollup_fold(&r, 2, 5001, -50, 0);
	CHECK(leaders_maker_put(m, 9, &r) == 0);	/* in place of the first */
	leaders l;
	finish(m, &l);
	CHECK(l.complete && l.n == 1 && l.r[0].revenue == 650 && l.r[0].events == 2);
	leaders_free(&l);
	for (uint32_t c = 1; c <= 2 * LEADERS_KEEP; c++) {
		rollup one = {0};
		rollup_fold(&one, 10 + c, 5000, c <= LEADERS_KEEP - 1 ? 1000 : 100, 0);
		CHECK(leaders_maker_put(m, c + 10, &one) == 0);
	}
	finish(m, &l);
	/* 999 at 1000, then customer 9 at 650: the thousandth, with no ties */
	CHECK(!l.complete && l.n == LEADERS_KEEP);
	leaders_free(&l);
	leaders_maker_free(m);
}

static void test_damaged_bytes_are_corrupt(void)
{
	leaders_maker *m = leaders_maker_new(4);
	CHECK(leaders_maker_add(m, 2, 1, 10, 300, 0) == 0);
	CHECK(leaders_maker_add(m, 4, 2, 11, 100, 0) == 0);
	uint8_t *bytes;
	size_t len;
	leaders made = stamp;
	CHECK(leaders_maker_finish(m, &made, &bytes, &len) == 0);
	leaders l;
	for (size_t cut = 0; cut < len; cut++)
		CHECK(leaders_decode(bytes, cut, &l) == TIDE_ECORRUPT);
	bytes[0] ^= 1;
	CHECK(leaders_decode(bytes, len, &l) == TIDE_ECORRUPT);
	free(bytes);
	leaders_maker_free(m);
}

int main(void)
{
	RUN(test_few_customers_are_all_kept);
	RUN(test_many_keep_the_top_and_its_ties);
	RUN(test_a_wrapped_revenue_keeps_none);
	RUN(test_an_update_keeps_everyone_above_the_least);
	RUN(test_complete_leaders_stay_complete_until_too_many);
	RUN(test_damaged_bytes_are_corrupt);
	return run_failed;
}

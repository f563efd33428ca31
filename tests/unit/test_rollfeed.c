/* test_rollfeed.c — orders folded on the feed's thread leave the buffer
 * exactly as folding them in place does, however far the queue wraps; a
 * drained buffer is the caller's, and the feed goes on after it. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "rollfeed.h"
#include "rollwalk.h"

enum { ORDERS = 5 * ROLLFEED_QUEUE + 123 };

static bool same_walks(rollwalk a, rollwalk b)
{
	return a.n == b.n && memcmp(a.key, b.key, a.n * sizeof *a.key) == 0 &&
	       memcmp(a.r, b.r, a.n * sizeof *a.r) == 0;
}

/* How many roll-ups the two buffers hold when they hold the same, else 0. */
static size_t agree(rollup_buf *direct, rollup_buf *fed)
{
	rollwalk a = rollwalk_of(direct), b = rollwalk_of(fed);
	size_t n = same_walks(a, b) ? a.n : 0;
	rollwalk_free(a);
	rollwalk_free(b);
	return n;
}

/* Order i: a customer of 3000, up to three tags with a few values each
 * (value 0, an empty value, now and then), amounts of both signs. */
static int order_pairs(uint32_t i, uint32_t *pairs)
{
	int n = (int)(i % 4);
	for (int t = 0; t < n; t++) {
		pairs[2 * t] = (uint32_t)t + 1;
		pairs[2 * t + 1] = (i * 7 + (uint32_t)t) % 5;
	}
	return n;
}

static int add_order(rollup_buf *direct, rollfeed *f, uint32_t i)
{
	uint32_t pairs[6];
	int n = order_pairs(i, pairs);
	uint32_t customer = (i * 2654435761u) % 3000 + 1;
	int64_t amount = (int64_t)(i % 13) * 100 - 300;
	if (direct)
		return rollup_buf_add(direct, customer, pairs, n, i + 1, 1700000000 + i, amount, amount / 2);
	return rollfeed_add(f, customer, pairs, n, i + 1, 1700000000 + i, amount, amount / 2);
}

static void test_folds_as_in_place(void)
{
	rollup_buf *direct = rollup_buf_new(), *fed = rollup_buf_new();
	rollfeed *f = fed ? rollfeed_start(fed) : NULL;
	CHECK(direct && f);
	if (!direct || !f)
		return;
	for (uint32_t i = 0; i < ORDERS; i++) {
		CHECK(add_order(direct, NULL, i) == 0);
		CHECK(add_order(NULL, f, i) == 0);
		if (i == ORDERS / 2) {
			/* drained mid-way, the buffer is the caller's to read */
			CHECK(rollfeed_drain(f) == 0);
			CHECK(agree(direct, fed) > 0);
		}
	}
	CHECK(rollfeed_drain(f) == 0 && !rollfeed_full(f));
	CHECK(agree(direct, fed) > 3000);
	rollfeed_stop(f);
	rollup_buf_free(direct);
	rollup_buf_free(fed);
}

/* Stopped without a drain, the feed still folds what was queued. */
static void test_stop_folds_the_rest(void)
{
	rollup_buf *direct = rollup_buf_new(), *fed = rollup_buf_new();
	rollfeed *f = fed ? rollfeed_start(fed) : NULL;
	CHECK(direct && f);
	if (!direct || !f)
		return;
	for (uint32_t i = 0; i < ROLLFEED_QUEUE; i++) {
		CHECK(add_order(direct, NULL, i) == 0);
		CHECK(add_order(NULL, f, i) == 0);
	}
	rollfeed_stop(f);
	CHECK(agree(direct, fed) > 0);
	rollup_buf_free(direct);
	rollup_buf_free(fed);
}

int main(void)
{
	RUN(test_folds_as_in_place);
	RUN(test_stop_folds_the_rest);
	return run_failed;
}

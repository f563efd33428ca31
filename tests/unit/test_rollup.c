/* Unit tests of rollup.c: folding orders, merging batches, the stored form
 * and a batch's pending roll-ups in key order. */
#include <stdint.h>

#include "check.h"
#include "rollup.h"

static void test_fold_counts_returns_apart(void)
{
	rollup r = {0};
	rollup_fold(&r, 7, 100, 50, 30);
	rollup_fold(&r, 9, 50, -20, -20);	/* a return: no order, no first/last */
	rollup_fold(&r, 12, 300, 0, -5);	/* amount 0 is an order */
	CHECK(r.events == 3 && r.orders == 2 && r.revenue == 30 && r.margin == 5);
	CHECK(r.first_order == 100 && r.last_order == 300 && r.first_seq == 7 && r.wrapped == 0);
}

static void test_merge_is_folding_in_order(void)
{
	rollup all = {0}, a = {0}, b = {0}, none = {0};
	const int64_t ts[] = {500, 100, 900, 50}, amt[] = {10, -3, 40, 7};
	for (int i = 0; i < 4; i++) {
		rollup_fold(&all, (uint32_t)i + 1, ts[i], amt[i], amt[i] - 1);
		rollup_fold(i < 2 ? &a : &b, (uint32_t)i + 1, ts[i], amt[i], amt[i] - 1);
	}
	rollup_merge(&a, &b);
	CHECK(memcmp(&a, &all, sizeof a) == 0);
	rollup_merge(&none, &all);	/* into nothing: a copy */
	CHECK(memcmp(&none, &all, sizeof a) == 0);
	rollup returns_only = {0};
	rollup_fold(&returns_only, 20, 10, -5, -5);
	rollup_merge(&returns_only, &all);	/* orders only in the later part */
	CHECK(returns_only.first_order == 50 && returns_only.last_order == 900 && returns_only.first_seq == 1);
}

static void test_wrapping_is_remembered(void)
{
	rollup r = {0}, big = {0};
	rollup_fold(&r, 1, 0, INT64_MAX, 0);
	rollup_fold(&r, 2, 0, 1, INT64_MIN);	/* revenue passes the top; margin fits */
	CHECK(r.wrapped == ROLLUP_REVENUE_WRAPPED);
	rollup_fold(&big, 3, 0, 0, INT64_MIN);
	rollup_merge(&big, &r);			/* margin passes the bottom when merged */
	CHECK(big.wrapped == (ROLLUP_REVENUE_WRAPPED | ROLLUP_MARGIN_WRAPPED));
}

static void test_encoding_round_trips(void)
{
	rollup cases[3] = {{0}};
	rollup_fold(&cases[1], 4000000000u, -62135596800, -7, -9);	/* returns only, year 1 */
	rollup_fold(&cases[2], 1, 253402300799, INT64_MAX, INT64_MIN);
	rollup_fold(&cases[2], 2, 0, 5, 5);
	for (int i = 0; i < 3; i++) {
		uint8_t buf[ROLLUP_BYTES];
		rollup back;
		size_t n = rollup_encode(&cases[i], buf);
		CHECK(n <= ROLLUP_BYTES && rollup_decode(buf, n, &back) == 0);
		CHECK(memcmp(&back, &cases[i], sizeof back) == 0);
		CHECK(rollup_decode(buf, n - 1, &back) == -1);	/* cut short */
	}
	uint8_t bad[] = {1, 2, 0, 0, 0, 0, 0};	/* more orders than events */
	rollup back;
	CHECK(rollup_decode(bad, sizeof bad, &back) == -1);
}

typedef struct seen {
	uint32_t key[64][3];
	rollup r[64];
	int n;
} seen;

static int note(void *arg, uint32_t tag, uint32_t value, uint32_t customer, const rollup *delta)
{
	seen *s = arg;
	if (s->n == 64)
		return 1;
	s->key[s->n][0] = tag;
	s->key[s->n][1] = value;
	s->key[s->n][2] = customer;
	s->r[s->n++] = *delta;
	return 0;
}

static void test_buffer_walks_in_key_order(void)
{
	rollup_buf *b = rollup_buf_new();
	CHECK(b != NULL);
	/* order 1: customer 5, tags (9 → 3), (2 → 8); order 2: customer 2,
	 * (9 → 1), (2 → 0: empty, no roll-up); order 3: customer 5 again */
	const uint32_t p1[] = {9, 3, 2, 8}, p2[] = {9, 1, 2, 0}, p3[] = {2, 8};
	CHECK(rollup_buf_add(b, 5, p1, 2, 10, 100, 40, 30) == 0);
	CHECK(rollup_buf_add(b, 2, p2, 2, 11, 200, 15, 15) == 0);
	CHECK(rollup_buf_add(b, 5, p3, 1, 12, 300, -4, -4) == 0);
	seen s = {.n = 0};
	CHECK(rollup_buf_each(b, note, &s) == 0);
	static const uint32_t want[][3] = {{0, 0, 2}, {0, 0, 5}, {2, 8, 5}, {9, 1, 2}, {9, 3, 5}};
	CHECK(s.n == 5);
	for (int i = 0; i < s.n && i < 5; i++)
		CHECK(memcmp(s.key[i], want[i], sizeof want[i]) == 0);
	CHECK(s.r[1].events == 2 && s.r[1].orders == 1 && s.r[1].revenue == 36 && s.r[1].first_seq == 10);
	CHECK(s.r[2].events == 2 && s.r[2].revenue == 36);
	CHECK(s.r[4].events == 1 && s.r[4].revenue == 40);
	const uint32_t(*pairs)[2];
	CHECK(rollup_buf_pairs(b, &pairs) == 3);
	rollup_buf_clear(b);
	s.n = 0;
	CHECK(rollup_buf_each(b, note, &s) == 0 && s.n == 0);
	rollup_buf_free(b);
}

static int count_and_check(void *arg, uint32_t tag, uint32_t value, uint32_t customer, const rollup *delta)
{
	uint64_t *st = arg;	/* count, the last key, whether anything was wrong */
	uint64_t key = (uint64_t)tag << 40 | (uint64_t)value << 32 | customer;
	if (st[0]++ && key <= st[1])
		st[2] = 1;
	st[1] = key;
	if (delta->events != 2)
		st[2] = 1;
	return 0;
}

static void test_many_roll_ups_grow_and_sort(void)
{
	rollup_buf *b = rollup_buf_new();
	/* 50,000 customers, three tags of up to 7 values, two orders each */
	for (uint32_t round = 0; round < 2; round++)
		for (uint32_t c = 50000; c >= 1; c--) {
			uint32_t pairs[6] = {30, c % 7 + 1, 20, c % 3 + 1, 10, c % 5 + 1};
			CHECK(rollup_buf_add(b, c, pairs, 3, round * 50000 + c, c, 1, 1) == 0);
		}
	uint64_t st[3] = {0, 0, 0};
	CHECK(rollup_buf_each(b, count_and_check, st) == 0);
	CHECK(st[0] == 4 * 50000 && st[2] == 0);
	CHECK(!rollup_buf_full(b));
	rollup_buf_free(b);
}

int main(void)
{
	RUN(test_fold_counts_returns_apart);
	RUN(test_merge_is_folding_in_order);
	RUN(test_wrapping_is_remembered);
	RUN(test_encoding_round_trips);
	RUN(test_buffer_walks_in_key_order);
	RUN(test_many_roll_ups_grow_and_sort);
	return run_failed;
}

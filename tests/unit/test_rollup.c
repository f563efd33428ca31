/* Unit tests of rollup.c: folding orders, merging batches, the stored form
 * and a batch's pending roll-ups in key order. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "rollup.h"
#include "rollwalk.h"

/* The buffer tests run twice: with lines by customer id, and with the
 * sparse lines a batch of few orders into many customers gets. */
static bool sparse;

static rollup_buf *new_buf(void)
{
	rollup_buf *b = rollup_buf_new();
	CHECK(b != NULL);
	if (b)
		rollup_buf_expect(b, 1, sparse ? UINT32_MAX : 0);
	return b;
}

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

/* The stored form and the packed form a spill's run holds. */
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
		uint8_t packed[ROLLUP_PACKED];
		rollup_pack(&cases[i], packed);
		rollup_unpack(packed, &back);
		CHECK(memcmp(&back, &cases[i], sizeof back) == 0);
	}
	uint8_t bad[] = {1, 2, 0, 0, 0, 0, 0};	/* more orders than events */
	rollup back;
	CHECK(rollup_decode(bad, sizeof bad, &back) == -1);
}

static void test_buffer_walks_in_key_order(void)
{
	rollup_buf *b = new_buf();
	CHECK(b != NULL);
	/* order 1: customer 5, tags (9 → 3), (2 → 8); order 2: customer 2,
	 * (9 → 1), (2 → 0: empty, no roll-up); order 3: customer 5 again */
	const uint32_t p1[] = {9, 3, 2, 8}, p2[] = {9, 1, 2, 0}, p3[] = {2, 8};
	CHECK(rollup_buf_add(b, 5, p1, 2, 10, 100, 40, 30) == 0);
	CHECK(rollup_buf_add(b, 2, p2, 2, 11, 200, 15, 15) == 0);
	CHECK(rollup_buf_add(b, 5, p3, 1, 12, 300, -4, -4) == 0);
	rollwalk s = rollwalk_of(b);
	static const uint32_t want[][3] = {{0, 0, 2}, {0, 0, 5}, {2, 8, 5}, {9, 1, 2}, {9, 3, 5}};
	CHECK(s.n == 5);
	for (size_t i = 0; i < s.n && i < 5; i++)
		CHECK(memcmp(s.key[i], want[i], sizeof want[i]) == 0);
	CHECK(s.r[1].events == 2 && s.r[1].orders == 1 && s.r[1].revenue == 36 && s.r[1].first_seq == 10);
	CHECK(s.r[2].events == 2 && s.r[2].revenue == 36);
	CHECK(s.r[4].events == 1 && s.r[4].revenue == 40);
	const uint32_t(*pairs)[2];
	CHECK(rollup_buf_pairs(b, &pairs) == 3);
	rollwalk_free(s);
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
	rollup_buf *b = new_buf();
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

/* ---- the pending roll-ups against folding each key's orders by hand ---- */

enum { ORDERS = 3000, CUSTOMERS = 60, NAMES = 6, VALUES = 4 };

typedef struct order_in {
	uint32_t customer, pairs[2 * NAMES];
	int npairs;
	int64_t ts, amount;
} order_in;

static uint64_t rng = 88172645463325252u;

static uint32_t draw(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

static bool same_rollup(const rollup *a, const rollup *b)
{
	return a->revenue == b->revenue && a->margin == b->margin && a->orders == b->orders &&
	       a->events == b->events && a->first_seq == b->first_seq && a->wrapped == b->wrapped &&
	       (a->orders == 0 || (a->first_order == b->first_order && a->last_order == b->last_order));
}

/* Folds by hand the orders [from, to) that carry key (tag, value; tag 0:
 * every order of the customer). */
static rollup by_hand(const order_in *o, int from, int to, uint32_t tag, uint32_t value, uint32_t customer)
{
	rollup r = {0};
	for (int i = from; i < to; i++) {
		bool carries = tag == 0;
		for (int p = 0; !carries && p < o[i].npairs; p++)
			carries = o[i].pairs[2 * p] == tag && o[i].pairs[2 * p + 1] == value;
		if (o[i].customer == customer && carries)
			rollup_fold(&r, (uint32_t)i + 1, o[i].ts, o[i].amount, o[i].amount / 2);
	}
	return r;
}

static bool key_before(const uint32_t a[3], const uint32_t b[3])
{
	for (int i = 0; i < 3; i++)
		if (a[i] != b[i])
			return a[i] < b[i];
	return false;
}

/* Every key the walk gives, in strictly rising key order, holds exactly the
 * fold of that key's orders, and every key some order carries is given. */
static void check_walk(rollup_buf *b, const order_in *o, int from, int to)
{
	rollwalk w = rollwalk_of(b);
	size_t expected = 0;
	for (uint32_t c = 1; c <= CUSTOMERS; c++)
		for (uint32_t tag = 0; tag <= NAMES * 10; tag += 10)
			for (uint32_t v = tag ? 1 : 0; v <= (tag ? VALUES : 0); v++)
				expected += by_hand(o, from, to, tag, v, c).events > 0;
	CHECK(w.n == expected);
	int bad = 0;
	for (size_t i = 0; i < w.n; i++) {
		if (i && !key_before(w.key[i - 1], w.key[i]))
			bad++;
		rollup want = by_hand(o, from, to, w.key[i][0], w.key[i][1], w.key[i][2]);
		bad += !same_rollup(&w.r[i], &want);
	}
	CHECK(bad == 0);
	rollwalk_free(w);
}

/* Customers mostly keep one value of each tag and sometimes change it,
 * drop it or take it up; six tag names, more than are tracked; the order
 * of the names changes from order to order. */
static void make_orders(order_in *o)
{
	uint32_t home[CUSTOMERS + 1][NAMES];
	for (int c = 1; c <= CUSTOMERS; c++)
		for (int t = 0; t < NAMES; t++)
			home[c][t] = 1 + draw(VALUES);
	for (int i = 0; i < ORDERS; i++) {
		order_in *x = &o[i];
		x->customer = 1 + draw(CUSTOMERS);
		x->ts = 1000 + i - (int64_t)draw(50);
		x->amount = (int64_t)draw(1000) - 100;
		x->npairs = 0;
		int first = (int)draw(NAMES);
		for (int j = 0; j < NAMES; j++) {
			int t = (first + j) % NAMES;
			uint32_t roll = draw(100);
			if (roll < 10)
				continue;	/* the tag is missing */
			uint32_t value = roll < 15 ? 0 : roll < 22 ? 1 + draw(VALUES) : home[x->customer][t];
			x->pairs[2 * x->npairs] = 10 * (uint32_t)(t + 1);
			x->pairs[2 * x->npairs + 1] = value;
			x->npairs++;
		}
	}
}

static int add_order(rollup_buf *b, const order_in *o, int i)
{
	return rollup_buf_add(b, o[i].customer, o[i].pairs, o[i].npairs, (uint32_t)i + 1, o[i].ts, o[i].amount,
			      o[i].amount / 2);
}

/* Twice, as two batches, each with its own buffer as the store has. */
static void test_pending_equal_folding_by_hand(void)
{
	static order_in o[ORDERS];
	make_orders(o);
	for (int half = 0; half < 2; half++) {
		rollup_buf *b = new_buf();
		CHECK(b != NULL);
		int from = half * ORDERS / 2, to = from + ORDERS / 2;
		for (int i = from; i < to; i++)
			CHECK(add_order(b, o, i) == 0);
		check_walk(b, o, from, to);
		rollup_buf_free(b);
	}
}

/* What the spills and the last walk give, each key's deltas merged in the
 * order given, as the store adds them to its records. */
typedef struct sums {
	uint32_t key[CUSTOMERS * (1 + NAMES * VALUES)][3];
	rollup r[CUSTOMERS * (1 + NAMES * VALUES)];
	size_t n;
	bool spilled_customer, overflow;
} sums;

static int add_delta(void *arg, uint32_t tag, uint32_t value, uint32_t customer, const rollup *delta)
{
	sums *s = arg;
	uint32_t key[3] = {tag, value, customer};
	size_t i = 0;
	while (i < s->n && memcmp(s->key[i], key, sizeof key) != 0)
		i++;
	if (i == s->n) {
		if (s->n == sizeof s->r / sizeof *s->r) {
			s->overflow = true;
			return 1;
		}
		memcpy(s->key[s->n], key, sizeof key);
		s->r[s->n++] = (rollup){0};
	}
	rollup_merge(&s->r[i], delta);
	return 0;
}

static int note_spill(void *arg, uint32_t tag, uint32_t value, uint32_t customer, const rollup *delta)
{
	sums *s = arg;
	s->spilled_customer |= tag == 0;
	return add_delta(arg, tag, value, customer, delta);
}

/* Spills every few hundred orders, then the last walk: each key's deltas
 * add up to the fold of all its orders, and a spill gives no customer's own
 * roll-up.  Spills leave the buffer's slots empty. */
static void test_spills_add_up(void)
{
	static order_in o[ORDERS];
	make_orders(o);
	rollup_buf *b = new_buf();
	static sums s;
	memset(&s, 0, sizeof s);	/* static for its size, and run once per pass */
	CHECK(b != NULL);
	for (int i = 0; i < ORDERS; i++) {
		CHECK(add_order(b, o, i) == 0);
		if (i % 377 == 376)
			CHECK(rollup_buf_spill(b, note_spill, &s) == 0);
	}
	CHECK(s.n > 0 && !s.spilled_customer);
	CHECK(rollup_buf_each(b, add_delta, &s) == 0 && !s.overflow);
	size_t expected = 0;
	for (uint32_t c = 1; c <= CUSTOMERS; c++)
		for (uint32_t tag = 0; tag <= NAMES * 10; tag += 10)
			for (uint32_t v = tag ? 1 : 0; v <= (tag ? VALUES : 0); v++)
				expected += by_hand(o, 0, ORDERS, tag, v, c).events > 0;
	CHECK(s.n == expected);
	int bad = 0;
	for (size_t i = 0; i < s.n; i++) {
		rollup want = by_hand(o, 0, ORDERS, s.key[i][0], s.key[i][1], s.key[i][2]);
		bad += !same_rollup(&s.r[i], &want);
	}
	CHECK(bad == 0);
	rollup_buf_free(b);
}

int main(void)
{
	RUN(test_fold_counts_returns_apart);
	RUN(test_merge_is_folding_in_order);
	RUN(test_wrapping_is_remembered);
	RUN(test_encoding_round_trips);
	for (int pass = 0; pass < 2; pass++) {
		sparse = pass;
		RUN(test_buffer_walks_in_key_order);
		RUN(test_many_roll_ups_grow_and_sort);
		RUN(test_pending_equal_folding_by_hand);
		RUN(test_spills_add_up);
	}
	return run_failed;
}

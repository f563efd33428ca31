/* Unit tests of colblock.c: every width round-trips, blocks fill by bytes
 * and by count, and bytes that are not a block are refused. */
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "colblock.h"

static colblock built, got;

static void add_all(colblock *b, uint32_t n, int64_t ts_step, int64_t amount_step)
{
	colblock_reset(b);
	for (uint32_t i = 0; i < n; i++)
		CHECK(colblock_add(b, 1000 + 3 * i, INT64_C(1700000000) + ts_step * i, 7 + i % 5,
				   -50 + amount_step * i, i % 3 == 0, (int64_t)i * 11));
}

static bool same(const colblock *a, const colblock *b)
{
	if (a->n != b->n)
		return false;
	for (uint32_t i = 0; i < a->n; i++) {
		for (int c = 0; c < CB_NCOLS; c++)
			if (a->col[c][i] != b->col[c][i])
				return false;
		if (a->has_cost[i] != b->has_cost[i])
			return false;
	}
	return true;
}

static size_t round_trip(const colblock *b)
{
	static uint8_t bytes[COLBLOCK_BYTES];
	size_t n = colblock_encode(b, bytes);
	CHECK(n <= COLBLOCK_BYTES);
	CHECK(colblock_decode(bytes, n, &got));
	CHECK(same(b, &got));
	return n;
}

static void test_widths_round_trip(void)
{
	/* amount steps that need 1, 2, 4 and 8 bytes; a time that never moves */
	const int64_t steps[] = {0, 1, 300, 100000, INT64_C(1) << 40};
	for (size_t k = 0; k < sizeof steps / sizeof *steps; k++) {
		add_all(&built, 40, 0, steps[k]);
		round_trip(&built);
	}
	/* the extremes, whose difference only fits unsigned */
	colblock_reset(&built);
	CHECK(colblock_add(&built, 1, INT64_MIN, 0, INT64_MIN, true, INT64_MAX));
	CHECK(colblock_add(&built, UINT32_MAX, INT64_MAX, UINT32_MAX, INT64_MAX, true, INT64_MIN));
	CHECK(colblock_add(&built, 2, 0, 1, 0, false, 12345));	/* no cost: stored as 0 */
	round_trip(&built);
	CHECK(got.col[CB_COST][2] == 0 && !got.has_cost[2] && got.has_cost[1]);
	colblock_reset(&built);
	round_trip(&built);	/* empty */
}

static void test_fills_by_bytes_and_count(void)
{
	/* wide values: the block is full once one more would pass the bytes */
	colblock_reset(&built);
	uint32_t n = 0;
	while (colblock_add(&built, (uint64_t)n << 40, (int64_t)n << 40, n * 65536u, (int64_t)n << 40, true,
			    (int64_t)n << 40))
		n++;
	CHECK(n > 50 && n < COLBLOCK_EVENTS);
	CHECK(round_trip(&built) > COLBLOCK_BYTES - 40);
	CHECK(built.n == n);	/* the refused order left it as it was */
	/* values that never change take no bytes: the count is the limit */
	colblock_reset(&built);
	n = 0;
	while (colblock_add(&built, 5, 6, 7, 8, false, 0))
		n++;
	CHECK(n == COLBLOCK_EVENTS);
	round_trip(&built);
}

static void test_resumed_block_extends_as_built(void)
{
	static uint8_t want[COLBLOCK_BYTES], have[COLBLOCK_BYTES];
	add_all(&built, 40, 90, -7);
	size_t n = colblock_encode(&built, want);
	CHECK(colblock_decode(want, n, &got));
	colblock_resume(&got);
	/* one order inside every column's range, one past it (wider widths) */
	CHECK(colblock_add(&built, 1100, INT64_C(1700000100), 8, -60, true, 5));
	CHECK(colblock_add(&got, 1100, INT64_C(1700000100), 8, -60, true, 5));
	CHECK(colblock_add(&built, 90000, INT64_C(1800000000), 70000, 1 << 20, false, 0));
	CHECK(colblock_add(&got, 90000, INT64_C(1800000000), 70000, 1 << 20, false, 0));
	n = colblock_encode(&built, want);
	CHECK(colblock_encode(&got, have) == n && memcmp(want, have, n) == 0);
	/* and refuses, as the built one does, what would make it too long */
	uint32_t more = 0;
	while (colblock_add(&built, 90001 + more, 0, 0, INT64_MIN + more, true, INT64_MAX))
		more++;
	for (uint32_t i = 0; i < more; i++)
		CHECK(colblock_add(&got, 90001 + i, 0, 0, INT64_MIN + i, true, INT64_MAX));
	CHECK(!colblock_add(&got, 90001 + more, 0, 0, INT64_MIN + more, true, INT64_MAX));
}

static void test_refuses_what_is_not_a_block(void)
{
	static uint8_t bytes[COLBLOCK_BYTES];
	add_all(&built, 30, 7, 1000);
	size_t n = colblock_encode(&built, bytes);
	CHECK(colblock_decode(bytes, n, &got));
	for (size_t cut = 0; cut < n; cut++)
		CHECK(!colblock_decode(bytes, cut, &got));
	bytes[n] = 0;
	CHECK(!colblock_decode(bytes, n + 1, &got));	/* a byte too many */
	size_t width_at = 2 + (30 + 7) / 8 + 8;	/* the seq column's width */
	CHECK(bytes[width_at] == 1);
	bytes[width_at] = 3;
	CHECK(!colblock_decode(bytes, n, &got));
	bytes[width_at] = 1;
	bytes[0] = 0xff;
	bytes[1] = 0xff;	/* more orders than a block holds */
	CHECK(!colblock_decode(bytes, n, &got));
}

/* Well-formed, but longer than one page: no block tide writes, and one that
 * colblock_add could not keep within COLBLOCK_BYTES once resumed. */
static void test_refuses_an_overlong_block(void)
{
	enum { N = 600, WIDTH = 2 };
	static uint8_t bytes[2 + (N + 7) / 8 + CB_NCOLS * (9 + N * WIDTH)];
	bytes[0] = N & 0xff;
	bytes[1] = N >> 8;
	for (int c = 0; c < CB_NCOLS; c++)
		bytes[2 + (N + 7) / 8 + c * (9 + N * WIDTH) + 8] = WIDTH;
	CHECK(sizeof bytes > COLBLOCK_BYTES);
	CHECK(!colblock_decode(bytes, sizeof bytes, &got));
}

int main(void)
{
	RUN(test_widths_round_trip);
	RUN(test_fills_by_bytes_and_count);
	RUN(test_resumed_block_extends_as_built);
	RUN(test_refuses_what_is_not_a_block);
	RUN(test_refuses_an_overlong_block);
	return run_failed;
}

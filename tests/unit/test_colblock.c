/* Unit tests of colblock.c: every width round-trips, blocks fill by bytes,
 * by count and by tag columns, tags come back as the log writes them, and
 * bytes that are not a block are refused. */
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "colblock.h"
#include "varint.h"

static colblock built, got;

static bool add(colblock *b, uint64_t seq, int64_t ts, uint32_t customer, int64_t amount, bool has_cost,
		int64_t cost)
{
	colblock_order o = {seq, ts, customer, amount, has_cost, cost, 0, NULL};
	return colblock_add(b, &o);
}

static bool add_tagged(colblock *b, uint64_t seq, uint32_t ntags, const uint32_t *tags)
{
	colblock_order o = {seq, 1700000000, 3, 100, false, 0, ntags, tags};
	return colblock_add(b, &o);
}

static void add_all(colblock *b, uint32_t n, int64_t ts_step, int64_t amount_step)
{
	colblock_reset(b);
	for (uint32_t i = 0; i < n; i++)
		CHECK(add(b, 1000 + 3 * i, INT64_C(1700000000) + ts_step * i, 7 + i % 5,
		  -50 + amount_step * i, i % 3 == 0, (int64_t)i * 11));
}

static bool same(const colblock *a, const colblock *b)
{
	if (a->n != b->n || a->ntags != b->ntags)
		return false;
	for (uint32_t t = 0; t < a->ntags; t++)
		if (a->tag_name[t] != b->tag_name[t])
			return false;
	for (uint32_t i = 0; i < a->n; i++) {
		for (uint32_t c = 0; c < CB_NCOLS + a->ntags; c++)
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

/* The width byte of head column c in an encoded block of n orders. */
static int width_in(const uint8_t *bytes, uint32_t n, int c)
{
	size_t at = 2 + (n + 7) / 8;
	for (int k = 0; k < c; k++)
		at += 9 + (size_t)n * bytes[at + 8];
	return bytes[at + 8];
}

static void test_widths_round_trip(void)
{
	/* amount steps over 40 orders that need every width from 0 to 8
	 * bytes; a time that never moves */
	const int64_t steps[] = {0,
				 1,
				 300,
				 100000,
				 INT64_C(1) << 20,
				 INT64_C(1) << 30,
				 INT64_C(1) << 38,
				 INT64_C(1) << 46,
				 INT64_C(1) << 57};
	static uint8_t bytes[COLBLOCK_BYTES];
	for (int k = 0; k < (int)(sizeof steps / sizeof *steps); k++) {
		add_all(&built, 40, 0, steps[k]);
		round_trip(&built);
		colblock_encode(&built, bytes);
		CHECK(width_in(bytes, 40, CB_AMOUNT) == k);
	}
	/* the extremes, whose difference only fits unsigned */
	colblock_reset(&built);
	CHECK(add(&built, 1, INT64_MIN, 0, INT64_MIN, true, INT64_MAX));
	CHECK(add(&built, UINT32_MAX, INT64_MAX, UINT32_MAX, INT64_MAX, true, INT64_MIN));
	CHECK(add(&built, 2, 0, 1, 0, false, 12345));	/* no cost: stored as 0 */
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
	while (add(&built, (uint64_t)n << 40, (int64_t)n << 40, n * 65536u, (int64_t)n << 40, true,
			    (int64_t)n << 40))
		n++;
	CHECK(n > 50 && n < COLBLOCK_EVENTS);
	CHECK(round_trip(&built) > COLBLOCK_BYTES - 40);
	CHECK(built.n == n);	/* the refused order left it as it was */
	/* values that never change take no bytes: the count is the limit */
	colblock_reset(&built);
	n = 0;
	while (add(&built, 5, 6, 7, 8, false, 0))
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
	CHECK(add(&built, 1100, INT64_C(1700000100), 8, -60, true, 5));
	CHECK(add(&got, 1100, INT64_C(1700000100), 8, -60, true, 5));
	CHECK(add(&built, 90000, INT64_C(1800000000), 70000, 1 << 20, false, 0));
	CHECK(add(&got, 90000, INT64_C(1800000000), 70000, 1 << 20, false, 0));
	n = colblock_encode(&built, want);
	CHECK(colblock_encode(&got, have) == n && memcmp(want, have, n) == 0);
	/* and refuses, as the built one does, what would make it too long */
	uint32_t more = 0;
	while (add(&built, 90001 + more, 0, 0, INT64_MIN + more, true, INT64_MAX))
		more++;
	for (uint32_t i = 0; i < more; i++)
		CHECK(add(&got, 90001 + i, 0, 0, INT64_MIN + i, true, INT64_MAX));
	CHECK(!add(&got, 90001 + more, 0, 0, INT64_MIN + more, true, INT64_MAX));
}

/* A few orders of region/rep/channel-like tags (names 40, 41, 42): the
 * third tag appears from the fourth order on, the first is missing from
 * the sixth. */
static void add_tagged_all(colblock *b, uint32_t n)
{
	colblock_reset(b);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t tags[] = {40, i == 5 ? 0 : 7 + i % 4, 41, 300 + i % 40, 42, 9};
		CHECK(add_tagged(b, 500 + i, i < 3 ? 2 : 3, tags));
	}
}

static void test_tags_round_trip(void)
{
	add_tagged_all(&built, 30);
	CHECK(built.ntags == 3);
	CHECK(built.tag_name[0] == 40 && built.tag_name[1] == 41 && built.tag_name[2] == 42);
	round_trip(&built);
	/* the column that appeared late holds 0 (no tag) before it */
	CHECK(got.col[CB_NCOLS + 2][2] == 0 && got.col[CB_NCOLS + 2][3] == 9);
	CHECK(got.col[CB_NCOLS][5] == 0 && got.col[CB_NCOLS][6] == 9);
	/* each order's tags as the log writes them, without the missing ones */
	uint8_t want[COLBLOCK_TAG_BYTES], have[COLBLOCK_TAG_BYTES];
	for (uint32_t i = 0; i < 30; i++) {
		size_t len = 0;
		uint32_t ntags = 0, pairs[] = {40, i == 5 ? 0 : 7 + i % 4, 41, 300 + i % 40, 42, i < 3 ? 0 : 9};
		for (int k = 0; k < 3; k++)
			if (pairs[2 * k + 1]) {
				len += varint_put(want + len, pairs[2 * k]);
				len += varint_put(want + len, pairs[2 * k + 1]);
				ntags++;
			}
		uint32_t got_ntags;
		CHECK(colblock_tags_of(&got, i, have, &got_ntags) == len && memcmp(want, have, len) == 0);
		CHECK(got_ntags == ntags);
	}
	/* a scan that reads no tag skips their columns; one that reads some
	 * gets those, in the block's order */
	static uint8_t bytes[COLBLOCK_BYTES];
	size_t n = colblock_encode(&built, bytes);
	static colblock some;
	CHECK(colblock_decode_tags(bytes, n, NULL, 0, &some));
	CHECK(some.ntags == 0 && some.n == 30 && some.col[CB_SEQ][29] == 529);
	const uint32_t names[] = {42, 77, 40};	/* 77: a tag the block does not have */
	CHECK(colblock_decode_tags(bytes, n, names, 3, &some));
	CHECK(some.ntags == 2 && some.tag_name[0] == 40 && some.tag_name[1] == 42);
	for (uint32_t i = 0; i < 30; i++)
		CHECK(some.col[CB_NCOLS][i] == got.col[CB_NCOLS][i] &&
		      some.col[CB_NCOLS + 1][i] == got.col[CB_NCOLS + 2][i]);
}

static void test_fills_by_tag_columns(void)
{
	/* every order names a tag of its own: the block holds COLBLOCK_TAGS */
	colblock_reset(&built);
	uint32_t n = 0, tags[2];
	for (;; n++) {
		tags[0] = 1000 + n;
		tags[1] = 1;
		if (!add_tagged(&built, n, 1, tags))
			break;
	}
	CHECK(n == COLBLOCK_TAGS && built.n == n && built.ntags == COLBLOCK_TAGS);
	/* names it has still fit; a value of 0 needs no column */
	tags[0] = 1000;
	CHECK(add_tagged(&built, n, 1, tags));
	tags[0] = 5000;
	tags[1] = 0;
	CHECK(add_tagged(&built, n + 1, 1, tags));
	CHECK(built.ntags == COLBLOCK_TAGS);
	round_trip(&built);
	/* an order with every tag it may have fits an empty block */
	uint32_t all[2 * COLBLOCK_TAGS];
	for (uint32_t t = 0; t < COLBLOCK_TAGS; t++) {
		all[2 * t] = 2000 + t;
		all[2 * t + 1] = UINT32_MAX - t;
	}
	colblock_reset(&built);
	CHECK(add_tagged(&built, 1, COLBLOCK_TAGS, all));
	round_trip(&built);
}

static void test_resumed_block_extends_tags_as_built(void)
{
	static uint8_t want[COLBLOCK_BYTES], have[COLBLOCK_BYTES];
	add_tagged_all(&built, 20);
	size_t n = colblock_encode(&built, want);
	CHECK(colblock_decode(want, n, &got));
	colblock_resume(&got);
	/* a value past a column's range, and a tag new to the block */
	uint32_t tags[] = {41, 70000, 43, 5};
	CHECK(add_tagged(&built, 600, 2, tags));
	CHECK(add_tagged(&got, 600, 2, tags));
	n = colblock_encode(&built, want);
	CHECK(colblock_encode(&got, have) == n && memcmp(want, have, n) == 0);
}

static void test_refuses_what_is_not_a_block(void)
{
	static uint8_t bytes[COLBLOCK_BYTES];
	add_tagged_all(&built, 30);
	size_t n = colblock_encode(&built, bytes);
	CHECK(colblock_decode_tags(bytes, n, NULL, 0, &got));
	CHECK(colblock_decode(bytes, n, &got));
	for (size_t cut = 0; cut < n; cut++) {
		CHECK(!colblock_decode(bytes, cut, &got));
		CHECK(!colblock_decode_tags(bytes, cut, NULL, 0, &got));
	}
	bytes[n] = 0;
	CHECK(!colblock_decode(bytes, n + 1, &got));	/* a byte too many */
	size_t width_at = 2 + (30 + 7) / 8 + 8;	/* the seq column's width */
	CHECK(bytes[width_at] == 1);
	bytes[width_at] = 9;
	CHECK(!colblock_decode(bytes, n, &got));
	bytes[width_at] = 1;
	size_t ntags_at = 2 + (30 + 7) / 8 + 9 + 30;	/* after seq (1 byte each) and ts, ... */
	for (int c = 1; c < CB_NCOLS; c++)
		ntags_at += 9 + 30 * (size_t)bytes[ntags_at + 8];
	CHECK(bytes[ntags_at] == 3);
	bytes[ntags_at] = COLBLOCK_TAGS + 1;	/* more tag columns than a block holds */
	CHECK(!colblock_decode_tags(bytes, n, NULL, 0, &got));
	bytes[ntags_at] = 3;
	CHECK(colblock_decode(bytes, n, &got));
	bytes[0] = 0xff;
	bytes[1] = 0xff;	/* more orders than a block holds */
	CHECK(!colblock_decode(bytes, n, &got));
}

/* Well-formed, but longer than one page: no block tide writes, and one that
 * colblock_add could not keep within COLBLOCK_BYTES once resumed. */
static void test_refuses_an_overlong_block(void)
{
	enum { N = 600, WIDTH = 2 };
	static uint8_t bytes[2 + (N + 7) / 8 + CB_NCOLS * (9 + N * WIDTH) + 1];	/* no tags */
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
	RUN(test_tags_round_trip);
	RUN(test_fills_by_tag_columns);
	RUN(test_resumed_block_extends_tags_as_built);
	RUN(test_refuses_what_is_not_a_block);
	RUN(test_refuses_an_overlong_block);
	return run_failed;
}

/* Unit tests of idbuf.c: the pending dedupe entries of a batch. */
#include "check.h"
#include "idbuf.h"

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= UINT64_C(0xff51afd7ed558ccd);
	x ^= x >> 33;
	return x | 1;
}

static void test_put_get_grow(void)
{
	idbuf *b = idbuf_new();
	CHECK(b != NULL);
	uint32_t seq;
	CHECK(idbuf_get(b, 42, &seq) == 0);
	for (uint32_t i = 1; i <= 200000; i++)	/* several doublings */
		CHECK(idbuf_put(b, mix(i), i) == 0);
	CHECK(idbuf_count(b) == 200000);
	CHECK(idbuf_get(b, mix(777), &seq) == 1 && seq == 777);
	CHECK(idbuf_get(b, mix(200001), &seq) == 0);
	idbuf_free(b);
}

static void test_sort_and_clear(void)
{
	idbuf *b = idbuf_new();
	for (uint32_t i = 1; i <= 1000; i++)
		CHECK(idbuf_put(b, mix(i), i) == 0);
	size_t n;
	CHECK(idbuf_sort(b, &n) == 0 && n == 1000);
	uint64_t prev = 0, h;
	uint32_t seq;
	int ordered = 1;
	for (size_t i = 0; i < n; i++) {
		idbuf_at(b, i, &h, &seq);
		ordered &= h > prev && h == mix(seq);
		prev = h;
	}
	CHECK(ordered);
	idbuf_clear(b);
	CHECK(idbuf_count(b) == 0 && idbuf_get(b, mix(5), &seq) == 0);
	CHECK(idbuf_put(b, mix(5), 9) == 0 && idbuf_get(b, mix(5), &seq) == 1 && seq == 9);
	idbuf_free(b);
}

/* Hashes whose home is the last slot wrap around to the first slots; they
 * must still come out last. */
static void test_sort_with_wrapped_cluster(void)
{
	idbuf *b = idbuf_new();
	for (uint32_t i = 1; i <= 40; i++)
		CHECK(idbuf_put(b, UINT64_MAX - i, i) == 0);
	for (uint32_t i = 1; i <= 40; i++)
		CHECK(idbuf_put(b, i, 100 + i) == 0);
	uint32_t seq;
	CHECK(idbuf_get(b, UINT64_MAX - 40, &seq) == 1 && seq == 40);
	size_t n;
	CHECK(idbuf_sort(b, &n) == 0 && n == 80);
	uint64_t prev = 0, h;
	int ordered = 1;
	for (size_t i = 0; i < n; i++) {
		idbuf_at(b, i, &h, &seq);
		ordered &= h > prev;
		prev = h;
	}
	CHECK(ordered && prev == UINT64_MAX - 1);
	idbuf_free(b);
}

/* Room made before and after entries are in: every entry is still found
 * with its sequence, nothing new is, and the entries still sort. */
static void test_reserve(void)
{
	idbuf *b = idbuf_new();
	CHECK(idbuf_reserve(b, 0) == 0);
	uint32_t seq;
	CHECK(idbuf_get(b, 7, &seq) == 0);
	CHECK(idbuf_reserve(b, 1000) == 0);
	for (uint32_t i = 1; i <= 1000; i++)
		CHECK(idbuf_put(b, (uint64_t)i * UINT64_C(0x9E3779B97F4A7C15), i) == 0);
	CHECK(idbuf_reserve(b, 10) == 0);		/* smaller: nothing to do */
	CHECK(idbuf_reserve(b, 300000) == 0);	/* moves every entry */
	int all = 1;
	for (uint32_t i = 1; i <= 1000; i++)
		all &= idbuf_get(b, (uint64_t)i * UINT64_C(0x9E3779B97F4A7C15), &seq) == 1 && seq == i;
	CHECK(all);
	CHECK(idbuf_get(b, 1001 * UINT64_C(0x9E3779B97F4A7C15), &seq) == 0);
	CHECK(idbuf_count(b) == 1000);
	size_t n;
	CHECK(idbuf_sort(b, &n) == 0 && n == 1000);
	idbuf_free(b);
}

int main(void)
{
	RUN(test_put_get_grow);
	RUN(test_sort_and_clear);
	RUN(test_sort_with_wrapped_cluster);
	RUN(test_reserve);
	return run_failed;
}

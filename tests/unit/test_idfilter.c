/* Unit tests of idfilter.c: the Bloom filter of id hashes a batch flushed. */
#include "check.h"
#include "idfilter.h"

#include <xxhash.h>

static uint64_t hash_of(uint32_t i)
{
	return XXH3_64bits(&i, sizeof i);
}

/* Every hash added is held, and at capacity few others seem to be. */
static void test_no_false_negatives_few_false_positives(void)
{
	enum { N = 1000000 };
	idfilter *f = idfilter_new(N);
	CHECK(f != NULL && idfilter_capacity(f) >= N);
	for (uint32_t i = 0; i < N; i++)
		idfilter_add(f, hash_of(i));
	size_t missed = 0, false_positives = 0;
	for (uint32_t i = 0; i < N; i++)
		missed += !idfilter_may_hold(f, hash_of(i));
	for (uint32_t i = N; i < 2 * N; i++)
		false_positives += idfilter_may_hold(f, hash_of(i));
	CHECK(missed == 0);
	/* about 1.1% for three bits in 512-bit blocks at 12 bits per hash */
	CHECK(false_positives > N / 400 && false_positives < N / 40);
	idfilter_free(f);
}

/* Capacity is not rounded to a power of two: memory follows what was
 * asked for. */
static void test_capacity_as_asked(void)
{
	idfilter *f = idfilter_new(3000000);
	CHECK(f != NULL && idfilter_capacity(f) >= 3000000 && idfilter_capacity(f) < 3000100);
	idfilter_free(f);
	f = idfilter_new(0);
	CHECK(f != NULL && idfilter_capacity(f) > 0);
	CHECK(!idfilter_may_hold(f, 12345));
	idfilter_add(f, 12345);
	CHECK(idfilter_may_hold(f, 12345));
	idfilter_free(f);
}

int main(void)
{
	RUN(test_no_false_negatives_few_false_positives);
	RUN(test_capacity_as_asked);
	return run_failed;
}

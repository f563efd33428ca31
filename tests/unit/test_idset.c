/* Unit tests of idset.c: count(DISTINCT) over interned ids, as a hash table
 * and as a bitmap. */
#include <stdbool.h>
#include <stdlib.h>

#include "check.h"
#include "idset.h"

/* Adds n ids drawn by next() and checks the count against a plain array. */
static void check_against_array(uint32_t max_id, size_t n, uint32_t (*next)(uint32_t, size_t))
{
	idset *s = idset_new();
	bool *seen = calloc((size_t)max_id + 1, sizeof *seen);
	CHECK(s != NULL && seen != NULL);
	size_t want = 0;
	bool same = true;
	for (size_t i = 0; i < n; i++) {
		uint32_t id = next(max_id, i);
		want += !seen[id];
		seen[id] = true;
		CHECK(idset_add(s, id) == 0);
		same &= idset_count(s) == want;
	}
	CHECK(same);
	free(seen);
	idset_free(s);
}

static uint64_t rng = 88172645463325252u;

static uint32_t random_id(uint32_t max_id, size_t i)
{
	(void)i;
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % max_id) + 1;
}

static uint32_t rising_with_repeats(uint32_t max_id, size_t i)
{
	return (uint32_t)(i / 3 % max_id) + 1;
}

static uint32_t falling(uint32_t max_id, size_t i)
{
	return max_id - (uint32_t)(i % max_id);
}

static void test_small_set_of_large_ids(void)
{
	/* few ids far apart: a table; the bitmap would be 512 MiB */
	idset *s = idset_new();
	CHECK(s != NULL);
	static const uint32_t ids[] = {UINT32_MAX, 1, 4000000000u, UINT32_MAX, 7, 1};
	for (size_t i = 0; i < sizeof ids / sizeof *ids; i++)
		CHECK(idset_add(s, ids[i]) == 0);
	CHECK(idset_count(s) == 4);
	idset_free(s);
}

static void test_counts_as_table_and_as_bitmap(void)
{
	check_against_array(10, 100, random_id);		/* stays a table */
	check_against_array(1000, 100000, random_id);		/* becomes a bitmap early */
	check_against_array(1u << 20, 300000, random_id);	/* grows a while, then the bitmap */
	check_against_array(50000, 200000, rising_with_repeats);
	check_against_array(50000, 120000, falling);		/* the bitmap's size is known at once */
}

int main(void)
{
	RUN(test_small_set_of_large_ids);
	RUN(test_counts_as_table_and_as_bitmap);
	return run_failed;
}

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

/* Two sets of n random ids below max_a and max_b, merged; the union's
 * count checked against a plain array, and from left as it was. */
static void check_merge(uint32_t max_a, size_t na, uint32_t max_b, size_t nb)
{
	uint32_t top = max_a > max_b ? max_a : max_b;
	bool *seen = calloc((size_t)top + 1, sizeof *seen);
	idset *a = idset_new(), *b = idset_new();
	CHECK(seen != NULL && a != NULL && b != NULL);
	size_t want = 0;
	for (size_t i = 0; i < na; i++) {
		uint32_t id = random_id(max_a, i);
		want += !seen[id];
		seen[id] = true;
		CHECK(idset_add(a, id) == 0);
	}
	size_t b_count = 0;
	uint32_t some_b = 0;
	bool *in_b = calloc((size_t)top + 1, sizeof *in_b);
	CHECK(in_b != NULL);
	for (size_t i = 0; i < nb; i++) {
		uint32_t id = random_id(max_b, i);
		want += !seen[id];
		seen[id] = true;
		b_count += !in_b[id];
		in_b[id] = true;
		some_b = id;
		CHECK(idset_add(b, id) == 0);
	}
	CHECK(idset_merge(a, b) == 0);
	CHECK(idset_count(a) == want);
	CHECK(idset_count(b) == b_count);
	/* the union goes on counting: ids already in it add nothing */
	CHECK(idset_add(a, some_b) == 0 && idset_count(a) == want);
	for (uint32_t id = 1; id <= top; id++)
		if (!seen[id]) {
			CHECK(idset_add(a, id) == 0);
			CHECK(idset_count(a) == want + 1);
			break;
		}
	free(seen);
	free(in_b);
	idset_free(a);
	idset_free(b);
}

static void test_merges_tables_and_bitmaps(void)
{
	check_merge(1u << 30, 20, 1u << 30, 30);	/* table into table */
	check_merge(1u << 30, 20, 5000, 4000);		/* bitmap into table */
	check_merge(5000, 4000, 1u << 30, 20);		/* table into bitmap */
	check_merge(5000, 4000, 200000, 100000);	/* a longer bitmap into a shorter */
	check_merge(200000, 100000, 5000, 4000);	/* a shorter bitmap into a longer */
}

int main(void)
{
	RUN(test_small_set_of_large_ids);
	RUN(test_counts_as_table_and_as_bitmap);
	RUN(test_merges_tables_and_bitmaps);
	return run_failed;
}

/* Unit tests of grow.c: the capacity a reserve picks, that the elements
 * survive it, and that a reserve which cannot be met changes nothing. */
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "grow.h"

static void test_first_reserve_takes_the_first_capacity(void)
{
	size_t cap = 0;
	int *a = grow_reserve(NULL, &cap, 1, sizeof *a, 16);
	CHECK(a != NULL);
	CHECK(cap == 16);
	free(a);
}

static void test_empty_array_is_made_even_for_nothing(void)
{
	size_t cap = 0;
	int *a = grow_reserve(NULL, &cap, 0, sizeof *a, 4);
	CHECK(a != NULL);	/* NULL would read as out of memory */
	CHECK(cap == 4);
	free(a);
}

static void test_reserve_doubles_until_it_holds(void)
{
	size_t cap = 0;
	int *a = grow_reserve(NULL, &cap, 3, sizeof *a, 2);
	CHECK(a != NULL && cap == 4);
	for (int i = 0; a && i < 4; i++)
		a[i] = i * 7;
	int *b = grow_reserve(a, &cap, 5, sizeof *b, 2);
	CHECK(b != NULL && cap == 8);
	if (b) {
		a = b;
		CHECK(a[0] == 0 && a[3] == 21);	/* kept through the move */
	}
	int *c = grow_reserve(a, &cap, 100, sizeof *c, 2);	/* far past double */
	CHECK(c != NULL && cap == 128);
	free(c ? c : a);
}

static void test_reserve_that_fits_changes_nothing(void)
{
	size_t cap = 8;
	char *a = malloc(cap);
	CHECK(grow_reserve(a, &cap, 8, 1, 2) == a);
	CHECK(grow_reserve(a, &cap, 0, 1, 2) == a);
	CHECK(cap == 8);
	free(a);
}

static void test_reserve_past_size_max_fails_unchanged(void)
{
	size_t cap = 4;
	char *a = malloc(cap);
	CHECK(grow_reserve(a, &cap, SIZE_MAX / 2 + 2, 1, 4) == NULL);
	CHECK(cap == 4);
	CHECK(grow_reserve(a, &cap, SIZE_MAX / 8, 16, 4) == NULL);	/* elements fit, bytes do not */
	CHECK(cap == 4);
	a[3] = 'x';	/* still the caller's, still whole */
	CHECK(a[3] == 'x');
	free(a);
}

int main(void)
{
	RUN(test_first_reserve_takes_the_first_capacity);
	RUN(test_empty_array_is_made_even_for_nothing);
	RUN(test_reserve_doubles_until_it_holds);
	RUN(test_reserve_that_fits_changes_nothing);
	RUN(test_reserve_past_size_max_fails_unchanged);
	return run_failed;
}

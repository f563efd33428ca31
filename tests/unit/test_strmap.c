/* Unit tests of strmap.c: keys kept in the slot, keys kept in the arena. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "strmap.h"

/* Key i: "k<i>" padded with 'x' to len bytes, so keys of one length differ
 * only in their first bytes and long keys share long tails. */
static size_t key(char *buf, unsigned i, size_t len)
{
	int n = snprintf(buf, 64, "k%u", i);
	memset(buf + n, 'x', len > (size_t)n ? len - (size_t)n : 0);
	return len > (size_t)n ? len : (size_t)n;
}

static void test_lengths_around_inline(void)
{
	strmap *m = strmap_new();
	CHECK(m != NULL);
	char buf[64];
	static const size_t lens[] = {1, 8, 15, 16, 17, 40};
	uint32_t v = 0;
	/* several doublings, the last two into slots on huge pages (bigmem) */
	for (unsigned i = 0; i < 5000; i++)
		for (size_t l = 0; l < sizeof lens / sizeof *lens; l++)
			CHECK(strmap_put(m, buf, key(buf, i, lens[l]), v++) == 0);
	CHECK(strmap_count(m) == 5000 * 6);	/* length 1 keeps "k<i>" whole */
	int all = 1;
	v = 0;
	for (unsigned i = 0; i < 5000; i++)
		for (size_t l = 0; l < sizeof lens / sizeof *lens; l++, v++) {
			uint32_t got;
			size_t n = key(buf, i, lens[l]);
			all &= strmap_get(m, buf, n, &got) == 1 && got == v;
		}
	CHECK(all);
	uint32_t got;
	size_t n = key(buf, 4999, 17);
	CHECK(strmap_get(m, buf, n, &got) == 1 && got == 4999 * 6 + 4);
	CHECK(strmap_get(m, buf, n - 1, &got) == 1 && got == 4999 * 6 + 3);	/* the 16-byte key */
	buf[n - 1] = 'y';
	CHECK(strmap_get(m, buf, n, &got) == 0);	/* differs in its last, arena-kept byte */
	n = key(buf, 4999, 16);
	buf[15] = 'y';
	CHECK(strmap_get(m, buf, n, &got) == 0);	/* differs in its last inline byte */
	strmap_free(m);
}

/* Every byte of a key kept in its slot counts, at every length: keys of
 * 'a's with one 'b' are all different, and each is found from a buffer of
 * exactly its length (so a read past the key would show under ASan). */
static void test_every_inline_byte_counts(void)
{
	strmap *m = strmap_new();
	CHECK(m != NULL);
	uint32_t v = 0;
	for (int pass = 0; pass < 2; pass++) {
		v = 0;
		for (size_t len = 1; len <= 16; len++)
			for (size_t b = 0; b <= len; b++, v++) {
				char *k = malloc(len);	/* b == len: all 'a's */
				memset(k, 'a', len);
				if (b < len)
					k[b] = 'b';
				uint32_t got;
				if (pass == 0)
					CHECK(strmap_put(m, k, len, v) == 0);
				else
					CHECK(strmap_get(m, k, len, &got) == 1 && got == v);
				free(k);
			}
	}
	CHECK(strmap_count(m) == v);
	strmap_free(m);
}

static void test_overwrite_and_empty_key(void)
{
	strmap *m = strmap_new();
	uint32_t got;
	CHECK(strmap_get(m, NULL, 0, &got) == 0);
	CHECK(strmap_put(m, NULL, 0, 7) == 0 && strmap_get(m, "", 0, &got) == 1 && got == 7);
	const char *lng = "a key longer than sixteen bytes";
	CHECK(strmap_put(m, lng, strlen(lng), 1) == 0 && strmap_put(m, lng, strlen(lng), 2) == 0);
	CHECK(strmap_put(m, "short", 5, 3) == 0 && strmap_put(m, "short", 5, 4) == 0);
	CHECK(strmap_count(m) == 3);
	CHECK(strmap_get(m, lng, strlen(lng), &got) == 1 && got == 2);
	CHECK(strmap_get(m, "short", 5, &got) == 1 && got == 4);
	CHECK(strmap_get(m, "shor", 4, &got) == 0);
	strmap_free(m);
}

int main(void)
{
	RUN(test_lengths_around_inline);
	RUN(test_every_inline_byte_counts);
	RUN(test_overwrite_and_empty_key);
	return run_failed;
}

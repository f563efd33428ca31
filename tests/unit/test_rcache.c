/* Unit tests of rcache.c: results kept per (key, transaction). */
#include <stdlib.h>

#include "check.h"
#include "rcache.h"

/* Whether key hits at txn with exactly want as its body. */
static int hits(rcache *c, const char *key, uint64_t txn, const char *want)
{
	char *body = NULL;
	size_t len = 0;
	if (!rcache_get(c, key, strlen(key), txn, &body, &len))
		return 0;
	int same = len == strlen(want) && strcmp(body, want) == 0;
	free(body);
	return same;
}

static void put(rcache *c, const char *key, uint64_t txn, const char *body)
{
	rcache_put(c, key, strlen(key), txn, body, strlen(body));
}

static void test_hit_only_at_its_transaction(void)
{
	rcache *c = rcache_new(8, 1 << 20);
	CHECK(!hits(c, "q1", 5, "a"));
	put(c, "q1", 5, "rows of q1");
	CHECK(hits(c, "q1", 5, "rows of q1"));
	CHECK(!hits(c, "q1", 6, "rows of q1"));	/* the store moved on */
	CHECK(!hits(c, "q2", 5, "rows of q1"));
	CHECK(!hits(c, "q", 5, "rows of q1"));	/* a prefix is another key */
	put(c, "q1", 6, "new rows");
	CHECK(hits(c, "q1", 6, "new rows"));
	put(c, "q1", 5, "stale rows");	/* computed before the newer one landed */
	CHECK(hits(c, "q1", 6, "new rows") && !hits(c, "q1", 5, "stale rows"));
	rcache_free(c);
}

static void test_older_transactions_go_first(void)
{
	rcache *c = rcache_new(8, 1 << 20);
	put(c, "a", 1, "A");
	put(c, "b", 1, "B");
	put(c, "c", 2, "C");
	size_t n, bytes;
	rcache_usage(c, &n, &bytes);
	CHECK(n == 1 && bytes == 2);
	CHECK(hits(c, "c", 2, "C") && !hits(c, "a", 1, "A"));
	rcache_free(c);
}

static void test_least_recently_used_goes_when_full(void)
{
	rcache *c = rcache_new(3, 1 << 20);
	put(c, "a", 1, "A");
	put(c, "b", 1, "B");
	put(c, "c", 1, "C");
	CHECK(hits(c, "a", 1, "A"));	/* b is now the least recently used */
	put(c, "d", 1, "D");
	CHECK(hits(c, "a", 1, "A") && !hits(c, "b", 1, "B"));
	CHECK(hits(c, "c", 1, "C") && hits(c, "d", 1, "D"));
	rcache_free(c);
}

static void test_byte_limit(void)
{
	rcache *c = rcache_new(16, 10);	/* bytes count keys and bodies */
	put(c, "k1", 1, "1234");	/* 6 bytes */
	put(c, "k2", 1, "12");		/* 4: total 10 */
	size_t n, bytes;
	rcache_usage(c, &n, &bytes);
	CHECK(n == 2 && bytes == 10);
	put(c, "k3", 1, "1");		/* 3 more: k1, the oldest, goes */
	CHECK(!hits(c, "k1", 1, "1234") && hits(c, "k2", 1, "12") && hits(c, "k3", 1, "1"));
	put(c, "big", 1, "far more than ten bytes");
	CHECK(!hits(c, "big", 1, "far more than ten bytes"));
	rcache_usage(c, &n, &bytes);
	CHECK(n == 2 && bytes == 7);
	rcache_free(c);
}

static void test_binary_keys_and_empty_body(void)
{
	rcache *c = rcache_new(4, 1 << 10);
	const char k1[] = {'j', 0, 'x'}, k2[] = {'j', 0, 'y'};
	rcache_put(c, k1, sizeof k1, 3, "", 0);
	char *body;
	size_t len = 99;
	CHECK(rcache_get(c, k1, sizeof k1, 3, &body, &len) && len == 0 && body[0] == '\0');
	free(body);
	CHECK(!rcache_get(c, k2, sizeof k2, 3, &body, &len));
	rcache_free(c);
}

int main(void)
{
	RUN(test_hit_only_at_its_transaction);
	RUN(test_older_transactions_go_first);
	RUN(test_least_recently_used_goes_when_full);
	RUN(test_byte_limit);
	RUN(test_binary_keys_and_empty_body);
	return run_failed;
}

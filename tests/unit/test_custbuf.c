/* Unit tests of custbuf.c: a batch's pending (customer, ts, seq) entries. */
#include "check.h"
#include "custbuf.h"

static void test_sorts_by_customer_then_time(void)
{
	custbuf *b = custbuf_new();
	CHECK(b != NULL);
	/* arrival order: mostly by time, one straggler (customer 2 at ts 5) */
	CHECK(custbuf_add(b, 3, 10, 1) == 0 && custbuf_add(b, 2, 20, 2) == 0 &&
	      custbuf_add(b, 3, 30, 3) == 0 && custbuf_add(b, 2, 5, 4) == 0 &&
	      custbuf_add(b, 1, 30, 6) == 0 && custbuf_add(b, 1, 30, 5) == 0);
	const custbuf_entry *e = custbuf_sort(b, 4);
	CHECK(e != NULL && custbuf_count(b) == 6);
	static const uint32_t cust[] = {1, 1, 2, 2, 3, 3}, seq[] = {5, 6, 4, 2, 1, 3};
	static const int64_t ts[] = {30, 30, 5, 20, 10, 30};
	int same = 1;
	for (int i = 0; i < 6; i++)
		same &= e[i].customer == cust[i] && e[i].seq == seq[i] && e[i].ts == ts[i];
	CHECK(same);
	custbuf_clear(b);
	CHECK(custbuf_count(b) == 0);
	custbuf_free(b);
}

static void test_many_entries_keep_arrival_order(void)
{
	custbuf *b = custbuf_new();
	for (uint32_t i = 0; i < 100000; i++)	/* several doublings */
		CHECK(custbuf_add(b, i % 7, i / 3, i) == 0);
	const custbuf_entry *e = custbuf_sort(b, 7);
	int ordered = 1;
	for (size_t i = 1; i < custbuf_count(b); i++)
		ordered &= e[i - 1].customer < e[i].customer ||
			   (e[i - 1].customer == e[i].customer && e[i - 1].seq < e[i].seq);
	CHECK(ordered && custbuf_count(b) == 100000);
	custbuf_free(b);
}

/* Each sort reuses the last one's memory: a batch sorts again after a
 * clear, with more customers and after the entries outgrew the buffer. */
static void test_sorts_again_after_growing(void)
{
	custbuf *b = custbuf_new();
	int ordered = 1;
	for (uint32_t round = 1; round <= 3; round++) {
		uint32_t customers = 5 * round, n = 30000 * round;
		for (uint32_t i = 0; i < n; i++)
			CHECK(custbuf_add(b, (i * 7919u) % customers, i, i) == 0);
		const custbuf_entry *e = custbuf_sort(b, customers);
		CHECK(e != NULL && custbuf_count(b) == n);
		for (size_t i = 1; e && i < n; i++)
			ordered &= e[i - 1].customer < e[i].customer ||
				   (e[i - 1].customer == e[i].customer && e[i - 1].seq < e[i].seq);
		custbuf_clear(b);
	}
	CHECK(ordered);
	custbuf_free(b);
}

int main(void)
{
	RUN(test_sorts_by_customer_then_time);
	RUN(test_many_entries_keep_arrival_order);
	RUN(test_sorts_again_after_growing);
	return run_failed;
}

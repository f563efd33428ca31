/* Unit tests of bgjob.c: one function run on a thread of its own. */
#include "check.h"
#include "bgjob.h"

#include <pthread.h>
#include <stdint.h>

typedef struct work {
	uint64_t sum;
	pthread_t ran_on;
} work;

static void add_up(void *arg)
{
	work *w = arg;
	for (uint64_t i = 1; i <= 1000000; i++)
		w->sum += i;
	w->ran_on = pthread_self();
}

/* The job runs beside its caller, and its result is there once joined. */
static void test_runs_on_its_own_thread(void)
{
	work w = {0};
	bgjob *j = bgjob_start(add_up, &w);
	CHECK(j != NULL);
	bgjob_join(j);
	CHECK(w.sum == 500000500000u);
	CHECK(!pthread_equal(w.ran_on, pthread_self()));
}

int main(void)
{
	RUN(test_runs_on_its_own_thread);
	return run_failed;
}

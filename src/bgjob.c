#include "bgjob.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

struct bgjob {
	void (*fn)(void *arg);
	void *arg;
	pthread_t thread;
	bool threaded;
};

static void *job_main(void *p)
{
	bgjob *j = p;
	j->fn(j->arg);
	return NULL;
}

bgjob *bgjob_start(void (*fn)(void *arg), void *arg)
{
	bgjob *j = malloc(sizeof *j);
	if (!j) {
		fn(arg);
		return NULL;
	}
	*j = (bgjob){fn, arg, 0, false};
	j->threaded = pthread_create(&j->thread, NULL, job_main, j) == 0;
	if (!j->threaded)
		fn(arg);
	return j;
}

void bgjob_join(bgjob *j)
{
	if (j && j->threaded)
		pthread_join(j->thread, NULL);
	free(j);
}

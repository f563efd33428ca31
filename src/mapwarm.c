#include "mapwarm.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

enum { CHUNK = 1 << 20, NAP_NS = 1000 * 1000 };

struct mapwarm {
	pthread_t thread;
	int fd;
	uint64_t from, end;
	uint64_t warmed;	/* the helper's: read up to here */
	_Atomic uint64_t pos, expect;
	atomic_bool stop;
	char buf[CHUNK];
};

static void *warm_main(void *arg)
{
	mapwarm *w = arg;
	while (!atomic_load_explicit(&w->stop, memory_order_relaxed)) {
		uint64_t pos = atomic_load_explicit(&w->pos, memory_order_relaxed);
		uint64_t lead = pos > w->from ? pos - w->from : 0;
		lead = lead < MAPWARM_FIRST ? MAPWARM_FIRST : lead > MAPWARM_AHEAD ? MAPWARM_AHEAD : lead;
		uint64_t goal = pos + atomic_load_explicit(&w->expect, memory_order_relaxed) + lead;
		if (goal > w->end)
			goal = w->end;
		if (w->warmed < pos)
			w->warmed = pos;	/* the writer faulted those itself */
		if (w->warmed >= goal) {
			nanosleep(&(struct timespec){0, NAP_NS}, NULL);
			continue;
		}
		ssize_t n = pread(w->fd, w->buf, CHUNK, (off_t)w->warmed);
		if (n <= 0)
			break;	/* the end of the file, or an error: nothing lost */
		w->warmed += (uint64_t)n;
	}
	return NULL;
}

mapwarm *mapwarm_start(int fd, uint64_t from, uint64_t end)
{
	mapwarm *w = malloc(sizeof *w);
	if (!w)
		return NULL;
	w->fd = fd;
	w->from = from;
	w->end = end;
	w->warmed = from;
	atomic_init(&w->pos, from);
	atomic_init(&w->expect, 0);
	atomic_init(&w->stop, false);
	if (pthread_create(&w->thread, NULL, warm_main, w) != 0) {
		free(w);
		return NULL;
	}
	return w;
}

void mapwarm_at(mapwarm *w, uint64_t pos)
{
	atomic_store_explicit(&w->pos, pos, memory_order_relaxed);
}

uint64_t mapwarm_written(const mapwarm *w)
{
	uint64_t pos = atomic_load_explicit(&w->pos, memory_order_relaxed);
	return pos > w->from ? pos - w->from : 0;
}

void mapwarm_expect(mapwarm *w, uint64_t bytes)
{
	atomic_store_explicit(&w->expect, bytes, memory_order_relaxed);
}

void mapwarm_stop(mapwarm *w)
{
	if (!w)
		return;
	atomic_store_explicit(&w->stop, true, memory_order_relaxed);
	pthread_join(w->thread, NULL);
	free(w);
}

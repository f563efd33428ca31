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
	mapwarm_plan plan;
	uint64_t warmed;	/* the helper's: read up to here */
	uint64_t found;		/* the helper's: the writer found up to here */
	_Atomic uint64_t pos;
	atomic_bool stop;
	char buf[CHUNK];
};

/* Whether the page at offset `at` has been written: its first 8 bytes are
 * not zero.  A read that fails says no, which only makes the helper wait. */
static bool page_written(const mapwarm *w, uint64_t at)
{
	uint64_t head = 0;
	return pread(w->fd, &head, sizeof head, (off_t)at) == (ssize_t)sizeof head && head != 0;
}

/* The writer's position past `pos` among the pages the helper has read:
 * the first that is still a hole.  The writer fills pages in order, so a
 * bisection finds it, in ~14 reads of cached pages for 64 MB. */
static uint64_t find_writer(const mapwarm *w, uint64_t pos)
{
	uint64_t page = w->plan.page, lo = (pos + page - 1) / page, hi = w->warmed / page;
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		if (page_written(w, mid * page))
			lo = mid + 1;
		else
			hi = mid;
	}
	uint64_t at = lo * page;
	return at > pos ? at : pos;
}

static void *warm_main(void *arg)
{
	mapwarm *w = arg;
	while (!atomic_load_explicit(&w->stop, memory_order_relaxed)) {
		uint64_t pos = atomic_load_explicit(&w->pos, memory_order_relaxed);
		if (pos < w->found)
			pos = w->found;	/* never below from: a page reused behind */
		if (w->plan.page && w->warmed > pos)
			pos = w->found = find_writer(w, pos);
		const mapwarm_plan *p = &w->plan;
		uint64_t lead = pos - p->from;
		lead = lead < p->first ? p->first : lead > p->most ? p->most : lead;
		uint64_t goal = pos + lead < p->end ? pos + lead : p->end;
		if (w->warmed < pos)
			w->warmed = pos;	/* the writer made those itself */
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

mapwarm *mapwarm_start(int fd, const mapwarm_plan *plan)
{
	mapwarm *w = malloc(sizeof *w);
	if (!w)
		return NULL;
	w->fd = fd;
	w->plan = *plan;
	w->warmed = w->found = plan->from;
	atomic_init(&w->pos, plan->from);
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

void mapwarm_stop(mapwarm *w)
{
	if (!w)
		return;
	atomic_store_explicit(&w->stop, true, memory_order_relaxed);
	pthread_join(w->thread, NULL);
	free(w);
}

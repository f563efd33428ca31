#include "rollfeed.h"

#include <pthread.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The thread naps when the queue is empty instead of being woken: a wake-up
 * per order would cost more than the fold.  It asks for the memory of the
 * order AHEAD places on before folding this one. */
enum { RING = ROLLFEED_QUEUE, AHEAD = 4, NAP_NS = 100 * 1000 };

typedef struct fold {
	uint32_t customer, seq;
	int64_t ts, amount, margin;
	int npairs;
	uint32_t pairs[2 * TIDE_TAGS_MAX];
} fold;

struct rollfeed {
	rollup_buf *buf;
	bool threaded;
	pthread_t thread;
	uint64_t queued;	/* the writer's: orders queued */
	uint64_t done_seen;	/* the writer's: done, as last read */
	alignas(64) _Atomic uint64_t head;	/* orders queued, published */
	alignas(64) _Atomic uint64_t done;	/* orders folded */
	atomic_bool stop, failed, full;
	fold ring[RING];
};

static void nap(long ns)
{
	nanosleep(&(struct timespec){0, ns}, NULL);
}

static void fold_one(rollfeed *f, const fold *x)
{
	if (rollup_buf_add(f->buf, x->customer, x->pairs, x->npairs, x->seq, x->ts, x->amount, x->margin))
		atomic_store_explicit(&f->failed, true, memory_order_relaxed);
	if (rollup_buf_full(f->buf))
		atomic_store_explicit(&f->full, true, memory_order_relaxed);
}

static void *feed_main(void *arg)
{
	rollfeed *f = arg;
	uint64_t done = 0;
	for (;;) {
		uint64_t head = atomic_load_explicit(&f->head, memory_order_acquire);
		if (done == head) {
			/* stop comes after the writer's last order, so a head read
			 * after it is final */
			if (atomic_load(&f->stop) && done == atomic_load(&f->head))
				return NULL;
			nap(NAP_NS);
			continue;
		}
		for (; done < head; done++) {
			if (done + AHEAD < head) {
				const fold *next = &f->ring[(done + AHEAD) % RING];
				rollup_buf_prefetch(f->buf, next->customer, next->pairs, next->npairs);
			}
			fold_one(f, &f->ring[done % RING]);
			/* A long run hands its slots back as it goes, so a writer
			 * waiting for room waits for 64 folds, not the whole run;
			 * more often would move the shared line for every order. */
			if (done % 64 == 63)
				atomic_store_explicit(&f->done, done + 1, memory_order_release);
		}
		atomic_store_explicit(&f->done, done, memory_order_release);
	}
}

rollfeed *rollfeed_start(rollup_buf *buf)
{
	rollfeed *f = calloc(1, sizeof *f);
	if (!f)
		return NULL;
	f->buf = buf;
	atomic_init(&f->head, 0);
	atomic_init(&f->done, 0);
	atomic_init(&f->stop, false);
	atomic_init(&f->failed, false);
	atomic_init(&f->full, false);
	f->threaded = pthread_create(&f->thread, NULL, feed_main, f) == 0;
	return f;
}

static void fill(fold *x, uint32_t customer, const uint32_t *pairs, int npairs, uint32_t seq, int64_t ts,
		 int64_t amount, int64_t margin)
{
	x->customer = customer;
	x->seq = seq;
	x->ts = ts;
	x->amount = amount;
	x->margin = margin;
	x->npairs = npairs;
	memcpy(x->pairs, pairs, sizeof *pairs * 2 * (size_t)npairs);
}

int rollfeed_add(rollfeed *f, uint32_t customer, const uint32_t *pairs, int npairs, uint32_t seq,
		 int64_t ts, int64_t amount, int64_t margin)
{
	if (!f->threaded) {
		fold one;
		fill(&one, customer, pairs, npairs, seq, ts, amount, margin);
		fold_one(f, &one);
	} else {
		while (f->queued - f->done_seen >= RING) {
			f->done_seen = atomic_load_explicit(&f->done, memory_order_acquire);
			if (f->queued - f->done_seen >= RING)
				nap(NAP_NS / 4);
		}
		fill(&f->ring[f->queued % RING], customer, pairs, npairs, seq, ts, amount, margin);
		atomic_store_explicit(&f->head, ++f->queued, memory_order_release);
	}
	return atomic_load_explicit(&f->failed, memory_order_relaxed) ? -1 : 0;
}

bool rollfeed_full(const rollfeed *f)
{
	return atomic_load_explicit(&f->full, memory_order_relaxed);
}

int rollfeed_drain(rollfeed *f)
{
	while (f->threaded && (f->done_seen = atomic_load_explicit(&f->done, memory_order_acquire)) != f->queued)
		nap(NAP_NS / 4);
	atomic_store_explicit(&f->full, false, memory_order_relaxed);
	return atomic_load_explicit(&f->failed, memory_order_relaxed) ? -1 : 0;
}

void rollfeed_stop(rollfeed *f)
{
	if (!f)
		return;
	if (f->threaded) {
		atomic_store(&f->stop, true);
		pthread_join(f->thread, NULL);
	}
	free(f);
}

#include "rowpipe.h"

#include <pthread.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"

/* A block of 1024 rows is ~200 KB with its strings: it is handed over while
 * still in the shared cache, and the hand-overs (a lock, sometimes a wake-up)
 * cost one row's time per thousand.  Four blocks let the reader run a little
 * ahead when the consumer stalls (a commit's flush, a mid-batch write). */
enum { BLOCKS = 4, BLOCK_ROWS = 1024, ARENA_FIRST = 128 << 10 };

typedef struct block {
	rowpipe_row rows[BLOCK_ROWS];
	size_t n;
	char *arena;		/* the rows' strings, tag arrays and messages */
	size_t used, cap;
	bool last;		/* the input ends after this block, with end_rc */
	int end_rc;
	tide_err end_err;
} block;

struct rowpipe {
	tide_reader *r;
	rowpipe_check_fn check;
	void *check_arg;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t filled_cv, freed_cv;
	size_t filled;		/* blocks the reader has finished */
	size_t taken;		/* blocks handed to the consumer; all but the last are free */
	bool stop;
	atomic_bool consumer_idle;	/* rowpipe_next is waiting for a block */
	bool ended;		/* the consumer has had the last block */
	int end_rc;
	tide_err end_err;
	block blocks[BLOCKS];
};

/* Room for need more bytes at an alignment of align; false when the block
 * holds rows already and is full (the row goes into the next block). */
static bool make_room(block *b, size_t need)
{
	size_t at = (b->used + alignof(tide_tag) - 1) & ~(alignof(tide_tag) - 1);
	if (at + need <= b->cap) {
		b->used = at;
		return true;
	}
	if (b->n > 0)
		return false;
	char *a = grow_reserve(b->arena, &b->cap, need, 1, ARENA_FIRST);
	if (!a)
		return false;
	b->arena = a;
	b->used = 0;
	return true;
}

static void keep(block *b, tide_str *s)
{
	if (s->n == 0)
		return;	/* absent: its pointer may be NULL */
	char *p = b->arena + b->used;
	memcpy(p, s->p, s->n);
	b->used += s->n;
	s->p = p;
}

static size_t event_bytes(const tide_event *ev)
{
	size_t n = sizeof(tide_tag) * ev->ntags + ev->id.n + ev->customer.n + ev->sku.n +
		   ev->channel.n + ev->reason.n;
	for (uint32_t i = 0; i < ev->ntags; i++)
		n += ev->tags[i].name.n + ev->tags[i].value.n;
	return n;
}

/* Copies the event's strings into the block; false when it does not fit
 * (or, in an empty block, when memory ran out). */
static bool put_event(const rowpipe *p, block *b, const tide_event *ev)
{
	if (!make_room(b, event_bytes(ev)))
		return false;
	rowpipe_row *row = &b->rows[b->n++];
	row->rc = 0;
	row->ev = *ev;
	tide_tag *tags = (tide_tag *)(void *)(b->arena + b->used);
	b->used += sizeof(tide_tag) * ev->ntags;
	for (uint32_t i = 0; i < ev->ntags; i++) {
		tags[i] = ev->tags[i];
		keep(b, &tags[i].name);
		keep(b, &tags[i].value);
	}
	row->ev.tags = tags;
	keep(b, &row->ev.id);
	keep(b, &row->ev.customer);
	keep(b, &row->ev.sku);
	keep(b, &row->ev.channel);
	keep(b, &row->ev.reason);
	p->check(p->check_arg, &row->ev, atomic_load_explicit(&p->consumer_idle, memory_order_relaxed), &row->id);
	return true;
}

static bool put_bad(block *b, const char *msg, const char *text, size_t text_len)
{
	size_t msg_len = strlen(msg) + 1;
	if (!make_room(b, msg_len + text_len))
		return false;
	rowpipe_row *row = &b->rows[b->n++];
	row->rc = TIDE_EINPUT;
	char *p = b->arena + b->used;
	memcpy(p, msg, msg_len);
	memcpy(p + msg_len, text, text_len);
	b->used += msg_len + text_len;
	row->msg = p;
	row->text = p + msg_len;
	row->text_len = text_len;
	return true;
}

/* Waits for a free block to fill; NULL when told to stop. */
static block *next_free(rowpipe *p, size_t k)
{
	pthread_mutex_lock(&p->mu);
	while (!p->stop && k >= p->taken + BLOCKS - (p->taken > 0))
		pthread_cond_wait(&p->freed_cv, &p->mu);
	bool stop = p->stop;
	pthread_mutex_unlock(&p->mu);
	if (stop)
		return NULL;
	block *b = &p->blocks[k % BLOCKS];
	b->n = 0;
	b->used = 0;
	b->last = false;
	return b;
}

static void publish(rowpipe *p)
{
	pthread_mutex_lock(&p->mu);
	p->filled++;
	pthread_cond_signal(&p->filled_cv);
	pthread_mutex_unlock(&p->mu);
}

/* Copies the row the reader returned with rc into b; false when it does
 * not fit (or, in an empty block, when memory ran out). */
static bool put_row(const rowpipe *p, block *b, int rc, const tide_event *ev, const tide_err *e,
		    const char *text, size_t text_len)
{
	return rc == 1 ? put_event(p, b, ev) : put_bad(b, e->msg, text, text_len);
}

/* Hands over b as the last block: the input ends after its rows with rc,
 * 0 or the final error in e. */
static void end_input(rowpipe *p, block *b, int rc, const tide_err *e)
{
	b->last = true;
	b->end_rc = rc;
	b->end_err = *e;
	publish(p);
}

static void *read_main(void *arg)
{
	rowpipe *p = arg;
	size_t k = 0;
	block *b = next_free(p, k);
	tide_err e;
	while (b) {
		tide_event ev;
		tide_err_clear(&e);
		int rc = tide_reader_next(p->r, &ev, &e);
		if (rc == 0 || (rc != 1 && rc != TIDE_EINPUT)) {
			end_input(p, b, rc, &e);
			break;
		}
		size_t len = 0;
		const char *text = rc == TIDE_EINPUT ? tide_reader_row(p->r, &len) : NULL;
		bool placed = put_row(p, b, rc, &ev, &e, text, len);
		if (!placed && b->n > 0) {
			/* The row that did not fit is still the reader's: its views
			 * hold until the next tide_reader_next. */
			publish(p);
			if (!(b = next_free(p, ++k)))
				break;
			placed = put_row(p, b, rc, &ev, &e, text, len);
		}
		if (!placed) {
			end_input(p, b, tide_errf(&e, TIDE_ENOMEM, "out of memory reading the input"), &e);
			break;
		}
		if (b->n == BLOCK_ROWS) {
			publish(p);
			b = next_free(p, ++k);
		}
	}
	return NULL;
}

int rowpipe_open(rowpipe **out, tide_reader *r, rowpipe_check_fn check, void *arg, tide_err *e)
{
	rowpipe *p = calloc(1, sizeof *p);
	if (!p) {
		tide_reader_close(r);
		return tide_errf(e, TIDE_ENOMEM, "out of memory");
	}
	p->r = r;
	p->check = check;
	p->check_arg = arg;
	atomic_init(&p->consumer_idle, false);
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->filled_cv, NULL);
	pthread_cond_init(&p->freed_cv, NULL);
	if (pthread_create(&p->thread, NULL, read_main, p) != 0) {
		pthread_mutex_destroy(&p->mu);
		pthread_cond_destroy(&p->filled_cv);
		pthread_cond_destroy(&p->freed_cv);
		free(p);
		tide_reader_close(r);
		return tide_errf(e, TIDE_ENOMEM, "could not start the thread that reads the input");
	}
	*out = p;
	return 0;
}

int rowpipe_next(rowpipe *p, const rowpipe_row **rows, size_t *n, tide_err *e)
{
	if (p->ended) {
		if (p->end_rc && e)
			*e = p->end_err;
		return p->end_rc;
	}
	pthread_mutex_lock(&p->mu);
	/* The block handed over last time is free from now on. */
	pthread_cond_signal(&p->freed_cv);
	if (p->filled == p->taken) {
		atomic_store_explicit(&p->consumer_idle, true, memory_order_relaxed);
		while (p->filled == p->taken)
			pthread_cond_wait(&p->filled_cv, &p->mu);
		atomic_store_explicit(&p->consumer_idle, false, memory_order_relaxed);
	}
	block *b = &p->blocks[p->taken++ % BLOCKS];
	pthread_mutex_unlock(&p->mu);
	if (b->last) {
		p->ended = true;
		p->end_rc = b->end_rc;
		p->end_err = b->end_err;
		if (b->n == 0)
			return rowpipe_next(p, rows, n, e);
	}
	*rows = b->rows;
	*n = b->n;
	return 1;
}

void rowpipe_close(rowpipe *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = true;
	pthread_cond_signal(&p->freed_cv);
	pthread_mutex_unlock(&p->mu);
	pthread_join(p->thread, NULL);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->filled_cv);
	pthread_cond_destroy(&p->freed_cv);
	for (int i = 0; i < BLOCKS; i++)
		free(p->blocks[i].arena);
	tide_reader_close(p->r);
	free(p);
}

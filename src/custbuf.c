#include "custbuf.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "bigmem.h"

/* The sort's output array and its counts are kept from one sort to the
 * next: a large batch sorts every few million entries, and on this kind of
 * VM memory touched for the first time costs ~2.5 ms per MB, so a fresh
 * array (128 MiB) and counts took most of each sort's time. */
struct custbuf {
	custbuf_entry *e, *spare;
	size_t n, cap, spare_cap;	/* entries of bigmem */
	uint32_t *start;
	size_t nstart;
};

custbuf *custbuf_new(void)
{
	return calloc(1, sizeof(custbuf));
}

void custbuf_free(custbuf *b)
{
	if (b) {
		bigmem_free(b->e, b->cap * sizeof *b->e);
		bigmem_free(b->spare, b->spare_cap * sizeof *b->spare);
		bigmem_free(b->start, b->nstart * sizeof *b->start);
	}
	free(b);
}

size_t custbuf_count(const custbuf *b)
{
	return b->n;
}

int custbuf_add(custbuf *b, uint32_t customer, int64_t ts, uint32_t seq)
{
	if (b->n == UINT32_MAX)	/* the sort counts in 32 bits */
		return -1;
	if (b->n == b->cap) {
		size_t ncap = b->cap ? b->cap * 2 : 4096;
		custbuf_entry *ne = bigmem_grow(b->e, b->cap * sizeof *ne, ncap * sizeof *ne);
		if (!ne)
			return -1;
		b->e = ne;
		b->cap = ncap;
	}
	b->e[b->n++] = (custbuf_entry){customer, seq, ts};
	return 0;
}

static bool before(const custbuf_entry *x, const custbuf_entry *y)
{
	return x->ts < y->ts || (x->ts == y->ts && x->seq < y->seq);
}

static int by_time(const void *x, const void *y)
{
	return before(y, x) - before(x, y);
}

/* One customer's entries came in arrival order, which is nearly always time
 * order: sorted only when it is not. */
static void order_run(custbuf_entry *e, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (before(&e[i], &e[i - 1])) {
			qsort(e, n, sizeof *e, by_time);
			return;
		}
}

/* Room for the sort's output and nstart counts, the counts zeroed. */
static int reserve_sort(custbuf *b, size_t nstart)
{
	if (b->spare_cap < b->cap) {
		bigmem_free(b->spare, b->spare_cap * sizeof *b->spare);
		b->spare_cap = 0;
		if (!(b->spare = bigmem_alloc(b->cap * sizeof *b->spare)))
			return -1;
		b->spare_cap = b->cap;
	}
	if (b->nstart < nstart) {
		uint32_t *start = bigmem_grow(b->start, b->nstart * sizeof *start, nstart * sizeof *start);
		if (!start)
			return -1;
		b->start = start;
		b->nstart = nstart;
	}
	memset(b->start, 0, nstart * sizeof *b->start);
	return 0;
}

/* A counting sort by customer: ids are dense (interned in order), so one
 * count per id and one pass that places each entry, stable, so each
 * customer's run keeps arrival order. */
const custbuf_entry *custbuf_sort(custbuf *b, uint32_t customers)
{
	if (b->n == 0)
		return b->e;
	if (reserve_sort(b, (size_t)customers + 1))
		return NULL;
	uint32_t *start = b->start;
	custbuf_entry *out = b->spare;
	for (size_t i = 0; i < b->n; i++)
		start[b->e[i].customer + 1]++;
	for (size_t c = 1; c <= customers; c++)
		start[c] += start[c - 1];
	for (size_t i = 0; i < b->n; i++)
		out[start[b->e[i].customer]++] = b->e[i];
	b->spare = b->e;
	b->e = out;
	size_t cap = b->cap;
	b->cap = b->spare_cap;
	b->spare_cap = cap;
	for (size_t i = 0, j; i < b->n; i = j) {
		for (j = i + 1; j < b->n && b->e[j].customer == b->e[i].customer; j++)
			;
		order_run(b->e + i, j - i);
	}
	return b->e;
}

void custbuf_clear(custbuf *b)
{
	b->n = 0;
}

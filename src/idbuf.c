#include "idbuf.h"

#include <stdlib.h>
#include <string.h>

typedef struct entry {
	uint64_t hash;		/* 0 = empty slot */
	uint32_t seq;
} entry;

struct idbuf {
	entry *slots;
	size_t cap, count;	/* cap is a power of two */
	bool sorted;		/* slots[0..count) sorted: no longer a hash table */
};

idbuf *idbuf_new(void)
{
	return calloc(1, sizeof(idbuf));
}

void idbuf_free(idbuf *b)
{
	if (b)
		free(b->slots);
	free(b);
}

size_t idbuf_count(const idbuf *b)
{
	return b->count;
}

/* The hash is already uniform (XXH3): its low bits index the table. */
static entry *find(const idbuf *b, uint64_t hash)
{
	size_t mask = b->cap - 1;
	for (size_t i = hash & mask;; i = (i + 1) & mask)
		if (b->slots[i].hash == hash || b->slots[i].hash == 0)
			return &b->slots[i];
}

int idbuf_get(const idbuf *b, uint64_t hash, uint32_t *seq)
{
	if (b->count == 0)
		return 0;
	const entry *e = find(b, hash);
	if (e->hash == 0)
		return 0;
	*seq = e->seq;
	return 1;
}

static int grow(idbuf *b)
{
	size_t ncap = b->cap ? b->cap * 2 : 1u << 16;
	entry *old = b->slots;
	size_t oldcap = b->cap;
	entry *ns = calloc(ncap, sizeof *ns);
	if (!ns)
		return -1;
	b->slots = ns;
	b->cap = ncap;
	for (size_t i = 0; i < oldcap; i++)
		if (old[i].hash)
			*find(b, old[i].hash) = old[i];
	free(old);
	return 0;
}

int idbuf_put(idbuf *b, uint64_t hash, uint32_t seq)
{
	if ((b->count + 1) * 4 > b->cap * 3 && grow(b))
		return -1;
	entry *e = find(b, hash);
	e->hash = hash;
	e->seq = seq;
	b->count++;
	return 0;
}

static int by_hash(const void *x, const void *y)
{
	uint64_t a = ((const entry *)x)->hash, c = ((const entry *)y)->hash;
	return (a > c) - (a < c);
}

size_t idbuf_sort(idbuf *b)
{
	size_t n = 0;
	for (size_t i = 0; i < b->cap; i++)
		if (b->slots[i].hash)
			b->slots[n++] = b->slots[i];
	if (n)
		qsort(b->slots, n, sizeof *b->slots, by_hash);
	b->sorted = true;
	return n;
}

void idbuf_at(const idbuf *b, size_t i, uint64_t *hash, uint32_t *seq)
{
	*hash = b->slots[i].hash;
	*seq = b->slots[i].seq;
}

void idbuf_clear(idbuf *b)
{
	if (b->slots)
		memset(b->slots, 0, b->cap * sizeof *b->slots);
	b->count = 0;
	b->sorted = false;
}

#include "idbuf.h"

#include <stdlib.h>
#include <string.h>

#include "bigmem.h"

typedef struct entry {
	uint64_t hash;		/* 0 = empty slot */
	uint32_t seq;
} entry;

/* The table is indexed by the hash's top bits, so its slots are already in
 * hash order but for the short runs a collision displaces, and the cluster
 * that wraps around the end: sorting for the commit moves the wrapped
 * entries to the back and then runs an insertion sort that moves each entry
 * a few places, not an n log n sort of millions of entries. */
enum { FIRST_BITS = 16 };

struct idbuf {
	entry *slots;		/* on huge pages */
	size_t cap, count;	/* cap is a power of two */
	unsigned shift;		/* 64 - log2(cap): hash >> shift is the home slot */
};

idbuf *idbuf_new(void)
{
	return calloc(1, sizeof(idbuf));
}

void idbuf_free(idbuf *b)
{
	if (b && b->slots)
		bigmem_free(b->slots, b->cap * sizeof *b->slots);
	free(b);
}

size_t idbuf_count(const idbuf *b)
{
	return b->count;
}

static size_t home(const idbuf *b, uint64_t hash)
{
	return (size_t)(hash >> b->shift);
}

/* The slot holding hash, or the empty slot where it would go. */
static entry *find(const idbuf *b, uint64_t hash)
{
	size_t mask = b->cap - 1;
	for (size_t i = home(b, hash);; i = (i + 1) & mask)
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
	size_t ncap = b->cap ? b->cap * 2 : (size_t)1 << FIRST_BITS;
	idbuf nb = {bigmem_alloc(ncap * sizeof(entry)), ncap, b->count, 64};
	if (!nb.slots)
		return -1;
	for (size_t c = ncap; c > 1; c >>= 1)
		nb.shift--;
	for (size_t i = 0; i < b->cap; i++)
		if (b->slots[i].hash)
			*find(&nb, b->slots[i].hash) = b->slots[i];
	if (b->slots)
		bigmem_free(b->slots, b->cap * sizeof(entry));
	*b = nb;
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

int idbuf_sort(idbuf *b, size_t *n)
{
	/* The cluster at slot 0 may hold entries whose home is near the end. */
	size_t lead = 0, wrapped = 0;
	while (lead < b->cap && b->slots[lead].hash) {
		wrapped += home(b, b->slots[lead].hash) > lead;
		lead++;
	}
	entry *tail = wrapped ? malloc(wrapped * sizeof *tail) : NULL;
	if (wrapped && !tail)
		return -1;
	size_t m = 0, w = 0;
	for (size_t i = 0; i < b->cap; i++) {
		entry e = b->slots[i];
		if (e.hash == 0)
			continue;
		if (i < lead && home(b, e.hash) > i)
			tail[w++] = e;
		else
			b->slots[m++] = e;
	}
	for (size_t i = 0; i < w; i++)
		b->slots[m++] = tail[i];
	free(tail);
	for (size_t i = 1; i < m; i++) {
		entry e = b->slots[i];
		size_t j = i;
		for (; j > 0 && b->slots[j - 1].hash > e.hash; j--)
			b->slots[j] = b->slots[j - 1];
		b->slots[j] = e;
	}
	*n = m;
	return 0;
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
}

#include "idbuf.h"

#include <stdlib.h>
#include <string.h>

#include "bigmem.h"

/* Hashes and sequences in two arrays: a probe reads only hashes, eight to a
 * cache line, and a slot costs 12 bytes of memory that must be zeroed on
 * first touch rather than a padded struct's 16. */
typedef struct slots {
	uint64_t *hash;		/* 0 = empty slot */
	uint32_t *seq;
} slots;

/* The table is indexed by the hash's top bits, so its slots are already in
 * hash order but for the short runs a collision displaces, and the cluster
 * that wraps around the end: sorting for the commit moves the wrapped
 * entries to the back and then runs an insertion sort that moves each entry
 * a few places, not an n log n sort of millions of entries. */
enum { FIRST_BITS = 16 };

struct idbuf {
	slots s;		/* on huge pages */
	size_t cap, count;	/* cap is a power of two */
	unsigned shift;		/* 64 - log2(cap): hash >> shift is the home slot */
};

static void slots_free(slots s, size_t cap)
{
	bigmem_free(s.hash, cap * sizeof *s.hash);
	bigmem_free(s.seq, cap * sizeof *s.seq);
}

idbuf *idbuf_new(void)
{
	return calloc(1, sizeof(idbuf));
}

void idbuf_free(idbuf *b)
{
	if (b && b->cap)
		slots_free(b->s, b->cap);
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
static size_t find(const idbuf *b, uint64_t hash)
{
	size_t mask = b->cap - 1;
	for (size_t i = home(b, hash);; i = (i + 1) & mask)
		if (b->s.hash[i] == hash || b->s.hash[i] == 0)
			return i;
}

int idbuf_get(const idbuf *b, uint64_t hash, uint32_t *seq)
{
	if (b->count == 0)
		return 0;
	size_t i = find(b, hash);
	if (b->s.hash[i] == 0)
		return 0;
	*seq = b->s.seq[i];
	return 1;
}

void idbuf_prefetch(const idbuf *b, uint64_t hash)
{
	if (b->cap)
		__builtin_prefetch(&b->s.hash[home(b, hash)]);
}

static int grow_to(idbuf *b, size_t ncap)
{
	idbuf nb = {{bigmem_alloc(ncap * sizeof(uint64_t)), bigmem_alloc(ncap * sizeof(uint32_t))},
		    ncap, b->count, 64};
	if (!nb.s.hash || !nb.s.seq) {
		slots_free(nb.s, ncap);
		return -1;
	}
	for (size_t c = ncap; c > 1; c >>= 1)
		nb.shift--;
	for (size_t i = 0; i < b->cap; i++)
		if (b->s.hash[i]) {
			size_t j = find(&nb, b->s.hash[i]);
			nb.s.hash[j] = b->s.hash[i];
			nb.s.seq[j] = b->s.seq[i];
		}
	if (b->cap)
		slots_free(b->s, b->cap);
	*b = nb;
	return 0;
}

static bool holds(size_t cap, size_t n)
{
	return n * 4 <= cap * 3;
}

int idbuf_reserve(idbuf *b, size_t n)
{
	if (holds(b->cap, n))
		return 0;
	size_t cap = b->cap ? b->cap : (size_t)1 << FIRST_BITS;
	while (!holds(cap, n))
		cap *= 2;
	return grow_to(b, cap);
}

int idbuf_put(idbuf *b, uint64_t hash, uint32_t seq)
{
	if (idbuf_reserve(b, b->count + 1))
		return -1;
	size_t i = find(b, hash);
	b->s.hash[i] = hash;
	b->s.seq[i] = seq;
	b->count++;
	return 0;
}

int idbuf_sort(idbuf *b, size_t *n)
{
	uint64_t *hash = b->s.hash;
	uint32_t *seq = b->s.seq;
	/* The cluster at slot 0 may hold entries whose home is near the end. */
	size_t lead = 0, wrapped = 0;
	while (lead < b->cap && hash[lead]) {
		wrapped += home(b, hash[lead]) > lead;
		lead++;
	}
	uint64_t *tail_hash = wrapped ? malloc(wrapped * sizeof *tail_hash) : NULL;
	uint32_t *tail_seq = wrapped ? malloc(wrapped * sizeof *tail_seq) : NULL;
	if (wrapped && (!tail_hash || !tail_seq)) {
		free(tail_hash);
		free(tail_seq);
		return -1;
	}
	size_t m = 0, w = 0;
	for (size_t i = 0; i < b->cap; i++) {
		if (hash[i] == 0)
			continue;
		if (i < lead && home(b, hash[i]) > i) {
			tail_hash[w] = hash[i];
			tail_seq[w++] = seq[i];
		} else {
			hash[m] = hash[i];
			seq[m++] = seq[i];
		}
	}
	for (size_t i = 0; i < w; i++) {
		hash[m] = tail_hash[i];
		seq[m++] = tail_seq[i];
	}
	free(tail_hash);
	free(tail_seq);
	for (size_t i = 1; i < m; i++) {
		uint64_t h = hash[i];
		uint32_t q = seq[i];
		size_t j = i;
		for (; j > 0 && hash[j - 1] > h; j--) {
			hash[j] = hash[j - 1];
			seq[j] = seq[j - 1];
		}
		hash[j] = h;
		seq[j] = q;
	}
	*n = m;
	return 0;
}

void idbuf_at(const idbuf *b, size_t i, uint64_t *hash, uint32_t *seq)
{
	*hash = b->s.hash[i];
	*seq = b->s.seq[i];
}

void idbuf_clear(idbuf *b)
{
	if (b->cap)	/* a slot's seq is read only when its hash is set */
		memset(b->s.hash, 0, b->cap * sizeof *b->s.hash);
	b->count = 0;
}

#include "idfilter.h"

#include <stdlib.h>

#include "bigmem.h"

/* A blocked Bloom filter: a hash's bits all lie in one 64-byte block, so a
 * lookup costs one cache miss, not one per bit.  The high 32 bits of the
 * hash pick the block (scaled to the number of blocks, which need not be a
 * power of two: memory stays 12 bits per hash of capacity) and three 9-bit
 * fields of its low half the bits in it.  Hashes added in sorted order, as
 * a batch's flushes add them, then fill the blocks front to back.
 * At 12 bits per hash, three bits per hash in 512-bit blocks give about
 * 1% false positives when full. */
enum { BLOCK_WORDS = 8, BITS_PER_HASH = 12, PROBES = 3 };

typedef struct block {
	_Alignas(64) uint64_t w[BLOCK_WORDS];
} block;

struct idfilter {
	block *blocks;	/* on huge pages */
	size_t nblocks;
	size_t capacity;
};

idfilter *idfilter_new(size_t capacity)
{
	idfilter *f = calloc(1, sizeof *f);
	if (!f)
		return NULL;
	size_t block_bits = sizeof(block) * 8;
	f->nblocks = (capacity * BITS_PER_HASH + block_bits - 1) / block_bits;
	if (f->nblocks == 0)
		f->nblocks = 1;
	f->capacity = f->nblocks * block_bits / BITS_PER_HASH;
	if (!(f->blocks = bigmem_alloc(f->nblocks * sizeof(block)))) {
		free(f);
		return NULL;
	}
	return f;
}

void idfilter_free(idfilter *f)
{
	if (f)
		bigmem_free(f->blocks, f->nblocks * sizeof(block));
	free(f);
}

size_t idfilter_capacity(const idfilter *f)
{
	return f->capacity;
}

static block *block_of(const idfilter *f, uint64_t hash)
{
	return &f->blocks[(hash >> 32) * f->nblocks >> 32];
}

/* The i-th bit of hash in its block: word (bits 6..8), bit (bits 0..5). */
static unsigned probe(uint64_t hash, int i)
{
	return (unsigned)(hash >> (9 * i)) & 511;
}

void idfilter_add(idfilter *f, uint64_t hash)
{
	block *b = block_of(f, hash);
	for (int i = 0; i < PROBES; i++) {
		unsigned bit = probe(hash, i);
		b->w[bit >> 6] |= UINT64_C(1) << (bit & 63);
	}
}

bool idfilter_may_hold(const idfilter *f, uint64_t hash)
{
	const block *b = block_of(f, hash);
	for (int i = 0; i < PROBES; i++) {
		unsigned bit = probe(hash, i);
		if (!(b->w[bit >> 6] >> (bit & 63) & 1))
			return false;
	}
	return true;
}

void idfilter_prefetch(const idfilter *f, uint64_t hash)
{
	__builtin_prefetch(block_of(f, hash));
}

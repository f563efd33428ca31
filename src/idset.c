#include "idset.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct idset {
	size_t count;
	uint32_t max_id;	/* largest id added */
	/* a hash table while `table` is set: open addressing, 0 = empty,
	 * at most half full */
	uint32_t *table;
	size_t cap;		/* a power of two */
	/* else a bitmap of ids 0..words*64-1 */
	uint64_t *bits;
	size_t words;
};

enum { FIRST_CAP = 8 };

idset *idset_new(void)
{
	idset *s = calloc(1, sizeof *s);
	if (!s || !(s->table = calloc(FIRST_CAP, sizeof *s->table))) {
		free(s);
		return NULL;
	}
	s->cap = FIRST_CAP;
	return s;
}

void idset_free(idset *s)
{
	if (!s)
		return;
	free(s->table);
	free(s->bits);
	free(s);
}

size_t idset_count(const idset *s)
{
	return s->count;
}

/* Fibonacci hashing: consecutive ids spread over the table. */
static size_t slot_of(uint32_t id, size_t cap)
{
	return (size_t)((id * UINT64_C(0x9E3779B97F4A7C15)) >> 32) & (cap - 1);
}

/* true when id was not in the table yet */
static bool table_put(uint32_t *table, size_t cap, uint32_t id)
{
	for (size_t i = slot_of(id, cap);; i = (i + 1) & (cap - 1)) {
		if (table[i] == id)
			return false;
		if (table[i] == 0) {
			table[i] = id;
			return true;
		}
	}
}

/* Makes the bitmap hold ids up to max_id. */
static int bits_reserve(idset *s, uint32_t max_id)
{
	size_t words = (size_t)max_id / 64 + 1;
	if (words <= s->words)
		return 0;
	if (words < 2 * s->words)
		words = 2 * s->words;	/* ids usually come in rising order */
	uint64_t *nb = realloc(s->bits, words * sizeof *nb);
	if (!nb)
		return -1;
	memset(nb + s->words, 0, (words - s->words) * sizeof *nb);
	s->bits = nb;
	s->words = words;
	return 0;
}

static bool bits_put(idset *s, uint32_t id)
{
	uint64_t bit = UINT64_C(1) << (id % 64), *w = &s->bits[id / 64];
	bool fresh = !(*w & bit);
	*w |= bit;
	return fresh;
}

/* Turns s into a bitmap holding ids up to max_id. */
static int to_bits(idset *s, uint32_t max_id)
{
	if (bits_reserve(s, max_id))
		return -1;
	if (s->table) {
		for (size_t i = 0; i < s->cap; i++)
			if (s->table[i])
				bits_put(s, s->table[i]);
		free(s->table);
		s->table = NULL;
	}
	return 0;
}

/* The table is full: a table twice as large, or the bitmap when that is
 * no larger. */
static int grow(idset *s, uint32_t max_id)
{
	size_t ncap = s->cap * 2;
	if (ncap * sizeof *s->table >= ((size_t)max_id / 64 + 1) * sizeof *s->bits)
		return to_bits(s, max_id);
	uint32_t *nt = calloc(ncap, sizeof *nt);
	if (!nt)
		return -1;
	for (size_t i = 0; i < s->cap; i++)
		if (s->table[i])
			table_put(nt, ncap, s->table[i]);
	free(s->table);
	s->table = nt;
	s->cap = ncap;
	return 0;
}

int idset_add(idset *s, uint32_t id)
{
	uint32_t max_id = id > s->max_id ? id : s->max_id;
	if (s->table && 2 * (s->count + 1) > s->cap && grow(s, max_id))
		return -1;
	bool fresh;
	if (s->table) {
		fresh = table_put(s->table, s->cap, id);
	} else {
		if (bits_reserve(s, max_id))
			return -1;
		fresh = bits_put(s, id);
	}
	s->max_id = max_id;
	s->count += fresh;
	return 0;
}

int idset_merge(idset *s, const idset *from)
{
	if (from->table) {
		for (size_t i = 0; i < from->cap; i++)
			if (from->table[i] && idset_add(s, from->table[i]))
				return -1;
		return 0;
	}
	/* a bitmap: word by word, then count what the union holds */
	uint32_t max_id = from->max_id > s->max_id ? from->max_id : s->max_id;
	if (to_bits(s, max_id))
		return -1;
	size_t count = 0;
	for (size_t i = 0; i < s->words; i++) {
		if (i < from->words)
			s->bits[i] |= from->bits[i];
		count += (size_t)__builtin_popcountll(s->bits[i]);
	}
	s->count = count;
	s->max_id = max_id;
	return 0;
}

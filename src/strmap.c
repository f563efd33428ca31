#include "strmap.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "bigmem.h"

/* Keys this short are kept in the slot itself: customer ids, skus and tag
 * values mostly are, and a lookup then touches one cache line instead of
 * going on to the arena for the comparison (a second miss per lookup, and
 * 7 % of a 10M ingest). */
enum { INLINE_MAX = 16 };

typedef struct slot {
	uint64_t hash;		/* 0 marks an empty slot */
	uint32_t len, val;
	union {
		char bytes[INLINE_MAX];	/* len <= INLINE_MAX */
		uint32_t off;		/* else: the key's bytes in the arena */
	} key;
} slot;

/* Slots are aligned to a cache line, two to a line: calloc's blocks start
 * 16 bytes into a page, and there every other slot straddled two lines, so
 * a lookup prefetched or not would wait for the second one. */
enum { SLOT_ALIGN = 64 };

/* Slots of a map this big or bigger sit on huge pages (bigmem.h): a bulk
 * load's customer map grows to hundreds of MB, looked up at random once per
 * event, and on 4 KiB pages each lookup also missed the TLB.  Smaller maps,
 * of which a query may make many, stay on the heap. */
enum { BIG_SLOTS = 1u << 20 };

static bool slots_big(size_t cap)
{
	return cap * sizeof(slot) >= BIG_SLOTS;
}

static slot *slots_new(size_t cap)
{
	if (slots_big(cap))
		return bigmem_alloc(cap * sizeof(slot));
	slot *s = aligned_alloc(SLOT_ALIGN, cap * sizeof *s);
	if (s)
		memset(s, 0, cap * sizeof *s);
	return s;
}

static void slots_free(slot *s, size_t cap)
{
	if (slots_big(cap))
		bigmem_free(s, cap * sizeof *s);
	else
		free(s);
}

struct strmap {
	slot *slots;
	size_t cap, count;	/* cap is a power of two */
	char *arena;
	size_t arena_len, arena_cap;
};

static uint64_t key_hash(const void *key, size_t len)
{
	uint64_t h = XXH3_64bits(key, len);
	return h ? h : 1;
}

strmap *strmap_new(void)
{
	strmap *m = calloc(1, sizeof *m);
	if (!m)
		return NULL;
	m->cap = 1024;
	m->slots = slots_new(m->cap);
	if (!m->slots) {
		free(m);
		return NULL;
	}
	return m;
}

void strmap_free(strmap *m)
{
	if (!m)
		return;
	slots_free(m->slots, m->cap);
	free(m->arena);
	free(m);
}

size_t strmap_count(const strmap *m)
{
	return m->count;
}

void strmap_each(const strmap *m, strmap_each_fn fn, void *arg)
{
	for (size_t i = 0; i < m->cap; i++) {
		const slot *s = &m->slots[i];
		if (s->hash)
			fn(arg, s->len <= INLINE_MAX ? s->key.bytes : m->arena + s->key.off, s->len, s->val);
	}
}

/* A key of at most INLINE_MAX bytes as the two words its zero-padded copy
 * in a slot reads as, built in registers: copied into a padded buffer on the
 * stack first, the narrow stores of the copy stalled the wide loads of the
 * comparison (store forwarding fails), 5% of a bulk load. */
static void inline_words(const unsigned char *p, size_t len, uint64_t w[2])
{
	w[0] = w[1] = 0;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	/* overlapping loads cover every byte; byte i of a word is its bits 8i */
	uint64_t a, b;
	uint32_t c, d;
	if (len >= 8) {
		memcpy(&a, p, 8);
		memcpy(&b, p + len - 8, 8);
		w[0] = a;
		if (len > 8)
			w[1] = b >> (8 * (16 - len));
	} else if (len >= 4) {
		memcpy(&c, p, 4);
		memcpy(&d, p + len - 4, 4);
		w[0] = c | (uint64_t)d << (8 * (len - 4));
	} else if (len > 0) {
		w[0] = p[0] | (uint64_t)p[len / 2] << (8 * (len / 2)) | (uint64_t)p[len - 1] << (8 * (len - 1));
	}
#else
	if (len)	/* an empty key may come with a NULL pointer */
		memcpy(w, p, len);
#endif
}

/* An inline key is compared as all INLINE_MAX bytes of its slot, zero
 * padded (slots start zeroed and are never reused), against the sought key
 * padded the same way: a comparison of two words, not a call to memcmp. */
static slot *find(const strmap *m, const void *key, size_t len, uint64_t h)
{
	uint64_t want[2] = {0, 0};
	if (len <= INLINE_MAX)
		inline_words(key, len, want);
	size_t mask = m->cap - 1;
	for (size_t i = h & mask;; i = (i + 1) & mask) {
		slot *s = &m->slots[i];
		if (s->hash == 0)
			return s;
		if (s->hash != h || s->len != len)
			continue;
		uint64_t have[2];
		if (len <= INLINE_MAX) {
			memcpy(have, s->key.bytes, sizeof have);
			if (have[0] == want[0] && have[1] == want[1])
				return s;
		} else if (memcmp(m->arena + s->key.off, key, len) == 0) {
			return s;
		}
	}
}

int strmap_get(const strmap *m, const void *key, size_t len, uint32_t *val)
{
	const slot *s = find(m, key, len, key_hash(key, len));
	if (s->hash == 0)
		return 0;
	*val = s->val;
	return 1;
}

void strmap_prefetch(const strmap *m, const void *key, size_t len)
{
	__builtin_prefetch(&m->slots[key_hash(key, len) & (m->cap - 1)]);
}

static int grow(strmap *m)
{
	size_t ncap = m->cap * 2;
	slot *ns = slots_new(ncap);
	if (!ns)
		return -1;
	for (size_t i = 0; i < m->cap; i++) {
		slot *s = &m->slots[i];
		if (s->hash == 0)
			continue;
		size_t j = s->hash & (ncap - 1);
		while (ns[j].hash)
			j = (j + 1) & (ncap - 1);
		ns[j] = *s;
	}
	slots_free(m->slots, m->cap);
	m->slots = ns;
	m->cap = ncap;
	return 0;
}

static int arena_add(strmap *m, const void *key, size_t len)
{
	if (m->arena_len + len > m->arena_cap) {
		size_t ncap = m->arena_cap ? m->arena_cap * 2 : 65536;
		while (ncap < m->arena_len + len)
			ncap *= 2;
		if (ncap > UINT32_MAX)
			return -1;
		char *na = realloc(m->arena, ncap);
		if (!na)
			return -1;
		m->arena = na;
		m->arena_cap = ncap;
	}
	memcpy(m->arena + m->arena_len, key, len);
	m->arena_len += len;
	return 0;
}

int strmap_put(strmap *m, const void *key, size_t len, uint32_t val)
{
	uint64_t h = key_hash(key, len);
	slot *s = find(m, key, len, h);
	if (s->hash) {
		s->val = val;
		return 0;
	}
	if ((m->count + 1) * 4 > m->cap * 3) {
		if (grow(m) < 0)
			return -1;
		s = find(m, key, len, h);
	}
	if (len > INLINE_MAX) {
		if (arena_add(m, key, len) < 0)
			return -1;
		s->key.off = (uint32_t)(m->arena_len - len);
	} else if (len) {	/* an empty key may come with a NULL pointer */
		memcpy(s->key.bytes, key, len);
	}
	s->hash = h;
	s->len = (uint32_t)len;
	s->val = val;
	m->count++;
	return 0;
}

/* varint.h — the LEB128 varints (and zigzag for signed values) that the
 * store's records are made of: small numbers take one byte.
 *
 * Header-only: a scan decodes every field of every record through these,
 * and they must inline into the decoder. */
#ifndef TIDE_VARINT_H
#define TIDE_VARINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* At most this many bytes per value. */
#define VARINT_MAX 10

static inline size_t varint_put(uint8_t *p, uint64_t v)
{
	size_t n = 0;
	while (v >= 0x80) {
		p[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	return n;
}

static inline size_t varint_put_zz(uint8_t *p, int64_t v)
{
	return varint_put(p, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

/* A cursor over a record's bytes; any read past the end marks it bad. */
typedef struct varint_rd {
	const uint8_t *p, *end;
	bool bad;
} varint_rd;

/* Works on a local copy of the position: through r, every byte read would
 * store and reload r->p (a byte read may alias anything), and this loop
 * runs for every field of every record a scan decodes. */
static inline uint64_t varint_get(varint_rd *r)
{
	const uint8_t *p = r->p;
	uint64_t v = 0;
	for (int shift = 0; shift < 64 && p < r->end; shift += 7) {
		uint8_t byte = *p++;
		v |= (uint64_t)(byte & 0x7f) << shift;
		if (!(byte & 0x80)) {
			r->p = p;
			return v;
		}
	}
	r->p = p;
	r->bad = true;
	return 0;
}

static inline int64_t varint_get_zz(varint_rd *r)
{
	uint64_t v = varint_get(r);
	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

static inline uint8_t varint_get_u8(varint_rd *r)
{
	if (r->p >= r->end) {
		r->bad = true;
		return 0;
	}
	return *r->p++;
}

static inline uint32_t varint_get_u32(varint_rd *r)
{
	uint64_t v = varint_get(r);
	if (v > UINT32_MAX)
		r->bad = true;
	return (uint32_t)v;
}

#endif

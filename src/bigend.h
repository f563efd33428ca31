/* bigend.h — unsigned integers as big-endian bytes: keys whose byte order
 * (LMDB's default, memcmp) must be their numeric order, and files written
 * that way (tzfile).
 *
 * Header-only: key encoding sits on the write path of every event. */
#ifndef TIDE_BIGEND_H
#define TIDE_BIGEND_H

#include <stdint.h>

/* Writes the low n bytes of v (n <= 8), most significant first. */
static inline void bigend_put(uint8_t *out, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		out[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
}

/* Reads n bytes (n <= 8), most significant first. */
static inline uint64_t bigend_get(const uint8_t *in, int n)
{
	uint64_t v = 0;
	for (int i = 0; i < n; i++)
		v = v << 8 | in[i];
	return v;
}

#endif

#include "colblock.h"

#include <string.h>

enum { COL_HEAD = 8 + 1 };	/* least value, width */

static int width_of(uint64_t range)
{
	return range == 0 ? 0 : range <= UINT8_MAX ? 1 : range <= UINT16_MAX ? 2 : range <= UINT32_MAX ? 4 : 8;
}

static size_t encoded_size(uint32_t n, const int width[CB_NCOLS])
{
	size_t size = 2 + (n + 7) / 8;
	for (int c = 0; c < CB_NCOLS; c++)
		size += COL_HEAD + (size_t)n * (size_t)width[c];
	return size;
}

void colblock_reset(colblock *b)
{
	b->n = 0;
}

bool colblock_add(colblock *b, uint64_t seq, int64_t ts, uint32_t customer, int64_t amount,
		  bool has_cost, int64_t cost)
{
	if (b->n == COLBLOCK_EVENTS)
		return false;
	const int64_t v[CB_NCOLS] = {(int64_t)seq, ts, customer, amount, has_cost ? cost : 0};
	int64_t lo[CB_NCOLS], hi[CB_NCOLS];
	int width[CB_NCOLS];
	for (int c = 0; c < CB_NCOLS; c++) {
		lo[c] = b->n == 0 || v[c] < b->lo[c] ? v[c] : b->lo[c];
		hi[c] = b->n == 0 || v[c] > b->hi[c] ? v[c] : b->hi[c];
		width[c] = width_of((uint64_t)hi[c] - (uint64_t)lo[c]);
	}
	if (encoded_size(b->n + 1, width) > COLBLOCK_BYTES)
		return false;
	for (int c = 0; c < CB_NCOLS; c++) {
		b->col[c][b->n] = v[c];
		b->lo[c] = lo[c];
		b->hi[c] = hi[c];
	}
	b->has_cost[b->n++] = has_cost;
	return true;
}

static void put_le(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *p, int n)
{
	uint64_t v = 0;
	for (int i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

size_t colblock_encode(const colblock *b, uint8_t out[COLBLOCK_BYTES])
{
	uint32_t n = b->n;
	put_le(out, n, 2);
	uint8_t *p = out + 2;
	memset(p, 0, (n + 7) / 8);
	for (uint32_t i = 0; i < n; i++)
		p[i / 8] |= (uint8_t)(b->has_cost[i] << (i % 8));
	p += (n + 7) / 8;
	for (int c = 0; c < CB_NCOLS; c++) {
		uint64_t least = n ? (uint64_t)b->lo[c] : 0;	/* lo and hi are set by the first add */
		int w = n ? width_of((uint64_t)b->hi[c] - least) : 0;
		put_le(p, least, 8);
		p[8] = (uint8_t)w;
		p += COL_HEAD;
		for (uint32_t i = 0; i < n; i++, p += w)
			put_le(p, (uint64_t)b->col[c][i] - least, w);
	}
	return (size_t)(p - out);
}

/* One loop per width, so that each is a plain loop the compiler unrolls
 * (and the byte loads of get_le become one load). */
static void get_column(const uint8_t *p, int w, uint64_t least, uint32_t n, int64_t *out)
{
	switch (w) {
	case 0:
		for (uint32_t i = 0; i < n; i++)
			out[i] = (int64_t)least;
		break;
	case 1:
		for (uint32_t i = 0; i < n; i++)
			out[i] = (int64_t)(least + p[i]);
		break;
	case 2:
		for (uint32_t i = 0; i < n; i++)
			out[i] = (int64_t)(least + get_le(p + 2 * i, 2));
		break;
	case 4:
		for (uint32_t i = 0; i < n; i++)
			out[i] = (int64_t)(least + get_le(p + 4 * i, 4));
		break;
	default:
		for (uint32_t i = 0; i < n; i++)
			out[i] = (int64_t)(least + get_le(p + 8 * i, 8));
		break;
	}
}

bool colblock_decode(const uint8_t *in, size_t len, colblock *b)
{
	if (len < 2 || len > COLBLOCK_BYTES)
		return false;
	uint32_t n = (uint32_t)get_le(in, 2);
	const uint8_t *p = in + 2, *end = in + len;
	if (n > COLBLOCK_EVENTS || (size_t)(end - p) < (n + 7) / 8)
		return false;
	for (uint32_t i = 0; i < n; i++)
		b->has_cost[i] = p[i / 8] >> (i % 8) & 1;
	p += (n + 7) / 8;
	for (int c = 0; c < CB_NCOLS; c++) {
		if (end - p < COL_HEAD)
			return false;
		uint64_t least = get_le(p, 8);
		int w = p[8];
		p += COL_HEAD;
		if ((w != 0 && w != 1 && w != 2 && w != 4 && w != 8) || (size_t)(end - p) < (size_t)n * (size_t)w)
			return false;
		get_column(p, w, least, n, b->col[c]);
		p += (size_t)n * (size_t)w;
	}
	b->n = n;
	return p == end;
}

void colblock_resume(colblock *b)
{
	for (int c = 0; c < CB_NCOLS; c++)
		for (uint32_t i = 0; i < b->n; i++) {
			int64_t v = b->col[c][i];
			b->lo[c] = i == 0 || v < b->lo[c] ? v : b->lo[c];
			b->hi[c] = i == 0 || v > b->hi[c] ? v : b->hi[c];
		}
}

#include "colblock.h"

#include <endian.h>
#include <string.h>

#include "varint.h"

enum { COL_HEAD = 8 + 1 };	/* least value, width */
enum { TAG_HEAD = 4 };		/* a tag column's name, before its column */
enum { COLS_MAX = CB_NCOLS + COLBLOCK_TAGS };

/* The fewest bytes that hold range: customers, amounts and costs of a
 * block take 3 more often than 4. */
static int width_of(uint64_t range)
{
	int w = 0;
	while (range) {
		w++;
		range >>= 8;
	}
	return w;
}

/* The encoded size of n orders of ntags tag columns whose widths add up to
 * row bytes. */
static size_t encoded_size(uint32_t n, uint32_t ntags, size_t row)
{
	return 2 + (n + 7) / 8 + 1 + (size_t)ntags * TAG_HEAD + (CB_NCOLS + ntags) * (size_t)COL_HEAD + n * row;
}

void colblock_reset(colblock *b)
{
	b->n = 0;
	b->ntags = 0;
}

/* The column of tag name among b's ntags (names past b->ntags are in
 * added, not yet b's), or -1.  Every row of an input names its tags alike,
 * so a tag is most often where it was in the last order. */
static int tag_column(const colblock *b, const uint32_t *added, uint32_t ntags, uint32_t name, uint32_t hint)
{
	uint32_t t = hint < ntags ? hint : 0;
	for (uint32_t k = 0; k < ntags; k++, t = t + 1 == ntags ? 0 : t + 1)
		if ((t < b->ntags ? b->tag_name[t] : added[t - b->ntags]) == name)
			return (int)t;
	return -1;
}

bool colblock_add(colblock *b, const colblock_order *o)
{
	if (b->n == COLBLOCK_EVENTS)
		return false;
	int64_t v[COLS_MAX];
	v[CB_SEQ] = (int64_t)o->seq;
	v[CB_TS] = o->ts;
	v[CB_CUSTOMER] = o->customer;
	v[CB_AMOUNT] = o->amount;
	v[CB_COST] = o->has_cost ? o->cost : 0;
	uint32_t added[COLBLOCK_TAGS], ntags = b->ntags;
	for (uint32_t t = 0; t < ntags; t++)
		v[CB_NCOLS + t] = 0;
	for (uint32_t i = 0; i < o->ntags; i++) {
		uint32_t name = o->tags[2 * i], value = o->tags[2 * i + 1];
		if (value == 0)
			continue;
		int t = ntags ? tag_column(b, added, ntags, name, i) : -1;
		if (t < 0) {
			if (ntags == COLBLOCK_TAGS)
				return false;
			added[ntags - b->ntags] = name;
			v[CB_NCOLS + ntags] = 0;
			t = (int)ntags++;
		}
		v[CB_NCOLS + t] = value;
	}
	/* Most orders fall within every column's bounds: only the columns this
	 * one widens (every column, for a block's first) get new bounds,
	 * kept aside until the order is known to fit. */
	uint32_t grown[COLS_MAX], ngrown = 0;
	int64_t lo[COLS_MAX], hi[COLS_MAX];
	int width[COLS_MAX];
	size_t row = b->n ? b->row_bytes : 0;
	for (uint32_t c = 0; c < CB_NCOLS + ntags; c++) {
		/* a column new in this order holds 0 for the orders before it */
		bool fresh = c >= CB_NCOLS + b->ntags;
		if (b->n && !fresh && v[c] >= b->lo[c] && v[c] <= b->hi[c])
			continue;
		int64_t was_lo = b->n == 0 ? v[c] : fresh ? 0 : b->lo[c];
		int64_t was_hi = b->n == 0 ? v[c] : fresh ? 0 : b->hi[c];
		lo[c] = v[c] < was_lo ? v[c] : was_lo;
		hi[c] = v[c] > was_hi ? v[c] : was_hi;
		width[c] = width_of((uint64_t)hi[c] - (uint64_t)lo[c]);
		row += (size_t)width[c] - (b->n && !fresh ? (size_t)b->width[c] : 0);
		grown[ngrown++] = c;
	}
	if (encoded_size(b->n + 1, ntags, row) > COLBLOCK_BYTES)
		return false;
	for (uint32_t t = b->ntags; t < ntags; t++) {
		b->tag_name[t] = added[t - b->ntags];
		memset(b->col[CB_NCOLS + t], 0, b->n * sizeof b->col[0][0]);
	}
	b->ntags = ntags;
	for (uint32_t k = 0; k < ngrown; k++) {
		uint32_t c = grown[k];
		b->lo[c] = lo[c];
		b->hi[c] = hi[c];
		b->width[c] = width[c];
	}
	b->row_bytes = row;
	for (uint32_t c = 0; c < CB_NCOLS + ntags; c++)
		b->col[c][b->n] = v[c];
	b->has_cost[b->n++] = o->has_cost;
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

static uint8_t *put_column(uint8_t *p, const colblock *b, uint32_t c)
{
	uint32_t n = b->n;
	uint64_t least = n ? (uint64_t)b->lo[c] : 0;	/* lo and width are set by the first add */
	int w = n ? b->width[c] : 0;
	put_le(p, least, 8);
	p[8] = (uint8_t)w;
	p += COL_HEAD;
	for (uint32_t i = 0; i < n; i++, p += w)
		put_le(p, (uint64_t)b->col[c][i] - least, w);
	return p;
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
	for (uint32_t c = 0; c < CB_NCOLS; c++)
		p = put_column(p, b, c);
	*p++ = (uint8_t)b->ntags;
	for (uint32_t t = 0; t < b->ntags; t++) {
		put_le(p, b->tag_name[t], TAG_HEAD);
		p = put_column(p + TAG_HEAD, b, CB_NCOLS + t);
	}
	return (size_t)(p - out);
}

/* A little-endian load of 2, 4 or 8 bytes as one load (gcc keeps get_le's
 * byte loop for a width of 4 once get_column is inlined). */
static inline uint64_t load_le16(const uint8_t *p)
{
	uint16_t v;
	memcpy(&v, p, sizeof v);
	return le16toh(v);
}

static inline uint64_t load_le32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof v);
	return le32toh(v);
}

static inline uint64_t load_le64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof v);
	return le64toh(v);
}

/* One loop per width, so that each is a plain loop the compiler unrolls
 * and vectorises. */
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
			out[i] = (int64_t)(least + load_le16(p + 2 * i));
		break;
	case 3:
		/* 4 bytes loaded and one masked off, but for the last value, whose
		 * fourth byte may lie past the block */
		for (uint32_t i = 0; i + 1 < n; i++)
			out[i] = (int64_t)(least + (load_le32(p + 3 * i) & 0xffffff));
		if (n)
			out[n - 1] = (int64_t)(least + get_le(p + 3 * (n - 1), 3));
		break;
	case 4:
		for (uint32_t i = 0; i < n; i++)
			out[i] = (int64_t)(least + load_le32(p + 4 * i));
		break;
	case 8:
		for (uint32_t i = 0; i < n; i++)
			out[i] = (int64_t)(least + load_le64(p + 8 * i));
		break;
	default:
		for (uint32_t i = 0; i < n; i++)
			out[i] = (int64_t)(least + get_le(p + (size_t)w * i, w));
		break;
	}
}

/* Reads the column at *p into out (or only steps over it when out is
 * NULL); false when the bytes end before it does. */
static bool take_column(const uint8_t **p, const uint8_t *end, uint32_t n, int64_t *out)
{
	if (end - *p < COL_HEAD)
		return false;
	uint64_t least = get_le(*p, 8);
	int w = (*p)[8];
	*p += COL_HEAD;
	if (w > 8 || (size_t)(end - *p) < (size_t)n * (size_t)w)
		return false;
	if (out)
		get_column(*p, w, least, n, out);
	*p += (size_t)n * (size_t)w;
	return true;
}

/* Whether tag name is one of names. */
static bool wanted(const uint32_t *names, uint32_t nnames, uint32_t name)
{
	for (uint32_t k = 0; k < nnames; k++)
		if (names[k] == name)
			return true;
	return false;
}

/* Decodes every tag column when all_tags, else those named in names. */
static bool decode(const uint8_t *in, size_t len, bool all_tags, const uint32_t *names, uint32_t nnames,
		   colblock *b)
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
	for (uint32_t c = 0; c < CB_NCOLS; c++)
		if (!take_column(&p, end, n, b->col[c]))
			return false;
	if (p == end || *p > COLBLOCK_TAGS)
		return false;
	uint32_t ntags = *p++, kept = 0;
	for (uint32_t t = 0; t < ntags; t++) {
		if (end - p < TAG_HEAD)
			return false;
		uint32_t name = (uint32_t)get_le(p, TAG_HEAD);
		p += TAG_HEAD;
		bool keep = all_tags || wanted(names, nnames, name);
		if (!take_column(&p, end, n, keep ? b->col[CB_NCOLS + kept] : NULL))
			return false;
		if (keep)
			b->tag_name[kept++] = name;
	}
	b->n = n;
	b->ntags = kept;
	return p == end;
}

bool colblock_decode(const uint8_t *in, size_t len, colblock *b)
{
	return decode(in, len, true, NULL, 0, b);
}

bool colblock_decode_tags(const uint8_t *in, size_t len, const uint32_t *names, uint32_t nnames,
			  colblock *b)
{
	return decode(in, len, false, names, nnames, b);
}

void colblock_resume(colblock *b)
{
	b->row_bytes = 0;
	for (uint32_t c = 0; c < CB_NCOLS + b->ntags; c++) {
		for (uint32_t i = 0; i < b->n; i++) {
			int64_t v = b->col[c][i];
			b->lo[c] = i == 0 || v < b->lo[c] ? v : b->lo[c];
			b->hi[c] = i == 0 || v > b->hi[c] ? v : b->hi[c];
		}
		b->width[c] = b->n ? width_of((uint64_t)b->hi[c] - (uint64_t)b->lo[c]) : 0;
		b->row_bytes += (size_t)b->width[c];
	}
}

size_t colblock_tags_of(const colblock *b, uint32_t i, uint8_t *out, uint32_t *ntags)
{
	size_t len = 0;
	uint32_t count = 0;
	for (uint32_t t = 0; t < b->ntags; t++) {
		uint32_t value = (uint32_t)b->col[CB_NCOLS + t][i];
		if (value == 0)
			continue;
		len += varint_put(out + len, b->tag_name[t]);
		len += varint_put(out + len, value);
		count++;
	}
	*ntags = count;
	return len;
}

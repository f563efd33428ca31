#include "logblock.h"

#include <string.h>

#include "varint.h"

void logblock_reset(logblock *b)
{
	b->len = 0;
}

bool logblock_add(logblock *b, uint64_t seq, const uint8_t *rec, size_t len)
{
	uint8_t head[2 * VARINT_MAX];
	size_t n = varint_put(head, b->len ? seq - b->last : 0);
	n += varint_put(head + n, len);
	if (n + len > LOGBLOCK_BYTES - b->len)
		return false;
	memcpy(b->bytes + b->len, head, n);
	memcpy(b->bytes + b->len + n, rec, len);
	if (b->len == 0)
		b->first = seq;
	b->last = seq;
	b->len += n + len;
	return true;
}

void logblock_read(logblock_rd *r, uint64_t first, const void *bytes, size_t len)
{
	r->p = bytes;
	r->end = r->p + len;
	r->seq = first;
	r->started = false;
}

int logblock_next(logblock_rd *r, uint64_t *seq, const uint8_t **rec, size_t *len)
{
	if (r->p == r->end)
		return 0;
	varint_rd v = {r->p, r->end, false};
	uint64_t delta = varint_get(&v), n = varint_get(&v);
	if (v.bad || (delta == 0) != !r->started || delta > UINT64_MAX - r->seq ||
	    n > (uint64_t)(v.end - v.p))
		return -1;
	r->seq += delta;
	r->started = true;
	r->p = v.p + n;
	*seq = r->seq;
	*rec = v.p;
	*len = (size_t)n;
	return 1;
}

bool logblock_resume(logblock *b, uint64_t first, const void *bytes, size_t len)
{
	if (len == 0 || len > LOGBLOCK_BYTES)
		return false;
	logblock_rd r;
	logblock_read(&r, first, bytes, len);
	uint64_t seq = first;
	const uint8_t *rec;
	size_t n;
	int rc;
	while ((rc = logblock_next(&r, &seq, &rec, &n)) == 1)
		;
	if (rc < 0)
		return false;
	memcpy(b->bytes, bytes, len);
	b->len = len;
	b->first = first;
	b->last = seq;
	return true;
}

/* custindex.c — the customer index as blocks of one customer's entries
 * (custindex.h has the layout). */
#include "custindex.h"

#include <stdlib.h>
#include <string.h>

#include "bigend.h"
#include "err.h"
#include "grow.h"
#include "timefmt.h"

void custindex_entry_encode(int64_t ts, uint64_t seq, uint8_t out[CUSTINDEX_ENTRY])
{
	bigend_put(out, (uint64_t)(ts - TIDE_TS_MIN), 5);
	bigend_put(out + 5, seq, 4);
}

void custindex_entry_decode(const uint8_t in[CUSTINDEX_ENTRY], int64_t *ts, uint64_t *seq)
{
	*ts = (int64_t)bigend_get(in, 5) + TIDE_TS_MIN;
	*seq = bigend_get(in + 5, 4);
}

static void make_key(uint32_t customer, const uint8_t *entry, uint8_t key[CUSTINDEX_KEY])
{
	bigend_put(key, customer, 4);
	memcpy(key + 4, entry, CUSTINDEX_ENTRY);
}

/* Whether k, v is a block as written: of customer (when one is given), its
 * key its first entry.  *n: its entries. */
static bool block_ok(const MDB_val *k, const MDB_val *v, size_t *n)
{
	*n = v->mv_size / CUSTINDEX_ENTRY;
	return k->mv_size == CUSTINDEX_KEY && v->mv_size % CUSTINDEX_ENTRY == 0 && *n > 0 &&
	       *n <= CUSTINDEX_CAP && memcmp((const uint8_t *)k->mv_data + 4, v->mv_data, CUSTINDEX_ENTRY) == 0;
}

static uint32_t key_customer(const MDB_val *k)
{
	return (uint32_t)bigend_get(k->mv_data, 4);
}

/* ---- writing ---- */

static int reserve(custindex_writer *w, size_t entries)
{
	uint8_t *buf = grow_reserve(w->buf, &w->cap, entries, CUSTINDEX_ENTRY, 256);
	if (!buf)
		return TIDE_ENOMEM;
	w->buf = buf;
	return 0;
}

/* Puts entries as the customer's blocks, full ones first: only a
 * customer's last block takes entries later, so a partial one anywhere else
 * would stay partial. */
static int put_blocks(custindex_writer *w, uint32_t customer, const uint8_t *e, size_t n, unsigned flags)
{
	for (size_t at = 0; at < n; at += CUSTINDEX_CAP) {
		size_t take = n - at < CUSTINDEX_CAP ? n - at : CUSTINDEX_CAP;
		uint8_t key[CUSTINDEX_KEY];
		make_key(customer, e + at * CUSTINDEX_ENTRY, key);
		MDB_val k = {sizeof key, key}, v = {take * CUSTINDEX_ENTRY, (void *)(e + at * CUSTINDEX_ENTRY)};
		int rc = mdb_cursor_put(w->cur, &k, &v, flags);
		if (rc)
			return rc;
	}
	return 0;
}

/* The cursor is on the customer's last block (k, v, m entries), whose
 * entries all come before e[0]: the block takes what it has room for,
 * rewritten in place (its key, the first entry, stays), and the rest go to
 * new blocks. */
static int extend(custindex_writer *w, const MDB_val *k, const MDB_val *v, size_t m, const uint8_t *e, size_t n)
{
	size_t take = CUSTINDEX_CAP - m < n ? CUSTINDEX_CAP - m : n;
	int rc = reserve(w, m + take);
	if (rc)
		return rc;
	/* k and v point into a page the put rewrites */
	uint8_t key[CUSTINDEX_KEY];
	memcpy(key, k->mv_data, sizeof key);
	memcpy(w->buf, v->mv_data, v->mv_size);
	memcpy(w->buf + v->mv_size, e, take * CUSTINDEX_ENTRY);
	MDB_val nk = {sizeof key, key}, nv = {(m + take) * CUSTINDEX_ENTRY, w->buf};
	if ((rc = mdb_cursor_put(w->cur, &nk, &nv, MDB_CURRENT)))
		return rc;
	return put_blocks(w, key_customer(&nk), e + take * CUSTINDEX_ENTRY, n - take, 0);
}

/* Merges the sorted a[0 .. na) and b[0 .. nb) into out; an entry in both
 * is corruption (sequence numbers are unique). */
static int merge(const uint8_t *a, size_t na, const uint8_t *b, size_t nb, uint8_t *out)
{
	size_t i = 0, j = 0;
	while (i < na && j < nb) {
		int c = memcmp(a + i * CUSTINDEX_ENTRY, b + j * CUSTINDEX_ENTRY, CUSTINDEX_ENTRY);
		if (c == 0)
			return TIDE_ECORRUPT;
		const uint8_t *src = c < 0 ? a + i++ * CUSTINDEX_ENTRY : b + j++ * CUSTINDEX_ENTRY;
		memcpy(out, src, CUSTINDEX_ENTRY);
		out += CUSTINDEX_ENTRY;
	}
	memcpy(out, a + i * CUSTINDEX_ENTRY, (na - i) * CUSTINDEX_ENTRY);
	memcpy(out + (na - i) * CUSTINDEX_ENTRY, b + j * CUSTINDEX_ENTRY, (nb - j) * CUSTINDEX_ENTRY);
	return 0;
}

/* The new entries go back in time: every block of the customer from the one
 * at `start` on is read (copied: a write may move the pages it is on),
 * deleted, and written again with the new entries merged in. */
static int rewrite(custindex_writer *w, uint32_t customer, const uint8_t start[CUSTINDEX_KEY],
		   const uint8_t *e, size_t n)
{
	MDB_val k = {CUSTINDEX_KEY, (void *)start}, v;
	size_t old = 0, ndead = 0;
	int rc;
	for (rc = mdb_cursor_get(w->cur, &k, &v, MDB_SET_RANGE); rc == 0 && key_customer(&k) == customer;
	     rc = mdb_cursor_get(w->cur, &k, &v, MDB_NEXT)) {
		size_t m;
		if (!block_ok(&k, &v, &m))
			return TIDE_ECORRUPT;
		/* room for the old entries, then the new, then their merge */
		if ((rc = reserve(w, 2 * (old + m + n))))
			return rc;
		memcpy(w->buf + old * CUSTINDEX_ENTRY, v.mv_data, v.mv_size);
		old += m;
		if (ndead == w->dead_cap) {
			size_t cap = w->dead_cap ? 2 * w->dead_cap : 8;
			void *dead = realloc(w->dead, cap * sizeof *w->dead);
			if (!dead)
				return TIDE_ENOMEM;
			w->dead = dead;
			w->dead_cap = cap;
		}
		memcpy(w->dead[ndead++], k.mv_data, CUSTINDEX_KEY);
	}
	if (rc && rc != MDB_NOTFOUND)
		return rc;
	MDB_txn *txn = mdb_cursor_txn(w->cur);
	MDB_dbi dbi = mdb_cursor_dbi(w->cur);
	for (size_t i = 0; i < ndead; i++) {
		MDB_val dk = {CUSTINDEX_KEY, w->dead[i]};
		if ((rc = mdb_del(txn, dbi, &dk, NULL)))
			return rc;
	}
	uint8_t *merged = w->buf + old * CUSTINDEX_ENTRY;
	if ((rc = merge(w->buf, old, e, n, merged)))
		return rc;
	return put_blocks(w, customer, merged, old + n, 0);
}

int custindex_put(custindex_writer *w, uint32_t customer, const uint8_t *e, size_t n)
{
	if (w->append)
		return put_blocks(w, customer, e, n, MDB_APPEND);
	/* The first block that starts after e[0], then the one before it: the
	 * customer's last block, in a batch that goes forward in time. */
	uint8_t key[CUSTINDEX_KEY];
	make_key(customer, e, key);
	MDB_val k = {sizeof key, key}, v;
	int rc = mdb_cursor_get(w->cur, &k, &v, MDB_SET_RANGE);
	if (rc && rc != MDB_NOTFOUND)
		return rc;
	bool later = rc == 0 && key_customer(&k) == customer;
	uint8_t start[CUSTINDEX_KEY];
	if (later)
		memcpy(start, k.mv_data, sizeof start);
	rc = mdb_cursor_get(w->cur, &k, &v, rc == 0 ? MDB_PREV : MDB_LAST);
	if (rc && rc != MDB_NOTFOUND)
		return rc;
	bool before = rc == 0 && key_customer(&k) == customer;
	size_t m = 0;
	if (before && !block_ok(&k, &v, &m))
		return TIDE_ECORRUPT;
	if (before) {
		const uint8_t *last = (const uint8_t *)v.mv_data + v.mv_size - CUSTINDEX_ENTRY;
		int c = memcmp(last, e, CUSTINDEX_ENTRY);
		if (c == 0)
			return TIDE_ECORRUPT;
		if (c < 0 && !later)
			return m < CUSTINDEX_CAP ? extend(w, &k, &v, m, e, n) : put_blocks(w, customer, e, n, 0);
		memcpy(start, k.mv_data, sizeof start);
		return rewrite(w, customer, start, e, n);
	}
	return later ? rewrite(w, customer, start, e, n) : put_blocks(w, customer, e, n, 0);
}

void custindex_writer_free(custindex_writer *w)
{
	free(w->buf);
	free(w->dead);
	w->buf = NULL;
	w->dead = NULL;
	w->cap = w->dead_cap = 0;
}

/* ---- reading ---- */

void custindex_iter_start(custindex_iter *it, MDB_cursor *base, MDB_cursor *recent, uint32_t customer,
			  int64_t from)
{
	*it = (custindex_iter){.part = {{.cur = base}, {.cur = recent}}, .customer = customer};
	for (int i = 0; i < 2; i++)
		it->part[i].done = it->part[i].cur == NULL;
	/* past the last second there is, still within the 5 bytes */
	if (from > TIDE_TS_MAX)
		from = TIDE_TS_MAX + 1;
	custindex_entry_encode(from < TIDE_TS_MIN ? TIDE_TS_MIN : from, 0, it->from);
}

/* Moves a part to the customer's next block that holds an entry at or after
 * from. */
static int next_block(custindex_part *p, uint32_t customer, const uint8_t *from)
{
	uint8_t key[CUSTINDEX_KEY] = {0};
	bigend_put(key, customer, 4);
	MDB_val k = {sizeof key, key}, v;
	for (;;) {
		int rc = mdb_cursor_get(p->cur, &k, &v, p->started ? MDB_NEXT : MDB_SET_RANGE);
		p->started = true;
		if (rc == MDB_NOTFOUND || (rc == 0 && key_customer(&k) != customer)) {
			p->done = true;
			return 0;
		}
		if (rc)
			return rc;
		size_t n;
		if (!block_ok(&k, &v, &n))
			return TIDE_ECORRUPT;
		const uint8_t *at = v.mv_data, *end = at + v.mv_size;
		if (memcmp(end - CUSTINDEX_ENTRY, from, CUSTINDEX_ENTRY) < 0)
			continue;	/* all of it before from */
		while (memcmp(at, from, CUSTINDEX_ENTRY) < 0)
			at += CUSTINDEX_ENTRY;
		p->at = at;
		p->end = end;
		return 0;
	}
}

int custindex_next(custindex_iter *it, int64_t *ts, uint64_t *seq)
{
	for (int i = 0; i < 2; i++) {
		custindex_part *p = &it->part[i];
		if (p->at == p->end && !p->done) {
			int rc = next_block(p, it->customer, it->from);
			if (rc)
				return rc;
		}
	}
	custindex_part *base = &it->part[0], *recent = &it->part[1], *next;
	if (base->done && recent->done)
		return 0;
	if (base->done || recent->done) {
		next = base->done ? recent : base;
	} else {
		int c = memcmp(base->at, recent->at, CUSTINDEX_ENTRY);
		if (c == 0)
			return TIDE_ECORRUPT;
		next = c < 0 ? base : recent;
	}
	custindex_entry_decode(next->at, ts, seq);
	next->at += CUSTINDEX_ENTRY;
	return 1;
}

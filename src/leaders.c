#include "leaders.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "grow.h"

struct leaders_maker {
	uint32_t *slot;		/* customer id → entry + 1 */
	uint32_t customers;
	uint32_t *customer;	/* entries, in the order their customers came */
	rollup *r;
	size_t n, cap;
	int64_t floor;		/* leaders_maker_floor; INT64_MIN without one */
	bool floored;
};

leaders_maker *leaders_maker_new(uint32_t customers)
{
	leaders_maker *m = calloc(1, sizeof *m);
	if (!m || !(m->slot = calloc((size_t)customers + 1, sizeof *m->slot))) {
		free(m);
		return NULL;
	}
	m->customers = customers;
	m->floor = INT64_MIN;
	return m;
}

void leaders_maker_free(leaders_maker *m)
{
	if (!m)
		return;
	free(m->slot);
	free(m->customer);
	free(m->r);
	free(m);
}

/* The customer's entry, made empty if it has none; NULL without memory. */
static rollup *entry_of(leaders_maker *m, uint32_t customer)
{
	uint32_t at = m->slot[customer];
	if (at)
		return &m->r[at - 1];
	size_t cap = m->cap;
	uint32_t *c = grow_reserve(m->customer, &cap, m->n + 1, sizeof *c, 4096);
	if (!c)
		return NULL;
	m->customer = c;
	cap = m->cap;
	rollup *r = grow_reserve(m->r, &cap, m->n + 1, sizeof *r, 4096);
	if (!r)
		return NULL;
	m->r = r;
	m->cap = cap;
	m->customer[m->n] = customer;
	m->r[m->n] = (rollup){0};
	m->slot[customer] = (uint32_t)++m->n;
	return &m->r[m->n - 1];
}

int leaders_maker_add(leaders_maker *m, uint32_t customer, uint32_t seq, int64_t ts, int64_t amount,
		      int64_t margin)
{
	if (customer > m->customers)
		return TIDE_ECORRUPT;
	rollup *r = entry_of(m, customer);
	if (!r)
		return TIDE_ENOMEM;
	rollup_fold(r, seq, ts, amount, margin);
	return 0;
}

int leaders_maker_put(leaders_maker *m, uint32_t customer, const rollup *r)
{
	if (customer > m->customers)
		return TIDE_ECORRUPT;
	rollup *at = entry_of(m, customer);
	if (!at)
		return TIDE_ENOMEM;
	*at = *r;
	return 0;
}

void leaders_maker_floor(leaders_maker *m, const leaders *old)
{
	if (old->complete)
		return;
	int64_t least = INT64_MAX;
	for (size_t i = 0; i < old->n; i++)
		least = old->r[i].revenue < least ? old->r[i].revenue : least;
	m->floor = least;
	m->floored = true;
}

/* The k-th largest of v[0..n) (1 <= k <= n), which it reorders: Wirth's
 * selection, in expected linear time, where sorting a week's 600,000
 * customers to keep a thousand would take ten times as long. */
static int64_t kth_largest(int64_t *v, size_t n, size_t k)
{
	ptrdiff_t lo = 0, hi = (ptrdiff_t)n - 1, want = (ptrdiff_t)k - 1;
	while (lo < hi) {
		int64_t pivot = v[want];
		ptrdiff_t i = lo, j = hi;
		do {
			while (v[i] > pivot)
				i++;
			while (v[j] < pivot)
				j--;
			if (i <= j) {
				int64_t t = v[i];
				v[i++] = v[j];
				v[j--] = t;
			}
		} while (i <= j);
		if (j < want)
			lo = i;
		if (want < i)
			hi = j;
	}
	return v[want];
}

/* The encoded form, native byte order like the rest of meta: a header, then
 * per leader its customer id, its roll-up's length and the roll-up. */
enum { LEADERS_MAGIC = 0x7464726c, LEADERS_COMPLETE = 1, LEADERS_UPDATED = 2 };

typedef struct leaders_head {
	uint32_t magic, flags;
	int64_t from, to;
	uint64_t events[2];
	uint64_t n;
} leaders_head;

/* The least revenue a leader of m may have: its floor, raised to the
 * LEADERS_KEEP-th largest revenue above it when more are there. */
static int leaders_least(const leaders_maker *m, int64_t *least)
{
	size_t above = 0;
	for (size_t i = 0; i < m->n; i++)
		above += m->r[i].revenue >= m->floor;
	*least = m->floor;
	if (above <= LEADERS_KEEP)
		return 0;
	int64_t *rev = malloc(above * sizeof *rev);
	if (!rev)
		return TIDE_ENOMEM;
	above = 0;
	for (size_t i = 0; i < m->n; i++)
		if (m->r[i].revenue >= m->floor)
			rev[above++] = m->r[i].revenue;
	*least = kth_largest(rev, above, LEADERS_KEEP);
	free(rev);
	return 0;
}

int leaders_maker_finish(leaders_maker *m, leaders *stamp, uint8_t **out, size_t *len)
{
	bool wrapped = false;
	for (size_t i = 0; i < m->n; i++)
		wrapped |= (m->r[i].wrapped & ROLLUP_REVENUE_WRAPPED) != 0;
	stamp->complete = !wrapped && !m->floored && m->n <= LEADERS_KEEP;
	stamp->n = 0;
	int64_t least = INT64_MIN;
	if (!wrapped && leaders_least(m, &least))
		return TIDE_ENOMEM;
	for (size_t i = 0; !wrapped && i < m->n; i++)
		stamp->n += m->r[i].revenue >= least;
	uint8_t *p = malloc(sizeof(leaders_head) + stamp->n * (4 + 1 + ROLLUP_BYTES));
	if (!p)
		return TIDE_ENOMEM;
	leaders_head h = {.magic = LEADERS_MAGIC,
			  .flags = (stamp->complete ? LEADERS_COMPLETE : 0) | (stamp->updated ? LEADERS_UPDATED : 0),
			  .from = stamp->from, .to = stamp->to,
			  .events = {stamp->events[0], stamp->events[1]}, .n = stamp->n};
	memcpy(p, &h, sizeof h);
	size_t at = sizeof h;
	for (size_t i = 0; !wrapped && i < m->n; i++) {
		if (m->r[i].revenue < least)
			continue;
		memcpy(p + at, &m->customer[i], 4);
		size_t rn = rollup_encode(&m->r[i], p + at + 5);
		p[at + 4] = (uint8_t)rn;
		at += 5 + rn;
	}
	*out = p;
	*len = at;
	return 0;
}

int leaders_decode(const void *data, size_t n, leaders *out)
{
	memset(out, 0, sizeof *out);
	leaders_head h;
	if (n < sizeof h)
		return TIDE_ECORRUPT;
	memcpy(&h, data, sizeof h);
	if (h.magic != LEADERS_MAGIC || h.n > (n - sizeof h) / 5)
		return TIDE_ECORRUPT;
	out->from = h.from;
	out->to = h.to;
	out->events[0] = h.events[0];
	out->events[1] = h.events[1];
	out->complete = h.flags & LEADERS_COMPLETE;
	out->updated = h.flags & LEADERS_UPDATED;
	out->customer = malloc((h.n ? h.n : 1) * sizeof *out->customer);
	out->r = malloc((h.n ? h.n : 1) * sizeof *out->r);
	if (!out->customer || !out->r) {
		leaders_free(out);
		return TIDE_ENOMEM;
	}
	const uint8_t *p = (const uint8_t *)data + sizeof h, *end = (const uint8_t *)data + n;
	for (; out->n < h.n; out->n++) {
		if (end - p < 5 || end - p - 5 < p[4] || rollup_decode(p + 5, p[4], &out->r[out->n])) {
			leaders_free(out);
			return TIDE_ECORRUPT;
		}
		memcpy(&out->customer[out->n], p, 4);
		p += 5 + p[4];
	}
	if (p != end) {
		leaders_free(out);
		return TIDE_ECORRUPT;
	}
	return 0;
}

void leaders_free(leaders *l)
{
	free(l->customer);
	free(l->r);
	l->customer = NULL;
	l->r = NULL;
	l->n = 0;
}

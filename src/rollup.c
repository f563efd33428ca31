#include "rollup.h"

#include <stdlib.h>
#include <string.h>

#include "bigmem.h"
#include "event.h"
#include "grow.h"
#include "money.h"
#include "strmap.h"
#include "varint.h"

void rollup_fold(rollup *r, uint32_t seq, int64_t ts, int64_t amount, int64_t margin)
{
	if (r->events++ == 0)
		r->first_seq = seq;
	money_add(&r->revenue, amount, &r->wrapped, ROLLUP_REVENUE_WRAPPED);
	money_add(&r->margin, margin, &r->wrapped, ROLLUP_MARGIN_WRAPPED);
	if (amount < 0)
		return;
	if (r->orders == 0 || ts < r->first_order)
		r->first_order = ts;
	if (r->orders == 0 || ts > r->last_order)
		r->last_order = ts;
	r->orders++;
}

void rollup_merge(rollup *r, const rollup *later)
{
	if (later->events == 0)
		return;
	if (r->events == 0) {
		*r = *later;
		return;
	}
	money_add(&r->revenue, later->revenue, &r->wrapped, ROLLUP_REVENUE_WRAPPED);
	money_add(&r->margin, later->margin, &r->wrapped, ROLLUP_MARGIN_WRAPPED);
	r->wrapped |= later->wrapped;
	if (later->orders && (r->orders == 0 || later->first_order < r->first_order))
		r->first_order = later->first_order;
	if (later->orders && (r->orders == 0 || later->last_order > r->last_order))
		r->last_order = later->last_order;
	r->orders += later->orders;
	r->events += later->events;
	if (later->first_seq < r->first_seq)
		r->first_seq = later->first_seq;
}

/* events, orders, zz revenue, zz margin, [zz first_order, last − first when
 * orders > 0], first_seq, wrapped: ~20 bytes for a typical customer. */
size_t rollup_encode(const rollup *r, uint8_t out[ROLLUP_BYTES])
{
	size_t n = varint_put(out, r->events);
	n += varint_put(out + n, r->orders);
	n += varint_put_zz(out + n, r->revenue);
	n += varint_put_zz(out + n, r->margin);
	if (r->orders) {
		n += varint_put_zz(out + n, r->first_order);
		n += varint_put(out + n, (uint64_t)(r->last_order - r->first_order));
	}
	n += varint_put(out + n, r->first_seq);
	out[n++] = r->wrapped;
	return n;
}

int rollup_decode(const void *p, size_t n, rollup *out)
{
	varint_rd rd = {p, (const uint8_t *)p + n, false};
	memset(out, 0, sizeof *out);
	out->events = varint_get_u32(&rd);
	out->orders = varint_get_u32(&rd);
	out->revenue = varint_get_zz(&rd);
	out->margin = varint_get_zz(&rd);
	if (out->orders) {
		out->first_order = varint_get_zz(&rd);
		out->last_order = out->first_order + (int64_t)varint_get(&rd);
	}
	out->first_seq = varint_get_u32(&rd);
	out->wrapped = varint_get_u8(&rd);
	bool sane = out->orders <= out->events && out->last_order >= out->first_order &&
		    (out->wrapped & ~(ROLLUP_REVENUE_WRAPPED | ROLLUP_MARGIN_WRAPPED)) == 0;
	return rd.bad || rd.p != rd.end || !sane ? -1 : 0;
}

void rollup_pack(const rollup *r, uint8_t out[ROLLUP_PACKED])
{
	memcpy(out, &r->revenue, 8);
	memcpy(out + 8, &r->margin, 8);
	memcpy(out + 16, &r->first_order, 8);
	memcpy(out + 24, &r->last_order, 8);
	memcpy(out + 32, &r->orders, 4);
	memcpy(out + 36, &r->events, 4);
	memcpy(out + 40, &r->first_seq, 4);
	out[44] = r->wrapped;
}

void rollup_unpack(const uint8_t in[ROLLUP_PACKED], rollup *out)
{
	memset(out, 0, sizeof *out);	/* padding too, as rollup_decode does */
	memcpy(&out->revenue, in, 8);
	memcpy(&out->margin, in + 8, 8);
	memcpy(&out->first_order, in + 16, 8);
	memcpy(&out->last_order, in + 24, 8);
	memcpy(&out->orders, in + 32, 4);
	memcpy(&out->events, in + 36, 4);
	memcpy(&out->first_seq, in + 40, 4);
	out->wrapped = in[44];
}

/* ---- a batch's pending roll-ups ----------------------------------------- */

/* A (tag pair, customer) roll-up, in one cache line: a batch touches one per
 * tag of each order, at random. */
typedef struct tag_slot {
	uint32_t pair;		/* index into pairs + 1; 0 = empty slot */
	uint32_t line;		/* the customer's line (struct rollup_buf) */
	rollup r;
} tag_slot;

/* Tag roll-ups past this many are written out mid-batch: 2^22 slots of 64
 * bytes (256 MiB), which double past three quarters full (3,145,728).  The
 * limit stays 524,288 below that, room for what a batch folds between the
 * buffer filling and the writer learning so (rollfeed.h: 147,456 at most). */
#define TAG_SLOTS_MAX (UINT64_C(1) << 22)
#define TAGS_MAX (TAG_SLOTS_MAX / 4 * 3 - (UINT64_C(1) << 19))

/* The last pairs found, direct-mapped: tags mostly have few values, and
 * this spares the pair map's hashing and key compare on nearly every tag of
 * every order. */
enum { PAIR_CACHE = 1024 };

typedef struct pair_hit {
	uint32_t tag, value, pair1;	/* pair1: pairs index + 1; 0 = empty */
} pair_hit;

/* Most tags keep one value per customer (a region, a rep).  While every
 * order a customer made in the batch carried the same value of a tracked
 * tag, that (tag, value, customer) roll-up is the customer's own, and no
 * slot is made for it: slots are memory the kernel must zero as they are
 * first touched, at random.  `uniform` says, per tracked tag: ABSENT (no
 * order so far carried it), the pair index + 1 that every order so far
 * carried, or MIXED (the customer's roll-ups of that tag are in slots). */
enum { TRACKED = ROLLUP_TRACKED, ABSENT = 0 };
#define MIXED UINT32_MAX

typedef struct cust_slot {
	rollup r;
	uint32_t uniform[TRACKED];
} cust_slot;

/* Each customer the batch met has a line of cust: at its id, or in a sparse
 * buffer at the next line free when it was first met, which line_of keys
 * by id.  A batch of few orders into a store of many customers touches a
 * line here and there over an array of them all, and the kernel zeroes
 * every page touched: 64 bytes a customer, 448 MB for 7M customers, 1.5 s
 * of a 1M-order batch; the sparse lines take what the batch meets. */
struct rollup_buf {
	cust_slot *cust;	/* bigmem */
	size_t ncust;		/* lines with room */
	uint32_t lo, hi;	/* touched ids lie in [lo, hi]; lo > hi: none */
	bool sparse;
	uint64_t *line_of;	/* id << 32 | line + 1, open addressing; 0 = free; bigmem */
	size_t line_cap;	/* a power of two */
	uint32_t *line_customer;	/* each line's customer id */
	size_t nlines, cap_lines;
	uint32_t tracked[TRACKED];	/* tag name ids, the first met; 0 = free */
	tag_slot *slots;	/* open addressing, linear probing; bigmem */
	size_t cap, count;	/* cap: a power of two */
	size_t full_at;		/* count that makes the buffer full */
	uint32_t (*pairs)[2];	/* distinct (tag, value) */
	size_t npairs, cappairs;
	strmap *pair_index;	/* (tag, value) → pairs index */
	pair_hit recent[PAIR_CACHE];
};

rollup_buf *rollup_buf_new(void)
{
	rollup_buf *b = calloc(1, sizeof *b);
	if (b && !(b->pair_index = strmap_new())) {
		free(b);
		return NULL;
	}
	if (b) {
		b->lo = UINT32_MAX;
		b->full_at = TAGS_MAX;
	}
	return b;
}

void rollup_buf_free(rollup_buf *b)
{
	if (!b)
		return;
	bigmem_free(b->cust, b->ncust * sizeof *b->cust);
	bigmem_free(b->line_of, b->line_cap * sizeof *b->line_of);
	free(b->line_customer);
	bigmem_free(b->slots, b->cap * sizeof *b->slots);
	free(b->pairs);
	strmap_free(b->pair_index);
	free(b);
}

void rollup_buf_expect(rollup_buf *b, uint64_t orders, uint64_t customers)
{
	if (b->lo > b->hi)
		b->sparse = customers > 2 * orders;
}

static size_t line_hash(uint32_t customer, size_t cap)
{
	return (size_t)(((uint64_t)customer * UINT64_C(0x9E3779B97F4A7C15)) >> 32) & (cap - 1);
}

/* Where customer's entry is in line_of, or the free place it would take. */
static size_t line_place(const uint64_t *line_of, size_t cap, uint32_t customer)
{
	size_t i = line_hash(customer, cap);
	while (line_of[i] && (uint32_t)(line_of[i] >> 32) != customer)
		i = (i + 1) & (cap - 1);
	return i;
}

static uint64_t line_entry(uint32_t customer, size_t line)
{
	return (uint64_t)customer << 32 | (line + 1);
}

/* A zeroed hash table `times` as large as one of cap entries of `each`
 * bytes, or of 4096 entries when cap is 0: *ncap entries.  NULL when out
 * of memory. */
static void *bigger_table(size_t cap, size_t times, size_t each, size_t *ncap)
{
	*ncap = cap ? cap * times : 4096;
	return bigmem_alloc(*ncap * each);
}

/* Doubles line_of, refilled from the lines (a compact array, read in
 * order, where the old table is mostly free places). */
static int grow_line_of(rollup_buf *b)
{
	size_t ncap;
	uint64_t *nl = bigger_table(b->line_cap, 2, sizeof *nl, &ncap);
	if (!nl)
		return -1;
	for (size_t line = 0; line < b->nlines; line++)
		nl[line_place(nl, ncap, b->line_customer[line])] = line_entry(b->line_customer[line], line);
	bigmem_free(b->line_of, b->line_cap * sizeof *b->line_of);
	b->line_of = nl;
	b->line_cap = ncap;
	return 0;
}

/* The customer's line in a sparse buffer, the next free one when new;
 * SIZE_MAX when out of memory. */
static size_t sparse_line(rollup_buf *b, uint32_t customer)
{
	if ((b->nlines + 1) * 2 > b->line_cap && grow_line_of(b))
		return SIZE_MAX;
	size_t i = line_place(b->line_of, b->line_cap, customer);
	if (b->line_of[i])
		return (uint32_t)b->line_of[i] - 1;
	if (b->nlines == b->cap_lines) {
		void *nc = grow_reserve(b->line_customer, &b->cap_lines, b->nlines + 1,
					sizeof *b->line_customer, 4096);
		if (!nc)
			return SIZE_MAX;
		b->line_customer = nc;
	}
	b->line_customer[b->nlines] = customer;
	b->line_of[i] = line_entry(customer, b->nlines);
	return b->nlines++;
}

static uint32_t line_customer(const rollup_buf *b, size_t line)
{
	return b->sparse ? b->line_customer[line] : (uint32_t)line;
}

/* The customer's line, made when new: *line says where; NULL when out of
 * memory. */
static cust_slot *customer_slot(rollup_buf *b, uint32_t customer, size_t *line)
{
	size_t at = b->sparse ? sparse_line(b, customer) : customer;
	if (at == SIZE_MAX)
		return NULL;
	if (at >= b->ncust) {
		size_t n = b->ncust ? b->ncust * 2 : 4096;
		if (n <= at)
			n = at + 1;
		cust_slot *nc = bigmem_grow(b->cust, b->ncust * sizeof *nc, n * sizeof *nc);
		if (!nc)
			return NULL;
		b->cust = nc;
		b->ncust = n;
	}
	if (customer < b->lo)
		b->lo = customer;
	if (customer > b->hi)
		b->hi = customer;
	*line = at;
	return &b->cust[at];
}

static size_t recent_index(uint32_t tag, uint32_t value)
{
	return (tag * 31 + value) & (PAIR_CACHE - 1);
}

/* The pair's index + 1 when it is among the recent, else 0. */
static uint32_t recent_pair1(const rollup_buf *b, uint32_t tag, uint32_t value)
{
	const pair_hit *hit = &b->recent[recent_index(tag, value)];
	return hit->tag == tag && hit->value == value ? hit->pair1 : 0;
}

static int pair_of(rollup_buf *b, uint32_t tag, uint32_t value, uint32_t *out)
{
	uint32_t pair1 = recent_pair1(b, tag, value);
	if (pair1) {
		*out = pair1 - 1;
		return 0;
	}
	uint32_t key[2] = {tag, value};
	if (strmap_get(b->pair_index, key, sizeof key, out)) {
		b->recent[recent_index(tag, value)] = (pair_hit){tag, value, *out + 1};
		return 0;
	}
	if (b->npairs == b->cappairs) {
		void *np = grow_reserve(b->pairs, &b->cappairs, b->npairs + 1, sizeof *b->pairs, 64);
		if (!np)
			return -1;
		b->pairs = np;
	}
	*out = (uint32_t)b->npairs;
	b->pairs[b->npairs][0] = tag;
	b->pairs[b->npairs][1] = value;
	b->npairs++;
	return strmap_put(b->pair_index, key, sizeof key, *out);
}

/* The tag's place among the tracked, -1 when it is not tracked.  A tag met
 * while a place is free takes it: every order before lacked the tag, and
 * ABSENT, the zero of a fresh uniform word, says so. */
static int tracked_place(rollup_buf *b, uint32_t tag)
{
	for (int k = 0; k < TRACKED; k++) {
		if (b->tracked[k] == tag)
			return k;
		if (b->tracked[k] == 0) {
			b->tracked[k] = tag;
			return k;
		}
	}
	return -1;
}

static size_t slot_hash(uint32_t pair, uint32_t customer, size_t cap)
{
	uint64_t k = ((uint64_t)pair << 32 | customer) * UINT64_C(0x9E3779B97F4A7C15);
	return (size_t)(k >> 32) & (cap - 1);
}

/* Slots are placed by customer id (which rollup_buf_prefetch knows before
 * the line) and told apart by line, which is the customer's alone. */
static tag_slot *probe(tag_slot *slots, size_t cap, uint32_t pair1, uint32_t customer, uint32_t line)
{
	size_t i = slot_hash(pair1, customer, cap);
	while (slots[i].pair && (slots[i].pair != pair1 || slots[i].line != line))
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

/* Grows fourfold: each rehash also touches fresh memory, which the kernel
 * must zero first. */
static int grow_slots(rollup_buf *b)
{
	size_t ncap;
	tag_slot *ns = bigger_table(b->cap, 4, sizeof *ns, &ncap);
	if (!ns)
		return -1;
	for (size_t i = 0; i < b->cap; i++)
		if (b->slots[i].pair)
			*probe(ns, ncap, b->slots[i].pair, line_customer(b, b->slots[i].line), b->slots[i].line) =
				b->slots[i];
	bigmem_free(b->slots, b->cap * sizeof *b->slots);
	b->slots = ns;
	b->cap = ncap;
	return 0;
}

static rollup *tag_rollup(rollup_buf *b, uint32_t pair, uint32_t customer, size_t line)
{
	if ((b->count + 1) * 4 > b->cap * 3 && grow_slots(b))
		return NULL;
	tag_slot *s = probe(b->slots, b->cap, pair + 1, customer, (uint32_t)line);
	if (!s->pair) {
		s->pair = pair + 1;
		s->line = (uint32_t)line;
		b->count++;
	}
	return &s->r;
}

void rollup_buf_prefetch(const rollup_buf *b, uint32_t customer, const uint32_t *pairs, int npairs)
{
	if (b->sparse && b->line_cap)
		__builtin_prefetch(&b->line_of[line_hash(customer, b->line_cap)]);
	else if (!b->sparse && customer < b->ncust)
		__builtin_prefetch(&b->cust[customer], 1);
	for (int i = 0; b->cap && i < npairs; i++) {
		uint32_t pair1 = recent_pair1(b, pairs[2 * i], pairs[2 * i + 1]);
		if (pair1)
			__builtin_prefetch(&b->slots[slot_hash(pair1, customer, b->cap)], 1);
	}
}

int rollup_buf_add(rollup_buf *b, uint32_t customer, const uint32_t *pairs, int npairs, uint32_t seq,
		   int64_t ts, int64_t amount, int64_t margin)
{
	size_t line;
	cust_slot *c = customer_slot(b, customer, &line);
	if (!c)
		return -1;
	uint32_t pair[TIDE_TAGS_MAX];
	int place[TIDE_TAGS_MAX];
	uint32_t carried[TRACKED] = {ABSENT};
	for (int i = 0; i < npairs; i++) {
		place[i] = -1;
		if (pairs[2 * i + 1] == 0)
			continue;
		if (pair_of(b, pairs[2 * i], pairs[2 * i + 1], &pair[i]))
			return -1;
		if ((place[i] = tracked_place(b, pairs[2 * i])) >= 0)
			carried[place[i]] = pair[i] + 1;
	}
	/* A tracked tag whose value changes gets its slots: the earlier
	 * orders' roll-up, all of one value, is the customer's so far. */
	for (int k = 0; k < TRACKED; k++) {
		uint32_t *u = &c->uniform[k];
		if (c->r.events == 0)
			*u = carried[k];
		else if (*u != carried[k] && *u != MIXED) {
			if (*u != ABSENT) {
				rollup *r = tag_rollup(b, *u - 1, customer, line);
				if (!r)
					return -1;
				*r = c->r;
			}
			*u = MIXED;
		}
	}
	rollup_fold(&c->r, seq, ts, amount, margin);
	for (int i = 0; i < npairs; i++) {
		if (pairs[2 * i + 1] == 0 || (place[i] >= 0 && c->uniform[place[i]] != MIXED))
			continue;
		rollup *r = tag_rollup(b, pair[i], customer, line);
		if (!r)
			return -1;
		rollup_fold(r, seq, ts, amount, margin);
	}
	return 0;
}

size_t rollup_buf_pairs(const rollup_buf *b, const uint32_t (**pairs)[2])
{
	*pairs = (const uint32_t(*)[2])b->pairs;
	return b->npairs;
}

bool rollup_buf_full(const rollup_buf *b)
{
	return b->count >= b->full_at;
}

void rollup_buf_set_full_at(rollup_buf *b, size_t slots)
{
	b->full_at = slots < TAGS_MAX ? slots : TAGS_MAX;
}

typedef struct ranked_pair {
	uint32_t tag, value, index;
} ranked_pair;

static int by_pair(const void *x, const void *y)
{
	const ranked_pair *a = x, *c = y;
	if (a->tag != c->tag)
		return a->tag < c->tag ? -1 : 1;
	return (a->value > c->value) - (a->value < c->value);
}

/* Each pair's rank in (tag, value) order; NULL when out of memory. */
static uint32_t *pair_ranks(const rollup_buf *b)
{
	ranked_pair *sorted = malloc((b->npairs ? b->npairs : 1) * sizeof *sorted);
	uint32_t *rank = malloc((b->npairs ? b->npairs : 1) * sizeof *rank);
	if (sorted && rank) {
		for (uint32_t i = 0; i < b->npairs; i++)
			sorted[i] = (ranked_pair){b->pairs[i][0], b->pairs[i][1], i};
		qsort(sorted, b->npairs, sizeof *sorted, by_pair);
		for (uint32_t r = 0; r < b->npairs; r++)
			rank[sorted[r].index] = r;
	} else {
		free(rank);
		rank = NULL;
	}
	free(sorted);
	return rank;
}

/* A pending tag roll-up: a slot, or a customer's own for a tracked tag
 * (UNIFORM_REF | place); line is the customer's. */
typedef struct tag_ref {
	uint32_t line, ref;
} tag_ref;
#define UNIFORM_REF UINT32_C(0x80000000)

static uint32_t ref_pair1(const rollup_buf *b, tag_ref t)
{
	return t.ref & UNIFORM_REF ? b->cust[t.line].uniform[t.ref & ~UNIFORM_REF] : b->slots[t.ref].pair;
}

static const rollup *ref_rollup(const rollup_buf *b, tag_ref t)
{
	return t.ref & UNIFORM_REF ? &b->cust[t.line].r : &b->slots[t.ref].r;
}

/* The roll-ups lie at random in the customer lines and the slots, hundreds
 * of MB at 100M orders, and are read in key order: each read asks for the
 * line of the one this far ahead. */
enum { TAGS_AHEAD = 16 };

/* The lines of the customers met, in customer order: from lo to hi in a
 * dense buffer (lines without events skipped), else sorted by id. */
typedef struct line_walk {
	const rollup_buf *b;
	uint64_t *sorted;	/* sparse: id << 32 | line, by id */
	size_t next, end;
} line_walk;

/* Sorts keys by their top 32 bits, two 16-bit digits; false when out of
 * memory. */
static bool sort_by_high_word(uint64_t *keys, size_t n)
{
	uint64_t *tmp = malloc((n ? n : 1) * sizeof *tmp);
	size_t *count = malloc(((size_t)1 << 16) * sizeof *count);
	bool ok = tmp && count;
	for (int shift = 32; ok && shift < 64; shift += 16) {
		memset(count, 0, ((size_t)1 << 16) * sizeof *count);
		for (size_t i = 0; i < n; i++)
			count[(keys[i] >> shift) & 0xffff]++;
		for (size_t d = 0, at = 0; d < (size_t)1 << 16; d++) {
			size_t c = count[d];
			count[d] = at;
			at += c;
		}
		for (size_t i = 0; i < n; i++)
			tmp[count[(keys[i] >> shift) & 0xffff]++] = keys[i];
		memcpy(keys, tmp, n * sizeof *keys);
	}
	free(tmp);
	free(count);
	return ok;
}

/* The lines in use are [*first, end): from the least to the greatest id
 * met in a dense buffer, all there are in a sparse one. */
static size_t lines_in_use(const rollup_buf *b, size_t *first)
{
	*first = b->sparse ? 0 : b->lo;
	return b->sparse ? b->nlines : b->lo <= b->hi ? (size_t)b->hi + 1 : 0;
}

static int walk_begin(const rollup_buf *b, line_walk *w)
{
	*w = (line_walk){b, NULL, 0, 0};
	w->end = lines_in_use(b, &w->next);
	if (!b->sparse)
		return 0;
	if (!(w->sorted = malloc((b->nlines ? b->nlines : 1) * sizeof *w->sorted)))
		return -1;
	for (size_t i = 0; i < b->nlines; i++)
		w->sorted[i] = (uint64_t)b->line_customer[i] << 32 | i;
	if (sort_by_high_word(w->sorted, b->nlines))
		return 0;
	free(w->sorted);
	return -1;
}

static bool walk_next(line_walk *w, size_t *line)
{
	while (w->next < w->end) {
		size_t i = w->next++;
		/* sorted by customer, the lines lie at random in cust */
		if (w->sorted && i + TAGS_AHEAD < w->end)
			__builtin_prefetch(&w->b->cust[(uint32_t)w->sorted[i + TAGS_AHEAD]]);
		*line = w->sorted ? (uint32_t)w->sorted[i] : i;
		if (w->b->cust[*line].r.events)
			return true;
	}
	return false;
}

static void walk_end(line_walk *w)
{
	free(w->sorted);
}

static bool is_uniform(uint32_t u)
{
	return u != ABSENT && u != MIXED;
}

/* The pending tag roll-ups in (tag, value, customer) order, *n of them: the
 * slots by a counting sort on line, merged with the customers' own in
 * customer order (unless slots_only), then a stable counting sort by the
 * pair's rank. */
static tag_ref *tag_order(const rollup_buf *b, bool slots_only, size_t *n)
{
	size_t first, nlines = lines_in_use(b, &first), nuniform = 0;
	for (size_t c = first; !slots_only && c < nlines; c++)
		for (int k = 0; b->cust[c].r.events && k < TRACKED; k++)
			nuniform += is_uniform(b->cust[c].uniform[k]);
	*n = b->count + nuniform;
	line_walk w;
	bool walking = walk_begin(b, &w) == 0;
	uint32_t *slot_by_line = malloc((b->count ? b->count : 1) * sizeof *slot_by_line);
	tag_ref *by_cust = malloc((*n ? *n : 1) * sizeof *by_cust), *out = malloc((*n ? *n : 1) * sizeof *out);
	uint32_t *rank = pair_ranks(b);
	size_t *start = calloc((nlines > b->npairs ? nlines : b->npairs) + 1, sizeof *start);
	if (!walking || !slot_by_line || !by_cust || !out || !rank || !start) {
		free(out);
		out = NULL;
		goto done;
	}
	for (size_t i = 0; i < b->cap; i++)
		if (b->slots[i].pair)
			start[b->slots[i].line + 1]++;
	for (size_t c = 1; c <= nlines; c++)
		start[c] += start[c - 1];
	for (size_t i = 0; i < b->cap; i++)
		if (b->slots[i].pair)
			slot_by_line[start[b->slots[i].line]++] = (uint32_t)i;
	/* start[c] is now where line c's slots end, and where line c + 1's begin */
	size_t m = 0, line;
	while (walk_next(&w, &line)) {
		for (int k = 0; !slots_only && k < TRACKED; k++)
			if (is_uniform(b->cust[line].uniform[k]))
				by_cust[m++] = (tag_ref){(uint32_t)line, UNIFORM_REF | (uint32_t)k};
		for (size_t s = line ? start[line - 1] : 0; s < start[line]; s++)
			by_cust[m++] = (tag_ref){(uint32_t)line, slot_by_line[s]};
	}
	memset(start, 0, (b->npairs + 1) * sizeof *start);
	for (size_t i = 0; i < m; i++)
		start[rank[ref_pair1(b, by_cust[i]) - 1] + 1]++;
	for (size_t r = 1; r <= b->npairs; r++)
		start[r] += start[r - 1];
	for (size_t i = 0; i < m; i++)
		out[start[rank[ref_pair1(b, by_cust[i]) - 1]]++] = by_cust[i];
done:
	if (walking)
		walk_end(&w);
	free(slot_by_line);
	free(by_cust);
	free(rank);
	free(start);
	return out;
}

struct rollup_tags {
	const rollup_buf *b;
	tag_ref *order;
	size_t n;
};

static rollup_tags *sort_tags(const rollup_buf *b, bool slots_only)
{
	rollup_tags *t = malloc(sizeof *t);
	if (!t)
		return NULL;
	t->b = b;
	if (!(t->order = tag_order(b, slots_only, &t->n))) {
		free(t);
		return NULL;
	}
	return t;
}

rollup_tags *rollup_tags_sort(const rollup_buf *b)
{
	return sort_tags(b, false);
}

size_t rollup_tags_count(const rollup_tags *t)
{
	return t->n;
}

/* Inlined by force, as exec.c's prefetches are: gcc 12 deletes calls to a
 * function whose only effect is a prefetch (it found none here, and the
 * merge waited for every line). */
static inline __attribute__((always_inline)) void prefetch_ref(const rollup_buf *b, tag_ref t)
{
	if (t.ref & UNIFORM_REF)
		__builtin_prefetch(&b->cust[t.line]);	/* one line: r, then uniform[] */
	else
		__builtin_prefetch(&b->slots[t.ref]);
}

const rollup *rollup_tags_get(const rollup_tags *t, size_t i, uint32_t *tag, uint32_t *value,
			      uint32_t *customer)
{
	if (i + TAGS_AHEAD < t->n)
		prefetch_ref(t->b, t->order[i + TAGS_AHEAD]);
	uint32_t pair = ref_pair1(t->b, t->order[i]) - 1;
	*tag = t->b->pairs[pair][0];
	*value = t->b->pairs[pair][1];
	*customer = line_customer(t->b, t->order[i].line);
	return ref_rollup(t->b, t->order[i]);
}

void rollup_tags_free(rollup_tags *t)
{
	if (t)
		free(t->order);
	free(t);
}

static int each_tag(rollup_buf *b, bool slots_only, rollup_each_fn fn, void *arg)
{
	rollup_tags *t = sort_tags(b, slots_only);
	if (!t)
		return -1;
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < t->n; i++) {
		uint32_t tag, value, customer;
		const rollup *r = rollup_tags_get(t, i, &tag, &value, &customer);
		rc = fn(arg, tag, value, customer, r);
	}
	rollup_tags_free(t);
	return rc;
}

int rollup_buf_each_customer(rollup_buf *b, rollup_each_fn fn, void *arg)
{
	line_walk w;
	if (walk_begin(b, &w))
		return -1;
	int rc = 0;
	size_t line;
	while (rc == 0 && walk_next(&w, &line))
		rc = fn(arg, 0, 0, line_customer(b, line), &b->cust[line].r);
	walk_end(&w);
	return rc;
}

int rollup_buf_each(rollup_buf *b, rollup_each_fn fn, void *arg)
{
	int rc = rollup_buf_each_customer(b, fn, arg);
	return rc ? rc : each_tag(b, false, fn, arg);
}

static void clear_slots(rollup_buf *b)
{
	if (b->count)
		memset(b->slots, 0, b->cap * sizeof *b->slots);
	b->count = 0;
}

int rollup_buf_spill(rollup_buf *b, rollup_each_fn fn, void *arg)
{
	int rc = each_tag(b, true, fn, arg);
	if (rc == 0)
		clear_slots(b);
	return rc;
}

/* rollup.h — what a customer's orders add up to, kept per customer and per
 * (tag value, customer), so that a question about whole histories ("who has
 * gone quiet", "the A/B/C/D pyramid", "lifetime value") reads one record per
 * customer instead of every order.
 *
 * A roll-up holds exactly what a scan of the log folds into a customer's
 * group when no window cuts the history: the sums of amount and margin, the
 * counts, the first and last order (amount >= 0) and the first event's
 * sequence number (groups are met in that order, which ties keep).
 *
 * A write batch folds its orders into a rollup_buf (deltas, in sequence
 * order); at commit the store adds each delta to the stored record
 * (rollup_merge), and a huge batch spills the buffer's tag roll-ups to the
 * store the same way whenever the buffer is full.  Ownership: the caller
 * owns the rollup_buf. */
#ifndef TIDE_ROLLUP_H
#define TIDE_ROLLUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct rollup {
	int64_t revenue, margin;	/* every order's amount, amount − cost */
	int64_t first_order, last_order;	/* of the orders with amount >= 0 */
	/* orders with amount >= 0; every order: 32 bits, as a store holds
	 * at most STORE_SEQ_MAX events */
	uint32_t orders, events;
	uint32_t first_seq;		/* the earliest order's sequence number */
	uint8_t wrapped;		/* ROLLUP_*_WRAPPED */
} rollup;

/* A sum passed what an int64 of 1/10000 units holds: whoever reads it must
 * say so, never print the wrapped number. */
enum { ROLLUP_REVENUE_WRAPPED = 1, ROLLUP_MARGIN_WRAPPED = 2 };

/* Folds one order (margin = amount − cost, cost 0 when absent); orders come
 * in sequence order. */
void rollup_fold(rollup *r, uint32_t seq, int64_t ts, int64_t amount, int64_t margin);

/* Adds `later`, the same key's orders after those of r, to r. */
void rollup_merge(rollup *r, const rollup *later);

/* The stored form: varints, at most ROLLUP_BYTES. */
#define ROLLUP_BYTES 64
size_t rollup_encode(const rollup *r, uint8_t out[ROLLUP_BYTES]);
/* 0, or -1 when the bytes are not a roll-up. */
int rollup_decode(const void *p, size_t n, rollup *out);

/* A fixed-size form, ROLLUP_PACKED bytes in native byte order: a spilled
 * roll-up takes it in a run (runs.h), which lives only as long as its
 * batch's transaction. */
enum { ROLLUP_PACKED = 45 };
void rollup_pack(const rollup *r, uint8_t out[ROLLUP_PACKED]);
void rollup_unpack(const uint8_t in[ROLLUP_PACKED], rollup *out);

/* ---- a batch's pending roll-ups ----------------------------------------- */

typedef struct rollup_buf rollup_buf;

rollup_buf *rollup_buf_new(void);
void rollup_buf_free(rollup_buf *b);

/* A hint before the first add: the batch brings about `orders` orders into
 * a store of `customers` customers.  When its orders are few beside the
 * customers, the buffer keeps lines for the customers it meets instead of
 * an array over every customer id, whose pages all get touched (rollup.c
 * says what that costs).  Without it, the array. */
void rollup_buf_expect(rollup_buf *b, uint64_t orders, uint64_t customers);

/* Folds an order into its customer's roll-up and into one per tag pair
 * (name id, value id; pairs with value 0, an empty value, are skipped).
 * An order names each tag at most once; npairs <= TIDE_TAGS_MAX.  It makes
 * at most npairs + ROLLUP_TRACKED pending tag roll-ups (rollup.c says why).
 * 0, or -1 when out of memory. */
enum { ROLLUP_TRACKED = 4 };
int rollup_buf_add(rollup_buf *b, uint32_t customer, const uint32_t *pairs, int npairs, uint32_t seq,
		   int64_t ts, int64_t amount, int64_t margin);

/* Starts loading the memory rollup_buf_add(b, customer, pairs, ...) will
 * fold into: called a few orders before that add, its cache misses overlap
 * the folds in between instead of stalling its own. */
void rollup_buf_prefetch(const rollup_buf *b, uint32_t customer, const uint32_t *pairs, int npairs);

/* Whether the buffer holds as many slots as it should before they are
 * spilled (its memory stays bounded in a huge batch). */
bool rollup_buf_full(const rollup_buf *b);

/* Makes the buffer full from `slots` slots on, when that is fewer than
 * the default (tests spill small batches with it). */
void rollup_buf_set_full_at(rollup_buf *b, size_t slots);

/* The distinct (tag, value) pairs added since the buffer was made (a clear
 * keeps them); *pairs is valid until the next rollup_buf_add. */
size_t rollup_buf_pairs(const rollup_buf *b, const uint32_t (**pairs)[2]);

/* Called for each pending roll-up: the customers' (tag = value = 0) in
 * customer order, then the tag pairs' in (tag, value, customer) order, the
 * order of their keys in the store.  A non-zero return stops the walk and is
 * returned. */
typedef int (*rollup_each_fn)(void *arg, uint32_t tag, uint32_t value, uint32_t customer,
			      const rollup *delta);
/* 0, the callback's error, or -1 when out of memory. */
int rollup_buf_each(rollup_buf *b, rollup_each_fn fn, void *arg);

/* Calls fn for the customers' own pending roll-ups only, as
 * rollup_buf_each does first. */
int rollup_buf_each_customer(rollup_buf *b, rollup_each_fn fn, void *arg);

/* The pending tag roll-ups in (tag, value, customer) order, to be read by
 * position: a merge with tag roll-ups spilled to runs reads them so.  Valid
 * while the buffer does not change; the caller frees it with
 * rollup_tags_free.  NULL when out of memory. */
typedef struct rollup_tags rollup_tags;
rollup_tags *rollup_tags_sort(const rollup_buf *b);
size_t rollup_tags_count(const rollup_tags *t);
/* The i-th roll-up, and its key. */
const rollup *rollup_tags_get(const rollup_tags *t, size_t i, uint32_t *tag, uint32_t *value,
			      uint32_t *customer);
void rollup_tags_free(rollup_tags *t);

/* Calls fn, as rollup_buf_each does, for the pending tag roll-ups kept in
 * slots, and forgets them: they are what fills the buffer.  The customers'
 * own roll-ups stay, one per customer in memory that does not grow with
 * the batch, and so do their tracked tags' roll-ups that are theirs (every
 * order of the customer in the batch carried that one value): a spill
 * writes a few million records instead of every customer's several, and
 * the customers' are written once, by the last rollup_buf_each.  The
 * deltas of one key, spilled and walked, add up (rollup_merge, in the
 * order given) to what one walk without spills would give. */
int rollup_buf_spill(rollup_buf *b, rollup_each_fn fn, void *arg);

#endif

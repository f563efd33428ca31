/* leaders.h — the week's leaders: the customers with the most revenue in
 * the store's trailing week, [T − 7 days, T) at the store's default T (just
 * after its newest event), each with the roll-up of its orders that week.
 *
 * Every commit keeps them (store.c), so "top customers by revenue, last 7
 * days", the tile a dashboard polls, reads a thousand roll-ups instead of a
 * week of orders (docs/storage.md, "The week's leaders").  They are always
 * the customers with the most revenue in the window, every one tied with
 * the last of them included: no customer outside them has as much revenue
 * as the least of them, so a top k by revenue for any k up to their count
 * is among them, ties included.  A commit that touches few customers' weeks
 * updates them: it puts the old leaders and those customers' new roll-ups
 * into a maker with the old leaders' least revenue as a floor, which keeps
 * that rule true (everyone left out is below the floor); otherwise it makes
 * them again from the week's orders.  A stamp (the window and the store's
 * event counts) tells a reader whether they describe the snapshot it reads.
 *
 * Ownership: the caller owns a leaders_maker and the bytes it encodes; a
 * decoded leaders owns its arrays until leaders_free. */
#ifndef TIDE_LEADERS_H
#define TIDE_LEADERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rollup.h"

#define LEADERS_WEEK (7 * 86400)
#define LEADERS_KEEP 1000

typedef struct leaders {
	int64_t from, to;	/* the window [from, to) */
	uint64_t events[2];	/* the store's events per tide_kind when made */
	/* every customer with an order in the window is here; else n counts
	 * the leaders, and n == 0 says none could be chosen (some customer's
	 * revenue passed what an int64 holds, and a scan must say so) */
	bool complete;
	bool updated;		/* by a commit from the customers it touched */
	size_t n;
	uint32_t *customer;
	rollup *r;
} leaders;

typedef struct leaders_maker leaders_maker;

/* A maker for a store whose customer ids go up to `customers`; NULL
 * without memory. */
leaders_maker *leaders_maker_new(uint32_t customers);
void leaders_maker_free(leaders_maker *m);

/* Folds one order of the window, in sequence order.  0, TIDE_ENOMEM, or
 * TIDE_ECORRUPT for a customer past the maker's customers. */
int leaders_maker_add(leaders_maker *m, uint32_t customer, uint32_t seq, int64_t ts, int64_t amount,
		      int64_t margin);

/* Puts one customer's roll-up over the window, in place of what the maker
 * holds for it.  0, TIDE_ENOMEM, or TIDE_ECORRUPT as leaders_maker_add. */
int leaders_maker_put(leaders_maker *m, uint32_t customer, const rollup *r);

/* The maker is updating `old`.  When old was not complete, every customer
 * left out of it had less revenue than its least leader, and the maker does
 * not see them: only customers with at least that revenue can lead, and
 * the leaders it makes are not complete either.  Complete leaders left no
 * one out, and set no floor. */
void leaders_maker_floor(leaders_maker *m, const leaders *old);

/* Chooses the leaders and encodes them under stamp's window, counts and
 * `updated` into *out (malloc'd; the caller frees it), and sets stamp's
 * complete and n to what it kept.  0, or TIDE_ENOMEM. */
int leaders_maker_finish(leaders_maker *m, leaders *stamp, uint8_t **out, size_t *len);

/* 0, TIDE_ECORRUPT when the bytes are not leaders, TIDE_ENOMEM. */
int leaders_decode(const void *p, size_t n, leaders *out);
void leaders_free(leaders *l);

#endif

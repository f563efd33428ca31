/* custbuf.h — a batch's pending (customer, ts, seq) index entries.
 *
 * Events arrive in time order, so their customers come at random: one
 * B-tree insert per event would descend to a random page of o_cust / c_cust
 * each time.  The batch keeps the entries here instead and the store writes
 * them grouped by customer (custbuf_sort): one cursor walks the index in key
 * order and each customer's entries go in with one call.
 *
 * Ownership: the caller owns the custbuf; the array custbuf_sort returns
 * belongs to it and stays valid until the next custbuf_add or custbuf_clear. */
#ifndef TIDE_CUSTBUF_H
#define TIDE_CUSTBUF_H

#include <stddef.h>
#include <stdint.h>

typedef struct custbuf custbuf;

typedef struct custbuf_entry {
	uint32_t customer, seq;
	int64_t ts;
} custbuf_entry;

custbuf *custbuf_new(void);
void custbuf_free(custbuf *b);

/* Adds one entry.  0, or -1 when out of memory. */
int custbuf_add(custbuf *b, uint32_t customer, int64_t ts, uint32_t seq);

size_t custbuf_count(const custbuf *b);

/* The entries ordered by (customer, ts, seq), every customer id being below
 * `customers`; NULL when out of memory. */
const custbuf_entry *custbuf_sort(custbuf *b, uint32_t customers);

/* Forgets every entry (keeps the memory). */
void custbuf_clear(custbuf *b);

#endif

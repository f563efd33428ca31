/* idbuf.h — a batch's pending id-dedupe entries: 64-bit id hash → sequence.
 *
 * The store writes them to its `ids` table at commit, sorted by hash, instead
 * of one random B-tree insert per event; into an empty table they append
 * (pages filled, no searches).  Hash 0 is reserved: callers map it to 1. */
#ifndef TIDE_IDBUF_H
#define TIDE_IDBUF_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct idbuf idbuf;

idbuf *idbuf_new(void);
void idbuf_free(idbuf *b);

/* 1 and *seq when hash is pending, else 0. */
int idbuf_get(const idbuf *b, uint64_t hash, uint32_t *seq);

/* Starts loading the memory idbuf_get(b, hash) reads first. */
void idbuf_prefetch(const idbuf *b, uint64_t hash);

/* Adds a hash not pending yet.  0, or -1 when out of memory. */
int idbuf_put(idbuf *b, uint64_t hash, uint32_t seq);

size_t idbuf_count(const idbuf *b);

/* Makes room for n entries in all, so that they go in without the table
 * doubling on the way: each smaller table would be zeroed and filled, then
 * thrown away.  0, or -1 when out of memory (the table is as it was). */
int idbuf_reserve(idbuf *b, size_t n);

/* Sorts the entries by hash in place and sets *n to how many there are;
 * then idbuf_at(b, i) reads them in order, until idbuf_clear.  0, or -1
 * when out of memory. */
int idbuf_sort(idbuf *b, size_t *n);
void idbuf_at(const idbuf *b, size_t i, uint64_t *hash, uint32_t *seq);

/* Forgets every entry (keeps the memory). */
void idbuf_clear(idbuf *b);

#endif

/* idfilter.h — a Bloom filter of 64-bit id hashes.
 *
 * A big batch moves its pending dedupe entries (idbuf.h) out of memory, as
 * sorted runs (runs.h), every few million events, and from then on every
 * new id would be looked up in each run: random reads of gigabytes, which
 * page them in.  A filter of the hashes the batch has flushed answers "not
 * there" for nearly every new id without reading them.
 *
 * Hashes must already be uniform (XXH3): the filter uses their bits as they
 * are.  Ownership: the caller owns the filter and frees it with
 * idfilter_free. */
#ifndef TIDE_IDFILTER_H
#define TIDE_IDFILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct idfilter idfilter;

/* A filter with room for `capacity` hashes at about 1% false positives
 * (12 bits each); NULL when out of memory. */
idfilter *idfilter_new(size_t capacity);
void idfilter_free(idfilter *f);

size_t idfilter_capacity(const idfilter *f);

void idfilter_add(idfilter *f, uint64_t hash);

/* false: hash was never added.  true: it may have been. */
bool idfilter_may_hold(const idfilter *f, uint64_t hash);

/* Starts loading the block idfilter_may_hold(f, hash) will read. */
void idfilter_prefetch(const idfilter *f, uint64_t hash);

#endif

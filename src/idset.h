/* idset.h — a set of nonzero 32-bit ids: count(DISTINCT) over an interned
 * column (customer, sku, a tag, ...).
 *
 * Interned ids are dense, from 1, so a large set is a bitmap up to the
 * largest id (a bit each), a small one a hash table (a few bytes each, and
 * only as many as it holds): a set starts as the table and turns into the
 * bitmap once the bitmap would be the smaller.  Adding is then a bit
 * operation on a table that stays in cache, instead of hashing bytes.
 *
 * Ownership: the caller owns the set and gives it back with idset_free. */
#ifndef TIDE_IDSET_H
#define TIDE_IDSET_H

#include <stddef.h>
#include <stdint.h>

typedef struct idset idset;

/* An empty set, or NULL when out of memory. */
idset *idset_new(void);
void idset_free(idset *s);

/* Adds id (> 0; adding one already there changes nothing).  0, or -1 when
 * out of memory (the set is as it was). */
int idset_add(idset *s, uint32_t id);

/* Adds every id of from to s (from is unchanged).  0, or -1 when out of
 * memory (s then holds some of from's ids). */
int idset_merge(idset *s, const idset *from);

/* How many distinct ids were added. */
size_t idset_count(const idset *s);

#endif

/* grow.h — heap arrays that grow by doubling.
 *
 * Buffers that fill one element (or one run of bytes) at a time keep a
 * capacity and reallocate when it is reached.  Doubling makes n appends cost
 * O(n) copies in all; starting from a size that suits the buffer keeps the
 * small cases to one allocation.
 *
 * Ownership: the array stays the caller's, allocated with malloc/realloc and
 * freed with free. */
#ifndef TIDE_GROW_H
#define TIDE_GROW_H

#include <stddef.h>

/* Makes items (*cap elements of `each` > 0 bytes) hold at least `need`: *cap,
 * or `first` when it is 0, doubled until it does.  Returns the array, moved
 * or not, and sets *cap; NULL when out of memory or when the bytes would pass
 * SIZE_MAX, leaving items and *cap as they were.  A call with need <= *cap
 * returns items unchanged; an array of no capacity is always allocated, even
 * for need 0, so that NULL always means failure. */
void *grow_reserve(void *items, size_t *cap, size_t need, size_t each, size_t first);

#endif

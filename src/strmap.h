/* strmap.h — an open-addressing hash map from byte strings to uint32_t.
 *
 * The map copies each key into an arena it owns; the caller's key buffer
 * need not outlive the call. */
#ifndef TIDE_STRMAP_H
#define TIDE_STRMAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct strmap strmap;

strmap *strmap_new(void);
void strmap_free(strmap *m);

/* Returns 1 and sets *val when key is present, else 0. */
int strmap_get(const strmap *m, const void *key, size_t len, uint32_t *val);

/* Inserts or overwrites.  Returns 0, or -1 when out of memory. */
int strmap_put(strmap *m, const void *key, size_t len, uint32_t val);

/* Starts loading the slot a lookup of key will probe first: issued early,
 * its cache miss overlaps whatever the caller does before the lookup. */
void strmap_prefetch(const strmap *m, const void *key, size_t len);

size_t strmap_count(const strmap *m);

/* Calls fn for every key, in no particular order; key points into the map
 * and is valid until the next put. */
typedef void (*strmap_each_fn)(void *arg, const void *key, size_t len, uint32_t val);
void strmap_each(const strmap *m, strmap_each_fn fn, void *arg);

#endif

/* rcache.h — finished query results kept for repeated requests.
 *
 * A dashboard asks the same queries every few seconds, mostly of a store
 * that has not changed.  Each entry is valid for one committed state of the
 * store, named by its transaction id, so a hit is exact: the same query text
 * and options over the same data.  The cache is thread-safe (a server's
 * connections share one) and copies keys and bodies in and out: nothing it
 * returns points into it. */
#ifndef TIDE_RCACHE_H
#define TIDE_RCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct rcache rcache;

/* A cache of at most max_entries results and max_bytes of keys and bodies.
 * NULL when out of memory. */
rcache *rcache_new(size_t max_entries, size_t max_bytes);
void rcache_free(rcache *c);

/* On a hit (an entry for key made at txn), *body is a malloc'd copy of it
 * (NUL-terminated, *len bytes before the NUL) that the caller frees.
 * False on a miss, or when the copy cannot be made. */
bool rcache_get(rcache *c, const void *key, size_t klen, uint64_t txn, char **body, size_t *len);

/* Keeps a copy of body for key at txn.  Entries of older transactions go
 * first (the store only moves forward, so they can never hit again), then
 * the least recently used, until the new one fits; a result larger than
 * max_bytes alone is not kept.  Out of memory just means not kept. */
void rcache_put(rcache *c, const void *key, size_t klen, uint64_t txn, const char *body, size_t len);

/* Entries held, and the bytes of their keys and bodies. */
void rcache_usage(rcache *c, size_t *entries, size_t *bytes);

#endif

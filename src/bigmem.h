/* bigmem.h — large zeroed arrays backed by transparent huge pages.
 *
 * Hash tables and per-customer arrays of millions of entries are touched at
 * random, one entry per event.  With 4 KiB pages nearly every touch also
 * misses the TLB, and on a virtual machine a miss walks two page tables; on
 * 2 MiB pages the same array needs 512 times fewer entries.  Most kernels
 * ship transparent huge pages in "madvise" mode, so we ask for them.
 *
 * Ownership: the caller owns the block and gives it back with bigmem_free,
 * passing the size it asked for. */
#ifndef TIDE_BIGMEM_H
#define TIDE_BIGMEM_H

#include <stddef.h>

/* n zeroed bytes, or NULL when out of memory. */
void *bigmem_alloc(size_t n);

/* Grows a block of old bytes to n >= old, keeping its bytes and zeroing the
 * new ones; NULL (the old block intact) when out of memory. */
void *bigmem_grow(void *p, size_t old, size_t n);

void bigmem_free(void *p, size_t n);

#endif

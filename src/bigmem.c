#include "bigmem.h"

#include <sys/mman.h>

/* Below this the block could never fill a huge page: plain pages, and the
 * kernel's zeroing is cheap. */
enum { HUGE_PAGE = 2u << 20 };

static void advise(void *p, size_t n)
{
#ifdef MADV_HUGEPAGE
	if (n >= HUGE_PAGE)
		(void)madvise(p, n, MADV_HUGEPAGE);	/* a hint: without it, plain pages */
#else
	(void)p;
	(void)n;
#endif
}

void *bigmem_alloc(size_t n)
{
	if (n == 0)
		n = 1;
	void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	advise(p, n);
	return p;
}

void *bigmem_grow(void *p, size_t old, size_t n)
{
	if (!p)
		return bigmem_alloc(n);
	if (n <= old)
		return p;
	/* Pages past the old end come zeroed, as mmap's do, and the bytes after
	 * old in its last page were never written (the block only grows). */
	void *np = mremap(p, old ? old : 1, n, MREMAP_MAYMOVE);
	if (np == MAP_FAILED)
		return NULL;
	advise(np, n);
	return np;
}

void bigmem_free(void *p, size_t n)
{
	if (p)
		munmap(p, n ? n : 1);
}

#include "bigmem.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>

/* A block of HUGE_FROM bytes or more is mapped as whole huge pages, aligned
 * to one: the kernel backs with huge pages only the aligned 2 MiB spans of a
 * range, and a block of 2 MB (a table of half a million customer ids) would
 * otherwise get none, and take one fault per 4 KiB page instead, each with a
 * TLB shootdown once the scan runs on two threads.  Below HUGE_FROM, plain
 * pages: rounding up would zero more than the block. */
enum { HUGE_PAGE = 2u << 20, HUGE_FROM = 1u << 20 };

static size_t mapped_size(size_t n)
{
	if (n == 0)
		return 1;
	return n >= HUGE_FROM ? (n + HUGE_PAGE - 1) & ~(size_t)(HUGE_PAGE - 1) : n;
}

static bool is_huge(size_t mapped)
{
	return mapped % HUGE_PAGE == 0;
}

static void advise_huge(void *p, size_t n)
{
#ifdef MADV_HUGEPAGE
	(void)madvise(p, n, MADV_HUGEPAGE);	/* a hint: without it, plain pages */
#else
	(void)p;
	(void)n;
#endif
}

/* A fresh mapping of mapped bytes, aligned to a huge page when it is made of
 * them: one huge page more is mapped, and the ends beyond the aligned span
 * are handed back. */
static void *map_fresh(size_t mapped)
{
	size_t over = is_huge(mapped) ? mapped + HUGE_PAGE : mapped;
	char *p = mmap(NULL, over, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	if (!is_huge(mapped))
		return p;
	char *at = (char *)(((uintptr_t)p + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1));
	if (at > p)
		munmap(p, (size_t)(at - p));
	if (p + over > at + mapped)
		munmap(at + mapped, (size_t)(p + over - (at + mapped)));
	advise_huge(at, mapped);
	return at;
}

void *bigmem_alloc(size_t n)
{
	return map_fresh(mapped_size(n));
}

void *bigmem_grow(void *p, size_t old, size_t n)
{
	if (!p)
		return bigmem_alloc(n);
	size_t had = mapped_size(old), want = mapped_size(n);
	if (want <= had)
		return p;
	/* Pages past the old end come zeroed, as mmap's do, and the bytes after
	 * old in its last page were never written (the block only grows). */
	if (!is_huge(want)) {
		void *np = mremap(p, had, want, MREMAP_MAYMOVE);
		return np == MAP_FAILED ? NULL : np;
	}
	/* Moved into the head of a fresh aligned block, the old pages keep their
	 * contents (huge ones are moved whole, not copied). */
	char *np = map_fresh(want);
	if (!np)
		return NULL;
	if (mremap(p, had, had, MREMAP_MAYMOVE | MREMAP_FIXED, np) == MAP_FAILED) {
		munmap(np, want);
		return NULL;
	}
	advise_huge(np, want);	/* the moved head kept the old block's advice */
	return np;
}

void bigmem_free(void *p, size_t n)
{
	if (p)
		munmap(p, mapped_size(n));
}

/* Unit tests of mapwarm.c: the helper reads the file's next pages, and
 * stays within its distance of the writer's position.
 *
 * What the helper read is counted from the kernel's I/O accounting, not
 * from the page cache: this machine runs a DAMON scheme that pages out
 * cold unmapped file pages, so pages the helper read can leave the cache
 * a moment later (1 run in 6 failed when the test asked mincore). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "mapwarm.h"

enum { MB = 1 << 20, FILE_BYTES = 4 * MAPWARM_AHEAD };

static int fd = -1;
static char path[64];
static unsigned char *map;

static unsigned long long rchar(const char *io_path)
{
	unsigned long long n = 0;
	FILE *f = fopen(io_path, "r");
	if (f) {
		if (fscanf(f, "rchar: %llu", &n) != 1)
			n = 0;
		fclose(f);
	}
	return n;
}

/* MB read by every thread but this one, the helpers that ran so far
 * included.  The helper reads whole MB; this thread's own reads of the
 * two files are a few hundred bytes, which the rounding drops. */
static unsigned long long helper_read_mb(void)
{
	unsigned long long all = rchar("/proc/self/io");
	unsigned long long mine = rchar("/proc/thread-self/io");
	return (all - mine + MB / 2) / MB;
}

/* MB of the file [from, to) in the page cache. */
static size_t cached_mb(size_t from, size_t to)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), n = (to - from) / page, in = 0;
	unsigned char *vec = malloc(n);
	if (!vec || mincore(map + from, to - from, vec) != 0) {
		free(vec);
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		in += vec[i] & 1;
	free(vec);
	return in * page / MB;
}

static void settle(void)
{
	nanosleep(&(struct timespec){0, 200 * 1000 * 1000}, NULL);
}

/* Waits up to ten seconds for the helper to have read `mb` MB since
 * `base`, then a moment more, and says whether it read exactly that. */
static int read_exactly(unsigned long long base, unsigned long long mb)
{
	for (int i = 0; i < 1000 && helper_read_mb() - base < mb; i++)
		nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
	settle();
	return helper_read_mb() - base == mb;
}

/* A sparse file, nothing of it cached: what the helper sees past a store's
 * used pages. */
static void fresh_file(void)
{
	snprintf(path, sizeof path, "/var/tmp/tide-mapwarm-XXXXXX");
	fd = mkstemp(path);
	CHECK(fd >= 0);
	CHECK(ftruncate(fd, FILE_BYTES) == 0);
	map = mmap(NULL, FILE_BYTES, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(map != MAP_FAILED);
	CHECK(cached_mb(0, FILE_BYTES) == 0);
}

static void drop_file(void)
{
	munmap(map, FILE_BYTES);
	close(fd);
	unlink(path);
}

static mapwarm *start(size_t from, uint32_t page)
{
	mapwarm_plan plan = {from, FILE_BYTES, MAPWARM_FIRST, MAPWARM_AHEAD, page};
	mapwarm *w = mapwarm_start(fd, &plan);
	CHECK(w != NULL);
	return w;
}

static void test_reads_ahead_of_the_writer(void)
{
	fresh_file();
	size_t at = 8 * MB;
	unsigned long long base = helper_read_mb();
	mapwarm *w = start(at, 0);
	/* Before the writer has written anything, only the first distance. */
	CHECK(read_exactly(base, MAPWARM_FIRST / MB));
	/* It read from the writer's position, not before. */
	CHECK(cached_mb(0, at) == 0);

	/* The writer came half the full distance (faulting what the helper had
	 * not read itself): the helper reads as far again ahead of it. */
	at += MAPWARM_AHEAD / 2;
	mapwarm_at(w, at);
	CHECK(read_exactly(base, (MAPWARM_FIRST + MAPWARM_AHEAD / 2) / MB));

	/* Past the full distance, it stays that far ahead. */
	at += MAPWARM_AHEAD;
	mapwarm_at(w, at);
	CHECK(read_exactly(base, (MAPWARM_FIRST + MAPWARM_AHEAD / 2 + MAPWARM_AHEAD) / MB));
	mapwarm_stop(w);
	drop_file();
}

/* Writes pages [from, to) as a store's writer does: each begins with its
 * number, never 0. */
static void write_pages(size_t from, size_t to)
{
	enum { PAGE = 4096 };
	static unsigned char page[PAGE];
	for (size_t at = from; at < to; at += PAGE) {
		uint64_t number = at / PAGE + 1;
		memcpy(page, &number, sizeof number);
		CHECK(pwrite(fd, page, PAGE, (off_t)at) == PAGE);
	}
}

/* A writer that does not say where it is (a commit's flushes): the helper
 * finds the pages it wrote and reads as far again past them, and no more
 * while the writer stands still.  It looks with reads of 8 bytes, which
 * add well under a MB to the count. */
static void test_finds_a_writer_that_does_not_say(void)
{
	fresh_file();
	unsigned long long base = helper_read_mb();
	mapwarm *w = start(0, 4096);
	CHECK(read_exactly(base, MAPWARM_FIRST / MB));
	write_pages(0, MAPWARM_AHEAD / 2);
	CHECK(read_exactly(base, MAPWARM_AHEAD / MB));
	/* Past the full distance, as far as that. */
	write_pages(MAPWARM_AHEAD / 2, 2 * MAPWARM_AHEAD);
	CHECK(read_exactly(base, 3 * MAPWARM_AHEAD / MB));
	settle();
	CHECK(helper_read_mb() - base == 3 * MAPWARM_AHEAD / MB);
	mapwarm_stop(w);
	drop_file();
}

/* Near the end of the file, it reads to the end and stops. */
static void test_stops_at_the_end(void)
{
	fresh_file();
	unsigned long long base = helper_read_mb();
	mapwarm *w = start(FILE_BYTES - MAPWARM_FIRST / 2, 0);
	CHECK(read_exactly(base, MAPWARM_FIRST / 2 / MB));
	mapwarm_stop(w);
	/* Read, never written: the holes are still holes. */
	struct stat st;
	CHECK(fstat(fd, &st) == 0 && st.st_blocks == 0);
	drop_file();
	mapwarm_stop(NULL);
}

int main(void)
{
	RUN(test_reads_ahead_of_the_writer);
	RUN(test_finds_a_writer_that_does_not_say);
	RUN(test_stops_at_the_end);
	return run_failed;
}

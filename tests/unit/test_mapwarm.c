/* Unit tests of mapwarm.c: the helper caches the file's next pages, and
 * stays within its distance of the writer's position. */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "mapwarm.h"

enum { MB = 1 << 20, FILE_BYTES = 4 * MAPWARM_AHEAD, SLACK = MAPWARM_AHEAD / 2 };

static int fd = -1;
static char path[64];
static unsigned char *map;

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

/* Waits up to ten seconds for the helper to cache [from, to). */
static int cached_soon(size_t from, size_t to)
{
	for (int i = 0; i < 1000; i++) {
		if (cached_mb(from, to) == (to - from) / MB)
			return 1;
		nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
	}
	return 0;
}

static void settle(void)
{
	nanosleep(&(struct timespec){0, 200 * 1000 * 1000}, NULL);
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

static void test_reads_ahead_of_the_writer(void)
{
	fresh_file();
	size_t at = 8 * MB;
	mapwarm *w = mapwarm_start(fd, at, FILE_BYTES);
	CHECK(w != NULL);
	CHECK(cached_soon(at, at + MAPWARM_AHEAD));
	settle();
	/* Not beyond its distance, give or take the kernel's own readahead
	 * past a read (8 MB on the bench machine's disk). */
	CHECK(cached_mb(at + MAPWARM_AHEAD + SLACK, FILE_BYTES) == 0);
	CHECK(cached_mb(0, at) == 0);

	at += MAPWARM_AHEAD / 2;
	mapwarm_at(w, at);
	CHECK(mapwarm_written(w) == MAPWARM_AHEAD / 2);
	CHECK(cached_soon(at, at + MAPWARM_AHEAD));
	settle();
	CHECK(cached_mb(at + MAPWARM_AHEAD + SLACK, FILE_BYTES) == 0);

	mapwarm_expect(w, MAPWARM_AHEAD);
	CHECK(cached_soon(at, at + 2 * MAPWARM_AHEAD));
	mapwarm_stop(w);
	drop_file();
}

/* Asked for more than the file holds, it reads to the end and stops. */
static void test_stops_at_the_end(void)
{
	fresh_file();
	mapwarm *w = mapwarm_start(fd, 0, FILE_BYTES);
	CHECK(w != NULL);
	mapwarm_expect(w, 2 * FILE_BYTES);
	CHECK(cached_soon(0, FILE_BYTES));
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
	RUN(test_stops_at_the_end);
	return run_failed;
}

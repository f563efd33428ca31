/* mapwarm.h — a helper thread that brings the store file's next pages into
 * the page cache just ahead of a writer.
 *
 * A batch writes its new pages at the end of the used part of the file,
 * through the writable map.  The first write to each page faults, and the
 * kernel allocates and zeroes a page-cache page for the hole there; on a
 * virtual machine whose host backs memory on first use that is ~2.5 ms per
 * MB, about a tenth of a bulk load, on the writer's own core.  The helper
 * reads the holes first (a read of a hole caches a zeroed page), so the
 * writer's fault only maps a page that is already there.  Reading never
 * changes the file, so a helper that runs late or early costs nothing but
 * the pages it read; it stays at most a fixed distance ahead of where the
 * writer says it is, so that the pages it reads are used soon.
 *
 * Ownership: mapwarm_start returns a helper the caller stops with
 * mapwarm_stop; the file descriptor stays the caller's, open until then.
 * mapwarm_at, mapwarm_written and mapwarm_expect are for the one writing
 * thread. */
#ifndef TIDE_MAPWARM_H
#define TIDE_MAPWARM_H

#include <stdint.h>

typedef struct mapwarm mapwarm;

/* How far past the writer's position (and what it expects) the helper
 * reads: as far as the writer has come since the start, from MAPWARM_FIRST
 * up to MAPWARM_AHEAD, about a second of a bulk load's writing, so that the
 * writer does not catch up while the helper sleeps, and what is read is
 * used before the kernel reclaims it.  A small batch, which writes a MB or
 * two, then reads a few MB it does not use, not 64 (~10 ms of a 10k-order
 * load into a new store). */
enum { MAPWARM_FIRST = 2 << 20, MAPWARM_AHEAD = 64 << 20 };

/* A helper reading fd from offset from (the writer's position) up to end at
 * most.  NULL when no thread could be started: the writer then simply
 * faults its own pages. */
mapwarm *mapwarm_start(int fd, uint64_t from, uint64_t end);

/* The writer has written up to offset pos. */
void mapwarm_at(mapwarm *w, uint64_t pos);

/* Bytes the writer has said it wrote since the start (its last position
 * less from). */
uint64_t mapwarm_written(const mapwarm *w);

/* The writer will write about bytes past its last position without saying
 * where it is (a commit's flushes). */
void mapwarm_expect(mapwarm *w, uint64_t bytes);

/* Stops and frees the helper; NULL is a no-op. */
void mapwarm_stop(mapwarm *w);

#endif

/* mapwarm.h — a helper thread that brings a file's next pages into the
 * page cache just ahead of a writer.
 *
 * A writer that writes new pages of a file (a batch through the store's
 * writable map, or a batch's runs with pwrite) makes the kernel allocate
 * and zero a page-cache page for each hole it writes first; on a virtual
 * machine whose host backs memory on first use that is ~2.5 ms per MB,
 * about a tenth of a bulk load, on the writer's own core.  The helper reads
 * the holes first (a read of a hole caches a zeroed page), so the writer's
 * write only fills a page that is already there.  Reading never changes
 * the file, so a helper that runs late or early costs nothing but the pages
 * it read; it stays at most a set distance ahead of where the writer is, so
 * that the pages it reads are used soon.
 *
 * Where the writer is: where it last said (mapwarm_at), or, for a writer
 * that writes pages of a known size which never begin with 8 zero bytes (an
 * LMDB page begins with its number), the first page past that which the
 * helper still reads as a hole: a store's commit writes its tables through
 * LMDB without learning where their pages went.
 *
 * Ownership: mapwarm_start returns a helper the caller stops with
 * mapwarm_stop; the file descriptor stays the caller's, open until then.
 * mapwarm_at is for the one writing thread. */
#ifndef TIDE_MAPWARM_H
#define TIDE_MAPWARM_H

#include <stdint.h>

typedef struct mapwarm mapwarm;

/* What a helper reads.  It starts at `from`, the writer's position, and
 * never reads past `end`.  It reads ahead of the writer by as much as the
 * writer has written since `from`, at least `first` and at most `most`:
 * a small batch, which writes a MB or two, then reads a few MB it does not
 * use, not the whole distance (~10 ms of a 10k-order load into a new
 * store).  page: the size of the writer's pages when none of them begins
 * with 8 zero bytes, else 0 (the writer says where it is). */
typedef struct mapwarm_plan {
	uint64_t from, end;
	uint64_t first, most;
	uint32_t page;
} mapwarm_plan;

/* A store's batch through the map: from 2 MB up to 64 MB ahead, about a
 * second of a bulk load's writing, which keeps the writer from catching up
 * while the helper sleeps, and is used before the kernel reclaims it. */
enum { MAPWARM_FIRST = 2 << 20, MAPWARM_AHEAD = 64 << 20 };

/* A helper reading fd as planned; NULL when no thread could be started:
 * the writer then simply makes its own pages. */
mapwarm *mapwarm_start(int fd, const mapwarm_plan *plan);

/* The writer has written up to offset pos. */
void mapwarm_at(mapwarm *w, uint64_t pos);

/* Stops and frees the helper; NULL is a no-op. */
void mapwarm_stop(mapwarm *w);

#endif

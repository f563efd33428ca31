#include "runs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bigend.h"
#include "err.h"
#include "grow.h"
#include "mapwarm.h"

/* A run's entries lie end to end in the file.  Memory keeps where each run
 * starts, how many entries it holds, and the head (first 8 bytes) of the
 * last entry of each of its segments of SEGMENT_BYTES: a lookup bisects
 * those to the one segment that can hold its head, and reads only that.
 * That is 8 bytes of memory per 4 KiB of runs, 7 MB for the 3.4 GB a 100M
 * load writes.  Writes and a merge's reads go in chunks of CHUNK_BYTES. */
enum { SEGMENT_BYTES = 4096, CHUNK_BYTES = 256 << 10, HEAD = 8 };

/* A batch writes each run at once, a few million entries (~150 MB at 100M
 * orders), into pages new to the file, which cost the writer as the map's
 * new pages cost it (mapwarm.h): 4.8 s of a 100M load.  Once the first run
 * is written, the file is made sparse up to WARM_END and a helper reads as
 * much as that run took past the end of the runs, so that the next run
 * finds its pages there. */
#define WARM_END ((uint64_t)1 << 40)

typedef struct run {
	uint64_t offset;	/* of its first entry in the file */
	uint64_t entries;
	size_t first_head;	/* its segments' heads start at head first_head */
} run;

struct runs {
	char *dir;
	int fd;			/* -1 until the first run */
	size_t size, per_segment;
	run *v;
	uint32_t n, cap;
	uint8_t *heads;		/* HEAD bytes each, as in the entries */
	size_t nheads, capheads;
	bool appending;
	mapwarm *warm;		/* NULL until the first run, or without one */
};

runs *runs_new(const char *dir, size_t size)
{
	runs *r = calloc(1, sizeof *r);
	if (!r || !(r->dir = strdup(dir))) {
		free(r);
		return NULL;
	}
	r->fd = -1;
	r->size = size;
	r->per_segment = SEGMENT_BYTES / size;
	return r;
}

void runs_free(runs *r)
{
	if (!r)
		return;
	mapwarm_stop(r->warm);
	if (r->fd >= 0)
		close(r->fd);
	free(r->dir);
	free(r->v);
	free(r->heads);
	free(r);
}

uint32_t runs_count(const runs *r)
{
	return r->n;
}

/* Where the next run starts: after the last one (a run that failed is not
 * one, so its space is taken again). */
static uint64_t end_of_runs(const runs *r)
{
	const run *last = r->n ? &r->v[r->n - 1] : NULL;
	return last ? last->offset + last->entries * r->size : 0;
}

/* Makes the file, with no name: where the file system cannot (no
 * O_TMPFILE), under a name removed at once. */
static int open_file(runs *r)
{
	r->fd = open(r->dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (r->fd >= 0)
		return 0;
	size_t len = strlen(r->dir) + sizeof "/runs.XXXXXX";
	char *path = malloc(len);
	if (!path)
		return TIDE_ENOMEM;
	snprintf(path, len, "%s/runs.XXXXXX", r->dir);
	r->fd = mkostemp(path, O_CLOEXEC);
	int rc = r->fd < 0 ? errno : 0;
	if (rc == 0)
		unlink(path);
	free(path);
	return rc;
}

/* Writes or reads all len bytes at offset: pwrite, or pread, which finds a
 * run cut short when the file ends first (a sparse one, once warmed, reads
 * zeros there: a run is kept only when it was written whole). */
static int file_io(int fd, bool writing, uint8_t *bytes, size_t len, uint64_t offset)
{
	while (len) {
		ssize_t done = writing ? pwrite(fd, bytes, len, (off_t)offset) : pread(fd, bytes, len, (off_t)offset);
		if (done < 0 && errno == EINTR)
			continue;
		if (done <= 0)
			return done < 0 ? errno : writing ? EIO : TIDE_ECORRUPT;
		bytes += done;
		len -= (size_t)done;
		offset += (uint64_t)done;
	}
	return 0;
}

static int push_head(runs *r, const uint8_t *entry)
{
	if (r->nheads == r->capheads) {
		uint8_t *heads = grow_reserve(r->heads, &r->capheads, r->nheads + 1, HEAD, 1024);
		if (!heads)
			return TIDE_ENOMEM;
		r->heads = heads;
	}
	memcpy(r->heads + r->nheads++ * HEAD, entry, HEAD);
	return 0;
}

struct runs_appender {
	runs *r;
	run at;			/* the run so far */
	size_t n, per_chunk;	/* entries in bytes[], and room there */
	size_t to_segment;	/* entries until the current segment is whole */
	uint8_t bytes[CHUNK_BYTES];
};

/* Starts the helper after the first run, which took `bytes`; without a
 * sparse file or a thread, the runs are written as they were. */
static void start_warm(runs *r, uint64_t bytes)
{
	if (ftruncate(r->fd, (off_t)WARM_END) != 0)
		return;
	mapwarm_plan plan = {end_of_runs(r), WARM_END, bytes, bytes, 0};
	r->warm = mapwarm_start(r->fd, &plan);
}

int runs_append_start(runs *r, runs_appender **out)
{
	if (r->appending)
		return TIDE_EUSAGE;
	int rc = r->fd < 0 ? open_file(r) : 0;
	if (rc)
		return rc;
	runs_appender *a = malloc(sizeof *a);
	if (!a)
		return TIDE_ENOMEM;
	a->r = r;
	a->at = (run){end_of_runs(r), 0, r->nheads};
	a->n = 0;
	a->per_chunk = CHUNK_BYTES / r->size;
	a->to_segment = r->per_segment;
	r->appending = true;
	*out = a;
	return 0;
}

static int write_chunk(runs_appender *a)
{
	size_t size = a->r->size;
	uint64_t first = a->at.entries - a->n;	/* the chunk's first entry in the run */
	int rc = file_io(a->r->fd, true, a->bytes, a->n * size, a->at.offset + first * size);
	if (a->r->warm)
		mapwarm_at(a->r->warm, a->at.offset + (first + a->n) * size);
	a->n = 0;
	return rc;
}

/* Takes the entry just placed at bytes[n]. */
static int took(runs_appender *a)
{
	const uint8_t *entry = a->bytes + a->n * a->r->size;
	a->at.entries++;
	int rc = --a->to_segment ? 0 : push_head(a->r, entry);
	if (a->to_segment == 0)
		a->to_segment = a->r->per_segment;
	if (rc == 0 && ++a->n == a->per_chunk)
		rc = write_chunk(a);
	return rc;
}

int runs_append(runs_appender *a, const uint8_t *entry)
{
	memcpy(a->bytes + a->n * a->r->size, entry, a->r->size);
	return took(a);
}

int runs_append_end(runs_appender *a, size_t *entries)
{
	runs *r = a->r;
	/* the last entry, still in bytes[] even when its chunk was written */
	const uint8_t *last = a->bytes + ((a->n ? a->n : a->per_chunk) - 1) * r->size;
	int rc = a->n ? write_chunk(a) : 0;
	if (rc == 0 && a->at.entries && a->to_segment != r->per_segment)
		rc = push_head(r, last);
	if (rc == 0 && a->at.entries && r->n == r->cap) {
		uint32_t cap = r->cap ? 2 * r->cap : 16;
		run *v = realloc(r->v, cap * sizeof *v);
		if (v) {
			r->v = v;
			r->cap = cap;
		} else {
			rc = TIDE_ENOMEM;
		}
	}
	if (rc == 0 && a->at.entries) {
		r->v[r->n++] = a->at;
		if (r->n == 1)
			start_warm(r, a->at.entries * r->size);
	} else
		r->nheads = a->at.first_head;	/* no run: no heads */
	if (entries)
		*entries = rc ? 0 : (size_t)a->at.entries;
	r->appending = false;
	free(a);
	return rc;
}

int runs_write(runs *r, const runs_pending *p)
{
	runs_appender *a;
	int rc = runs_append_start(r, &a);
	if (rc)
		return rc;
	for (size_t i = 0; rc == 0 && i < p->n; i++) {
		p->encode(p->items, i, a->bytes + a->n * r->size);
		rc = took(a);
	}
	int end = runs_append_end(a, NULL);
	return rc ? rc : end;
}

/* Index of the first of n items, `stride` bytes apart, whose head is not
 * below `head`; n when none. */
static size_t first_not_below(const uint8_t *items, size_t n, size_t stride, uint64_t head)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (bigend_get(items + mid * stride, HEAD) < head)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int runs_find(runs *r, uint64_t head, uint8_t *out, int *found)
{
	*found = 0;
	for (uint32_t i = 0; i < r->n; i++) {
		const run *at = &r->v[i];
		size_t segments = (size_t)((at->entries + r->per_segment - 1) / r->per_segment);
		size_t s = first_not_below(r->heads + at->first_head * HEAD, segments, HEAD, head);
		if (s == segments)
			continue;
		uint64_t first = (uint64_t)s * r->per_segment;
		size_t n = (size_t)(at->entries - first < r->per_segment ? at->entries - first : r->per_segment);
		uint8_t segment[SEGMENT_BYTES];
		int rc = file_io(r->fd, false, segment, n * r->size, at->offset + first * r->size);
		if (rc)
			return rc;
		size_t e = first_not_below(segment, n, r->size, head);
		if (e < n && bigend_get(segment + e * r->size, HEAD) == head) {
			memcpy(out, segment + e * r->size, r->size);
			*found = 1;
			return 0;
		}
	}
	return 0;
}

/* One sorted source of the merge: a run, read a chunk at a time into
 * `chunk`, or the pending entries (p), encoded one at a time into `own`.
 * Its entry at hand is `entry`, and its first 8 bytes the merge's head[]
 * for it (UINT64_MAX once it is done). */
typedef struct source {
	uint8_t *chunk;		/* NULL: the pending entries */
	size_t cap;		/* entries chunk holds */
	uint64_t offset, left;	/* the run's next entry not yet read, and how many are */
	const uint8_t *at, *end;
	const runs_pending *p;
	size_t next;
	const uint8_t *entry;
	bool done;
	uint8_t own[RUNS_ENTRY_MAX];
} source;

static int advance(const runs *r, source *s, uint64_t *head)
{
	if (!s->chunk) {
		s->done = !s->p || s->next == s->p->n;
		if (s->done) {
			*head = UINT64_MAX;
			return 0;
		}
		s->p->encode(s->p->items, s->next++, s->own);
		s->entry = s->own;
		*head = bigend_get(s->own, HEAD);
		return 0;
	}
	if (s->at == s->end) {
		if (s->left == 0) {
			s->done = true;
			*head = UINT64_MAX;
			return 0;
		}
		size_t n = s->left < s->cap ? (size_t)s->left : s->cap;
		int rc = file_io(r->fd, false, s->chunk, n * r->size, s->offset);
		if (rc)
			return rc;
		s->offset += n * r->size;
		s->left -= n;
		s->at = s->chunk;
		s->end = s->chunk + n * r->size;
	}
	s->entry = s->at;
	*head = bigend_get(s->at, HEAD);
	s->at += r->size;
	return 0;
}

/* Gives source s run `at`, and a chunk of its size up to CHUNK_BYTES. */
static int open_run(const runs *r, const run *at, source *s)
{
	s->cap = CHUNK_BYTES / r->size;
	if (at->entries < s->cap)
		s->cap = (size_t)at->entries;
	s->chunk = malloc(s->cap * r->size);
	s->offset = at->offset;
	s->left = at->entries;
	return s->chunk ? 0 : TIDE_ENOMEM;
}

/* Whether source a's entry comes before source b's when their heads are
 * equal: rare (an equal first 8 bytes; or UINT64_MAX, which a live source
 * may hold too), so settled by the rest of the entries away from the hot
 * loop.  A done source comes after every live one. */
static bool tie_before(const source *src, uint32_t a, uint32_t b, size_t size)
{
	if (src[a].done || src[b].done)
		return !src[a].done;
	return memcmp(src[a].entry + HEAD, src[b].entry + HEAD, size - HEAD) < 0;
}

static bool before(const uint64_t *head, const source *src, uint32_t a, uint32_t b, size_t size)
{
	return head[a] != head[b] ? head[a] < head[b] : tie_before(src, a, b, size);
}

/* A loser tree over the sources, padded with done ones to `width`, a power
 * of two: node i (1 <= i < width) holds the loser of the match played
 * there, and its children are 2i and 2i+1, leaf s being width + s.  When
 * the winner has moved to its next entry, only the matches on its path to
 * the root are played again: log2(width) comparisons an entry instead of a
 * scan of every source (a 100M load merges ~225M entries from a dozen
 * sources at its commit).  Dedupe hashes are random, so each match picks
 * its winner without a branch, which would mispredict half the time. */
static uint32_t replay(uint32_t *loser, uint32_t width, uint32_t winner, const uint64_t *head, const source *src,
		       size_t size)
{
	for (uint32_t node = (width + winner) / 2; node; node /= 2) {
		uint32_t other = loser[node];
		bool beaten = before(head, src, other, winner, size);
		loser[node] = beaten ? winner : other;
		winner = beaten ? other : winner;
	}
	return winner;
}

/* Plays every match, leaves first; the overall winner. */
static uint32_t build(uint32_t *loser, uint32_t *won, uint32_t width, const uint64_t *head, const source *src,
		      size_t size)
{
	for (uint32_t s = 0; s < width; s++)
		won[width + s] = s;
	for (uint32_t node = width - 1; node >= 1; node--) {
		uint32_t x = won[2 * node], y = won[2 * node + 1];
		bool x_wins = before(head, src, x, y, size);
		won[node] = x_wins ? x : y;
		loser[node] = x_wins ? y : x;
	}
	return won[1];
}

int runs_merge(runs *r, const runs_pending *p, runs_fn fn, void *arg)
{
	uint32_t nruns = r->n, nsrc = nruns + 1, width = 1;
	size_t size = r->size;
	while (width < nsrc)
		width *= 2;
	source *src = calloc(width, sizeof *src);
	uint64_t *head = calloc(width, sizeof *head);
	uint32_t *tree = calloc(3 * (size_t)width, sizeof *tree);
	if (!src || !head || !tree) {
		free(src);
		free(head);
		free(tree);
		return TIDE_ENOMEM;
	}
	src[nruns].p = p;
	for (uint32_t s = nsrc; s < width; s++) {
		src[s].done = true;
		head[s] = UINT64_MAX;
	}
	int rc = 0;
	for (uint32_t i = 0; rc == 0 && i < nruns; i++)
		rc = open_run(r, &r->v[i], &src[i]);
	for (uint32_t i = 0; rc == 0 && i < nsrc; i++)
		rc = advance(r, &src[i], &head[i]);
	/* the matches' losers in tree[1 .. width), build()'s winners above */
	uint32_t least = rc ? 0 : build(tree, tree + width, width, head, src, size);
	while (rc == 0 && !src[least].done) {
		rc = fn(arg, src[least].entry);
		if (rc == 0)
			rc = advance(r, &src[least], &head[least]);
		least = replay(tree, width, least, head, src, size);
	}
	for (uint32_t i = 0; i < nruns; i++)
		free(src[i].chunk);
	free(src);
	free(head);
	free(tree);
	return rc;
}

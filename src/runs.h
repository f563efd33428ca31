/* runs.h — a batch's sorted entries that left memory, as runs in a scratch
 * file.
 *
 * A big batch moves what it has pending out of memory every few million
 * events: its dedupe entries (idbuf.h), its customer index entries
 * (custbuf.h) and its tag roll-ups (rollup.h).  Written into their tables
 * at once, each such flush touched nearly every page of a B-tree of tens
 * of millions of entries, and the flushes of a 100M load rewrote those
 * tables over and over (the dedupe entries 70 of its 263 s, the index
 * 33 s).  Instead each flush writes its entries, sorted, as one run, and at
 * commit the runs and the last pending entries merge, in order, into one
 * pass over the real table.
 *
 * The runs live in a file of their own, not in the store: written into the
 * store's transaction they were a quarter of the pages a 100M load
 * dirtied, and LMDB 0.9's cost per dirty page grows with their number (a
 * write map's transaction still sorts its whole list of spilled pages at
 * every spill).  The file is made in the store's directory when the first
 * run is written, unlinked from the start (a crash leaves nothing behind),
 * and goes with runs_free.  It is written and read with pwrite / pread,
 * never mapped: its pages stay in the page cache, out of the process's
 * resident set.
 *
 * Entries are `size` bytes, 8 to RUNS_ENTRY_MAX, ordered by their bytes
 * (memcmp): big-endian fields.  Runs are numbered from 0 in the order they
 * were written.  Calls return 0, TIDE_ENOMEM when out of memory, an errno
 * value when the file fails (ENOSPC ...), TIDE_ECORRUPT when a run reads
 * back short. */
#ifndef TIDE_RUNS_H
#define TIDE_RUNS_H

#include <stddef.h>
#include <stdint.h>

enum { RUNS_ENTRY_MAX = 64 };

/* The runs of entries of one size, and their file. */
typedef struct runs runs;

/* A set of no runs, whose file will be made in dir (copied); NULL when out
 * of memory. */
runs *runs_new(const char *dir, size_t size);

/* Closes the file, whose space goes back; NULL is a no-op. */
void runs_free(runs *r);

/* How many runs have been written. */
uint32_t runs_count(const runs *r);

/* Encodes entry i of a sorted array the caller keeps into out (size bytes). */
typedef void (*runs_encode_fn)(const void *items, size_t i, uint8_t *out);

/* Entries still in memory: n of them, sorted, read through encode. */
typedef struct runs_pending {
	const void *items;
	size_t n;
	runs_encode_fn encode;
} runs_pending;

/* Writes the pending entries as the next run (none: no run). */
int runs_write(runs *r, const runs_pending *p);

/* Writes the next run an entry at a time, for entries that come from a walk
 * rather than an array: each is copied, and written once a buffer is full.
 * Entries must come in order, and nothing else may write to r until
 * runs_append_end, which writes the rest, says how many entries the run
 * holds (a run of none is no run) and frees the appender, after an error
 * too. */
typedef struct runs_appender runs_appender;
int runs_append_start(runs *r, runs_appender **out);
int runs_append(runs_appender *a, const uint8_t *entry);
int runs_append_end(runs_appender *a, size_t *entries);

/* Looks in every run for an entry whose first 8 bytes are `head`
 * (big-endian): *found, and the least such entry of the first run that
 * holds one copied to out (size bytes) when found.  One read per run whose
 * range holds the head. */
int runs_find(runs *r, uint64_t head, uint8_t *out, int *found);

/* Called once per entry, in order; a non-zero return stops the merge and is
 * returned.  entry is valid until the call returns. */
typedef int (*runs_fn)(void *arg, const uint8_t *entry);

/* Calls fn for every entry of the runs and of p (NULL: none), in order. */
int runs_merge(runs *r, const runs_pending *p, runs_fn fn, void *arg);

#endif

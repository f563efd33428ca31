#include "ingest.h"

#include <errno.h>
#include <limits.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "rowpipe.h"

/* Fewer bytes than a typical event's row (an order's CSV row with its tags
 * is ~75 bytes, in NDJSON ~200): a batch's input over this is an estimate
 * of its events that is seldom too high, and then by a little. */
enum { ROW_BYTES_MIN = 64 };

/* How many rows before its add an event's memory is asked for: an add takes
 * about a microsecond, a miss to memory a tenth of that. */
enum { PREFETCH_AHEAD = 4 };

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

typedef struct progress {
	bool on;
	double start, last;
} progress;

static void progress_tick(progress *p, uint64_t rows)
{
	if (!p->on)
		return;
	double t = now_seconds();
	if (t - p->last < 0.5)
		return;
	p->last = t;
	fprintf(stderr, "\r%llu rows, %.0f rows/s ", (unsigned long long)rows,
		rows / (t - p->start));
}

/* Copies standard input into an unlinked file in the store's directory so a
 * batch can be replayed after the map grows. */
static int spool_stdin(const char *dir, FILE **out, tide_err *e)
{
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/stdin.XXXXXX", dir);
	int fd = mkstemp(path);
	if (fd < 0)
		return tide_errf(e, errno, "%s: %s", path, strerror(errno));
	unlink(path);
	FILE *f = fdopen(fd, "w+");
	if (!f) {
		close(fd);
		return tide_errf(e, errno, "spooling stdin: %s", strerror(errno));
	}
	char buf[1 << 16];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, stdin)) > 0)
		if (fwrite(buf, 1, n, f) != n)
			break;
	if (ferror(stdin) || ferror(f) || fflush(f) != 0) {
		fclose(f);
		return tide_errf(e, TIDE_EIO, "spooling stdin into %s failed", dir);
	}
	rewind(f);
	*out = f;
	return 0;
}

static bool is_stdin(const char *path)
{
	return path == NULL || strcmp(path, "-") == 0;
}

/* Stores one row, or writes it to bad_out when it is a bad row and the
 * caller keeps those.  1 to go on, or an error. */
static int add_row(store_batch *b, const rowpipe_row *row, FILE *bad_out, ingest_result *res,
		   tide_err *e)
{
	res->rows++;
	if (row->rc) {
		if (!bad_out)
			return tide_errf(e, row->rc, "%s", row->msg);
		fprintf(bad_out, "%s\t%.*s\n", row->msg, (int)row->text_len, row->text);
		res->bad++;
		return 1;
	}
	bool dup;
	int rc = store_batch_add_checked(b, &row->ev, &row->id, &dup, e);
	if (rc)
		return rc;
	if (dup)
		res->duplicates++;
	else
		res->stored++;
	return 1;
}

/* On the reading thread: the event's id hash and what the store's dedupe
 * tables hold for it, unless the writer is waiting for rows: then it looks
 * the id up itself, and the lookups are shared by the two threads. */
static void check_id(void *lookup, const tide_event *ev, bool writer_idle, store_idcheck *out)
{
	if (writer_idle)
		*out = store_idcheck_unknown(ev);
	else
		store_idlookup_check(lookup, ev, out);
}

/* One pass over all inputs into batch b.  Returns 0, an error, or
 * MDB_MAP_FULL in e->code when the batch must be replayed after growing. */
static int load_all(store_batch *b, tide_kind kind, const char *const *paths, int npaths,
		    FILE *spooled, const ingest_opts *opts, FILE *bad_out,
		    ingest_result *res, tide_err *e)
{
	progress prog = {opts->progress, now_seconds(), now_seconds()};
	store_idlookup *lookup = NULL;
	int rc = store_idlookup_open(b, &lookup, e);
	for (int i = 0; i < npaths && rc == 0; i++) {
		tide_reader *r;
		if (is_stdin(paths[i])) {
			rewind(spooled);
			rc = tide_reader_open_stream(&r, kind, spooled, "<stdin>", opts->format, e);
		} else {
			rc = tide_reader_open(&r, kind, paths[i], opts->format, e);
		}
		rowpipe *pipe;
		if (rc || (rc = rowpipe_open(&pipe, r, check_id, lookup, e)))
			break;
		const rowpipe_row *rows;
		size_t n;
		while ((rc = rowpipe_next(pipe, &rows, &n, e)) == 1) {
			for (size_t j = 0; j < n && rc == 1; j++) {
				size_t ahead = j + PREFETCH_AHEAD;
				if (ahead < n && rows[ahead].rc == 0)
					store_batch_prefetch(b, &rows[ahead].ev, rows[ahead].id.hash);
				rc = add_row(b, &rows[j], bad_out, res, e);
			}
			if (rc != 1)
				break;
			progress_tick(&prog, res->rows);
		}
		rowpipe_close(pipe);
	}
	store_idlookup_close(lookup);
	if (prog.on && res->rows >= 0x10000)
		fputc('\n', stderr);
	return rc;
}

int ingest_run(store *s, const char *dir, tide_kind kind, const char *const *paths,
	       int npaths, const ingest_opts *opts, ingest_result *res, tide_err *e)
{
	static const char *const stdin_only[] = {"-"};
	if (npaths == 0) {
		paths = stdin_only;
		npaths = 1;
	}
	double start = now_seconds();
	FILE *spooled = NULL;
	int rc = 0;
	for (int i = 0; i < npaths && rc == 0; i++)
		if (is_stdin(paths[i]) && !spooled)
			rc = spool_stdin(dir, &spooled, e);
	if (rc)
		return rc;
	/* Room for the whole batch up front (store_reserve says how much); a map
	 * that still fills grows and replays the batch. */
	uint64_t input = 0;
	struct stat st;
	for (int i = 0; i < npaths; i++)
		if (is_stdin(paths[i]) ? fstat(fileno(spooled), &st) == 0 : stat(paths[i], &st) == 0)
			input += (uint64_t)st.st_size;
	if ((rc = store_reserve(s, input, e)))
		return rc;

	for (;;) {
		memset(res, 0, sizeof *res);
		FILE *bad_out = NULL;
		if (opts->skip_bad_path && !(bad_out = fopen(opts->skip_bad_path, "w"))) {
			rc = tide_errf(e, errno, "%s: %s", opts->skip_bad_path, strerror(errno));
			break;
		}
		store_batch *b;
		rc = store_batch_begin(s, &b, e);
		if (rc == 0) {
			store_batch_expect(b, kind, input / ROW_BYTES_MIN);
			rc = load_all(b, kind, paths, npaths, spooled, opts, bad_out, res, e);
			if (rc == 0)
				rc = store_batch_commit(b, e);
			else
				store_batch_abort(b);
		}
		if (bad_out && fclose(bad_out) != 0 && rc == 0)
			rc = tide_errf(e, TIDE_EIO, "%s: write failed", opts->skip_bad_path);
		if (rc != MDB_MAP_FULL)
			break;
		rc = store_grow(s, e);
		if (rc)
			break;
	}
	if (spooled)
		fclose(spooled);
	res->seconds = now_seconds() - start;
	return rc;
}

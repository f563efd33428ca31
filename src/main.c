/* main.c — the `tide` command line, written against tide.h and serve.h only. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <lmdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "serve.h"
#include "tide.h"
#include "timefmt.h"

/* Exit codes: what kind of failure, so scripts can tell them apart. */
enum { EXIT_USAGE = 2, EXIT_INPUT = 3, EXIT_STORAGE = 4, EXIT_TIMEOUT = 5 };

static const char *const usage_main =
	"usage: tide <command> [options]\n"
	"\n"
	"  tide ingest <db> <orders|contacts> [FILE ...]  load CSV or NDJSON (stdin without FILE)\n"
	"  tide stats  <db> [--format text|json]          what the store holds\n"
	"  tide export <db> <orders|contacts> [--format csv|ndjson]   everything back out\n"
	"  tide query  <db> [--format text|csv|json|ndjson] [--asof TS] [--timeout SEC] 'TQL' | -f FILE\n"
	"  tide serve  <db> [--host ADDR] [--port N] [--timeout SEC] [--cache-mb N]   queries over HTTP\n"
	"\n"
	"<db> is a directory holding one store, created by the first ingest.\n"
	"Run `tide <command> --help` for a command's options.\n";

static const char *const usage_ingest =
	"usage: tide ingest <db> <orders|contacts> [options] [FILE ...]\n"
	"\n"
	"Loads events from CSV (with a header line) or NDJSON files, or from stdin\n"
	"when no FILE is given.  All files form one batch: a bad row anywhere writes\n"
	"nothing, unless --skip-bad is given.  Event ids seen before are skipped.\n"
	"\n"
	"  --format csv|ndjson   input format (default: by extension, .ndjson/.jsonl = NDJSON)\n"
	"  --skip-bad FILE       store the good rows; write each bad row, with its reason, to FILE\n"
	"  --map-cap SIZE        largest size the store may grow to (e.g. 64G; default 1T)\n"
	"  --quiet               no summary line\n"
	"\n"
	"Exit status: 0 ok, 2 usage, 3 bad input, 4 storage or I/O failure.\n";

static const char *const usage_stats =
	"usage: tide stats <db> [--format text|json]\n"
	"\n"
	"Prints events per kind, customers, first and last timestamps, and bytes on disk.\n";

static const char *const usage_export =
	"usage: tide export <db> <orders|contacts> [--format csv|ndjson]\n"
	"\n"
	"Writes every event of that kind to stdout in arrival order, losslessly\n"
	"(ingesting the output elsewhere reproduces the same events).\n";

static const char *const usage_query =
	"usage: tide query <db> [options] 'TQL'\n"
	"       tide query <db> [options] -f FILE\n"
	"       tide query <db> [options]            (query read from stdin)\n"
	"\n"
	"  --format text|csv|json|ndjson   output (default: text on a terminal, else csv)\n"
	"  --asof TS                       evaluate as of TS (overrides the query's ASOF)\n"
	"  --timeout SEC                   give up after SEC seconds (exit 5)\n"
	"  -f FILE                         read the query from FILE\n"
	"\n"
	"The language is described in docs/language.md.\n";

static int fail(const tide_err *e)
{
	fprintf(stderr, "tide: %s\n", e->msg[0] ? e->msg : tide_strerror(e->code));
	switch (e->code) {
	case TIDE_EUSAGE: return EXIT_USAGE;
	case TIDE_EINPUT:
	case TIDE_EQUERY: return EXIT_INPUT;
	case TIDE_ETIMEOUT: return EXIT_TIMEOUT;
	default: return EXIT_STORAGE;
	}
}

static int usage_error(const char *usage, const char *fmt, const char *arg)
{
	fputs("tide: ", stderr);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	fputs(usage, stderr);
	return EXIT_USAGE;
}

/* Opens the store in dir for queries (clearing e for the caller's later
 * calls).  Returns 0, or the exit status after printing why it cannot. */
static int open_for_reading(const char *dir, tide_db **db, tide_err *e)
{
	tide_err_clear(e);
	tide_open_opts oo = {.read_only = true};
	return tide_open(dir, &oo, db, e) ? fail(e) : 0;
}

static bool wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return true;
	return false;
}

static int parse_kind(const char *s, tide_kind *kind)
{
	if (strcmp(s, "orders") == 0)
		*kind = TIDE_ORDERS;
	else if (strcmp(s, "contacts") == 0)
		*kind = TIDE_CONTACTS;
	else
		return -1;
	return 0;
}

/* "64G", "512M", "1T", or bytes. */
static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || v == 0)
		return -1;
	int shift = 0;
	switch (*end) {
	case 'K': case 'k': shift = 10; end++; break;
	case 'M': case 'm': shift = 20; end++; break;
	case 'G': case 'g': shift = 30; end++; break;
	case 'T': case 't': shift = 40; end++; break;
	}
	if (*end || v > (UINT64_MAX >> shift))
		return -1;
	*out = (uint64_t)v << shift;
	return 0;
}

static int cmd_ingest(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"format", required_argument, NULL, 'F'},
		{"skip-bad", required_argument, NULL, 'S'},
		{"map-cap", required_argument, NULL, 'M'},
		{"quiet", no_argument, NULL, 'q'},
		{NULL, 0, NULL, 0},
	};
	ingest_opts opts = {TIDE_FMT_AUTO, NULL, isatty(STDERR_FILENO)};
	tide_open_opts oo = {0};
	bool quiet = false;
	int c;
	/* GNU getopt permutes, so options may also follow the files. */
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'F':
			if (strcmp(optarg, "csv") == 0)
				opts.format = TIDE_FMT_CSV;
			else if (strcmp(optarg, "ndjson") == 0)
				opts.format = TIDE_FMT_NDJSON;
			else
				return usage_error(usage_ingest, "unknown input format '%s'", optarg);
			break;
		case 'S': opts.skip_bad_path = optarg; break;
		case 'M':
			if (parse_size(optarg, &oo.map_cap))
				return usage_error(usage_ingest, "bad size '%s' for --map-cap", optarg);
			break;
		case 'q': quiet = true; break;
		default: fputs(usage_ingest, stderr); return EXIT_USAGE;
		}
	}
	if (argc - optind < 2)
		return usage_error(usage_ingest, "%s", "ingest needs <db> and <orders|contacts>");
	const char *dir = argv[optind];
	tide_kind kind;
	if (parse_kind(argv[optind + 1], &kind))
		return usage_error(usage_ingest, "unknown event kind '%s' (orders or contacts)",
				   argv[optind + 1]);
	const char *const *files = (const char *const *)argv + optind + 2;
	int nfiles = argc - optind - 2;

	tide_err e;
	tide_err_clear(&e);
	tide_db *db;
	int rc = tide_open(dir, &oo, &db, &e);
	if (rc)
		return fail(&e);
	ingest_result res;
	rc = tide_ingest(db, kind, files, nfiles, &opts, &res, &e);
	tide_close(db);
	if (rc)
		return fail(&e);
	if (!quiet) {
		printf("%s: %" PRIu64 " rows, %" PRIu64 " stored, %" PRIu64 " duplicates",
		       kind == TIDE_ORDERS ? "orders" : "contacts", res.rows, res.stored, res.duplicates);
		if (opts.skip_bad_path)
			printf(", %" PRIu64 " bad (see %s)", res.bad, opts.skip_bad_path);
		printf(" in %.2f s\n", res.seconds);
	}
	return 0;
}

/* The one option of stats and export: --format, one of names. */
static int parse_format_only(int argc, char **argv, const char *usage,
			     const char *const *names, int nnames, int *format)
{
	static const struct option longopts[] = {
		{"format", required_argument, NULL, 'F'},
		{NULL, 0, NULL, 0},
	};
	int c;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c != 'F') {
			fputs(usage, stderr);
			return -1;
		}
		*format = -1;
		for (int k = 0; k < nnames; k++)
			if (strcmp(optarg, names[k]) == 0)
				*format = k;
		if (*format < 0) {
			usage_error(usage, "unknown format '%s'", optarg);
			return -1;
		}
	}
	return 0;
}

static void print_range(const char *what, const store_info *s, int kind)
{
	printf("%-10s %" PRIu64, what, s->events[kind]);
	if (s->events[kind]) {
		char a[32], b[32];
		tide_ts_format(s->first_ts[kind], a);
		tide_ts_format(s->last_ts[kind], b);
		printf("  from %s to %s", a, b);
	}
	putchar('\n');
}

static int cmd_stats(int argc, char **argv)
{
	static const char *const formats[] = {"text", "json"};
	int format = 0;
	if (parse_format_only(argc, argv, usage_stats, formats, 2, &format))
		return EXIT_USAGE;
	if (argc - optind != 1)
		return usage_error(usage_stats, "%s", "stats needs exactly one <db>");
	const char *dir = argv[optind];
	tide_err e;
	tide_db *db;
	store_info s;
	int rc = open_for_reading(dir, &db, &e);
	if (rc)
		return rc;
	rc = tide_stats(db, &s, &e);
	tide_close(db);
	if (rc)
		return fail(&e);
	if (format == 0) {
		print_range("orders", &s, TIDE_ORDERS);
		print_range("contacts", &s, TIDE_CONTACTS);
		printf("%-10s %" PRIu64 "\n", "customers", s.customers);
		printf("%-10s %" PRIu64 " (%.1f MiB)\n", "bytes", s.file_bytes, s.file_bytes / 1048576.0);
		return 0;
	}
	printf("{\"orders\":%" PRIu64 ",\"contacts\":%" PRIu64 ",\"customers\":%" PRIu64,
	       s.events[0], s.events[1], s.customers);
	static const char *const kinds[] = {"orders", "contacts"};
	for (int k = 0; k < 2; k++) {
		char a[32] = "null", b[32] = "null";
		if (s.events[k]) {
			a[0] = b[0] = '"';
			tide_ts_format(s.first_ts[k], a + 1);
			tide_ts_format(s.last_ts[k], b + 1);
			strcat(a, "\"");
			strcat(b, "\"");
		}
		printf(",\"%s_first_ts\":%s,\"%s_last_ts\":%s", kinds[k], a, kinds[k], b);
	}
	printf(",\"bytes\":%" PRIu64 "}\n", s.file_bytes);
	return 0;
}

static int cmd_export(int argc, char **argv)
{
	static const char *const formats[] = {"csv", "ndjson"};
	int format = 0;
	if (parse_format_only(argc, argv, usage_export, formats, 2, &format))
		return EXIT_USAGE;
	if (argc - optind != 2)
		return usage_error(usage_export, "%s", "export needs <db> and <orders|contacts>");
	const char *dir = argv[optind];
	tide_kind kind;
	if (parse_kind(argv[optind + 1], &kind))
		return usage_error(usage_export, "unknown event kind '%s' (orders or contacts)",
				   argv[optind + 1]);
	tide_err e;
	tide_db *db;
	int rc = open_for_reading(dir, &db, &e);
	if (rc)
		return rc;
	rc = tide_export(db, kind, format == 0 ? TIDE_FMT_CSV : TIDE_FMT_NDJSON, stdout, &e);
	tide_close(db);
	return rc ? fail(&e) : 0;
}

static char *read_all(FILE *f, size_t *out_len)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	while (buf) {
		size_t n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (n == 0)
			break;
		if (len + 1 == cap) {
			char *nb = cap < (64u << 20) ? realloc(buf, cap * 2) : NULL;
			if (!nb) {
				free(buf);
				return NULL;
			}
			buf = nb;
			cap *= 2;
		}
	}
	if (buf)
		buf[len] = '\0';
	*out_len = len;
	return buf;
}

/* A query that begins with a comment ("-- top customers ...") is not an
 * option, though getopt would take it for one: no option holds whitespace
 * before an '='.  Such arguments are taken out of argv before the options
 * are read; returns how many there were, the last in *query. */
static int take_commented_queries(int *argc, char **argv, const char **query)
{
	int found = 0, kept = 1;
	for (int i = 1; i < *argc; i++) {
		const char *a = argv[i];
		size_t blank = strcspn(a, " \t\r\n");
		if (strncmp(a, "--", 2) == 0 && a[blank] && strcspn(a, "=") > blank) {
			*query = a;
			found++;
			continue;
		}
		argv[kept++] = argv[i];
	}
	*argc = kept;
	return found;
}

static int cmd_query(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"format", required_argument, NULL, 'F'},
		{"asof", required_argument, NULL, 'A'},
		{"timeout", required_argument, NULL, 'T'},
		{NULL, 0, NULL, 0},
	};
	static const char *const formats[] = {"text", "csv", "json", "ndjson"};
	int format = isatty(STDOUT_FILENO) ? TIDE_OUT_TEXT : TIDE_OUT_CSV;
	tide_query_opts qo = {0};
	const char *file = NULL;
	const char *commented = NULL;
	int ncommented = take_commented_queries(&argc, argv, &commented);
	int c;
	while ((c = getopt_long(argc, argv, "f:", longopts, NULL)) != -1) {
		switch (c) {
		case 'F':
			format = -1;
			for (int k = 0; k < 4; k++)
				if (strcmp(optarg, formats[k]) == 0)
					format = k;
			if (format < 0)
				return usage_error(usage_query, "unknown output format '%s'", optarg);
			break;
		case 'A': qo.asof = optarg; break;
		case 'T': {
			char *end;
			qo.timeout = strtod(optarg, &end);
			if (*end || !(qo.timeout > 0))
				return usage_error(usage_query, "bad --timeout '%s' (seconds > 0)", optarg);
			break;
		}
		case 'f': file = optarg; break;
		default: fputs(usage_query, stderr); return EXIT_USAGE;
		}
	}
	if (optind >= argc)
		return usage_error(usage_query, "%s", "query needs <db>");
	const char *dir = argv[optind++];
	if ((argc - optind) + (file != NULL) + ncommented > 1)
		return usage_error(usage_query, "%s", "give the query once: as one argument, -f FILE or on stdin");
	const char *arg = commented ? commented : optind < argc ? argv[optind] : NULL;
	char *text;
	size_t len = 0;
	if (arg) {
		text = strdup(arg);
		len = text ? strlen(text) : 0;
	} else {
		FILE *f = file ? fopen(file, "r") : stdin;
		if (!f) {
			fprintf(stderr, "tide: %s: %s\n", file, strerror(errno));
			return EXIT_USAGE;
		}
		text = read_all(f, &len);
		if (file)
			fclose(f);
	}
	if (!text) {
		fputs("tide: out of memory reading the query\n", stderr);
		return EXIT_STORAGE;
	}
	tide_err e;
	tide_db *db;
	int rc = open_for_reading(dir, &db, &e);
	if (rc) {
		free(text);
		return rc;
	}
	tide_result *res;
	rc = tide_query(db, text, len, &qo, &res, &e);
	free(text);
	if (rc == 0) {
		rc = tide_result_write(res, (tide_out_format)format, stdout, &e);
		tide_result_free(res);
	}
	tide_close(db);
	return rc ? fail(&e) : 0;
}

static const char *const usage_serve =
	"usage: tide serve <db> [options]\n"
	"\n"
	"Answers TQL over HTTP until interrupted (Ctrl-C or SIGTERM):\n"
	"  GET  /query?q=TQL[&format=json|csv|ndjson|text][&asof=TS]\n"
	"  POST /query[?format=...&asof=...]   with the TQL as the body\n"
	"A query repeated while the store is unchanged is answered from a cache;\n"
	"new data (a tide ingest, from any process) makes every answer fresh.\n"
	"\n"
	"  --host ADDR     numeric address to listen on (default 127.0.0.1)\n"
	"  --port N        port (default 8080; 0 = any free one, printed at start)\n"
	"  --timeout SEC   give up on a query after SEC seconds (default 60; 503)\n"
	"  --cache-mb N    memory for kept results (default 64; 0 = no cache)\n";

static int parse_number(const char *arg, double max, double *out)
{
	char *end;
	*out = strtod(arg, &end);
	return *end || end == arg || !(*out >= 0) || *out > max ? -1 : 0;
}

static int cmd_serve(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"host", required_argument, NULL, 'H'},
		{"port", required_argument, NULL, 'P'},
		{"timeout", required_argument, NULL, 'T'},
		{"cache-mb", required_argument, NULL, 'C'},
		{NULL, 0, NULL, 0},
	};
	serve_opts so = {.port = 8080, .timeout = 60, .cache_entries = 1024, .cache_bytes = 64u << 20};
	double x;
	int c;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'H': so.host = optarg; break;
		case 'P':
			if (parse_number(optarg, 65535, &x) || x != (unsigned)x)
				return usage_error(usage_serve, "bad --port '%s' (0 to 65535)", optarg);
			so.port = (unsigned)x;
			break;
		case 'T':
			if (parse_number(optarg, 1e9, &x) || x == 0)
				return usage_error(usage_serve, "bad --timeout '%s' (seconds > 0)", optarg);
			so.timeout = x;
			break;
		case 'C':
			if (parse_number(optarg, 1 << 20, &x))
				return usage_error(usage_serve, "bad --cache-mb '%s' (megabytes, 0 = none)", optarg);
			so.cache_bytes = (size_t)(x * (1 << 20));
			if (so.cache_bytes == 0)
				so.cache_entries = 0;
			break;
		default: fputs(usage_serve, stderr); return EXIT_USAGE;
		}
	}
	if (optind != argc - 1)
		return usage_error(usage_serve, "%s", "serve needs <db> (and nothing else)");
	const char *dir = argv[optind];
	/* The server's threads inherit this mask: the signals wait for sigwait
	 * below, so that a stop is an orderly one. */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	tide_err e;
	tide_db *db;
	int rc = open_for_reading(dir, &db, &e);
	if (rc)
		return rc;
	server *sv;
	if ((rc = serve_start(db, &so, &sv, &e))) {
		tide_close(db);
		return fail(&e);
	}
	const char *host = so.host ? so.host : "127.0.0.1";
	bool v6 = strchr(host, ':') != NULL;
	printf("tide: serving %s at http://%s%s%s:%u/ (Ctrl-C stops)\n", dir, v6 ? "[" : "", host,
	       v6 ? "]" : "", serve_port(sv));
	fflush(stdout);
	int sig;
	sigwait(&stop, &sig);
	serve_stop(sv);
	tide_close(db);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		fputs(usage_main, argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : 0;
	}
	static const struct {
		const char *name;
		int (*run)(int, char **);
		const char *usage;
	} commands[] = {
		{"ingest", cmd_ingest, usage_ingest},
		{"stats", cmd_stats, usage_stats},
		{"export", cmd_export, usage_export},
		{"query", cmd_query, usage_query},
		{"serve", cmd_serve, usage_serve},
	};
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
		if (strcmp(argv[1], commands[i].name) != 0)
			continue;
		if (wants_help(argc - 1, argv + 1)) {
			fputs(commands[i].usage, stdout);
			return 0;
		}
		return commands[i].run(argc - 1, argv + 1);
	}
	return usage_error(usage_main, "unknown command '%s'", argv[1]);
}

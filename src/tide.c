#include "tide.h"

#include <stdlib.h>
#include <string.h>

#include "export.h"
#include "query.h"

struct tide_db {
	store *s;
	char *dir;
};

int tide_open(const char *dir, const tide_open_opts *opts, tide_db **out, tide_err *e)
{
	tide_open_opts defaults = {0};
	if (!opts)
		opts = &defaults;
	tide_db *db = calloc(1, sizeof *db);
	if (!db || !(db->dir = strdup(dir))) {
		free(db);
		return tide_errf(e, TIDE_ENOMEM, "out of memory");
	}
	store_opts so = {opts->read_only, opts->map_cap};
	int rc = store_open(dir, &so, &db->s, e);
	if (rc) {
		free(db->dir);
		free(db);
		return rc;
	}
	*out = db;
	return 0;
}

void tide_close(tide_db *db)
{
	if (!db)
		return;
	store_close(db->s);
	free(db->dir);
	free(db);
}

int tide_ingest(tide_db *db, tide_kind kind, const char *const *paths, int npaths,
		const ingest_opts *opts, ingest_result *res, tide_err *e)
{
	return ingest_run(db->s, db->dir, kind, paths, npaths, opts, res, e);
}

int tide_stats(tide_db *db, store_info *out, tide_err *e)
{
	store_snap *snap;
	int rc = store_snap_begin(db->s, &snap, e);
	if (rc)
		return rc;
	rc = store_snap_info(snap, out, e);
	store_snap_end(snap);
	return rc;
}

uint64_t tide_version(tide_db *db)
{
	return store_last_txn(db->s);
}

int tide_export(tide_db *db, tide_kind kind, tide_format format, FILE *out, tide_err *e)
{
	return export_run(db->s, kind, format, out, e);
}

int tide_query(tide_db *db, const char *text, size_t len, const tide_query_opts *opts,
	       tide_result **out, tide_err *e)
{
	return query_run(db->s, text, len, opts, out, e);
}

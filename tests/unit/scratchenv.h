/* scratchenv.h — for tests of modules that work inside an LMDB write
 * transaction: a fresh environment in a temporary directory, with one
 * table, and its removal. */
#ifndef TIDE_SCRATCHENV_H
#define TIDE_SCRATCHENV_H

#include <lmdb.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"

typedef struct scratchenv {
	char dir[64];
	MDB_env *env;
	MDB_txn *txn;
} scratchenv;

/* Opens a write transaction on a fresh environment of `map` bytes, and
 * table `name` in it with `flags` (MDB_CREATE is added). */
static inline MDB_dbi scratchenv_open(scratchenv *s, size_t map, const char *name, unsigned flags)
{
	snprintf(s->dir, sizeof s->dir, "/tmp/tide_scratch_XXXXXX");
	CHECK(mkdtemp(s->dir) != NULL);
	CHECK(mdb_env_create(&s->env) == 0 && mdb_env_set_maxdbs(s->env, 2) == 0);
	CHECK(mdb_env_set_mapsize(s->env, map) == 0);
	CHECK(mdb_env_open(s->env, s->dir, 0, 0644) == 0);
	CHECK(mdb_txn_begin(s->env, NULL, 0, &s->txn) == 0);
	MDB_dbi dbi = 0;
	CHECK(mdb_dbi_open(s->txn, name, MDB_CREATE | flags, &dbi) == 0);
	return dbi;
}

/* Abandons the transaction and removes the environment's files. */
static inline void scratchenv_remove(scratchenv *s)
{
	mdb_txn_abort(s->txn);
	mdb_env_close(s->env);
	char path[96];
	snprintf(path, sizeof path, "%s/data.mdb", s->dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/lock.mdb", s->dir);
	unlink(path);
	rmdir(s->dir);
}

#endif

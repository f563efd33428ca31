#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <xxhash.h>

#include "bgjob.h"
#include "bigend.h"
#include "colblock.h"
#include "custbuf.h"
#include "custindex.h"
#include "grow.h"
#include "idbuf.h"
#include "idblocks.h"
#include "idfilter.h"
#include "leaders.h"
#include "logblock.h"
#include "mapwarm.h"
#include "rollfeed.h"
#include "rollup.h"
#include "runs.h"
#include "strmap.h"
#include "timefmt.h"
#include "varint.h"

#define STORE_VERSION 18
#define MAP_INITIAL (UINT64_C(64) << 20)

static const struct {
	const char *name;
	unsigned flags;
} db_defs[DB_COUNT] = {
	[DB_META] = {"meta", 0},
	[DB_ORDERS] = {"orders", MDB_INTEGERKEY},
	[DB_CONTACTS] = {"contacts", MDB_INTEGERKEY},
	[DB_IDS] = {"ids", MDB_INTEGERKEY},
	[DB_C_IDS] = {"c_ids", MDB_INTEGERKEY},
	[DB_IDS_NEW] = {"ids_new", MDB_INTEGERKEY},
	[DB_C_IDS_NEW] = {"c_ids_new", MDB_INTEGERKEY},
	[DB_IDS_X] = {"ids_x", 0},
	[DB_CUST] = {"cust", 0},
	[DB_CUST_ID] = {"cust_id", MDB_INTEGERKEY},
	[DB_STR] = {"str", 0},
	[DB_STR_ID] = {"str_id", MDB_INTEGERKEY},
	[DB_O_CUST] = {"o_cust", 0},
	[DB_C_CUST] = {"c_cust", 0},
	[DB_O_CUST_NEW] = {"o_cust_new", 0},
	[DB_C_CUST_NEW] = {"c_cust_new", 0},
	[DB_O_DAYS] = {"o_days", MDB_INTEGERKEY},
	[DB_C_DAYS] = {"c_days", MDB_INTEGERKEY},
	[DB_O_ROLL] = {"o_roll", MDB_INTEGERKEY},
	[DB_O_ROLL_TAG] = {"o_roll_tag", 0},
	[DB_O_ROLL_NEW] = {"o_roll_new", MDB_INTEGERKEY},
	[DB_O_ROLL_TAG_NEW] = {"o_roll_tag_new", 0},
	[DB_O_COLS] = {"o_cols", MDB_INTEGERKEY},
};

/* The "info" record in meta.  Fixed layout, native endianness (LMDB files
 * are not portable across endianness anyway). */
typedef struct meta_info {
	uint64_t version;
	uint64_t next_seq;
	uint64_t events[2];
	uint64_t customers;
	uint64_t strings;
	int64_t first_ts[2], last_ts[2];
	uint64_t recent_ids[2];	/* hashes in ids_new, c_ids_new */
} meta_info;

static const char *const tag_list_key[2] = {"tags:orders", "tags:contacts"};
/* Per tag name of orders, in tags:orders' order: how many values have
 * roll-ups in o_roll_tag, or ROLL_OFF for a tag with more than
 * ROLL_VALUES_MAX (an id-like column would add a roll-up per order). */
static const char *const roll_list_key = "rolltags:orders";
#define ROLL_OFF UINT32_MAX
#define ROLL_VALUES_MAX 65536
/* The week's leaders (leaders.h), which every commit keeps. */
static const char *const leaders_key = "leaders";

struct store {
	MDB_env *env;
	/* Snapshots hold it shared.  Resizing the map (growing it to write, or
	 * adopting a size another process grew it to) remaps it, which LMDB
	 * allows only with no transaction open in this process: that takes it
	 * exclusively (map_resize). */
	pthread_rwlock_t map_lock;
	MDB_dbi dbi[DB_COUNT];
	uint64_t map_cap;
	bool fixed_initial;	/* TIDE_MAP_INITIAL given: no reservation */
	char *dir;
	bool read_only;
};

struct store_snap {
	store *s;
	MDB_txn *txn;
};

/* A tag name with its string number and its index in the batch's tags[kind].
 * Every row of an input names its tags alike, so comparing a few bytes here
 * replaces two lookups per tag and row.  Longer names are not kept (n = 0). */
#define TAG_MEMO_LEN 24
typedef struct {
	uint8_t n;
	char text[TAG_MEMO_LEN];
	uint32_t name;
	int index;
} tag_memo;

/* Customer ids, and the other strings, are numbered in a pair of tables
 * (name → number, number → name).  A batch numbers a new name at once and
 * appends number → name, but puts name → number only at commit, sorted:
 * one by one, each was an insert at a random place in the tree (and, into
 * an empty table, a lookup that could only miss).  Until then the cache,
 * which holds every name the batch met, is the only place that knows the
 * batch's own names; nothing else looks them up before the commit. */
enum { NAMES_CUSTOMERS, NAMES_STRINGS };

typedef struct name_table {
	strmap *cache;		/* every name the batch met → its number */
	store_dbi by_name, by_id;
	uint64_t first_new;	/* numbers above it are the batch's own */
	bool was_empty;		/* by_name held nothing before the batch */
} name_table;

/* A reader of a log (see store_log_open); a batch keeps one per kind too. */
struct store_log {
	MDB_cursor *cur;
	store_note_fn note;
	void *arg;
	bool loaded;		/* rd reads the block at the cursor */
	logblock_rd rd;
	/* A batch's reader reads a copy of its block (own, own_cap bytes):
	 * LMDB's answers hold only until the next write, which may move a page
	 * the batch wrote out of memory (a spill) and reuse its buffer. */
	bool copies;
	uint8_t *own;
	size_t own_cap;
};

struct store_batch {
	store *s;
	MDB_txn *txn;
	/* per kind, the block of log records being built, and whether the log
	 * already holds it (the last block a batch left, which this one extends
	 * and rewrites); and a reader of the log, for the dedupe check to read
	 * an earlier event's id.  The reader only reads blocks before the one
	 * being built, which the batch never writes again, and keeps a copy of
	 * the block at hand (see store_log): a load of ids seen before reads on
	 * from one to the next. */
	logblock *blk[2];
	bool blk_stored[2];
	store_log log[2];
	meta_info info;
	uint64_t seq_at_start;	/* info.next_seq when the batch began */
	name_table names[2];	/* NAMES_CUSTOMERS, NAMES_STRINGS */
	/* dedupe entries per kind still in memory; whether each of the kind's
	 * two tables is empty (then nothing there can match, and entries
	 * append).  Only the commit writes to those tables: the batch's entries
	 * go to the base table when it is empty, else to the recent one. */
	idbuf *ids[2];
	/* per kind, of the base [0] and the recent [1] table */
	bool ids_empty[2][2];
	MDB_cursor *hash_cur[2][2];
	size_t ids_flush_at;	/* pending entries that make a flush */
	/* per kind, the runs the batch's flushes wrote (runs.h), how many
	 * entries they hold, and a filter of their hashes (NULL without memory
	 * for it: lookups then read every run) */
	runs *id_runs[2];
	size_t nflushed[2];
	idfilter *flushed[2];
	uint64_t expected[2];	/* events per kind (store_batch_expect) */
	/* (customer, ts, seq) entries per kind not yet in o_cust / c_cust,
	 * the runs of them the batch's flushes wrote (runs.h), and the count
	 * of pending entries that makes a flush */
	custbuf *cust_index[2];
	runs *index_runs[2];
	size_t index_flush_at;
	/* per kind, whether the base index was empty at the batch's start (its
	 * entries go there, else to the recent index), and whether the commit
	 * moves the recent index into the base (merge_recent) */
	bool index_empty[2], index_fold[2];
	/* this batch's day spans, merged into o_days / c_days at commit */
	strmap *day_index;
	store_span *spans;
	uint32_t *span_days;
	uint8_t *span_kinds;
	size_t nspans, capspans, last_span;
	/* tag names per kind, to persist the first-seen order */
	uint32_t tags[2][TIDE_TAGS_MAX * 8];
	int ntags[2];
	bool tags_dirty;
	/* per kind and tag position, the name last seen there (tag_name) */
	tag_memo names_seen[2][TIDE_TAGS_MAX];
	/* order roll-ups not yet written, and whether each base table (per
	 * roll_table) was empty at the batch's start (then they go there,
	 * appended, else to the recent one); per name in tags[TIDE_ORDERS], how many
	 * values have roll-ups (see roll_list_key) */
	rollup_buf *rolls;	/* the feed's until drained */
	size_t pairs_counted;	/* of rollup_buf_pairs, by count_tag_values */
	rollfeed *feed;
	bool rolls_empty[2];
	runs *roll_runs;	/* the spills' runs (runs.h) */
	uint32_t tag_values[TIDE_TAGS_MAX * 8];
	/* the block of order heads being built, and whether o_cols already
	 * holds it (the last block a batch left, which this one extends) */
	colblock *cols;
	bool cols_stored;
	/* the helper reading the file's next pages ahead of this batch, or
	 * NULL, and where the map starts, to tell it where the log is */
	mapwarm *warm;
	uintptr_t map_base;
	/* the batch's watch on its resident pages of the map (watch_map) */
	uint32_t since_check;
	int statm;		/* /proc/self/statm, or -1 */
	uint64_t budget;	/* of the resident set: map_over_budget */
};

static int lmdb_err(tide_err *e, int rc, const char *what)
{
	return tide_errf(e, rc, "%s: %s", what, mdb_strerror(rc));
}

/* The message of a failed write: ours, or LMDB's. */
static int write_err(tide_err *e, int rc, const char *what)
{
	if (rc == TIDE_ENOMEM)
		return tide_errf(e, rc, "out of memory");
	if (rc == TIDE_EFULL)
		return tide_errf(e, rc, "too many distinct strings or tag names");
	if (rc == TIDE_ECORRUPT)
		return tide_errf(e, rc, "store is corrupt: a record does not decode");
	return lmdb_err(e, rc, what);
}

/* UTC day number, offset so that INTEGERKEY's unsigned order is time order. */
static uint32_t day_key(int64_t ts)
{
	return (uint32_t)(tide_ts_day(ts) + INT64_C(0x80000000));
}

MDB_dbi store_dbi_of(const store *s, store_dbi which)
{
	return s->dbi[which];
}

void store_snap_unmap(store_snap *r, uintptr_t lo, uintptr_t hi)
{
	/* A writer's map is its batch's to release (release_map). */
	if (!r->s->read_only || !lo || hi < lo)
		return;
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t from = lo & ~(page - 1), to = (hi + page - 1) & ~(page - 1);
	(void)madvise((void *)from, to - from, MADV_DONTNEED);
}

store *store_of_snap(const store_snap *r)
{
	return r->s;
}

MDB_txn *store_snap_txn(store_snap *r)
{
	return r->txn;
}

/* Sets the map size (0: adopt the size another process grew it to).  LMDB
 * allows this only with no transaction open in the process; the snapshots
 * of other threads hold map_lock shared, so this takes it exclusively. */
static int map_resize(store *s, size_t size)
{
	pthread_rwlock_wrlock(&s->map_lock);
	int rc = mdb_env_set_mapsize(s->env, size);
	pthread_rwlock_unlock(&s->map_lock);
	return rc;
}

/* Begins a transaction.  MDB_MAP_RESIZED (another process grew the map) is
 * met by adopting the new size and beginning again, once.  `shared`: the
 * caller holds map_lock shared (a snapshot being begun) and lets it go
 * while the size is adopted. */
static int txn_begin(store *s, unsigned flags, bool shared, MDB_txn **txn)
{
	int rc = mdb_txn_begin(s->env, NULL, flags, txn);
	if (rc != MDB_MAP_RESIZED)
		return rc;
	if (shared)
		pthread_rwlock_unlock(&s->map_lock);
	rc = map_resize(s, 0);
	if (shared)
		pthread_rwlock_rdlock(&s->map_lock);
	return rc ? rc : mdb_txn_begin(s->env, NULL, flags, txn);
}

static int meta_read(MDB_txn *txn, const store *s, meta_info *m)
{
	MDB_val k = {4, "info"}, v;
	int rc = mdb_get(txn, s->dbi[DB_META], &k, &v);
	if (rc == MDB_NOTFOUND) {
		memset(m, 0, sizeof *m);
		m->version = STORE_VERSION;
		m->next_seq = 1;
		return 0;
	}
	if (rc)
		return rc;
	memset(m, 0, sizeof *m);
	if (v.mv_size >= sizeof m->version)
		memcpy(&m->version, v.mv_data, sizeof m->version);
	if (v.mv_size != sizeof *m || m->version != STORE_VERSION)
		return TIDE_ECORRUPT;
	memcpy(m, v.mv_data, sizeof *m);
	return 0;
}

int store_open(const char *dir, const store_opts *opts, store **out, tide_err *e)
{
	store_opts defaults = {0};
	if (!opts)
		opts = &defaults;
	*out = NULL;
	struct stat st;
	if (stat(dir, &st) != 0) {
		if (opts->read_only || errno != ENOENT)
			return tide_errf(e, opts->read_only ? TIDE_EUSAGE : errno,
					 "%s: no store here (%s)%s", dir, strerror(errno),
					 opts->read_only ? "; create it with tide ingest" : "");
		if (mkdir(dir, 0777) != 0)
			return tide_errf(e, errno, "%s: cannot create: %s", dir, strerror(errno));
	} else if (!S_ISDIR(st.st_mode)) {
		return tide_errf(e, TIDE_EUSAGE, "%s: not a directory", dir);
	}
	if (opts->read_only) {
		char path[PATH_MAX];
		snprintf(path, sizeof path, "%s/data.mdb", dir);
		if (stat(path, &st) != 0)
			return tide_errf(e, TIDE_EUSAGE, "%s: no store here; create it with tide ingest", dir);
	}

	store *s = calloc(1, sizeof *s);
	if (!s || !(s->dir = strdup(dir))) {
		free(s);
		return tide_errf(e, TIDE_ENOMEM, "out of memory");
	}
	s->read_only = opts->read_only;
	s->map_cap = opts->map_cap ? opts->map_cap : TIDE_MAP_CAP_DEFAULT;
	/* Readers first: a thread holding it shared may take it shared again
	 * (store_snap_fork) while another waits to take it exclusively. */
	pthread_rwlockattr_t attr;
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_READER_NP);
	pthread_rwlock_init(&s->map_lock, &attr);
	pthread_rwlockattr_destroy(&attr);
	int rc = mdb_env_create(&s->env);
	if (rc)
		goto fail_env;
	mdb_env_set_maxdbs(s->env, DB_COUNT);
	/* TIDE_MAP_INITIAL (bytes) lets tests start small and watch the map grow. */
	uint64_t initial = MAP_INITIAL;
	const char *env = getenv("TIDE_MAP_INITIAL");
	if (env && strtoull(env, NULL, 10) >= (1u << 16)) {
		initial = strtoull(env, NULL, 10);
		s->fixed_initial = true;
	}
	if (initial > s->map_cap)
		initial = s->map_cap;
	mdb_env_set_mapsize(s->env, (size_t)initial);
	/* MDB_NOTLS: read transactions are tied to our snapshot objects, not to
	 * threads, so a server thread pool can use them. */
	rc = mdb_env_open(s->env, dir, MDB_NOTLS | (opts->read_only ? MDB_RDONLY : MDB_WRITEMAP), 0666);
	if (rc)
		goto fail_env;

	MDB_txn *txn;
	rc = txn_begin(s, opts->read_only ? MDB_RDONLY : 0, false, &txn);
	if (rc)
		goto fail_env;
	/* meta first: a store of another version may lack tables of this one */
	meta_info m;
	for (int i = 0; i < DB_COUNT; i++) {
		unsigned flags = db_defs[i].flags | (opts->read_only ? 0 : MDB_CREATE);
		rc = mdb_dbi_open(txn, db_defs[i].name, flags, &s->dbi[i]);
		if (rc) {
			mdb_txn_abort(txn);
			if (rc == MDB_NOTFOUND)
				rc = tide_errf(e, TIDE_ECORRUPT, "%s: not a tide store (no '%s' table)",
					       dir, db_defs[i].name);
			else
				lmdb_err(e, rc, dir);
			goto fail;
		}
		if (i != DB_META)
			continue;
		rc = meta_read(txn, s, &m);
		if (rc == TIDE_ECORRUPT) {
			mdb_txn_abort(txn);
			rc = tide_errf(e, TIDE_ECORRUPT,
				       "%s: store format version %llu; this tide reads version %d "
				       "(export it with the tide that wrote it, and ingest that into a new store)",
				       dir, (unsigned long long)m.version, STORE_VERSION);
			goto fail;
		}
		if (rc) {
			mdb_txn_abort(txn);
			goto fail_env;
		}
	}
	rc = mdb_txn_commit(txn);
	if (rc)
		goto fail_env;
	*out = s;
	return 0;

fail_env:
	lmdb_err(e, rc, dir);
fail:
	if (s->env)
		mdb_env_close(s->env);
	pthread_rwlock_destroy(&s->map_lock);
	free(s->dir);
	free(s);
	return rc;
}

void store_close(store *s)
{
	if (!s)
		return;
	mdb_env_close(s->env);
	pthread_rwlock_destroy(&s->map_lock);
	free(s->dir);
	free(s);
}

int store_reserve(store *s, uint64_t input, tide_err *e)
{
	if (s->fixed_initial)
		return 0;
	MDB_envinfo info;
	MDB_stat st;
	mdb_env_info(s->env, &info);
	mdb_env_stat(s->env, &st);
	uint64_t used = ((uint64_t)info.me_last_pgno + 1) * st.ms_psize;
	uint64_t want = 2 * used + 3 * input + (UINT64_C(16) << 20);
	if (want > s->map_cap)
		want = s->map_cap;
	if (want <= info.me_mapsize)
		return 0;
	int rc = map_resize(s, (size_t)want);
	return rc ? lmdb_err(e, rc, "sizing the map") : 0;
}

int store_grow(store *s, tide_err *e)
{
	MDB_envinfo info;
	mdb_env_info(s->env, &info);
	uint64_t cur = info.me_mapsize;
	if (cur >= s->map_cap)
		return tide_errf(e, TIDE_EFULL,
				 "the store needs more than its cap of %llu bytes (raise --map-cap)",
				 (unsigned long long)s->map_cap);
	uint64_t next = cur * 2 < s->map_cap ? cur * 2 : s->map_cap;
	int rc = map_resize(s, (size_t)next);
	return rc ? lmdb_err(e, rc, "growing the map") : 0;
}

/* ---- meta ------------------------------------------------------------- */

/* A meta array of uint32: how many it holds (up to max copied), or <0. */
static int ids_read(MDB_txn *txn, const store *s, const char *key, uint32_t *ids, int max)
{
	MDB_val k = {strlen(key), (void *)key}, v;
	int rc = mdb_get(txn, s->dbi[DB_META], &k, &v);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc)
		return rc;
	int n = (int)(v.mv_size / sizeof(uint32_t));
	memcpy(ids, v.mv_data, (size_t)(n < max ? n : max) * sizeof(uint32_t));
	return n;
}

static int tags_read(MDB_txn *txn, const store *s, tide_kind kind, uint32_t *names, int max)
{
	return ids_read(txn, s, tag_list_key[kind], names, max);
}

/* ---- snapshots -------------------------------------------------------- */

uint64_t store_last_txn(store *s)
{
	MDB_envinfo info;
	mdb_env_info(s->env, &info);	/* reads the shared lock table: no lock taken */
	return (uint64_t)info.me_last_txnid;
}

int store_snap_begin(store *s, store_snap **out, tide_err *e)
{
	store_snap *r = calloc(1, sizeof *r);
	if (!r)
		return tide_errf(e, TIDE_ENOMEM, "out of memory");
	pthread_rwlock_rdlock(&s->map_lock);
	int rc = txn_begin(s, MDB_RDONLY, true, &r->txn);
	if (rc) {
		pthread_rwlock_unlock(&s->map_lock);
		free(r);
		return lmdb_err(e, rc, "opening a read snapshot");
	}
	r->s = s;
	*out = r;
	return 0;
}

int store_snap_fork(store_snap *r, store_snap **out)
{
	store_snap *f = calloc(1, sizeof *f);
	if (!f)
		return TIDE_ENOMEM;
	/* This thread already holds the lock shared: a second shared hold is
	 * granted even with an adopter waiting (readers first), and
	 * MDB_MAP_RESIZED is an error here, not a wait for exclusive use. */
	pthread_rwlock_rdlock(&r->s->map_lock);
	int rc = mdb_txn_begin(r->s->env, NULL, MDB_RDONLY, &f->txn);
	if (rc) {
		pthread_rwlock_unlock(&r->s->map_lock);
		free(f);
		return rc;
	}
	f->s = r->s;
	*out = f;
	return 0;
}

void store_snap_end(store_snap *r)
{
	if (!r)
		return;
	mdb_txn_abort(r->txn);
	pthread_rwlock_unlock(&r->s->map_lock);
	free(r);
}

int store_snap_info(store_snap *r, store_info *out, tide_err *e)
{
	meta_info m;
	int rc = meta_read(r->txn, r->s, &m);
	if (rc)
		return rc == TIDE_ECORRUPT ? tide_errf(e, rc, "%s: unknown store version", r->s->dir)
					   : lmdb_err(e, rc, "reading meta");
	memset(out, 0, sizeof *out);
	for (int k = 0; k < 2; k++) {
		out->events[k] = m.events[k];
		out->first_ts[k] = m.first_ts[k];
		out->last_ts[k] = m.last_ts[k];
	}
	out->customers = m.customers;
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/data.mdb", r->s->dir);
	struct stat st;
	/* Allocated blocks, not st_size: with MDB_WRITEMAP the file is as long
	 * as the map, mostly holes. */
	if (stat(path, &st) == 0)
		out->file_bytes = (uint64_t)st.st_blocks * 512;
	return 0;
}

int store_leaders(store_snap *r, leaders *out, bool *found, tide_err *e)
{
	*found = false;
	meta_info m;
	MDB_val k = {strlen(leaders_key), (void *)leaders_key}, v;
	int rc = meta_read(r->txn, r->s, &m);
	if (rc == 0)
		rc = mdb_get(r->txn, r->s->dbi[DB_META], &k, &v);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc)
		return lmdb_err(e, rc, "reading the week's leaders");
	if ((rc = leaders_decode(v.mv_data, v.mv_size, out)))
		return rc == TIDE_ENOMEM ? tide_errf(e, rc, "out of memory")
					 : tide_errf(e, rc, "%s: meta 'leaders' is not one tide wrote", r->s->dir);
	/* A writer that kept no leaders (an older tide) leaves them stale. */
	*found = out->events[0] == m.events[0] && out->events[1] == m.events[1];
	if (!*found)
		leaders_free(out);
	return 0;
}

/* A key of o_roll_tag: big-endian fields, so that the keys sort under
 * memcmp as (tag, value, customer) do. */
static void roll_key(uint32_t tag, uint32_t value, uint32_t customer, uint8_t out[12])
{
	bigend_put(out, tag, 4);
	bigend_put(out + 4, value, 4);
	bigend_put(out + 8, customer, 4);
}

/* The fields of a key of roll-up table t (roll_table): a customer id in the
 * machine's order (t 0) or a roll_key (t 1); false for a key of another
 * size. */
static bool roll_key_read(int t, const MDB_val *k, uint32_t *tag, uint32_t *value, uint32_t *customer)
{
	*tag = *value = 0;
	if (k->mv_size != (t ? 12u : sizeof *customer))
		return false;
	if (t) {
		*tag = (uint32_t)bigend_get(k->mv_data, 4);
		*value = (uint32_t)bigend_get((const uint8_t *)k->mv_data + 4, 4);
		*customer = (uint32_t)bigend_get((const uint8_t *)k->mv_data + 8, 4);
	} else {
		memcpy(customer, k->mv_data, sizeof *customer);
	}
	return true;
}

bool store_tag_rolled(store_snap *r, uint32_t tag)
{
	if (tag == 0)
		return true;
	uint32_t names[TIDE_TAGS_MAX * 8], values[TIDE_TAGS_MAX * 8];
	int n = tags_read(r->txn, r->s, TIDE_ORDERS, names, TIDE_TAGS_MAX * 8);
	int nv = ids_read(r->txn, r->s, roll_list_key, values, TIDE_TAGS_MAX * 8);
	for (int i = 0; i < n && i < TIDE_TAGS_MAX * 8; i++)
		if (names[i] == tag)
			return i < nv && values[i] != ROLL_OFF;
	return false;
}

/* The roll-up tables: per customer (t 0) or per (tag, value, customer)
 * (t 1); the base, or the recent one later batches write (flush_rollups). */
static store_dbi roll_table(int t, bool recent)
{
	static const store_dbi tables[2][2] = {{DB_O_ROLL, DB_O_ROLL_NEW}, {DB_O_ROLL_TAG, DB_O_ROLL_TAG_NEW}};
	return tables[t][recent];
}

/* One table's part of a walk of the roll-ups of a tag value (or of every
 * customer, tag 0): the entry it is at. */
typedef struct roll_walk {
	MDB_cursor *cur;
	bool started, done;
	uint32_t customer;
	rollup ru;
} roll_walk;

/* Moves w to its next entry within key's range (its first 8 bytes, for a
 * tag), or marks it done. */
static int roll_walk_next(roll_walk *w, uint32_t tag, const uint8_t key[12])
{
	MDB_val k = {12, (void *)key}, v;
	int rc = mdb_cursor_get(w->cur, &k, &v, w->started ? MDB_NEXT : tag ? MDB_SET_RANGE : MDB_FIRST);
	w->started = true;
	if (rc == MDB_NOTFOUND || (rc == 0 && tag && (k.mv_size != 12 || memcmp(k.mv_data, key, 8) != 0))) {
		w->done = true;
		return 0;
	}
	if (rc)
		return rc;
	uint32_t key_tag, key_value;
	if (!roll_key_read(tag != 0, &k, &key_tag, &key_value, &w->customer))
		return TIDE_ECORRUPT;
	return rollup_decode(v.mv_data, v.mv_size, &w->ru) ? TIDE_ECORRUPT : 0;
}

int store_rollups(store_snap *r, uint32_t tag, uint32_t value, store_rollup_fn fn, void *arg,
		  tide_err *e)
{
	if (!store_tag_rolled(r, tag))
		return 0;
	/* the base's and the recent table's, merged by customer: a customer
	 * in both has the two added up, as the base will hold them */
	roll_walk w[2] = {{0}, {0}};
	uint8_t kb[12];
	roll_key(tag, value, 0, kb);
	int rc = 0;
	for (int i = 0; rc == 0 && i < 2; i++)
		if ((rc = mdb_cursor_open(r->txn, r->s->dbi[roll_table(tag != 0, i)], &w[i].cur)) == 0)
			rc = roll_walk_next(&w[i], tag, kb);
	int given = 0;	/* fn's answer, passed on as it is */
	while (rc == 0 && !(w[0].done && w[1].done)) {
		roll_walk *next = w[0].done ? &w[1] : w[1].done ? &w[0] : w[1].customer < w[0].customer ? &w[1] : &w[0];
		bool both = !w[0].done && !w[1].done && w[0].customer == w[1].customer;
		if (both)
			rollup_merge(&w[0].ru, &w[1].ru);
		if ((given = fn(arg, next->customer, &next->ru)))
			break;
		rc = roll_walk_next(next, tag, kb);
		if (rc == 0 && both)
			rc = roll_walk_next(&w[1], tag, kb);
	}
	for (int i = 0; i < 2; i++)
		if (w[i].cur)
			mdb_cursor_close(w[i].cur);
	if (given)
		return given;
	if (rc == TIDE_ECORRUPT)
		return tide_errf(e, rc, "store is corrupt: a roll-up does not decode");
	return rc == 0 ? 1 : lmdb_err(e, rc, "reading roll-ups");
}

int store_tag_names(store_snap *r, tide_kind kind, uint32_t *names, int max, tide_err *e)
{
	int n = tags_read(r->txn, r->s, kind, names, max);
	return n < 0 ? lmdb_err(e, n, "reading tag names") : n;
}

static int lookup_text(store_snap *r, store_dbi db, uint32_t id, tide_str *out)
{
	MDB_val k = {sizeof id, &id}, v;
	int rc = mdb_get(r->txn, r->s->dbi[db], &k, &v);
	if (rc)
		return rc;
	out->p = v.mv_data;
	out->n = (uint32_t)v.mv_size;
	return 0;
}

int store_customer_name(store_snap *r, uint32_t id, tide_str *out)
{
	return lookup_text(r, DB_CUST_ID, id, out);
}

int store_string(store_snap *r, uint32_t id, tide_str *out)
{
	return lookup_text(r, DB_STR_ID, id, out);
}

static int find_text(store_snap *r, store_dbi db, const char *p, size_t n, uint32_t *id)
{
	if (n == 0 || n > 511)	/* LMDB's key size limit; nothing longer was stored */
		return 0;
	MDB_val k = {n, (void *)p}, v;
	int rc = mdb_get(r->txn, r->s->dbi[db], &k, &v);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc)
		return rc;
	memcpy(id, v.mv_data, sizeof *id);
	return 1;
}

int store_customer_find(store_snap *r, const char *p, size_t n, uint32_t *id)
{
	return find_text(r, DB_CUST, p, n, id);
}

int store_string_find(store_snap *r, const char *p, size_t n, uint32_t *id)
{
	return find_text(r, DB_STR, p, n, id);
}

/* Calls fn with the time index's entry of each day of kind that holds part
 * of [from, to), in day order; fn returns 0, or TIDE_ENOMEM to stop. */
typedef int (*day_fn)(void *arg, const store_span *day);

static int each_day(store_snap *r, tide_kind kind, int64_t from, int64_t to, day_fn fn, void *arg,
		    tide_err *e)
{
	if (from >= to)
		return 0;
	MDB_cursor *cur;
	int rc = mdb_cursor_open(r->txn, r->s->dbi[kind == TIDE_ORDERS ? DB_O_DAYS : DB_C_DAYS], &cur);
	if (rc)
		return lmdb_err(e, rc, "reading the time index");
	uint32_t first = day_key(from), last = day_key(to - 1);
	MDB_val k = {sizeof first, &first}, v;
	int stop = 0;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0 && !stop;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		uint32_t day;
		memcpy(&day, k.mv_data, sizeof day);
		if (day > last)
			break;
		store_span sp;
		memcpy(&sp, v.mv_data, sizeof sp);
		stop = fn(arg, &sp);
	}
	mdb_cursor_close(cur);
	if (stop)
		return tide_errf(e, TIDE_ENOMEM, "out of memory reading the time index");
	return rc == 0 || rc == MDB_NOTFOUND ? 0 : lmdb_err(e, rc, "reading the time index");
}

static int widen(void *arg, const store_span *day)
{
	store_span *out = arg;
	if (out->events == 0 || day->first_seq < out->first_seq)
		out->first_seq = day->first_seq;
	if (out->events == 0 || day->last_seq > out->last_seq)
		out->last_seq = day->last_seq;
	out->events += day->events;
	return 0;
}

int store_time_range(store_snap *r, tide_kind kind, int64_t from, int64_t to,
		     store_span *out, tide_err *e)
{
	memset(out, 0, sizeof *out);
	return each_day(r, kind, from, to, widen, out, e);
}

typedef struct day_list {
	store_span *day;
	size_t n, cap;
} day_list;

static int collect(void *arg, const store_span *day)
{
	day_list *l = arg;
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;
		store_span *d = realloc(l->day, cap * sizeof *d);
		if (!d)
			return TIDE_ENOMEM;
		l->day = d;
		l->cap = cap;
	}
	l->day[l->n++] = *day;
	return 0;
}

/* The events of the days at or before sequence number s, each day's spread
 * evenly over its span. */
static double events_through(const day_list *l, uint64_t s)
{
	double sum = 0;
	for (size_t i = 0; i < l->n; i++) {
		const store_span *d = &l->day[i];
		if (s >= d->last_seq)
			sum += (double)d->events;
		else if (s >= d->first_seq)
			sum += (double)d->events * (double)(s - d->first_seq + 1) /
			       (double)(d->last_seq - d->first_seq + 1);
	}
	return sum;
}

int store_time_middle(store_snap *r, tide_kind kind, int64_t from, int64_t to, uint64_t *out,
		      tide_err *e)
{
	day_list l = {0};
	*out = 0;
	int rc = each_day(r, kind, from, to, collect, &l, e);
	if (rc == 0 && l.n) {
		store_span all = {0};
		for (size_t i = 0; i < l.n; i++)
			widen(&all, &l.day[i]);
		/* the first s with half the events at or before it */
		uint64_t lo = all.first_seq, hi = all.last_seq;
		double half = (double)all.events / 2;
		while (lo < hi) {
			uint64_t s = lo + (hi - lo) / 2;
			if (events_through(&l, s) >= half)
				hi = s;
			else
				lo = s + 1;
		}
		*out = lo;
	}
	free(l.day);
	return rc;
}

/* ---- records ---------------------------------------------------------- */

/* Records are varint-encoded: an order of a few tags takes ~35 bytes, not
 * the ~70 of fixed-width fields, and the log is most of the store.
 *
 * Order:   flags u8 (1 cost, 2 sku, 4 cents), zz(ts − TS_BASE), zz(amount),
 *          [zz(cost)], customer, [sku], zz(qty), ntags u8, id_len u8, id, tags
 * Contact: flags u8 (1 next_followup, 2 reason), zz(ts − TS_BASE),
 *          [zz(next_followup − ts)], customer, channel, [reason],
 *          stage + 1 u8, ntags u8, id_len u8, id, tags
 * where tags are ntags pairs of varints (name id, value id), zz() is the
 * zigzag varint of a signed value and the rest are unsigned varints.  With
 * flag 4 (cents) amount and cost are whole cents and stored divided by 100:
 * most money is, and it saves a byte each.  Timestamps near TS_BASE take 4
 * bytes instead of 5. */
enum { FLAG_COST = 1, FLAG_SKU = 2, FLAG_CENTS = 4, FLAG_FOLLOWUP = 1, FLAG_REASON = 2 };
#define TS_BASE INT64_C(1735689600)	/* 2025-01-01T00:00:00Z */
#define CENT (TIDE_MONEY_SCALE / 100)
#define REC_MAX (1 + 8 * 10 + 2 + TIDE_ID_MAX + TIDE_TAGS_MAX * 10)

/* ntags, the id and the tag bytes that end every record. */
static int get_tail(varint_rd *r, uint32_t *ntags, tide_str *id, const uint8_t **tags, uint32_t *tags_len)
{
	*ntags = varint_get_u8(r);
	id->n = varint_get_u8(r);
	if (r->bad || (size_t)(r->end - r->p) < id->n)
		return TIDE_ECORRUPT;
	id->p = (const char *)r->p;
	r->p += id->n;
	*tags = r->p;
	*tags_len = (uint32_t)(r->end - r->p);
	for (uint32_t i = 0; i < 2 * *ntags; i++)
		varint_get(r);
	return r->bad || r->p != r->end ? TIDE_ECORRUPT : 0;
}

uint32_t store_tag_lookup(const uint8_t *tags, uint32_t tags_len, uint32_t name)
{
	varint_rd r = {tags, tags + tags_len, false};
	while (r.p < r.end && !r.bad) {
		uint32_t n = varint_get_u32(&r), v = varint_get_u32(&r);
		if (n == name && !r.bad)
			return v;
	}
	return 0;
}

/* The fields every metric reads (o_cols holds them again); returns the
 * flags. */
static inline uint8_t get_order_head(varint_rd *r, uint64_t seq, store_order *o)
{
	uint8_t flags = varint_get_u8(r);
	int64_t unit = flags & FLAG_CENTS ? CENT : 1;
	o->seq = seq;
	o->ts = varint_get_zz(r) + TS_BASE;
	o->amount = varint_get_zz(r) * unit;
	o->has_cost = flags & FLAG_COST;
	o->cost = o->has_cost ? varint_get_zz(r) * unit : 0;
	o->customer = varint_get_u32(r);
	return flags;
}

int store_decode_order(uint64_t seq, const MDB_val *v, store_order *o)
{
	varint_rd r = {v->mv_data, (const uint8_t *)v->mv_data + v->mv_size, false};
	uint8_t flags = get_order_head(&r, seq, o);
	o->sku = flags & FLAG_SKU ? varint_get_u32(&r) : 0;
	int64_t qty = varint_get_zz(&r);
	o->qty = (int32_t)qty;
	if (qty != o->qty)
		return TIDE_ECORRUPT;
	return get_tail(&r, &o->ntags, &o->id, &o->tags, &o->tags_len);
}

/* The key of a block in a table of blocks keyed by their first sequence
 * number (o_cols, the logs); false when it is not one. */
static bool block_key(const MDB_val *k, uint64_t *first)
{
	if (k->mv_size != sizeof *first)
		return false;
	memcpy(first, k->mv_data, sizeof *first);
	return true;
}

/* Places cur on the block of such a table that holds seq if any does: the
 * last one starting at or before it, or else the first.  MDB_NOTFOUND when
 * the table is empty. */
static int block_of(MDB_cursor *cur, uint64_t seq)
{
	MDB_val k = {sizeof seq, &seq}, v;
	int rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	if (rc == MDB_NOTFOUND)
		return mdb_cursor_get(cur, &k, &v, MDB_LAST);
	uint64_t start;
	if (rc || !block_key(&k, &start) || start == seq)	/* a bad key: the reader says so */
		return rc;
	rc = mdb_cursor_get(cur, &k, &v, MDB_PREV);
	return rc == MDB_NOTFOUND ? mdb_cursor_get(cur, &k, &v, MDB_FIRST) : rc;
}

struct store_heads {
	MDB_cursor *cur;
	store_note_fn note;
	void *arg;
	bool done;
	uint32_t at;		/* the next order of blk to give */
	uint32_t ntags, tags[COLBLOCK_TAGS];	/* the tags to decode */
	colblock blk;
};

/* The message for a failure rc of the heads reader. */
static int heads_err(tide_err *e, int rc)
{
	return rc == TIDE_ECORRUPT ? tide_errf(e, rc, "o_cols: a block is not one tide wrote")
				   : lmdb_err(e, rc, "reading o_cols");
}

/* Reads and decodes the block at the cursor's position op; *found false at
 * the end. */
static int load_heads(store_heads *h, MDB_cursor_op op, bool *found)
{
	MDB_val k, v;
	int rc = mdb_cursor_get(h->cur, &k, &v, op);
	*found = rc == 0;
	if (rc)
		return rc == MDB_NOTFOUND ? 0 : rc;
	if (h->note)
		h->note(h->arg, v.mv_data, v.mv_size);
	h->at = 0;
	return colblock_decode_tags(v.mv_data, v.mv_size, h->tags, h->ntags, &h->blk) ? 0 : TIDE_ECORRUPT;
}

int store_heads_open(store_snap *r, uint64_t first, const uint32_t *tags, uint32_t ntags,
		     store_note_fn note, void *arg, store_heads **out, tide_err *e)
{
	if (ntags > COLBLOCK_TAGS)
		return tide_errf(e, TIDE_EUSAGE, "o_cols: more than %d tags asked for", COLBLOCK_TAGS);
	store_heads *h = malloc(sizeof *h);
	if (!h)
		return tide_errf(e, TIDE_ENOMEM, "out of memory");
	*h = (store_heads){.note = note, .arg = arg, .ntags = ntags};
	if (ntags)
		memcpy(h->tags, tags, ntags * sizeof *tags);
	int rc = mdb_cursor_open(r->txn, r->s->dbi[DB_O_COLS], &h->cur);
	if (rc) {
		free(h);
		return heads_err(e, rc);
	}
	bool found = false;
	rc = block_of(h->cur, first);
	if (rc == 0)
		rc = load_heads(h, MDB_GET_CURRENT, &found);
	else if (rc == MDB_NOTFOUND)
		rc = 0;
	h->done = !found;
	while (rc == 0 && found && h->at < h->blk.n && (uint64_t)h->blk.col[CB_SEQ][h->at] < first)
		h->at++;
	if (rc) {
		store_heads_close(h);
		return heads_err(e, rc);
	}
	*out = h;
	return 0;
}

int store_heads_read(store_heads *h, uint64_t last, store_order *out, size_t max, uint8_t *tag_bytes,
		     size_t *n, tide_err *e)
{
	size_t got = 0;
	int rc = 0;
	while (rc == 0 && !h->done && got < max) {
		if (h->at == h->blk.n) {
			bool found;
			rc = load_heads(h, MDB_NEXT, &found);
			h->done = !found;
			continue;
		}
		const colblock *b = &h->blk;
		uint32_t i = h->at;
		if ((uint64_t)b->col[CB_SEQ][i] > last) {
			h->done = true;
			break;
		}
		out[got++] = (store_order){
			.seq = (uint64_t)b->col[CB_SEQ][i],
			.ts = b->col[CB_TS][i],
			.amount = b->col[CB_AMOUNT][i],
			.cost = b->col[CB_COST][i],
			.has_cost = b->has_cost[i],
			.customer = (uint32_t)b->col[CB_CUSTOMER][i],
		};
		if (b->ntags) {
			store_order *o = &out[got - 1];
			uint8_t *at = tag_bytes + (got - 1) * COLBLOCK_TAG_BYTES;
			o->tags = at;
			o->tags_len = (uint32_t)colblock_tags_of(b, i, at, &o->ntags);
		}
		h->at++;
	}
	*n = got;
	return rc ? heads_err(e, rc) : 0;
}

void store_heads_close(store_heads *h)
{
	if (!h)
		return;
	mdb_cursor_close(h->cur);
	free(h);
}

/* ---- the logs: blocks of records (logblock.h) ---- */

static store_dbi log_table(int kind)
{
	return kind == TIDE_ORDERS ? DB_ORDERS : DB_CONTACTS;
}

static int log_err(tide_err *e, int rc)
{
	return rc == TIDE_ECORRUPT ? tide_errf(e, rc, "the log: a block is not one tide wrote")
				   : lmdb_err(e, rc, "reading the log");
}

/* Starts reading the block at the cursor's position op; l->loaded false at
 * the end. */
static int load_block(store_log *l, MDB_cursor_op op)
{
	MDB_val k, v;
	int rc = mdb_cursor_get(l->cur, &k, &v, op);
	l->loaded = rc == 0;
	if (rc)
		return rc == MDB_NOTFOUND ? 0 : rc;
	uint64_t first;
	if (!block_key(&k, &first))
		return TIDE_ECORRUPT;
	const uint8_t *data = v.mv_data;
	if (l->copies) {
		if (v.mv_size > l->own_cap) {
			uint8_t *own = realloc(l->own, v.mv_size);
			if (!own)
				return TIDE_ENOMEM;
			l->own = own;
			l->own_cap = v.mv_size;
		}
		data = memcpy(l->own, v.mv_data, v.mv_size);
	}
	if (l->note)
		l->note(l->arg, data, v.mv_size);
	logblock_read(&l->rd, first, data, v.mv_size);
	return 0;
}

/* Moves rd past its records numbered below seq. */
static int skip_below(logblock_rd *rd, uint64_t seq)
{
	for (;;) {
		logblock_rd at = *rd;
		uint64_t s;
		const uint8_t *rec;
		size_t n;
		int got = logblock_next(rd, &s, &rec, &n);
		if (got < 0)
			return TIDE_ECORRUPT;
		if (got == 0)
			return 0;
		if (s >= seq) {
			*rd = at;
			return 0;
		}
	}
}

static int log_seek(store_log *l, uint64_t from)
{
	int rc = block_of(l->cur, from);
	if (rc == MDB_NOTFOUND) {
		l->loaded = false;
		return 0;
	}
	if (rc == 0)
		rc = load_block(l, MDB_GET_CURRENT);
	/* a block exhausted here leaves the next, which starts after from */
	return rc == 0 && l->loaded ? skip_below(&l->rd, from) : rc;
}

static int log_next(store_log *l, uint64_t *seq, MDB_val *rec, bool *found)
{
	*found = false;
	while (l->loaded) {
		const uint8_t *p;
		size_t n;
		int got = logblock_next(&l->rd, seq, &p, &n);
		if (got < 0)
			return TIDE_ECORRUPT;
		if (got) {
			*rec = (MDB_val){n, (void *)p};
			*found = true;
			return 0;
		}
		int rc = load_block(l, MDB_NEXT);
		if (rc)
			return rc;
	}
	return 0;
}

/* Reads on within the block at hand when seq lies ahead in it, else seeks. */
static int log_get(store_log *l, uint64_t seq, MDB_val *rec, bool *found)
{
	int rc;
	if (l->loaded && (l->rd.started ? seq > l->rd.seq : seq >= l->rd.seq)) {
		if (skip_below(&l->rd, seq))
			return TIDE_ECORRUPT;
		rc = l->rd.p == l->rd.end ? log_seek(l, seq) : 0;
	} else {
		rc = log_seek(l, seq);
	}
	uint64_t at = 0;
	if (rc == 0)
		rc = log_next(l, &at, rec, found);
	*found = rc == 0 && *found && at == seq;
	return rc;
}

int store_log_open(store_snap *r, tide_kind kind, store_note_fn note, void *arg, store_log **out,
		   tide_err *e)
{
	store_log *l = malloc(sizeof *l);
	if (!l)
		return tide_errf(e, TIDE_ENOMEM, "out of memory");
	*l = (store_log){.note = note, .arg = arg};
	int rc = mdb_cursor_open(r->txn, r->s->dbi[log_table(kind)], &l->cur);
	if (rc) {
		free(l);
		return log_err(e, rc);
	}
	*out = l;
	return 0;
}

int store_log_seek(store_log *l, uint64_t from, tide_err *e)
{
	int rc = log_seek(l, from);
	return rc ? log_err(e, rc) : 0;
}

int store_log_next(store_log *l, uint64_t *seq, MDB_val *rec, bool *found, tide_err *e)
{
	int rc = log_next(l, seq, rec, found);
	return rc ? log_err(e, rc) : 0;
}

int store_log_get(store_log *l, uint64_t seq, MDB_val *rec, bool *found, tide_err *e)
{
	int rc = log_get(l, seq, rec, found);
	return rc ? log_err(e, rc) : 0;
}

void store_log_close(store_log *l)
{
	if (!l)
		return;
	mdb_cursor_close(l->cur);
	free(l);
}

int store_decode_contact(uint64_t seq, const MDB_val *v, store_contact *c)
{
	varint_rd r = {v->mv_data, (const uint8_t *)v->mv_data + v->mv_size, false};
	uint8_t flags = varint_get_u8(&r);
	c->seq = seq;
	c->ts = varint_get_zz(&r) + TS_BASE;
	c->has_next_followup = flags & FLAG_FOLLOWUP;
	c->next_followup = c->has_next_followup ? varint_get_zz(&r) + c->ts : 0;
	c->customer = varint_get_u32(&r);
	c->channel = varint_get_u32(&r);
	c->reason = flags & FLAG_REASON ? varint_get_u32(&r) : 0;
	c->stage = (int)varint_get_u8(&r) - 1;
	return get_tail(&r, &c->ntags, &c->id, &c->tags, &c->tags_len);
}

/* ---- writing ---------------------------------------------------------- */

/* Pending dedupe entries past this many go to a run mid-batch (runs.h),
 * so a huge batch's memory stays bounded.  It is three quarters of 2^24
 * slots, the load at which idbuf would double (192 MiB of 12-byte slots): a
 * batch of up to 12.5M ids of a kind writes no run, and its commit writes
 * the entries straight from memory. */
#define IDBUF_MAX (3u << 22)

static store_dbi ids_table(int kind)
{
	/* One table per kind: a batch of contacts then leaves the orders' pages
	 * alone instead of copying most of them (LMDB copies each page it
	 * touches, and the old copies stay in the file as free pages). */
	return kind == TIDE_ORDERS ? DB_IDS : DB_C_IDS;
}

/* The table a batch into a kind's non-empty table writes its hashes to
 * instead: the hashes are random, so even a small batch inserted among the
 * base table's would touch, and LMDB copy, nearly every page of it (185 of
 * 221 MB for 100k orders into 10M).  The recent table is small, and is
 * merged into the base table once it holds more than 1/RECENT_SHARE as
 * many: each page of the base is then copied once per 1/RECENT_SHARE of
 * growth, not once per batch. */
static store_dbi recent_table(int kind)
{
	return kind == TIDE_ORDERS ? DB_IDS_NEW : DB_C_IDS_NEW;
}

/* 8: a batch inserts among at most an eighth of the base's entries, and a
 * merge, which copies the whole base, comes once per eighth of growth. */
enum { RECENT_SHARE = 8 };

/* A batch hands the map's pages back to the page cache when its resident
 * set passes RESIDENT_BUDGET with them, as read from /proc/self/statm every
 * RELEASE_CHECK puts (a few microseconds): the file pages may fill what the
 * batch's own memory leaves of the budget, and a quarter of it at least.
 * Each release costs the faults that map the hot pages back, so it waits
 * until the pages are many rather than coming every so many puts.  A bulk
 * load holds ~1.8 GB of its own at 100M orders, and keeps ~1.2 GB of the
 * map; a 1% batch into that store holds ~0.5 GB, and its lookups, each
 * mapping a page of its own and the kernel up to 15 neighbours with it,
 * fill the rest (with the map capped at 1 GiB whatever the batch held, that
 * batch released it over and over, and took 870k faults and 9.7 s where it
 * now takes 60k and 5 s).  Between checks a batch maps at most a few
 * hundred MB more, so it stays well under the 4 GiB the bench allows. */
#define RESIDENT_BUDGET (UINT64_C(3) << 30)
enum { RELEASE_CHECK = 1u << 12 };

typedef void mapping_fn(uintptr_t lo, uintptr_t hi, uint64_t offset, void *ctx);

/* Calls fn on each of this process's mappings of the data file, with the
 * file offset at lo.  LMDB does not tell where its map is (me_mapaddr is
 * only set for MDB_FIXEDMAP): the mappings are found by the file's device
 * and inode. */
static void each_mapping(const store *s, mapping_fn *fn, void *ctx)
{
	int fd;
	struct stat st;
	FILE *maps;
	if (mdb_env_get_fd(s->env, &fd) || fstat(fd, &st) || !(maps = fopen("/proc/self/maps", "r")))
		return;	/* the callers' uses are hints: nothing to report */
	char line[4096];
	while (fgets(line, sizeof line, maps)) {
		unsigned long lo, hi, inode;
		unsigned long long offset;
		unsigned major, minor;
		if (sscanf(line, "%lx-%lx %*s %llx %x:%x %lu", &lo, &hi, &offset, &major, &minor, &inode) == 6 &&
		    inode == st.st_ino && makedev(major, minor) == st.st_dev)
			fn(lo, hi, offset, ctx);
	}
	fclose(maps);
}

static void drop_mapping(uintptr_t lo, uintptr_t hi, uint64_t offset, void *ctx)
{
	(void)offset;
	(void)ctx;
	(void)madvise((void *)lo, hi - lo, MADV_DONTNEED);
}

/* Drops this process's mappings of the map's pages.  A batch writes every
 * page through the shared map (MDB_WRITEMAP), and each page it wrote stayed
 * in its resident set: 12 GB at 100M orders, most of it log pages the batch
 * never reads again.  Dropping a shared file mapping loses nothing: the
 * pages, dirty or not, stay in the page cache and are written back as
 * before, and a page touched again maps in from there (a minor fault). */
static void release_map(const store *s)
{
	each_mapping(s, drop_mapping, NULL);
}

static void note_map_base(uintptr_t lo, uintptr_t hi, uint64_t offset, void *ctx)
{
	(void)hi;
	*(uintptr_t *)ctx = lo - (uintptr_t)offset;
}

/* Whether the map's pages in the process (with a few MB of shared
 * libraries: statm's file-backed part) are more than the budget allows
 * beside the rest of its resident set; false when it cannot tell. */
static bool map_over_budget(const store_batch *b)
{
	char buf[256];
	ssize_t n = b->statm < 0 ? -1 : pread(b->statm, buf, sizeof buf - 1, 0);
	unsigned long long resident, shared;
	if (n <= 0)
		return false;
	buf[n] = '\0';
	if (sscanf(buf, "%*u %llu %llu", &resident, &shared) != 2 || shared > resident)
		return false;
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE), file = shared * page, own = (resident - shared) * page;
	uint64_t room = own < b->budget ? b->budget - own : 0;
	return file > (room > b->budget / 4 ? room : b->budget / 4);
}

/* Called once per put, or per entry a walk reads: now and then releases the
 * map, when the batch holds more of it than its budget allows. */
static void watch_map(store_batch *b)
{
	if (++b->since_check < RELEASE_CHECK)
		return;
	b->since_check = 0;
	if (map_over_budget(b))
		release_map(b->s);
}

/* A dedupe entry in a run: the hash big-endian, so that the entries' byte
 * order is the hashes' order, then the sequence. */
enum { ID_ENTRY = 12 };

static void id_entry_encode(const void *ib, size_t i, uint8_t *out)
{
	uint64_t h;
	uint32_t seq;
	idbuf_at(ib, i, &h, &seq);
	bigend_put(out, h, 8);
	memcpy(out + 8, &seq, sizeof seq);
}

static uint64_t id_entry_hash(const uint8_t *entry)
{
	return bigend_get(entry, 8);
}

static uint32_t id_entry_seq(const uint8_t *entry)
{
	uint32_t seq;
	memcpy(&seq, entry + 8, sizeof seq);
	return seq;
}

/* A kind's pending dedupe entries, sorted (idbuf_sort). */
static runs_pending pending_ids(store_batch *b, int kind, size_t n)
{
	return (runs_pending){b->ids[kind], n, id_entry_encode};
}

static int add_to_filter(void *arg, const uint8_t *entry)
{
	idfilter_add(arg, id_entry_hash(entry));
	return 0;
}

/* Before n more hashes go into a kind's runs, makes sure its filter has
 * room for them.  The first is made for the events the batch expects: one
 * that is full is rebuilt, twice as large, from the runs (it cannot give
 * its hashes back), which took 1.4 and 3.2 s of a 100M load that began
 * with room for twice its first run.  Without memory for it, lookups
 * simply read the runs. */
static int fit_filter(store_batch *b, int kind, size_t n)
{
	idfilter *f = b->flushed[kind];
	if (!f && runs_count(b->id_runs[kind]))
		return 0;	/* no memory for it earlier */
	size_t total = b->nflushed[kind] + n;
	if (f && total <= idfilter_capacity(f))
		return 0;
	size_t room = 2 * total;
	if (!f && room < b->expected[kind])
		room = (size_t)b->expected[kind];
	idfilter *bigger = idfilter_new(room);
	int rc = bigger && f ? runs_merge(b->id_runs[kind], NULL, add_to_filter, bigger) : 0;
	idfilter_free(f);
	if (rc) {
		idfilter_free(bigger);
		bigger = NULL;
	}
	b->flushed[kind] = bigger;
	return rc;
}

/* Mid-batch: writes a kind's pending dedupe entries as its next run, and
 * adds them to its filter, which the batch's later ids are checked against. */
static int flush_run(store_batch *b, int kind)
{
	idbuf *ib = b->ids[kind];
	size_t n;
	if (idbuf_sort(ib, &n))
		return TIDE_ENOMEM;
	int rc = fit_filter(b, kind, n);
	runs_pending p = pending_ids(b, kind, n);
	if (rc == 0)
		rc = runs_write(b->id_runs[kind], &p);
	idfilter *f = b->flushed[kind];
	for (size_t i = 0; rc == 0 && f && i < n; i++) {
		uint64_t h;
		uint32_t seq;
		idbuf_at(ib, i, &h, &seq);
		idfilter_add(f, h);
	}
	b->nflushed[kind] += n;
	idbuf_clear(ib);
	return rc;
}

typedef struct ids_writer {
	store_batch *b;
	idblocks_writer *w;
	uint64_t added;
} ids_writer;

static int add_id(void *arg, uint64_t h, uint32_t seq)
{
	ids_writer *w = arg;
	watch_map(w->b);
	w->added++;
	return idblocks_add(w->w, h, seq);
}

static int put_id(void *arg, const uint8_t *entry)
{
	return add_id(arg, id_entry_hash(entry), id_entry_seq(entry));
}

/* At commit: writes a kind's dedupe entries, its runs and those still in
 * memory, in hash order, to the base table when that is empty, else to the
 * recent one (appended where past the table's last block, else merged into
 * the blocks they fall in). */
static int flush_ids(store_batch *b, int kind)
{
	idbuf *ib = b->ids[kind];
	size_t n;
	if (idbuf_sort(ib, &n))
		return TIDE_ENOMEM;
	if (n == 0 && runs_count(b->id_runs[kind]) == 0)
		return 0;
	bool into_base = b->ids_empty[kind][0];
	ids_writer w = {b, NULL, 0};
	int rc = idblocks_open(b->txn, b->s->dbi[into_base ? ids_table(kind) : recent_table(kind)], &w.w);
	if (rc)
		return rc;
	runs_pending p = pending_ids(b, kind, n);
	rc = runs_merge(b->id_runs[kind], &p, put_id, &w);
	int closed = idblocks_close(w.w, rc == 0);
	idbuf_clear(ib);
	b->ids_empty[kind][!into_base] = false;
	if (!into_base)
		b->info.recent_ids[kind] += w.added;
	return rc ? rc : closed;
}

/* At commit: moves a kind's recent hashes into its base table, in hash
 * order, once they are more than 1/RECENT_SHARE of it, and empties the
 * recent table; the recent index follows (flush_index).  A hash is in one
 * of the two only (the base holds the kind's other events' hashes, but for
 * the rare ids in ids_x). */
static int merge_recent(store_batch *b, int kind)
{
	uint64_t recent = b->info.recent_ids[kind], base = b->info.events[kind] - recent;
	if (recent == 0 || recent * RECENT_SHARE <= base)
		return 0;
	ids_writer w = {b, NULL, 0};
	int rc = idblocks_open(b->txn, b->s->dbi[ids_table(kind)], &w.w);
	if (rc)
		return rc;
	MDB_dbi from = b->s->dbi[recent_table(kind)];
	rc = idblocks_each(b->txn, from, add_id, &w);
	int closed = idblocks_close(w.w, rc == 0);
	if (rc == 0)
		rc = closed ? closed : mdb_drop(b->txn, from, 0);
	b->info.recent_ids[kind] = 0;
	b->index_fold[kind] = true;
	return rc;
}

/* Whether table t holds nothing in the batch's transaction (at its start:
 * held nothing before the batch); *empty is set only when the answer is
 * known. */
static int table_empty(store_batch *b, store_dbi t, bool *empty)
{
	MDB_stat st;
	int rc = mdb_stat(b->txn, b->s->dbi[t], &st);
	if (rc == 0)
		*empty = st.ms_entries == 0;
	return rc;
}

typedef int table_entry_fn(void *arg, const MDB_val *k, const MDB_val *v);

/* Hands every entry of table t to fn in key order, then empties t: how a
 * recent table moves into its base at commit. */
static int drain_table(store_batch *b, store_dbi t, table_entry_fn *fn, void *arg)
{
	MDB_cursor *from = NULL;
	int rc = mdb_cursor_open(b->txn, b->s->dbi[t], &from);
	MDB_val k, v;
	for (int op = MDB_FIRST; rc == 0 && (rc = mdb_cursor_get(from, &k, &v, op)) == 0; op = MDB_NEXT)
		rc = fn(arg, &k, &v);
	if (rc == MDB_NOTFOUND)
		rc = 0;
	if (from)
		mdb_cursor_close(from);
	return rc ? rc : mdb_drop(b->txn, b->s->dbi[t], 0);
}

/* Pending index entries past this many leave memory mid-batch, so a huge
 * batch's memory stays bounded: into the index while it is empty (they are
 * appended), else as a run (runs.h). */
#define CUSTBUF_MAX (8u << 20)	/* 16 bytes each: 128 MiB */

static store_dbi index_table(int kind)
{
	return kind == TIDE_ORDERS ? DB_O_CUST : DB_C_CUST;
}

/* The table a batch into a kind's non-empty index writes its entries to
 * instead, as with the dedupe hashes (recent_table): customers come at
 * random, so a small batch touches, and LMDB copies, nearly every page of
 * the base (a 1% batch at 10M orders reached ~90% of o_cust's 160 MB).  The
 * recent index moves into the base when the recent hashes do, so the two
 * recent tables hold the same events, at most an eighth of the base's. */
static store_dbi recent_index_table(int kind)
{
	return kind == TIDE_ORDERS ? DB_O_CUST_NEW : DB_C_CUST_NEW;
}

int store_index_walk(store_snap *r, tide_kind kind, uint32_t customer, int64_t from, custindex_iter *it)
{
	MDB_cursor *cur[2] = {NULL, NULL};
	int rc = mdb_cursor_open(r->txn, r->s->dbi[index_table(kind)], &cur[0]);
	if (rc == 0)
		rc = mdb_cursor_open(r->txn, r->s->dbi[recent_index_table(kind)], &cur[1]);
	custindex_iter_start(it, cur[0], cur[1], customer, from);
	return rc;
}

void store_index_walk_end(custindex_iter *it)
{
	for (int i = 0; i < 2; i++)
		if (it->part[i].cur)
			mdb_cursor_close(it->part[i].cur);
}

/* An index entry in a run: the customer big-endian, then its entry in
 * o_cust / c_cust, so that the entries' byte order is the index's. */
enum { INDEX_ENTRY = 4 + CUSTINDEX_ENTRY };

static void index_entry_encode(const void *entries, size_t i, uint8_t *out)
{
	const custbuf_entry *e = (const custbuf_entry *)entries + i;
	bigend_put(out, e->customer, 4);
	custindex_entry_encode(e->ts, e->seq, out + 4);
}

/* A kind's pending index entries, sorted; NULL p->items when out of memory. */
static runs_pending pending_index(store_batch *b, int kind)
{
	custbuf *cb = b->cust_index[kind];
	size_t n = custbuf_count(cb);
	const custbuf_entry *e = n ? custbuf_sort(cb, (uint32_t)b->info.customers + 1) : NULL;
	return (runs_pending){e, e ? n : 0, index_entry_encode};
}

/* Mid-batch: writes a kind's pending index entries as its next run. */
static int index_run(store_batch *b, int kind)
{
	runs_pending p = pending_index(b, kind);
	if (!p.items)
		return TIDE_ENOMEM;
	int rc = runs_write(b->index_runs[kind], &p);
	custbuf_clear(b->cust_index[kind]);
	return rc;
}

/* Collects one customer's entries at a time, to put them with one call. */
typedef struct index_writer {
	store_batch *b;
	custindex_writer out;
	uint32_t customer;
	uint8_t *entries;	/* n of CUSTINDEX_ENTRY bytes, room for cap */
	size_t n, cap;
} index_writer;

static int put_customer(index_writer *w)
{
	if (w->n == 0)
		return 0;
	int rc = custindex_put(&w->out, w->customer, w->entries, w->n);
	w->n = 0;
	watch_map(w->b);
	return rc;
}

static int add_index_entry(void *arg, const uint8_t *entry)
{
	index_writer *w = arg;
	uint32_t customer = (uint32_t)bigend_get(entry, 4);
	if (customer != w->customer) {
		int rc = put_customer(w);
		if (rc)
			return rc;
		w->customer = customer;
	}
	if (w->n == w->cap) {
		uint8_t *entries = grow_reserve(w->entries, &w->cap, w->n + 1, CUSTINDEX_ENTRY, 64);
		if (!entries)
			return TIDE_ENOMEM;
		w->entries = entries;
	}
	memcpy(w->entries + w->n++ * CUSTINDEX_ENTRY, entry + 4, CUSTINDEX_ENTRY);
	return 0;
}

static int open_index_writer(store_batch *b, store_dbi t, index_writer *w)
{
	*w = (index_writer){.b = b};
	int rc = table_empty(b, t, &w->out.append);
	return rc ? rc : mdb_cursor_open(b->txn, b->s->dbi[t], &w->out.cur);
}

/* Puts the writer's last customer, and frees it; rc: how it went so far. */
static int close_index_writer(index_writer *w, int rc)
{
	if (rc == 0)
		rc = put_customer(w);
	if (w->out.cur)
		mdb_cursor_close(w->out.cur);
	custindex_writer_free(&w->out);
	free(w->entries);
	return rc;
}

/* Adds a block of the recent index to the base's writer (an index_writer),
 * entry by entry. */
static int fold_index_block(void *arg, const MDB_val *k, const MDB_val *v)
{
	if (k->mv_size != CUSTINDEX_KEY || v->mv_size % CUSTINDEX_ENTRY || v->mv_size > CUSTINDEX_CAP * CUSTINDEX_ENTRY)
		return TIDE_ECORRUPT;
	/* a copy: the puts into the base may run while the block is read */
	uint8_t block[CUSTINDEX_CAP * CUSTINDEX_ENTRY], entry[INDEX_ENTRY];
	memcpy(block, v->mv_data, v->mv_size);
	memcpy(entry, k->mv_data, 4);
	int rc = 0;
	for (size_t at = 0; rc == 0 && at < v->mv_size; at += CUSTINDEX_ENTRY) {
		memcpy(entry + 4, block + at, CUSTINDEX_ENTRY);
		rc = add_index_entry(arg, entry);
	}
	return rc;
}

/* At commit: moves a kind's recent index into its base, customer by
 * customer in key order, and empties it. */
static int fold_recent_index(store_batch *b, int kind)
{
	index_writer w;
	int rc = open_index_writer(b, index_table(kind), &w);
	if (rc == 0)
		rc = drain_table(b, recent_index_table(kind), fold_index_block, &w);
	return close_index_writer(&w, rc);
}

/* At commit (or mid-batch, into an empty index): writes a kind's index
 * entries, its runs and those still in memory, customer by customer in key
 * order, so the cursor stays near the page it last wrote: into the base
 * when it was empty or takes the recent index in, else into the recent. */
static int flush_index(store_batch *b, int kind)
{
	int rc = b->index_fold[kind] ? fold_recent_index(b, kind) : 0;
	if (rc || (custbuf_count(b->cust_index[kind]) == 0 && runs_count(b->index_runs[kind]) == 0))
		return rc;
	runs_pending p = pending_index(b, kind);
	if (!p.items && custbuf_count(b->cust_index[kind]))
		return TIDE_ENOMEM;
	bool into_base = b->index_empty[kind] || b->index_fold[kind];
	index_writer w;
	rc = open_index_writer(b, into_base ? index_table(kind) : recent_index_table(kind), &w);
	if (rc == 0)
		rc = runs_merge(b->index_runs[kind], &p, add_index_entry, &w);
	rc = close_index_writer(&w, rc);
	custbuf_clear(b->cust_index[kind]);
	return rc;
}

static int add_index(store_batch *b, int kind, uint32_t customer, int64_t ts, uint64_t seq)
{
	custbuf *cb = b->cust_index[kind];
	if (custbuf_add(cb, customer, ts, (uint32_t)seq))
		return TIDE_ENOMEM;
	if (custbuf_count(cb) < b->index_flush_at)
		return 0;
	/* A run costs its own write and a second one at commit: at 10M orders
	 * into an empty store, 2.2 s against 1.3 s straight into the index. */
	bool empty;
	int rc = table_empty(b, index_table(kind), &empty);
	return rc ? rc : empty ? flush_index(b, kind) : index_run(b, kind);
}

static int tag_index(const store_batch *b, tide_kind kind, uint32_t name)
{
	for (int i = 0; i < b->ntags[kind]; i++)
		if (b->tags[kind][i] == name)
			return i;
	return -1;
}

static bool tag_rolled(const store_batch *b, uint32_t tag)
{
	int i = tag_index(b, TIDE_ORDERS, tag);
	return i >= 0 && b->tag_values[i] != ROLL_OFF;
}

/* Writes pending roll-ups (put_rollup), spills tag roll-ups into a run
 * (put_in_run), and adds up a key's deltas met in a merge of the runs
 * (merge_roll_entry): `held` is the last key met and its sum so far. */
typedef struct roll_writer {
	store_batch *b;
	MDB_cursor *cur[2];	/* per roll_table, on the one the commit writes */
	bool append[2];		/* which was empty: keys come in rising order */
	runs_appender *run;
	bool held;
	uint8_t held_key[12];
	rollup held_sum;
} roll_writer;

/* Adds a pending roll-up to its stored one (rollup_each_fn). */
static int put_rollup(void *arg, uint32_t tag, uint32_t value, uint32_t customer, const rollup *delta)
{
	roll_writer *w = arg;
	int t = tag != 0;
	if (t && !tag_rolled(w->b, tag))
		return 0;
	uint8_t kb[12];
	MDB_val k = {sizeof customer, &customer}, v;
	if (t) {
		roll_key(tag, value, customer, kb);
		k = (MDB_val){sizeof kb, kb};
	}
	rollup r = *delta;
	unsigned flags = MDB_APPEND;
	if (!w->append[t]) {
		/* a copy: the lookup points its key into the page, which the put
		 * below may copy or split */
		MDB_val found = k;
		int rc = mdb_cursor_get(w->cur[t], &found, &v, MDB_SET_KEY);
		if (rc == 0) {
			if (rollup_decode(v.mv_data, v.mv_size, &r))
				return TIDE_ECORRUPT;
			rollup_merge(&r, delta);
			flags = MDB_CURRENT;	/* the cursor is on it: no second search */
		} else if (rc == MDB_NOTFOUND) {
			flags = 0;
		} else {
			return rc;
		}
	}
	uint8_t buf[ROLLUP_BYTES];
	v = (MDB_val){rollup_encode(&r, buf), buf};
	watch_map(w->b);
	return mdb_cursor_put(w->cur[t], &k, &v, flags);
}

/* Whether cur's table has a roll-up of the tag value in key (its first 8
 * bytes). */
static int has_tag_value(MDB_cursor *cur, const uint8_t key[12], bool *has)
{
	MDB_val k = {12, (void *)key}, v;
	int rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	*has = rc == 0 && memcmp(k.mv_data, key, 8) == 0;
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* Deletes every roll-up of a tag from cur's table. */
static int drop_tag(MDB_cursor *cur, uint32_t tag)
{
	uint8_t kb[12];
	roll_key(tag, 0, 0, kb);
	MDB_val k = {sizeof kb, kb}, v;
	int rc;
	/* sought again after each delete: a cursor that deleted the table's
	 * last entry has no current one to ask for */
	while ((rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE)) == 0 && memcmp(k.mv_data, kb, 4) == 0) {
		if ((rc = mdb_cursor_del(cur, 0)))
			return rc;
		k = (MDB_val){sizeof kb, kb};
	}
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* Counts the values of each tag that are new to the tag roll-ups (in
 * neither table: tags[] are cursors on the base and the recent one); a tag
 * passing ROLL_VALUES_MAX loses its roll-ups (queries on it scan the log).
 * Each pair is looked at once per batch, when first met: a spill leaves
 * pairs that only customers' own roll-ups hold unwritten until the commit,
 * and they would be counted again at every spill. */
static int count_tag_values(store_batch *b, MDB_cursor *tags[2])
{
	const uint32_t(*pairs)[2];
	size_t n = rollup_buf_pairs(b->rolls, &pairs), i = b->pairs_counted;
	b->pairs_counted = n;
	for (; i < n; i++) {
		int index = tag_index(b, TIDE_ORDERS, pairs[i][0]);
		if (index < 0 || b->tag_values[index] == ROLL_OFF)
			continue;
		uint8_t kb[12];
		roll_key(pairs[i][0], pairs[i][1], 0, kb);
		bool has = false;
		int rc = 0;
		for (int t = 0; rc == 0 && !has && t < 2; t++)
			rc = has_tag_value(tags[t], kb, &has);
		if (rc)
			return rc;
		if (has || ++b->tag_values[index] <= ROLL_VALUES_MAX)
			continue;
		b->tag_values[index] = ROLL_OFF;
		for (int t = 0; rc == 0 && t < 2; t++)
			rc = drop_tag(tags[t], pairs[i][0]);
		if (rc)
			return rc;
	}
	return 0;
}

/* A spilled tag roll-up in a run: its key in o_roll_tag, then the
 * spill's number, so that the deltas of one key merge in the order they
 * were folded, then the roll-up packed. */
enum { ROLL_ENTRY = 12 + 4 + ROLLUP_PACKED };
_Static_assert((int)ROLL_ENTRY <= (int)RUNS_ENTRY_MAX, "a roll-up's run entry must fit a run");

static void roll_entry_encode(uint32_t tag, uint32_t value, uint32_t customer, uint32_t run, const rollup *r,
			      uint8_t out[ROLL_ENTRY])
{
	roll_key(tag, value, customer, out);
	bigend_put(out + 12, run, 4);
	rollup_pack(r, out + 16);
}

/* Appends a tag roll-up to the batch's next run (rollup_each_fn). */
static int put_in_run(void *arg, uint32_t tag, uint32_t value, uint32_t customer, const rollup *delta)
{
	roll_writer *w = arg;
	if (!tag_rolled(w->b, tag))
		return 0;
	uint8_t entry[ROLL_ENTRY];
	roll_entry_encode(tag, value, customer, runs_count(w->b->roll_runs), delta, entry);
	return runs_append(w->run, entry);
}

/* The pending tag roll-ups as the merge's last source, after every run. */
typedef struct pending_rolls {
	const rollup_tags *tags;
	uint32_t run;
} pending_rolls;

static void pending_roll_encode(const void *items, size_t i, uint8_t *out)
{
	const pending_rolls *p = items;
	uint32_t tag, value, customer;
	const rollup *r = rollup_tags_get(p->tags, i, &tag, &value, &customer);
	roll_entry_encode(tag, value, customer, p->run, r, out);
}

static int put_held(roll_writer *w)
{
	if (!w->held)
		return 0;
	w->held = false;
	const uint8_t *k = w->held_key;
	return put_rollup(w, (uint32_t)bigend_get(k, 4), (uint32_t)bigend_get(k + 4, 4),
			  (uint32_t)bigend_get(k + 8, 4), &w->held_sum);
}

/* Adds up the entries of one key, met in a row, and puts their sum when
 * the next key comes (runs_fn). */
static int merge_roll_entry(void *arg, const uint8_t *entry)
{
	roll_writer *w = arg;
	rollup r;
	rollup_unpack(entry + 16, &r);
	if (w->held && memcmp(w->held_key, entry, sizeof w->held_key) == 0) {
		rollup_merge(&w->held_sum, &r);
		return 0;
	}
	int rc = put_held(w);
	memcpy(w->held_key, entry, sizeof w->held_key);
	w->held_sum = r;
	w->held = true;
	return rc;
}

/* Writes a full buffer's tag roll-ups (rollup_buf_spill) as the next run:
 * sorted, appended, never merged into o_roll_tag mid-batch, where each
 * spill was a search and a put among tens of millions of roll-ups. */
static int spill_rollups(store_batch *b, roll_writer *w)
{
	int rc = runs_append_start(b->roll_runs, &w->run);
	if (rc)
		return rc;
	rc = rollup_buf_spill(b->rolls, put_in_run, w);
	int end = runs_append_end(w->run, NULL);
	w->run = NULL;
	return rc ? rc : end;
}

/* Writes every pending roll-up at commit: the customers' own, then the tag
 * roll-ups (tags, sorted) merged key by key with the spills' runs, if any. */
static int commit_rollups(store_batch *b, roll_writer *w, const rollup_tags *tags)
{
	int rc = rollup_buf_each_customer(b->rolls, put_rollup, w);
	pending_rolls pending = {tags, runs_count(b->roll_runs)};
	runs_pending p = {&pending, rollup_tags_count(tags), pending_roll_encode};
	if (rc == 0)
		rc = runs_merge(b->roll_runs, &p, merge_roll_entry, w);
	if (rc == 0)
		rc = put_held(w);
	return rc;
}

/* A roll_writer on the base of table t, which a recent table's roll-ups
 * move into (fold_rollup). */
typedef struct roll_fold {
	roll_writer *w;
	int t;
} roll_fold;

static int fold_rollup(void *arg, const MDB_val *k, const MDB_val *v)
{
	const roll_fold *f = arg;
	uint32_t tag, value, customer;
	rollup r;
	if (!roll_key_read(f->t, k, &tag, &value, &customer) || rollup_decode(v->mv_data, v->mv_size, &r))
		return TIDE_ECORRUPT;
	return put_rollup(f->w, tag, value, customer, &r);
}

/* Moves the recent roll-ups of table t into its base, through w (on the
 * base), in key order, and empties the recent table. */
static int fold_recent_rollups(store_batch *b, roll_writer *w, int t)
{
	return drain_table(b, roll_table(t, true), fold_rollup, &(roll_fold){w, t});
}

/* Opens w on the tables the commit writes the roll-ups to, as the customer
 * index chooses its own (flush_index): the base when it was empty, or when
 * it takes the recent one in (moved first), else the recent one. */
static int open_roll_tables(store_batch *b, roll_writer *w)
{
	bool fold = b->index_fold[TIDE_ORDERS];
	int rc = 0;
	for (int t = 0; rc == 0 && t < 2; t++) {
		store_dbi into = roll_table(t, !b->rolls_empty[t] && !fold);
		rc = mdb_cursor_open(b->txn, b->s->dbi[into], &w->cur[t]);
		if (rc == 0 && fold)
			rc = fold_recent_rollups(b, w, t);
		if (rc == 0)
			rc = table_empty(b, into, &w->append[t]);
	}
	return rc;
}

/* Writes the pending roll-ups: at commit (tags, the pending tag roll-ups
 * sorted) all of them; mid-batch (tags NULL) only those a full buffer holds
 * in its slots (rollup_buf_spill), as a run.  Until the commit, the tables
 * hold what they held before the batch. */
static int flush_rollups(store_batch *b, const rollup_tags *tags)
{
	roll_writer w = {.b = b};
	MDB_cursor *seen[2] = {NULL, NULL};
	int rc = 0;
	for (int r = 0; rc == 0 && r < 2; r++)
		rc = mdb_cursor_open(b->txn, b->s->dbi[roll_table(1, r)], &seen[r]);
	if (rc == 0)
		rc = count_tag_values(b, seen);
	for (int r = 0; r < 2; r++)
		if (seen[r])
			mdb_cursor_close(seen[r]);
	if (rc == 0 && tags)
		rc = open_roll_tables(b, &w);
	if (rc == 0)
		rc = tags ? commit_rollups(b, &w, tags) : spill_rollups(b, &w);
	for (int t = 0; t < 2; t++)
		if (w.cur[t])
			mdb_cursor_close(w.cur[t]);
	return rc == -1 ? TIDE_ENOMEM : rc;
}

static int add_rollups(store_batch *b, uint32_t customer, const uint32_t *pairs, int npairs, uint32_t seq,
		       const tide_event *ev)
{
	int64_t margin = ev->amount - (ev->has_cost ? ev->cost : 0);
	if (rollfeed_add(b->feed, customer, pairs, npairs, seq, ev->ts, ev->amount, margin))
		return TIDE_ENOMEM;
	if (!rollfeed_full(b->feed))
		return 0;
	if (rollfeed_drain(b->feed))
		return TIDE_ENOMEM;
	return flush_rollups(b, NULL);
}

/* The last entry of table t, if it has one. */
static int last_entry(store_batch *b, store_dbi t, MDB_val *k, MDB_val *v, bool *found)
{
	MDB_cursor *cur;
	int rc = mdb_cursor_open(b->txn, b->s->dbi[t], &cur);
	if (rc)
		return rc;
	rc = mdb_cursor_get(cur, k, v, MDB_LAST);
	mdb_cursor_close(cur);
	*found = rc == 0;
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* A batch's blocks (of order heads, of log records) start from the store's
 * last, which the batch extends (and rewrites) until it is full: blocks
 * then stay full however small the batches. */
static int resume_cols(store_batch *b)
{
	colblock_reset(b->cols);
	MDB_val k, v;
	bool found;
	int rc = last_entry(b, DB_O_COLS, &k, &v, &found);
	if (rc || !found)
		return rc;
	if (!colblock_decode(v.mv_data, v.mv_size, b->cols))
		return TIDE_ECORRUPT;
	colblock_resume(b->cols);
	b->cols_stored = true;
	return 0;
}

static int resume_log(store_batch *b, int kind)
{
	logblock_reset(b->blk[kind]);
	MDB_val k, v;
	bool found;
	uint64_t first;
	int rc = last_entry(b, log_table(kind), &k, &v, &found);
	if (rc || !found)
		return rc;
	if (!block_key(&k, &first) || !logblock_resume(b->blk[kind], first, v.mv_data, v.mv_size))
		return TIDE_ECORRUPT;
	b->blk_stored[kind] = true;
	return 0;
}

/* Puts the block starting at sequence number first into table t: appended,
 * or in place of the table's last block when it extends that one.  The
 * helper reading ahead is told where the block went, which is where the
 * batch is writing (a page reused from the free list lies behind, and only
 * makes the helper wait). */
static int put_block(store_batch *b, store_dbi t, uint64_t first, const void *bytes, size_t len,
		     bool stored)
{
	MDB_val k = {sizeof first, &first}, v = {len, NULL};
	int rc = mdb_put(b->txn, b->s->dbi[t], &k, &v, MDB_RESERVE | (stored ? 0 : MDB_APPEND));
	if (rc)
		return rc;
	memcpy(v.mv_data, bytes, len);
	if (b->warm)
		mapwarm_at(b->warm, (uint64_t)((uintptr_t)v.mv_data - b->map_base));
	return 0;
}

/* Writes the block being built to o_cols and starts the next. */
static int flush_cols(store_batch *b)
{
	if (b->cols->n == 0)
		return 0;
	uint8_t bytes[COLBLOCK_BYTES];
	size_t len = colblock_encode(b->cols, bytes);
	int rc = put_block(b, DB_O_COLS, (uint64_t)b->cols->col[CB_SEQ][0], bytes, len, b->cols_stored);
	b->cols_stored = false;
	colblock_reset(b->cols);
	return rc;
}

static int flush_log(store_batch *b, int kind)
{
	logblock *lb = b->blk[kind];
	if (lb->len == 0)
		return 0;
	int rc = put_block(b, log_table(kind), lb->first, lb->bytes, lb->len, b->blk_stored[kind]);
	b->blk_stored[kind] = false;
	logblock_reset(lb);
	return rc;
}

static int add_record(store_batch *b, int kind, uint64_t seq, const uint8_t *rec, size_t len)
{
	if (logblock_add(b->blk[kind], seq, rec, len))
		return 0;
	int rc = flush_log(b, kind);
	/* one record always fits an empty block */
	if (rc == 0 && !logblock_add(b->blk[kind], seq, rec, len))
		rc = TIDE_ECORRUPT;
	return rc;
}

static int add_head(store_batch *b, uint64_t seq, const tide_event *ev, uint32_t customer,
		    const uint32_t *tags)
{
	colblock_order o = {seq, ev->ts, customer, ev->amount, ev->has_cost, ev->cost, ev->ntags, tags};
	if (colblock_add(b->cols, &o))
		return 0;
	int rc = flush_cols(b);
	/* one order always fits an empty block */
	if (rc == 0 && !colblock_add(b->cols, &o))
		rc = TIDE_ECORRUPT;
	return rc;
}

/* A batch writes its new pages from the end of the used part of the file
 * on; the helper reads them first (mapwarm.h).  The log's blocks say where
 * the batch is; the commit's flushes (the ids, the index and the roll-ups,
 * 0.49 of what the log took at 10M orders, 0.68 at 100M) do not, and the
 * helper finds their pages itself.  Without the map's address the batch
 * could not say where it is, and runs without one. */
static void start_warm(store_batch *b)
{
	MDB_envinfo info;
	MDB_stat st;
	int fd;
	each_mapping(b->s, note_map_base, &b->map_base);
	if (!b->map_base || mdb_env_get_fd(b->s->env, &fd) || mdb_env_info(b->s->env, &info) ||
	    mdb_env_stat(b->s->env, &st))
		return;
	mapwarm_plan plan = {((uint64_t)info.me_last_pgno + 1) * st.ms_psize, info.me_mapsize, MAPWARM_FIRST,
			     MAPWARM_AHEAD, st.ms_psize};
	b->warm = mapwarm_start(fd, &plan);
}

/* The meta counter that numbers names t. */
static uint64_t *name_counter(store_batch *b, int t)
{
	return t == NAMES_CUSTOMERS ? &b->info.customers : &b->info.strings;
}

int store_batch_begin(store *s, store_batch **out, tide_err *e)
{
	store_batch *b = calloc(1, sizeof *b);
	if (!b)
		return tide_errf(e, TIDE_ENOMEM, "out of memory");
	b->s = s;
	b->statm = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
	/* TIDE_RESIDENT_BUDGET (bytes) lets tests watch a small batch release. */
	const char *budget = getenv("TIDE_RESIDENT_BUDGET");
	b->budget = budget && *budget ? strtoull(budget, NULL, 10) : RESIDENT_BUDGET;
	b->names[NAMES_CUSTOMERS] = (name_table){strmap_new(), DB_CUST, DB_CUST_ID, 0, false};
	b->names[NAMES_STRINGS] = (name_table){strmap_new(), DB_STR, DB_STR_ID, 0, false};
	b->day_index = strmap_new();
	b->ids[0] = idbuf_new();
	b->ids[1] = idbuf_new();
	/* TIDE_FLUSH_AT (a count) lets tests flush small batches mid-way. */
	const char *flush_at = getenv("TIDE_FLUSH_AT");
	bool flush_set = flush_at && *flush_at;
	size_t flush_count = flush_set ? strtoull(flush_at, NULL, 10) : 0;
	b->ids_flush_at = flush_set ? flush_count : IDBUF_MAX;
	b->index_flush_at = flush_set ? flush_count : CUSTBUF_MAX;
	b->cust_index[0] = custbuf_new();
	b->cust_index[1] = custbuf_new();
	for (int k = 0; k < 2; k++) {
		b->id_runs[k] = runs_new(s->dir, ID_ENTRY);
		b->index_runs[k] = runs_new(s->dir, INDEX_ENTRY);
	}
	b->roll_runs = runs_new(s->dir, ROLL_ENTRY);
	b->rolls = rollup_buf_new();
	if (b->rolls && flush_set)
		rollup_buf_set_full_at(b->rolls, flush_count);
	b->feed = b->rolls ? rollfeed_start(b->rolls) : NULL;
	b->cols = malloc(sizeof *b->cols);
	b->blk[0] = malloc(sizeof *b->blk[0]);
	b->blk[1] = malloc(sizeof *b->blk[1]);
	int rc = 0;
	if (!b->names[0].cache || !b->names[1].cache || !b->day_index || !b->ids[0] || !b->ids[1] ||
	    !b->cust_index[0] || !b->cust_index[1] || !b->id_runs[0] || !b->id_runs[1] || !b->index_runs[0] ||
	    !b->index_runs[1] || !b->roll_runs || !b->feed || !b->cols || !b->blk[0] || !b->blk[1]) {
		rc = tide_errf(e, TIDE_ENOMEM, "out of memory");
		goto fail;
	}
	rc = txn_begin(s, 0, false, &b->txn);
	if (rc) {
		lmdb_err(e, rc, "starting a write");
		b->txn = NULL;
		goto fail;
	}
	rc = meta_read(b->txn, s, &b->info);
	b->seq_at_start = b->info.next_seq;
	rollup_buf_expect(b->rolls, 0, b->info.customers);
	for (int t = 0; t < 2; t++)
		b->names[t].first_new = *name_counter(b, t);
	for (int t = 0; rc == 0 && t < 2; t++)
		rc = table_empty(b, b->names[t].by_name, &b->names[t].was_empty);
	for (int k = 0; rc == 0 && k < 2; k++) {
		b->log[k].copies = true;
		rc = mdb_cursor_open(b->txn, s->dbi[log_table(k)], &b->log[k].cur);
	}
	for (int k = 0; rc == 0 && k < 2; k++) {
		rc = table_empty(b, ids_table(k), &b->ids_empty[k][0]);
		if (rc == 0)
			rc = table_empty(b, recent_table(k), &b->ids_empty[k][1]);
		if (rc == 0)
			rc = table_empty(b, index_table(k), &b->index_empty[k]);
		if (rc == 0)
			rc = table_empty(b, roll_table(k, false), &b->rolls_empty[k]);
	}
	for (int k = 0; rc == 0 && k < 2; k++) {
		b->ntags[k] = tags_read(b->txn, s, (tide_kind)k, b->tags[k], TIDE_TAGS_MAX * 8);
		if (b->ntags[k] < 0)
			rc = b->ntags[k];
		else if (b->ntags[k] > TIDE_TAGS_MAX * 8)
			rc = TIDE_ECORRUPT;
	}
	if (rc == 0) {
		int n = ids_read(b->txn, s, roll_list_key, b->tag_values, TIDE_TAGS_MAX * 8);
		if (n < 0)
			rc = n;
		else if (n > b->ntags[TIDE_ORDERS])
			rc = TIDE_ECORRUPT;
	}
	if (rc) {
		lmdb_err(e, rc, "reading meta");
		goto fail;
	}
	if ((rc = resume_cols(b))) {
		write_err(e, rc, "reading o_cols");
		goto fail;
	}
	for (int k = 0; k < 2; k++)
		if ((rc = resume_log(b, k))) {
			write_err(e, rc, "reading the log");
			goto fail;
		}
	start_warm(b);
	*out = b;
	return 0;
fail:
	store_batch_abort(b);
	return rc;
}

void store_batch_expect(store_batch *b, tide_kind kind, uint64_t events)
{
	/* The pending ids never outgrow the flush limit.  Without memory for
	 * them now, the table grows as it fills. */
	(void)idbuf_reserve(b->ids[kind], events < b->ids_flush_at ? (size_t)events : b->ids_flush_at);
	b->expected[kind] = events;
	if (kind == TIDE_ORDERS)
		rollup_buf_expect(b->rolls, events, b->info.customers);
}

/* Closes the cursors of the dedupe check: the commit writes to those tables. */
static void close_lookups(store_batch *b)
{
	for (int k = 0; k < 2; k++)
		for (int t = 0; t < 2; t++) {
			mdb_cursor_close(b->hash_cur[k][t]);
			b->hash_cur[k][t] = NULL;
		}
}

/* Ends the batch's transaction, committing it when asked to. */
static int end_txn(store_batch *b, bool commit)
{
	for (int k = 0; k < 2; k++) {
		mdb_cursor_close(b->log[k].cur);
		free(b->log[k].own);
	}
	memset(b->log, 0, sizeof b->log);
	close_lookups(b);
	int rc = 0;
	if (commit)
		rc = mdb_txn_commit(b->txn);
	else
		mdb_txn_abort(b->txn);
	b->txn = NULL;
	return rc;
}

void store_batch_abort(store_batch *b)
{
	if (!b)
		return;
	mapwarm_stop(b->warm);
	if (b->txn)
		end_txn(b, false);
	strmap_free(b->names[NAMES_CUSTOMERS].cache);
	strmap_free(b->names[NAMES_STRINGS].cache);
	idbuf_free(b->ids[0]);
	idbuf_free(b->ids[1]);
	idfilter_free(b->flushed[0]);
	idfilter_free(b->flushed[1]);
	if (b->statm >= 0)
		close(b->statm);
	custbuf_free(b->cust_index[0]);
	custbuf_free(b->cust_index[1]);
	for (int k = 0; k < 2; k++) {
		runs_free(b->id_runs[k]);
		runs_free(b->index_runs[k]);
	}
	runs_free(b->roll_runs);
	rollfeed_stop(b->feed);
	rollup_buf_free(b->rolls);
	free(b->cols);
	free(b->blk[0]);
	free(b->blk[1]);
	strmap_free(b->day_index);
	free(b->spans);
	free(b->span_days);
	free(b->span_kinds);
	free(b);
}

/* Returns the number of text in names t, numbering it when new. */
static int intern(store_batch *b, int t, tide_str text, uint32_t *id)
{
	name_table *nt = &b->names[t];
	if (strmap_get(nt->cache, text.p, text.n, id))
		return 0;
	MDB_val k = {text.n, (void *)text.p}, v;
	int rc = nt->was_empty ? MDB_NOTFOUND : mdb_get(b->txn, b->s->dbi[nt->by_name], &k, &v);
	if (rc == 0) {
		memcpy(id, v.mv_data, sizeof *id);
	} else if (rc == MDB_NOTFOUND) {
		uint64_t *counter = name_counter(b, t);
		if (*counter >= UINT32_MAX - 1)
			return TIDE_EFULL;
		*id = (uint32_t)++*counter;
		MDB_val ik = {sizeof *id, id}, iv = {text.n, (void *)text.p};
		rc = mdb_put(b->txn, b->s->dbi[nt->by_id], &ik, &iv, MDB_APPEND);
		if (rc)
			return rc;
	} else {
		return rc;
	}
	return strmap_put(nt->cache, text.p, text.n, *id) ? TIDE_ENOMEM : 0;
}

typedef struct new_name {
	uint64_t head;	/* the first 8 bytes, big-endian, zero-padded */
	const void *p;
	uint32_t len, id;
} new_name;

typedef struct new_names {
	new_name *v;
	size_t n;
	uint64_t first_new;
	size_t bytes;	/* of all the names */
	char *packed;	/* the names, end to end in key order; v[i].p point there */
} new_names;

static void collect_new(void *arg, const void *key, size_t len, uint32_t id)
{
	new_names *nn = arg;
	if (id <= nn->first_new)
		return;
	uint8_t head[8] = {0};
	memcpy(head, key, len < 8 ? len : 8);
	nn->v[nn->n++] = (new_name){bigend_get(head, 8), key, (uint32_t)len, id};
	nn->bytes += len;
}

/* LMDB's default order of keys: bytes, then the shorter first.  Zero
 * padding keeps that order among the heads, so most comparisons end there
 * without reading the names, which lie at random in memory. */
static int by_name_bytes(const void *x, const void *y)
{
	const new_name *a = x, *c = y;
	if (a->head != c->head)
		return a->head < c->head ? -1 : 1;
	int d = memcmp(a->p, c->p, a->len < c->len ? a->len : c->len);
	return d ? d : (a->len > c->len) - (a->len < c->len);
}

/* The batch's new names of table t in key order; false when out of
 * memory.  They are copied end to end in that order: the writer's puts
 * then read them in a row, where each name in the map was a miss to
 * memory on its core (1.1 s of a 100M load's commit, 5.1M names). */
static bool sort_names(store_batch *b, int t, new_names *nn)
{
	const name_table *nt = &b->names[t];
	uint64_t counter = *name_counter(b, t);
	*nn = (new_names){NULL, 0, nt->first_new, 0, NULL};
	if (counter == nt->first_new)
		return true;
	if (!(nn->v = malloc((size_t)(counter - nt->first_new) * sizeof *nn->v)))
		return false;
	strmap_each(nt->cache, collect_new, nn);
	qsort(nn->v, nn->n, sizeof *nn->v, by_name_bytes);
	if (!(nn->packed = malloc(nn->bytes ? nn->bytes : 1)))
		return false;
	enum { AHEAD = 16 };	/* names whose bytes are on their way */
	char *at = nn->packed;
	for (size_t i = 0; i < nn->n; i++) {
		if (i + AHEAD < nn->n)
			__builtin_prefetch(nn->v[i + AHEAD].p);
		memcpy(at, nn->v[i].p, nn->v[i].len);
		nn->v[i].p = at;
		at += nn->v[i].len;
	}
	return true;
}

/* Puts the batch's new names of table t, sorted: appended when the table
 * was empty. */
static int put_names(store_batch *b, int t, const new_names *nn)
{
	const name_table *nt = &b->names[t];
	if (nn->n == 0)
		return 0;
	MDB_cursor *cur = NULL;
	int rc = mdb_cursor_open(b->txn, b->s->dbi[nt->by_name], &cur);
	for (size_t i = 0; rc == 0 && i < nn->n; i++) {
		MDB_val k = {nn->v[i].len, (void *)nn->v[i].p}, v = {sizeof nn->v[i].id, &nn->v[i].id};
		watch_map(b);
		rc = mdb_cursor_put(cur, &k, &v, nt->was_empty ? MDB_APPEND : MDB_NOOVERWRITE);
	}
	if (cur)
		mdb_cursor_close(cur);
	return rc;
}

/* What the commit writes last, sorted on a thread of its own (bgjob.h)
 * while the writer writes the log's tail, the ids and the index, on the
 * core the parser has left: the new names (1.3 s at 100M orders) and the
 * pending tag roll-ups, which the roll-ups' merge reads by position (1.0
 * s).  Both read only memory the writer leaves alone until the join. */
typedef struct commit_sorts {
	store_batch *b;
	new_names names[2];
	rollup_tags *tags;
	bool failed;	/* out of memory */
} commit_sorts;

static void sort_for_commit(void *arg)
{
	commit_sorts *cs = arg;
	for (int t = 0; t < 2; t++)
		cs->failed |= !sort_names(cs->b, t, &cs->names[t]);
	cs->failed |= !(cs->tags = rollup_tags_sort(cs->b->rolls));
}

/* Merges the batch's day spans into the time index. */
static int flush_spans(store_batch *b)
{
	for (size_t i = 0; i < b->nspans; i++) {
		store_dbi db = b->span_kinds[i] == TIDE_ORDERS ? DB_O_DAYS : DB_C_DAYS;
		MDB_val k = {sizeof b->span_days[i], &b->span_days[i]}, v;
		store_span span = b->spans[i];
		int rc = mdb_get(b->txn, b->s->dbi[db], &k, &v);
		if (rc == 0) {
			store_span old;
			memcpy(&old, v.mv_data, sizeof old);
			if (old.first_seq < span.first_seq)
				span.first_seq = old.first_seq;
			if (old.last_seq > span.last_seq)
				span.last_seq = old.last_seq;
			span.events += old.events;
		} else if (rc != MDB_NOTFOUND) {
			return rc;
		}
		v.mv_size = sizeof span;
		v.mv_data = &span;
		if ((rc = mdb_put(b->txn, b->s->dbi[db], &k, &v, 0)))
			return rc;
	}
	return 0;
}

int64_t store_default_asof(const uint64_t events[2], const int64_t last_ts[2])
{
	bool any = false;
	int64_t last = 0;
	for (int k = 0; k < 2; k++)
		if (events[k] && (!any || last_ts[k] > last)) {
			last = last_ts[k];
			any = true;
		}
	return any ? last + 1 : 0;
}

typedef int (*order_fn)(void *arg, const store_order *o);

/* Calls fn for the orders with sequence numbers in [first, last] and ts in
 * [from, to), in sequence order, from o_cols. */
static int heads_each(store_snap *snap, uint64_t first, uint64_t last, int64_t from, int64_t to, order_fn fn,
		      void *arg)
{
	store_heads *h = NULL;
	int rc = store_heads_open(snap, first, NULL, 0, NULL, NULL, &h, NULL);
	enum { HEADS_AT_ONCE = 256 };
	store_order o[HEADS_AT_ONCE];
	size_t got = rc == 0;
	while (rc == 0 && got) {
		rc = store_heads_read(h, last, o, HEADS_AT_ONCE, NULL, &got, NULL);
		for (size_t i = 0; rc == 0 && i < got; i++)
			if (o[i].ts >= from && o[i].ts < to)
				rc = fn(arg, &o[i]);
	}
	store_heads_close(h);
	return rc;
}

static int64_t order_margin(const store_order *o)
{
	return o->amount - (o->has_cost ? o->cost : 0);
}

static int fold_leader(void *maker, const store_order *o)
{
	return leaders_maker_add(maker, o->customer, (uint32_t)o->seq, o->ts, o->amount, order_margin(o));
}

/* The week's leaders made from every order of the week, which the batch
 * has flushed to o_cols. */
static int make_leaders(store_batch *b, store_snap *snap, const store_span *week, leaders *stamp, uint8_t **out,
			size_t *len)
{
	leaders_maker *m = leaders_maker_new((uint32_t)b->info.customers);
	if (!m)
		return TIDE_ENOMEM;
	int rc = 0;
	if (week->events)
		rc = heads_each(snap, week->first_seq, week->last_seq, stamp->from, stamp->to, fold_leader, m);
	if (rc == 0)
		rc = leaders_maker_finish(m, stamp, out, len);
	leaders_maker_free(m);
	return rc;
}

typedef struct touched {
	uint32_t *customer;
	size_t n, cap, max;	/* more than max: too many to update one by one */
} touched;

static int touch(void *arg, const store_order *o)
{
	touched *t = arg;
	if (t->n > t->max)
		return 0;
	uint32_t *c = grow_reserve(t->customer, &t->cap, t->n + 1, sizeof *c, 1024);
	if (!c)
		return TIDE_ENOMEM;
	t->customer = c;
	c[t->n++] = o->customer;
	return 0;
}

static int u32_order(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

/* The customers whose week the batch changed: those with orders in it and
 * those with orders that left the window, from old's start to the new one
 * (read from whole days of o_cols, so at most half a week of them).  Sorted,
 * each once; t->n > t->max when there are too many. */
static int week_touched(store_batch *b, store_snap *snap, const leaders *old, int64_t from,
			const store_span *week, touched *t)
{
	if (b->info.events[TIDE_ORDERS] - old->events[TIDE_ORDERS] > t->max) {
		t->n = t->max + 1;
		return 0;
	}
	int rc = heads_each(snap, b->seq_at_start, b->info.next_seq - 1, INT64_MIN, INT64_MAX, touch, t);
	store_span left = {0};
	if (rc == 0 && old->from < from)
		rc = store_time_range(snap, TIDE_ORDERS, old->from, from, &left, NULL);
	if (rc == 0 && left.events > week->events / 2)
		t->n = t->max + 1;
	if (rc == 0 && left.events && t->n <= t->max)
		rc = heads_each(snap, left.first_seq, left.last_seq, old->from, from, touch, t);
	if (rc == 0 && t->n && t->n <= t->max) {
		qsort(t->customer, t->n, sizeof *t->customer, u32_order);
		size_t kept = 0;
		for (size_t i = 0; i < t->n; i++)
			if (kept == 0 || t->customer[i] != t->customer[kept - 1])
				t->customer[kept++] = t->customer[i];
		t->n = kept;
	}
	return rc;
}

typedef struct week_order {
	uint64_t seq;
	int64_t ts;
} week_order;

static int by_seq(const void *a, const void *b)
{
	uint64_t x = ((const week_order *)a)->seq, y = ((const week_order *)b)->seq;
	return (x > y) - (x < y);
}

/* Customer c's roll-up of [from, to), folded in sequence order as a scan
 * folds it (the index gives (ts, seq) order, which late orders change). */
static int week_of(store_snap *snap, store_log *log, uint32_t c, int64_t from, int64_t to, week_order **buf,
		   size_t *cap, rollup *r)
{
	custindex_iter it;
	int rc = store_index_walk(snap, TIDE_ORDERS, c, from, &it);
	size_t n = 0;
	int got;
	week_order o;
	while (rc == 0 && (got = custindex_next(&it, &o.ts, &o.seq)) != 0) {
		if (got < 0) {
			rc = got;
			break;
		}
		if (o.ts >= to)
			break;
		week_order *grown = grow_reserve(*buf, cap, n + 1, sizeof **buf, 64);
		if (!grown)
			rc = TIDE_ENOMEM;
		else
			(*buf = grown)[n++] = o;
	}
	store_index_walk_end(&it);
	if (n)
		qsort(*buf, n, sizeof **buf, by_seq);
	*r = (rollup){0};
	for (size_t i = 0; rc == 0 && i < n; i++) {
		MDB_val rec;
		bool found;
		store_order ord;
		rc = store_log_get(log, (*buf)[i].seq, &rec, &found, NULL);
		if (rc == 0 && (!found || store_decode_order((*buf)[i].seq, &rec, &ord)))
			rc = TIDE_ECORRUPT;
		if (rc == 0)
			rollup_fold(r, (uint32_t)ord.seq, ord.ts, ord.amount, order_margin(&ord));
	}
	return rc;
}

static bool has_customer(const touched *t, uint32_t c)
{
	return t->n && bsearch(&c, t->customer, t->n, sizeof c, u32_order);
}

/* The old leaders with the touched customers' weeks put in afresh, above
 * the old leaders' floor (leaders_maker_floor): a customer left out of them
 * and untouched still has less revenue than their least. */
static int update_from(store_batch *b, store_snap *snap, const leaders *old, const touched *t, leaders *stamp,
		       uint8_t **out, size_t *len)
{
	leaders_maker *m = leaders_maker_new((uint32_t)b->info.customers);
	if (!m)
		return TIDE_ENOMEM;
	leaders_maker_floor(m, old);
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < old->n; i++)
		if (!has_customer(t, old->customer[i]))
			rc = leaders_maker_put(m, old->customer[i], &old->r[i]);
	store_log *log = NULL;
	if (rc == 0)
		rc = store_log_open(snap, TIDE_ORDERS, NULL, NULL, &log, NULL);
	week_order *buf = NULL;
	size_t cap = 0;
	for (size_t i = 0; rc == 0 && i < t->n; i++) {
		rollup r;
		rc = week_of(snap, log, t->customer[i], stamp->from, stamp->to, &buf, &cap, &r);
		if (rc == 0 && r.events)
			rc = leaders_maker_put(m, t->customer[i], &r);
	}
	free(buf);
	if (log)
		store_log_close(log);
	stamp->updated = true;
	if (rc == 0)
		rc = leaders_maker_finish(m, stamp, out, len);
	leaders_maker_free(m);
	return rc;
}

/* The leaders of the batch's start brought up to date, when there are some
 * and the batch touched few customers' weeks: at most one for each 128
 * orders of the week.  A touched customer costs an index walk and its
 * orders from the log (10-15 us at 100M orders), where making them afresh
 * reads each order of the week once, in order (~100 ns each), so an update
 * costs at most about what that does.  *out stays NULL otherwise, and when
 * fewer than half of LEADERS_KEEP would be left (the orders leaving the
 * window have worn them down). */
static int update_leaders(store_batch *b, store_snap *snap, const store_span *week, leaders *stamp,
			  uint8_t **out, size_t *len)
{
	leaders old;
	bool found;
	/* unreadable ones are made afresh, as stale ones are */
	if (store_leaders(snap, &old, &found, NULL) || !found)
		return 0;
	touched t = {.max = week->events / 128};
	int rc = 0;
	if (old.complete || old.n) {
		rc = week_touched(b, snap, &old, stamp->from, week, &t);
		if (rc == 0 && t.n <= t.max)
			rc = update_from(b, snap, &old, &t, stamp, out, len);
	}
	if (rc == 0 && *out && !stamp->complete && stamp->n < LEADERS_KEEP / 2) {
		free(*out);
		*out = NULL;
		stamp->updated = false;
	}
	free(t.customer);
	leaders_free(&old);
	return rc;
}

/* Keeps the week's leaders (leaders.h) of the store as the batch leaves it. */
static int put_leaders(store_batch *b)
{
	/* a batch that stored nothing (a file sent again) leaves them right */
	if (b->info.next_seq == b->seq_at_start)
		return 0;
	int64_t T = store_default_asof(b->info.events, b->info.last_ts);
	leaders stamp = {.from = T - LEADERS_WEEK, .to = T,
			 .events = {b->info.events[0], b->info.events[1]}};
	store_snap in_batch = {.s = b->s, .txn = b->txn};
	store_span week;
	uint8_t *bytes = NULL;
	size_t len = 0;
	int rc = store_time_range(&in_batch, TIDE_ORDERS, stamp.from, T, &week, NULL);
	if (rc == 0)
		rc = update_leaders(b, &in_batch, &week, &stamp, &bytes, &len);
	if (rc == 0 && !bytes)
		rc = make_leaders(b, &in_batch, &week, &stamp, &bytes, &len);
	if (rc == 0) {
		MDB_val k = {strlen(leaders_key), (void *)leaders_key}, v = {len, bytes};
		rc = mdb_put(b->txn, b->s->dbi[DB_META], &k, &v, 0);
	}
	free(bytes);
	return rc;
}

int store_batch_commit(store_batch *b, tide_err *e)
{
	MDB_val k = {4, "info"}, v = {sizeof b->info, &b->info};
	close_lookups(b);
	/* the folds end before their roll-ups are sorted */
	int rc = rollfeed_drain(b->feed) ? TIDE_ENOMEM : 0;
	commit_sorts sorts = {.b = b};
	bgjob *sorting = rc ? NULL : bgjob_start(sort_for_commit, &sorts);
	if (rc == 0)
		rc = flush_spans(b);
	for (int kind = 0; rc == 0 && kind < 2; kind++)
		rc = flush_log(b, kind);
	if (rc == 0)
		rc = flush_cols(b);
	for (int kind = 0; rc == 0 && kind < 2; kind++)
		rc = flush_ids(b, kind);
	for (int kind = 0; rc == 0 && kind < 2; kind++)
		rc = merge_recent(b, kind);
	for (int kind = 0; rc == 0 && kind < 2; kind++) {
		rc = flush_index(b, kind);
		/* its two sort buffers, 256 MiB in a large batch, are not
		 * needed by the roll-ups' commit that follows */
		custbuf_free(b->cust_index[kind]);
		b->cust_index[kind] = NULL;
	}
	bgjob_join(sorting);
	if (rc == 0 && sorts.failed)
		rc = TIDE_ENOMEM;
	for (int t = 0; rc == 0 && t < 2; t++)
		rc = put_names(b, t, &sorts.names[t]);
	if (rc == 0)
		rc = flush_rollups(b, sorts.tags);
	for (int t = 0; t < 2; t++) {
		free(sorts.names[t].v);
		free(sorts.names[t].packed);
	}
	rollup_tags_free(sorts.tags);
	if (rc == 0)
		rc = put_leaders(b);
	if (rc == 0)
		rc = mdb_put(b->txn, b->s->dbi[DB_META], &k, &v, 0);
	for (int kind = 0; rc == 0 && b->tags_dirty && kind < 2; kind++) {
		MDB_val tk = {strlen(tag_list_key[kind]), (void *)tag_list_key[kind]};
		MDB_val tv = {(size_t)b->ntags[kind] * sizeof(uint32_t), b->tags[kind]};
		rc = mdb_put(b->txn, b->s->dbi[DB_META], &tk, &tv, 0);
	}
	if (rc == 0) {
		MDB_val rk = {strlen(roll_list_key), (void *)roll_list_key};
		MDB_val rv = {(size_t)b->ntags[TIDE_ORDERS] * sizeof(uint32_t), b->tag_values};
		rc = mdb_put(b->txn, b->s->dbi[DB_META], &rk, &rv, 0);
	}
	if (rc == 0)
		rc = end_txn(b, true);
	store_batch_abort(b);	/* and the transaction, when it failed before its commit */
	return rc ? write_err(e, rc, "committing") : 0;
}

static int intern_str(store_batch *b, tide_str text, uint32_t *id)
{
	if (text.n == 0) {
		*id = 0;
		return 0;
	}
	return intern(b, NAMES_STRINGS, text, id);
}

/* Records tag name ids per kind in first-seen order, for export. */
static int note_tag_name(store_batch *b, tide_kind kind, uint32_t name, int *index)
{
	if ((*index = tag_index(b, kind, name)) >= 0)
		return 0;
	if (b->ntags[kind] == TIDE_TAGS_MAX * 8)
		return TIDE_EFULL;
	*index = b->ntags[kind];
	b->tags[kind][b->ntags[kind]++] = name;
	b->tags_dirty = true;
	return 0;
}

/* The string number of the tag named text at position pos of an event of
 * kind, and its index in tags[kind]. */
static int tag_name(store_batch *b, tide_kind kind, uint32_t pos, tide_str text, uint32_t *name, int *index)
{
	tag_memo *m = &b->names_seen[kind][pos];
	if (m->n && m->n == text.n && memcmp(m->text, text.p, text.n) == 0) {
		*name = m->name;
		*index = m->index;
		return 0;
	}
	int rc = intern_str(b, text, name);
	if (rc == 0)
		rc = note_tag_name(b, kind, *name, index);
	if (rc)
		return rc;
	m->n = text.n <= TAG_MEMO_LEN ? (uint8_t)text.n : 0;
	memcpy(m->text, text.p, m->n);
	m->name = *name;
	m->index = *index;
	return 0;
}

/* Appends the tag pairs at p, adding their length to *len; every pair (name,
 * value) goes to pairs too, and those an order's roll-ups are kept for to
 * roll (npairs of them). */
static int encode_tags(store_batch *b, const tide_event *ev, uint8_t *p, size_t *len, uint32_t *pairs,
		       uint32_t *roll, int *npairs)
{
	size_t n = 0;
	*npairs = 0;
	for (uint32_t i = 0; i < ev->ntags; i++) {
		uint32_t name, value;
		int index;
		int rc = tag_name(b, ev->kind, i, ev->tags[i].name, &name, &index);
		if (rc == 0)
			rc = intern_str(b, ev->tags[i].value, &value);
		if (rc)
			return rc;
		n += varint_put(p + n, name);
		n += varint_put(p + n, value);
		pairs[2 * i] = name;
		pairs[2 * i + 1] = value;
		if (ev->kind == TIDE_ORDERS && b->tag_values[index] != ROLL_OFF) {
			roll[2 * *npairs] = name;
			roll[2 * *npairs + 1] = value;
			++*npairs;
		}
	}
	*len += n;
	return 0;
}

uint64_t store_id_hash(const tide_event *ev)
{
	uint64_t h = XXH3_64bits_withSeed(ev->id.p, ev->id.n, (uint64_t)ev->kind + 1);
	return h + (h == 0);	/* 0 marks a free slot in idbuf */
}

void store_batch_prefetch(const store_batch *b, const tide_event *ev, uint64_t h)
{
	idbuf_prefetch(b->ids[ev->kind], h);
	if (b->flushed[ev->kind])
		idfilter_prefetch(b->flushed[ev->kind], h);
	strmap_prefetch(b->names[NAMES_CUSTOMERS].cache, ev->customer.p, ev->customer.n);
}

/* The record of event seq of kind, which this batch or an earlier one
 * wrote. */
static int batch_record(store_batch *b, int kind, uint64_t seq, MDB_val *rec)
{
	const logblock *lb = b->blk[kind];
	if (lb->len && seq >= lb->first) {	/* not in the log yet, or not all of it */
		logblock_rd rd;
		logblock_read(&rd, lb->first, lb->bytes, lb->len);
		uint64_t at;
		const uint8_t *p;
		size_t n;
		if (skip_below(&rd, seq) || logblock_next(&rd, &at, &p, &n) != 1 || at != seq)
			return TIDE_ECORRUPT;
		*rec = (MDB_val){n, (void *)p};
		return 0;
	}
	bool found;
	int rc = log_get(&b->log[kind], seq, rec, &found);
	return rc ? rc : found ? 0 : TIDE_ECORRUPT;
}

/* Looks hash h up in a kind's recent, then base dedupe table (idblocks.h),
 * through cur[0] on the base and cur[1] on the recent one, each opened on
 * txn when first needed; empty[0] and empty[1] say which table holds
 * nothing.  *found, and *seq when found. */
static int find_in_tables(const store *s, MDB_txn *txn, MDB_cursor *cur[2], const bool empty[2],
			  int kind, uint64_t h, uint32_t *seq, int *found)
{
	*found = 0;
	for (int recent = 1; recent >= 0 && !*found; recent--) {
		if (empty[recent])
			continue;
		store_dbi t = recent ? recent_table(kind) : ids_table(kind);
		int rc = cur[recent] ? 0 : mdb_cursor_open(txn, s->dbi[t], &cur[recent]);
		if (rc || (rc = idblocks_find(cur[recent], h, seq, found)))
			return rc;
	}
	return 0;
}

struct store_idlookup {
	store *s;
	store_snap *snap;
	bool empty[2][2];	/* the batch's ids_empty */
	MDB_cursor *cur[2][2];
};

int store_idlookup_open(store_batch *b, store_idlookup **out, tide_err *e)
{
	store_idlookup *l = calloc(1, sizeof *l);
	if (!l)
		return tide_errf(e, TIDE_ENOMEM, "out of memory");
	/* The batch holds the write lock, so no commit comes between its
	 * beginning and this snapshot's: both see the same tables. */
	int rc = store_snap_begin(b->s, &l->snap, e);
	if (rc) {
		free(l);
		return rc;
	}
	l->s = b->s;
	memcpy(l->empty, b->ids_empty, sizeof l->empty);
	*out = l;
	return 0;
}

store_idcheck store_idcheck_unknown(const tide_event *ev)
{
	return (store_idcheck){store_id_hash(ev), 0, STORE_ID_UNKNOWN};
}

void store_idlookup_check(store_idlookup *l, const tide_event *ev, store_idcheck *out)
{
	int kind = ev->kind, found;
	*out = store_idcheck_unknown(ev);
	if (find_in_tables(l->s, l->snap->txn, l->cur[kind], l->empty[kind], kind, out->hash, &out->seq,
			   &found) == 0)
		out->state = found ? STORE_ID_FOUND : STORE_ID_ABSENT;
}

void store_idlookup_close(store_idlookup *l)
{
	if (!l)
		return;
	for (int k = 0; k < 2; k++)
		for (int t = 0; t < 2; t++)
			mdb_cursor_close(l->cur[k][t]);
	store_snap_end(l->snap);
	free(l);
}

/* Looks hash h up in a kind's runs: *found, and *seq when found. */
static int find_in_runs(store_batch *b, int kind, uint64_t h, uint32_t *seq, int *found)
{
	uint8_t entry[ID_ENTRY];
	int rc = runs_find(b->id_runs[kind], h, entry, found);
	if (rc == 0 && *found)
		*seq = id_entry_seq(entry);
	return rc;
}

/* The event's id seen before in this kind?  Looks in the batch's pending
 * entries, its runs and the kind's two hash tables (unless id says what
 * they held: looked up ahead), then in the exact-id table that holds the
 * rare ids whose hash another id already took. */
static int check_duplicate(store_batch *b, const tide_event *ev, const store_idcheck *id, uint64_t seq,
			   bool *dup)
{
	int kind = ev->kind;
	uint64_t h = id->hash;
	uint32_t seq32 = (uint32_t)seq, other32;
	int found = idbuf_get(b->ids[kind], h, &other32), rc = 0;
	const idfilter *f = b->flushed[kind];
	if (!found && runs_count(b->id_runs[kind]) && (!f || idfilter_may_hold(f, h)))
		rc = find_in_runs(b, kind, h, &other32, &found);
	if (rc == 0 && !found && id->state == STORE_ID_UNKNOWN)
		rc = find_in_tables(b->s, b->txn, b->hash_cur[kind], b->ids_empty[kind], kind, h, &other32, &found);
	else if (rc == 0 && !found && id->state == STORE_ID_FOUND) {
		found = 1;
		other32 = id->seq;
	}
	if (rc)
		return rc;
	*dup = false;
	if (!found) {
		if (idbuf_put(b->ids[kind], h, seq32))
			return TIDE_ENOMEM;
		return idbuf_count(b->ids[kind]) >= b->ids_flush_at ? flush_run(b, kind) : 0;
	}

	uint64_t other = other32;
	MDB_val ov;
	if ((rc = batch_record(b, kind, other, &ov)))
		return rc;
	tide_str other_id = {NULL, 0};
	if (kind == TIDE_ORDERS) {
		store_order o;
		rc = store_decode_order(other, &ov, &o);
		other_id = o.id;
	} else {
		store_contact c;
		rc = store_decode_contact(other, &ov, &c);
		other_id = c.id;
	}
	if (rc)
		return rc;
	if (other_id.n == ev->id.n && memcmp(other_id.p, ev->id.p, other_id.n) == 0) {
		*dup = true;
		return 0;
	}
	uint8_t xkey[1 + TIDE_ID_MAX];
	xkey[0] = (uint8_t)kind;
	memcpy(xkey + 1, ev->id.p, ev->id.n);
	MDB_val xk = {1 + (size_t)ev->id.n, xkey}, xv = {sizeof seq32, &seq32};
	rc = mdb_put(b->txn, b->s->dbi[DB_IDS_X], &xk, &xv, MDB_NOOVERWRITE);
	if (rc == MDB_KEYEXIST) {
		*dup = true;
		return 0;
	}
	return rc;
}

static int note_span(store_batch *b, tide_kind kind, int64_t ts, uint64_t seq)
{
	uint32_t day = day_key(ts);
	uint8_t key[5];
	memcpy(key, &day, 4);
	key[4] = (uint8_t)kind;
	/* events mostly arrive in time order: most are in the last day noted */
	uint32_t i = (uint32_t)b->last_span;
	if ((i < b->nspans && b->span_days[i] == day && b->span_kinds[i] == kind) ||
	    strmap_get(b->day_index, key, sizeof key, &i)) {
		b->last_span = i;
		store_span *sp = &b->spans[i];
		if (seq < sp->first_seq)
			sp->first_seq = seq;
		if (seq > sp->last_seq)
			sp->last_seq = seq;
		sp->events++;
		return 0;
	}
	if (b->nspans == b->capspans) {
		size_t nc = b->capspans ? b->capspans * 2 : 256;
		store_span *ns = realloc(b->spans, nc * sizeof *ns);
		if (ns)
			b->spans = ns;
		uint32_t *nd = realloc(b->span_days, nc * sizeof *nd);
		if (nd)
			b->span_days = nd;
		uint8_t *nk = realloc(b->span_kinds, nc);
		if (nk)
			b->span_kinds = nk;
		if (!ns || !nd || !nk)
			return TIDE_ENOMEM;
		b->capspans = nc;
	}
	store_span sp = {seq, seq, 1};
	b->spans[b->nspans] = sp;
	b->span_days[b->nspans] = day;
	b->span_kinds[b->nspans] = (uint8_t)kind;
	if (strmap_put(b->day_index, key, sizeof key, (uint32_t)b->nspans))
		return TIDE_ENOMEM;
	b->last_span = b->nspans++;
	return 0;
}

int store_batch_add(store_batch *b, const tide_event *ev, bool *duplicate, tide_err *e)
{
	store_idcheck id = store_idcheck_unknown(ev);
	return store_batch_add_checked(b, ev, &id, duplicate, e);
}

int store_batch_add_checked(store_batch *b, const tide_event *ev, const store_idcheck *id,
			    bool *duplicate, tide_err *e)
{
	uint64_t seq = b->info.next_seq;
	if (seq > STORE_SEQ_MAX)
		return tide_errf(e, TIDE_EFULL, "the store holds %llu events, its limit",
				 (unsigned long long)STORE_SEQ_MAX);
	if (ev->ts < TIDE_TS_MIN || ev->ts > TIDE_TS_MAX ||
	    (ev->has_next_followup && (ev->next_followup < TIDE_TS_MIN || ev->next_followup > TIDE_TS_MAX)))
		return tide_errf(e, TIDE_EINPUT, "timestamp outside years 1..9999");
	int rc = check_duplicate(b, ev, id, seq, duplicate);
	if (rc || *duplicate)
		goto done;

	uint32_t customer;
	rc = intern(b, NAMES_CUSTOMERS, ev->customer, &customer);
	if (rc)
		goto done;

	uint8_t rec[REC_MAX];
	size_t len = 1;
	if (ev->kind == TIDE_ORDERS) {
		uint32_t sku;
		if ((rc = intern_str(b, ev->sku, &sku)))
			goto done;
		bool cents = ev->amount % CENT == 0 && (!ev->has_cost || ev->cost % CENT == 0);
		int64_t unit = cents ? CENT : 1;
		rec[0] = (uint8_t)((ev->has_cost ? FLAG_COST : 0) | (sku ? FLAG_SKU : 0) |
				   (cents ? FLAG_CENTS : 0));
		len += varint_put_zz(rec + len, ev->ts - TS_BASE);
		len += varint_put_zz(rec + len, ev->amount / unit);
		if (ev->has_cost)
			len += varint_put_zz(rec + len, ev->cost / unit);
		len += varint_put(rec + len, customer);
		if (sku)
			len += varint_put(rec + len, sku);
		len += varint_put_zz(rec + len, ev->qty);
	} else {
		uint32_t channel, reason;
		if ((rc = intern_str(b, ev->channel, &channel)) || (rc = intern_str(b, ev->reason, &reason)))
			goto done;
		rec[0] = (uint8_t)((ev->has_next_followup ? FLAG_FOLLOWUP : 0) | (reason ? FLAG_REASON : 0));
		len += varint_put_zz(rec + len, ev->ts - TS_BASE);
		if (ev->has_next_followup)
			len += varint_put_zz(rec + len, ev->next_followup - ev->ts);
		len += varint_put(rec + len, customer);
		len += varint_put(rec + len, channel);
		if (reason)
			len += varint_put(rec + len, reason);
		rec[len++] = (uint8_t)(ev->stage + 1);
	}
	rec[len++] = (uint8_t)ev->ntags;
	rec[len++] = (uint8_t)ev->id.n;
	memcpy(rec + len, ev->id.p, ev->id.n);
	len += ev->id.n;
	uint32_t tags[2 * TIDE_TAGS_MAX], roll[2 * TIDE_TAGS_MAX];
	int npairs;
	if ((rc = encode_tags(b, ev, rec + len, &len, tags, roll, &npairs)))
		goto done;

	bool order = ev->kind == TIDE_ORDERS;
	rc = add_record(b, ev->kind, seq, rec, len);
	if (rc == 0)
		rc = add_index(b, ev->kind, customer, ev->ts, seq);
	if (rc == 0)
		rc = note_span(b, ev->kind, ev->ts, seq);
	if (rc == 0 && order)
		rc = add_rollups(b, customer, roll, npairs, (uint32_t)seq, ev);
	if (rc == 0 && order)
		rc = add_head(b, seq, ev, customer, tags);
	if (rc)
		goto done;

	int kind = ev->kind;
	if (b->info.events[kind] == 0 || ev->ts < b->info.first_ts[kind])
		b->info.first_ts[kind] = ev->ts;
	if (b->info.events[kind] == 0 || ev->ts > b->info.last_ts[kind])
		b->info.last_ts[kind] = ev->ts;
	b->info.events[kind]++;
	b->info.next_seq++;
	watch_map(b);
done:
	return rc ? write_err(e, rc, "writing") : 0;
}

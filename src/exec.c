/* exec.c — one evaluation of a plan: scan the source up to T, fold each
 * event into its group, then finish every metric exactly as metrics.md
 * defines it. */
#include "exec.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bgnbd.h"
#include "bigmem.h"
#include "custindex.h"
#include "eval.h"
#include "grow.h"
#include "idset.h"
#include "metrics.h"
#include "money.h"
#include "strmap.h"
#include "timefmt.h"

double exec_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

typedef struct agg_state {
	int64_t count;
	bool has;
	value sum, min, max;
	value *list;
	size_t nlist, caplist;
	strmap *distinct;	/* count(DISTINCT) of values */
	idset *ids;		/* count(DISTINCT) of an interned column's ids */
} agg_state;

/* Sums of money that passed what an int64 of 1/10000 units holds: a metric
 * reading one is an error, never a wrapped number. */
enum { OVF_REVENUE = 1, OVF_MARGIN = 2, OVF_LTV = 4, OVF_PERIODS = 8 };

/* What folding an order into a group touches, in one cache line.  A scan
 * visits the groups at random, one per event, and a table of a million
 * customers stays in cache only if this part is small; everything else is
 * in group_more, a parallel array that only the queries needing it touch
 * (untouched pages of it are never even allocated by the kernel). */
typedef struct group {
	_Alignas(64) uint32_t customer;
	bool in_scope;
	bool h_has_order;	/* an order before T */
	uint8_t overflow;	/* OVF_* */
	/* orders in the window */
	int64_t w_revenue, w_margin;
	uint64_t w_orders, w_events;
	/* orders before T */
	int64_t h_first, h_last, h_margin;
} group;
_Static_assert(sizeof(group) == 64, "a group's hot part is one cache line");

typedef struct group_more {
	int64_t pstart;		/* start of the group's period, with a period key */
	metrics_day *days;
	size_t ndays, capdays;
	/* contacts; c_stage means something only when c_staged */
	uint64_t w_contacts;
	bool c_any, c_has_nf, c_staged;
	int64_t c_last_ts, c_nf, c_stage_ts;
	int c_stage;
	agg_state *aggs;	/* made on the group's first aggregate */
	strmap *custset;
	metrics_cust mc;	/* cross-customer ranks and model inputs */
} group_more;

/* Groups by index: the arrays are zeroed huge-page memory that grows in
 * place (bigmem), so a new group needs no initialising, and an index stays
 * valid as the table grows. */
typedef struct table {
	group *g;
	group_more *m;
	value *keys;		/* nkeys per group */
	int64_t *psum[PLAN_MAX_PERIOD_SETS];	/* period_counts[j] per group */
	uint8_t *pord[PLAN_MAX_PERIOD_SETS];
	size_t n, cap;
	bool owns_more;		/* some group_more holds allocations */
	strmap *index;		/* encoded key → group */
	uint32_t *by_cust;	/* customer id → group + 1 (customer tables) */
	size_t ncust;
	uint32_t *by_id;	/* interned id → group + 1 (one interned key) */
	size_t nid;
} table;

/* String bytes the run keeps (period labels, customer names), in chunks
 * that never move. */
typedef struct arena {
	char **chunks;
	size_t nchunks, used;
} arena;

enum { ARENA_CHUNK = 1 << 16 };

static char *arena_alloc(arena *a, size_t n)
{
	if (a->nchunks == 0 || a->used + n > ARENA_CHUNK) {
		char **nc = realloc(a->chunks, (a->nchunks + 1) * sizeof *nc);
		if (!nc)
			return NULL;
		a->chunks = nc;
		if (!(a->chunks[a->nchunks] = malloc(n > ARENA_CHUNK ? n : ARENA_CHUNK)))
			return NULL;
		a->nchunks++;
		a->used = 0;
	}
	char *p = a->chunks[a->nchunks - 1] + a->used;
	a->used += n;
	return p;
}

static void arena_free(arena *a)
{
	for (size_t i = 0; i < a->nchunks; i++)
		free(a->chunks[i]);
	free(a->chunks);
}

typedef struct run {
	plan *p;
	int64_t T, win_start;
	int64_t *bounds[PLAN_MAX_PERIOD_SETS];	/* n+1 period boundaries */
	table groups, custs;	/* custs: customer-level side table when needed */
	bool use_custs;
	bool aggregates;	/* the query has aggregates (count, sum, ...) */
	bool key_by_id;		/* the one key is an interned column */
	bool key_by_period;	/* the one key is a period */
	bool read_heads;	/* scans read o_cols (exec_reads_heads) */
	exec_tags read_tags;	/* and these tags of the orders in it */
	store_heads *heads;	/* a scan's reader of o_cols, when read_heads */
	bool lean_fold;		/* orders by customer into the hot line alone */
	bool names_late;	/* customers are named after HAVING and the LIMIT's cut */
	bool revenue_wrapped;	/* some customer in scope has OVF_REVENUE */
	int nameless_terms;	/* > 0: how many ORDER BY terms make that cut */
	value *slot_vals;	/* the output groups' slots, nslots each (bigmem) */
	size_t slot_bytes;
	/* churn_rate: (customer, period start) pairs with an order before T, and
	 * with an order in scope (inside the window) */
	strmap *cust_periods, *cust_periods_win;
	arena strings;
	strmap *label_index;	/* period start → labels[] */
	value *label_vals;
	size_t nlabels;
	int64_t ev_pstart;	/* period start of the event being folded */
	/* the last period an event fell in: most events fall in the same one */
	bool pc_valid;
	cal_unit pc_unit;
	int64_t pc_start, pc_next;
	value pc_label;
	/* with a period the only key: the group of that last period */
	bool pg_valid;
	size_t pg_group;
	/* where the data read from the store's map lie, since they were last
	 * let go (read_lo 0: none) */
	uintptr_t read_lo, read_hi;
	/* the last group a key led to: consecutive events often share it */
	uint8_t last_key[256];
	size_t last_key_len, last_group;
	bool last_valid;
	const exec_limits *lim;
	uint64_t scanned;
	tide_err *e;
	/* scope facts */
	metrics_scope scope;
	bgnbd_params bg;
	gg_params gg;
	int model_rc, gg_rc;
	char model_err[256];
} run;

static int nomem(run *r)
{
	return tide_errf(r->e, TIDE_ENOMEM, "out of memory");
}

static int check_time(run *r)
{
	if (r->lim && r->lim->deadline > 0 && (++r->scanned & 0xfff) == 0 &&
	    exec_now() > r->lim->deadline)
		return tide_errf(r->e, TIDE_ETIMEOUT, "query timed out");
	return 0;
}

/* ---- groups ----------------------------------------------------------- */

static value *keys_of(const run *r, const table *t, size_t i)
{
	return t->keys + i * (size_t)r->p->nkeys;
}

static int64_t *psum_of(const run *r, const table *t, int j, size_t i)
{
	return t->psum[j] + i * (size_t)r->p->period_counts[j];
}

static uint8_t *pord_of(const run *r, const table *t, int j, size_t i)
{
	return t->pord[j] + i * (size_t)r->p->period_counts[j];
}

static void table_free(const plan *p, table *t)
{
	for (size_t i = 0; t->owns_more && i < t->n; i++) {
		group_more *m = &t->m[i];
		free(m->days);
		if (m->aggs)
			for (int k = 0; k < p->nslots; k++) {
				free(m->aggs[k].list);
				strmap_free(m->aggs[k].distinct);
				idset_free(m->aggs[k].ids);
			}
		free(m->aggs);
		strmap_free(m->custset);
	}
	bigmem_free(t->g, t->cap * sizeof *t->g);
	bigmem_free(t->m, t->cap * sizeof *t->m);
	bigmem_free(t->keys, t->cap * (size_t)p->nkeys * sizeof *t->keys);
	for (int j = 0; j < p->nperiod_sets; j++) {
		size_t per = (size_t)p->period_counts[j];
		bigmem_free(t->psum[j], t->cap * per * sizeof *t->psum[j]);
		bigmem_free(t->pord[j], t->cap * per);
	}
	strmap_free(t->index);
	bigmem_free(t->by_cust, t->ncust * sizeof *t->by_cust);
	bigmem_free(t->by_id, t->nid * sizeof *t->by_id);
}

static void note_read(run *r, const void *data, size_t n)
{
	uintptr_t at = (uintptr_t)data;
	if (!r->read_lo || at < r->read_lo)
		r->read_lo = at;
	if (at + n > r->read_hi)
		r->read_hi = at + n;
}

static void note_block(void *arg, const void *data, size_t n)
{
	note_read(arg, data, n);
}

/* Hands back the pages of the map read since the last call (see
 * store_snap_unmap). */
static void let_go_read(run *r, store_snap *snap)
{
	store_snap_unmap(snap, r->read_lo, r->read_hi);
	r->read_lo = r->read_hi = 0;
}

/* Grows one array of `each` bytes per group from cap to ncap groups. */
static bool grow_array(void *pp, size_t each, size_t cap, size_t ncap)
{
	void **p = pp;
	if (each == 0)
		return true;
	void *np = bigmem_grow(*p, cap * each, ncap * each);
	if (!np)
		return false;
	*p = np;
	return true;
}

/* Makes room for `groups` groups and, in a customer-keyed table, customer
 * ids below `customers`.  Scans size a table once for the groups they can
 * make, instead of doubling as they come. */
static int table_reserve(run *r, table *t, size_t groups, size_t customers)
{
	const plan *p = r->p;
	if (groups > t->cap) {
		bool ok = grow_array(&t->g, sizeof *t->g, t->cap, groups) &&
			  grow_array(&t->m, sizeof *t->m, t->cap, groups) &&
			  grow_array(&t->keys, (size_t)p->nkeys * sizeof *t->keys, t->cap, groups);
		for (int j = 0; ok && j < p->nperiod_sets; j++) {
			size_t per = (size_t)p->period_counts[j];
			ok = grow_array(&t->psum[j], per * sizeof *t->psum[j], t->cap, groups) &&
			     grow_array(&t->pord[j], per, t->cap, groups);
		}
		if (!ok)
			return nomem(r);	/* the arrays that grew stay grown: cap is a lower bound */
		t->cap = groups;
	}
	if (customers > t->ncust) {
		if (!grow_array(&t->by_cust, sizeof *t->by_cust, t->ncust, customers))
			return nomem(r);
		t->ncust = customers;
	}
	return 0;
}

static int table_add(run *r, table *t, size_t *out)
{
	int rc;
	if (t->n == t->cap && (rc = table_reserve(r, t, t->cap ? t->cap * 2 : 256, 0)))
		return rc;
	*out = t->n++;
	return 0;
}

/* customer_group for a customer with no group yet. */
static int customer_group_new(run *r, table *t, uint32_t customer, size_t *out)
{
	if (customer >= t->ncust) {
		size_t n = t->ncust ? t->ncust : 1024;
		while (n <= customer)
			n *= 2;
		int rc = table_reserve(r, t, 0, n);
		if (rc)
			return rc;
	}
	int rc = table_add(r, t, out);
	if (rc)
		return rc;
	t->g[*out].customer = customer;
	t->by_cust[customer] = (uint32_t)t->n;
	return 0;
}

/* The group of customer id in a customer-keyed table (key 0 = customer). */
static inline int customer_group(run *r, table *t, uint32_t customer, size_t *out)
{
	if (customer < t->ncust && t->by_cust[customer]) {
		*out = t->by_cust[customer] - 1;
		return 0;
	}
	return customer_group_new(r, t, customer, out);
}

/* Customers are named (their group's key and, when ranks need it, their
 * tie-breaker; copies the run owns) in id order through one cursor.  Ids
 * are dense, so a near next id is reached by stepping (a few entries on the
 * same page) rather than by a search from the root. */
enum { NAME_STEP_MAX = 16 };

/* Names are copied out of the map, and every this many the pages they were
 * read from are let go: each page touched maps its neighbours too (the
 * kernel's fault-around), so naming a million customers would otherwise
 * keep most of the store file resident. */
enum { NAME_UNMAP_EVERY = 1 << 16 };

/* Names customers one after another in rising id order, through one
 * cursor. */
typedef struct namer {
	run *r;
	table *t;
	MDB_cursor *cur;
	bool positioned, tie_breakers;
	uint32_t at;		/* the cursor's id when positioned */
	size_t named;
} namer;

/* Names group gi, whose customer is id: 0, TIDE_ENOMEM or LMDB's code. */
static int name_group(namer *nm, uint32_t id, size_t gi)
{
	MDB_val val;
	int rc = 0;
	if (nm->positioned && id > nm->at && id - nm->at <= NAME_STEP_MAX) {
		uint32_t got = nm->at;
		while (rc == 0 && got < id) {
			MDB_val kk;
			if ((rc = mdb_cursor_get(nm->cur, &kk, &val, MDB_NEXT)) == 0)
				memcpy(&got, kk.mv_data, sizeof got);
		}
		if (rc == 0 && got != id)
			rc = MDB_NOTFOUND;
	} else {
		MDB_val k = {sizeof id, &id};
		rc = mdb_cursor_get(nm->cur, &k, &val, MDB_SET_KEY);
	}
	if (rc)
		return rc;
	nm->positioned = true;
	nm->at = id;
	run *r = nm->r;
	char *name = arena_alloc(&r->strings, val.mv_size);
	if (!name)
		return TIDE_ENOMEM;
	memcpy(name, val.mv_data, val.mv_size);
	if (nm->tie_breakers) {
		nm->t->m[gi].mc.id = name;
		nm->t->m[gi].mc.id_len = (uint32_t)val.mv_size;
	}
	keys_of(r, nm->t, gi)[0] = val_str(name, (uint32_t)val.mv_size);
	note_read(r, val.mv_data, val.mv_size);
	if (++nm->named % NAME_UNMAP_EVERY == 0)
		let_go_read(r, r->p->snap);
	return 0;
}

/* The groups in scope by id through a bitmap of the ids, filled by one pass
 * over the groups in table order: visiting the groups in id order instead
 * would miss the cache on every one. */
static int name_by_bitmap(namer *nm, const size_t *only, size_t nonly)
{
	table *t = nm->t;
	uint64_t *in_scope = calloc(t->ncust / 64 + 1, sizeof *in_scope);
	if (!in_scope)
		return TIDE_ENOMEM;
	for (size_t i = 0; i < (only ? nonly : t->n); i++) {
		const group *g = &t->g[only ? only[i] : i];
		if (g->in_scope)
			in_scope[g->customer / 64] |= UINT64_C(1) << (g->customer % 64);
	}
	int rc = 0;
	for (size_t w = 0; rc == 0 && w <= t->ncust / 64; w++)
		for (uint64_t bits = in_scope[w]; rc == 0 && bits; bits &= bits - 1) {
			uint32_t id = (uint32_t)(w * 64 + (size_t)__builtin_ctzll(bits));
			rc = name_group(nm, id, t->by_cust[id] - 1);
		}
	free(in_scope);
	return rc;
}

static int by_id_then_group(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
	return (a > b) - (a < b);
}

/* The groups in scope by id, sorted: for a table made without the id map
 * (a few groups, from the week's leaders), whose size would be the
 * store's customers. */
static int name_by_sorting(namer *nm, const size_t *only, size_t nonly)
{
	table *t = nm->t;
	size_t n = only ? nonly : t->n, m = 0;
	uint64_t *ids = malloc((n ? n : 1) * sizeof *ids);
	if (!ids)
		return TIDE_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		size_t gi = only ? only[i] : i;
		if (t->g[gi].in_scope)
			ids[m++] = (uint64_t)t->g[gi].customer << 32 | gi;
	}
	qsort(ids, m, sizeof *ids, by_id_then_group);
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < m; i++)
		rc = name_group(nm, (uint32_t)(ids[i] >> 32), (uint32_t)ids[i]);
	free(ids);
	return rc;
}

/* Names the customer groups in scope, or those of them listed in only[]. */
static int name_customers(run *r, table *t, const size_t *only, size_t nonly, bool tie_breakers)
{
	store *s = store_of_snap(r->p->snap);
	namer nm = {.r = r, .t = t, .tie_breakers = tie_breakers};
	int rc = mdb_cursor_open(store_snap_txn(r->p->snap), store_dbi_of(s, DB_CUST_ID), &nm.cur);
	if (rc == 0)
		rc = t->by_cust ? name_by_bitmap(&nm, only, nonly) : name_by_sorting(&nm, only, nonly);
	let_go_read(r, r->p->snap);
	if (nm.cur)
		mdb_cursor_close(nm.cur);
	if (rc == TIDE_ENOMEM)
		return nomem(r);
	return rc ? tide_errf(r->e, rc, "reading customer names: %s", mdb_strerror(rc)) : 0;
}

/* Serialises a key value for the group index. */
static size_t key_bytes(value v, uint8_t *buf, size_t cap)
{
	size_t n = 0;
	buf[n++] = (uint8_t)v.type;
	switch (v.type) {
	case VAL_NULL: break;
	case VAL_STR: {
		uint32_t len = v.s.n;
		if (n + 4 + len > cap)
			len = (uint32_t)(cap - n - 4);
		memcpy(buf + n, &len, 4);
		memcpy(buf + n + 4, v.s.p, len);
		n += 4 + len;
		break;
	}
	case VAL_MONEY:
		memcpy(buf + n, &v.m.num, 8);
		memcpy(buf + n + 8, &v.m.den, 8);
		n += 16;
		break;
	case VAL_REAL:
		memcpy(buf + n, &v.r, 8);
		n += 8;
		break;
	default:
		memcpy(buf + n, &v.i, 8);
		n += 8;
		break;
	}
	return n;
}

static void remember_group(run *r, const uint8_t *bytes, size_t n, size_t i)
{
	r->last_valid = n <= sizeof r->last_key;
	if (!r->last_valid)
		return;
	memcpy(r->last_key, bytes, n);
	r->last_key_len = n;
	r->last_group = i;
}

/* Finds or creates the group for key values kv. */
static int keyed_group(run *r, const value *kv, size_t *out)
{
	plan *p = r->p;
	table *t = &r->groups;
	uint8_t buf[4096];
	size_t n = 0;
	for (int i = 0; i < p->nkeys; i++)
		n += key_bytes(kv[i], buf + n, sizeof buf - n - 32 * (size_t)(p->nkeys - i));
	if (r->last_valid && n == r->last_key_len && memcmp(buf, r->last_key, n) == 0) {
		*out = r->last_group;
		return 0;
	}
	if (!t->index && !(t->index = strmap_new()))
		return nomem(r);
	uint32_t idx;
	if (strmap_get(t->index, buf, n, &idx)) {
		*out = idx;
		remember_group(r, buf, n, idx);
		return 0;
	}
	int rc = table_add(r, t, out);
	if (rc)
		return rc;
	if (strmap_put(t->index, buf, n, (uint32_t)*out))
		return nomem(r);
	if (p->nkeys)	/* without keys there is no key array */
		memcpy(keys_of(r, t, *out), kv, (size_t)p->nkeys * sizeof *kv);
	t->m[*out].pstart = r->ev_pstart;
	remember_group(r, buf, n, *out);
	return 0;
}

/* The group of an event keyed by one interned column, found by the value's
 * id through an array instead of by hashing its text (ids and texts
 * correspond one to one; id 0 is the missing value, the null key). */
static int id_group(run *r, const eval_ctx *c, uint32_t id, size_t *out)
{
	table *t = &r->groups;
	if (id < t->nid && t->by_id[id]) {
		*out = t->by_id[id] - 1;
		return 0;
	}
	if (id >= t->nid) {
		size_t n = t->nid ? 2 * t->nid : 64;
		while (n <= id)
			n *= 2;
		if (!grow_array(&t->by_id, sizeof *t->by_id, t->nid, n))
			return nomem(r);
		t->nid = n;
	}
	value kv;
	int rc = eval_interned_value(c, r->p->keys[0].col, id, &kv, r->e);
	if (rc == 0 && (rc = keyed_group(r, &kv, out)) == 0)
		t->by_id[id] = (uint32_t)*out + 1;
	return rc;
}

/* Label of a period, made once per distinct (unit, start) of the run. */
static int period_label(run *r, int64_t start, cal_unit u, value *out)
{
	uint8_t k[9];
	k[0] = (uint8_t)u;
	memcpy(k + 1, &start, 8);
	uint32_t idx;
	if (!r->label_index && !(r->label_index = strmap_new()))
		return nomem(r);
	if (strmap_get(r->label_index, k, sizeof k, &idx)) {
		*out = r->label_vals[idx];
		return 0;
	}
	char *buf = arena_alloc(&r->strings, 16);
	value *nv = realloc(r->label_vals, (r->nlabels + 1) * sizeof *nv);
	if (!buf || !nv)
		return nomem(r);
	r->label_vals = nv;
	cal_period_label(start, u, r->p->tz, buf);
	*out = nv[r->nlabels] = val_str(buf, (uint32_t)strlen(buf));
	if (strmap_put(r->label_index, k, sizeof k, (uint32_t)r->nlabels++))
		return nomem(r);
	return 0;
}

/* Key values of an event; customer keys go through customer_group. */
static int event_keys(run *r, const eval_ctx *c, int64_t ts, value *kv)
{
	plan *p = r->p;
	for (int i = 0; i < p->nkeys; i++) {
		const key *k = &p->keys[i];
		int rc = 0;
		switch (k->kind) {
		case KEY_CUSTOMER:
			rc = eval_event_column(c, EV_CUSTOMER, 0, &kv[i], r->e);
			break;
		case KEY_PERIOD:
			if (!r->pc_valid || r->pc_unit != k->unit || ts < r->pc_start || ts >= r->pc_next) {
				r->pc_start = cal_period_start(ts, k->unit, p->tz);
				r->pc_next = cal_period_next(r->pc_start, k->unit, p->tz);
				r->pc_unit = k->unit;
				rc = period_label(r, r->pc_start, k->unit, &r->pc_label);
				r->pc_valid = rc == 0;
			}
			r->ev_pstart = r->pc_start;
			kv[i] = r->pc_label;
			break;
		case KEY_EVCOL:
			rc = eval_event_column(c, k->col, k->tag, &kv[i], r->e);
			break;
		case KEY_ROWCOL:
			kv[i] = c->row[k->rowcol];
			break;
		}
		if (rc)
			return rc;
	}
	return 0;
}

/* ---- folding events into groups -------------------------------------- */

static int agg_add(run *r, agg_state *a, const slot *s, value v)
{
	metric_fn fn = s->fn;
	if (fn == A_COUNT_STAR) {
		a->count++;
		return 0;
	}
	if (v.type == VAL_NULL)
		return 0;
	a->count++;
	switch (fn) {
	case A_COUNT:
		return 0;
	case A_COUNT_DISTINCT: {
		uint8_t buf[2048];
		size_t n = key_bytes(v, buf, sizeof buf);
		if (!a->distinct && !(a->distinct = strmap_new()))
			return nomem(r);
		return strmap_put(a->distinct, buf, n, 1) ? nomem(r) : 0;
	}
	case A_SUM:
	case A_AVG:
		if (!val_is_numeric(v))
			return eval_error_at(s->arg, r->p, tide_errf(r->e, TIDE_EQUERY, "%s() takes numbers, found %s",
								     fn == A_SUM ? "sum" : "avg", val_type_name(v.type)), r->e);
		if (!a->has) {
			a->sum = v;
			a->has = true;
			return 0;
		}
		return val_arith(OP_ADD, a->sum, v, &a->sum, r->e);
	case A_MIN:
	case A_MAX: {
		bool ok;
		if (!a->has) {
			a->min = a->max = v;
			a->has = true;
			return 0;
		}
		if (val_compare(v, a->min, &ok) < 0 && ok)
			a->min = v;
		if (val_compare(v, a->max, &ok) > 0 && ok)
			a->max = v;
		if (!ok)
			return eval_error_at(s->arg, r->p, tide_errf(r->e, TIDE_EQUERY, "%s() over values that do not compare",
								     fn == A_MIN ? "min" : "max"), r->e);
		return 0;
	}
	case A_MEDIAN:
		if (!val_is_numeric(v))
			return eval_error_at(s->arg, r->p, tide_errf(r->e, TIDE_EQUERY, "median() takes numbers, found %s",
								     val_type_name(v.type)), r->e);
		if (a->nlist == a->caplist) {
			value *nl = grow_reserve(a->list, &a->caplist, a->nlist + 1, sizeof *nl, 16);
			if (!nl)
				return nomem(r);
			a->list = nl;
		}
		a->list[a->nlist++] = v;
		return 0;
	default:
		return 0;
	}
}

/* count(DISTINCT x) of an interned column: ids and texts correspond one to
 * one, so it counts ids (an idset) and never reads the text. */
static bool counts_ids(const slot *s)
{
	return s->fn == A_COUNT_DISTINCT && s->arg->kind == BX_EVCOL && eval_column_interned(s->arg->col);
}

static int fold_aggregates(run *r, table *t, size_t gi, const eval_ctx *c)
{
	plan *p = r->p;
	group_more *m = &t->m[gi];
	if (!m->aggs) {
		if (!(m->aggs = calloc((size_t)p->nslots, sizeof *m->aggs)))
			return nomem(r);
		t->owns_more = true;
	}
	for (int i = 0; i < p->nslots; i++) {
		const slot *s = &p->slots[i];
		if (s->fn < A_COUNT_STAR)
			continue;
		value v = val_null();
		int rc = 0;
		if (counts_ids(s)) {
			uint32_t id = eval_event_id(c, s->arg->col, s->arg->idx);
			agg_state *a = &m->aggs[i];
			if (id && ((!a->ids && !(a->ids = idset_new())) || idset_add(a->ids, id)))
				return nomem(r);
			continue;
		}
		if (s->arg)
			rc = eval(s->arg, c, &v, r->e);
		if (rc == 0)
			rc = agg_add(r, &m->aggs[i], s, v);
		if (rc)
			return rc;
	}
	return 0;
}

static int push_day(run *r, table *t, group_more *m, int64_t ts, int64_t amount)
{
	t->owns_more = true;
	if (m->ndays == m->capdays) {
		metrics_day *nd = grow_reserve(m->days, &m->capdays, m->ndays + 1, sizeof *nd, 8);
		if (!nd)
			return nomem(r);
		m->days = nd;
	}
	m->days[m->ndays].day = tide_ts_day(ts);
	m->days[m->ndays].amount = amount;
	m->ndays++;
	return 0;
}

/* Index of the window period of set j holding ts (ts in the window). */
static int64_t period_index(const run *r, int j, int64_t ts)
{
	const int64_t *b = r->bounds[j];
	int64_t lo = 0, hi = r->p->period_counts[j];	/* b[lo] <= ts < b[hi] */
	while (hi - lo > 1) {
		int64_t mid = (lo + hi) / 2;
		if (b[mid] <= ts)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/* A group's first and last orders before T, with orders from first to last. */
static void note_orders_span(group *g, int64_t first, int64_t last)
{
	if (!g->h_has_order || first < g->h_first)
		g->h_first = first;
	if (!g->h_has_order || last > g->h_last)
		g->h_last = last;
	g->h_has_order = true;
}

/* What every order does to its group's hot line. */
static inline void fold_order_hot(group *g, const store_order *o, bool in_win)
{
	int64_t margin = o->amount - (o->has_cost ? o->cost : 0);
	if (o->amount >= 0)
		note_orders_span(g, o->ts, o->ts);
	money_add(&g->h_margin, margin, &g->overflow, OVF_LTV);
	if (!in_win)
		return;
	g->in_scope = true;
	g->w_events++;
	money_add(&g->w_revenue, o->amount, &g->overflow, OVF_REVENUE);
	money_add(&g->w_margin, margin, &g->overflow, OVF_MARGIN);
	if (o->amount >= 0)
		g->w_orders++;
}

static int fold_order(run *r, table *t, size_t gi, const store_order *o, bool in_win)
{
	plan *p = r->p;
	group *g = &t->g[gi];
	if (o->amount >= 0 && p->need_days) {
		int rc = push_day(r, t, &t->m[gi], o->ts, o->amount);
		if (rc)
			return rc;
	}
	fold_order_hot(g, o, in_win);
	if (!in_win)
		return 0;
	for (int j = 0; j < p->nperiod_sets; j++) {
		if (o->ts < r->bounds[j][0])
			continue;
		int64_t k = period_index(r, j, o->ts);
		money_add(&psum_of(r, t, j, gi)[k], o->amount, &g->overflow, OVF_PERIODS);
		if (o->amount >= 0)
			pord_of(r, t, j, gi)[k] = 1;
	}
	return 0;
}

/* The last contact and the last stage set: on equal timestamps the later
 * ingested wins, so a contact noted after another of its time replaces it. */
static void note_last_contact(group_more *m, int64_t ts, bool has_nf, int64_t nf)
{
	if (!m->c_any || ts >= m->c_last_ts) {
		m->c_any = true;
		m->c_last_ts = ts;
		m->c_has_nf = has_nf;
		m->c_nf = nf;
	}
}

static void note_stage(group_more *m, int64_t ts, int stage)
{
	if (!m->c_staged || ts >= m->c_stage_ts) {
		m->c_staged = true;
		m->c_stage_ts = ts;
		m->c_stage = stage;
	}
}

static void fold_contact(table *t, size_t gi, const store_contact *c, bool in_win)
{
	group *g = &t->g[gi];
	group_more *m = &t->m[gi];
	note_last_contact(m, c->ts, c->has_next_followup, c->next_followup);
	if (c->stage >= 0)
		note_stage(m, c->ts, c->stage);
	if (in_win) {
		g->in_scope = true;
		g->w_events++;
		m->w_contacts++;
	}
}

static int note_cust_period(run *r, uint32_t customer, int64_t ts, bool in_win)
{
	const key *k = NULL;
	for (int i = 0; i < r->p->nkeys; i++)
		if (r->p->keys[i].kind == KEY_PERIOD)
			k = &r->p->keys[i];
	int64_t start = cal_period_start(ts, k->unit, r->p->tz);
	uint8_t buf[12];
	memcpy(buf, &customer, 4);
	memcpy(buf + 4, &start, 8);
	if (strmap_put(r->cust_periods, buf, sizeof buf, 1) ||
	    (in_win && strmap_put(r->cust_periods_win, buf, sizeof buf, 1)))
		return nomem(r);
	return 0;
}

static bool customer_ordered_in(const strmap *set, uint32_t customer, int64_t start)
{
	uint8_t buf[12];
	uint32_t one;
	memcpy(buf, &customer, 4);
	memcpy(buf + 4, &start, 8);
	return strmap_get(set, buf, sizeof buf, &one);
}

static int emit(run *r, const eval_ctx *c, tide_result *out);

/* One event of the source, passing WHERE, with ts < T. */
static int fold_event(run *r, eval_ctx *c, int64_t ts, uint32_t customer, tide_result *out)
{
	plan *p = r->p;
	bool in_win = ts >= r->win_start;
	if (p->row_mode)
		return in_win ? emit(r, c, out) : 0;
	table *t = &r->groups;
	size_t gi = 0, ci = 0;
	int rc;
	if (p->by_customer) {
		rc = customer_group(r, t, customer, &gi);
	} else if (r->key_by_id) {
		rc = id_group(r, c, eval_event_id(c, p->keys[0].col, p->keys[0].tag), &gi);
	} else if (p->nkeys == 0 && t->n) {
		rc = 0;	/* the one group, made by the first event */
	} else if (r->pg_valid && ts >= r->pc_start && ts < r->pc_next) {
		gi = r->pg_group;
		rc = 0;
	} else {
		value kv[16];
		rc = event_keys(r, c, ts, kv);
		if (rc == 0)
			rc = keyed_group(r, kv, &gi);
		r->pg_valid = rc == 0 && r->key_by_period;
		r->pg_group = gi;
	}
	if (rc == 0 && r->use_custs)
		rc = customer_group(r, &r->custs, customer, &ci);
	if (rc)
		return rc;
	if (c->order) {
		rc = fold_order(r, t, gi, c->order, in_win);
		if (rc == 0 && r->use_custs)
			rc = fold_order(r, &r->custs, ci, c->order, in_win);
		if (rc == 0 && r->cust_periods && c->order->amount >= 0)
			rc = note_cust_period(r, customer, ts, in_win);
	} else {
		fold_contact(t, gi, c->contact, in_win);
		if (r->use_custs)
			fold_contact(&r->custs, ci, c->contact, in_win);
	}
	if (rc == 0 && in_win && p->need_customer_sets) {
		group_more *m = &t->m[gi];
		if (!m->custset) {
			if (!(m->custset = strmap_new()))
				return nomem(r);
			t->owns_more = true;
		}
		if (strmap_put(m->custset, &customer, sizeof customer, 1))
			return nomem(r);
	}
	if (rc == 0 && in_win && r->aggregates)
		rc = fold_aggregates(r, t, gi, c);
	return rc;
}

static int undecodable(run *r, uint64_t seq)
{
	return tide_errf(r->e, TIDE_ECORRUPT, "event %llu does not decode", (unsigned long long)seq);
}

static int64_t event_ts(const eval_ctx *c)
{
	return c->order ? c->order->ts : c->contact->ts;
}

/* Whether the decoded event in c is one the query sees: before T and
 * passing WHERE. */
static int event_seen(run *r, const eval_ctx *c, bool *seen)
{
	*seen = false;
	if (event_ts(c) >= r->T)
		return 0;
	int rc = check_time(r);
	if (rc)
		return rc;
	if (!r->p->where) {
		*seen = true;
		return 0;
	}
	return eval_cond(r->p->where, c, seen, r->e);
}

static uint32_t event_customer(const eval_ctx *c)
{
	return c->order ? c->order->customer : c->contact->customer;
}

static int fold_seen(run *r, eval_ctx *c, tide_result *out)
{
	return fold_event(r, c, event_ts(c), event_customer(c), out);
}

/* Decodes one log record into c's event and visits it. */
static int visit_event(run *r, eval_ctx *c, uint64_t seq, const MDB_val *v, tide_result *out)
{
	int rc = c->order ? store_decode_order(seq, v, (store_order *)c->order)
			  : store_decode_contact(seq, v, (store_contact *)c->contact);
	if (rc)
		return undecodable(r, seq);
	bool seen;
	if ((rc = event_seen(r, c, &seen)) || !seen)
		return rc;
	return fold_seen(r, c, out);
}

/* One customer's events, from the (customer, ts) index, up to T. */
static int scan_customer(run *r, eval_ctx *c, store_log *log, tide_result *out)
{
	plan *p = r->p;
	bool orders = p->source == SRC_ORDERS;
	uint32_t id;
	int rc = store_customer_find(p->snap, p->point_customer, strlen(p->point_customer), &id);
	if (rc <= 0)
		return rc < 0 ? tide_errf(r->e, rc, "reading customers: %s", tide_strerror(rc)) : 0;
	int64_t from = p->has_window && !p->need_history ? r->win_start : INT64_MIN;
	custindex_iter it;
	rc = store_index_walk(p->snap, orders ? TIDE_ORDERS : TIDE_CONTACTS, id, from, &it);
	if (rc) {
		store_index_walk_end(&it);
		return tide_errf(r->e, rc, "reading the customer index: %s", mdb_strerror(rc));
	}
	for (;;) {
		int64_t ts;
		uint64_t seq;
		int got = custindex_next(&it, &ts, &seq);
		if (got < 0) {
			rc = tide_errf(r->e, got, "reading the customer index: %s", tide_strerror(got));
			break;
		}
		rc = 0;
		if (got == 0 || ts >= r->T)
			break;	/* the index is in time order */
		MDB_val rec;
		bool found;
		if ((rc = store_log_get(log, seq, &rec, &found, r->e)))
			break;
		if (!found) {
			rc = tide_errf(r->e, TIDE_ECORRUPT, "event %llu is indexed but not in the log",
				       (unsigned long long)seq);
			break;
		}
		if ((rc = visit_event(r, c, seq, &rec, out)))
			break;
	}
	store_index_walk_end(&it);
	return rc;
}

/* A reader of the log of the query's source, in snap.  The blocks a scan
 * reads are noted, to be handed back as it goes; not a customer's run,
 * whose few blocks lie across the whole log: noted, they would have the
 * naming pass hand back the map from the first to the last. */
static int open_log(run *r, store_snap *snap, store_log **log)
{
	return store_log_open(snap, r->p->source == SRC_ORDERS ? TIDE_ORDERS : TIDE_CONTACTS,
			      r->p->point_customer ? NULL : note_block, r, log, r->e);
}

/* The log is read a batch of records at a time: the batch is decoded
 * first, then the customer groups its events fold into are prefetched in two
 * rounds (the id → group map, then the groups), so that the batch's cache
 * misses overlap where one event at a time would wait for each in turn. */
enum { SCAN_BATCH = 64 };

typedef struct scan_batch {
	size_t n, nseen;		/* records read; of them, events seen */
	uint32_t customer[SCAN_BATCH];	/* of the events seen, in order */
	uint8_t seen[SCAN_BATCH];	/* their places in order[] or contact[] */
	store_order order[SCAN_BATCH];
	store_contact contact[SCAN_BATCH];
	uint8_t tags[SCAN_BATCH * COLBLOCK_TAG_BYTES];	/* the orders' tags, read from o_cols */
} scan_batch;

/* prefetch_ids and prefetch_groups must be inlined: gcc 12's mod/ref
 * analysis takes a function whose only effect is __builtin_prefetch for one
 * without effects and deletes the calls, so the scan waited for every group
 * line in turn (top_customers at 10m: fold 21 -> ~9 ms a thread). */
static inline __attribute__((always_inline)) void prefetch_ids(const table *t, const scan_batch *b)
{
	if (!t->by_cust)
		return;
	for (size_t i = 0; i < b->nseen; i++)
		if (b->customer[i] < t->ncust)
			__builtin_prefetch(&t->by_cust[b->customer[i]]);
}

/* Reads the id → group entries prefetch_ids asked for, and asks for the
 * groups they name.  A customer with no group yet will take the next free
 * line: that line is asked for too, as a new line is cold (its page was
 * zeroed long before), and in the bench's 90-day scan one order in six
 * makes a group. */
static inline __attribute__((always_inline)) void prefetch_groups(const run *r, const table *t,
								 const scan_batch *b)
{
	if (!t->by_cust)
		return;
	size_t fresh = t->n;
	for (size_t i = 0; i < b->nseen; i++) {
		uint32_t g = b->customer[i] < t->ncust ? t->by_cust[b->customer[i]] : 0;
		if (!g) {
			if (fresh < t->cap)
				__builtin_prefetch(&t->g[fresh++], 1);
			continue;
		}
		__builtin_prefetch(&t->g[g - 1], 1);
		if (r->p->need_days)
			__builtin_prefetch(&t->m[g - 1], 1);
		for (int j = 0; j < r->p->nperiod_sets; j++)
			__builtin_prefetch(psum_of(r, t, j, g - 1), 1);
	}
}

/* Reads one batch from the log into b: records up to sequence number last.
 * Returns 0 (b->n == 0 at the end) or an error. */
static int read_batch(run *r, store_log *log, uint64_t last, bool orders, scan_batch *b)
{
	if (r->heads)
		return store_heads_read(r->heads, last, b->order, SCAN_BATCH, b->tags, &b->n, r->e);
	for (b->n = 0; b->n < SCAN_BATCH; b->n++) {
		uint64_t seq;
		MDB_val v;
		bool found;
		int rc = store_log_next(log, &seq, &v, &found, r->e);
		if (rc)
			return rc;
		if (!found || seq > last)
			break;
		if (orders ? store_decode_order(seq, &v, &b->order[b->n])
			   : store_decode_contact(seq, &v, &b->contact[b->n]))
			return undecodable(r, seq);
	}
	return 0;
}

static void point_at(eval_ctx *c, scan_batch *b, size_t i)
{
	if (c->order)
		c->order = &b->order[i];
	else
		c->contact = &b->contact[i];
}

/* Keeps the events of b the query sees, so that only their groups are
 * fetched. */
static int filter_batch(run *r, eval_ctx *c, scan_batch *b)
{
	b->nseen = 0;
	for (size_t i = 0; i < b->n; i++) {
		point_at(c, b, i);
		bool seen;
		int rc = event_seen(r, c, &seen);
		if (rc)
			return rc;
		if (seen) {
			b->seen[b->nseen] = (uint8_t)i;
			b->customer[b->nseen++] = event_customer(c);
		}
	}
	return 0;
}

/* Reads and filters the next batch into b, and starts loading the id →
 * group entries of its customers. */
static int next_batch(run *r, eval_ctx *c, store_log *log, uint64_t last, scan_batch *b)
{
	int rc = read_batch(r, log, last, c->order != NULL, b);
	if (rc == 0)
		rc = filter_batch(r, c, b);
	if (rc == 0) {
		prefetch_ids(&r->groups, b);
		if (r->use_custs)
			prefetch_ids(&r->custs, b);
	}
	return rc;
}

/* The batch's orders into their customers' groups, for a plan that keeps
 * nothing but each group's hot line (lean_fold): none of fold_event's cases
 * for other plans, and no call per event. */
static int fold_batch_lean(run *r, const scan_batch *b)
{
	table *t = &r->groups;
	for (size_t i = 0; i < b->nseen; i++) {
		const store_order *o = &b->order[b->seen[i]];
		size_t gi;
		int rc = customer_group(r, t, o->customer, &gi);
		if (rc)
			return rc;
		fold_order_hot(&t->g[gi], o, o->ts >= r->win_start);
	}
	return 0;
}

/* Every this many records (about 13 MB of log), and at its end, a scan lets
 * go of the pages it has mapped: its resident memory then grows with its
 * groups, not with the history it reads. */
enum { UNMAP_EVERY = 1 << 18 };

/* Visits the log's records from sequence number first to last, in a
 * pipeline of two batches: a batch's groups are asked for, then the next
 * batch is read (by then its id → group entries have arrived), then the
 * batch is folded (by then its groups have).  Each load a group needs is
 * waited for once per batch instead of once per event. */
static int scan_log(run *r, eval_ctx *c, store_log *log, uint64_t first, uint64_t last,
		    tide_result *out)
{
	scan_batch *b = malloc(2 * sizeof *b);
	if (!b)
		return nomem(r);
	scan_batch *now = &b[0], *ahead = &b[1];
	store_snap *snap = c->snap ? c->snap : r->p->snap;
	uint64_t mapped = 0;	/* records read since the map was last let go */
	int rc = 0;
	if (r->read_heads)
		rc = store_heads_open(snap, first, r->read_tags.name, r->read_tags.n, note_block, r, &r->heads,
				      r->e);
	else
		rc = store_log_seek(log, first, r->e);
	if (rc == 0)
		rc = next_batch(r, c, log, last, now);
	while (rc == 0 && now->n > 0) {
		if ((mapped += now->n) >= UNMAP_EVERY) {
			let_go_read(r, snap);
			mapped = 0;
		}
		prefetch_groups(r, &r->groups, now);
		if (r->use_custs)
			prefetch_groups(r, &r->custs, now);
		ahead->n = ahead->nseen = 0;
		if (now->n == SCAN_BATCH)
			rc = next_batch(r, c, log, last, ahead);
		if (rc == 0 && r->lean_fold)
			rc = fold_batch_lean(r, now);
		else
			for (size_t i = 0; rc == 0 && i < now->nseen; i++) {
				point_at(c, now, now->seen[i]);
				rc = fold_seen(r, c, out);
			}
		scan_batch *done = now;
		now = ahead;
		ahead = done;
	}
	store_heads_close(r->heads);
	r->heads = NULL;
	let_go_read(r, snap);
	free(b);
	return rc;
}

/* ---- the scan on two threads --------------------------------------- */

/* A long scan grouped by customer, by a period or not at all is split at
 * the sequence number the time index puts half its events before: a helper
 * thread folds the second half into a table of its own, through a snapshot
 * of its own, while this thread folds the first; then the helper's groups
 * are merged in.  Merging them in the
 * helper's order appends the groups first seen in the second half in the
 * order they were first seen, so the table ends as a single scan leaves it,
 * group for group.  Only the state a scan without aggregates or customer
 * sets keeps is merged; other plans scan on one thread. */
enum { PARALLEL_MIN_EVENTS = 1 << 17 };

/* TIDE_SPLIT_MIN_EVENTS (a count) lets tests split small scans too. */
static uint64_t parallel_min_events(void)
{
	const char *env = getenv("TIDE_SPLIT_MIN_EVENTS");
	return env && *env ? strtoull(env, NULL, 10) : PARALLEL_MIN_EVENTS;
}

typedef struct helper {
	run r;
	tide_err e;
	store_snap *snap;
	uint64_t first, last;
	int rc;
} helper;

/* Aggregates whose states two halves can add up to what one scan leaves:
 * counts, and distinct counts of interned ids (sets united).  Sums of reals
 * would round differently, and min/max of text could keep the helper's
 * strings. */
static bool aggregates_merge(const plan *p)
{
	for (int i = 0; i < p->nslots; i++) {
		const slot *s = &p->slots[i];
		if (s->fn >= A_COUNT_STAR && s->fn != A_COUNT_STAR && s->fn != A_COUNT && !counts_ids(s))
			return false;
	}
	return true;
}

static bool parallel_scan_fits(const run *r, uint64_t events)
{
	const plan *p = r->p;
	/* keys the merge can find again: a customer id, a period (its label made
	 * anew from the group's period start), an interned id, or none */
	bool keys = p->by_customer || p->nkeys == 0 || r->key_by_period || r->key_by_id;
	return events >= parallel_min_events() && keys && !p->point_customer && !p->row_mode &&
	       aggregates_merge(p) && !r->use_custs && !p->need_customer_sets && !r->cust_periods;
}

static void *helper_main(void *arg)
{
	helper *h = arg;
	bool orders = h->r.p->source == SRC_ORDERS;
	store_log *log;
	if ((h->rc = open_log(&h->r, h->snap, &log)))
		return NULL;
	store_order o;
	store_contact ct;
	eval_ctx c = {.p = h->r.p, .snap = h->snap, .asof = h->r.T};
	if (orders)
		c.order = &o;
	else
		c.contact = &ct;
	h->rc = scan_log(&h->r, &c, log, h->first, h->last, NULL);
	store_log_close(log);
	return NULL;
}

/* Appends from's order days (all later) to to's; false when out of memory. */
static bool merge_days(group_more *to, group_more *from)
{
	if (!from->ndays)
		return true;
	if (!to->ndays) {	/* the usual case: take the list */
		free(to->days);
		to->days = from->days;
		to->ndays = from->ndays;
		to->capdays = from->capdays;
		from->days = NULL;
		from->ndays = from->capdays = 0;
		return true;
	}
	metrics_day *nd = realloc(to->days, (to->ndays + from->ndays) * sizeof *nd);
	if (!nd)
		return false;
	memcpy(nd + to->ndays, from->days, from->ndays * sizeof *nd);
	to->days = nd;
	to->ndays += from->ndays;
	to->capdays = to->ndays;
	return true;
}

/* Adds the aggregate states of from (aggregates_merge's kinds) to to's,
 * taking what to lacks. */
static int merge_aggs(run *r, table *t, group_more *to, group_more *from)
{
	if (!from->aggs)
		return 0;
	t->owns_more = true;
	if (!to->aggs) {
		to->aggs = from->aggs;
		from->aggs = NULL;
		return 0;
	}
	for (int i = 0; i < r->p->nslots; i++) {
		agg_state *a = &to->aggs[i], *b = &from->aggs[i];
		a->count += b->count;
		if (!b->ids)
			continue;
		if (!a->ids) {
			a->ids = b->ids;
			b->ids = NULL;
		} else if (idset_merge(a->ids, b->ids)) {
			return nomem(r);
		}
	}
	return 0;
}

/* Folds group fi of table f (events after all of group ti's) into ti. */
static int merge_group(run *r, table *t, size_t ti, table *f, size_t fi)
{
	group *a = &t->g[ti];
	const group *b = &f->g[fi];
	a->in_scope |= b->in_scope;
	if (b->h_has_order)
		note_orders_span(a, b->h_first, b->h_last);
	a->overflow |= b->overflow;
	money_add(&a->h_margin, b->h_margin, &a->overflow, OVF_LTV);
	money_add(&a->w_revenue, b->w_revenue, &a->overflow, OVF_REVENUE);
	money_add(&a->w_margin, b->w_margin, &a->overflow, OVF_MARGIN);
	a->w_orders += b->w_orders;
	a->w_events += b->w_events;
	for (int j = 0; j < r->p->nperiod_sets; j++) {
		int64_t *ps = psum_of(r, t, j, ti);
		const int64_t *qs = psum_of(r, f, j, fi);
		uint8_t *po = pord_of(r, t, j, ti);
		const uint8_t *qo = pord_of(r, f, j, fi);
		for (int64_t k = 0; k < r->p->period_counts[j]; k++) {
			money_add(&ps[k], qs[k], &a->overflow, OVF_PERIODS);
			po[k] |= qo[k];
		}
	}
	group_more *am = &t->m[ti], *bm = &f->m[fi];
	if (f->owns_more) {	/* else nothing in its group_more was allocated */
		if (!merge_days(am, bm))
			return nomem(r);
		t->owns_more = true;
		int rc = merge_aggs(r, t, am, bm);
		if (rc)
			return rc;
	}
	if (r->p->source != SRC_CONTACTS)
		return 0;
	/* the helper's contacts were ingested later: they win ties */
	if (bm->c_any)
		note_last_contact(am, bm->c_last_ts, bm->c_has_nf, bm->c_nf);
	if (bm->c_staged)
		note_stage(am, bm->c_stage_ts, bm->c_stage);
	am->w_contacts += bm->w_contacts;
	return 0;
}

/* This run's group for the helper's group fi of a keyed table: its period
 * label (or interned value, read through this run's snapshot) is made again
 * here, as the helper's die with it.  ids: the helper's group → its key's
 * id, with an interned key. */
static int keyed_group_of(run *r, const table *f, size_t fi, const uint32_t *ids, size_t *out)
{
	if (r->key_by_id) {
		eval_ctx c = {.p = r->p};
		return id_group(r, &c, ids[fi], out);
	}
	value kv[1];
	r->ev_pstart = f->m[fi].pstart;
	if (r->p->nkeys == 1) {
		int rc = period_label(r, r->ev_pstart, r->p->keys[0].unit, &kv[0]);
		if (rc)
			return rc;
	}
	return keyed_group(r, kv, out);
}

/* The merge reads this run's groups at random.  It takes the helper's groups
 * a chunk at a time: first it finds (or makes) each one's group here and asks
 * for its line (lookups that do not depend on each other, so the core
 * overlaps them), then it merges the chunk, whose lines have arrived. */
enum { MERGE_CHUNK = 256 };

static int merge_helper(run *r, helper *h)
{
	table *f = &h->r.groups;
	size_t gi[MERGE_CHUNK];
	uint32_t *ids = NULL;
	if (r->key_by_id) {
		if (!(ids = malloc((f->n ? f->n : 1) * sizeof *ids)))
			return nomem(r);
		for (size_t id = 0; id < f->nid; id++)
			if (f->by_id[id])
				ids[f->by_id[id] - 1] = (uint32_t)id;
	}
	int rc = 0;
	for (size_t at = 0; rc == 0 && at < f->n; at += MERGE_CHUNK) {
		size_t n = f->n - at < MERGE_CHUNK ? f->n - at : MERGE_CHUNK;
		for (size_t i = 0; rc == 0 && i < n; i++) {
			rc = r->p->by_customer ? customer_group(r, &r->groups, f->g[at + i].customer, &gi[i])
					       : keyed_group_of(r, f, at + i, ids, &gi[i]);
			if (rc == 0)
				__builtin_prefetch(&r->groups.g[gi[i]], 1);
		}
		for (size_t i = 0; rc == 0 && i < n; i++)
			rc = merge_group(r, &r->groups, gi[i], f, at + i);
	}
	free(ids);
	return rc;
}

/* Scans [first, last] on two threads (see above), or on this one when a
 * second snapshot or thread cannot be had. */
static int scan_split(run *r, eval_ctx *c, store_log *log, uint64_t first, uint64_t mid,
		      uint64_t last, size_t groups, size_t customers)
{
	helper *h = calloc(1, sizeof *h);
	if (!h)
		return nomem(r);
	h->r = *r;	/* the plan, T, the window and period bounds are shared, read-only */
	h->r.groups = (table){0};
	h->r.strings = (arena){0};
	h->r.label_index = NULL;
	h->r.label_vals = NULL;
	h->r.nlabels = 0;
	h->r.pc_valid = h->r.pg_valid = h->r.last_valid = false;
	h->r.read_lo = h->r.read_hi = 0;
	h->r.e = &h->e;
	h->r.scanned = 0;
	h->first = mid + 1;
	h->last = last;
	/* Without room for the helper's groups, a second snapshot or a thread,
	 * this thread scans it all. */
	pthread_t thread;
	bool started = false;
	bool room = !r->p->by_customer || table_reserve(&h->r, &h->r.groups, groups, customers) == 0;
	if (room && store_snap_fork(r->p->snap, &h->snap) == 0) {
		started = pthread_create(&thread, NULL, helper_main, h) == 0;
		if (!started)
			store_snap_end(h->snap);
	}
	int rc = scan_log(r, c, log, first, started ? mid : last, NULL);
	if (started) {
		pthread_join(thread, NULL);
		store_snap_end(h->snap);
		if (rc == 0 && h->rc)
			rc = tide_errf(r->e, h->rc, "%s", h->e.msg);
		if (rc == 0)
			rc = merge_helper(r, h);
	}
	table_free(r->p, &h->r.groups);
	strmap_free(h->r.label_index);
	free(h->r.label_vals);
	arena_free(&h->r.strings);
	free(h);
	return rc;
}

/* ---- roll-ups ---------------------------------------------------------- */

/* The metrics a roll-up holds what they read: revenue, margin, counts, first
 * and last order. */
static bool rollup_metric(metric_fn fn)
{
	switch (fn) {
	case M_REVENUE: case M_ORDERS: case M_AVG_ORDER: case M_MARGIN: case M_FIRST_ORDER:
	case M_LAST_ORDER: case M_RECENCY: case M_TENURE: case M_CONTRIBUTION: case M_CHURNED:
	case M_RFM_R: case M_RFM_F: case M_RFM_M: case M_ABC: case M_LIFETIME_VALUE:
		return true;
	default:
		return false;
	}
}

bool exec_rollup_source(const plan *p, int64_t T, const store_info *info, uint32_t *tag,
			uint32_t *tag_value)
{
	/* TIDE_ROLLUPS=0 reads the log instead: the reference tests check both
	 * ways against the SQL definitions. */
	const char *env = getenv("TIDE_ROLLUPS");
	if ((env && strcmp(env, "0") == 0) || T <= info->last_ts[TIDE_ORDERS] || p->source != SRC_ORDERS ||
	    !p->by_customer || p->has_window || p->need_days || p->need_model || p->nperiod_sets ||
	    p->need_customer_sets)
		return false;
	for (int i = 0; i < p->nslots; i++)
		if (!rollup_metric(p->slots[i].fn))
			return false;
	const bx *w = p->where;
	*tag = *tag_value = 0;
	if (!w)
		return true;
	if (w->kind != BX_EVID || w->col != EV_TAG || w->negated || w->idx == 0 || w->c.i <= 0)
		return false;
	*tag = w->idx;
	*tag_value = (uint32_t)w->c.i;
	return true;
}

typedef struct rollup_rows {
	uint32_t *customer;
	rollup *r;
	size_t n, cap;
} rollup_rows;

static int keep_rollup(void *arg, uint32_t customer, const rollup *ru)
{
	rollup_rows *rows = arg;
	if (rows->n == rows->cap) {
		size_t ncap = rows->cap ? rows->cap * 2 : 1024;
		if (!grow_array(&rows->customer, sizeof *rows->customer, rows->cap, ncap) ||
		    !grow_array(&rows->r, sizeof *rows->r, rows->cap, ncap))
			return TIDE_ENOMEM;
		rows->cap = ncap;
	}
	rows->customer[rows->n] = customer;
	rows->r[rows->n++] = *ru;
	return 0;
}

/* Row indices in first_seq order: groups are made in the order a scan of the
 * log would meet them, which ties under ORDER BY keep.  An LSD radix sort of
 * (first_seq, index) on the 32 bits of first_seq, 11 a pass. */
static uint32_t *by_first_seq(const rollup_rows *rows)
{
	uint64_t *a = malloc((rows->n ? rows->n : 1) * sizeof *a);
	uint64_t *tmp = malloc((rows->n ? rows->n : 1) * sizeof *tmp);
	uint32_t *order = malloc((rows->n ? rows->n : 1) * sizeof *order);
	if (!a || !tmp || !order) {
		free(order);
		order = NULL;
		goto done;
	}
	for (size_t i = 0; i < rows->n; i++)
		a[i] = (uint64_t)rows->r[i].first_seq << 32 | i;
	for (int shift = 32; shift < 64; shift += 11) {
		size_t count[2049] = {0};
		for (size_t i = 0; i < rows->n; i++)
			count[(a[i] >> shift & 2047) + 1]++;
		for (int d = 1; d <= 2048; d++)
			count[d] += count[d - 1];
		for (size_t i = 0; i < rows->n; i++)
			tmp[count[a[i] >> shift & 2047]++] = a[i];
		uint64_t *t = a;
		a = tmp;
		tmp = t;
	}
	for (size_t i = 0; i < rows->n; i++)
		order[i] = (uint32_t)a[i];
done:
	free(a);
	free(tmp);
	return order;
}

/* The groups of a plan exec_rollup_source accepts, from the roll-ups: each
 * group as the scan would leave it, without reading an order.  *done =
 * false when the store keeps no roll-ups for the tag. */
static int read_rollups(run *r, uint32_t tag, uint32_t tag_value, bool *done)
{
	rollup_rows rows = {0};
	int rc = store_rollups(r->p->snap, tag, tag_value, keep_rollup, &rows, r->e);
	if (rc == TIDE_ENOMEM)
		rc = nomem(r);
	*done = rc == 1;
	uint32_t *order = NULL;
	if (rc == 1 && rows.n && !(order = by_first_seq(&rows)))
		rc = nomem(r);
	table *t = &r->groups;
	if (rc == 1 && rows.n && table_reserve(r, t, rows.n, 0))
		rc = TIDE_ENOMEM;
	for (size_t i = 0; rc == 1 && i < rows.n; i++) {
		const rollup *ru = &rows.r[order[i]];
		size_t gi;
		if ((rc = check_time(r)) || (rc = customer_group(r, t, rows.customer[order[i]], &gi)))
			break;
		group *g = &t->g[gi];
		g->in_scope = true;
		g->h_has_order = ru->orders > 0;
		g->h_first = ru->first_order;
		g->h_last = ru->last_order;
		g->w_events = ru->events;
		g->w_orders = ru->orders;
		g->w_revenue = ru->revenue;
		g->w_margin = g->h_margin = ru->margin;
		g->overflow = (ru->wrapped & ROLLUP_REVENUE_WRAPPED ? OVF_REVENUE : 0) |
			      (ru->wrapped & ROLLUP_MARGIN_WRAPPED ? OVF_MARGIN | OVF_LTV : 0);
		rc = 1;
	}
	free(order);
	bigmem_free(rows.customer, rows.cap * sizeof *rows.customer);
	bigmem_free(rows.r, rows.cap * sizeof *rows.r);
	return rc == 1 ? 0 : rc;
}

/* The metrics the week's leaders hold for the window: its revenue, margin
 * and counts. */
static bool leaders_metric(metric_fn fn)
{
	return fn == M_REVENUE || fn == M_ORDERS || fn == M_AVG_ORDER || fn == M_MARGIN;
}

static int leading_slot(const plan *p);

/* Whether some ORDER BY term is the customer, so that no two rows tie on
 * all of them: rows that tie come in the order the scan met their
 * customers, which hangs on where the scan starts (a whole day before the
 * window) and which the leaders do not keep. */
static bool order_settles_ties(const plan *p)
{
	for (int i = 0; i < p->norder; i++) {
		const bx *x = p->order[i];
		if (x->kind == BX_OUT)
			x = p->items[x->idx];
		if (x->kind == BX_KEY)
			return true;
	}
	return false;
}

bool exec_leaders_fit(const plan *p)
{
	const char *env = getenv("TIDE_ROLLUPS");
	if ((env && strcmp(env, "0") == 0) || p->source != SRC_ORDERS || !p->by_customer || !p->has_window ||
	    p->need_history || p->where || p->having || p->need_days || p->need_model || p->nperiod_sets ||
	    p->need_customer_sets || !p->has_limit || p->norder == 0 || !p->order_desc[0])
		return false;
	for (int i = 0; i < p->nslots; i++)
		if (!leaders_metric(p->slots[i].fn))
			return false;
	int s = leading_slot(p);
	return s >= 0 && p->slots[s].fn == M_REVENUE && order_settles_ties(p);
}

int exec_leaders(const plan *p, int64_t T, leaders *out, bool *usable, tide_err *e)
{
	*usable = false;
	if (!exec_leaders_fit(p))
		return 0;
	bool found;
	int rc = store_leaders(p->snap, out, &found, e);
	if (rc || !found)
		return rc;
	*usable = out->to == T && out->from == cal_add(T, p->window, -1, p->tz) &&
		  (out->complete || (p->limit >= 0 && (uint64_t)p->limit <= out->n));
	if (!*usable)
		leaders_free(out);
	return 0;
}

/* The groups of a plan the week's leaders answer (exec_leaders), from them:
 * each as the scan of the window would leave it, for the metrics they
 * hold.  Their order does not show: the plan's ORDER BY names the
 * customer, so no two rows tie. */
static int read_leaders(run *r, bool *done)
{
	leaders l;
	int rc = exec_leaders(r->p, r->T, &l, done, r->e);
	if (rc || !*done)
		return rc;
	table *t = &r->groups;
	if (l.n)
		rc = table_reserve(r, t, l.n, 0);
	for (size_t i = 0; rc == 0 && i < l.n; i++) {
		size_t gi;
		if ((rc = table_add(r, t, &gi)))
			break;
		group *g = &t->g[gi];
		g->customer = l.customer[i];
		g->in_scope = true;
		g->w_events = l.r[i].events;
		g->w_orders = l.r[i].orders;
		g->w_revenue = l.r[i].revenue;
		g->w_margin = l.r[i].margin;
		g->overflow = l.r[i].wrapped & ROLLUP_MARGIN_WRAPPED ? OVF_MARGIN : 0;
	}
	leaders_free(&l);
	return rc;
}

static int scan_events(run *r, tide_result *out)
{
	plan *p = r->p;
	bool orders = p->source == SRC_ORDERS;
	store_log *log;
	int rc = open_log(r, p->snap, &log);
	if (rc)
		return rc;
	eval_ctx c = {.p = p, .asof = r->T};
	store_order o;
	store_contact ct;
	if (orders)
		c.order = &o;
	else
		c.contact = &ct;
	if (p->point_customer) {
		rc = scan_customer(r, &c, log, out);
		store_log_close(log);
		return rc;
	}
	/* The slice of the log that holds the events the query can see: those
	 * before T, or only the window's when nothing looks further back. */
	store_info info;
	if ((rc = store_snap_info(p->snap, &info, r->e))) {
		store_log_close(log);
		return rc;
	}
	uint32_t tag, tag_value;
	bool done = false;
	if (exec_rollup_source(p, r->T, &info, &tag, &tag_value))
		rc = read_rollups(r, tag, tag_value, &done);
	if (rc == 0 && !done)
		rc = read_leaders(r, &done);
	if (rc || done) {
		store_log_close(log);
		return rc;
	}
	tide_kind kind = orders ? TIDE_ORDERS : TIDE_CONTACTS;
	bool window_only = p->has_window && !p->need_history;
	int64_t from = window_only ? r->win_start : info.first_ts[kind];
	store_span span;
	if ((rc = store_time_range(p->snap, kind, from, r->T, &span, r->e))) {
		store_log_close(log);
		return rc;
	}
	if (span.events == 0) {
		store_log_close(log);
		return 0;
	}
	uint64_t first = span.first_seq, last = span.last_seq;
	size_t groups = span.events < info.customers ? (size_t)span.events : (size_t)info.customers;
	if (p->by_customer && (rc = table_reserve(r, &r->groups, groups, (size_t)info.customers + 1))) {
		store_log_close(log);
		return rc;
	}
	uint64_t mid = last;
	if (parallel_scan_fits(r, span.events))
		rc = store_time_middle(p->snap, kind, from, r->T, &mid, r->e);
	if (rc == 0 && mid < last)
		rc = scan_split(r, &c, log, first, mid, last, groups, (size_t)info.customers + 1);
	else if (rc == 0)
		rc = scan_log(r, &c, log, first, last, out);
	store_log_close(log);
	return rc;
}

static int scan_rows(run *r, tide_result *out)
{
	plan *p = r->p;
	const tide_result *src = p->sub_result;
	eval_ctx c = {.p = p, .asof = r->T};
	for (size_t i = 0; i < src->nrows; i++) {
		c.row = result_row(src, i);
		int rc = check_time(r);
		if (rc)
			return rc;
		bool seen = true;
		if (p->where && (rc = eval_cond(p->where, &c, &seen, r->e)))
			return rc;
		if (!seen)
			continue;
		if (p->row_mode) {
			if ((rc = emit(r, &c, out)))
				return rc;
			continue;
		}
		value kv[16];
		size_t gi;
		if ((rc = event_keys(r, &c, 0, kv)) || (rc = keyed_group(r, kv, &gi)))
			return rc;
		r->groups.g[gi].in_scope = true;
		r->groups.g[gi].w_events++;
		if (r->aggregates && (rc = fold_aggregates(r, &r->groups, gi, &c)))
			return rc;
	}
	return 0;
}

/* ---- finishing -------------------------------------------------------- */

static value finish_aggregate(run *r, const slot *s, const agg_state *a)
{
	switch (s->fn) {
	case A_COUNT_STAR:
	case A_COUNT:
		return val_int(a->count);
	case A_COUNT_DISTINCT:
		if (a->ids)
			return val_int((int64_t)idset_count(a->ids));
		return val_int(a->distinct ? (int64_t)strmap_count(a->distinct) : 0);
	case A_SUM:
		return a->has ? a->sum : val_null();
	case A_AVG: {
		value out;
		if (!a->has || val_arith(OP_DIV, a->sum, val_int(a->count), &out, r->e))
			return val_null();
		return out;
	}
	case A_MIN:
		return a->has ? a->min : val_null();
	case A_MAX:
		return a->has ? a->max : val_null();
	case A_MEDIAN:
		return metrics_median_value(a->list, a->nlist);
	default:
		return val_null();
	}
}

/* The length of D looking ahead from T ("the next D"): a calendar month
 * ahead of Mar 31 is 30 days, behind it 31. */
static int64_t dur_ahead_seconds(const run *r, cal_dur d)
{
	return cal_add(r->T, d, 1, r->p->tz) - r->T;
}

/* The length of D looking back from T (churn thresholds). */
static int64_t dur_seconds(const run *r, cal_dur d)
{
	return r->T - cal_add(r->T, d, -1, r->p->tz);
}

static value model_value(run *r, const slot *s, const group_more *m)
{
	if (r->model_rc || !m->mc.model_ok)
		return val_null();
	const bgnbd_cust *mc = &m->mc.model;
	switch (s->fn) {
	case M_P_ALIVE:
		return val_real(bgnbd_p_alive(&r->bg, mc));
	case M_EXPECTED_ORDERS:
		return val_real(bgnbd_expected(&r->bg, mc, (double)dur_ahead_seconds(r, s->dur) / 86400.0 / 7.0));
	case M_EXPECTED_SPEND:
		return r->gg_rc ? val_null() : val_real(gg_expected_spend(&r->gg, mc));
	case M_CLV: {
		if (r->gg_rc)
			return val_null();
		int months = metrics_months(s->dur, dur_ahead_seconds(r, s->dur));
		return val_real(bgnbd_clv(&r->bg, &r->gg, mc, months, s->rate));
	}
	default:
		return val_null();
	}
}

static value scope_model_param(const run *r, const slot *s)
{
	if (s->fn == M_BGNBD) {
		if (r->model_rc)
			return val_null();
		const double v[] = {r->bg.r, r->bg.alpha, r->bg.a, r->bg.b, r->bg.ll};
		return val_real(v[s->name]);
	}
	if (r->model_rc || r->gg_rc)
		return val_null();
	const double v[] = {r->gg.p, r->gg.q, r->gg.gamma, r->gg.ll};
	return val_real(v[s->name]);
}

static value stage_value(const group_more *m)
{
	const char *name = eval_stage_names[m->c_staged ? m->c_stage : TIDE_STAGE_NEW];
	return val_str(name, (uint32_t)strlen(name));
}

static value conversion_value(run *r, const group_more *m)
{
	if (r->p->by_customer)
		return m->c_staged ? val_real(m->c_stage == TIDE_STAGE_WON ? 1.0 : 0.0) : val_null();
	uint64_t staged = 0, won = 0;
	for (size_t i = 0; i < r->custs.n; i++) {
		const group_more *cm = &r->custs.m[i];
		uint32_t one;
		if (!cm->c_staged || !m->custset ||
		    !strmap_get(m->custset, &r->custs.g[i].customer, 4, &one))
			continue;
		staged++;
		won += cm->c_stage == TIDE_STAGE_WON;
	}
	return staged ? val_real((double)won / (double)staged) : val_null();
}

static value churn_rate_value(run *r, const slot *s, const group_more *m)
{
	const plan *p = r->p;
	/* Period p counts the orders in scope (a period the window cuts counts
	 * its part inside the window); p − 1 counts every order before T,
	 * inside the window or not: the rate belongs to p. */
	int64_t start = m->pstart;
	int64_t prev = cal_period_start(start - 1, s->dur.unit, p->tz);
	uint64_t before = 0, lost = 0;
	table *t = &r->custs;
	for (size_t i = 0; i < t->n; i++) {
		uint32_t c = t->g[i].customer;
		if (!customer_ordered_in(r->cust_periods, c, prev))
			continue;
		before++;
		lost += !customer_ordered_in(r->cust_periods_win, c, start);
	}
	return before ? val_real((double)lost / (double)before) : val_null();
}

static value slot_value(run *r, const slot *s, table *t, size_t gi)
{
	const group *g = &t->g[gi];
	const group_more *m = &t->m[gi];
	switch (s->fn) {
	case M_REVENUE: return val_money(g->w_revenue);
	case M_ORDERS: return val_int((int64_t)g->w_orders);
	case M_AVG_ORDER: {
		value out;
		if (!g->w_orders || val_arith(OP_DIV, val_money(g->w_revenue), val_int((int64_t)g->w_orders), &out, r->e))
			return val_null();
		return out;
	}
	case M_MARGIN: return val_money(g->w_margin);
	case M_FIRST_ORDER: return g->h_has_order ? val_ts(g->h_first) : val_null();
	case M_LAST_ORDER: return g->h_has_order ? val_ts(g->h_last) : val_null();
	case M_RECENCY: return g->h_has_order ? val_real((double)(r->T - g->h_last) / 86400.0) : val_null();
	case M_TENURE: return g->h_has_order ? val_real((double)(r->T - g->h_first) / 86400.0) : val_null();
	case M_CONTRIBUTION: return val_real(metrics_contribution(g->w_revenue, &r->scope));
	case M_ACTIVITY:
		return val_real(metrics_activity(pord_of(r, t, s->period_set, gi), s->nperiods));
	case M_STABILITY:
		return val_real(metrics_stability(psum_of(r, t, s->period_set, gi), s->nperiods));
	case M_MEDIAN_GAP: {
		double mg;
		return metrics_median_gap(m->days, m->ndays, &mg) ? val_real(mg) : val_null();
	}
	case M_CHURNED:
		return val_bool(g->h_has_order && g->h_last < cal_add(r->T, s->dur, -1, r->p->tz));
	case M_CHURNED_ADAPTIVE: {
		if (!g->h_has_order)
			return val_bool(false);
		double recency = (double)(r->T - g->h_last) / 86400.0;
		double limit = (double)dur_seconds(r, s->dur) / 86400.0, mg;
		if (metrics_median_gap(m->days, m->ndays, &mg) && s->k * mg > limit)
			limit = s->k * mg;
		return val_bool(recency > limit);
	}
	case M_RFM_R: return val_int(m->mc.rfm[0]);
	case M_RFM_F: return val_int(m->mc.rfm[1]);
	case M_RFM_M: return val_int(m->mc.rfm[2]);
	case M_CLASS: {
		const char *cls = metrics_class(g->w_revenue, psum_of(r, t, s->period_set, gi), s->nperiods,
						s->th_given, s->th[0], s->th[1], &r->scope);
		return val_str(cls, (uint32_t)strlen(cls));
	}
	case M_ABC: {
		const char *cls = metrics_abc(&m->mc, s->th, &r->scope);
		return val_str(cls, 1);
	}
	case M_LIFETIME_VALUE: return val_money(g->h_margin);
	case M_STAGE: return stage_value(m);
	case M_CONTACTS: return val_int((int64_t)m->w_contacts);
	case M_LAST_CONTACT: return m->c_any ? val_ts(m->c_last_ts) : val_null();
	case M_NEXT_FOLLOWUP: return m->c_any && m->c_has_nf ? val_ts(m->c_nf) : val_null();
	case M_FOLLOWUP_OVERDUE: return val_bool(m->c_any && m->c_has_nf && m->c_nf < r->T);
	case M_CONVERSION: return conversion_value(r, m);
	case M_P_ALIVE: case M_EXPECTED_ORDERS: case M_EXPECTED_SPEND: case M_CLV:
		return model_value(r, s, m);
	case M_BGNBD: case M_GG: return scope_model_param(r, s);
	case M_CHURN_RATE: return churn_rate_value(r, s, m);
	default: return val_null();
	}
}

static bool uses_key(const plan *p, const bx *x)
{
	if (!x)
		return false;
	if (x->kind == BX_KEY || (x->kind == BX_OUT && uses_key(p, p->items[x->idx])))
		return true;
	for (int i = 0; i < x->nargs; i++)
		if (uses_key(p, x->args[i]))
			return true;
	return false;
}

/* Which ranks (metrics_rank) the plan's metrics read. */
static int needs_ranks(const plan *p)
{
	int which = 0;
	for (int i = 0; i < p->nslots; i++) {
		metric_fn fn = p->slots[i].fn;
		if (fn == M_RFM_R || fn == M_RFM_F || fn == M_RFM_M)
			which |= METRICS_RANK_RFM;
		else if (fn == M_ABC)
			which |= METRICS_RANK_ABC;
	}
	return which;
}

/* Whether the customers can be named after HAVING (and the LIMIT's cut):
 * HAVING does not read the name, and no rank breaks its ties by it. */
static bool names_can_wait(const plan *p)
{
	return p->by_customer && !needs_ranks(p) && !uses_key(p, p->having);
}

/* Naming a customer reads its name from a B-tree page, and a top 20 of a
 * million customers needs 20 names.  When HAVING and the leading ORDER BY
 * terms do not read the name, those terms choose the candidates first: the
 * groups that tie with or beat the LIMIT-th best on them.  Ranks break
 * their ties by name, so with ranks every customer is named first. */
int exec_nameless_order_terms(const plan *p)
{
	if (!names_can_wait(p) || !p->has_limit || p->limit <= 0)
		return 0;
	int m = 0;
	while (m < p->norder && !uses_key(p, p->order[m]))
		m++;
	return m;
}

/* HAVING that does not read the name likewise picks the groups to name
 * (a contribution series keeps a few dozen of its 400,000 customers).
 * Without ORDER BY the rows come in name order, so all are named first. */
bool exec_names_after_having(const plan *p)
{
	return names_can_wait(p) && p->having && p->norder > 0;
}

/* The customers the scope-level computations run over. */
static table *customer_table(run *r)
{
	return r->p->by_customer ? &r->groups : &r->custs;
}

static int prepare_scope(run *r)
{
	plan *p = r->p;
	table *t = customer_table(r);
	int ranks = needs_ranks(p);
	r->nameless_terms = exec_nameless_order_terms(p);
	r->names_late = r->nameless_terms > 0 || exec_names_after_having(p);
	int rc = p->by_customer && !r->names_late ? name_customers(r, t, NULL, 0, ranks != 0) : 0;
	if (rc)
		return rc;
	size_t n = 0;
	for (size_t i = 0; i < t->n; i++)
		if (t->g[i].in_scope) {
			metrics_scope_add(&r->scope, t->g[i].w_revenue);
			r->revenue_wrapped |= (t->g[i].overflow & OVF_REVENUE) != 0;
			n++;
		}
	if (!ranks && !p->need_model)
		return 0;
	metrics_cust **in = malloc((n ? n : 1) * sizeof *in);
	if (!in)
		return nomem(r);
	n = 0;
	for (size_t i = 0; i < t->n; i++) {
		const group *g = &t->g[i];
		metrics_cust *mc = &t->m[i].mc;
		if (!g->in_scope)
			continue;
		mc->revenue = g->w_revenue;
		mc->orders = g->w_orders;
		mc->has_order = g->h_has_order;
		mc->last_order = g->h_last;
		in[n++] = mc;
	}
	rc = ranks ? metrics_rank(in, n, ranks) : 0;
	if (rc == 0 && p->need_model) {
		int64_t last_day = tide_ts_day(r->T - 1);
		for (size_t i = 0; i < t->n; i++)
			if (t->g[i].in_scope)
				metrics_model_input(&t->m[i].mc, t->m[i].days, t->m[i].ndays, last_day);
		tide_err me;
		tide_err_clear(&me);
		r->model_rc = metrics_fit(in, n, &r->bg, &r->gg, &r->gg_rc, &me);
	}
	free(in);
	return rc ? nomem(r) : 0;
}

/* A group's output row: its columns (those marked in `only`, when given;
 * the others null), HAVING into *pass and, when it passes, the first
 * norder ORDER BY values. */
static int eval_row(run *r, const eval_ctx *c, value *row, const bool *only, int norder, bool *pass)
{
	plan *p = r->p;
	int off = p->has_step ? 1 : 0;
	eval_ctx ctx = *c;
	ctx.out = row + off;
	if (off)
		row[0] = val_ts(r->T);
	int rc = 0;
	for (int i = 0; rc == 0 && i < p->nitems; i++)
		if (only && !only[i])
			row[off + i] = val_null();
		else
			rc = eval(p->items[i], &ctx, &row[off + i], r->e);
	*pass = true;
	if (rc == 0 && p->having)
		rc = eval_cond(p->having, &ctx, pass, r->e);
	for (int i = 0; rc == 0 && *pass && i < norder; i++)
		rc = eval(p->order[i], &ctx, &row[off + p->nitems + i], r->e);
	return rc;
}

static size_t row_width(const plan *p)
{
	return (size_t)((p->has_step ? 1 : 0) + p->nitems + p->norder);
}

static int emit(run *r, const eval_ctx *c, tide_result *out)
{
	size_t width = row_width(r->p);
	value stack[64];
	value *row = width <= 64 ? stack : malloc(width * sizeof *row);
	if (!row)
		return nomem(r);
	bool pass;
	int rc = eval_row(r, c, row, NULL, r->p->norder, &pass);
	if (rc == 0 && pass)
		rc = result_append(out, row, r->e);
	if (row != stack)
		free(row);
	return rc;
}

/* qsort has no context argument: the run being sorted (per thread: a server
 * runs queries on several). */
static _Thread_local const run *sort_run;

static int group_sort_cmp(const void *x, const void *y)
{
	const run *r = sort_run;
	const value *a = keys_of(r, &r->groups, *(const size_t *)x);
	const value *b = keys_of(r, &r->groups, *(const size_t *)y);
	for (int i = 0; i < r->p->nkeys; i++) {
		bool ok;
		int c = val_compare(a[i], b[i], &ok);
		if (c)
			return c;
	}
	return 0;
}

/* Of the n rows in terms[] (m leading ORDER BY values each) whose keep[]
 * is set, leaves it set on those that tie with or beat the LIMIT-th best of
 * them: no other can be among the first LIMIT rows.  Rows equal on every
 * term stay in their order wherever they are kept. */
static int keep_within_limit(run *r, const value *terms, size_t n, size_t m, bool *keep)
{
	plan *p = r->p;
	result_order by = {0, (int)m, p->order_desc};
	char **names = calloc(m, sizeof *names);
	tide_result *best = NULL;
	int rc = names ? result_new(&best, (int)m, names, r->e) : nomem(r);
	if (rc == 0)
		rc = result_keep_first(best, &by, (size_t)p->limit, r->e);
	for (size_t i = 0; rc == 0 && i < n; i++)
		if (keep[i])
			rc = result_append(best, terms + i * m, r->e);
	size_t *idx = NULL, nbest;
	if (rc == 0 && best->nrows == (size_t)p->limit &&
	    (rc = result_order_rows(best, &by, SIZE_MAX, &idx, &nbest, r->e)) == 0) {
		const value *cut = result_row(best, idx[nbest - 1]);
		for (size_t i = 0; i < n; i++)
			keep[i] = keep[i] && result_compare(&by, terms + i * m, cut) <= 0;
	}
	free(idx);
	tide_result_free(best);
	free(names);
	return rc;
}

/* Of the n groups in order[] (their slots in r->slot_vals, `width` each),
 * keeps those that pass HAVING and, when the LIMIT cuts, make the cut on the
 * leading nameless ORDER BY terms (keep_within_limit): only the kept need a
 * name.  The kept stay in their order. */
static int keep_candidates(run *r, table *t, size_t *order, size_t *n, size_t width)
{
	plan *p = r->p;
	bool cuts = r->nameless_terms > 0 && (size_t)p->limit < *n;
	size_t m = cuts ? (size_t)r->nameless_terms : 0, cols = row_width(p), first = cols - (size_t)p->norder;
	value *row = malloc(cols * sizeof *row);
	size_t nterms = *n * m;
	value *terms = malloc((nterms ? nterms : 1) * sizeof *terms);
	bool *passed = malloc((*n ? *n : 1) * sizeof *passed);
	bool *nameless = malloc(((size_t)p->nitems + 1) * sizeof *nameless);
	int rc = row && terms && passed && nameless ? 0 : nomem(r);
	for (int i = 0; rc == 0 && i < p->nitems; i++)
		nameless[i] = !uses_key(p, p->items[i]);
	for (size_t i = 0; rc == 0 && i < *n; i++) {
		eval_ctx c = {.p = p, .asof = r->T, .keys = keys_of(r, t, order[i]), .slots = r->slot_vals + i * width};
		rc = eval_row(r, &c, row, nameless, (int)m, &passed[i]);
		if (rc == 0 && passed[i])
			memcpy(terms + i * m, row + first, m * sizeof *row);
	}
	if (rc == 0 && cuts)
		rc = keep_within_limit(r, terms, *n, m, passed);
	size_t kept = 0;
	for (size_t i = 0; rc == 0 && i < *n; i++) {
		if (!passed[i])
			continue;
		order[kept] = order[i];
		memmove(r->slot_vals + kept * width, r->slot_vals + i * width, width * sizeof *r->slot_vals);
		kept++;
	}
	if (rc == 0)
		*n = kept;
	free(nameless);
	free(passed);
	free(terms);
	free(row);
	return rc;
}

/* An error when metric s would read a sum of money that wrapped (in g, or
 * for a share or rank, anywhere in scope). */
static int check_money(run *r, const slot *s, const group *g)
{
	uint8_t reads = 0;
	bool wrapped = false;
	switch (s->fn) {
	case M_REVENUE: case M_AVG_ORDER: reads = OVF_REVENUE; break;
	case M_MARGIN: reads = OVF_MARGIN; break;
	case M_LIFETIME_VALUE: reads = OVF_LTV; break;
	case M_STABILITY: reads = OVF_PERIODS; break;
	case M_RFM_M: wrapped = r->revenue_wrapped; break;	/* a rank by revenue */
	case M_CLASS: reads = OVF_PERIODS; wrapped = r->revenue_wrapped || r->scope.overflow; break;
	case M_CONTRIBUTION: case M_ABC: wrapped = r->revenue_wrapped || r->scope.overflow; break;
	default: break;
	}
	if (!(g->overflow & reads) && !wrapped)
		return 0;
	return tide_errf(r->e, TIDE_EQUERY,
			 "numeric overflow in %s(): a sum of money passes 922337203685477.5807", s->text);
}

/* The slot the first ORDER BY term reads, directly or through an output
 * column, or -1. */
static int leading_slot(const plan *p)
{
	const bx *x = p->order[0];
	if (x->kind == BX_OUT)
		x = p->items[x->idx];
	return x->kind == BX_SLOT && p->slots[x->idx].fn < A_COUNT_STAR ? (int)x->idx : -1;
}

/* The metrics that are one integer of the group's hot line: that integer
 * (int_key) orders the groups as the metric's value does. */
static bool int_keyed(metric_fn fn)
{
	return fn == M_REVENUE || fn == M_MARGIN || fn == M_LIFETIME_VALUE || fn == M_ORDERS;
}

static int64_t int_key(metric_fn fn, const group *g)
{
	switch (fn) {
	case M_REVENUE: return g->w_revenue;
	case M_MARGIN: return g->w_margin;
	case M_LIFETIME_VALUE: return g->h_margin;
	default: return (int64_t)g->w_orders;	/* M_ORDERS */
	}
}

static bool int_ahead(bool desc, int64_t a, int64_t b)
{
	return desc ? a > b : a < b;
}

/* Restores the heap of the k best keys, the worst on top, below slot i. */
static void int_sift(int64_t *heap, size_t k, size_t i, bool desc)
{
	for (;;) {
		size_t l = 2 * i + 1, w = i;
		if (l < k && int_ahead(desc, heap[w], heap[l]))
			w = l;
		if (l + 1 < k && int_ahead(desc, heap[w], heap[l + 1]))
			w = l + 1;
		if (w == i)
			return;
		int64_t t = heap[i];
		heap[i] = heap[w];
		heap[w] = t;
		i = w;
	}
}

/* The cut below for an integer-keyed slot, in one pass over the groups: a
 * heap of the LIMIT best keys so far, and the groups that tie with or beat
 * the worst of them when they are read.  That worst only gets better, so
 * every group the final cut keeps is among those few; a pass over them keeps
 * the ones that tie with or beat the final LIMIT-th best.  No value is made
 * per group, and each group's line is read once: at 600,000 groups every
 * pass over them costs milliseconds.  The money checks run in the same pass,
 * group by group. */
static int cut_by_int_slot(run *r, table *t, size_t *order, size_t *n, metric_fn fn)
{
	plan *p = r->p;
	bool desc = p->order_desc[0];
	size_t k = (size_t)p->limit, filled = 0;	/* k < *n */
	size_t *cand = NULL, ncand = 0, capcand = 0;
	int64_t *heap = malloc((k ? k : 1) * sizeof *heap);
	int rc = heap ? 0 : nomem(r);
	for (size_t i = 0; rc == 0 && i < *n; i++) {
		const group *g = &t->g[order[i]];
		for (int j = 0; rc == 0 && j < p->nslots; j++)
			rc = check_money(r, &p->slots[j], g);
		if (rc || k == 0)
			continue;
		int64_t v = int_key(fn, g);
		if (filled < k) {
			heap[filled++] = v;
			if (filled == k)
				for (size_t j = k / 2; j-- > 0;)
					int_sift(heap, k, j, desc);
		} else if (int_ahead(desc, heap[0], v)) {
			continue;
		} else if (int_ahead(desc, v, heap[0])) {
			heap[0] = v;
			int_sift(heap, k, 0, desc);
		}
		size_t *more = grow_reserve(cand, &capcand, ncand + 1, sizeof *cand, 2 * k);
		if (!more) {
			rc = nomem(r);
			continue;
		}
		cand = more;
		cand[ncand++] = order[i];
	}
	size_t kept = 0;
	for (size_t j = 0; rc == 0 && j < ncand; j++)
		if (!int_ahead(desc, heap[0], int_key(fn, &t->g[cand[j]])))
			order[kept++] = cand[j];
	if (rc == 0)
		*n = kept;
	free(cand);
	free(heap);
	return rc;
}

/* When the first ORDER BY term is a metric, only the groups that tie with
 * or beat the LIMIT-th best on it can be output: this keeps those in
 * order[], in their order, from that one metric per group, before every
 * slot is computed and every row evaluated for keep_candidates (a 90-day
 * top 20 has 170,000 groups at 10M orders).  The money checks still run
 * for every group, in the same order, so a wrapped sum anywhere in scope is
 * the same error. */
static int cut_by_leading_slot(run *r, table *t, size_t *order, size_t *n)
{
	plan *p = r->p;
	int s = r->nameless_terms > 0 && !p->having && (size_t)p->limit < *n ? leading_slot(p) : -1;
	if (s < 0)
		return 0;
	if (int_keyed(p->slots[s].fn))
		return cut_by_int_slot(r, t, order, n, p->slots[s].fn);
	size_t vals_bytes = *n * sizeof(value);
	value *vals = bigmem_alloc(vals_bytes);
	bool *keep = malloc(*n * sizeof *keep);
	int rc = vals && keep ? 0 : nomem(r);
	for (size_t i = 0; rc == 0 && i < *n; i++) {
		for (int j = 0; rc == 0 && j < p->nslots; j++)
			rc = check_money(r, &p->slots[j], &t->g[order[i]]);
		vals[i] = slot_value(r, &p->slots[s], t, order[i]);
		keep[i] = true;
	}
	if (rc == 0)
		rc = keep_within_limit(r, vals, *n, 1, keep);
	size_t kept = 0;
	for (size_t i = 0; rc == 0 && i < *n; i++)
		if (keep[i])
			order[kept++] = order[i];
	if (rc == 0)
		*n = kept;
	free(keep);
	bigmem_free(vals, vals_bytes);
	return rc;
}

static int output_groups(run *r, tide_result *out)
{
	plan *p = r->p;
	table *t = &r->groups;
	/* Without GROUP BY the whole scope is one group, even when empty. */
	if (p->nkeys == 0 && t->n == 0) {
		size_t gi;
		int rc = table_add(r, t, &gi);
		if (rc)
			return rc;
		t->g[gi].in_scope = true;
	}
	size_t *order = malloc((t->n ? t->n : 1) * sizeof *order);
	if (!order)
		return nomem(r);
	size_t n = 0;
	for (size_t i = 0; i < t->n; i++)
		if (t->g[i].in_scope || p->nkeys == 0)
			order[n++] = i;
	/* Key order is the default; an ORDER BY re-sorts the rows anyway. */
	if (p->norder == 0) {
		sort_run = r;
		qsort(order, n, sizeof *order, group_sort_cmp);
	}
	int rc = cut_by_leading_slot(r, t, order, &n);
	size_t width = (size_t)(p->nslots ? p->nslots : 1);
	r->slot_bytes = (n ? n * width : 1) * sizeof *r->slot_vals;
	if (rc == 0 && !(r->slot_vals = bigmem_alloc(r->slot_bytes))) {
		free(order);
		return nomem(r);
	}
	static const agg_state no_events;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		size_t gi = order[i];
		/* group_more is read only when it holds something: untouched, its
		 * pages are never made */
		const agg_state *aggs = r->aggregates ? t->m[gi].aggs : NULL;
		value *slots = r->slot_vals + i * width;
		for (int k = 0; rc == 0 && k < p->nslots; k++)
			if (p->slots[k].fn >= A_COUNT_STAR)
				slots[k] = finish_aggregate(r, &p->slots[k], aggs ? &aggs[k] : &no_events);
			else if ((rc = check_money(r, &p->slots[k], &t->g[gi])) == 0)
				slots[k] = slot_value(r, &p->slots[k], t, gi);
	}
	if (rc == 0 && r->names_late) {
		if (p->having || (size_t)p->limit < n)
			rc = keep_candidates(r, t, order, &n, width);
		if (rc == 0)
			rc = name_customers(r, t, order, n, false);
	}
	for (size_t i = 0; rc == 0 && i < n; i++) {
		eval_ctx c = {.p = p, .asof = r->T, .keys = keys_of(r, t, order[i]), .slots = r->slot_vals + i * width};
		rc = emit(r, &c, out);
	}
	free(order);
	return rc;
}

static int setup_periods(run *r)
{
	plan *p = r->p;
	for (int j = 0; j < p->nperiod_sets; j++) {
		int64_t n = p->period_counts[j];
		if (!(r->bounds[j] = malloc((size_t)(n + 1) * sizeof(int64_t))))
			return nomem(r);
		for (int64_t k = 0; k <= n; k++)
			r->bounds[j][k] = cal_add(r->T, p->period_sets[j], -(n - k), p->tz);
	}
	return 0;
}

static bool has_aggregates(const plan *p)
{
	for (int i = 0; i < p->nslots; i++)
		if (p->slots[i].fn >= A_COUNT_STAR)
			return true;
	return false;
}

static bool keyed_by_period(const plan *p)
{
	return p->nkeys == 1 && p->keys[0].kind == KEY_PERIOD;
}

/* Whether o_cols holds an order's column col (of tag name tag, when a tag);
 * the tags read are added to tags, once each. */
static bool column_in_cols(ev_col col, uint32_t tag, exec_tags *tags)
{
	if (col != EV_TAG)
		return col == EV_TS || col == EV_CUSTOMER || col == EV_AMOUNT || col == EV_COST;
	if (tag == 0)	/* a tag the store has never seen: null for every order */
		return true;
	for (uint32_t k = 0; k < tags->n; k++)
		if (tags->name[k] == tag)
			return true;
	if (tags->n == COLBLOCK_TAGS)
		return false;
	tags->name[tags->n++] = tag;
	return true;
}

/* Whether an event expression reads only the fields o_cols holds. */
static bool reads_cols_only(const bx *x, exec_tags *tags)
{
	if (!x)
		return true;
	if (x->kind == BX_EVCOL || x->kind == BX_EVID)
		return column_in_cols(x->col, (uint32_t)x->idx, tags);
	for (int i = 0; i < x->nargs; i++)
		if (!reads_cols_only(x->args[i], tags))
			return false;
	return true;
}

bool exec_reads_heads(const plan *p, exec_tags *tags)
{
	/* only WHERE, keys and aggregate arguments read an order's fields; the
	 * metrics read the heads alone */
	tags->n = 0;
	if (p->source != SRC_ORDERS || p->row_mode || !reads_cols_only(p->where, tags))
		return false;
	for (int i = 0; i < p->nkeys; i++)
		if (p->keys[i].kind != KEY_CUSTOMER && p->keys[i].kind != KEY_PERIOD &&
		    !(p->keys[i].kind == KEY_EVCOL && column_in_cols(p->keys[i].col, p->keys[i].tag, tags)))
			return false;
	for (int i = 0; i < p->nslots; i++)
		if (p->slots[i].fn >= A_COUNT_STAR && !reads_cols_only(p->slots[i].arg, tags))
			return false;
	return true;
}

int exec_point(plan *p, int64_t asof, tide_result *out, const exec_limits *lim, tide_err *e)
{
	run r = {.p = p, .T = asof, .lim = lim, .e = e};
	r.win_start = p->has_window ? cal_add(asof, p->window, -1, p->tz) : INT64_MIN;
	bool churn_rate = false;
	for (int i = 0; i < p->nslots; i++)
		churn_rate |= p->slots[i].fn == M_CHURN_RATE;
	r.aggregates = has_aggregates(p);
	r.key_by_id = p->nkeys == 1 && p->keys[0].kind == KEY_EVCOL && eval_column_interned(p->keys[0].col);
	r.key_by_period = keyed_by_period(p);
	r.read_heads = exec_reads_heads(p, &r.read_tags);
	r.use_custs = !p->by_customer && p->source != SRC_QUERY &&
		      (p->need_model || p->need_customer_sets || churn_rate);
	r.lean_fold = p->by_customer && p->source == SRC_ORDERS && !p->row_mode && !r.use_custs &&
		      !churn_rate && !r.aggregates && !p->need_customer_sets && !p->need_days &&
		      p->nperiod_sets == 0;
	int rc = setup_periods(&r);
	if (rc == 0 && churn_rate &&
	    (!(r.cust_periods = strmap_new()) || !(r.cust_periods_win = strmap_new())))
		rc = nomem(&r);
	if (rc == 0)
		rc = p->source == SRC_QUERY ? scan_rows(&r, out) : scan_events(&r, out);
	if (rc == 0 && !p->row_mode) {
		if (p->source != SRC_QUERY)
			rc = prepare_scope(&r);
		if (rc == 0)
			rc = output_groups(&r, out);
	}
	table_free(p, &r.groups);
	table_free(p, &r.custs);
	bigmem_free(r.slot_vals, r.slot_bytes);
	strmap_free(r.cust_periods);
	strmap_free(r.cust_periods_win);
	strmap_free(r.label_index);
	free(r.label_vals);
	arena_free(&r.strings);
	for (int j = 0; j < PLAN_MAX_PERIOD_SETS; j++)
		free(r.bounds[j]);
	return rc;
}

int exec_default_asof(plan *p, int64_t *asof, tide_err *e)
{
	store_info info;
	int rc = store_snap_info(p->snap, &info, e);
	if (rc == 0)
		*asof = store_default_asof(info.events, info.last_ts);
	return rc;
}

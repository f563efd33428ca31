/* store.h — the LMDB environment: the append-only event logs, interned
 * strings, indexes and roll-ups, all written in one transaction per batch.
 *
 * Layout (docs/storage.md has the full story):
 *   orders, contacts   u64 seq of its first event → a block of event
 *                      records (logblock.h)       (MDB_INTEGERKEY, MDB_APPEND)
 *   ids, c_ids         hash(id) → u32 seq, per kind, in blocks of up to 340
 *                      keyed by their last hash (idblocks.h; dedupe)
 *   ids_x              kind+id bytes → u32 seq: the rare hash collisions
 *   ids_new, c_ids_new as ids, a batch's into a non-empty ids (merged later)
 *   cust / cust_id     customer name ↔ u32 (dense, from 1)
 *   str / str_id       any other string ↔ u32 (sku, tag names and values,
 *                      channel, reason)
 *   o_cust, c_cust     (customer, first entry) → a block of up to 224 of
 *                      the customer's (ts, seq) entries, sorted
 *                      (custindex.h): one customer's history is one range
 *   o_days, c_days     u32 UTC day → store_span: the sequence numbers that
 *                      hold that day's events (the time index)
 *   o_roll             u32 customer → rollup (rollup.h): all its orders
 *   o_roll_tag         (tag name, tag value, customer), big-endian u32s →
 *                      rollup of its orders with that tag value
 *   o_cols             u64 seq of its first order → a block of orders' head
 *                      fields and tags, column by column (colblock.h)
 *   meta               counters (see store_info); "leaders", the week's
 *                      leaders (leaders.h), kept by every commit
 *
 * Views: every pointer a read returns points into an LMDB page and is valid
 * only until its transaction ends. */
#ifndef TIDE_STORE_H
#define TIDE_STORE_H

#include <lmdb.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "colblock.h"
#include "custindex.h"
#include "event.h"
#include "leaders.h"
#include "rollup.h"

typedef struct store store;

typedef struct store_opts {
	bool read_only;
	uint64_t map_cap;	/* 0 = default (TIDE_MAP_CAP_DEFAULT) */
} store_opts;

#define TIDE_MAP_CAP_DEFAULT (UINT64_C(1) << 40)	/* 1 TiB of address space */

/* Opens (and, unless read_only, creates) the store in directory dir. */
int store_open(const char *dir, const store_opts *opts, store **out, tide_err *e);
void store_close(store *s);

/* The id of the last committed write transaction, by any process: it
 * changes whenever the store's content may have. */
uint64_t store_last_txn(store *s);

/* Counters kept in meta, exact as of the last commit. */
typedef struct store_info {
	uint64_t events[2];		/* per tide_kind */
	uint64_t customers;
	int64_t first_ts[2], last_ts[2];	/* valid when events[k] > 0 */
	uint64_t file_bytes;		/* bytes data.mdb occupies on disk */
} store_info;

/* The default T of a store holding events[k] events of each tide_kind, the
 * newest at last_ts[k]: one second after its newest event, 0 when empty. */
int64_t store_default_asof(const uint64_t events[2], const int64_t last_ts[2]);

/* ---- writing ---------------------------------------------------------- */

typedef struct store_batch store_batch;

/* Starts the one write transaction of a batch (blocks while another process
 * writes). */
int store_batch_begin(store *s, store_batch **out, tide_err *e);

/* A hint before the first add: the batch will bring about events of kind,
 * so its in-memory tables are made that large at once instead of growing. */
void store_batch_expect(store_batch *b, tide_kind kind, uint64_t events);

/* Appends ev unless an event of its kind with its id exists (then
 * *duplicate = true and nothing is written).  MDB_MAP_FULL means the batch
 * is dead: abort it, store_grow(), and replay the batch. */
int store_batch_add(store_batch *b, const tide_event *ev, bool *duplicate, tide_err *e);

/* The hash the dedupe check files ev's id under: a function of its kind and
 * id only, so a caller may compute it ahead, on another thread (a bulk load
 * has its parsing thread do it: hashing each id on the writer's thread,
 * twice, was 1.4% of a 100M load). */
uint64_t store_id_hash(const tide_event *ev);

/* An event's id hash and what the store's dedupe tables held for it when
 * the batch began: they change only at its commit, so the lookup can be
 * made ahead of the add, on another thread (store_idlookup).  Into a large
 * store each lookup is a walk down pages that miss the cache: 45% of the
 * writer's time in a 1M-order batch into 100M orders. */
enum { STORE_ID_UNKNOWN, STORE_ID_ABSENT, STORE_ID_FOUND };
typedef struct store_idcheck {
	uint64_t hash;		/* store_id_hash */
	uint32_t seq;		/* STORE_ID_FOUND: the event already filed under hash */
	uint8_t state;		/* STORE_ID_*; UNKNOWN: the add looks it up itself */
} store_idcheck;

/* ev's hash, the tables not read (the add reads them). */
store_idcheck store_idcheck_unknown(const tide_event *ev);

/* store_batch_add, with ev's id hash known and perhaps looked up. */
int store_batch_add_checked(store_batch *b, const tide_event *ev, const store_idcheck *id,
			    bool *duplicate, tide_err *e);

/* A reader of a batch's dedupe tables as they were when it began, to be
 * used by one thread at a time (any thread).  Ownership: the caller opens
 * it on the batch's thread after store_batch_begin and closes it there
 * before the batch commits or aborts. */
typedef struct store_idlookup store_idlookup;
int store_idlookup_open(store_batch *b, store_idlookup **out, tide_err *e);
/* Fills in *out for ev: its hash, and the tables' answer unless reading
 * them failed (then the add reads them again, and says why). */
void store_idlookup_check(store_idlookup *l, const tide_event *ev, store_idcheck *out);
/* NULL is a no-op. */
void store_idlookup_close(store_idlookup *l);

/* A hint a few events before adding ev, whose store_id_hash is id_hash: the
 * memory its add will look at first (its id's dedupe slot and filter block,
 * its customer's slot) is loaded meanwhile, instead of each add waiting for
 * it.  Changes nothing. */
void store_batch_prefetch(const store_batch *b, const tide_event *ev, uint64_t id_hash);

int store_batch_commit(store_batch *b, tide_err *e);
void store_batch_abort(store_batch *b);

/* Makes room for a batch of about `input` bytes before it starts, so it does
 * not fill the map and get replayed: the pages it adds (a few times its
 * input) plus a copy of every page in use, the most copy-on-write can take
 * (a small batch into a large store touches pages all over its indexes).
 * The map is address space: the file grows only as pages are written.
 * Capped at the store's cap; a no-op when TIDE_MAP_INITIAL fixed the
 * starting size (tests use it to make the map grow). */
int store_reserve(store *s, uint64_t input, tide_err *e);

/* Doubles the map (up to the cap).  TIDE_EFULL when already at the cap.
 * No transaction of this process may be open. */
int store_grow(store *s, tide_err *e);

/* ---- reading ---------------------------------------------------------- */

/* A read snapshot: all reads through it see one consistent state. */
typedef struct store_snap store_snap;

int store_snap_begin(store *s, store_snap **out, tide_err *e);
void store_snap_end(store_snap *r);
int store_snap_info(store_snap *r, store_info *out, tide_err *e);
MDB_txn *store_snap_txn(store_snap *r);

/* A second snapshot of the same store, for another thread to read while
 * this one's is open.  It sees the same events up to this one's last
 * sequence number (the log only grows), though perhaps more after them.
 * Fails rather than waits if the map has to be adopted anew: the caller
 * then reads on one thread. */
int store_snap_fork(store_snap *r, store_snap **out);

/* Decoded records.  Strings are interned ids; resolve them with
 * store_customer_name / store_string. */
typedef struct store_order {
	uint64_t seq;
	int64_t ts, amount, cost;
	bool has_cost;
	uint32_t customer, sku;	/* sku 0 = none */
	int32_t qty;
	tide_str id;		/* view into the page */
	uint32_t ntags, tags_len;
	const uint8_t *tags;	/* encoded pairs: read with store_tag_lookup */
} store_order;

typedef struct store_contact {
	uint64_t seq;
	int64_t ts, next_followup;
	bool has_next_followup;
	uint32_t customer, channel, reason;	/* reason 0 = none */
	int stage;		/* TIDE_STAGE_* */
	tide_str id;
	uint32_t ntags, tags_len;
	const uint8_t *tags;
} store_contact;

/* Called (when not NULL) with the bytes of each block a reader loads, which
 * stay valid as long as the snapshot (a scan notes them to hand their pages
 * back). */
typedef void (*store_note_fn)(void *arg, const void *data, size_t n);

/* A reader of the log of one kind, through snapshot r (which must outlive
 * it): records in sequence order, or one event's record by its sequence
 * number.  A record is a view into the snapshot. */
typedef struct store_log store_log;

int store_log_open(store_snap *r, tide_kind kind, store_note_fn note, void *arg, store_log **out,
		   tide_err *e);
/* Places the reader before the first record with sequence number from or
 * more. */
int store_log_seek(store_log *l, uint64_t from, tide_err *e);
/* The next record: *found false at the log's end. */
int store_log_next(store_log *l, uint64_t *seq, MDB_val *rec, bool *found, tide_err *e);
/* The record of event seq: *found false when the log has none.  Quickest
 * when asked in rising order, as it then reads on from the last. */
int store_log_get(store_log *l, uint64_t seq, MDB_val *rec, bool *found, tide_err *e);
void store_log_close(store_log *l);

/* Decode a log record; TIDE_ECORRUPT when it is not one. */
int store_decode_order(uint64_t seq, const MDB_val *v, store_order *o);
int store_decode_contact(uint64_t seq, const MDB_val *v, store_contact *c);
/* The orders' head fields (seq, ts, amount, cost, customer: all that
 * metrics read) and their tags in sequence order, read from o_cols a block
 * at a time: for scans that read no order's sku, qty or id, to which a
 * cursor step and a varint decode per order from the log cost more than the
 * rest. */
typedef struct store_heads store_heads;

/* A reader of the orders from sequence number first on, through snapshot r
 * (which must outlive it), with the tags named in tags (ntags of them, at
 * most COLBLOCK_TAGS; copied). */
int store_heads_open(store_snap *r, uint64_t first, const uint32_t *tags, uint32_t ntags,
		     store_note_fn note, void *arg, store_heads **out, tide_err *e);
/* Up to max orders with sequence numbers up to last into out, their sku,
 * qty and id left empty.  The tags asked for are written into tag_bytes
 * (room for max × COLBLOCK_TAG_BYTES, owned by the caller; NULL when none
 * were), which out's tags point into.  *n == 0 at the end. */
int store_heads_read(store_heads *h, uint64_t last, store_order *out, size_t max, uint8_t *tag_bytes,
		     size_t *n, tide_err *e);
void store_heads_close(store_heads *h);

/* Tag value id of tag name `name` in a record's tags, 0 when it lacks it. */
uint32_t store_tag_lookup(const uint8_t *tags, uint32_t tags_len, uint32_t name);

/* Database handles, for the query engine's cursors. */
typedef enum {
	DB_META, DB_ORDERS, DB_CONTACTS, DB_IDS, DB_C_IDS, DB_IDS_NEW, DB_C_IDS_NEW, DB_IDS_X,
	DB_CUST, DB_CUST_ID, DB_STR, DB_STR_ID, DB_O_CUST, DB_C_CUST, DB_O_CUST_NEW, DB_C_CUST_NEW,
	DB_O_DAYS, DB_C_DAYS, DB_O_ROLL, DB_O_ROLL_TAG, DB_O_ROLL_NEW, DB_O_ROLL_TAG_NEW, DB_O_COLS,
	DB_COUNT
} store_dbi;

MDB_dbi store_dbi_of(const store *s, store_dbi which);

/* Starts a walk of one customer's entries in a kind's customer index, with
 * ts >= from, in (ts, seq) order, through both of the index's tables (the
 * base and the recent one later batches write); custindex_next gives them.
 * store_index_walk_end closes its cursors, also after a failed start. */
int store_index_walk(store_snap *r, tide_kind kind, uint32_t customer, int64_t from, custindex_iter *it);
void store_index_walk_end(custindex_iter *it);
/* Gives back this process's mappings of the store's pages from address lo
 * up to hi (both within data a read of r returned): they stay in the
 * kernel's page cache, and a page read again is mapped again.  A long scan
 * calls it now and then, so that its resident memory is what it holds
 * (groups), not every page of the log it has read.  A hint: does nothing
 * for a store open for writing, whose batch releases the map itself. */
void store_snap_unmap(store_snap *r, uintptr_t lo, uintptr_t hi);
store *store_of_snap(const store_snap *r);

/* Interned strings.  *out is a view valid for the snapshot's lifetime. */
int store_customer_name(store_snap *r, uint32_t id, tide_str *out);
int store_string(store_snap *r, uint32_t id, tide_str *out);
/* Lookups by text: 1 found, 0 not, <0 error. */
int store_customer_find(store_snap *r, const char *p, size_t n, uint32_t *id);
int store_string_find(store_snap *r, const char *p, size_t n, uint32_t *id);

/* Sequence numbers fit 32 bits in the indexes: a store holds at most
 * 2^32 − 1 events. */
#define STORE_SEQ_MAX UINT32_MAX

/* The time index.  Events mostly arrive in time order, so one UTC day's
 * events sit in a short run of sequence numbers; a late event widens its
 * day's span (costing scan length, never correctness: readers still filter
 * on ts). */
typedef struct store_span {
	uint64_t first_seq, last_seq;	/* inclusive */
	uint64_t events;
} store_span;

/* The smallest sequence range holding every event of kind with ts in
 * [from, to).  out->events counts the events of the days touched (an
 * estimate for EXPLAIN: whole days).  No event: out->events == 0. */
int store_time_range(store_snap *r, tide_kind kind, int64_t from, int64_t to,
		     store_span *out, tide_err *e);

/* A sequence number that splits the events of kind with ts in [from, to)
 * into halves, as far as the time index can tell (a day's events are taken
 * as spread evenly over its span): orders and contacts share the sequence
 * numbers, so the middle of the range need not be the middle of the
 * events.  No event: *out = 0. */
int store_time_middle(store_snap *r, tide_kind kind, int64_t from, int64_t to, uint64_t *out,
		      tide_err *e);

/* The roll-ups of the orders (rollup.h), in customer order: with tag 0
 * every customer's, else those of the orders whose tag `tag` holds value
 * id `value`.  fn gets each; its non-zero return stops the walk and is
 * returned.  Returns 1 when done, 0 when the store keeps no roll-ups for
 * that tag (it has more than 65,536 values, or is not a tag of orders):
 * then only the log answers. */
typedef int (*store_rollup_fn)(void *arg, uint32_t customer, const rollup *r);
int store_rollups(store_snap *r, uint32_t tag, uint32_t value, store_rollup_fn fn, void *arg,
		  tide_err *e);

/* The week's leaders (leaders.h) as of the snapshot, into *out (the caller
 * frees them with leaders_free): *found false when the store keeps none
 * that describe it (made by a writer that kept none since). */
int store_leaders(store_snap *r, leaders *out, bool *found, tide_err *e);

/* Whether store_rollups would read roll-ups for tag (0: every order's). */
bool store_tag_rolled(store_snap *r, uint32_t tag);

/* Tag names seen per kind, in first-seen order (for export's header).
 * Writes up to max ids into names and returns how many there are. */
int store_tag_names(store_snap *r, tide_kind kind, uint32_t *names, int max, tide_err *e);

#endif

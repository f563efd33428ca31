/* Unit tests of store.c: append, dedupe, atomic abort, decode, indexes. */
#include <dirent.h>
#include <lmdb.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "custindex.h"
#include "idblocks.h"
#include "store.h"

static char dir[64];

static tide_str S(const char *s)
{
	tide_str t = {s, (uint32_t)strlen(s)};
	return t;
}

static tide_event order(const char *id, const char *cust, int64_t ts, int64_t amount)
{
	static tide_tag tags[1];
	tags[0].name = S("region");
	tags[0].value = S("north");
	tide_event ev = {.kind = TIDE_ORDERS, .id = S(id), .customer = S(cust), .ts = ts,
			 .amount = amount, .qty = 2, .sku = S("sku1"), .ntags = 1, .tags = tags,
			 .stage = TIDE_STAGE_NONE};
	return ev;
}

static store *open_fresh(void)
{
	snprintf(dir, sizeof dir, "/tmp/tide-store-XXXXXX");
	CHECK(mkdtemp(dir) != NULL);
	store *s = NULL;
	tide_err e;
	CHECK(store_open(dir, NULL, &s, &e) == 0);
	return s;
}

/* Whether the store's directory holds only LMDB's two files: a batch's
 * runs never leave a file of their own behind. */
static bool only_lmdb_files(void)
{
	DIR *d = opendir(dir);
	int others = 0;
	for (struct dirent *de; d && (de = readdir(d));)
		others += de->d_name[0] != '.' && strcmp(de->d_name, "data.mdb") && strcmp(de->d_name, "lock.mdb");
	if (d)
		closedir(d);
	return d && others == 0;
}

static void cleanup(store *s)
{
	store_close(s);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	CHECK(system(cmd) == 0);
}

static void test_append_and_dedupe(void)
{
	store *s = open_fresh();
	tide_err e;
	store_batch *b;
	bool dup;
	CHECK(store_batch_begin(s, &b, &e) == 0);
	tide_event a = order("o1", "c1", 1000, 125000), a2 = order("o2", "c2", 500, -5000);
	CHECK(store_batch_add(b, &a, &dup, &e) == 0 && !dup);
	CHECK(store_batch_add(b, &a2, &dup, &e) == 0 && !dup);
	CHECK(store_batch_add(b, &a, &dup, &e) == 0 && dup);	/* same batch */
	CHECK(store_batch_commit(b, &e) == 0);
	CHECK(store_batch_begin(s, &b, &e) == 0);
	CHECK(store_batch_add(b, &a2, &dup, &e) == 0 && dup);	/* a later batch */
	CHECK(store_batch_commit(b, &e) == 0);

	store_snap *r;
	store_info info;
	CHECK(store_snap_begin(s, &r, &e) == 0);
	CHECK(store_snap_info(r, &info, &e) == 0);
	CHECK(info.events[TIDE_ORDERS] == 2 && info.customers == 2);
	CHECK(info.first_ts[TIDE_ORDERS] == 500 && info.last_ts[TIDE_ORDERS] == 1000);

	uint64_t seq = 1;
	MDB_val v;
	store_log *log;
	bool found;
	CHECK(store_log_open(r, TIDE_ORDERS, NULL, NULL, &log, &e) == 0);
	CHECK(store_log_get(log, seq, &v, &found, &e) == 0 && found);
	store_order o;
	CHECK(store_decode_order(seq, &v, &o) == 0);
	CHECK(o.ts == 1000 && o.amount == 125000 && o.qty == 2 && !o.has_cost);
	CHECK(o.id.n == 2 && memcmp(o.id.p, "o1", 2) == 0);
	tide_str name, region;
	CHECK(store_customer_name(r, o.customer, &name) == 0 && name.n == 2 && memcmp(name.p, "c1", 2) == 0);
	uint32_t rid;
	CHECK(store_string_find(r, "region", 6, &rid) == 1);
	CHECK(store_string(r, store_tag_lookup(o.tags, o.tags_len, rid), &region) == 0);
	CHECK(region.n == 5 && memcmp(region.p, "north", 5) == 0);
	CHECK(store_tag_lookup(o.tags, o.tags_len, rid + 1000) == 0);
	MDB_val cut = {3, v.mv_data};	/* a record that ends inside its head */
	CHECK(store_decode_order(seq, &cut, &o) == TIDE_ECORRUPT);
	store_log_close(log);
	store_snap_end(r);
	cleanup(s);
}

static void test_abort_writes_nothing(void)
{
	store *s = open_fresh();
	tide_err e;
	store_batch *b;
	bool dup;
	tide_event a = order("o1", "c1", 1000, 1);
	CHECK(store_batch_begin(s, &b, &e) == 0);
	CHECK(store_batch_add(b, &a, &dup, &e) == 0);
	store_batch_abort(b);
	store_snap *r;
	store_info info;
	CHECK(store_snap_begin(s, &r, &e) == 0);
	CHECK(store_snap_info(r, &info, &e) == 0);
	CHECK(info.events[TIDE_ORDERS] == 0 && info.customers == 0);
	uint32_t id;
	CHECK(store_customer_find(r, "c1", 2, &id) == 0);
	store_snap_end(r);
	cleanup(s);
}

/* The customer's entries, in index order, into ts[] (at most max). */
static int index_times(store *s, const char *cust, int64_t *ts, int max)
{
	tide_err e;
	store_snap *r;
	CHECK(store_snap_begin(s, &r, &e) == 0);
	uint32_t id;
	CHECK(store_customer_find(r, cust, strlen(cust), &id) == 1);
	custindex_iter it;
	CHECK(store_index_walk(r, TIDE_ORDERS, id, INT64_MIN, &it) == 0);
	int n = 0;
	uint64_t seq;
	while (n < max && custindex_next(&it, &ts[n], &seq) == 1)
		n++;
	store_index_walk_end(&it);
	store_snap_end(r);
	return n;
}

static void test_customer_index_range(void)
{
	store *s = open_fresh();
	tide_err e;
	store_batch *b;
	bool dup;
	CHECK(store_batch_begin(s, &b, &e) == 0);
	tide_event x = order("o1", "c1", 300, 1), y = order("o2", "c2", 100, 1), z = order("o3", "c1", 200, 1);
	CHECK(store_batch_add(b, &x, &dup, &e) == 0 && store_batch_add(b, &y, &dup, &e) == 0 &&
	      store_batch_add(b, &z, &dup, &e) == 0);
	CHECK(store_batch_commit(b, &e) == 0);
	int64_t ts[3];
	CHECK(index_times(s, "c1", ts, 3) == 2 && ts[0] == 200 && ts[1] == 300);	/* one customer's history, in time order */
	CHECK(index_times(s, "c2", ts, 3) == 1 && ts[0] == 100);
	cleanup(s);
}

/* Counts the entries of table t. */
static size_t entries(store_snap *r, store_dbi t)
{
	MDB_stat st;
	CHECK(mdb_stat(store_snap_txn(r), store_dbi_of(store_of_snap(r), t), &st) == 0);
	return st.ms_entries;
}

/* Adds the events as one batch. */
static void add_batch(store *s, const tide_event *ev, int n)
{
	tide_err e;
	store_batch *b;
	bool dup;
	CHECK(store_batch_begin(s, &b, &e) == 0);
	for (int i = 0; i < n; i++)
		CHECK(store_batch_add(b, &ev[i], &dup, &e) == 0 && !dup);
	CHECK(store_batch_commit(b, &e) == 0);
}

/* A later batch that goes back in time places its entries among the
 * customer's earlier ones; one that goes forward appends them.  So it is
 * when a batch's entries leave memory mid-batch, every entry or every
 * second one (the runs that commit merges, runs.h): out of time order
 * across the runs, into an empty index and into a full one. */
static void test_customer_index_across_batches(void)
{
	const char *every[] = {NULL, "1", "2"};
	for (size_t i = 0; i < sizeof every / sizeof *every; i++) {
		store *s = open_fresh();
		if (every[i])
			CHECK(setenv("TIDE_FLUSH_AT", every[i], 1) == 0);
		tide_event first[] = {order("o1", "c1", 300, 1), order("o2", "c1", 200, 1),
				      order("o9", "c3", 70, 1)};
		tide_event back[] = {order("o3", "c1", 400, 1), order("o4", "c1", 100, 1), order("o5", "c1", 250, 1)};
		tide_event forward[] = {order("o6", "c1", 500, 1), order("o7", "c2", 50, 1), order("o8", "c1", 600, 1)};
		add_batch(s, first, 3);
		add_batch(s, back, 3);
		add_batch(s, forward, 3);
		CHECK(unsetenv("TIDE_FLUSH_AT") == 0);
		int64_t ts[8];
		CHECK(index_times(s, "c1", ts, 8) == 7);
		static const int64_t want[] = {100, 200, 250, 300, 400, 500, 600};
		CHECK(memcmp(ts, want, sizeof want) == 0);
		CHECK(index_times(s, "c2", ts, 8) == 1 && ts[0] == 50);
		CHECK(index_times(s, "c3", ts, 8) == 1 && ts[0] == 70);
		store_snap *r;
		tide_err e;
		CHECK(store_snap_begin(s, &r, &e) == 0);
		/* a block per customer: c1's later entries went into its block */
		CHECK(entries(r, DB_O_CUST) == 3 && only_lmdb_files());
		store_snap_end(r);
		cleanup(s);
	}
}

/* Orders, then contacts, then more orders: the sequence numbers of the
 * orders have a gap, and the middle of the orders is found across it. */
static void test_time_middle_skips_other_kind(void)
{
	store *s = open_fresh();
	tide_err e;
	store_batch *b;
	bool dup;
	const int64_t day = 86400, d0 = 20000 * day;
	char id[16];
	CHECK(store_batch_begin(s, &b, &e) == 0);
	for (int i = 0; i < 100; i++) {	/* days 0..9, ten a day */
		snprintf(id, sizeof id, "o%d", i);
		tide_event ev = order(id, "c1", d0 + (i / 10) * day + i, 1);
		CHECK(store_batch_add(b, &ev, &dup, &e) == 0);
	}
	for (int i = 0; i < 300; i++) {
		snprintf(id, sizeof id, "k%d", i);
		tide_event ev = {.kind = TIDE_CONTACTS, .id = S(id), .customer = S("c1"),
				 .ts = d0 + i, .channel = S("email"), .stage = TIDE_STAGE_NONE};
		CHECK(store_batch_add(b, &ev, &dup, &e) == 0);
	}
	for (int i = 100; i < 120; i++) {	/* days 10 and 11 */
		snprintf(id, sizeof id, "o%d", i);
		tide_event ev = order(id, "c1", d0 + (i / 10) * day + i, 1);
		CHECK(store_batch_add(b, &ev, &dup, &e) == 0);
	}
	CHECK(store_batch_commit(b, &e) == 0);
	store_snap *r;
	CHECK(store_snap_begin(s, &r, &e) == 0);
	store_span all, first_half;
	CHECK(store_time_range(r, TIDE_ORDERS, d0, d0 + 12 * day, &all, &e) == 0);
	CHECK(all.events == 120);
	CHECK(store_time_range(r, TIDE_ORDERS, d0, d0 + 6 * day, &first_half, &e) == 0);
	CHECK(first_half.events == 60);
	uint64_t mid;
	CHECK(store_time_middle(r, TIDE_ORDERS, d0, d0 + 12 * day, &mid, &e) == 0);
	CHECK(mid == first_half.last_seq);
	CHECK(mid < all.first_seq + (all.last_seq - all.first_seq) / 2);	/* not the range's */
	CHECK(store_time_middle(r, TIDE_ORDERS, d0 + 20 * day, d0 + 30 * day, &mid, &e) == 0);
	CHECK(mid == 0);
	store_snap_end(r);
	cleanup(s);
}

/* Adds orders o<from>..o<to - 1> (every seventh with a contact after it, so
 * that sequence numbers skip) in one batch. */
static void add_orders(store *s, int from, int to, int64_t amount_scale)
{
	tide_err e;
	store_batch *b;
	bool dup;
	char id[32];
	static const char *const regions[] = {"north", "south", ""};	/* "" is no tag */
	static const char *const reps[] = {"r1", "r2", "r3", "r4", ""};
	CHECK(store_batch_begin(s, &b, &e) == 0);
	for (int i = from; i < to; i++) {
		snprintf(id, sizeof id, "o%d", i);
		tide_event ev = order(id, i % 4 ? "c1" : "c2", 1700000000 + 37 * i, (i % 9 - 4) * amount_scale);
		ev.has_cost = i % 2;
		ev.cost = i * 3;
		/* a second tag from the 701st order on: a new column mid-block */
		tide_tag tags[2] = {{S("region"), S(regions[i % 3])}, {S("rep"), S(reps[i % 5])}};
		ev.tags = tags;
		ev.ntags = i >= 700 ? 2 : 1;
		CHECK(store_batch_add(b, &ev, &dup, &e) == 0 && !dup);
		if (i % 7)
			continue;
		snprintf(id, sizeof id, "k%d", i);
		tide_event ct = {.kind = TIDE_CONTACTS, .id = S(id), .customer = S("c1"),
				 .ts = 1700000000 + i, .channel = S("email"), .stage = TIDE_STAGE_NONE};
		CHECK(store_batch_add(b, &ct, &dup, &e) == 0);
	}
	CHECK(store_batch_commit(b, &e) == 0);
}

/* The heads o_cols gives from first to last are the log's, field for field,
 * and so are their tags asked for: the store's first `asked` tags. */
static bool heads_match_log(store_snap *r, uint64_t first, uint64_t last, int asked)
{
	tide_err e;
	store_heads *h;
	uint32_t names[8];
	int nnames = store_tag_names(r, TIDE_ORDERS, names, 8, &e);
	CHECK(nnames == 2);
	if (store_heads_open(r, first, names, (uint32_t)asked, NULL, NULL, &h, &e) != 0)
		return false;
	store_log *log;
	CHECK(store_log_open(r, TIDE_ORDERS, NULL, NULL, &log, &e) == 0);
	CHECK(store_log_seek(log, first, &e) == 0);
	MDB_val v;
	uint64_t seq = 0;
	bool found, ok = true;
	CHECK(store_log_next(log, &seq, &v, &found, &e) == 0);
	store_order got[5];
	uint8_t tag_bytes[5 * COLBLOCK_TAG_BYTES];
	size_t n;
	do {
		CHECK(store_heads_read(h, last, got, 5, tag_bytes, &n, &e) == 0);
		for (size_t i = 0; ok && i < n; i++) {
			store_order want;
			ok = found && seq <= last && store_decode_order(seq, &v, &want) == 0 &&
			     got[i].seq == seq && got[i].ts == want.ts && got[i].customer == want.customer &&
			     got[i].amount == want.amount && got[i].has_cost == want.has_cost &&
			     (!want.has_cost || got[i].cost == want.cost);
			for (int t = 0; ok && t < nnames; t++)
				ok = store_tag_lookup(got[i].tags, got[i].tags_len, names[t]) ==
				     (t < asked ? store_tag_lookup(want.tags, want.tags_len, names[t]) : 0);
			CHECK(store_log_next(log, &seq, &v, &found, &e) == 0);
		}
	} while (ok && n > 0);
	ok = ok && (!found || seq > last);	/* none left out */
	store_log_close(log);
	store_heads_close(h);
	return ok;
}

static void test_heads_across_batches(void)
{
	store *s = open_fresh();
	/* a batch that ends mid-block, one of three orders that extends it, and
	 * one whose amounts need wider columns */
	add_orders(s, 0, 700, 1);
	add_orders(s, 700, 703, 1);
	add_orders(s, 703, 1500, INT64_C(1) << 36);
	tide_err e;
	store_snap *r;
	CHECK(store_snap_begin(s, &r, &e) == 0);
	MDB_cursor *cur;
	CHECK(mdb_cursor_open(store_snap_txn(r), store_dbi_of(s, DB_O_COLS), &cur) == 0);
	MDB_val k, v;
	size_t blocks = 0;
	while (mdb_cursor_get(cur, &k, &v, blocks ? MDB_NEXT : MDB_FIRST) == 0)
		blocks++;
	mdb_cursor_close(cur);
	CHECK(blocks >= 4 && blocks < 1500 / 100);	/* full blocks, not one per batch */
	store_info info;
	CHECK(store_snap_info(r, &info, &e) == 0);
	uint64_t end = info.events[TIDE_ORDERS] + info.events[TIDE_CONTACTS];
	for (uint64_t first = 1; first <= end + 1; first += 37)
		CHECK(heads_match_log(r, first, first + 400, (int)(first % 3)));
	for (int asked = 0; asked <= 2; asked++)
		CHECK(heads_match_log(r, 1, UINT64_MAX, asked));
	CHECK(heads_match_log(r, 0, 0, 2));
	store_heads *h;
	store_order o;
	size_t n = 1;
	CHECK(store_heads_open(r, end + 5, NULL, 0, NULL, NULL, &h, &e) == 0);
	CHECK(store_heads_read(h, UINT64_MAX, &o, 1, NULL, &n, &e) == 0 && n == 0);
	store_heads_close(h);
	store_snap_end(r);
	cleanup(s);
}

/* The logs in blocks: batches that end mid-block extend it, every record is
 * found by its number in any order, a seek lands on the first record at or
 * after its number, and ids are known again wherever their records lie (in
 * a full block, in the block a batch extends, in the one it is building). */
static void test_log_blocks_across_batches(void)
{
	store *s = open_fresh();
	add_orders(s, 0, 500, 1);
	for (int i = 500; i < 530; i++)	/* batches of one order */
		add_orders(s, i, i + 1, 1);
	add_orders(s, 530, 1500, 1);
	tide_err e;
	store_batch *b;
	bool dup;
	char id[32];
	CHECK(store_batch_begin(s, &b, &e) == 0);
	for (int i = 0; i < 1600; i += 13) {	/* old, resumed and new records */
		snprintf(id, sizeof id, "o%d", i < 1500 ? i : i - 1500);
		tide_event ev = order(id, "c9", 1, 1);
		CHECK(store_batch_add(b, &ev, &dup, &e) == 0 && dup);
		snprintf(id, sizeof id, "n%d", i);
		ev = order(id, "c9", 1, 1);
		CHECK(store_batch_add(b, &ev, &dup, &e) == 0 && !dup);
		CHECK(store_batch_add(b, &ev, &dup, &e) == 0 && dup);
	}
	CHECK(store_batch_commit(b, &e) == 0);

	store_snap *r;
	CHECK(store_snap_begin(s, &r, &e) == 0);
	store_info info;
	CHECK(store_snap_info(r, &info, &e) == 0);
	CHECK(info.events[TIDE_ORDERS] == 1500 + 124);
	size_t blocks = entries(r, DB_ORDERS);
	CHECK(blocks >= 2 && blocks < 25);	/* full blocks, not one per batch */
	CHECK(entries(r, DB_CONTACTS) < 1500 / 7 / 10);
	uint64_t end = info.events[TIDE_ORDERS] + info.events[TIDE_CONTACTS];
	store_log *log;
	CHECK(store_log_open(r, TIDE_ORDERS, NULL, NULL, &log, &e) == 0);
	static uint64_t seqs[1624];
	uint64_t seq, count = 0;
	MDB_val v;
	bool found;
	CHECK(store_log_seek(log, 0, &e) == 0);
	for (;;) {
		CHECK(store_log_next(log, &seq, &v, &found, &e) == 0);
		if (!found)
			break;
		store_order o;
		CHECK(count < 1624 && (count == 0 || seq > seqs[count - 1]) && store_decode_order(seq, &v, &o) == 0);
		seqs[count++] = seq;
	}
	CHECK(count == info.events[TIDE_ORDERS] && seqs[count - 1] <= end);
	/* each record, found ahead of the last and behind it; a contact's
	 * number is not an order's */
	uint64_t orders_seen = 0;
	for (int pass = 0; pass < 2; pass++)
		for (uint64_t i = 1; i <= end; i++) {
			uint64_t want = pass ? end + 1 - i : i;
			CHECK(store_log_get(log, want, &v, &found, &e) == 0);
			store_order o;
			if (found) {
				CHECK(store_decode_order(want, &v, &o) == 0);
				orders_seen++;
			}
		}
	CHECK(orders_seen == 2 * info.events[TIDE_ORDERS]);
	CHECK(store_log_get(log, end + 1, &v, &found, &e) == 0 && !found);
	CHECK(store_log_get(log, 0, &v, &found, &e) == 0 && !found);
	for (uint64_t from = 1, at = 0; from <= end + 1; from++) {
		while (at < count && seqs[at] < from)
			at++;
		CHECK(store_log_seek(log, from, &e) == 0);
		CHECK(store_log_next(log, &seq, &v, &found, &e) == 0);
		CHECK(at < count ? found && seq == seqs[at] : !found);
	}
	store_log_close(log);
	store_snap_end(r);
	cleanup(s);
}

static int count_id(void *arg, uint64_t h, uint32_t seq)
{
	(void)h;
	(void)seq;
	++*(size_t *)arg;
	return 0;
}

/* How many hashes dedupe table t holds (in blocks, idblocks.h). */
static size_t ids_in(store_snap *r, store_dbi t)
{
	size_t n = 0;
	CHECK(idblocks_each(store_snap_txn(r), store_dbi_of(store_of_snap(r), t), count_id, &n) == 0);
	return n;
}

/* The entries of dedupe tables base and recent, as one snapshot sees them. */
static void check_ids(store *s, size_t base, size_t recent)
{
	tide_err e;
	store_snap *r;
	CHECK(store_snap_begin(s, &r, &e) == 0);
	CHECK(ids_in(r, DB_IDS) == base && ids_in(r, DB_IDS_NEW) == recent);
	store_snap_end(r);
}

/* Orders o<from>..o<to - 1> in one batch, each a duplicate below `known`
 * and new from there, which a second try in the same batch finds.  Each id
 * is looked up ahead (store_idlookup), which finds those of earlier
 * batches only: the add finds the batch's own. */
static void add_known(store *s, int from, int to, int known)
{
	tide_err e;
	store_batch *b;
	store_idlookup *l;
	bool dup;
	char id[32];
	CHECK(store_batch_begin(s, &b, &e) == 0);
	CHECK(store_idlookup_open(b, &l, &e) == 0);
	for (int pass = 0; pass < 2; pass++)
		for (int i = from; i < to; i++) {
			snprintf(id, sizeof id, "o%d", i);
			tide_event ev = order(id, "c3", 1700000000 + i, 100);
			store_idcheck check;
			store_idlookup_check(l, &ev, &check);
			CHECK(check.hash == store_id_hash(&ev));
			CHECK(check.state == (i < known ? STORE_ID_FOUND : STORE_ID_ABSENT));
			CHECK(store_batch_add_checked(b, &ev, &check, &dup, &e) == 0 && dup == (pass || i < known));
		}
	store_idlookup_close(l);
	CHECK(store_batch_commit(b, &e) == 0);
}

/* A batch into a kind's non-empty dedupe table puts its hashes into the
 * recent table, which goes into the base table once it holds more than an
 * eighth as many; ids are known again wherever their hashes are, flushed
 * mid-batch or not, before the merge and after it. */
static void test_ids_recent_then_merged(void)
{
	store *s = open_fresh();
	add_orders(s, 0, 800, 1);
	check_ids(s, 800, 0);
	add_orders(s, 800, 850, 1);
	check_ids(s, 800, 50);
	CHECK(setenv("TIDE_FLUSH_AT", "16", 1) == 0);
	add_known(s, 0, 900, 850);
	CHECK(unsetenv("TIDE_FLUSH_AT") == 0);
	check_ids(s, 800, 100);	/* an eighth, not more */
	add_known(s, 0, 901, 900);
	check_ids(s, 901, 0);
	add_known(s, 0, 902, 901);
	check_ids(s, 901, 1);
	cleanup(s);
}

/* A batch whose dedupe entries leave memory several times writes them as
 * sorted runs, where its later ids find them, and the commit merges the
 * runs in hash order into the ids table (out of order, the blocks' writer
 * fails) and leaves none behind, with runs of one entry up to several. */
static void test_ids_runs_merged_at_commit(void)
{
	const char *every[] = {"1", "7", "16"};
	for (size_t i = 0; i < sizeof every / sizeof *every; i++) {
		store *s = open_fresh();
		CHECK(setenv("TIDE_FLUSH_AT", every[i], 1) == 0);
		add_known(s, 0, 300, 0);
		check_ids(s, 300, 0);
		add_known(s, 0, 330, 300);	/* into a non-empty store: the recent table */
		CHECK(unsetenv("TIDE_FLUSH_AT") == 0);
		check_ids(s, 300, 30);
		add_known(s, 0, 331, 330);
		CHECK(only_lmdb_files());
		cleanup(s);
	}
}

/* Each of customers c0..c4's order times, as add_spread added them. */
typedef struct spread {
	int64_t times[5][2000];
	int n[5];
} spread;

/* Orders o<from>..o<to - 1> of customers c0..c4 as one batch, at times that
 * go back and forth (i * 7919 mod 100000), noting each customer's times. */
static void add_spread(store *s, int from, int to, spread *sp)
{
	tide_err e;
	store_batch *b;
	bool dup;
	char id[32], cust[16];
	CHECK(store_batch_begin(s, &b, &e) == 0);
	for (int i = from; i < to; i++) {
		snprintf(id, sizeof id, "o%d", i);
		snprintf(cust, sizeof cust, "c%d", i % 5);
		int64_t ts = (int64_t)i * 7919 % 100000;
		tide_event ev = order(id, cust, ts, 1);
		CHECK(store_batch_add(b, &ev, &dup, &e) == 0 && !dup);
		sp->times[i % 5][sp->n[i % 5]++] = ts;
	}
	CHECK(store_batch_commit(b, &e) == 0);
}

static int by_time(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* Each customer's walk gives every time noted for it, in order, and the
 * index's two tables hold base and recent blocks. */
static void check_index(store *s, spread *sp, size_t base, size_t recent)
{
	static int64_t got[2000];
	char cust[16];
	for (int c = 0; c < 5; c++) {
		snprintf(cust, sizeof cust, "c%d", c);
		size_t n = (size_t)sp->n[c];
		qsort(sp->times[c], n, sizeof *sp->times[c], by_time);
		CHECK(index_times(s, cust, got, 2000) == sp->n[c] && memcmp(got, sp->times[c], n * sizeof *got) == 0);
	}
	tide_err e;
	store_snap *r;
	CHECK(store_snap_begin(s, &r, &e) == 0);
	CHECK(entries(r, DB_O_CUST) == base && entries(r, DB_O_CUST_NEW) == recent);
	store_snap_end(r);
}

/* A batch into a non-empty index puts its entries into the recent index,
 * whose entries a customer's walk merges with the base's in time order; it
 * moves into the base with the recent hashes, once they are more than an
 * eighth of the base's. */
static void test_index_recent_then_folded(void)
{
	static spread sp;
	store *s = open_fresh();
	add_spread(s, 0, 800, &sp);
	check_index(s, &sp, 5, 0);	/* 160 entries a customer: a block each */
	add_spread(s, 800, 850, &sp);
	check_index(s, &sp, 5, 5);	/* back and forth in time, among the base's */
	add_spread(s, 850, 900, &sp);
	check_index(s, &sp, 5, 5);	/* into the recent blocks */
	add_spread(s, 900, 901, &sp);
	check_index(s, &sp, 5, 0);	/* 101 > 800 / 8: folded */
	add_spread(s, 901, 903, &sp);
	check_index(s, &sp, 5, 2);
	cleanup(s);
}

/* Sums what store_rollups gives (rollups_seen). */
typedef struct rollup_sums {
	uint32_t customers, events;
	int64_t revenue, first, last;
} rollup_sums;

static int sum_rollup(void *arg, uint32_t customer, const rollup *r)
{
	(void)customer;
	rollup_sums *s = arg;
	s->customers++;
	s->events += r->events;
	s->revenue += r->revenue;
	if (s->customers == 1 || r->first_order < s->first)
		s->first = r->first_order;
	if (s->customers == 1 || r->last_order > s->last)
		s->last = r->last_order;
	return 0;
}

/* The roll-ups of every customer (tag 0) or of region 'north', summed, and
 * the entries of the base and recent per-customer tables. */
static rollup_sums rollups_seen(store *s, bool north, size_t base, size_t recent)
{
	tide_err e;
	store_snap *r;
	rollup_sums sums = {0};
	CHECK(store_snap_begin(s, &r, &e) == 0);
	uint32_t tag = 0, value = 0;
	CHECK(!north || (store_string_find(r, "region", 6, &tag) == 1 && store_string_find(r, "north", 5, &value) == 1));
	CHECK(store_rollups(r, tag, value, sum_rollup, &sums, &e) == 1);
	CHECK(entries(r, DB_O_ROLL) == base && entries(r, DB_O_ROLL_NEW) == recent);
	CHECK(entries(r, DB_O_ROLL_TAG) == base && entries(r, DB_O_ROLL_TAG_NEW) == recent);
	store_snap_end(r);
	return sums;
}

/* A batch into non-empty roll-up tables writes its roll-ups into the
 * recent ones, which a reader adds to the base's customer by customer;
 * they move into the base with the recent hashes. */
static void test_rollups_recent_then_folded(void)
{
	static spread sp;
	store *s = open_fresh();
	add_spread(s, 0, 800, &sp);
	rollup_sums all = rollups_seen(s, false, 5, 0);
	CHECK(all.customers == 5 && all.events == 800 && all.revenue == 800);
	int64_t first = INT64_MAX, last = INT64_MIN;
	for (int i = 0; i < 802; i++) {
		int64_t ts = (int64_t)i * 7919 % 100000;
		first = ts < first ? ts : first;
		last = ts > last ? ts : last;
	}
	add_spread(s, 800, 802, &sp);	/* c0 and c1 */
	for (int north = 0; north < 2; north++) {
		all = rollups_seen(s, north, 5, 2);
		CHECK(all.customers == 5 && all.events == 802 && all.revenue == 802);
		CHECK(all.first == first && all.last == last);
	}
	add_spread(s, 802, 903, &sp);
	all = rollups_seen(s, true, 5, 0);	/* folded */
	CHECK(all.customers == 5 && all.events == 903 && all.revenue == 903);
	cleanup(s);
}

/* A store another layout wrote is refused on open, with the versions named
 * and what to do.  The version is the first u64 of
 * meta's "info" record. */
static void test_other_layout_refused(void)
{
	store *s = open_fresh();
	add_orders(s, 0, 10, 1);
	store_close(s);
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi meta = 0;
	MDB_val k = {4, "info"}, v;
	CHECK(mdb_env_create(&env) == 0 && mdb_env_set_maxdbs(env, DB_COUNT) == 0);
	CHECK(mdb_env_open(env, dir, 0, 0666) == 0);
	CHECK(mdb_txn_begin(env, NULL, 0, &txn) == 0 && mdb_dbi_open(txn, "meta", 0, &meta) == 0);
	CHECK(mdb_get(txn, meta, &k, &v) == 0 && v.mv_size >= sizeof(uint64_t));
	uint8_t info[256];
	CHECK(v.mv_size <= sizeof info);
	memcpy(info, v.mv_data, v.mv_size);
	uint64_t version;
	memcpy(&version, info, sizeof version);
	CHECK(version == 18);
	version = 17;
	memcpy(info, &version, sizeof version);
	v.mv_data = info;
	CHECK(mdb_put(txn, meta, &k, &v, 0) == 0 && mdb_txn_commit(txn) == 0);
	mdb_env_close(env);

	tide_err e;
	store_opts ro = {.read_only = true};
	CHECK(store_open(dir, &ro, &s, &e) == TIDE_ECORRUPT && s == NULL);
	CHECK(strstr(e.msg, "store format version 17; this tide reads version 18") != NULL);
	CHECK(store_open(dir, NULL, &s, &e) == TIDE_ECORRUPT && s == NULL);
	CHECK(strstr(e.msg, "export it with the tide that wrote it") != NULL);
	cleanup(s);	/* no store open: removes the directory */
}

int main(void)
{
	RUN(test_append_and_dedupe);
	RUN(test_abort_writes_nothing);
	RUN(test_customer_index_range);
	RUN(test_customer_index_across_batches);
	RUN(test_time_middle_skips_other_kind);
	RUN(test_heads_across_batches);
	RUN(test_log_blocks_across_batches);
	RUN(test_ids_recent_then_merged);
	RUN(test_ids_runs_merged_at_commit);
	RUN(test_index_recent_then_folded);
	RUN(test_rollups_recent_then_folded);
	RUN(test_other_layout_refused);
	return run_failed;
}

/* exec.h — runs a plan at one instant T and appends its rows to a result.
 *
 * Row layout: [asof when the plan is a series] + the plan's items + one
 * hidden value per ORDER BY term (query.c sorts on them, then drops them). */
#ifndef TIDE_EXEC_H
#define TIDE_EXEC_H

#include "colblock.h"
#include "plan.h"

typedef struct exec_limits {
	double deadline;	/* CLOCK_MONOTONIC seconds; 0 = none */
} exec_limits;

int exec_point(plan *p, int64_t asof, tide_result *out, const exec_limits *lim, tide_err *e);

/* The default T: the first second after the newest event in the store. */
int exec_default_asof(plan *p, int64_t *asof, tide_err *e);

/* How many leading ORDER BY terms choose a LIMIT's candidates before the
 * customers are named (only the candidates are); 0 = every customer in
 * scope is named. */
int exec_nameless_order_terms(const plan *p);

/* Whether a HAVING that does not read the name picks the customers to name
 * (only those that pass it are). */
bool exec_names_after_having(const plan *p);

/* Whether the plan's groups at T can come from the order roll-ups
 * (rollup.h): T after the newest order in info, GROUP BY customer over whole
 * histories, WHERE absent or one `tag = 'text'` (*tag, *tag_value: its ids;
 * 0, 0 without WHERE), and only metrics a roll-up holds.  The store may
 * still keep none for that tag (store_tag_rolled). */
bool exec_rollup_source(const plan *p, int64_t T, const store_info *info, uint32_t *tag,
			uint32_t *tag_value);

/* Whether the plan is one the week's leaders (leaders.h) may answer:
 * orders, GROUP BY customer over a window with no WHERE or HAVING, only
 * revenue, margin and counts, and a LIMIT on revenue descending first with
 * the customer among the ORDER BY terms (no two rows tie on all of them). */
bool exec_leaders_fit(const plan *p);

/* The week's leaders into *out when they answer the plan at T (*usable;
 * the caller then frees them): the plan fits, the store's leaders are for
 * its window [T − W, T), and its LIMIT is within them. */
int exec_leaders(const plan *p, int64_t T, leaders *out, bool *usable, tide_err *e);

/* The tags (interned names) a scan of o_cols decodes. */
typedef struct exec_tags {
	uint32_t n, name[COLBLOCK_TAGS];
} exec_tags;

/* Whether the plan's scans read the orders' head fields from o_cols instead
 * of the log: orders, not row by row, and no WHERE, key or aggregate
 * argument that reads an order's sku, qty or id (or more than COLBLOCK_TAGS
 * tags).  *tags is set to the tags they read there. */
bool exec_reads_heads(const plan *p, exec_tags *tags);

/* Seconds on CLOCK_MONOTONIC. */
double exec_now(void);

#endif

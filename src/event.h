/* event.h — one event as it travels from an input reader to the store.
 *
 * All strings are views (pointer + length, not NUL-terminated) into memory
 * owned by whoever produced the event — for a reader, its row buffer, valid
 * until the next tide_reader_next() call.  A view with n == 0 is "absent". */
#ifndef TIDE_EVENT_H
#define TIDE_EVENT_H

#include <stdbool.h>
#include <stdint.h>

typedef enum { TIDE_ORDERS = 0, TIDE_CONTACTS = 1 } tide_kind;

/* Funnel stages in funnel order; TIDE_STAGE_NONE when a contact sets none. */
enum {
	TIDE_STAGE_NONE = -1,
	TIDE_STAGE_NEW = 0,
	TIDE_STAGE_CONTACTED,
	TIDE_STAGE_TESTING,
	TIDE_STAGE_WON,
	TIDE_STAGE_PAUSED,
	TIDE_STAGE_LOST,
	TIDE_STAGE_COUNT
};

#define TIDE_ID_MAX 128		/* bytes, for event and customer ids */
#define TIDE_STR_MAX 511	/* bytes, for any other string value: LMDB's key limit, as strings are interned by key */
#define TIDE_TAGS_MAX 32	/* tag columns per event */
/* Money is an integer count of 1/10000 units.  |amount| and |cost| are
 * capped so that sums over 10^9 events cannot overflow int64. */
#define TIDE_MONEY_SCALE 10000
#define TIDE_MONEY_MAX INT64_C(1000000000000000)	/* 10^11 currency units */

typedef struct tide_str {
	const char *p;
	uint32_t n;
} tide_str;

typedef struct tide_tag {
	tide_str name;
	tide_str value;
} tide_tag;

typedef struct tide_event {
	tide_kind kind;
	tide_str id;
	tide_str customer;
	int64_t ts;		/* seconds since the Unix epoch, UTC */

	/* orders */
	int64_t amount;		/* 1/10000 units, may be negative */
	int64_t qty;		/* default 1 */
	tide_str sku;
	bool has_cost;
	int64_t cost;		/* 1/10000 units */

	/* contacts */
	tide_str channel;
	int stage;		/* TIDE_STAGE_* */
	bool has_next_followup;
	int64_t next_followup;
	tide_str reason;

	uint32_t ntags;
	const tide_tag *tags;	/* any other column, in input column order */
} tide_event;

#endif

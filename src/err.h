/* err.h — error codes and the error struct every fallible call fills.
 *
 * Convention (after LMDB): functions return int, 0 on success.  Our own codes
 * are a negative range below TIDE_ERR_BASE; LMDB's codes (MDB_*, around -30800)
 * pass through unchanged; positive values are errno.  tide_strerror() names
 * all three.  The message goes into a tide_err the caller owns (usually on its
 * stack); callees never allocate for errors. */
#ifndef TIDE_ERR_H
#define TIDE_ERR_H

#include <stddef.h>

enum {
	TIDE_OK = 0,
	TIDE_ERR_BASE = -41000,
	TIDE_EUSAGE = TIDE_ERR_BASE,	/* bad command-line or API arguments */
	TIDE_EINPUT,			/* bad event data: nothing was written */
	TIDE_EQUERY,			/* query does not parse or type-check */
	TIDE_ENOMEM,			/* allocation failed */
	TIDE_EIO,			/* file or storage failure (see message) */
	TIDE_ETIMEOUT,			/* query exceeded its time limit */
	TIDE_ECORRUPT,			/* store content is not what we wrote */
	TIDE_EFULL,			/* map reached its configured cap */
	TIDE_ERR_LAST
};

typedef struct tide_err {
	int code;
	char msg[1024];
} tide_err;

/* Clears e (code 0, empty message). */
void tide_err_clear(tide_err *e);

/* Formats the message into e, sets e->code = code and returns code, so a
 * caller can write `return tide_errf(e, TIDE_EINPUT, "...", ...);`.
 * e may be NULL (the code is still returned). */
int tide_errf(tide_err *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Static text for any code: ours, LMDB's or errno. */
const char *tide_strerror(int code);

#endif

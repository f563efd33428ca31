#include "err.h"

#include <lmdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void tide_err_clear(tide_err *e)
{
	e->code = 0;
	e->msg[0] = '\0';
}

int tide_errf(tide_err *e, int code, const char *fmt, ...)
{
	if (!e)
		return code;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	e->code = code;
	return code;
}

const char *tide_strerror(int code)
{
	static const char *const ours[] = {
		"usage error", "bad input", "bad query", "out of memory",
		"I/O error", "query timed out", "store is corrupt",
		"store reached its size cap",
	};
	if (code == 0)
		return "success";
	if (code >= TIDE_ERR_BASE && code < TIDE_ERR_LAST)
		return ours[code - TIDE_ERR_BASE];
	/* mdb_strerror covers both LMDB's codes and errno values. */
	return mdb_strerror(code);
}

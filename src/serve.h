/* serve.h — tide over HTTP, for dashboards and scripts.
 *
 *   GET  /query?q=TQL[&format=json|csv|ndjson|text][&asof=TS]
 *   POST /query[?format=...&asof=...]   with the TQL as the request body
 *   GET  /                              a short description of the above
 *
 * A result is kept (rcache.h) for the store's current transaction, so a
 * query repeated while no data arrives is answered without running it; the
 * response says which (X-Tide-Cache: hit or miss) and for which state of the
 * store (X-Tide-Version).  Errors come back as one text line, with 400 for
 * a bad query or request, 503 for a query past its time limit. */
#ifndef TIDE_SERVE_H
#define TIDE_SERVE_H

#include <stddef.h>

#include "tide.h"

typedef struct serve_opts {
	const char *host;	/* numeric address to listen on; NULL = 127.0.0.1 */
	unsigned port;		/* 0 = any free port (see serve_port) */
	double timeout;		/* seconds per query; 0 = none */
	size_t cache_entries;	/* 0 = no cache */
	size_t cache_bytes;
} serve_opts;

typedef struct server server;

/* Starts answering on threads of its own; db stays the caller's and must
 * outlive the server. */
int serve_start(tide_db *db, const serve_opts *o, server **out, tide_err *e);

/* The port it listens on. */
unsigned serve_port(const server *s);

/* Stops listening, waits for the requests in flight, frees the server. */
void serve_stop(server *s);

#endif

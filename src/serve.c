#include "serve.h"

#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <xxhash.h>

#include "grow.h"
#include "mhd.h"
#include "rcache.h"

/* A query is text someone typed or a dashboard built: a megabyte is far
 * beyond any, and a bound keeps a stray upload from taking memory. */
enum { MAX_QUERY_BYTES = 1 << 20 };

struct server {
	struct MHD_Daemon *daemon;
	tide_db *db;
	rcache *cache;
	double timeout;
	unsigned port;
};

static const char *const format_names[] = {"text", "csv", "json", "ndjson"};
static const char *const content_types[] = {
	"text/plain; charset=utf-8", "text/csv; charset=utf-8", "application/json",
	"application/x-ndjson"};

static const char usage_text[] =
	"tide: queries over HTTP\n"
	"\n"
	"  GET  /query?q=TQL[&format=json|csv|ndjson|text][&asof=TS]\n"
	"  POST /query[?format=...&asof=...]   with the TQL as the body\n"
	"\n"
	"The default format is json.  A repeated query on an unchanged store is\n"
	"answered from a cache (header X-Tide-Cache: hit).  Each answer has an\n"
	"ETag; sent back in If-None-Match while the store is unchanged, it gets\n"
	"304 Not Modified and no body.  The language is described in\n"
	"docs/language.md.\n";

/* The body of a POST, as it arrives. */
typedef struct request {
	char *body;
	size_t len, cap;
	bool too_big;
} request;

/* What a query's answer was computed from: the store's version and the
 * cache key (format, asof, text).  Equal tags, equal bodies, as the result
 * cache already assumes. */
typedef struct answer_tag {
	const char *cache;	/* "hit" or "miss": whether the query ran */
	uint64_t version;
	char etag[48];
} answer_tag;

static enum MHD_Result respond(struct MHD_Connection *conn, unsigned status, const char *type,
			       char *body, size_t len, const answer_tag *tag)
{
	struct MHD_Response *r = mhd.create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	mhd.add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	mhd.add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
	/* dashboards are pages served from elsewhere */
	mhd.add_response_header(r, MHD_HTTP_HEADER_ACCESS_CONTROL_ALLOW_ORIGIN, "*");
	if (tag) {
		char v[24];
		snprintf(v, sizeof v, "%llu", (unsigned long long)tag->version);
		mhd.add_response_header(r, "X-Tide-Cache", tag->cache);
		mhd.add_response_header(r, "X-Tide-Version", v);
		mhd.add_response_header(r, MHD_HTTP_HEADER_ETAG, tag->etag);
	}
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		mhd.add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, POST");
	enum MHD_Result ok = mhd.queue_response(conn, status, r);
	mhd.destroy_response(r);
	return ok;
}

/* One line of text: an error, or the description. */
static enum MHD_Result respond_text(struct MHD_Connection *conn, unsigned status, const char *text)
{
	size_t len = strlen(text);
	bool newline = len && text[len - 1] == '\n';
	char *body = malloc(len + 2);
	if (!body)
		return MHD_NO;
	memcpy(body, text, len);
	if (!newline)
		body[len++] = '\n';
	return respond(conn, status, content_types[TIDE_OUT_TEXT], body, len, NULL);
}

static unsigned status_of(int code)
{
	switch (code) {
	case TIDE_EQUERY:
	case TIDE_EUSAGE: return MHD_HTTP_BAD_REQUEST;
	case TIDE_ETIMEOUT:
	case TIDE_ENOMEM: return MHD_HTTP_SERVICE_UNAVAILABLE;
	default: return MHD_HTTP_INTERNAL_SERVER_ERROR;
	}
}

static int render(const tide_result *res, tide_out_format format, char **body, size_t *len, tide_err *e)
{
	*body = NULL;
	*len = 0;
	FILE *f = open_memstream(body, len);
	if (!f)
		return tide_errf(e, TIDE_ENOMEM, "out of memory");
	int rc = tide_result_write(res, format, f, e);
	if (fclose(f) != 0 && rc == 0)
		rc = tide_errf(e, TIDE_ENOMEM, "out of memory");
	if (rc) {
		free(*body);
		*body = NULL;
	}
	return rc;
}

/* The cache key: everything the result depends on besides the store. */
static char *cache_key(tide_out_format format, const char *asof, const char *text, size_t nt,
		       size_t *klen)
{
	size_t na = asof ? strlen(asof) + 1 : 0;
	char *k = malloc(2 + na + nt);
	if (!k)
		return NULL;
	k[0] = (char)('0' + format);
	k[1] = asof ? 'a' : '-';
	if (asof)
		memcpy(k + 2, asof, na);	/* with its NUL, so it cannot run into the text */
	memcpy(k + 2 + na, text, nt);
	*klen = 2 + na + nt;
	return k;
}

/* Whether an If-None-Match list ("a", W/"b", ...) names etag; the weak
 * comparison RFC 9110 asks of it, so a W/ prefix is ignored.  "*" is not
 * honoured: it would answer 304 for a query that may not even parse. */
static bool etag_listed(const char *list, const char *etag)
{
	size_t n = strlen(etag);
	for (const char *p = list; *p;) {
		p += strspn(p, " \t,");
		if (strncmp(p, "W/", 2) == 0)
			p += 2;
		if (strncmp(p, etag, n) == 0 && (p[n] == '\0' || strchr(" \t,", p[n])))
			return true;
		p += strcspn(p, ",");
	}
	return false;
}

static enum MHD_Result answer_query(server *sv, struct MHD_Connection *conn, const char *text,
				    size_t tlen, tide_out_format format, const char *asof)
{
	size_t klen = 0;
	char *key = cache_key(format, asof, text, tlen, &klen);
	if (!key)
		return respond_text(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "out of memory");
	/* Read before the query's snapshot, which is then as new or newer: a
	 * result is never kept, nor tagged, under a version later than its
	 * data. */
	answer_tag tag = {"hit", tide_version(sv->db), ""};
	snprintf(tag.etag, sizeof tag.etag, "\"%llu-%016llx\"", (unsigned long long)tag.version,
		 (unsigned long long)XXH3_64bits(key, klen));
	const char *known = mhd.lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);
	if (known && etag_listed(known, tag.etag)) {
		free(key);
		return respond(conn, MHD_HTTP_NOT_MODIFIED, content_types[format], NULL, 0, &tag);
	}
	char *body;
	size_t len;
	if (sv->cache && rcache_get(sv->cache, key, klen, tag.version, &body, &len)) {
		free(key);
		return respond(conn, MHD_HTTP_OK, content_types[format], body, len, &tag);
	}
	tide_err e;
	tide_err_clear(&e);
	tide_query_opts qo = {.asof = asof, .timeout = sv->timeout};
	tide_result *res;
	int rc = tide_query(sv->db, text, tlen, &qo, &res, &e);
	if (rc == 0) {
		rc = render(res, format, &body, &len, &e);
		tide_result_free(res);
	}
	if (rc) {
		free(key);
		return respond_text(conn, status_of(rc), e.msg[0] ? e.msg : tide_strerror(rc));
	}
	if (sv->cache)
		rcache_put(sv->cache, key, klen, tag.version, body, len);
	free(key);
	tag.cache = "miss";
	return respond(conn, MHD_HTTP_OK, content_types[format], body, len, &tag);
}

static enum MHD_Result route(server *sv, struct MHD_Connection *conn, const char *url,
			     const char *method, request *rq)
{
	bool get = strcmp(method, MHD_HTTP_METHOD_GET) == 0;
	bool post = strcmp(method, MHD_HTTP_METHOD_POST) == 0;
	if (strcmp(url, "/") == 0 && get)
		return respond_text(conn, MHD_HTTP_OK, usage_text);
	if (strcmp(url, "/query") != 0) {
		char msg[160];
		snprintf(msg, sizeof msg, "no such path: %.100s (queries go to /query)", url);
		return respond_text(conn, MHD_HTTP_NOT_FOUND, msg);
	}
	if (!get && !post)
		return respond_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "/query takes GET or POST");
	if (rq->too_big)
		return respond_text(conn, MHD_HTTP_CONTENT_TOO_LARGE, "the query is over 1 MiB");
	const char *fname = mhd.lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "format");
	int format = fname ? -1 : TIDE_OUT_JSON;
	for (int k = 0; fname && k < 4; k++)
		if (strcmp(fname, format_names[k]) == 0)
			format = k;
	if (format < 0) {
		char msg[160];
		snprintf(msg, sizeof msg, "unknown format '%.60s' (text, csv, json or ndjson)", fname);
		return respond_text(conn, MHD_HTTP_BAD_REQUEST, msg);
	}
	const char *asof = mhd.lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "asof");
	bool body = post && rq->len;
	const char *text = body ? rq->body : mhd.lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "q");
	if (!text || !*text)
		return respond_text(conn, MHD_HTTP_BAD_REQUEST,
				    "no query: give it as ?q=... or as the body of a POST");
	return answer_query(sv, conn, text, body ? rq->len : strlen(text), (tide_out_format)format, asof);
}

static bool append(request *rq, const char *data, size_t n)
{
	if (rq->len + n >= MAX_QUERY_BYTES)
		return false;
	char *nb = grow_reserve(rq->body, &rq->cap, rq->len + n + 1, 1, 1024);
	if (!nb)
		return false;
	rq->body = nb;
	memcpy(rq->body + rq->len, data, n);
	rq->len += n;
	rq->body[rq->len] = '\0';
	return true;
}

/* libmicrohttpd calls this first with the headers, then once per piece of
 * the body, then with no data: the moment to answer. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **state)
{
	(void)version;
	if (!*state) {
		request *rq = calloc(1, sizeof *rq);
		*state = rq;
		return rq ? MHD_YES : MHD_NO;
	}
	request *rq = *state;
	if (*upload_size) {
		if (!rq->too_big && !append(rq, upload, *upload_size))
			rq->too_big = true;
		*upload_size = 0;
		return MHD_YES;
	}
	return route(cls, conn, url, method, rq);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **state,
			 enum MHD_RequestTerminationCode code)
{
	(void)cls;
	(void)conn;
	(void)code;
	request *rq = *state;
	if (rq) {
		free(rq->body);
		free(rq);
		*state = NULL;
	}
}

int serve_start(tide_db *db, const serve_opts *o, server **out, tide_err *e)
{
	int rc = mhd_load(e);
	if (rc)
		return rc;
	const char *host = o->host ? o->host : "127.0.0.1";
	char port[8];
	snprintf(port, sizeof port, "%u", o->port);
	struct addrinfo hints = {.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE,
				 .ai_socktype = SOCK_STREAM};
	struct addrinfo *ai;
	int gai = getaddrinfo(host, port, &hints, &ai);
	if (gai)
		return tide_errf(e, TIDE_EUSAGE, "cannot listen on %s port %u: %s", host, o->port,
				 gai_strerror(gai));
	server *sv = calloc(1, sizeof *sv);
	if (!sv || (o->cache_entries && !(sv->cache = rcache_new(o->cache_entries, o->cache_bytes)))) {
		free(sv);
		freeaddrinfo(ai);
		return tide_errf(e, TIDE_ENOMEM, "out of memory");
	}
	sv->db = db;
	sv->timeout = o->timeout;
	/* A thread per connection: a dashboard's poller keeps its connection,
	 * and a long query on one does not hold up the others. */
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
			 MHD_USE_POLL | MHD_USE_ERROR_LOG | (ai->ai_family == AF_INET6 ? MHD_USE_IPv6 : 0);
	sv->daemon = mhd.start_daemon(flags, (uint16_t)o->port, NULL, NULL, on_request, sv,
				      MHD_OPTION_SOCK_ADDR, ai->ai_addr,
				      MHD_OPTION_CONNECTION_TIMEOUT, 120u,
				      MHD_OPTION_CONNECTION_LIMIT, 256u,
				      MHD_OPTION_NOTIFY_COMPLETED, on_completed, sv,
				      MHD_OPTION_END);
	freeaddrinfo(ai);
	if (!sv->daemon) {
		rcache_free(sv->cache);
		free(sv);
		return tide_errf(e, TIDE_EIO, "cannot listen on %s port %u (in use, or not an address here?)",
				 host, o->port);
	}
	const union MHD_DaemonInfo *info = mhd.get_daemon_info(sv->daemon, MHD_DAEMON_INFO_BIND_PORT);
	sv->port = info ? info->port : o->port;
	*out = sv;
	return 0;
}

unsigned serve_port(const server *s)
{
	return s->port;
}

void serve_stop(server *s)
{
	if (!s)
		return;
	mhd.stop_daemon(s->daemon);
	rcache_free(s->cache);
	free(s);
}

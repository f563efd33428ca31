#include "rcache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

typedef struct entry {
	uint64_t hash, txn, used;	/* used: the clock at its last hit or put */
	char *key, *body;		/* one allocation: key bytes, then body + NUL */
	size_t klen, len;
} entry;

struct rcache {
	pthread_mutex_t lock;
	entry *e;
	size_t n, max_entries, bytes, max_bytes;
	uint64_t clock;
};

rcache *rcache_new(size_t max_entries, size_t max_bytes)
{
	rcache *c = calloc(1, sizeof *c);
	if (!c || !(c->e = calloc(max_entries ? max_entries : 1, sizeof *c->e))) {
		free(c);
		return NULL;
	}
	pthread_mutex_init(&c->lock, NULL);
	c->max_entries = max_entries;
	c->max_bytes = max_bytes;
	return c;
}

void rcache_free(rcache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		free(c->e[i].key);
	free(c->e);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

/* Few entries (a dashboard's queries): a scan of their hashes is as fast as
 * any index and needs no upkeep. */
static entry *find(rcache *c, uint64_t hash, const void *key, size_t klen)
{
	for (size_t i = 0; i < c->n; i++) {
		entry *x = &c->e[i];
		if (x->hash == hash && x->klen == klen && memcmp(x->key, key, klen) == 0)
			return x;
	}
	return NULL;
}

static void drop(rcache *c, entry *x)
{
	c->bytes -= x->klen + x->len;
	free(x->key);
	*x = c->e[--c->n];
}

bool rcache_get(rcache *c, const void *key, size_t klen, uint64_t txn, char **body, size_t *len)
{
	uint64_t hash = XXH3_64bits(key, klen);
	bool hit = false;
	pthread_mutex_lock(&c->lock);
	entry *x = find(c, hash, key, klen);
	if (x && x->txn == txn && (*body = malloc(x->len + 1))) {
		memcpy(*body, x->body, x->len + 1);
		*len = x->len;
		x->used = ++c->clock;
		hit = true;
	}
	pthread_mutex_unlock(&c->lock);
	return hit;
}

void rcache_put(rcache *c, const void *key, size_t klen, uint64_t txn, const char *body, size_t len)
{
	size_t size = klen + len;
	if (c->max_entries == 0 || size > c->max_bytes)
		return;
	uint64_t hash = XXH3_64bits(key, klen);
	pthread_mutex_lock(&c->lock);
	entry *old = find(c, hash, key, klen);
	if (old && old->txn > txn)
		goto done;	/* a newer result is already there */
	if (old)
		drop(c, old);
	for (size_t i = c->n; i-- > 0;)
		if (c->e[i].txn < txn)
			drop(c, &c->e[i]);
	while (c->n > 0 && (c->n == c->max_entries || c->bytes + size > c->max_bytes)) {
		entry *lru = &c->e[0];
		for (size_t i = 1; i < c->n; i++)
			if (c->e[i].used < lru->used)
				lru = &c->e[i];
		drop(c, lru);
	}
	char *mem = malloc(size + 1);
	if (!mem)
		goto done;
	memcpy(mem, key, klen);
	memcpy(mem + klen, body, len);
	mem[size] = '\0';
	c->e[c->n++] = (entry){hash, txn, ++c->clock, mem, mem + klen, klen, len};
	c->bytes += size;
done:
	pthread_mutex_unlock(&c->lock);
}

void rcache_usage(rcache *c, size_t *entries, size_t *bytes)
{
	pthread_mutex_lock(&c->lock);
	*entries = c->n;
	*bytes = c->bytes;
	pthread_mutex_unlock(&c->lock);
}

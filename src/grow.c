#include "grow.h"

#include <stdint.h>
#include <stdlib.h>

void *grow_reserve(void *items, size_t *cap, size_t need, size_t each, size_t first)
{
	if (need <= *cap && *cap > 0)
		return items;
	size_t n = *cap ? *cap : (first ? first : 1);
	while (n < need) {
		if (n > SIZE_MAX / 2)
			return NULL;
		n *= 2;
	}
	if (n > SIZE_MAX / each)
		return NULL;
	void *grown = realloc(items, n * each);
	if (!grown)
		return NULL;
	*cap = n;
	return grown;
}

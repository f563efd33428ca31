/* money.h — sums of money (int64 in 1/10000 units) that remember passing
 * what an int64 holds, so that a reader reports it instead of printing a
 * wrapped number. */
#ifndef TIDE_MONEY_H
#define TIDE_MONEY_H

#include <stdint.h>

/* *sum += v; sets `bit` in *wrapped when the sum passes int64. */
static inline void money_add(int64_t *sum, int64_t v, uint8_t *wrapped, uint8_t bit)
{
	if (__builtin_add_overflow(*sum, v, sum))
		*wrapped |= bit;
}

#endif

/* testrand.h — for tests: a small deterministic generator (xorshift64), so
 * that a failing case runs again exactly as it did.  Its states never repeat
 * within 2^64 - 1 calls, nor is any of them 0.  And the order that sorts
 * what it gave (qsort). */
#ifndef TIDE_TESTRAND_H
#define TIDE_TESTRAND_H

#include <stdint.h>

static uint64_t testrand_state = 0x9e3779b97f4a7c15u;

static inline uint64_t testrand_next(void)
{
	testrand_state ^= testrand_state << 13;
	testrand_state ^= testrand_state >> 7;
	testrand_state ^= testrand_state << 17;
	return testrand_state;
}

static inline int testrand_by_value(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
	return (a > b) - (a < b);
}

#endif

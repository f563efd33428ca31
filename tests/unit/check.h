/* check.h — the unit-test harness: a CHECK macro that reports file:line and
 * keeps going, and RUN() that prints one PASS/FAIL line per test case for
 * tests/run.sh to count. */
#ifndef TIDE_CHECK_H
#define TIDE_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_failures;

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
		check_failures++; \
	} \
} while (0)

#define CHECK_STR(got, want) do { \
	const char *got_ = (got), *want_ = (want); \
	if (!got_ || strcmp(got_, want_) != 0) { \
		fprintf(stderr, "%s:%d: got '%s', want '%s'\n", __FILE__, __LINE__, \
			got_ ? got_ : "(null)", want_); \
		check_failures++; \
	} \
} while (0)

static int run_failed;

#define RUN(fn) do { \
	int before_ = check_failures; \
	fn(); \
	if (check_failures == before_) printf("PASS %s\n", #fn); \
	else { printf("FAIL %s\n", #fn); run_failed = 1; } \
} while (0)

/* main() ends with `return run_failed;` */

#endif

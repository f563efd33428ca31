/* timefmt.h — timestamps and money as text, exactly. */
#ifndef TIDE_TIMEFMT_H
#define TIDE_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

/* The instants a timestamp can name: years 1 to 9999, as the dated forms
 * have four-digit years. */
#define TIDE_TS_MIN INT64_C(-62135596800)	/* 0001-01-01T00:00:00Z */
#define TIDE_TS_MAX INT64_C(253402300799)	/* 9999-12-31T23:59:59Z */

/* Parses one of `2025-03-01`, `2025-03-01T10:22:00Z`, `2025-03-01 10:22:00`,
 * or an integer of seconds since the epoch (optionally negative) into UTC
 * seconds.  Returns 0, or -1 when s[0..n) is none of those (incl. impossible
 * dates like 2025-02-30).  Accepts years 1..9999. */
int tide_ts_parse(const char *s, size_t n, int64_t *out);

/* Writes `YYYY-MM-DDTHH:MM:SSZ` and a NUL into buf (at least 21 bytes). */
void tide_ts_format(int64_t ts, char *buf);

/* Parses a decimal with at most 4 fraction digits ("12", "-3.5", "0.0001",
 * "+7.25") into 1/10000 units.  Returns 0, -1 when not a decimal, -2 when it
 * has more than 4 fraction digits, -3 when |value| > TIDE_MONEY_MAX. */
int tide_money_parse(const char *s, size_t n, int64_t *out);

/* Formats 1/10000 units with exactly `decimals` (0..4) fraction digits,
 * rounding half away from zero; NUL-terminated; buf of at least 32 bytes.
 * Returns the length. */
int tide_money_format(int64_t v, int decimals, char *buf);

/* Formats losslessly: as few fraction digits as keep the value (0 to 4). */
int tide_money_format_exact(int64_t v, char *buf);

/* Days since the epoch of a UTC timestamp (floor), and back. */
int64_t tide_ts_day(int64_t ts);

/* Civil date conversions (proleptic Gregorian). */
int64_t tide_days_from_civil(int64_t y, unsigned m, unsigned d);
void tide_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);

#endif

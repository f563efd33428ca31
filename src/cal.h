/* cal.h — durations, calendar periods and time zones.
 *
 * Days (d) and weeks (w) are fixed lengths (86400 s, 7 × 86400 s); months,
 * quarters and years are calendar arithmetic in the query's time zone,
 * clamping the day (Mar 31 − 1mo = Feb 28/29).  Calendar periods (day week
 * month quarter year) are aligned in the zone, DST-aware; weeks start Monday. */
#ifndef TIDE_CAL_H
#define TIDE_CAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

typedef enum { CAL_DAY, CAL_WEEK, CAL_MONTH, CAL_QUARTER, CAL_YEAR } cal_unit;

typedef struct cal_dur {
	int64_t n;		/* > 0 */
	cal_unit unit;
} cal_dur;

/* Parses "90d", "12w", "6mo", "2q", "1y" (whole text).  Returns 0 or -1. */
int cal_dur_parse(const char *s, size_t n, cal_dur *out);

/* Writes the canonical text ("90d", "6mo") into buf (>= 32 bytes). */
void cal_dur_format(cal_dur d, char *buf);

/* A loaded time zone.  cal_tz_open("UTC") never fails; other names are
 * looked up in the system's IANA database (tzdata). */
typedef struct cal_tz cal_tz;
int cal_tz_open(const char *name, cal_tz **out, tide_err *e);
void cal_tz_close(cal_tz *tz);
bool cal_tz_is_utc(const cal_tz *tz);

/* t − k·d and t + k·d in the zone (k may be negative). */
int64_t cal_add(int64_t t, cal_dur d, int64_t k, const cal_tz *tz);

/* Start of the calendar period of unit u holding instant t, in the zone,
 * and the start of the next one. */
int64_t cal_period_start(int64_t t, cal_unit u, const cal_tz *tz);
int64_t cal_period_next(int64_t start, cal_unit u, const cal_tz *tz);

/* Label of the period starting at `start`: 2025-03-01, 2025-W09 (ISO week
 * year and number), 2025-03, 2025-Q1, 2025.  buf >= 16 bytes. */
void cal_period_label(int64_t start, cal_unit u, const cal_tz *tz, char *buf);

/* When a window of length d is a whole number of periods p: returns that
 * number n (W / P), else 0.  E.g. 12mo / 1mo = 12, 90d / 1mo = 0,
 * 1y / 1q = 4, 4w / 1w = 4, 14d / 1w = 2. */
int64_t cal_dur_divide(cal_dur w, cal_dur p);

#endif

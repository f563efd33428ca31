/* test_cal.c — durations, month arithmetic, calendar periods and time zones.
 *
 * Expected instants come from libc (timegm), not from cal.c's own civil
 * helpers; zone results are cross-checked against glibc's localtime_r under
 * setenv("TZ"), which reads the same tzdata independently. */
#include "cal.h"
#include "check.h"
#include "testrand.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ------------------------------------------------------------ helpers */

static int64_t ts(int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm = { 0 };
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	return (int64_t)timegm(&tm);
}

static int64_t day(int y, int mo, int d)
{
	return ts(y, mo, d, 0, 0, 0);
}

/* UTC text of an instant (rotating buffers, so several fit in one CHECK). */
static const char *iso(int64_t t)
{
	static char bufs[8][40];
	static int i;
	char *b = bufs[i++ & 7];
	time_t tt = (time_t)t;
	struct tm tm;
	if (!gmtime_r(&tt, &tm))
		return "(gmtime failed)";
	snprintf(b, 40, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	return b;
}

static const char *label(int64_t start, cal_unit u, const cal_tz *tz)
{
	static char bufs[8][32];
	static int i;
	char *b = bufs[i++ & 7];
	cal_period_label(start, u, tz, b);
	return b;
}

static cal_dur dur(const char *s)
{
	cal_dur d = { 0, CAL_DAY };
	if (cal_dur_parse(s, strlen(s), &d) != 0) {
		fprintf(stderr, "cannot parse duration '%s'\n", s);
		check_failures++;
	}
	return d;
}

static cal_tz *zone(const char *name)
{
	cal_tz *tz = NULL;
	tide_err e;
	tide_err_clear(&e);
	if (cal_tz_open(name, &tz, &e) != 0) {
		fprintf(stderr, "cannot open zone %s: %s\n", name, e.msg);
		check_failures++;
	}
	return tz;
}

static const char *fmt_dur(cal_dur d)
{
	static char bufs[4][32];
	static int i;
	char *b = bufs[i++ & 3];
	cal_dur_format(d, b);
	return b;
}

/* Start of the period holding t, and the length of that period in hours. */
static int64_t period_hours(int64_t t, cal_unit u, const cal_tz *tz)
{
	int64_t s = cal_period_start(t, u, tz);
	return (cal_period_next(s, u, tz) - s) / 3600;
}

/* ---------------------------------------------------------- durations */

static void test_dur_parse_format(void)
{
	static const struct { const char *s; int64_t n; cal_unit u; } ok[] = {
		{ "90d", 90, CAL_DAY }, { "1d", 1, CAL_DAY }, { "12w", 12, CAL_WEEK },
		{ "6mo", 6, CAL_MONTH }, { "2q", 2, CAL_QUARTER }, { "1y", 1, CAL_YEAR },
		{ "24mo", 24, CAL_MONTH }, { "3652425d", 3652425, CAL_DAY },
		{ "10000y", 10000, CAL_YEAR }, { "120000mo", 120000, CAL_MONTH },
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		cal_dur d = { -1, CAL_YEAR };
		CHECK(cal_dur_parse(ok[i].s, strlen(ok[i].s), &d) == 0);
		CHECK(d.n == ok[i].n && d.unit == ok[i].u);
		CHECK_STR(fmt_dur(d), ok[i].s);	/* format is the inverse */
	}
	/* Only the first n bytes are the text. */
	cal_dur d;
	CHECK(cal_dur_parse("90days", 3, &d) == 0 && d.n == 90 && d.unit == CAL_DAY);
	CHECK(cal_dur_parse("6mo)", 3, &d) == 0 && d.n == 6 && d.unit == CAL_MONTH);
	/* Leading zeros are accepted; the canonical form drops them. */
	CHECK(cal_dur_parse("007d", 4, &d) == 0 && d.n == 7);
	CHECK_STR(fmt_dur(d), "7d");
}

static void test_dur_reject(void)
{
	static const char *const bad[] = {
		"", "d", "mo", "0d", "00w", "0mo", "1.5d", "1,5d", "1m", "1mon", "1month",
		"1 d", " 1d", "1d ", "-1d", "+1d", "1D", "1MO", "1dd", "1wd", "12", "1h",
		"1s", "q1", "1e3d", "3652426d", "521776w", "120001mo", "40001q", "10001y",
		"9223372036854775807d", "9223372036854775808d",
		"99999999999999999999999999999999y",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cal_dur d = { 42, CAL_WEEK };
		if (cal_dur_parse(bad[i], strlen(bad[i]), &d) != -1) {
			fprintf(stderr, "accepted bad duration '%s'\n", bad[i]);
			check_failures++;
		}
	}
	cal_dur d;
	CHECK(cal_dur_parse("90d", 0, &d) == -1);
	CHECK(cal_dur_parse("90d", 2, &d) == -1);	/* "90" */
}

static void test_dur_divide(void)
{
	static const struct { const char *w, *p; int64_t n; } tab[] = {
		{ "12mo", "1mo", 12 }, { "1y", "1mo", 12 }, { "1y", "1q", 4 },
		{ "6mo", "1q", 2 }, { "4w", "1w", 4 }, { "14d", "1w", 2 },
		{ "28d", "1d", 28 }, { "1w", "1d", 7 }, { "2y", "6mo", 4 },
		{ "1q", "1mo", 3 }, { "1y", "1y", 1 }, { "3mo", "1q", 1 },
		{ "90d", "1mo", 0 }, { "1mo", "1w", 0 }, { "1mo", "1d", 0 },
		{ "1y", "1d", 0 }, { "1y", "1w", 0 }, { "1w", "1mo", 0 },
		{ "10d", "1w", 0 }, { "5mo", "1q", 0 }, { "1mo", "1y", 0 },
		{ "1d", "1w", 0 }, { "13w", "1q", 0 },
	};
	for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++) {
		int64_t got = cal_dur_divide(dur(tab[i].w), dur(tab[i].p));
		if (got != tab[i].n) {
			fprintf(stderr, "%s / %s = %lld, want %lld\n", tab[i].w, tab[i].p,
				(long long)got, (long long)tab[i].n);
			check_failures++;
		}
	}
}

/* --------------------------------------------------------- arithmetic */

static void test_add_fixed(void)
{
	cal_tz *ny = zone("America/New_York");
	int64_t t = ts(2025, 3, 8, 12, 0, 0);
	/* Days and weeks are exact lengths, in every zone, across DST. */
	CHECK(cal_add(t, dur("1d"), 1, ny) == t + 86400);
	CHECK(cal_add(t, dur("1d"), 1, NULL) == t + 86400);
	CHECK(cal_add(t, dur("90d"), -1, ny) == t - 90 * 86400);
	CHECK(cal_add(t, dur("2w"), 3, ny) == t + 6 * 7 * 86400);
	CHECK(cal_add(t, dur("1w"), 0, ny) == t);
	CHECK(cal_add(-1, dur("1d"), -2, NULL) == -1 - 2 * 86400);
	/* Overflow saturates instead of wrapping. */
	CHECK(cal_add(0, dur("1d"), INT64_MAX, NULL) == INT64_MAX);
	CHECK(cal_add(0, dur("1w"), INT64_MIN, NULL) == INT64_MIN);
	CHECK(cal_add(INT64_MAX - 10, dur("1d"), 1, NULL) == INT64_MAX);
	CHECK(cal_add(0, dur("1y"), INT64_MAX, NULL) == INT64_MAX);
	CHECK(cal_add(0, dur("1mo"), INT64_MIN / 2, ny) == INT64_MIN);
	cal_tz_close(ny);
}

static void test_add_month_clamp(void)
{
	const cal_tz *u = NULL;	/* NULL means UTC */
	cal_dur mo = dur("1mo"), q = dur("1q"), y = dur("1y");
	/* Backwards, clamping to the end of February. */
	CHECK_STR(iso(cal_add(ts(2025, 3, 31, 10, 20, 30), mo, -1, u)), "2025-02-28T10:20:30Z");
	CHECK_STR(iso(cal_add(ts(2024, 3, 31, 10, 20, 30), mo, -1, u)), "2024-02-29T10:20:30Z");
	CHECK_STR(iso(cal_add(ts(2024, 2, 29, 0, 0, 0), y, -1, u)), "2023-02-28T00:00:00Z");
	CHECK_STR(iso(cal_add(ts(2025, 5, 31, 0, 0, 0), q, -1, u)), "2025-02-28T00:00:00Z");
	CHECK_STR(iso(cal_add(ts(2024, 7, 31, 23, 59, 59), mo, -1, u)), "2024-06-30T23:59:59Z");
	CHECK_STR(iso(cal_add(ts(1900, 3, 31, 0, 0, 0), mo, -1, u)), "1900-02-28T00:00:00Z");
	CHECK_STR(iso(cal_add(ts(2000, 3, 31, 0, 0, 0), mo, -1, u)), "2000-02-29T00:00:00Z");
	/* Forwards. */
	CHECK_STR(iso(cal_add(ts(2025, 1, 31, 8, 0, 0), mo, 1, u)), "2025-02-28T08:00:00Z");
	CHECK_STR(iso(cal_add(ts(2024, 1, 31, 8, 0, 0), mo, 1, u)), "2024-02-29T08:00:00Z");
	CHECK_STR(iso(cal_add(ts(2024, 2, 29, 8, 0, 0), y, 1, u)), "2025-02-28T08:00:00Z");
	CHECK_STR(iso(cal_add(ts(2024, 2, 29, 8, 0, 0), y, 4, u)), "2028-02-29T08:00:00Z");
	CHECK_STR(iso(cal_add(ts(2025, 11, 30, 0, 0, 0), q, 1, u)), "2026-02-28T00:00:00Z");
	CHECK_STR(iso(cal_add(ts(2025, 8, 31, 0, 0, 0), mo, 1, u)), "2025-09-30T00:00:00Z");
	/* k periods at once clamp once: Jan 31 + 2mo is Mar 31, not Mar 28. */
	CHECK_STR(iso(cal_add(ts(2025, 1, 31, 0, 0, 0), mo, 2, u)), "2025-03-31T00:00:00Z");
	CHECK_STR(iso(cal_add(ts(2025, 1, 31, 0, 0, 0), dur("2mo"), 1, u)), "2025-03-31T00:00:00Z");
	/* Whole years of months, across year boundaries both ways. */
	CHECK_STR(iso(cal_add(ts(2025, 12, 15, 1, 2, 3), mo, 1, u)), "2026-01-15T01:02:03Z");
	CHECK_STR(iso(cal_add(ts(2025, 1, 15, 1, 2, 3), mo, -1, u)), "2024-12-15T01:02:03Z");
	CHECK_STR(iso(cal_add(ts(2025, 1, 15, 1, 2, 3), dur("12mo"), -1, u)), "2024-01-15T01:02:03Z");
	CHECK_STR(iso(cal_add(ts(2025, 1, 15, 1, 2, 3), mo, -25, u)), "2022-12-15T01:02:03Z");
	CHECK_STR(iso(cal_add(ts(2025, 6, 30, 0, 0, 0), dur("2q"), -1, u)), "2024-12-30T00:00:00Z");
	/* Before 1970 and at the ends of years 1..9999. */
	CHECK_STR(iso(cal_add(ts(1969, 12, 31, 12, 0, 0), mo, 1, u)), "1970-01-31T12:00:00Z");
	CHECK_STR(iso(cal_add(ts(1970, 1, 31, 12, 0, 0), mo, -1, u)), "1969-12-31T12:00:00Z");
	CHECK_STR(iso(cal_add(ts(1969, 3, 31, 23, 59, 59), mo, -1, u)), "1969-02-28T23:59:59Z");
	CHECK_STR(iso(cal_add(ts(1, 1, 31, 0, 0, 0), mo, 1, u)), "0001-02-28T00:00:00Z");
	CHECK_STR(iso(cal_add(ts(9999, 12, 31, 23, 59, 59), y, -9998, u)), "0001-12-31T23:59:59Z");
	CHECK_STR(iso(cal_add(ts(1, 1, 1, 0, 0, 0), dur("119987mo"), 1, u)), "9999-12-01T00:00:00Z");
	CHECK_STR(iso(cal_add(ts(1600, 2, 29, 0, 0, 0), dur("100y"), 1, u)), "1700-02-28T00:00:00Z");
}

/* Month arithmetic in a zone keeps the local wall time across DST. */
static void test_add_months_dst(void)
{
	cal_tz *ny = zone("America/New_York"), *be = zone("Europe/Berlin");
	cal_tz *sy = zone("Australia/Sydney");
	cal_dur mo = dur("1mo");
	/* 09:30 EST (14:30Z) + 6mo = 09:30 EDT (13:30Z). */
	CHECK_STR(iso(cal_add(ts(2025, 1, 15, 14, 30, 0), dur("6mo"), 1, ny)), "2025-07-15T13:30:00Z");
	CHECK_STR(iso(cal_add(ts(2025, 3, 15, 13, 30, 0), mo, -1, ny)), "2025-02-15T14:30:00Z");
	CHECK_STR(iso(cal_add(ts(2025, 1, 31, 5, 0, 0), mo, 1, ny)), "2025-02-28T05:00:00Z");
	/* Local date, not UTC date: 2025-03-31 22:00 EDT is 04-01T02:00Z. */
	CHECK_STR(iso(cal_add(ts(2025, 4, 1, 2, 0, 0), mo, -1, ny)), "2025-03-01T03:00:00Z");
	/* 02:30 does not exist on 2025-03-09: forward by the 1 h gap, 03:30 EDT. */
	CHECK_STR(iso(cal_add(ts(2025, 2, 9, 7, 30, 0), mo, 1, ny)), "2025-03-09T07:30:00Z");
	/* 01:30 happens twice on 2025-11-02: the earlier, EDT (05:30Z). */
	CHECK_STR(iso(cal_add(ts(2025, 10, 2, 5, 30, 0), mo, 1, ny)), "2025-11-02T05:30:00Z");
	/* ... also from the second 01:30 (EST) of that day. */
	CHECK_STR(iso(cal_add(ts(2025, 11, 2, 6, 30, 0), mo, 1, ny)), "2025-12-02T06:30:00Z");
	/* Berlin: 12:00 CET in January = 11:00Z; in July 12:00 CEST = 10:00Z. */
	CHECK_STR(iso(cal_add(ts(2025, 1, 10, 11, 0, 0), dur("2q"), 1, be)), "2025-07-10T10:00:00Z");
	CHECK_STR(iso(cal_add(ts(2025, 7, 10, 10, 0, 0), dur("1y"), -1, be)), "2024-07-10T10:00:00Z");
	/* Berlin 02:30 on 2025-03-30 is skipped: 03:30 CEST = 01:30Z. */
	CHECK_STR(iso(cal_add(ts(2025, 1, 30, 1, 30, 0), mo, 2, be)), "2025-03-30T01:30:00Z");
	CHECK_STR(iso(cal_add(ts(2025, 1, 30, 1, 30, 0), dur("2mo"), 1, be)), "2025-03-30T01:30:00Z");
	/* Sydney (southern): 09:00 AEDT (+11) in January, 09:00 AEST (+10) in July. */
	CHECK_STR(iso(cal_add(ts(2025, 1, 14, 22, 0, 0), dur("6mo"), 1, sy)), "2025-07-14T23:00:00Z");
	cal_tz_close(ny);
	cal_tz_close(be);
	cal_tz_close(sy);
}

/* ------------------------------------------------------------ periods */

static void test_utc_periods(void)
{
	const cal_tz *u = NULL;
	cal_tz *utc = zone("UTC");
	int64_t t = ts(2025, 3, 1, 10, 22, 0);	/* a Saturday */
	CHECK(cal_period_start(t, CAL_DAY, u) == day(2025, 3, 1));
	CHECK(cal_period_next(day(2025, 3, 1), CAL_DAY, u) == day(2025, 3, 2));
	CHECK_STR(label(day(2025, 3, 1), CAL_DAY, u), "2025-03-01");
	CHECK(cal_period_start(t, CAL_WEEK, utc) == day(2025, 2, 24));
	CHECK(cal_period_next(day(2025, 2, 24), CAL_WEEK, utc) == day(2025, 3, 3));
	CHECK_STR(label(day(2025, 2, 24), CAL_WEEK, utc), "2025-W09");
	CHECK(cal_period_start(t, CAL_MONTH, u) == day(2025, 3, 1));
	CHECK(cal_period_next(day(2025, 3, 1), CAL_MONTH, u) == day(2025, 4, 1));
	CHECK_STR(label(day(2025, 3, 1), CAL_MONTH, u), "2025-03");
	CHECK(cal_period_start(ts(2025, 5, 15, 0, 0, 0), CAL_QUARTER, u) == day(2025, 4, 1));
	CHECK(cal_period_next(day(2025, 4, 1), CAL_QUARTER, u) == day(2025, 7, 1));
	CHECK(cal_period_next(day(2025, 10, 1), CAL_QUARTER, u) == day(2026, 1, 1));
	CHECK_STR(label(day(2025, 4, 1), CAL_QUARTER, u), "2025-Q2");
	CHECK_STR(label(day(2025, 12, 31), CAL_QUARTER, u), "2025-Q4");
	CHECK_STR(label(t, CAL_QUARTER, u), "2025-Q1");
	CHECK(cal_period_start(t, CAL_YEAR, u) == day(2025, 1, 1));
	CHECK(cal_period_next(day(2025, 1, 1), CAL_YEAR, u) == day(2026, 1, 1));
	CHECK_STR(label(day(2025, 1, 1), CAL_YEAR, u), "2025");
	/* Bounds: the first and last second of a day. */
	CHECK(cal_period_start(day(2025, 3, 2) - 1, CAL_DAY, u) == day(2025, 3, 1));
	CHECK(cal_period_start(day(2025, 3, 2), CAL_DAY, u) == day(2025, 3, 2));
	/* Leap February. */
	CHECK(cal_period_next(day(2024, 2, 1), CAL_MONTH, u) - day(2024, 2, 1) == 29 * 86400);
	CHECK(cal_period_next(day(2100, 2, 1), CAL_MONTH, u) - day(2100, 2, 1) == 28 * 86400);
	/* Before 1970. */
	CHECK(cal_period_start(-1, CAL_DAY, u) == -86400);
	CHECK_STR(label(-1, CAL_DAY, u), "1969-12-31");
	CHECK(cal_period_start(0, CAL_WEEK, u) == day(1969, 12, 29));
	CHECK_STR(label(0, CAL_WEEK, u), "1970-W01");
	CHECK(cal_period_start(-1, CAL_YEAR, u) == day(1969, 1, 1));
	CHECK(cal_period_start(ts(1969, 8, 20, 5, 0, 0), CAL_QUARTER, u) == day(1969, 7, 1));
	CHECK(cal_period_start(ts(1900, 3, 1, 5, 0, 0), CAL_MONTH, u) == day(1900, 3, 1));
	/* Years 1 and 9999. */
	CHECK(cal_period_start(ts(1, 1, 1, 12, 0, 0), CAL_YEAR, u) == day(1, 1, 1));
	CHECK_STR(label(day(1, 1, 1), CAL_DAY, u), "0001-01-01");
	CHECK_STR(label(day(1, 1, 1), CAL_WEEK, u), "0001-W01");	/* a Monday */
	CHECK_STR(label(day(1, 1, 1), CAL_YEAR, u), "0001");
	CHECK_STR(label(ts(9999, 12, 31, 23, 59, 59), CAL_DAY, u), "9999-12-31");
	CHECK_STR(label(ts(9999, 12, 31, 23, 59, 59), CAL_WEEK, u), "9999-W52");
	CHECK(cal_period_start(ts(9999, 12, 31, 23, 59, 59), CAL_QUARTER, u) == day(9999, 10, 1));
	CHECK(cal_period_next(day(9999, 1, 1), CAL_YEAR, u) == day(10000, 1, 1));
	/* Far out of range: no crash, and next is always after start. */
	CHECK(cal_period_next(INT64_MIN, CAL_YEAR, u) > INT64_MIN);
	CHECK(cal_period_start(INT64_MAX, CAL_DAY, u) <= INT64_MAX);
	char buf[16];
	cal_period_label(INT64_MAX, CAL_DAY, u, buf);
	cal_period_label(INT64_MIN, CAL_WEEK, u, buf);
	CHECK(strlen(buf) < 16);
	cal_tz_close(utc);
}

static void test_iso_weeks(void)
{
	const cal_tz *u = NULL;
	static const struct { int y, m, d; const char *want; } tab[] = {
		{ 2020, 12, 31, "2020-W53" }, { 2021, 1, 3, "2020-W53" },
		{ 2021, 1, 4, "2021-W01" }, { 2024, 12, 30, "2025-W01" },
		{ 2024, 12, 29, "2024-W52" }, { 2026, 1, 1, "2026-W01" },
		{ 2027, 1, 1, "2026-W53" }, { 2027, 1, 3, "2026-W53" },
		{ 2008, 12, 29, "2009-W01" }, { 2010, 1, 3, "2009-W53" },
		{ 2025, 3, 1, "2025-W09" }, { 2025, 12, 28, "2025-W52" },
		{ 2025, 12, 29, "2026-W01" },
	};
	for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++) {
		int64_t t = ts(tab[i].y, tab[i].m, tab[i].d, 13, 0, 0);
		int64_t s = cal_period_start(t, CAL_WEEK, u);
		CHECK_STR(label(s, CAL_WEEK, u), tab[i].want);
		CHECK_STR(label(t, CAL_WEEK, u), tab[i].want);
		CHECK(s <= t && t < s + 7 * 86400 && s % 86400 == 0);
		/* Monday: 1970-01-05 was one. */
		CHECK(((s / 86400 - 4) % 7 + 7) % 7 == 0);
	}
	/* Every day 1900..2100, and a stride over years 1..9999, against
	 * glibc's %G-W%V, %Y-%m-%d. */
	int bad = 0;
	for (int64_t t = day(1, 1, 1); t <= day(9999, 12, 31); t += 86400) {
		bool dense = t >= day(1900, 1, 1) && t < day(2100, 1, 1);
		if (!dense && (t / 86400) % 97 != 0)
			continue;
		time_t tt = (time_t)t;
		struct tm tm;
		char want[32], g[16], v[16];
		gmtime_r(&tt, &tm);
		strftime(g, sizeof g, "%G", &tm);
		strftime(v, sizeof v, "%V", &tm);
		snprintf(want, sizeof want, "%04d-W%s", atoi(g), v);
		int64_t s = cal_period_start(t + 4000, CAL_WEEK, u);
		if (strcmp(label(s, CAL_WEEK, u), want) != 0 && bad++ < 5)
			fprintf(stderr, "%s: week %s, want %s\n", iso(t), label(s, CAL_WEEK, u), want);
		snprintf(want, sizeof want, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
		if (strcmp(label(t + 86399, CAL_DAY, u), want) != 0 && bad++ < 5)
			fprintf(stderr, "%s: day %s\n", want, label(t + 86399, CAL_DAY, u));
	}
	CHECK(bad == 0);
}

static void test_dst_day_lengths(void)
{
	cal_tz *ny = zone("America/New_York"), *be = zone("Europe/Berlin");
	cal_tz *sy = zone("Australia/Sydney");
	int64_t s;

	s = cal_period_start(ts(2025, 3, 9, 12, 0, 0), CAL_DAY, ny);
	CHECK_STR(iso(s), "2025-03-09T05:00:00Z");
	CHECK_STR(label(s, CAL_DAY, ny), "2025-03-09");
	CHECK(period_hours(ts(2025, 3, 9, 12, 0, 0), CAL_DAY, ny) == 23);
	CHECK(period_hours(ts(2025, 11, 2, 12, 0, 0), CAL_DAY, ny) == 25);
	CHECK_STR(iso(cal_period_start(ts(2025, 11, 3, 4, 59, 59), CAL_DAY, ny)), "2025-11-02T04:00:00Z");
	CHECK_STR(iso(cal_period_start(ts(2025, 11, 3, 5, 0, 0), CAL_DAY, ny)), "2025-11-03T05:00:00Z");
	CHECK(period_hours(ts(2025, 3, 10, 12, 0, 0), CAL_DAY, ny) == 24);
	/* The week and month holding the change: 167 h and 743 h. */
	CHECK(period_hours(ts(2025, 3, 9, 12, 0, 0), CAL_WEEK, ny) == 7 * 24 - 1);
	CHECK(period_hours(ts(2025, 3, 9, 12, 0, 0), CAL_MONTH, ny) == 31 * 24 - 1);
	CHECK(period_hours(ts(2025, 6, 9, 12, 0, 0), CAL_YEAR, ny) == 365 * 24);
	CHECK_STR(iso(cal_period_start(ts(2025, 6, 9, 12, 0, 0), CAL_YEAR, ny)), "2025-01-01T05:00:00Z");
	CHECK_STR(iso(cal_period_start(ts(2025, 6, 9, 12, 0, 0), CAL_QUARTER, ny)), "2025-04-01T04:00:00Z");
	/* Beyond the table (the POSIX rule in the footer): 2100-03-14, 2100-11-07. */
	CHECK(period_hours(ts(2100, 3, 14, 12, 0, 0), CAL_DAY, ny) == 23);
	CHECK(period_hours(ts(2100, 11, 7, 12, 0, 0), CAL_DAY, ny) == 25);
	CHECK(period_hours(ts(2100, 11, 14, 12, 0, 0), CAL_DAY, ny) == 24);

	s = cal_period_start(ts(2025, 3, 30, 12, 0, 0), CAL_DAY, be);
	CHECK_STR(iso(s), "2025-03-29T23:00:00Z");
	CHECK(period_hours(s, CAL_DAY, be) == 23);
	CHECK(period_hours(ts(2025, 10, 26, 12, 0, 0), CAL_DAY, be) == 25);
	CHECK_STR(iso(cal_period_start(ts(2025, 10, 26, 12, 0, 0), CAL_DAY, be)), "2025-10-25T22:00:00Z");
	CHECK_STR(iso(cal_period_next(cal_period_start(ts(2025, 10, 26, 12, 0, 0), CAL_DAY, be), CAL_DAY, be)),
		  "2025-10-26T23:00:00Z");

	/* Southern hemisphere: DST ends in April, starts in October. */
	CHECK(period_hours(ts(2025, 4, 6, 3, 0, 0), CAL_DAY, sy) == 25);
	CHECK(period_hours(ts(2025, 10, 5, 3, 0, 0), CAL_DAY, sy) == 23);
	CHECK_STR(iso(cal_period_start(ts(2025, 4, 6, 3, 0, 0), CAL_DAY, sy)), "2025-04-05T13:00:00Z");
	CHECK_STR(label(cal_period_start(ts(2025, 4, 6, 3, 0, 0), CAL_DAY, sy), CAL_DAY, sy), "2025-04-06");
	cal_tz_close(ny);
	cal_tz_close(be);
	cal_tz_close(sy);
}

/* Days whose local midnight does not exist start at their first instant. */
static void test_skipped_midnight(void)
{
	cal_tz *sp = zone("America/Sao_Paulo"), *br = zone("Asia/Beirut");
	/* 2018-11-04: 00:00 -03 became 01:00 -02 (03:00Z). */
	int64_t s = cal_period_start(ts(2018, 11, 4, 15, 0, 0), CAL_DAY, sp);
	CHECK_STR(iso(s), "2018-11-04T03:00:00Z");
	CHECK_STR(label(s, CAL_DAY, sp), "2018-11-04");
	CHECK(period_hours(s, CAL_DAY, sp) == 23);
	CHECK_STR(iso(cal_period_next(cal_period_start(ts(2018, 11, 3, 15, 0, 0), CAL_DAY, sp), CAL_DAY, sp)),
		  "2018-11-04T03:00:00Z");
	/* The week of 2018-10-29 (Mon) is 167 h. */
	CHECK(period_hours(s, CAL_WEEK, sp) == 167);
	/* 2019-02-17 00:00 -02 went back to 2019-02-16 23:00 -03: a 25 h Saturday. */
	CHECK(period_hours(ts(2019, 2, 16, 15, 0, 0), CAL_DAY, sp) == 25);
	CHECK_STR(iso(cal_period_start(ts(2019, 2, 17, 2, 30, 0), CAL_DAY, sp)), "2019-02-16T02:00:00Z");
	CHECK_STR(iso(cal_period_start(ts(2019, 2, 17, 3, 0, 0), CAL_DAY, sp)), "2019-02-17T03:00:00Z");
	/* Beirut: 2024-03-31 00:00 EET became 01:00 EEST (2024-03-30T22:00Z). */
	s = cal_period_start(ts(2024, 3, 31, 12, 0, 0), CAL_DAY, br);
	CHECK_STR(iso(s), "2024-03-30T22:00:00Z");
	CHECK_STR(label(s, CAL_DAY, br), "2024-03-31");
	CHECK(period_hours(s, CAL_DAY, br) == 23);
	/* Month arithmetic onto that skipped midnight moves forward by the gap:
	 * from Jan 31 00:00 EET (Jan 30 22:00Z). */
	CHECK_STR(iso(cal_add(ts(2024, 1, 30, 22, 0, 0), dur("2mo"), 1, br)), "2024-03-30T22:00:00Z");

	/* Havana 2024-11-03: 01:00 CDT -> 00:00 CST repeats the first hour of
	 * the day; the day starts at the first midnight and lasts 25 h. */
	cal_tz *hv = zone("America/Havana");
	s = cal_period_start(ts(2024, 11, 3, 12, 0, 0), CAL_DAY, hv);
	CHECK_STR(iso(s), "2024-11-03T04:00:00Z");
	CHECK(period_hours(s, CAL_DAY, hv) == 25);
	CHECK_STR(iso(cal_period_start(ts(2024, 11, 3, 5, 30, 0), CAL_DAY, hv)), "2024-11-03T04:00:00Z");
	/* St. John's 2007-11-04: 00:01 NDT -> 23:01 NST steps back across
	 * midnight.  Saturday keeps its repeated hour (25 h, until midnight NST);
	 * the one minute 00:00-00:01 NDT goes with it. */
	cal_tz *sj = zone("America/St_Johns");
	s = cal_period_start(ts(2007, 11, 3, 12, 0, 0), CAL_DAY, sj);
	CHECK_STR(iso(s), "2007-11-03T02:30:00Z");
	CHECK_STR(iso(cal_period_next(s, CAL_DAY, sj)), "2007-11-04T03:30:00Z");
	CHECK_STR(iso(cal_period_start(ts(2007, 11, 4, 2, 30, 30), CAL_DAY, sj)), "2007-11-03T02:30:00Z");
	CHECK_STR(iso(cal_period_start(ts(2007, 11, 4, 3, 0, 0), CAL_DAY, sj)), "2007-11-03T02:30:00Z");
	CHECK_STR(iso(cal_period_start(ts(2007, 11, 4, 3, 30, 0), CAL_DAY, sj)), "2007-11-04T03:30:00Z");
	CHECK_STR(iso(cal_period_next(ts(2007, 11, 4, 2, 30, 30), CAL_DAY, sj)), "2007-11-04T03:30:00Z");
	CHECK_STR(label(ts(2007, 11, 4, 3, 30, 0), CAL_DAY, sj), "2007-11-04");
	/* Apia skipped 2011-12-30 whole: Thursday is followed by Saturday. */
	cal_tz *ap = zone("Pacific/Apia");
	s = cal_period_start(ts(2011, 12, 29, 12, 0, 0), CAL_DAY, ap);
	CHECK_STR(label(s, CAL_DAY, ap), "2011-12-29");
	CHECK_STR(iso(cal_period_next(s, CAL_DAY, ap)), "2011-12-30T10:00:00Z");
	CHECK_STR(label(cal_period_next(s, CAL_DAY, ap), CAL_DAY, ap), "2011-12-31");
	CHECK(period_hours(ts(2011, 12, 30, 12, 0, 0), CAL_DAY, ap) == 24);
	cal_tz_close(sp);
	cal_tz_close(br);
	cal_tz_close(hv);
	cal_tz_close(sj);
	cal_tz_close(ap);
}

static void test_offset_zones(void)
{
	cal_tz *in = zone("Asia/Kolkata"), *sy = zone("Australia/Sydney");
	cal_tz *g5 = zone("Etc/GMT+5");
	/* +05:30: March 2025 starts at 2025-02-28T18:30Z. */
	int64_t s = cal_period_start(ts(2025, 3, 15, 0, 0, 0), CAL_MONTH, in);
	CHECK_STR(iso(s), "2025-02-28T18:30:00Z");
	CHECK_STR(label(s, CAL_MONTH, in), "2025-03");
	CHECK_STR(iso(cal_period_next(s, CAL_MONTH, in)), "2025-03-31T18:30:00Z");
	/* 2025-02-28T19:00Z is already March in Kolkata. */
	CHECK_STR(label(cal_period_start(ts(2025, 2, 28, 19, 0, 0), CAL_MONTH, in), CAL_MONTH, in), "2025-03");
	CHECK_STR(label(cal_period_start(ts(2025, 2, 28, 18, 29, 59), CAL_MONTH, in), CAL_MONTH, in), "2025-02");
	CHECK_STR(iso(cal_period_start(ts(2025, 7, 1, 0, 0, 0), CAL_YEAR, in)), "2024-12-31T18:30:00Z");
	CHECK_STR(label(ts(2024, 12, 31, 18, 30, 0), CAL_YEAR, in), "2025");
	CHECK_STR(label(ts(2024, 12, 31, 18, 30, 0), CAL_QUARTER, in), "2025-Q1");
	/* Sydney: January starts at +11 (AEDT), July at +10 (AEST). */
	CHECK_STR(iso(cal_period_start(ts(2025, 1, 10, 0, 0, 0), CAL_MONTH, sy)), "2024-12-31T13:00:00Z");
	CHECK_STR(iso(cal_period_start(ts(2025, 7, 10, 0, 0, 0), CAL_MONTH, sy)), "2025-06-30T14:00:00Z");
	CHECK_STR(iso(cal_period_start(ts(2025, 7, 10, 0, 0, 0), CAL_QUARTER, sy)), "2025-06-30T14:00:00Z");
	CHECK_STR(label(ts(2025, 6, 30, 14, 0, 0), CAL_QUARTER, sy), "2025-Q3");
	CHECK_STR(label(ts(2025, 6, 30, 13, 59, 59), CAL_QUARTER, sy), "2025-Q2");
	/* Fixed offset (POSIX sign: GMT+5 is UTC-5). */
	CHECK(!cal_tz_is_utc(g5));
	CHECK_STR(iso(cal_period_start(ts(2025, 3, 1, 2, 0, 0), CAL_DAY, g5)), "2025-02-28T05:00:00Z");
	/* Before 1970 in a zone. */
	CHECK_STR(iso(cal_period_start(ts(1960, 7, 4, 12, 0, 0), CAL_DAY, in)), "1960-07-03T18:30:00Z");
	cal_tz_close(in);
	cal_tz_close(sy);
	cal_tz_close(g5);
}

static void test_tz_open(void)
{
	static const char *const utc_names[] = {
		"UTC", "utc", "Utc", "Etc/UTC", "etc/utc", "Etc/GMT", "GMT", "Etc/Universal", "Zulu",
		"Factory",	/* "-00": offset 0 for ever, so the same as UTC */
	};
	for (size_t i = 0; i < sizeof utc_names / sizeof utc_names[0]; i++) {
		cal_tz *tz = NULL;
		CHECK(cal_tz_open(utc_names[i], &tz, NULL) == 0);
		CHECK(tz && cal_tz_is_utc(tz));
		CHECK(cal_period_start(ts(2025, 3, 1, 10, 0, 0), CAL_DAY, tz) == day(2025, 3, 1));
		cal_tz_close(tz);
	}
	CHECK(cal_tz_is_utc(NULL));
	cal_tz_close(NULL);

	cal_tz *tz = (cal_tz *)1;
	tide_err e;
	tide_err_clear(&e);
	CHECK(cal_tz_open("Mars/Base", &tz, &e) == TIDE_EQUERY);
	CHECK(tz == NULL);
	CHECK(e.code == TIDE_EQUERY);
	CHECK_STR(e.msg, "unknown time zone 'Mars/Base'");

	static const char *const bad[] = {
		"", "Mars/Base", "../../../etc/passwd", "/etc/passwd", "/usr/share/zoneinfo/UTC",
		"America/../Europe/Berlin", "Europe//Berlin", "Europe/Berlin/", "./UTC",
		"America", "Europe/berlin_x", "zone.tab", "tzdata.zi", "iso3166.tab",
		"leap-seconds.list", "localtime", "posixrules", "posix/Europe/Berlin",
		"right/UTC", "Europe/Berlin ", "Europe/Ber\nlin", "Europe/Berlin;rm",
		".hidden", "America/New_York/x",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		tide_err_clear(&e);
		tz = NULL;
		int rc = cal_tz_open(bad[i], &tz, &e);
		if (rc == 0 || tz != NULL || strncmp(e.msg, "unknown time zone '", 19) != 0) {
			fprintf(stderr, "zone '%s': rc %d, msg '%s'\n", bad[i], rc, e.msg);
			check_failures++;
		}
		cal_tz_close(tz);
	}
	/* Errors with a NULL tide_err still fail cleanly. */
	CHECK(cal_tz_open("Nowhere/Land", &tz, NULL) == TIDE_EQUERY && tz == NULL);

	static const char *const good[] = {
		"America/New_York", "Europe/Berlin", "Australia/Sydney", "Asia/Kolkata",
		"Pacific/Chatham", "America/Argentina/Buenos_Aires", "Etc/GMT-14", "EST5EDT",
		"US/Pacific",
	};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		tz = zone(good[i]);
		CHECK(tz && !cal_tz_is_utc(tz));
		cal_tz_close(tz);
	}
}

/* ------------------------------------------- cross-check against glibc */


static void libc_tm(int64_t t, struct tm *tm)
{
	time_t tt = (time_t)t;
	localtime_r(&tt, tm);
}

static void libc_fmt(int64_t t, const char *fmt, char *buf)
{
	struct tm tm;
	libc_tm(t, &tm);
	strftime(buf, 32, fmt, &tm);
}

static int64_t libc_off(int64_t t)
{
	struct tm tm;
	libc_tm(t, &tm);
	return tm.tm_gmtoff;
}

static int days_in(int y, int m)
{
	static const int len[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	return m == 2 && (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) ? 29 : len[m - 1];
}

static int64_t floordiv(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* Does some instant near `near` show wall time el (as UTC-style seconds)?
 * Tries the offsets libc reports around it; *first gets the earliest. */
static bool wall_exists(int64_t el, int64_t near, int64_t *first)
{
	static const int64_t dt[] = { 0, 3 * 3600, -3 * 3600, 86400, -86400 };
	bool found = false;
	for (size_t i = 0; i < sizeof dt / sizeof dt[0]; i++) {
		struct tm tm;
		libc_tm(near + dt[i], &tm);
		int64_t c = el - tm.tm_gmtoff;
		libc_tm(c, &tm);
		int64_t back = ts(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
				  tm.tm_min, tm.tm_sec);
		if (back == el && (!found || c < *first)) {
			*first = c;
			found = true;
		}
	}
	return found;
}

/* Checks one zone at n random instants in [lo, hi), and (walk) every day
 * boundary over 80 years; returns the number of mismatches. */
static int crosscheck_zone(const char *name, int64_t lo, int64_t hi, int n, bool walk)
{
	char env[128], want[32], got[32];
	snprintf(env, sizeof env, ":%s", name);
	setenv("TZ", env, 1);
	tzset();
	cal_tz *tz = zone(name);
	if (!tz)
		return 1;
	int bad = 0;
#define MISMATCH(...) do { if (bad++ < 5) { fprintf(stderr, "%s: ", name); \
	fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); } } while (0)

	for (int i = 0; i < n; i++) {
		int64_t t = lo + (int64_t)(testrand_next() % (uint64_t)(hi - lo));
		/* Near a day boundary half of the time, where transitions are. */
		if (i & 1)
			t = cal_period_start(t, CAL_DAY, tz) + (int64_t)(testrand_next() % 10800) - 5400;

		/* The local day: the label is the date libc gives, its start is the
		 * first instant with that date, and t lies inside it.  The only
		 * exception: a step back across midnight leaves the minutes between
		 * midnight and the step with the day before (see cal.c). */
		int64_t s = cal_period_start(t, CAL_DAY, tz), nx = cal_period_next(s, CAL_DAY, tz);
		libc_fmt(t, "%Y-%m-%d", want);
		cal_period_label(s, CAL_DAY, tz, got);
		if (!(s <= t && t < nx))
			MISMATCH("t=%s not in [%s, %s)", iso(t), iso(s), iso(nx));
		if (strcmp(got, want) != 0) {
			char after[32], back[32];
			cal_period_label(nx, CAL_DAY, tz, after);
			libc_fmt(nx - 1, "%Y-%m-%d", back);
			if (strcmp(after, want) != 0 || strcmp(back, got) != 0)
				MISMATCH("t=%s day %s want %s [%s, %s)", iso(t), got, want, iso(s), iso(nx));
		}
		libc_fmt(s, "%Y-%m-%d", want);
		if (strcmp(got, want) != 0)
			MISMATCH("start %s is %s locally, label %s", iso(s), want, got);
		libc_fmt(s - 1, "%Y-%m-%d", want);
		if (strcmp(got, want) == 0)
			MISMATCH("start %s: the second before is also %s", iso(s), got);
		libc_fmt(nx - 1, "%Y-%m-%d", want);
		if (strcmp(got, want) != 0)
			MISMATCH("next %s: the second before is %s, not %s", iso(nx), want, got);
		if (nx - s < 20 * 3600 || nx - s > 28 * 3600)
			MISMATCH("day of %lld s at %s", (long long)(nx - s), iso(s));

		/* Week, month and year: labels of t, the start is the first instant
		 * of that label. */
		static const struct { cal_unit u; const char *fmt; } lab[] = {
			{ CAL_WEEK, "%G-W%V" }, { CAL_MONTH, "%Y-%m" }, { CAL_YEAR, "%Y" },
		};
		for (size_t j = 0; j < 3; j++) {
			int64_t ps = cal_period_start(t, lab[j].u, tz);
			int64_t pn = cal_period_next(ps, lab[j].u, tz);
			cal_period_label(ps, lab[j].u, tz, got);
			libc_fmt(ps, lab[j].fmt, want);
			if (strcmp(got, want) != 0 || ps > t || pn <= t)
				MISMATCH("t=%s %s at %s want %s", iso(t), got, iso(ps), want);
			libc_fmt(ps - 1, lab[j].fmt, want);
			if (strcmp(got, want) == 0)
				MISMATCH("period %s starts too late at %s", got, iso(ps));
			libc_fmt(pn - 1, lab[j].fmt, want);
			if (strcmp(got, want) != 0)
				MISMATCH("period %s ends too early at %s", got, iso(pn));
		}

		/* Month arithmetic keeps the wall clock, the earliest instant that
		 * shows it; a skipped wall time moves forward by the gap. */
		struct tm lt;
		libc_tm(t, &lt);
		static const int64_t ks[] = { 1, -1, 7, -13 };
		for (size_t j = 0; j < 4; j++) {
			int64_t r = cal_add(t, dur("1mo"), ks[j], tz);
			int64_t mi = (int64_t)(lt.tm_year + 1900) * 12 + lt.tm_mon + ks[j];
			int ey = (int)floordiv(mi, 12), em = (int)(mi - (int64_t)ey * 12) + 1;
			int ed = lt.tm_mday < days_in(ey, em) ? lt.tm_mday : days_in(ey, em);
			int64_t el = ts(ey, em, ed, lt.tm_hour, lt.tm_min, lt.tm_sec), first = 0;
			struct tm rt;
			libc_tm(r, &rt);
			int64_t rl = ts(rt.tm_year + 1900, rt.tm_mon + 1, rt.tm_mday, rt.tm_hour,
					rt.tm_min, rt.tm_sec);
			bool ok;
			if (wall_exists(el, r, &first))
				ok = r == first;
			else	/* skipped: r is el read with the offset before the jump */
				ok = rl > el && rl - el <= 26 * 3600 &&
				     r == el - libc_off(r - (rl - el) - 1);
			if (!ok)
				MISMATCH("%s %+lld mo = %s, want wall %04d-%02d-%02d %02d:%02d:%02d",
					 iso(t), (long long)ks[j], iso(r), ey, em, ed, lt.tm_hour,
					 lt.tm_min, lt.tm_sec);
		}
	}

	/* Walk consecutive days 1960..2040: strictly increasing, labels as libc
	 * gives at each start and one day apart (two where a zone skipped a
	 * day), and cal_period_start agrees with the boundaries. */
	int64_t s = cal_period_start(day(1960, 1, 1), CAL_DAY, tz), prev_day = 0;
	for (int i = 0; walk && i < 80 * 365; i++) {
		int64_t nx = cal_period_next(s, CAL_DAY, tz);
		cal_period_label(s, CAL_DAY, tz, got);
		libc_fmt(s, "%Y-%m-%d", want);
		int y = 0, m = 0, d = 0;
		sscanf(got, "%d-%d-%d", &y, &m, &d);
		int64_t dn = day(y, m, d) / 86400;
		if (nx <= s || strcmp(got, want) != 0 ||
		    (i > 0 && (dn - prev_day < 1 || dn - prev_day > 2)))
			MISMATCH("walk: %s labelled %s, libc %s", iso(s), got, want);
		if (cal_period_start(nx - 1, CAL_DAY, tz) != s || cal_period_start(s, CAL_DAY, tz) != s)
			MISMATCH("walk: start of %s", iso(nx - 1));
		prev_day = dn;
		s = nx;
	}
#undef MISMATCH
	cal_tz_close(tz);
	return bad;
}

static void test_libc_crosscheck(void)
{
	static const char *const zones[] = {
		"America/New_York", "Europe/Berlin", "Australia/Sydney", "Asia/Kolkata",
		"America/Sao_Paulo", "Asia/Beirut", "Europe/Dublin", "Europe/London",
		"Australia/Lord_Howe", "Pacific/Chatham", "America/St_Johns",
		"Africa/Casablanca", "Pacific/Apia", "America/Santiago", "Asia/Tehran",
		"America/Nuuk", "Pacific/Kiritimati", "America/Havana", "Europe/Moscow",
		"America/Los_Angeles", "Asia/Gaza", "Antarctica/Troll", "Pacific/Kwajalein",
		"America/Asuncion", "Africa/Cairo", "Asia/Jerusalem", "America/Scoresbysund",
	};
	const char *old = getenv("TZ");
	char *saved = old ? strdup(old) : NULL;
	int bad = 0;
	for (size_t i = 0; i < sizeof zones / sizeof zones[0]; i++) {
		/* 1890..2400: LMT, the table, and the footer rule. */
		bad += crosscheck_zone(zones[i], ts(1890, 1, 1, 0, 0, 0), ts(2400, 1, 1, 0, 0, 0), 700, true);
		/* Dense in the years that matter. */
		bad += crosscheck_zone(zones[i], ts(1990, 1, 1, 0, 0, 0), ts(2060, 1, 1, 0, 0, 0), 700, false);
	}
	CHECK(bad == 0);
	if (saved) {
		setenv("TZ", saved, 1);
		free(saved);
	} else {
		unsetenv("TZ");
	}
	tzset();
}

/* A zone is immutable once open: bucketing many instants by precomputed
 * period starts stays cheap; here just sanity of a year of hourly instants. */
static void test_bucket_consistency(void)
{
	cal_tz *be = zone("Europe/Berlin");
	int64_t starts[400];
	int n = 0;
	for (int64_t s = cal_period_start(day(2025, 1, 1), CAL_DAY, be);
	     n < 400; s = cal_period_next(s, CAL_DAY, be))
		starts[n++] = s;
	int bad = 0;
	for (int64_t t = starts[0]; t < starts[n - 1]; t += 1800) {
		int lo = 0, hi = n;	/* last start <= t */
		while (hi - lo > 1) {
			int mid = (lo + hi) / 2;
			if (starts[mid] <= t)
				lo = mid;
			else
				hi = mid;
		}
		bad += cal_period_start(t, CAL_DAY, be) != starts[lo];
	}
	CHECK(bad == 0);
	cal_tz_close(be);
}

int main(void)
{
	RUN(test_dur_parse_format);
	RUN(test_dur_reject);
	RUN(test_dur_divide);
	RUN(test_add_fixed);
	RUN(test_add_month_clamp);
	RUN(test_add_months_dst);
	RUN(test_utc_periods);
	RUN(test_iso_weeks);
	RUN(test_dst_day_lengths);
	RUN(test_skipped_midnight);
	RUN(test_offset_zones);
	RUN(test_tz_open);
	RUN(test_libc_crosscheck);
	RUN(test_bucket_consistency);
	return run_failed;
}

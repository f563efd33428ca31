/* test_timefmt.c — timestamps and money as text. */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "event.h"
#include "timefmt.h"

static int ts(const char *s, int64_t *out)
{
	return tide_ts_parse(s, strlen(s), out);
}

static int money(const char *s, int64_t *out)
{
	return tide_money_parse(s, strlen(s), out);
}

static void test_civil_known_days(void)
{
	CHECK(tide_days_from_civil(1970, 1, 1) == 0);
	CHECK(tide_days_from_civil(1969, 12, 31) == -1);
	CHECK(tide_days_from_civil(2000, 3, 1) == 11017);
	CHECK(tide_days_from_civil(2025, 3, 1) == 20148);
	CHECK(tide_days_from_civil(1, 1, 1) == -719162);
	CHECK(tide_days_from_civil(9999, 12, 31) == 2932896);

	int64_t y;
	unsigned m, d;
	tide_civil_from_days(-719162, &y, &m, &d);
	CHECK(y == 1 && m == 1 && d == 1);
	tide_civil_from_days(11016, &y, &m, &d);
	CHECK(y == 2000 && m == 2 && d == 29);
}

/* Walks every day of years 1..9999 and checks the two conversions agree
 * with a day-by-day calendar, so an off-by-one anywhere shows up. */
static void test_civil_round_trip(void)
{
	static const unsigned len[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int64_t day = tide_days_from_civil(1, 1, 1);
	int bad = 0;
	for (int64_t y = 1; y <= 9999 && bad < 5; y++) {
		int leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
		for (unsigned m = 1; m <= 12; m++) {
			unsigned ml = len[m - 1] + (m == 2 && leap);
			for (unsigned d = 1; d <= ml; d++, day++) {
				int64_t yy;
				unsigned mm, dd;
				tide_civil_from_days(day, &yy, &mm, &dd);
				if (tide_days_from_civil(y, m, d) != day ||
				    yy != y || mm != m || dd != d)
					bad++;
			}
		}
	}
	CHECK(bad == 0);
}

static void test_ts_accepted_forms(void)
{
	int64_t t = -1;
	CHECK(ts("2025-03-01", &t) == 0 && t == 1740787200);
	CHECK(ts("2025-03-01T10:22:00Z", &t) == 0 && t == 1740824520);
	CHECK(ts("2025-03-01 10:22:00", &t) == 0 && t == 1740824520);
	CHECK(ts("1740824520", &t) == 0 && t == 1740824520);
	CHECK(ts("0", &t) == 0 && t == 0);
	CHECK(ts("-1", &t) == 0 && t == -1);
	CHECK(ts("-86400", &t) == 0 && t == -86400);
	CHECK(ts("0001740824520", &t) == 0 && t == 1740824520);
	/* A compact date is an integer, so it reads as epoch seconds. */
	CHECK(ts("20250301", &t) == 0 && t == 20250301);
	CHECK(ts("2024-02-29", &t) == 0 && t == 1709164800);
	CHECK(ts("2000-02-29T23:59:59Z", &t) == 0 && t == 951868799);
	CHECK(ts("1969-12-31 23:59:59", &t) == 0 && t == -1);
	CHECK(ts("0001-01-01", &t) == 0 && t == INT64_C(-62135596800));
	CHECK(ts("9999-12-31T23:59:59Z", &t) == 0 && t == INT64_C(253402300799));
	CHECK(ts("-62135596800", &t) == 0 && t == INT64_C(-62135596800));
	CHECK(ts("253402300799", &t) == 0 && t == INT64_C(253402300799));
	/* Only s[0..n) counts: text after n is not trailing garbage. */
	CHECK(tide_ts_parse("2025-03-01xyz", 10, &t) == 0 && t == 1740787200);
}

static void test_ts_rejected(void)
{
	static const char *const bad[] = {
		"", "-", "+5", "12a", "1.5", " 2025-03-01", "2025-03-01 ",
		"2025-3-01", "2025-03-1", "25-03-01", "2025/03/01", "2025-0301",
		"2025-13-01", "2025-00-10", "2025-01-00", "2025-01-32",
		"2025-02-29", "2023-02-29", "1900-02-29", "2025-04-31",
		"2025-02-30", "0000-01-01",
		"2025-03-01T10:22:00", "2025-03-01T10:22Z", "2025-03-01t10:22:00z",
		"2025-03-01T10:22:00.5Z", "2025-03-01 10:22:00Z",
		"2025-03-01T24:00:00Z", "2025-03-01T10:60:00Z", "2025-03-01 10:22:60",
		"2025-03-01T1a:22:00Z", "2025-03-01T10-22-00Z", "2025-03-01x10:22:00",
		"2025-03-01T10:22:00+01:00", "2025-03-01Z",
		"-62135596801", "253402300800", "99999999999999999999999",
		"1e9", "0x10", "--1",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int64_t t = 42;
		if (ts(bad[i], &t) != -1 || t != 42) {
			fprintf(stderr, "accepted bad timestamp '%s'\n", bad[i]);
			check_failures++;
		}
	}
}

static void test_ts_format(void)
{
	char buf[21];
	tide_ts_format(0, buf);
	CHECK_STR(buf, "1970-01-01T00:00:00Z");
	tide_ts_format(1740824520, buf);
	CHECK_STR(buf, "2025-03-01T10:22:00Z");
	tide_ts_format(-1, buf);
	CHECK_STR(buf, "1969-12-31T23:59:59Z");
	tide_ts_format(951868799, buf);
	CHECK_STR(buf, "2000-02-29T23:59:59Z");
	tide_ts_format(INT64_C(-62135596800), buf);
	CHECK_STR(buf, "0001-01-01T00:00:00Z");
	tide_ts_format(INT64_C(253402300799), buf);
	CHECK_STR(buf, "9999-12-31T23:59:59Z");
	/* Out of range clamps instead of overflowing the 21-byte buffer. */
	tide_ts_format(INT64_MAX, buf);
	CHECK_STR(buf, "9999-12-31T23:59:59Z");
	tide_ts_format(INT64_MIN, buf);
	CHECK_STR(buf, "0001-01-01T00:00:00Z");

	/* What format writes, parse reads back. */
	int64_t samples[] = { 0, -1, 1, 86399, 86400, 1740824520, -2208988800,
			      INT64_C(4102444799), INT64_C(-62135596800) };
	for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
		int64_t back = 0;
		tide_ts_format(samples[i], buf);
		CHECK(tide_ts_parse(buf, strlen(buf), &back) == 0 && back == samples[i]);
	}
}

static void test_ts_day(void)
{
	CHECK(tide_ts_day(0) == 0);
	CHECK(tide_ts_day(86399) == 0);
	CHECK(tide_ts_day(86400) == 1);
	CHECK(tide_ts_day(-1) == -1);
	CHECK(tide_ts_day(-86400) == -1);
	CHECK(tide_ts_day(-86401) == -2);
	CHECK(tide_ts_day(1740824520) == 20148);
}

static void test_money_parse_accepted(void)
{
	static const struct { const char *s; int64_t v; } ok[] = {
		{ "12", 120000 }, { "-3.5", -35000 }, { "0.0001", 1 },
		{ "+7.25", 72500 }, { "0", 0 }, { "-0", 0 }, { "0.5", 5000 },
		{ "007.50", 75000 }, { "12.3456", 123456 }, { "-12.3456", -123456 },
		{ "12.500000", 125000 }, { "1.23450", 12345 },
		{ "100000000000", INT64_C(1000000000000000) },
		{ "-100000000000.0000", -INT64_C(1000000000000000) },
		{ "99999999999.9999", INT64_C(999999999999999) },
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		int64_t v = -42;
		if (money(ok[i].s, &v) != 0 || v != ok[i].v) {
			fprintf(stderr, "money '%s': got %lld\n", ok[i].s, (long long)v);
			check_failures++;
		}
	}
}

static void test_money_parse_rejected(void)
{
	static const struct { const char *s; int rc; } bad[] = {
		{ "", -1 }, { "-", -1 }, { "+", -1 }, { ".5", -1 }, { "5.", -1 },
		{ "-.5", -1 }, { "12,5x", -1 }, { "12,5", -1 }, { "1e3", -1 },
		{ "1E3", -1 }, { " 12", -1 }, { "12 ", -1 }, { "1 2", -1 },
		{ "--1", -1 }, { "+-1", -1 }, { "1.2.3", -1 }, { "0x10", -1 },
		{ "12.34567x", -1 }, { "NaN", -1 }, { "inf", -1 }, { "1_000", -1 },
		{ "1.23456", -2 }, { "-0.00001", -2 }, { "1.000001", -2 },
		{ "100000000000.0001", -3 }, { "-100000000000.0001", -3 },
		{ "100000000001", -3 }, { "99999999999999999999999999999", -3 },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int64_t v = 42;
		int rc = money(bad[i].s, &v);
		if (rc != bad[i].rc || v != 42) {
			fprintf(stderr, "money '%s': rc %d, want %d\n", bad[i].s, rc, bad[i].rc);
			check_failures++;
		}
	}
}

static void test_money_format(void)
{
	char buf[32];
	CHECK(tide_money_format(123450, 2, buf) == 5);
	CHECK_STR(buf, "12.35");
	tide_money_format(-123450, 2, buf);
	CHECK_STR(buf, "-12.35");
	tide_money_format(123449, 2, buf);
	CHECK_STR(buf, "12.34");
	tide_money_format(-40, 2, buf);
	CHECK_STR(buf, "0.00");
	tide_money_format(-49, 2, buf);
	CHECK_STR(buf, "0.00");
	tide_money_format(-50, 2, buf);
	CHECK_STR(buf, "-0.01");
	tide_money_format(0, 2, buf);
	CHECK_STR(buf, "0.00");
	tide_money_format(5000, 0, buf);
	CHECK_STR(buf, "1");
	tide_money_format(-5000, 0, buf);
	CHECK_STR(buf, "-1");
	tide_money_format(-4999, 0, buf);
	CHECK_STR(buf, "0");
	tide_money_format(123456, 4, buf);
	CHECK_STR(buf, "12.3456");
	tide_money_format(123456, 3, buf);
	CHECK_STR(buf, "12.346");
	tide_money_format(95, 1, buf);
	CHECK_STR(buf, "0.0");
	tide_money_format(999950, 1, buf);
	CHECK_STR(buf, "100.0");
	tide_money_format(-999999, 2, buf);
	CHECK_STR(buf, "-100.00");
	tide_money_format(INT64_C(1000000000000000), 2, buf);
	CHECK_STR(buf, "100000000000.00");
	int n = tide_money_format(INT64_MIN, 4, buf);
	CHECK_STR(buf, "-922337203685477.5808");
	CHECK(n == (int)strlen(buf));
	tide_money_format(INT64_MAX, 0, buf);
	CHECK_STR(buf, "922337203685478");
}

static void test_money_format_exact(void)
{
	char buf[32];
	CHECK(tide_money_format_exact(120000, buf) == 2);
	CHECK_STR(buf, "12");
	tide_money_format_exact(125000, buf);
	CHECK_STR(buf, "12.5");
	tide_money_format_exact(-123456, buf);
	CHECK_STR(buf, "-12.3456");
	tide_money_format_exact(1, buf);
	CHECK_STR(buf, "0.0001");
	tide_money_format_exact(-10, buf);
	CHECK_STR(buf, "-0.001");
	tide_money_format_exact(0, buf);
	CHECK_STR(buf, "0");
	tide_money_format_exact(INT64_MIN, buf);
	CHECK_STR(buf, "-922337203685477.5808");

	/* Exact formatting parses back to the same units. */
	int64_t samples[] = { 0, 1, -1, 10, 123450, -7, INT64_C(1000000000000000) };
	for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
		int64_t back = 0;
		int n = tide_money_format_exact(samples[i], buf);
		CHECK(tide_money_parse(buf, (size_t)n, &back) == 0 && back == samples[i]);
	}
}

int main(void)
{
	RUN(test_civil_known_days);
	RUN(test_civil_round_trip);
	RUN(test_ts_accepted_forms);
	RUN(test_ts_rejected);
	RUN(test_ts_format);
	RUN(test_ts_day);
	RUN(test_money_parse_accepted);
	RUN(test_money_parse_rejected);
	RUN(test_money_format);
	RUN(test_money_format_exact);
	return run_failed;
}

/* timefmt.c — timestamps and money as text, in exact integer arithmetic.
 *
 * Calendar conversions are Howard Hinnant's days-from-civil algorithms
 * (proleptic Gregorian, eras of 400 years), so no libc time function or
 * time zone is involved and every result is exact. */
#include "timefmt.h"

#include <stdbool.h>

#include "event.h"

#define DAY_SECS 86400

static const int64_t ten_pow[] = { 1, 10, 100, 1000, 10000 };

int64_t tide_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void tide_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

int64_t tide_ts_day(int64_t ts)
{
	int64_t q = ts / DAY_SECS;
	return ts % DAY_SECS < 0 ? q - 1 : q;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Exactly k digits at s as a number, or -1. */
static int digits(const char *s, int k)
{
	int v = 0;
	for (int i = 0; i < k; i++) {
		if (!is_digit(s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static unsigned month_days(int y, int m)
{
	static const unsigned char len[] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};
	bool leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
	return len[m - 1] + (m == 2 && leap);
}

static int parse_epoch(const char *s, size_t n, int64_t *out)
{
	size_t i = s[0] == '-';
	if (i == n)
		return -1;
	/* Stopping past the supported range keeps the accumulator from
	 * overflowing on long digit strings. */
	int64_t v = 0;
	for (; i < n; i++) {
		if (!is_digit(s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
		if (v > TIDE_TS_MAX - TIDE_TS_MIN)
			return -1;
	}
	if (s[0] == '-')
		v = -v;
	if (v < TIDE_TS_MIN || v > TIDE_TS_MAX)
		return -1;
	*out = v;
	return 0;
}

int tide_ts_parse(const char *s, size_t n, int64_t *out)
{
	if (n == 0)
		return -1;
	if (n < 10 || s[4] != '-' || s[7] != '-')
		return parse_epoch(s, n, out);
	int y = digits(s, 4), mo = digits(s + 5, 2), d = digits(s + 8, 2);
	if (y < 1 || mo < 1 || mo > 12 || d < 1 || (unsigned)d > month_days(y, mo))
		return -1;
	int hh = 0, mi = 0, ss = 0;
	if (n > 10) {
		bool iso = n == 20 && s[10] == 'T' && s[19] == 'Z';
		bool space = n == 19 && s[10] == ' ';
		if (!iso && !space)
			return -1;
		if (s[13] != ':' || s[16] != ':')
			return -1;
		hh = digits(s + 11, 2);
		mi = digits(s + 14, 2);
		ss = digits(s + 17, 2);
		/* 60 is rejected: UTC seconds since the epoch cannot hold a
		 * leap second, and silently folding it would move the event. */
		if (hh < 0 || hh > 23 || mi < 0 || mi > 59 || ss < 0 || ss > 59)
			return -1;
	}
	*out = tide_days_from_civil(y, (unsigned)mo, (unsigned)d) * DAY_SECS +
	       hh * 3600 + mi * 60 + ss;
	return 0;
}

/* Writes v as exactly k digits, zero-padded. */
static char *put_digits(char *p, int64_t v, int k)
{
	for (int i = k - 1; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return p + k;
}

void tide_ts_format(int64_t ts, char *buf)
{
	/* The buffer fits only four-digit years, so instants outside the
	 * range tide_ts_parse accepts are clamped rather than overflow it. */
	if (ts < TIDE_TS_MIN)
		ts = TIDE_TS_MIN;
	if (ts > TIDE_TS_MAX)
		ts = TIDE_TS_MAX;
	int64_t days = tide_ts_day(ts), secs = ts - days * DAY_SECS, y;
	unsigned m, d;
	tide_civil_from_days(days, &y, &m, &d);
	char *p = buf;
	p = put_digits(p, y, 4);
	*p++ = '-';
	p = put_digits(p, m, 2);
	*p++ = '-';
	p = put_digits(p, d, 2);
	*p++ = 'T';
	p = put_digits(p, secs / 3600, 2);
	*p++ = ':';
	p = put_digits(p, secs / 60 % 60, 2);
	*p++ = ':';
	p = put_digits(p, secs % 60, 2);
	*p++ = 'Z';
	*p = '\0';
}

/* Syntax: [+-]digits[.digits].  Digits are required on both sides of a
 * point: ".5" and "5." are rejected, because a bare point is more often a
 * cut or mangled field than a deliberate value, and "0.5" costs a writer
 * nothing.  Fraction digits past the fourth are accepted when
 * they are all zero ("12.500000", as printf's %f writes), since the value is
 * still exact; any other fifth digit would have to be rounded, so it is -2. */
int tide_money_parse(const char *s, size_t n, int64_t *out)
{
	size_t i = 0;
	bool neg = false;
	if (i < n && (s[i] == '+' || s[i] == '-'))
		neg = s[i++] == '-';
	size_t int_start = i;
	int64_t whole = 0;
	bool big = false;
	for (; i < n && is_digit(s[i]); i++) {
		/* Past the cap the value only matters as "too big"; stop
		 * accumulating so it cannot overflow. */
		if (whole > TIDE_MONEY_MAX / TIDE_MONEY_SCALE)
			big = true;
		else
			whole = whole * 10 + (s[i] - '0');
	}
	if (i == int_start)
		return -1;
	int64_t frac = 0;
	bool inexact = false;
	if (i < n && s[i] == '.') {
		size_t frac_start = ++i;
		for (; i < n && is_digit(s[i]); i++) {
			size_t k = i - frac_start;
			if (k < 4)
				frac += (s[i] - '0') * ten_pow[3 - k];
			else if (s[i] != '0')
				inexact = true;
		}
		if (i == frac_start)
			return -1;
	}
	if (i != n)
		return -1;
	if (inexact)
		return -2;
	int64_t v = whole * TIDE_MONEY_SCALE + frac;
	if (big || v > TIDE_MONEY_MAX)
		return -3;
	*out = neg ? -v : v;
	return 0;
}

/* Writes the unsigned decimal q / 10^dec with dec fraction digits. */
static int put_money(char *buf, bool neg, uint64_t q, int dec)
{
	char *p = buf;
	if (neg)
		*p++ = '-';
	uint64_t ip = q / (uint64_t)ten_pow[dec];
	char tmp[24];
	int k = 0;
	do {
		tmp[k++] = (char)('0' + ip % 10);
		ip /= 10;
	} while (ip);
	while (k)
		*p++ = tmp[--k];
	if (dec > 0) {
		*p++ = '.';
		p = put_digits(p, (int64_t)(q % (uint64_t)ten_pow[dec]), dec);
	}
	*p = '\0';
	return (int)(p - buf);
}

int tide_money_format(int64_t v, int decimals, char *buf)
{
	if (decimals < 0)
		decimals = 0;
	if (decimals > 4)
		decimals = 4;
	/* Unsigned magnitude, so INT64_MIN has one too. */
	uint64_t a = v < 0 ? -(uint64_t)v : (uint64_t)v;
	uint64_t div = (uint64_t)ten_pow[4 - decimals];
	uint64_t q = a / div;
	if (a % div * 2 >= div)
		q++;
	/* A value that rounds to zero prints unsigned: "-0.00" reads as a
	 * refund that never happened. */
	return put_money(buf, v < 0 && q != 0, q, decimals);
}

int tide_money_format_exact(int64_t v, char *buf)
{
	uint64_t a = v < 0 ? -(uint64_t)v : (uint64_t)v;
	int dec = 4;
	while (dec > 0 && a % 10 == 0) {
		a /= 10;
		dec--;
	}
	return put_money(buf, v < 0, a, dec);
}

/* cal.c — durations, calendar periods and time zones.
 *
 * Time zones are read straight from the system's TZif files (RFC 8536): the
 * 64-bit (v2+) transition table, plus the footer's POSIX TZ string for
 * instants after the last transition.  No libc time functions, no global
 * state: a cal_tz is immutable once opened, so one may be shared by any
 * number of threads.  UTC (and any zone whose offset is always 0) takes a
 * pure integer-arithmetic path.
 *
 * Conventions used throughout:
 *   - "local seconds" L = t + utoff(t): the local wall clock expressed as
 *     seconds since 1970-01-01T00:00 of that wall clock;
 *   - day numbers are days since 1970-01-01 (proleptic Gregorian, floor);
 *   - instants are clamped to ±2^60 s (about ±36 billion years) before any
 *     zone or calendar arithmetic, so no input can overflow.
 *
 * Local time -> UTC, where a local time is not unique:
 *   - cal_add (months/quarters/years): a wall time skipped by a forward
 *     jump moves forward by the size of the jump (02:30 on a spring-forward
 *     day in New York becomes 03:30 EDT); a repeated wall time takes the
 *     earlier instant (01:30 on a fall-back day is 01:30 EDT).
 *   - period starts: the first instant from which on the local date is
 *     never again before the period's first day.  Usually that is simply
 *     local midnight; a day whose midnight is skipped (00:00 -> 01:00)
 *     starts at the jump, its first existing instant; a midnight repeated
 *     by a step back within the day (01:00 -> 00:00) is the earlier one.
 *     Periods are therefore contiguous half-open intervals
 *     [start, cal_period_next(start)), and cal_period_start(t) is the one
 *     holding t, so bucketing by binary search over precomputed starts
 *     agrees with it.
 *
 * tz == NULL is accepted everywhere and means UTC. */
#include "cal.h"
#include "bigend.h"
#include "timefmt.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DAY_S 86400
#define TMAX ((int64_t)1 << 60)		/* instants are clamped to ±TMAX */
#define YMAX INT64_C(100000000000)	/* calendar results beyond ±YMAX years saturate */
#define ZONEINFO "/usr/share/zoneinfo/"
#define TZFILE_MAX (4 << 20)

/* Duration caps: at most 10 000 Gregorian years (3 652 425 days) of any unit. */
#define DUR_MAX_D INT64_C(3652425)
#define DUR_MAX_W INT64_C(521775)
#define DUR_MAX_MO INT64_C(120000)
#define DUR_MAX_Q INT64_C(40000)
#define DUR_MAX_Y INT64_C(10000)

/* ---------------------------------------------------------------- civil */

static int64_t fdiv(int64_t a, int64_t b)
{
	int64_t q = a / b;
	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return q;
}

static int64_t fmod_(int64_t a, int64_t b)
{
	return a - fdiv(a, b) * b;
}

static int64_t clamp_t(int64_t t)
{
	return t < -TMAX ? -TMAX : t > TMAX ? TMAX : t;
}

static bool is_leap(int64_t y)
{
	return fmod_(y, 4) == 0 && (fmod_(y, 100) != 0 || fmod_(y, 400) == 0);
}

static int month_len(int64_t y, int m)
{
	static const unsigned char len[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	return m == 2 && is_leap(y) ? 29 : len[m - 1];
}

/* The civil calendar of timefmt.c, in the int types this file uses. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	return tide_days_from_civil(y, (unsigned)m, (unsigned)d);
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	unsigned um, ud;
	tide_civil_from_days(z, y, &um, &ud);
	*m = (int)um;
	*d = (int)ud;
}

/* Monday = 0 ... Sunday = 6 (1970-01-01 was a Thursday). */
static int weekday_mon0(int64_t dn)
{
	return (int)fmod_(dn + 3, 7);
}

/* First day of the period of unit u holding day dn, moved `step` periods. */
static int64_t period_day(int64_t dn, cal_unit u, int64_t step)
{
	int64_t y;
	int m, d;
	switch (u) {
	case CAL_DAY:
		return dn + step;
	case CAL_WEEK:
		return dn - weekday_mon0(dn) + 7 * step;
	default:
		break;
	}
	civil_from_days(dn, &y, &m, &d);
	int64_t idx = y * 12 + (m - 1);	/* months since year 0 */
	if (u == CAL_MONTH)
		idx += step;
	else if (u == CAL_QUARTER)
		idx = idx - fmod_(idx, 3) + 3 * step;
	else
		idx = idx - fmod_(idx, 12) + 12 * step;
	y = fdiv(idx, 12);
	return days_from_civil(y, (int)(idx - y * 12) + 1, 1);
}

/* ------------------------------------------------------- POSIX TZ rules */

typedef struct tz_rule {
	char kind;		/* 'J' (1..365, no Feb 29), 'D' (0..365), 'M' */
	int n, m, w, d;		/* J/D: n; M: month, week (5 = last), weekday (0 = Sun) */
	int32_t secs;		/* local time of day of the change, -167h..167h */
} tz_rule;

typedef struct posix_tz {
	int32_t std_off, dst_off;	/* seconds east of UTC */
	bool has_dst;
	tz_rule start, end;	/* start: std -> dst, in std time; end: dst -> std, in dst time */
} posix_tz;

static bool is_alpha(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static const char *ptz_name(const char *p)
{
	const char *q;
	if (*p == '<') {
		q = ++p;
		while (is_alpha(*p) || is_digit(*p) || *p == '+' || *p == '-')
			p++;
		if (*p != '>' || p - q < 3)
			return NULL;
		return p + 1;
	}
	q = p;
	while (is_alpha(*p))
		p++;
	return p - q < 3 ? NULL : p;
}

static const char *ptz_uint(const char *p, int max, int *out)
{
	int v = 0;
	if (!is_digit(*p))
		return NULL;
	while (is_digit(*p)) {
		v = v * 10 + (*p++ - '0');
		if (v > max)
			return NULL;
	}
	*out = v;
	return p;
}

/* [+-]h[hh][:mm[:ss]] with at most maxh hours, as signed seconds. */
static const char *ptz_time(const char *p, int maxh, int32_t *out)
{
	int sign = 1, h, mi = 0, s = 0;
	if (*p == '+' || *p == '-')
		sign = *p++ == '-' ? -1 : 1;
	if (!(p = ptz_uint(p, maxh, &h)))
		return NULL;
	if (*p == ':') {
		if (!(p = ptz_uint(p + 1, 59, &mi)))
			return NULL;
		if (*p == ':' && !(p = ptz_uint(p + 1, 59, &s)))
			return NULL;
	}
	*out = sign * (h * 3600 + mi * 60 + s);
	return p;
}

static const char *ptz_rule(const char *p, tz_rule *r)
{
	memset(r, 0, sizeof *r);
	if (*p == 'J') {
		r->kind = 'J';
		if (!(p = ptz_uint(p + 1, 365, &r->n)) || r->n < 1)
			return NULL;
	} else if (*p == 'M') {
		r->kind = 'M';
		if (!(p = ptz_uint(p + 1, 12, &r->m)) || r->m < 1 || *p != '.')
			return NULL;
		if (!(p = ptz_uint(p + 1, 5, &r->w)) || r->w < 1 || *p != '.')
			return NULL;
		if (!(p = ptz_uint(p + 1, 6, &r->d)))
			return NULL;
	} else {
		r->kind = 'D';
		if (!(p = ptz_uint(p, 365, &r->n)))
			return NULL;
	}
	r->secs = 7200;
	if (*p == '/' && !(p = ptz_time(p + 1, 167, &r->secs)))
		return NULL;
	return p;
}

/* Parses a POSIX TZ string such as "EST5EDT,M3.2.0,M11.1.0", "IST-5:30",
 * "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0" (RFC 8536 section 3.3). */
static int ptz_parse(const char *p, posix_tz *z)
{
	int32_t o;
	memset(z, 0, sizeof *z);
	if (!(p = ptz_name(p)) || !(p = ptz_time(p, 24, &o)))
		return -1;
	z->std_off = -o;
	if (!*p)
		return 0;
	if (!(p = ptz_name(p)))
		return -1;
	z->has_dst = true;
	z->dst_off = z->std_off + 3600;
	if (*p && *p != ',') {
		if (!(p = ptz_time(p, 24, &o)))
			return -1;
		z->dst_off = -o;
	}
	if (!*p) {	/* POSIX leaves the default open; use the US rule like glibc */
		z->start = (tz_rule){ 'M', 0, 3, 2, 0, 7200 };
		z->end = (tz_rule){ 'M', 0, 11, 1, 0, 7200 };
		return 0;
	}
	if (*p != ',' || !(p = ptz_rule(p + 1, &z->start)) || *p != ',' ||
	    !(p = ptz_rule(p + 1, &z->end)) || *p)
		return -1;
	return 0;
}

/* Day number of the rule's date in year y. */
static int64_t rule_day(const tz_rule *r, int64_t y)
{
	int64_t jan1 = days_from_civil(y, 1, 1);
	if (r->kind == 'J')
		return jan1 + r->n - 1 + (is_leap(y) && r->n >= 60);
	if (r->kind == 'D')
		return jan1 + r->n;
	int64_t first = days_from_civil(y, r->m, 1);
	int wd = (int)fmod_(first + 4, 7);	/* Sunday = 0 */
	int64_t d = first + (r->d - wd + 7) % 7 + 7 * (r->w - 1);
	int64_t end = first + month_len(y, r->m);
	while (d >= end)
		d -= 7;
	return d;
}

/* Offset at t under the rule, and the next instant > t at which it may
 * change (INT64_MAX if never). */
static int32_t ptz_eval(const posix_tz *z, int64_t t, int64_t *next)
{
	if (!z->has_dst) {
		if (next)
			*next = INT64_MAX;
		return z->std_off;
	}
	struct { int64_t at; bool dst; } ev[10], tmp;
	int64_t y, n = 0;
	int m, d;
	civil_from_days(fdiv(t + z->std_off, DAY_S), &y, &m, &d);
	for (int64_t yy = y - 2; yy <= y + 2; yy++) {
		ev[n].at = rule_day(&z->start, yy) * DAY_S + z->start.secs - z->std_off;
		ev[n++].dst = true;
		ev[n].at = rule_day(&z->end, yy) * DAY_S + z->end.secs - z->dst_off;
		ev[n++].dst = false;
	}
	/* Sort by instant; on a tie the end of DST comes first, so a rule whose
	 * DST ends exactly when next year's begins is DST all year. */
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && (ev[j - 1].at > ev[j].at ||
					  (ev[j - 1].at == ev[j].at && ev[j - 1].dst && !ev[j].dst)); j--) {
			tmp = ev[j];
			ev[j] = ev[j - 1];
			ev[j - 1] = tmp;
		}
	int i = 0;
	while (i < n && ev[i].at <= t)
		i++;
	bool dst = i > 0 ? ev[i - 1].dst : !ev[0].dst;
	if (next)
		*next = i < n ? ev[i].at : INT64_MAX;
	return dst ? z->dst_off : z->std_off;
}

/* ------------------------------------------------------------ the zone */

struct cal_tz {
	bool utc;
	int32_t off0;		/* offset before the first transition */
	size_t n;		/* transitions that change the offset */
	int64_t *at;		/* their instants, ascending */
	int32_t *off;		/* the offset from each on */
	int64_t footer_from;	/* the rule applies from here on (INT64_MAX: never) */
	posix_tz rule;
};

static cal_tz utc_zone = { .utc = true, .footer_from = INT64_MAX };

static bool zone_utc(const cal_tz *tz)
{
	return !tz || tz->utc;
}

/* UTC offset at t, and the next instant > t where it may change. */
static int32_t tz_lookup(const cal_tz *tz, int64_t t, int64_t *next)
{
	if (t >= tz->footer_from)
		return ptz_eval(&tz->rule, t, next);
	size_t lo = 0, hi = tz->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (tz->at[mid] <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (next)
		*next = lo < tz->n ? tz->at[lo] : tz->footer_from;
	return lo == 0 ? tz->off0 : tz->off[lo - 1];
}

static int64_t utc_to_local(const cal_tz *tz, int64_t t)
{
	return zone_utc(tz) ? t : t + tz_lookup(tz, t, NULL);
}

enum { L2U_EARLIEST, L2U_SETTLED };

/* The UTC instant of local time L.  Offsets are below 26 h, so every
 * instant with that wall time lies within two days of L: collect the
 * stretches of constant offset there.
 *   L2U_EARLIEST (cal_add): the earliest instant showing wall time L; when
 *     L was skipped by a forward jump, L moved forward by the jump.
 *   L2U_SETTLED (period boundaries, L a local midnight): the first instant
 *     from which on the wall clock never again reads less than L.  That is
 *     the first instant at or after L when the clock only moves forward, the
 *     end of the jump when L was skipped, and the earlier midnight when the
 *     clock steps back within the day (Havana: 01:00 -> 00:00).  Only when
 *     the clock steps back across midnight (St. John's 2007: 00:01 NDT ->
 *     23:01 NST) is it the later midnight, so the day before keeps its
 *     repeated hour and the boundaries stay in order. */
static int64_t local_to_utc(const cal_tz *tz, int64_t L, int mode)
{
	enum { MAXSEG = 32 };
	int64_t at[MAXSEG + 1];
	int32_t off[MAXSEG];
	int n = 0;

	if (zone_utc(tz))
		return L;
	at[0] = L - 2 * DAY_S;
	while (n < MAXSEG) {
		int64_t next;
		off[n] = tz_lookup(tz, at[n], &next);
		at[++n] = next;
		if (next > L + 2 * DAY_S)
			break;
	}
	at[n] = INT64_MAX;

	if (mode == L2U_EARLIEST) {
		for (int i = 0; i < n; i++) {
			int64_t c = L - off[i];
			if (c < at[i])	/* skipped just before this stretch */
				return i > 0 ? L - off[i - 1] : at[i];
			if (c < at[i + 1])
				return c;
		}
		return L - off[n - 1];
	}
	int64_t ans = at[n];
	for (int i = n - 1; i >= 0; i--) {
		int64_t c = L - off[i];	/* the wall clock reads >= L from c on */
		if (c >= at[i + 1])	/* below L for the whole stretch */
			break;
		if (c > at[i]) {
			ans = c;
			break;
		}
		ans = at[i];
	}
	return ans;
}

/* Start of the period of unit u whose first local day is dn. */
static int64_t boundary(const cal_tz *tz, int64_t dn)
{
	return local_to_utc(tz, dn * DAY_S, L2U_SETTLED);
}

bool cal_tz_is_utc(const cal_tz *tz)
{
	return zone_utc(tz);
}

void cal_tz_close(cal_tz *tz)
{
	if (!tz || tz == &utc_zone)
		return;
	free(tz->at);
	free(tz->off);
	free(tz);
}

enum { TZ_OK, TZ_NOTZIF, TZ_CORRUPT, TZ_LEAP, TZ_NOMEM };

/* Parses a TZif file into tz.  Returns TZ_*; *why says what is wrong. */
static int tzif_parse(const unsigned char *buf, size_t len, cal_tz *tz, const char **why)
{
	uint64_t cnt[6];	/* isut isstd leap time type char */
	const unsigned char *p = buf, *end = buf + len;
	int tsize = 4;

	if (len < 44 || memcmp(buf, "TZif", 4) != 0) {
		*why = "not a TZif file";
		return TZ_NOTZIF;
	}
	int version = buf[4];
	for (int pass = 0; pass < 2; pass++) {
		if ((size_t)(end - p) < 44 || memcmp(p, "TZif", 4) != 0) {
			*why = "bad header";
			return TZ_CORRUPT;
		}
		for (int i = 0; i < 6; i++)
			cnt[i] = bigend_get(p + 20 + 4 * i, 4);
		p += 44;
		uint64_t need = cnt[3] * (uint64_t)(tsize + 1) + cnt[4] * 6 + cnt[5] +
			cnt[2] * (uint64_t)(tsize + 4) + cnt[1] + cnt[0];
		if (need > (uint64_t)(end - p)) {
			*why = "truncated";
			return TZ_CORRUPT;
		}
		if (pass == 1 || version == 0)
			break;
		p += need;	/* skip the 32-bit data: use the 64-bit block */
		tsize = 8;
	}
	uint64_t isutcnt = cnt[0], isstdcnt = cnt[1], leapcnt = cnt[2];
	uint64_t timecnt = cnt[3], typecnt = cnt[4], charcnt = cnt[5];
	if (typecnt == 0 || typecnt > 256 || charcnt == 0 ||
	    (isutcnt && isutcnt != typecnt) || (isstdcnt && isstdcnt != typecnt)) {
		*why = "bad counts";
		return TZ_CORRUPT;
	}
	if (leapcnt) {
		*why = "has leap seconds";
		return TZ_LEAP;
	}
	const unsigned char *times = p, *idx = p + timecnt * tsize;
	const unsigned char *types = idx + timecnt;
	int32_t toff[256];
	for (uint64_t i = 0; i < typecnt; i++) {
		toff[i] = (int32_t)bigend_get(types + 6 * i, 4);
		if (toff[i] < -89999 || toff[i] > 93599 || types[6 * i + 4] > 1 ||
		    types[6 * i + 5] >= charcnt) {
			*why = "bad local time type";
			return TZ_CORRUPT;
		}
	}
	p = types + 6 * typecnt + charcnt + leapcnt * (tsize + 4) + isstdcnt + isutcnt;

	/* Footer (v2+): "\n<POSIX TZ string>\n". */
	bool footer = false;
	if (version != 0) {
		const unsigned char *nl;
		if (p >= end || *p != '\n' || !(nl = memchr(p + 1, '\n', (size_t)(end - p - 1)))) {
			*why = "bad footer";
			return TZ_CORRUPT;
		}
		size_t flen = (size_t)(nl - p - 1);
		char s[256];
		if (flen >= sizeof s || memchr(p + 1, '\0', flen)) {
			*why = "bad footer";
			return TZ_CORRUPT;
		}
		memcpy(s, p + 1, flen);
		s[flen] = '\0';
		if (flen) {
			if (ptz_parse(s, &tz->rule) != 0) {
				*why = "unsupported TZ string in footer";
				return TZ_CORRUPT;
			}
			footer = true;
		}
	}

	tz->off0 = toff[0];
	tz->n = 0;
	if (timecnt) {
		tz->at = malloc(timecnt * sizeof *tz->at);
		tz->off = malloc(timecnt * sizeof *tz->off);
		if (!tz->at || !tz->off)
			return TZ_NOMEM;
	}
	int64_t last = INT64_MIN;
	int32_t cur = tz->off0;
	for (uint64_t i = 0; i < timecnt; i++) {
		int64_t at = tsize == 8 ? (int64_t)bigend_get(times + 8 * i, 8) : (int32_t)bigend_get(times + 4 * i, 4);
		if (i > 0 && at <= last) {
			*why = "transitions out of order";
			return TZ_CORRUPT;
		}
		if (idx[i] >= typecnt) {
			*why = "bad transition type";
			return TZ_CORRUPT;
		}
		last = at;
		if (toff[idx[i]] != cur) {
			cur = toff[idx[i]];
			tz->at[tz->n] = at;
			tz->off[tz->n++] = cur;
		}
	}
	tz->footer_from = !footer ? INT64_MAX : timecnt ? last : INT64_MIN;

	bool table_zero = tz->footer_from == INT64_MIN || (tz->n == 0 && tz->off0 == 0);
	bool rule_zero = !footer || (!tz->rule.has_dst && tz->rule.std_off == 0);
	tz->utc = table_zero && rule_zero;
	return TZ_OK;
}

static bool ieq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char x = *a >= 'A' && *a <= 'Z' ? (char)(*a + 32) : *a;
		char y = *b >= 'A' && *b <= 'Z' ? (char)(*b + 32) : *b;
		if (x != y)
			return false;
	}
	return *a == *b;
}

/* An IANA name as it may appear under ZONEINFO: letters, digits and
 * "_+-./", no leading or trailing '/', no empty component, no component
 * starting with '.', and none of the directory's non-zone entries. */
static bool name_ok(const char *name)
{
	size_t len = strlen(name);
	if (len == 0 || len > 255 || name[0] == '/' || name[len - 1] == '/')
		return false;
	for (const char *p = name; *p; p++) {
		char c = *p;
		if (!(is_alpha(c) || is_digit(c) || c == '_' || c == '+' || c == '-' ||
		      c == '.' || c == '/'))
			return false;
		if ((p == name || p[-1] == '/') && (c == '.' || c == '/'))
			return false;
	}
	if (!strncmp(name, "posix/", 6) || !strncmp(name, "right/", 6) ||
	    !strcmp(name, "localtime") || !strcmp(name, "posixrules"))
		return false;
	return true;
}

int cal_tz_open(const char *name, cal_tz **out, tide_err *e)
{
	*out = NULL;
	if (!name || ieq(name, "UTC") || ieq(name, "Etc/UTC")) {
		*out = &utc_zone;
		return 0;
	}
	if (!name_ok(name))
		return tide_errf(e, TIDE_EQUERY, "unknown time zone '%.200s'", name);

	char path[sizeof ZONEINFO + 256];
	snprintf(path, sizeof path, "%s%s", ZONEINFO, name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP || errno == ENAMETOOLONG)
			return tide_errf(e, TIDE_EQUERY, "unknown time zone '%s'", name);
		return tide_errf(e, TIDE_EIO, "time zone '%s': %s: %s", name, path,
				 tide_strerror(errno));
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 44 ||
	    st.st_size > TZFILE_MAX) {
		close(fd);
		return tide_errf(e, TIDE_EQUERY, "unknown time zone '%s'", name);
	}
	size_t len = (size_t)st.st_size, got = 0;
	unsigned char *buf = malloc(len);
	if (!buf) {
		close(fd);
		return tide_errf(e, TIDE_ENOMEM, "time zone '%s': out of memory", name);
	}
	while (got < len) {
		ssize_t r = read(fd, buf + got, len - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			int err = r < 0 ? errno : EIO;
			free(buf);
			close(fd);
			return tide_errf(e, TIDE_EIO, "time zone '%s': %s: %s", name, path,
					 tide_strerror(err));
		}
		got += (size_t)r;
	}
	close(fd);

	cal_tz *tz = calloc(1, sizeof *tz);
	if (!tz) {
		free(buf);
		return tide_errf(e, TIDE_ENOMEM, "time zone '%s': out of memory", name);
	}
	const char *why = "";
	int rc = tzif_parse(buf, len, tz, &why);
	free(buf);
	if (rc != TZ_OK || tz->utc) {
		cal_tz_close(tz);
		switch (rc) {
		case TZ_OK:	/* offset 0 for ever: the same as UTC */
			*out = &utc_zone;
			return 0;
		case TZ_NOMEM:
			return tide_errf(e, TIDE_ENOMEM, "time zone '%s': out of memory", name);
		case TZ_CORRUPT:
			return tide_errf(e, TIDE_EIO, "time zone '%s': %s: %s", name, path, why);
		default:
			return tide_errf(e, TIDE_EQUERY, "unknown time zone '%s'", name);
		}
	}
	*out = tz;
	return 0;
}

/* ----------------------------------------------------------- durations */

static int64_t dur_max(cal_unit u)
{
	switch (u) {
	case CAL_DAY: return DUR_MAX_D;
	case CAL_WEEK: return DUR_MAX_W;
	case CAL_MONTH: return DUR_MAX_MO;
	case CAL_QUARTER: return DUR_MAX_Q;
	default: return DUR_MAX_Y;
	}
}

int cal_dur_parse(const char *s, size_t n, cal_dur *out)
{
	size_t i = 0;
	int64_t v = 0;
	cal_unit u;
	if (!s)
		return -1;
	while (i < n && is_digit(s[i])) {
		v = v * 10 + (s[i++] - '0');
		if (v > DUR_MAX_D)	/* the largest cap: stop before overflow */
			return -1;
	}
	if (i == 0 || v == 0)
		return -1;
	size_t rest = n - i;
	const char *p = s + i;
	if (rest == 1 && p[0] == 'd')
		u = CAL_DAY;
	else if (rest == 1 && p[0] == 'w')
		u = CAL_WEEK;
	else if (rest == 2 && p[0] == 'm' && p[1] == 'o')
		u = CAL_MONTH;
	else if (rest == 1 && p[0] == 'q')
		u = CAL_QUARTER;
	else if (rest == 1 && p[0] == 'y')
		u = CAL_YEAR;
	else
		return -1;
	if (v > dur_max(u))
		return -1;
	out->n = v;
	out->unit = u;
	return 0;
}

void cal_dur_format(cal_dur d, char *buf)
{
	static const char *const suffix[] = { "d", "w", "mo", "q", "y" };
	unsigned u = (unsigned)d.unit;
	snprintf(buf, 32, "%lld%s", (long long)d.n, u < 5 ? suffix[u] : "?");
}

/* Length in days (d, w) or months (mo, q, y); false when n overflows. */
static bool dur_size(cal_dur d, int64_t *size, bool *months)
{
	static const int64_t mult[] = { 1, 7, 1, 3, 12 };
	*months = d.unit >= CAL_MONTH;
	return !__builtin_mul_overflow(d.n, mult[d.unit], size);
}

int64_t cal_dur_divide(cal_dur w, cal_dur p)
{
	int64_t ws, ps;
	bool wm, pm;
	if ((unsigned)w.unit > CAL_YEAR || (unsigned)p.unit > CAL_YEAR ||
	    !dur_size(w, &ws, &wm) || !dur_size(p, &ps, &pm) ||
	    wm != pm || ws <= 0 || ps <= 0 || ws % ps != 0)
		return 0;
	return ws / ps;
}

/* --------------------------------------------------------- arithmetic */

int64_t cal_add(int64_t t, cal_dur d, int64_t k, const cal_tz *tz)
{
	int64_t size, delta, r;
	bool months;
	if (k == 0 || d.n == 0 || (unsigned)d.unit > CAL_YEAR)
		return t;
	bool neg = (k < 0) != (d.n < 0);
	if (!dur_size(d, &size, &months) || __builtin_mul_overflow(size, k, &delta))
		return neg ? INT64_MIN : INT64_MAX;
	if (!months) {
		if (__builtin_mul_overflow(delta, (int64_t)DAY_S, &delta) ||
		    __builtin_add_overflow(t, delta, &r))
			return neg ? INT64_MIN : INT64_MAX;
		return r;
	}

	int64_t L = utc_to_local(tz, clamp_t(t));
	int64_t dn = fdiv(L, DAY_S), sod = L - dn * DAY_S, y, idx;
	int m, dd;
	civil_from_days(dn, &y, &m, &dd);
	if (__builtin_add_overflow(y * 12 + (m - 1), delta, &idx))
		return neg ? INT64_MIN : INT64_MAX;
	y = fdiv(idx, 12);
	m = (int)(idx - y * 12) + 1;
	if (y > YMAX)
		return INT64_MAX;
	if (y < -YMAX)
		return INT64_MIN;
	if (dd > month_len(y, m))
		dd = month_len(y, m);
	return local_to_utc(tz, days_from_civil(y, m, dd) * DAY_S + sod, L2U_EARLIEST);
}

/* ------------------------------------------------------------- periods */

/* Period boundaries are non-decreasing in the local day (equal only for a
 * period skipped whole, like Pacific/Apia's 2011-12-30), so "the period
 * holding t" is the last boundary <= t and "the next one" the first
 * boundary > t.  Both start from the local date of t and move at most a
 * step or two. */
int64_t cal_period_start(int64_t t, cal_unit u, const cal_tz *tz)
{
	t = clamp_t(t);
	int64_t dn = period_day(fdiv(utc_to_local(tz, t), DAY_S), u, 0);
	int64_t s = boundary(tz, dn);
	for (int guard = 0; s > t && guard < 8; guard++) {
		dn = period_day(dn - 1, u, 0);
		s = boundary(tz, dn);
	}
	return s;
}

int64_t cal_period_next(int64_t start, cal_unit u, const cal_tz *tz)
{
	start = clamp_t(start);
	int64_t dn = period_day(fdiv(utc_to_local(tz, start), DAY_S), u, 0);
	if (zone_utc(tz))
		return period_day(dn, u, 1) * DAY_S;
	for (int guard = 0; guard < 8; guard++) {
		int64_t r = boundary(tz, dn);
		if (r > start)
			return r;
		dn = period_day(dn, u, 1);
	}
	return start + 1;	/* unreachable with real zones; keeps next > start */
}

void cal_period_label(int64_t start, cal_unit u, const cal_tz *tz, char *buf)
{
	int64_t dn = fdiv(utc_to_local(tz, clamp_t(start)), DAY_S), y;
	int m, d;
	long long yy;
	civil_from_days(dn, &y, &m, &d);
	yy = (long long)y;
	switch (u) {
	case CAL_DAY:
		snprintf(buf, 16, "%04lld-%02d-%02d", yy, m, d);
		break;
	case CAL_WEEK: {
		/* ISO 8601: the week belongs to the year holding its Thursday. */
		int64_t thu = dn - weekday_mon0(dn) + 3;
		civil_from_days(thu, &y, &m, &d);
		int week = (int)((thu - days_from_civil(y, 1, 1)) / 7 + 1);
		snprintf(buf, 16, "%04lld-W%02d", (long long)y, week);
		break;
	}
	case CAL_MONTH:
		snprintf(buf, 16, "%04lld-%02d", yy, m);
		break;
	case CAL_QUARTER:
		snprintf(buf, 16, "%04lld-Q%c", yy, (char)('1' + (m - 1) / 3));
		break;
	default:
		snprintf(buf, 16, "%04lld", yy);
		break;
	}
}

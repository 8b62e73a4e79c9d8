/* timerule — see timerule.h. */
#include "timerule.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

static const char *const day_names[7] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };

static void set_minute(struct timerule *r, unsigned m)
{
	m %= TIMERULE_WEEK_MINUTES;
	r->minutes[m / 8] |= (uint8_t)(1u << (m % 8));
}

static bool get_minute(const struct timerule *r, unsigned m)
{
	m %= TIMERULE_WEEK_MINUTES;
	return r->minutes[m / 8] & (1u << (m % 8));
}

/* Exactly three letters naming a day; its index (Mon = 0) or -1. */
static int parse_day(const char *s, size_t n)
{
	if (n != 3)
		return -1;
	for (int d = 0; d < 7; d++)
		if (strncasecmp(s, day_names[d], 3) == 0)
			return d;
	return -1;
}

/* "HH:MM" with HH 00..24 (24 only as 24:00 and only if allow24). */
static bool parse_clock(const char *s, bool allow24, unsigned *minute)
{
	if (strlen(s) != 5 || s[2] != ':')
		return false;
	for (int i = 0; i < 5; i++)
		if (i != 2 && (s[i] < '0' || s[i] > '9'))
			return false;
	unsigned h = (unsigned)(s[0] - '0') * 10 + (unsigned)(s[1] - '0');
	unsigned m = (unsigned)(s[3] - '0') * 10 + (unsigned)(s[4] - '0');
	if (m > 59 || h > 24 || (h == 24 && (m != 0 || !allow24)))
		return false;
	*minute = h * 60 + m;
	return true;
}

bool timerule_add(struct timerule *r, const char *item, const char **why)
{
	char buf[TIMERULE_ITEM_MAX + 1];
	size_t n = strlen(item);
	if (n == 0 || n > TIMERULE_ITEM_MAX) {
		*why = "empty or too long";
		return false;
	}
	memcpy(buf, item, n + 1);
	/* Split into an optional DAYS word and the HH:MM-HH:MM word. */
	char *times = buf, *days = NULL;
	char *space = strpbrk(buf, " \t");
	if (space) {
		*space = '\0';
		days = buf;
		times = space + 1;
		while (*times == ' ' || *times == '\t')
			times++;
		if (strpbrk(times, " \t")) {
			*why = "expected [DAYS] HH:MM-HH:MM";
			return false;
		}
	}
	int first = 0, last = 6;
	if (days) {
		char *dash = strchr(days, '-');
		first = parse_day(days, dash ? (size_t)(dash - days) : strlen(days));
		last = dash ? parse_day(dash + 1, strlen(dash + 1)) : first;
		if (first < 0 || last < 0) {
			*why = "days must be Mon..Sun or a range like Mon-Fri";
			return false;
		}
	}
	char *dash = strchr(times, '-');
	unsigned start, end;
	if (!dash) {
		*why = "expected a time range HH:MM-HH:MM";
		return false;
	}
	*dash = '\0';
	if (!parse_clock(times, false, &start) || !parse_clock(dash + 1, true, &end)) {
		*why = "times must be HH:MM (00:00..23:59, or 24:00 as an end)";
		return false;
	}
	/* An end at or before the start runs into the next day. */
	unsigned len = end > start ? end - start : end + TIMERULE_DAY_MINUTES - start;
	for (int d = first;; d = (d + 1) % 7) {
		unsigned base = (unsigned)d * TIMERULE_DAY_MINUTES + start;
		for (unsigned m = 0; m < len; m++)
			set_minute(r, base + m);
		if (d == last)
			break;
	}
	r->set = true;
	return true;
}

bool timerule_allows(const struct timerule *r, const struct tm *tm)
{
	if (!r->set)
		return true;
	if (tm->tm_wday < 0 || tm->tm_wday > 6 || tm->tm_hour < 0 || tm->tm_hour > 23 ||
	    tm->tm_min < 0 || tm->tm_min > 59)
		return false;
	unsigned day = (unsigned)(tm->tm_wday + 6) % 7; /* tm: Sunday = 0 */
	return get_minute(r, day * TIMERULE_DAY_MINUTES + (unsigned)tm->tm_hour * 60 +
		(unsigned)tm->tm_min);
}

/* Appends "HH:MM-HH:MM" runs of day d to buf. */
static void format_day_runs(const struct timerule *r, int d, char *buf, size_t len,
	size_t *used, bool *any, const char *days)
{
	unsigned base = (unsigned)d * TIMERULE_DAY_MINUTES;
	for (unsigned m = 0; m < TIMERULE_DAY_MINUTES;) {
		if (!get_minute(r, base + m)) {
			m++;
			continue;
		}
		unsigned e = m;
		while (e < TIMERULE_DAY_MINUTES && get_minute(r, base + e))
			e++;
		if (*used < len) {
			int w = snprintf(buf + *used, len - *used, "%s%s %02u:%02u-%02u:%02u",
				*any ? ", " : "", days, m / 60, m % 60, e / 60, e % 60);
			*used += w > 0 ? (size_t)w : 0;
		}
		*any = true;
		m = e;
	}
}

static bool same_day(const struct timerule *r, int a, int b)
{
	for (unsigned m = 0; m < TIMERULE_DAY_MINUTES; m++)
		if (get_minute(r, (unsigned)a * TIMERULE_DAY_MINUTES + m) !=
		    get_minute(r, (unsigned)b * TIMERULE_DAY_MINUTES + m))
			return false;
	return true;
}

char *timerule_format(const struct timerule *r, char *buf, size_t len)
{
	size_t used = 0;
	bool any = false;
	buf[0] = '\0';
	for (int d = 0; d < 7;) {
		int e = d;
		while (e + 1 < 7 && same_day(r, d, e + 1))
			e++;
		char days[8];
		if (e > d)
			snprintf(days, sizeof days, "%s-%s", day_names[d], day_names[e]);
		else
			snprintf(days, sizeof days, "%s", day_names[d]);
		format_day_runs(r, d, buf, len, &used, &any, days);
		d = e + 1;
	}
	if (!any)
		snprintf(buf, len, "none");
	return buf;
}

bool timerule_zone_valid(const char *name, const char **why)
{
	size_t n = strlen(name);
	if (strcmp(name, "UTC") == 0)
		return true;
	if (n == 0 || n >= TIMERULE_TZ_MAX || name[0] == '/' || strstr(name, "..") ||
	    strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		"0123456789/_+-") != n) {
		*why = "not a tz database name like Europe/Berlin";
		return false;
	}
	const char *dir = getenv("TZDIR");
	char path[512];
	struct stat st;
	snprintf(path, sizeof path, "%s/%s", dir && *dir ? dir : TIMERULE_ZONEINFO, name);
	FILE *f = fopen(path, "re");
	char magic[4] = { 0 };
	bool ok = f && fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) &&
		fread(magic, 1, 4, f) == 4 && memcmp(magic, "TZif", 4) == 0;
	if (f)
		fclose(f);
	if (!ok)
		*why = "no such zone in the tz database (is tzdata installed?)";
	return ok;
}

int timerule_local(const char *zone, time_t t, struct tm *out)
{
	const char *why;
	if (zone[0] && !timerule_zone_valid(zone, &why))
		return -1; /* glibc would silently use UTC: refuse instead */
	const char *old = getenv("TZ");
	char saved[256];
	bool had = old && strlen(old) < sizeof saved;
	if (had)
		snprintf(saved, sizeof saved, "%s", old);
	if (zone[0]) {
		char tz[TIMERULE_TZ_MAX + 2];
		snprintf(tz, sizeof tz, ":%s", zone);
		setenv("TZ", tz, 1);
	} else {
		unsetenv("TZ");
	}
	tzset();
	struct tm *res = localtime_r(&t, out);
	if (had)
		setenv("TZ", saved, 1);
	else
		unsetenv("TZ");
	tzset();
	return res ? 0 : -1;
}

/* Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

bool timerule_parse_date(const char *s, int64_t *out)
{
	static const unsigned mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return false;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return false;
	unsigned y = (unsigned)atoi(s), m = (unsigned)atoi(s + 5), d = (unsigned)atoi(s + 8);
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (y < 1970 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1] ||
	    (m == 2 && d == 29 && !leap))
		return false;
	*out = days_from_civil(y, m, d) * 86400;
	return true;
}

char *timerule_format_date(int64_t t, char buf[static TIMERULE_DATE_LEN])
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (!gmtime_r(&tt, &tm) || tm.tm_year + 1900 > 9999 || tm.tm_year + 1900 < 0)
		tm = (struct tm){ .tm_year = -1900, .tm_mday = 1 };
	unsigned y = (unsigned)(tm.tm_year + 1900) % 10000;
	unsigned m = (unsigned)(tm.tm_mon + 1) % 100, d = (unsigned)tm.tm_mday % 100;
	snprintf(buf, TIMERULE_DATE_LEN, "%04u-%02u-%02u", y, m, d);
	return buf;
}

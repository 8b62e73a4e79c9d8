/* timerule — when a user may knock: weekly hours in a named time zone, and
 * calendar dates (key expiry, the end of a key rotation's overlap).
 *
 * Hours are a bitmap of the minutes of one week (Monday 00:00 = minute 0),
 * filled from items such as
 *
 *   Mon-Fri 08:00-18:00     Sat 10:00-12:00     Sun 22:00-02:00     09:00-17:00
 *
 * DAYS is a day (Mon..Sun, any case) or a range of days (Fri-Mon wraps
 * through the weekend); without DAYS the item holds for every day. The end
 * is exclusive and may be 24:00; an end at or before the start runs past
 * midnight into the next day (Sun 22:00-02:00 ends Monday 02:00).
 *
 * Local time comes from the system's tz database (tzdata): timerule_local
 * sets TZ, calls tzset and localtime_r, and puts TZ back. That is not
 * thread-safe; the daemon's parent, which applies policy, is single-threaded. */
#ifndef POSTERN_TIMERULE_H
#define POSTERN_TIMERULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define TIMERULE_DAY_MINUTES (24 * 60)
#define TIMERULE_WEEK_MINUTES (7 * TIMERULE_DAY_MINUTES)
#define TIMERULE_ITEM_MAX 64 /* longest accepted item */
#define TIMERULE_TZ_MAX 64 /* longest accepted zone name */
#define TIMERULE_DATE_LEN 11 /* "YYYY-MM-DD" and NUL */
#define TIMERULE_ZONEINFO "/usr/share/zoneinfo"

struct timerule {
	bool set; /* false: no hours rule (any time) */
	uint8_t minutes[TIMERULE_WEEK_MINUTES / 8];
};

/* Adds one item to r. Returns false (r unchanged) with a short reason in
 * *why when the item is not "[DAYS] HH:MM-HH:MM". */
bool timerule_add(struct timerule *r, const char *item, const char **why);
/* True if r has no rule, or allows the minute of the week of tm (tm_wday,
 * tm_hour, tm_min as localtime fills them). */
bool timerule_allows(const struct timerule *r, const struct tm *tm);
/* Writes r as items "Mon-Fri 08:00-18:00, Sat 10:00-12:00" (days with the
 * same hours grouped) into buf; "none" if no minute is set. Returns buf. */
char *timerule_format(const struct timerule *r, char *buf, size_t len);

/* True if name is a zone of the tz database: 1..63 of A-Z a-z 0-9 / _ + -,
 * no "..", not starting with '/', and a TZif file under $TZDIR (default
 * TIMERULE_ZONEINFO). "UTC" is always valid. Fills *why otherwise. */
bool timerule_zone_valid(const char *name, const char **why);
/* Local time of t in zone name ("" = the host's local time, /etc/localtime).
 * Returns 0, or -1 if the zone's file has gone (fail closed). */
int timerule_local(const char *zone, time_t t, struct tm *out);

/* Parses "YYYY-MM-DD" (1970..9999, a real date) into the unix time of its
 * first second, 00:00:00 UTC. False if it is not such a date. */
bool timerule_parse_date(const char *s, int64_t *out);
/* Formats the UTC date of t as "YYYY-MM-DD". Returns buf. */
char *timerule_format_date(int64_t t, char buf[static TIMERULE_DATE_LEN]);

#endif

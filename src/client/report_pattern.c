/* report_pattern — see report_pattern.h. */
#include "report_pattern.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "timerule.h"

#define HOURS 24
#define RULE_TEXT_MAX 128

static const char *zone_label(const char *zone)
{
	return zone[0] ? zone : "host time";
}

/* "08:00-12:00, 14:00-15:00" for the hours set in usual. */
static void format_hours(const bool usual[static HOURS], char *buf, size_t len)
{
	size_t n = 0;
	buf[0] = '\0';
	for (int h = 0; h < HOURS; h++) {
		if (!usual[h])
			continue;
		int end = h;
		while (end + 1 < HOURS && usual[end + 1])
			end++;
		int w = snprintf(buf + n, len - n, "%s%02d:00-%02d:00", n ? ", " : "", h,
			end + 1);
		if (w < 0 || (size_t)w >= len - n)
			return;
		n += (size_t)w;
		h = end;
	}
}

/* One hours finding: "UTC (local ZONE): why". */
static int hours_finding(struct report *r, size_t u, uint64_t at, const struct tm *tm,
	const char *zone, const char *why)
{
	char utc[REPORT_TIME_LEN], local[16];
	strftime(local, sizeof local, "%a %H:%M", tm);
	return report_add_finding(r, REPORT_HOURS, u, "%s (%s %s): %s",
		report_time(at, utc), local, zone_label(zone), why);
}

/* The fewest hours of the day that hold REPORT_USUAL_SHARE of the knocks. */
static void usual_hours(const size_t hist[static HOURS], size_t total,
	bool usual[static HOURS])
{
	size_t need = (size_t)((double)total * REPORT_USUAL_SHARE + 0.999999), got = 0;
	memset(usual, 0, HOURS * sizeof usual[0]);
	while (got < need) {
		int best = -1;
		for (int h = 0; h < HOURS; h++)
			if (!usual[h] && (best < 0 || hist[h] > hist[best]))
				best = h;
		if (best < 0 || hist[best] == 0)
			break;
		usual[best] = true;
		got += hist[best];
	}
}

int report_hours(struct report *r, size_t u)
{
	const struct config_user *cu = r->users[u].cu;
	const char *zone = cu->prof->pol->timezone;
	char rule[RULE_TEXT_MAX], why[RULE_TEXT_MAX + 64];
	bool usual[HOURS];
	size_t listed = 0, more = 0;
	struct tm tm;

	if (cu->prof->pol->hours.set) {
		timerule_format(&cu->prof->pol->hours, rule, sizeof rule);
		snprintf(why, sizeof why, "outside hours %s", rule);
	} else {
		size_t hist[HOURS] = { 0 };
		if (r->users[u].total < REPORT_MIN_HISTORY)
			return 0; /* no pattern yet */
		for (size_t i = 0; i < r->nknocks; i++)
			if (r->knocks[i].user == u
				&& timerule_local(zone, (time_t)r->knocks[i].at, &tm) == 0)
				hist[tm.tm_hour]++;
		usual_hours(hist, r->users[u].total, usual);
		format_hours(usual, rule, sizeof rule);
		snprintf(why, sizeof why, "outside %s, the hours of %.0f%% of %zu knocks",
			rule, REPORT_USUAL_SHARE * 100, r->users[u].total);
	}
	for (size_t i = 0; i < r->nknocks; i++) {
		const struct report_knock *k = &r->knocks[i];
		if (k->user != u || k->at < r->since || k->at > r->now)
			continue;
		if (timerule_local(zone, (time_t)k->at, &tm) != 0)
			return report_add_finding(r, REPORT_HOURS, u, "time zone %s is not "
				"installed: hours not checked", zone);
		const struct user_policy *pol = cu->prof->pol;
		bool odd = pol->hours.set ? !timerule_allows(&pol->hours, &tm)
			: !usual[tm.tm_hour];
		if (!odd)
			continue;
		if (listed == REPORT_MAX_HOURS_LISTED) {
			more++;
			continue;
		}
		listed++;
		if (hours_finding(r, u, k->at, &tm, zone, why) < 0)
			return -1;
	}
	if (more)
		return report_add_finding(r, REPORT_HOURS, u, "and %zu more knocks %s",
			more, why);
	return 0;
}

struct source {
	const char *addr;
	size_t count, in_period;
	uint64_t first;
};

int report_sources(struct report *r, size_t u)
{
	struct source *s = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;
	for (size_t i = 0; i < r->nknocks; i++) {
		const struct report_knock *k = &r->knocks[i];
		if (k->user != u)
			continue;
		size_t j = 0;
		while (j < n && strcmp(s[j].addr, k->addr) != 0)
			j++;
		if (j == n) {
			if (n == cap) {
				size_t ncap = cap ? cap * 2 : 8;
				struct source *t = realloc(s, ncap * sizeof *t);
				if (!t) {
					free(s);
					return -1;
				}
				s = t;
				cap = ncap;
			}
			s[n++] = (struct source){ k->addr, 0, 0, k->at };
		}
		s[j].count++;
		s[j].in_period += k->at >= r->since && k->at <= r->now;
		if (k->at < s[j].first)
			s[j].first = k->at;
	}
	uint64_t week = r->now > REPORT_NEW_SOURCE ? r->now - REPORT_NEW_SOURCE : 0;
	char when[REPORT_TIME_LEN];
	for (size_t j = 0; j < n && rc == 0; j++) {
		if (!s[j].in_period)
			continue;
		if (s[j].count == 1)
			rc = report_add_finding(r, REPORT_SOURCE, u, "%s: seen once, %s",
				s[j].addr, report_time(s[j].first, when));
		else if (s[j].first >= week)
			rc = report_add_finding(r, REPORT_SOURCE, u, "%s: new this week, first "
				"seen %s, %zu knocks", s[j].addr, report_time(s[j].first, when),
				s[j].count);
	}
	free(s);
	return rc;
}

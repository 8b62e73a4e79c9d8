/* policy_rules — see policy_rules.h. */
#include "policy_rules.h"

#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "carrier.h"
#include "scheme.h"
#include "timerule.h"

static bool deny(char why[static POLICY_WHY_LEN], const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static bool deny(char why[static POLICY_WHY_LEN], const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, POLICY_WHY_LEN, fmt, ap);
	va_end(ap);
	return false;
}

bool policy_rule_expires(const struct config_user *u, uint64_t now,
	char why[static POLICY_WHY_LEN])
{
	char date[TIMERULE_DATE_LEN];
	if (u->prof->pol->expires > 0 && now >= (uint64_t)u->prof->pol->expires)
		return deny(why, "expires: key of %s expired on %s", u->name,
			timerule_format_date(u->prof->pol->expires, date));
	return true;
}

bool policy_rule_old_key(const struct config_user *u, const struct request *r,
	uint64_t now, char why[static POLICY_WHY_LEN])
{
	char date[TIMERULE_DATE_LEN];
	if (!r->old_key)
		return true;
	if (!u->prof->pol->has_old_key)
		return deny(why, "old_key: %s has no old key", u->name);
	if (now >= (uint64_t)u->prof->pol->old_key_until)
		return deny(why, "old_key_until: the old key of %s stopped on %s; "
			"use the new key", u->name,
			timerule_format_date(u->prof->pol->old_key_until, date));
	return true;
}

bool policy_rule_scheme(const struct config_user *u, const struct request *r,
	char why[static POLICY_WHY_LEN])
{
	uint32_t schemes = u->prof->pol->schemes;
	if (schemes == 0 || (r->scheme < 32 && (schemes & (1u << r->scheme))))
		return true;
	return deny(why, "schemes: %s is not among this user's schemes",
		scheme_name(r->scheme));
}

bool policy_rule_carrier(const struct config_user *u, const struct request *r,
	char why[static POLICY_WHY_LEN])
{
	if (u->prof->pol->carriers == 0 ||
	    (r->carrier < 32 && (u->prof->pol->carriers & (1u << r->carrier))))
		return true;
	return deny(why, "carriers: %s is not among this user's carriers",
		carrier_name(r->carrier));
}

bool policy_rule_source(const struct config_user *u, const struct request *r,
	char why[static POLICY_WHY_LEN])
{
	char buf[ADDR_STRLEN];
	if (u->prof->pol->nsources == 0)
		return true;
	if (r->via_resolver)
		return deny(why, "sources: a knock through a DNS resolver has no "
			"knock source to check");
	for (size_t i = 0; i < u->prof->pol->nsources; i++)
		if (cidr_contains(&u->prof->pol->sources[i], &r->src))
			return true;
	return deny(why, "sources: %s is not among this user's knock sources",
		addr_format(&r->src, buf));
}

bool policy_rule_hours(const struct config_user *u, uint64_t now,
	char why[static POLICY_WHY_LEN])
{
	static const char *const days[7] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	const char *zone = u->prof->pol->timezone[0] ? u->prof->pol->timezone : "local time";
	struct tm tm;
	if (!u->prof->pol->hours.set)
		return true;
	if (timerule_local(u->prof->pol->timezone, (time_t)now, &tm) < 0)
		return deny(why, "timezone: %s is not in the tz database (any more)", zone);
	if (timerule_allows(&u->prof->pol->hours, &tm))
		return true;
	return deny(why, "hours: %s %02d:%02d %s is outside this user's hours",
		days[tm.tm_wday % 7], tm.tm_hour, tm.tm_min, zone);
}

/* Not a host: unspecified, multicast, or IPv4 limited broadcast. */
static bool not_a_host(const struct addr *a)
{
	static const uint8_t zero[16] = { 0 };
	if (a->family == AF_INET)
		return memcmp(a->bytes, zero, 4) == 0 || (a->bytes[0] & 0xf0) == 0xe0 ||
			(a->bytes[0] == 255 && a->bytes[1] == 255 && a->bytes[2] == 255 &&
			 a->bytes[3] == 255);
	if (a->family == AF_INET6)
		return memcmp(a->bytes, zero, 16) == 0 || a->bytes[0] == 0xff;
	return true;
}

bool policy_rule_target(const struct config_user *u, const struct addr *a,
	bool named, char why[static POLICY_WHY_LEN])
{
	char buf[ADDR_STRLEN], net[ADDR_STRLEN + 4];
	if (not_a_host(a))
		return deny(why, "targets: %s is not a unicast host address",
			addr_format(a, buf));
	if (!named || u->prof->pol->allow_wide_targets)
		return true;
	const struct cidr *wide = NULL;
	for (size_t i = 0; i < u->prof->ntargets; i++) {
		if (!cidr_contains(&u->prof->targets[i], a))
			continue;
		if (!userpol_cidr_wide(&u->prof->targets[i]))
			return true;
		wide = &u->prof->targets[i];
	}
	if (!wide)
		return deny(why, "targets: %s is not in this user's targets",
			addr_format(a, buf));
	return deny(why, "allow_wide_targets: %s is only in the wide prefix %s "
		"(wider than /%d or /%d)", addr_format(a, buf), cidr_format(wide, net),
		USERPOL_WIDE_V4, USERPOL_WIDE_V6);
}

bool policy_rules_check(const struct config_user *u, const struct request *r,
	uint64_t now, char why[static POLICY_WHY_LEN])
{
	return policy_rule_expires(u, now, why) && policy_rule_old_key(u, r, now, why) &&
		policy_rule_scheme(u, r, why) && policy_rule_carrier(u, r, why) &&
		policy_rule_source(u, r, why) && policy_rule_hours(u, now, why);
}

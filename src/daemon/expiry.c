/* expiry — see expiry.h. */
#include "expiry.h"

#include <stdio.h>

#include "alert.h"
#include "log.h"
#include "timerule.h"

/* Logs one key's line if it is due; returns 1 if it did. */
static size_t warn_one(const struct config *c, const struct config_user *u,
	const char *which, int64_t ends, uint64_t now)
{
	char date[TIMERULE_DATE_LEN];
	if (ends <= 0)
		return 0;
	char detail[64];
	if (now >= (uint64_t)ends) {
		log_warn("key-expiry user=%s key=%s expires=%s days_left=0 note=expired%s",
			u->name, which, timerule_format_date(ends, date),
			u->prof->disabled ? " disabled=yes" : "");
		snprintf(detail, sizeof detail, "%s key expired on %s", which, date);
		alert_raise("key-expiring", u->name, detail);
		return 1;
	}
	uint64_t left = (uint64_t)ends - now;
	if (c->expiry_warning == 0 || left > c->expiry_warning)
		return 0;
	log_warn("key-expiry user=%s key=%s expires=%s days_left=%llu%s", u->name, which,
		timerule_format_date(ends, date), (unsigned long long)(left / 86400),
		u->prof->disabled ? " disabled=yes" : "");
	snprintf(detail, sizeof detail, "%s key expires on %s", which, date);
	alert_raise("key-expiring", u->name, detail);
	return 1;
}

size_t expiry_warn(const struct config *c, uint64_t now)
{
	size_t n = 0;
	for (size_t i = 0; i < c->nusers; i++) {
		const struct config_user *u = &c->users[i];
		if (u->prof->from_template)
			continue; /* [user *]'s date: warned once, below */
		n += warn_one(c, u, "current", u->prof->pol->expires, now);
		if (u->prof->pol->old_key_path[0])
			n += warn_one(c, u, "old", u->prof->pol->old_key_until, now);
	}
	/* Every [user *] user has the template's expires (and no old key): one
	 * line and one alert, user=*, not one per user (100 000 of them). */
	if (c->tmpl && c->ntemplate_users > 0)
		n += warn_one(c, c->tmpl, "current", c->tmpl->prof->pol->expires, now);
	return n;
}

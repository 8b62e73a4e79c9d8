/* config_policy — the config keys of per-user policy and account lifecycle
 * (userpolicy.h): setters, whole-user checks, the old key of a rotation, and
 * printing. [daemon] users_dir and expiry_warning live here too. */
#include <netinet/in.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "config_int.h"
#include "keyfile.h"
#include "otp.h"

#include <sodium.h>

#define EXPIRY_WARNING_MAX (365u * 86400u)

const char *const userpol_scheme_names[USERPOL_NSCHEMES] = {
	NULL, "spa", "token", "otp", "sequence", "dynamic",
};
const char *const userpol_carrier_names[USERPOL_NCARRIERS] = {
	NULL, "udp", "icmp", "dns", "syn", "port",
};

bool userpol_cidr_wide(const struct cidr *c)
{
	return c->prefix < (c->base.family == AF_INET6 ? USERPOL_WIDE_V6 : USERPOL_WIDE_V4);
}

static int parse_bool(struct cfg_parse *p, const char *key, const char *v, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	for (size_t i = 0; i < sizeof yes / sizeof *yes; i++) {
		if (strcasecmp(v, yes[i]) == 0 || strcasecmp(v, no[i]) == 0) {
			*out = strcasecmp(v, yes[i]) == 0;
			return 0;
		}
	}
	cfg_error(p, p->line, "%s: '%s' is neither yes nor no", key, v);
	return -1;
}

static int parse_date(struct cfg_parse *p, const char *key, const char *v, int64_t *out)
{
	if (!timerule_parse_date(v, out)) {
		cfg_error(p, p->line, "%s: bad date '%s' (expected YYYY-MM-DD, a real "
			"date from 1970 on; the key stops working at 00:00 UTC that day)",
			key, v);
		return -1;
	}
	return 0;
}

static int parse_path(struct cfg_parse *p, const char *key, const char *v,
	char out[static PATH_MAX])
{
	if (v[0] != '/' || strlen(v) >= PATH_MAX || strchr(v, '\t')) {
		cfg_error(p, p->line, "%s: '%s' is not an absolute path (or is too long)",
			key, v);
		return -1;
	}
	snprintf(out, PATH_MAX, "%s", v);
	return 0;
}

/* ---- [daemon] ---- */

int cfg_set_users_dir(struct cfg_parse *p, const char *v)
{
	if (p->file) {
		cfg_error(p, p->line, "users_dir: not in a drop-in");
		return -1;
	}
	return parse_path(p, "users_dir", v, p->c->users_dir);
}

int cfg_set_expiry_warning(struct cfg_parse *p, const char *v)
{
	if (strcmp(v, "0") == 0 || strcasecmp(v, "off") == 0) {
		p->c->expiry_warning = 0;
		return 0;
	}
	if (!duration_parse(v, EXPIRY_WARNING_MAX, &p->c->expiry_warning)) {
		cfg_error(p, p->line, "expiry_warning: bad duration '%s' (expected off, "
			"or up to 365d, as N, Ns, Nm, Nh or Nd)", v);
		return -1;
	}
	return 0;
}

/* ---- [user NAME] ---- */

int cfg_set_sources(struct cfg_parse *p, const char *v)
{
	struct user_policy *pol = cfg_pol(p);
	if (!pol)
		return -1;
	struct cidr c;
	if (!pol->sources_line && !pol->any_source_line)
		pol->sources_line = p->line;
	if (strcasecmp(v, "any") == 0) {
		if (pol->any_source_line || pol->nsources) {
			cfg_error(p, p->line, "sources: 'any' cannot be combined with "
				"other sources");
			return -1;
		}
		pol->any_source_line = p->line;
		return 0;
	}
	if (pol->any_source_line) {
		cfg_error(p, p->line, "sources: 'any' cannot be combined with other sources");
		return -1;
	}
	if (!cidr_parse(v, &c)) {
		cfg_error(p, p->line, "sources: bad prefix '%s' (expected any, an address, "
			"or a prefix like 203.0.113.0/24 with zero host bits)", v);
		return -1;
	}
	if (c.prefix == 0) {
		cfg_error(p, p->line, "sources: %s is every address; say 'any'", v);
		return -1;
	}
	for (size_t i = 0; i < pol->nsources; i++) {
		if (pol->sources[i].prefix == c.prefix &&
		    addr_equal(&pol->sources[i].base, &c.base)) {
			cfg_error(p, p->line, "sources: %s listed twice", v);
			return -1;
		}
	}
	if (pol->nsources == USERPOL_MAX_SOURCES) {
		cfg_error(p, p->line, "sources: more than %d prefixes", USERPOL_MAX_SOURCES);
		return -1;
	}
	pol->sources[pol->nsources++] = c;
	return 0;
}

int cfg_set_allow_wide(struct cfg_parse *p, const char *v)
{
	struct user_policy *pol = cfg_pol(p);
	if (!pol)
		return -1;
	return parse_bool(p, "allow_wide_targets", v,
		&pol->allow_wide_targets);
}

int cfg_set_require_target(struct cfg_parse *p, const char *v)
{
	struct user_policy *pol = cfg_pol(p);
	if (!pol)
		return -1;
	pol->require_target_line = p->line;
	return parse_bool(p, "require_target", v, &pol->require_target);
}

int cfg_set_hours(struct cfg_parse *p, const char *v)
{
	struct user_policy *pol = cfg_pol(p);
	if (!pol)
		return -1;
	const char *why;
	if (!pol->hours_line)
		pol->hours_line = p->line;
	if (strcasecmp(v, "any") == 0) {
		if (pol->hours.set || p->line != pol->hours_line) {
			cfg_error(p, p->line, "hours: 'any' cannot be combined with hours");
			return -1;
		}
		return 0; /* hours.set stays false: any time */
	}
	if (!timerule_add(&pol->hours, v, &why)) {
		cfg_error(p, p->line, "hours: bad item '%s': %s (example: Mon-Fri "
			"08:00-18:00, Sat 10:00-12:00)", v, why);
		return -1;
	}
	return 0;
}

int cfg_set_timezone(struct cfg_parse *p, const char *v)
{
	struct user_policy *pol = cfg_pol(p);
	if (!pol)
		return -1;
	const char *why;
	if (strcasecmp(v, "local") == 0) {
		pol->timezone[0] = '\0';
		return 0;
	}
	if (!timerule_zone_valid(v, &why)) {
		cfg_error(p, p->line, "timezone: '%s': %s", v, why);
		return -1;
	}
	snprintf(pol->timezone, sizeof pol->timezone, "%s", v);
	return 0;
}

/* One name of names[] (or "any" alone) into the bit set *mask. */
static int set_name_bit(struct cfg_parse *p, const char *key, const char *v,
	const char *const *names, size_t n, uint32_t *mask, bool *any)
{
	if (strcasecmp(v, "any") == 0) {
		if (*mask || *any) {
			cfg_error(p, p->line, "%s: 'any' cannot be combined with names", key);
			return -1;
		}
		*any = true;
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if (!names[i] || strcasecmp(v, names[i]) != 0)
			continue;
		if (*any || (*mask & (1u << i))) {
			cfg_error(p, p->line, "%s: %s listed twice (or with 'any')", key, v);
			return -1;
		}
		*mask |= 1u << i;
		return 0;
	}
	char list[96] = "";
	for (size_t i = 1; i < n; i++)
		if (names[i])
			snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s",
				i > 1 ? ", " : "", names[i]);
	cfg_error(p, p->line, "%s: unknown name '%s' (expected any, or some of: %s)",
		key, v, list);
	return -1;
}

int cfg_set_schemes(struct cfg_parse *p, const char *v)
{
	struct user_policy *pol = cfg_pol(p);
	if (!pol)
		return -1;
	return set_name_bit(p, "schemes", v, userpol_scheme_names, USERPOL_NSCHEMES,
		&pol->schemes, &pol->any_schemes);
}

int cfg_set_carriers(struct cfg_parse *p, const char *v)
{
	struct user_policy *pol = cfg_pol(p);
	if (!pol)
		return -1;
	return set_name_bit(p, "carriers", v, userpol_carrier_names, USERPOL_NCARRIERS,
		&pol->carriers, &pol->any_carriers);
}

int cfg_set_expires(struct cfg_parse *p, const char *v)
{
	struct user_policy *pol = cfg_pol(p);
	if (!pol)
		return -1;
	pol->expires_line = p->line;
	if (strcasecmp(v, "never") == 0) {
		pol->expires = 0;
		return 0;
	}
	return parse_date(p, "expires", v, &pol->expires);
}

int cfg_set_old_key(struct cfg_parse *p, const char *v)
{
	struct user_policy *pol = cfg_pol(p);
	if (!pol)
		return -1;
	char path[PATH_MAX];
	pol->old_key_line = p->line;
	if (parse_path(p, "old_key", v, path) != 0)
		return -1;
	return cfg_set_str(p, &pol->old_key_path, path);
}

int cfg_set_old_key_until(struct cfg_parse *p, const char *v)
{
	struct user_policy *pol = cfg_pol(p);
	if (!pol)
		return -1;
	pol->old_key_until_line = p->line;
	return parse_date(p, "old_key_until", v, &pol->old_key_until);
}

/* ---- checks and key loading ---- */

const char *cfg_user_plain_scheme(const struct config_user *u)
{
	return u->prof->token->mode != TOKEN_NONE ? "token"
		: u->prof->otp->alg != OTP_ALG_NONE ? "otp"
		: u->prof->seq->sequence.n || u->prof->seq->file[0] ? "sequence"
		: u->prof->dyn->enabled ? "dynamic" : NULL;
}

int cfg_check_policy(struct cfg_parse *p, struct config_user *u)
{
	const struct user_policy *pol = u->prof->pol;
	if (pol->old_key_line && !pol->old_key_until_line) {
		cfg_error(p, pol->old_key_line, "user %s: old_key needs old_key_until "
			"(the date the old key stops working)", u->name);
		return -1;
	}
	if (pol->old_key_until_line && !pol->old_key_line) {
		cfg_error(p, pol->old_key_until_line, "user %s: old_key_until without "
			"old_key", u->name);
		return -1;
	}
	if (pol->old_key_line && strcmp(pol->old_key_path, u->prof->key_path) == 0) {
		cfg_error(p, pol->old_key_line, "user %s: old_key is the same file as key",
			u->name);
		return -1;
	}
	/* Those knocks carry no target: each would be refused, so say it now. */
	const char *sourced = cfg_user_plain_scheme(u);
	if (pol->require_target && sourced) {
		cfg_error(p, pol->require_target_line, "user %s: require_target = yes "
			"refuses every %s knock (they open for the packet's source); "
			"use one or the other", u->name, sourced);
		return -1;
	}
	return 0;
}

int cfg_load_old_key(struct cfg_parse *p, struct config_user *u)
{
	struct user_policy *pol = cfg_pol_own(u);
	struct keyfile kf;
	struct errbuf kerr = { { 0 } };
	if (!pol || !pol->old_key_line)
		return 0;
	if (keyfile_read(pol->old_key_path, &kf, &kerr) != 0) {
		cfg_error(p, pol->old_key_line, "user %s: %s", u->name, kerr.msg);
		return -1;
	}
	int rc = -1;
	if (strcmp(kf.user, u->name) != 0) {
		cfg_error(p, pol->old_key_line, "user %s: old key file %s belongs to "
			"user '%s'", u->name, pol->old_key_path, kf.user);
	} else {
		knock_derive_keys(kf.secret, &pol->old_keys);
		struct user_keys cur;
		bool same = config_user_keys(p->c, u, &cur) &&
			sodium_memcmp(&pol->old_keys, &cur, sizeof cur) == 0;
		knock_wipe_keys(&cur);
		if (same)
			cfg_error(p, pol->old_key_line, "user %s: old_key holds the same "
				"secret as key", u->name);
		else {
			pol->has_old_key = true;
			rc = 0;
		}
	}
	keyfile_wipe(&kf);
	return rc;
}

/* ---- printing ---- */

void cfg_print_policy_daemon(const struct config *c, FILE *f)
{
	if (c->expiry_warning)
		fprintf(f, "expiry_warning = %u\n", c->expiry_warning);
	else
		fprintf(f, "expiry_warning = off\n");
	if (c->users_dir[0])
		fprintf(f, "# users_dir = %s (its users are below, each marked "
			"with its file)\n", c->users_dir);
}

static void print_names(FILE *f, const char *key, uint32_t mask,
	const char *const *names, size_t n)
{
	fprintf(f, "%s = ", key);
	if (!mask)
		fprintf(f, "any");
	for (size_t i = 1, k = 0; mask && i < n; i++)
		if (mask & (1u << i))
			fprintf(f, "%s%s", k++ ? ", " : "", names[i]);
	fputc('\n', f);
}

void cfg_print_policy_user(const struct config_user *u, FILE *f)
{
	const struct user_policy *pol = u->prof->pol;
	char buf[ADDR_STRLEN + 4], date[TIMERULE_DATE_LEN], hours[1024];
	fprintf(f, "sources = ");
	if (!pol->nsources)
		fprintf(f, "any");
	for (size_t i = 0; i < pol->nsources; i++)
		fprintf(f, "%s%s", i ? ", " : "", cidr_format(&pol->sources[i], buf));
	fputc('\n', f);
	fprintf(f, "allow_wide_targets = %s\n", pol->allow_wide_targets ? "yes" : "no");
	fprintf(f, "require_target = %s\n", pol->require_target ? "yes" : "no");
	fprintf(f, "hours = %s\n", pol->hours.set ?
		timerule_format(&pol->hours, hours, sizeof hours) : "any");
	fprintf(f, "timezone = %s\n", pol->timezone[0] ? pol->timezone : "local");
	print_names(f, "schemes", pol->schemes, userpol_scheme_names, USERPOL_NSCHEMES);
	print_names(f, "carriers", pol->carriers, userpol_carrier_names,
		USERPOL_NCARRIERS);
	fprintf(f, "expires = %s\n", pol->expires ?
		timerule_format_date(pol->expires, date) : "never");
	if (pol->old_key_path[0]) {
		fprintf(f, "old_key = %s\n", pol->old_key_path);
		fprintf(f, "old_key_until = %s\n",
			timerule_format_date(pol->old_key_until, date));
	}
}

/* config_audit — the audit, event-stream and alert keys of [daemon] and the
 * signing keys of [user] (see audit_conf.h): setters, checks, reading the
 * public keys, and the normalised print (only what is set, so configs
 * without these keys print as before). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config_int.h"
#include "signkey.h"

static int set_abs_path(struct cfg_parse *p, const char *key, const char *v,
	char out[static PATH_MAX])
{
	if (v[0] != '/' || strlen(v) >= PATH_MAX || strpbrk(v, "\t\n")) {
		cfg_error(p, p->line, "%s: '%s' is not an absolute path", key, v);
		return -1;
	}
	snprintf(out, PATH_MAX, "%s", v);
	return 0;
}

int cfg_set_audit_log(struct cfg_parse *p, const char *v)
{
	return set_abs_path(p, "audit_log", v, p->c->audit.log_path);
}

int cfg_set_event_stream(struct cfg_parse *p, const char *v)
{
	if (strcmp(v, AUDIT_STREAM_STDOUT) == 0) {
		snprintf(p->c->audit.event_stream, PATH_MAX, "%s", v);
		return 0;
	}
	return set_abs_path(p, "event_stream", v, p->c->audit.event_stream);
}

int cfg_set_alert_command(struct cfg_parse *p, const char *v)
{
	return set_abs_path(p, "alert_command", v, p->c->audit.alert_command);
}

/* N/DURATION: N refusals within DURATION. */
int cfg_set_alert_refusals(struct cfg_parse *p, const char *v)
{
	struct audit_conf *a = &p->c->audit;
	const char *slash = strchr(v, '/');
	char num[16];
	size_t n = slash ? (size_t)(slash - v) : 0;
	if (!slash || n == 0 || n >= sizeof num || strspn(v, "0123456789") != n ||
	    v[0] == '0') {
		cfg_error(p, p->line, "alert_refusals: '%s' is not N/TIME (like 10/5m)", v);
		return -1;
	}
	memcpy(num, v, n);
	num[n] = '\0';
	unsigned long count = strtoul(num, NULL, 10);
	if (count > AUDIT_ALERT_COUNT_MAX ||
	    !duration_parse(slash + 1, AUDIT_ALERT_WINDOW_MAX, &a->alert_window)) {
		cfg_error(p, p->line, "alert_refusals: '%s' is not N/TIME with N in "
			"1..%d and TIME up to 1d (like 10/5m)", v, AUDIT_ALERT_COUNT_MAX);
		return -1;
	}
	a->alert_count = (uint32_t)count;
	a->alert_refusals_set = true;
	return 0;
}

int cfg_set_sign_key(struct cfg_parse *p, const char *v)
{
	struct sign_conf *sg = cfg_sign(p);
	char path[PATH_MAX];
	if (!sg)
		return -1;
	sg->key_line = p->line;
	if (set_abs_path(p, "sign_key", v, path) != 0)
		return -1;
	return cfg_set_str(p, &sg->key_path, path);
}

int cfg_set_require_signature(struct cfg_parse *p, const char *v)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	for (size_t i = 0; i < sizeof yes / sizeof *yes; i++) {
		if (strcasecmp(v, yes[i]) == 0 || strcasecmp(v, no[i]) == 0) {
			struct sign_conf *sg = cfg_sign(p);
			if (!sg)
				return -1;
			sg->require = strcasecmp(v, yes[i]) == 0;
			sg->require_line = p->line;
			return 0;
		}
	}
	cfg_error(p, p->line, "require_signature: '%s' is neither yes nor no", v);
	return -1;
}

int cfg_check_audit(struct cfg_parse *p)
{
	struct audit_conf *a = &p->c->audit;
	const unsigned *line = p->daemon_keys;
	if (a->alert_refusals_set && !a->alert_command[0]) {
		cfg_error(p, line[DK_ALERT_REFUSALS], "alert_refusals needs an "
			"alert_command to run");
		return -1;
	}
	if (!a->alert_refusals_set) {
		a->alert_count = AUDIT_DEFAULT_ALERT_COUNT;
		a->alert_window = AUDIT_DEFAULT_ALERT_WINDOW;
	}
	if (a->log_path[0] && strcmp(a->log_path, a->event_stream) == 0) {
		cfg_error(p, line[DK_EVENT_STREAM], "event_stream: must not be the "
			"audit_log itself");
		return -1;
	}
	return 0;
}

int cfg_check_sign(struct cfg_parse *p, struct config_user *u)
{
	if (u->prof->sign->require && !u->prof->sign->key_path[0]) {
		cfg_error(p, u->prof->sign->require_line, "user %s: require_signature = yes "
			"needs a sign_key (the user's public key: postern keygen --sign)",
			u->name);
		return -1;
	}
	const char *plain = cfg_user_plain_scheme(u);
	if (u->prof->sign->require && plain) {
		cfg_error(p, u->prof->sign->require_line, "user %s: require_signature = yes "
			"refuses every %s knock (only SPA knocks are signed); use one "
			"or the other", u->name, plain);
		return -1;
	}
	return 0;
}

int cfg_load_sign(struct cfg_parse *p, struct config_user *u)
{
	struct signkey k;
	struct errbuf err = { { 0 } };
	struct sign_conf *sg = cfg_sign_own(u); /* NULL: the default, no key */
	if (!sg || !sg->key_path[0])
		return 0;
	if (signkey_read(u->prof->sign->key_path, &k, &err) < 0) {
		cfg_error(p, u->prof->sign->key_line, "user %s: %s", u->name, err.msg);
		return -1;
	}
	if (strcmp(k.user, u->name) != 0) {
		cfg_error(p, u->prof->sign->key_line, "user %s: signing key %s belongs to "
			"user '%s'", u->name, u->prof->sign->key_path, k.user);
		return -1;
	}
	memcpy(sg->pk, k.pk, sizeof sg->pk);
	sg->loaded = true;
	return 0;
}

void cfg_print_audit(const struct config *c, FILE *f)
{
	const struct audit_conf *a = &c->audit;
	if (a->log_path[0])
		fprintf(f, "audit_log = %s\n", a->log_path);
	if (a->event_stream[0])
		fprintf(f, "event_stream = %s\n", a->event_stream);
	if (a->alert_command[0])
		fprintf(f, "alert_command = %s\nalert_refusals = %u/%u\n",
			a->alert_command, a->alert_count, a->alert_window);
}

void cfg_print_sign(const struct config_user *u, FILE *f)
{
	if (u->prof->sign->key_path[0])
		fprintf(f, "sign_key = %s\n", u->prof->sign->key_path);
	if (u->prof->sign->require)
		fprintf(f, "require_signature = yes\n");
}

/* config_print — the normalised config, as INI that config_load reads back to
 * the same config: every default spelled out, durations in seconds, lists
 * as "a, b", users in file order. Key files by path only, never a secret. */
#include <stdio.h>

#include "config_int.h"

static void print_ports(FILE *f, const char *key, const struct portspec *ports,
	size_t n)
{
	char buf[PORTSPEC_STRLEN];
	if (n == 0) {
		fprintf(f, "# %s: none\n", key);
		return;
	}
	fprintf(f, "%s = ", key);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s%s", i ? ", " : "", portspec_format(&ports[i], buf));
	fputc('\n', f);
}

static void print_daemon(const struct config *c, FILE *f)
{
	fprintf(f, "[daemon]\ninterfaces = ");
	if (c->all_ifaces)
		fprintf(f, "any");
	for (size_t i = 0; !c->all_ifaces && i < c->nifaces; i++)
		fprintf(f, "%s%s", i ? ", " : "", c->ifaces[i]);
	fputc('\n', f);
	print_ports(f, "knock_ports", c->knock_ports, c->nknock_ports);
	fprintf(f, "state = %s\n", c->state_path);
	fprintf(f, "table = %s\n", c->table);
	fprintf(f, "run_as = %s\n", c->run_as);
	fprintf(f, "window = %u\n", c->window);
	fprintf(f, "default_lease = %u\n", c->default_lease);
	fprintf(f, "max_lease = %u\n", c->max_lease);
	fprintf(f, "firewall = %s\n", c->firewall == FIREWALL_MARK ? "mark" : "drop");
	if (c->mark)
		fprintf(f, "mark = 0x%x\n", c->mark);
	fprintf(f, "icmp = %s\n", c->icmp ? "yes" : "no");
	if (c->capture_buffer == CONFIG_CAPTURE_BUFFER_AUTO)
		fprintf(f, "capture_buffer = auto\n");
	else
		fprintf(f, "capture_buffer = %u\n", c->capture_buffer);
	fprintf(f, "kernel_filter = %s\n", c->kernel_filter_tags ? "tags" : "ports");
	cfg_print_seq_daemon(c, f);
	cfg_print_dns(c, f);
	cfg_print_policy_daemon(c, f);
	cfg_print_audit(c, f);
	if (c->keys_file[0])
		fprintf(f, "keys_file = %s\n", c->keys_file);
}

static void print_user(const struct config_user *u, FILE *f)
{
	char buf[ADDR_STRLEN + 4];

	if (u->prof->file[0])
		fprintf(f, "\n# from %s", u->prof->file);
	fprintf(f, "\n[user %s]\n", u->name);
	if (u->prof->key_line) /* else its secret is in keys_file */
		fprintf(f, "key = %s\n", u->prof->key_path);
	print_ports(f, "open", u->prof->open, u->prof->nopen);
	fprintf(f, "max_lease = %u\n", u->prof->max_lease);
	/* A knock may always name its own source; these are the extras. */
	fprintf(f, "targets = source");
	for (size_t i = 0; i < u->prof->ntargets; i++)
		fprintf(f, ", %s", cidr_format(&u->prof->targets[i], buf));
	fputc('\n', f);
	fprintf(f, "disabled = %s\n", u->prof->disabled ? "yes" : "no");
	cfg_print_token(u, f);
	cfg_print_otp(u, f);
	cfg_print_seq_user(u, f);
	cfg_print_dyn(u, f);
	cfg_print_trigger_user(u, f);
	cfg_print_policy_user(u, f);
	cfg_print_sign(u, f);
}

void config_print(const struct config *c, FILE *f)
{
	fprintf(f, "# postern configuration, normalised from %s\n", c->path);
	print_daemon(c, f);
	fprintf(f, "\n[protect]\n");
	print_ports(f, "ports", c->protect, c->nprotect);
	if (c->nusers == 0 && !c->tmpl)
		fprintf(f, "\n# no users: every knock will be refused\n");
	/* keys_file's users of [user *] as that one section, not one each. */
	for (size_t i = 0; i < c->nusers; i++)
		if (!c->users[i].prof->from_template)
			print_user(&c->users[i], f);
	cfg_print_template(c, f, print_user);
	cfg_print_triggers(c, f);
}

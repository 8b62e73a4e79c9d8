/* reload — see reload.h. */
#include "reload.h"

#include <string.h>

int reload_prepare(const char *path, const struct config *cur, struct state *st,
	struct reload *out, struct errbuf *err)
{
	memset(out, 0, sizeof *out);
	if (config_load(path, CONFIG_LOAD_KEYS, &out->config, err) < 0)
		return -1;
	struct config *c = out->config;
	if (strcmp(c->state_path, cur->state_path) != 0) {
		errbuf_set(err, "%s: state moved from %s to %s: a reload cannot move "
			"the state store (restart posternd)", path, cur->state_path,
			c->state_path);
		goto fail;
	}
	if (strcmp(c->table, cur->table) != 0) {
		errbuf_set(err, "%s: table renamed from %s to %s: a reload cannot move "
			"the leases (restart posternd)", path, cur->table, c->table);
		goto fail;
	}
	struct errbuf why;
	if (sandbox_lookup_user(c->run_as, &out->user, &why) < 0) {
		errbuf_set(err, "%s: %s", path, why.msg);
		goto fail;
	}
	if (schemes_load(&out->schemes, c, st, &why) < 0) {
		errbuf_set(err, "loading scheme state for the new config: %s", why.msg);
		goto fail;
	}
	/* Last: the one step that changes the world, atomically. */
	out->fw = firewall_open(c, &why);
	if (!out->fw) {
		errbuf_set(err, "firewall for the new config: %s", why.msg);
		schemes_unload(&out->schemes);
		goto fail;
	}
	return 0;
fail:
	config_free(out->config);
	out->config = NULL;
	return -1;
}

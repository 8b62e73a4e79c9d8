/* admin — see admin.h. */
#include "admin.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

struct config *admin_config(const char *config_path, struct errbuf *err)
{
	struct config *c = NULL;
	if (config_load(config_path, CONFIG_LOAD_TEMPLATE_USERS, &c, err) < 0)
		return NULL;
	return c;
}

int admin_state(const struct config *c, const char *state_path, bool create,
	struct state **st, struct errbuf *err)
{
	const char *path = state_path ? state_path : c ? c->state_path : NULL;
	*st = NULL;
	if (!path) {
		errbuf_set(err, "no state store: give --config FILE or --state FILE");
		return -1;
	}
	if (!create && access(path, F_OK) < 0 && errno == ENOENT)
		return 0;
	*st = state_open(path, err);
	return *st ? 0 : -1;
}

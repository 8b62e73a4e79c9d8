/* keypath — where a user's key file lives by default. */
#include <stdio.h>
#include <stdlib.h>

#include "commands.h"

bool default_key_path(const char *user, char *buf, size_t len)
{
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	int n;
	if (xdg && xdg[0] == '/')
		n = snprintf(buf, len, "%s/postern/%s.key", xdg, user);
	else if (home && home[0] == '/')
		n = snprintf(buf, len, "%s/.config/postern/%s.key", home, user);
	else
		return false;
	return n > 0 && (size_t)n < len;
}

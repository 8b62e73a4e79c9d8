/* trigmap — see trigmap.h. */
#include "trigmap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned parse_id(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 3 || strspn(s, "0123456789") != n || (n > 1 && s[0] == '0'))
		return 0;
	unsigned long v = strtoul(s, NULL, 10);
	return v >= 1 && v <= 255 ? (unsigned)v : 0;
}

unsigned trigmap_resolve(const char *what, const char *map_path, char *why, size_t len)
{
	unsigned id = parse_id(what);
	if (id || strspn(what, "0123456789") == strlen(what)) {
		if (!id)
			snprintf(why, len, "trigger id '%s' is not 1..255", what);
		return id;
	}
	char def[4096];
	if (!map_path) {
		const char *home = getenv("HOME");
		if (!home || !home[0]) {
			snprintf(why, len, "no home directory for the trigger map; use "
				"--trigger-map FILE or a numeric id");
			return 0;
		}
		snprintf(def, sizeof def, "%s/.config/postern/triggers", home);
		map_path = def;
	}
	FILE *f = fopen(map_path, "re");
	if (!f) {
		snprintf(why, len, "trigger '%s': cannot read the trigger map %s: %s "
			"(use a numeric id, or write \"NAME ID\" lines there)", what,
			map_path, strerror(errno));
		return 0;
	}
	char line[256];
	while (fgets(line, sizeof line, f)) {
		char name[128], num[16];
		line[strcspn(line, "#")] = '\0';
		for (char *p = line; *p; p++)
			if (*p == '=')
				*p = ' ';
		if (sscanf(line, "%127s %15s", name, num) == 2 && strcmp(name, what) == 0) {
			fclose(f);
			id = parse_id(num);
			if (!id)
				snprintf(why, len, "%s: bad id '%s' for trigger %s", map_path,
					num, what);
			return id;
		}
	}
	fclose(f);
	snprintf(why, len, "trigger '%s' is not in %s", what, map_path);
	return 0;
}

/* fuzz_keysfile — libFuzzer target for [daemon] keys_file and the [user *]
 * users made of its lines (config_keysfile.c, config_template.c).
 *
 * Writes the input as the keys file (mode 0600, in a directory of its own
 * made once) and loads a fixed config with CONFIG_LOAD_KEYS: alice has a
 * section, any other name is a user of [user *]. A load must either give a
 * config whose every user is found by name, template users sharing the
 * template's ports, or refuse with a message naming the config or the
 * keys file and no config. */
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[] = "/tmp/fuzz_keysfile_XXXXXX";
static char keys[64];
static char text[256];

static void cleanup(void)
{
	unlink(keys);
	rmdir(dir);
}

static void setup(void)
{
	if (!mkdtemp(dir))
		abort();
	atexit(cleanup);
	snprintf(keys, sizeof keys, "%s/users.keys", dir);
	snprintf(text, sizeof text, "[daemon]\nkeys_file = %s\n[protect]\n"
		"ports = tcp/22, tcp/443\n[user alice]\nopen = tcp/443\n[user *]\n"
		"open = tcp/22\nmax_lease = 5m\n", keys);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!keys[0])
		setup();
	int fd = open(keys, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size || close(fd) != 0)
		abort();

	struct config *c = NULL;
	struct errbuf err = { { 0 } };
	if (config_load_string(text, "fuzz", CONFIG_LOAD_KEYS, &c, &err) != 0) {
		if (c != NULL || (strncmp(err.msg, "fuzz:", 5) != 0 &&
		    strncmp(err.msg, keys, strlen(keys)) != 0))
			abort();
		return 0;
	}
	if (c->nusers != c->ntemplate_users + 1)
		abort(); /* alice, and the template's users */
	for (size_t i = 0; i < c->nusers; i++) {
		const struct config_user *u = &c->users[i];
		if (config_find_user(c, u->name) != u)
			abort();
		if (u->prof->from_template != (strcmp(u->name, "alice") != 0))
			abort();
		if (u->prof->from_template &&
		    (u->prof != c->tmpl->prof || u->prof->max_lease != 300))
			abort();
	}
	FILE *f = fopen("/dev/null", "w");
	if (f) {
		config_print(c, f);
		fclose(f);
	}
	config_free(c);
	return 0;
}

/* fuzz_config — libFuzzer target for the config parser.
 *
 * Feeds the input, as a NUL-terminated string, to config_load_string without
 * CONFIG_LOAD_KEYS (no key file is opened; a users_dir the input names is
 * read), and frees what it returns. A refusal must leave *out NULL and a
 * message that names the input: "fuzz:", or the drop-in at fault (an
 * absolute path, as users_dir is). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config *c = NULL;
	struct errbuf err = { { 0 } };
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (config_load_string(text, "fuzz", 0, &c, &err) == 0) {
		FILE *f = fopen("/dev/null", "w");
		if (f) {
			config_print(c, f);
			fclose(f);
		}
		config_free(c);
	} else if (c != NULL || (strncmp(err.msg, "fuzz:", 5) != 0 && err.msg[0] != '/')) {
		abort();
	}
	free(text);
	return 0;
}

/* fuzz_cmdline — libFuzzer target for the trigger command-line splitter
 * (cmdline.c). Checked: no crash or out-of-bounds access; on success argc
 * is 1..CMDLINE_MAX_ARGS, argv is NULL-terminated, every word lies inside
 * the buffer, the program is an absolute path, and appending one argument
 * keeps argv NULL-terminated. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char s[CMDLINE_MAX_BYTES * 2];
	if (size >= sizeof s)
		size = sizeof s - 1;
	memcpy(s, data, size);
	s[size] = '\0';
	struct cmdline c;
	const char *why = NULL;
	if (!cmdline_split(s, &c, &why)) {
		if (!why)
			abort();
		return 0;
	}
	if (c.argc == 0 || c.argc > CMDLINE_MAX_ARGS || c.argv[c.argc] != NULL ||
		c.argv[0][0] != '/')
		abort();
	for (size_t i = 0; i < c.argc; i++)
		if (c.argv[i] < c.buf || c.argv[i] + strlen(c.argv[i]) >= c.buf + sizeof c.buf)
			abort();
	if (cmdline_append(&c, "arg") && c.argv[c.argc] != NULL)
		abort();
	return 0;
}

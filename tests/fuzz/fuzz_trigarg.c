/* fuzz_trigarg — libFuzzer target for the trigger argument checks
 * (trigarg.c) and the nft element listing of the reconciliation
 * (fwlease.c). The input is split at its first NUL byte into a pattern and
 * an argument. Checked: no crash; a pattern accepted by trigarg_pattern_ok
 * compiles in trigarg_match; an argument with a forbidden character is
 * never reported clean; the escaped form holds only safe characters. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fwlease.h"
#include "trigarg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void ignore(void *ctx, const struct fwlease_elem *e)
{
	(void)ctx;
	(void)e;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	(void)fwlease_parse((const char *)data, size, false, ignore, NULL);
	char pattern[300], arg[40];
	const uint8_t *nul = memchr(data, 0, size);
	size_t plen = nul ? (size_t)(nul - data) : size;
	if (plen >= sizeof pattern)
		plen = sizeof pattern - 1;
	memcpy(pattern, data, plen);
	pattern[plen] = '\0';
	size_t alen = nul ? size - (size_t)(nul - data) - 1 : 0;
	if (alen > 16)
		alen = 16;
	if (nul)
		memcpy(arg, nul + 1, alen);
	arg[alen] = '\0';
	char why[256];
	bool ok = trigarg_pattern_ok(pattern, why, sizeof why);
	const char *bad = trigarg_forbidden(arg);
	for (const char *p = arg; !bad && *p; p++)
		if (strchr(TRIGARG_METACHARS, *p) || (unsigned char)*p < 0x20)
			abort();
	if (ok && trigarg_match(pattern, arg) < 0)
		abort();
	char esc[4 * 16 + 1];
	trigarg_escape(arg, esc, sizeof esc);
	for (const char *p = esc; *p; p++)
		if (strchr(";|&$`<>(){}'\" \t\n", *p))
			abort();
	return 0;
}

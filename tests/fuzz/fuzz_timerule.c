/* fuzz_timerule — libFuzzer target for the hours and date parsers
 * (timerule.c), which read config text (hours =, expires =,
 * old_key_until =). Input: items separated by newlines; the last line is
 * also tried as a date. Checked: no crash or out-of-bounds read; an item
 * either sets minutes or leaves the rule as it was; the formatted rule
 * parses back to the same minutes; a parsed date formats back to itself. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "timerule.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[1024];
	if (size >= sizeof text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (strlen(text) != size)
		return 0; /* the config refuses NUL bytes before this parser */
	struct timerule r = { 0 };
	const char *why, *last = text;
	for (char *item = text, *nl; item; item = nl) {
		nl = strchr(item, '\n');
		if (nl)
			*nl++ = '\0';
		last = item;
		struct timerule before = r;
		if (!timerule_add(&r, item, &why) && memcmp(&before, &r, sizeof r) != 0)
			abort(); /* a refused item must change nothing */
	}
	if (r.set) {
		char buf[4096], item[TIMERULE_ITEM_MAX + 1];
		struct timerule back = { 0 };
		timerule_format(&r, buf, sizeof buf);
		for (char *p = buf, *comma; p; p = comma) {
			comma = strstr(p, ", ");
			size_t n = comma ? (size_t)(comma - p) : strlen(p);
			if (n > TIMERULE_ITEM_MAX)
				abort();
			memcpy(item, p, n);
			item[n] = '\0';
			if (!timerule_add(&back, item, &why))
				abort();
			if (comma)
				comma += 2;
		}
		if (memcmp(back.minutes, r.minutes, sizeof r.minutes) != 0)
			abort();
	}
	int64_t t;
	if (timerule_parse_date(last, &t)) {
		char date[TIMERULE_DATE_LEN];
		if (strcmp(timerule_format_date(t, date), last) != 0)
			abort();
	}
	return 0;
}

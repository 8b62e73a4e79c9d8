/* htmlesc — see htmlesc.h. */
#include "htmlesc.h"

#include <string.h>

#include "jsonesc.h"

#define REPLACEMENT "\xEF\xBF\xBD" /* U+FFFD */

/* The escaped form of the byte(s) at s: sets *take to how many input bytes
 * it stands for; returns the text (or NULL: copy those bytes as they are). */
static const char *escape_one(const unsigned char *s, size_t n, size_t *take)
{
	*take = 1;
	switch (s[0]) {
	case '&': return "&amp;";
	case '<': return "&lt;";
	case '>': return "&gt;";
	case '"': return "&quot;";
	case '\'': return "&#39;";
	case '\t': case '\n': return NULL;
	default: break;
	}
	if (s[0] < 0x20 || s[0] == 0x7f)
		return REPLACEMENT;
	if (s[0] < 0x80)
		return NULL;
	size_t len = json_utf8_len(s, n);
	if (len == 0)
		return REPLACEMENT;
	*take = len;
	return NULL;
}

long html_escape(const char *s, size_t n, char *out, size_t cap)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = 0;
	if (cap == 0)
		return -1;
	for (size_t i = 0; i < n;) {
		size_t take;
		const char *rep = escape_one(p + i, n - i, &take);
		const char *src = rep ? rep : s + i;
		size_t m = rep ? strlen(rep) : take;
		if (len + m >= cap) {
			out[0] = '\0';
			return -1;
		}
		memcpy(out + len, src, m);
		len += m;
		i += take;
	}
	out[len] = '\0';
	return (long)len;
}

void html_fputs(const char *s, FILE *f)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);
	for (size_t i = 0; i < n;) {
		size_t take;
		const char *rep = escape_one(p + i, n - i, &take);
		if (rep)
			fputs(rep, f);
		else
			fwrite(s + i, 1, take, f);
		i += take;
	}
}

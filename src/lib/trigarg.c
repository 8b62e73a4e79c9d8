/* trigarg — see trigarg.h. */
#include "trigarg.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trigger_conf.h"

const char *trigarg_forbidden(const char *arg)
{
	if (arg[0] == '-')
		return arg;
	for (const char *p = arg; *p; p++)
		if (strchr(TRIGARG_METACHARS, *p) || (unsigned char)*p < 0x20 ||
			(unsigned char)*p >= 0x7f)
			return p;
	return NULL;
}

/* glibc's regcomp grows fast on stacked repetitions (a+++, a{64}{64})
 * and ERE leaves them undefined anyway: refuse them, back-references
 * and counts above TRIGARG_COUNT_MAX, before regcomp sees the pattern. */
#define TRIGARG_COUNT_MAX 64

static const char *too_complex(const char *p)
{
	bool after_quant = false;
	for (; *p; p++) {
		if (*p == '\\') {
			if (p[1] >= '0' && p[1] <= '9')
				return "back-references are not allowed";
			if (p[1])
				p++;
			after_quant = false;
		} else if (*p == '[') {
			const char *q = p + 1;
			if (*q == '^')
				q++;
			if (*q == ']')
				q++;
			while (*q && *q != ']')
				q++;
			if (!*q)
				return NULL; /* regcomp says what is wrong */
			p = q;
			after_quant = false;
		} else if (strchr("*+?{", *p)) {
			if (after_quant)
				return "a repetition may not follow another";
			if (*p == '{') {
				char *end;
				for (const char *q = p + 1; *q && *q != '}'; q++) {
					if (*q < '0' || *q > '9')
						continue;
					unsigned long n = strtoul(q, &end, 10);
					if (n > TRIGARG_COUNT_MAX)
						return "a repetition count is above 64";
					q = end - 1;
				}
				const char *close = strchr(p, '}');
				if (close)
					p = close;
			}
			after_quant = true;
		} else {
			after_quant = false;
		}
	}
	return NULL;
}

bool trigarg_pattern_ok(const char *pattern, char *why, size_t len)
{
	size_t n = strlen(pattern);
	if (n >= TRIGGER_PATTERN_MAX) {
		snprintf(why, len, "pattern longer than %d bytes", TRIGGER_PATTERN_MAX - 1);
		return false;
	}
	/* "\$" at the end is a literal dollar, not the anchor. */
	bool escaped_end = n >= 2 && pattern[n - 2] == '\\';
	if (n < 2 || pattern[0] != '^' || pattern[n - 1] != '$' || escaped_end) {
		snprintf(why, len, "pattern '%s' is not anchored (it must start with ^ "
			"and end with $)", pattern);
		return false;
	}
	const char *complex = too_complex(pattern);
	if (complex) {
		snprintf(why, len, "pattern '%s': %s", pattern, complex);
		return false;
	}
	regex_t re;
	int rc = regcomp(&re, pattern, REG_EXTENDED);
	if (rc != 0) {
		char msg[128];
		regerror(rc, &re, msg, sizeof msg);
		snprintf(why, len, "pattern '%s': %s", pattern, msg);
		return false;
	}
	regfree(&re);
	return true;
}

int trigarg_match(const char *pattern, const char *arg)
{
	char why[8];
	if (!trigarg_pattern_ok(pattern, why, sizeof why))
		return -1;
	regex_t re;
	regmatch_t m[1];
	if (regcomp(&re, pattern, REG_EXTENDED) != 0)
		return -1;
	int rc = regexec(&re, arg, 1, m, 0);
	regfree(&re);
	/* Anchors can hide in an alternation (^a|b$): demand the whole. */
	return rc == 0 && m[0].rm_so == 0 && (size_t)m[0].rm_eo == strlen(arg);
}

void trigarg_escape(const char *arg, char *out, size_t len)
{
	static const char plain[] = "._:/@+=,-";
	size_t o = 0;
	if (len == 0)
		return;
	for (const unsigned char *p = (const unsigned char *)arg; *p; p++) {
		bool ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			(*p >= '0' && *p <= '9') || strchr(plain, *p);
		size_t need = ok ? 1 : 4;
		if (o + need >= len)
			break;
		if (ok)
			out[o++] = (char)*p;
		else
			o += (size_t)snprintf(out + o, len - o, "\\x%02x", *p);
	}
	out[o] = '\0';
}

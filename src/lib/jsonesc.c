/* jsonesc — see jsonesc.h. */
#include "jsonesc.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

void jsonbuf_init(struct jsonbuf *j, char *buf, size_t cap)
{
	j->buf = buf;
	j->cap = cap;
	j->len = 0;
	j->ok = cap > 0;
	if (cap > 0)
		buf[0] = '\0';
}

static void put(struct jsonbuf *j, const char *s, size_t n)
{
	if (!j->ok)
		return;
	if (n >= j->cap - j->len) {
		j->ok = false;
		return;
	}
	memcpy(j->buf + j->len, s, n);
	j->len += n;
	j->buf[j->len] = '\0';
}

void jsonbuf_raw(struct jsonbuf *j, const char *s)
{
	put(j, s, strlen(s));
}

void jsonbuf_u64(struct jsonbuf *j, unsigned long long v)
{
	char num[24];
	int n = snprintf(num, sizeof num, "%llu", v);
	put(j, num, (size_t)n);
}

size_t json_utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len;
	uint32_t min, cp;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2; min = 0x80; cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3; min = 0x800; cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4; min = 0x10000; cp = c & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

static void escape_body(struct jsonbuf *j, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < n && j->ok;) {
		unsigned char c = p[i];
		char esc[8];
		const char *out = NULL;
		switch (c) {
		case '"': out = "\\\""; break;
		case '\\': out = "\\\\"; break;
		case '\n': out = "\\n"; break;
		case '\r': out = "\\r"; break;
		case '\t': out = "\\t"; break;
		case '\b': out = "\\b"; break;
		case '\f': out = "\\f"; break;
		default: break;
		}
		if (out) {
			put(j, out, strlen(out));
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			snprintf(esc, sizeof esc, "\\u%04x", c);
			put(j, esc, 6);
			i++;
		} else if (c < 0x80) {
			put(j, (const char *)&p[i], 1);
			i++;
		} else {
			size_t len = json_utf8_len(p + i, n - i);
			if (len == 0) {
				put(j, "\\ufffd", 6);
				i++;
			} else {
				put(j, (const char *)&p[i], len);
				i += len;
			}
		}
	}
}

void jsonbuf_str(struct jsonbuf *j, const char *s, size_t n)
{
	put(j, "\"", 1);
	escape_body(j, s, n);
	put(j, "\"", 1);
}

long json_escape(const char *s, size_t n, char *out, size_t cap)
{
	struct jsonbuf j;
	jsonbuf_init(&j, out, cap);
	escape_body(&j, s, n);
	return j.ok ? (long)j.len : -1;
}

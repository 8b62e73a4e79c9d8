/* dnsname — see dnsname.h. */
#include "dnsname.h"

#include <string.h>

#define POINTER_MARK 0xC0

static uint8_t lower(uint8_t ch)
{
	return ch >= 'A' && ch <= 'Z' ? (uint8_t)(ch | 0x20) : ch;
}

static enum dnsname_result refuse(struct cursor *cur, enum dnsname_result r)
{
	cursor_skip(cur, cursor_left(cur) + 1); /* fails the cursor */
	return r;
}

enum dnsname_result dnsname_read(struct cursor *cur, struct dnsname *out)
{
	struct cursor walk = *cur;
	size_t run_start = cur->pos; /* where the current stretch of labels began */
	size_t resume = 0; /* where cur continues after the first pointer */
	unsigned jumps = 0;
	size_t used = 0;

	out->nlabels = 0;
	out->wire_len = 0;
	for (;;) {
		size_t here = walk.pos;
		uint8_t len = cursor_u8(&walk);
		if (!cursor_ok(&walk))
			return refuse(cur, DNSNAME_TRUNCATED);
		if ((len & POINTER_MARK) == POINTER_MARK) {
			size_t target = (size_t)(len & 0x3F) << 8 | cursor_u8(&walk);
			if (!cursor_ok(&walk))
				return refuse(cur, DNSNAME_TRUNCATED);
			/* Strictly before this stretch: stretches move back, so
			 * no loop can form. */
			if (target >= run_start || ++jumps > DNSNAME_JUMPS_MAX)
				return refuse(cur, DNSNAME_BAD_POINTER);
			if (jumps == 1)
				resume = here + 2;
			run_start = target;
			cursor_init(&walk, cur->buf, cur->len);
			cursor_skip(&walk, target);
			continue;
		}
		if (len & POINTER_MARK)
			return refuse(cur, DNSNAME_BAD_LABEL);
		/* This label plus the final zero byte must still fit. */
		if (used + 1 + len + (len ? 1 : 0) > DNSNAME_WIRE_MAX)
			return refuse(cur, DNSNAME_TOO_LONG);
		if (len == 0)
			break;
		const uint8_t *p = cursor_take(&walk, len);
		if (!p)
			return refuse(cur, DNSNAME_TRUNCATED);
		out->off[out->nlabels++] = (uint8_t)used;
		out->wire[used++] = len;
		memcpy(out->wire + used, p, len);
		used += len;
	}
	out->wire[used++] = 0;
	out->wire_len = (uint8_t)used;
	size_t end = jumps ? resume : walk.pos;
	cursor_skip(cur, end - cur->pos);
	return DNSNAME_OK;
}

static bool text_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		(ch >= '0' && ch <= '9') || ch == '-' || ch == '_';
}

bool dnsname_from_text(const char *text, struct dnsname *out)
{
	size_t n = strlen(text);
	if (n > 0 && text[n - 1] == '.')
		n--;
	/* One final dot is allowed; "a.." would hide an empty label. */
	if (n == 0 || n > DNSNAME_TEXT_MAX || text[n - 1] == '.')
		return false;
	size_t used = 0;
	out->nlabels = 0;
	for (size_t i = 0; i < n;) {
		size_t len = 0;
		while (i + len < n && text[i + len] != '.') {
			if (!text_char(text[i + len]))
				return false;
			len++;
		}
		if (len == 0 || len > DNSNAME_LABEL_MAX)
			return false;
		out->off[out->nlabels++] = (uint8_t)used;
		out->wire[used++] = (uint8_t)len;
		memcpy(out->wire + used, text + i, len);
		used += len;
		i += len + 1;
	}
	out->wire[used++] = 0;
	out->wire_len = (uint8_t)used;
	return true;
}

char *dnsname_to_text(const struct dnsname *n, char *buf, size_t cap)
{
	size_t o = 0;
	if (cap == 0)
		return buf;
	for (size_t i = 0; i < n->nlabels; i++) {
		size_t len;
		const uint8_t *p = dnsname_label(n, i, &len);
		if (i && o + 1 < cap)
			buf[o++] = '.';
		for (size_t k = 0; k < len && o + 1 < cap; k++)
			buf[o++] = text_char((char)p[k]) ? (char)p[k] : '?';
	}
	buf[o] = '\0';
	return buf;
}

const uint8_t *dnsname_label(const struct dnsname *n, size_t i, size_t *len)
{
	*len = n->wire[n->off[i]];
	return n->wire + n->off[i] + 1;
}

/* Compares wire forms from label boundaries, ignoring case (length bytes
 * are at most 63, below 'A', so they are compared exactly). */
static bool wire_equal(const uint8_t *a, const uint8_t *b, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (lower(a[i]) != lower(b[i]))
			return false;
	return true;
}

bool dnsname_under(const struct dnsname *name, const struct dnsname *zone,
	size_t *below)
{
	if (zone->nlabels > name->nlabels)
		return false;
	size_t k = name->nlabels - zone->nlabels;
	size_t start = k < name->nlabels ? name->off[k] : (size_t)name->wire_len - 1;
	if (name->wire_len - start != zone->wire_len ||
	    !wire_equal(name->wire + start, zone->wire, zone->wire_len))
		return false;
	*below = k;
	return true;
}

bool dnsname_equal(const struct dnsname *a, const struct dnsname *b)
{
	return a->wire_len == b->wire_len && wire_equal(a->wire, b->wire, a->wire_len);
}

void dnsname_write(struct writer *w, const struct dnsname *n)
{
	writer_bytes(w, n->wire, n->wire_len);
}

/* cursor — see cursor.h. */
#include "cursor.h"

#include <string.h>

void cursor_init(struct cursor *c, const void *buf, size_t len)
{
	c->buf = buf;
	c->len = len;
	c->pos = 0;
	c->failed = false;
}

size_t cursor_left(const struct cursor *c)
{
	return c->failed ? 0 : c->len - c->pos;
}

bool cursor_ok(const struct cursor *c)
{
	return !c->failed;
}

const uint8_t *cursor_take(struct cursor *c, size_t n)
{
	if (c->failed || n > c->len - c->pos) {
		c->failed = true;
		return NULL;
	}
	const uint8_t *p = c->buf + c->pos;
	c->pos += n;
	return p;
}

void cursor_skip(struct cursor *c, size_t n)
{
	(void)cursor_take(c, n);
}

void cursor_bytes(struct cursor *c, void *out, size_t n)
{
	const uint8_t *p = cursor_take(c, n);
	if (p)
		memcpy(out, p, n);
	else
		memset(out, 0, n);
}

static uint64_t cursor_be(struct cursor *c, size_t n)
{
	const uint8_t *p = cursor_take(c, n);
	uint64_t v = 0;
	if (!p)
		return 0;
	for (size_t i = 0; i < n; i++)
		v = (v << 8) | p[i];
	return v;
}

uint8_t cursor_u8(struct cursor *c) { return (uint8_t)cursor_be(c, 1); }
uint16_t cursor_u16(struct cursor *c) { return (uint16_t)cursor_be(c, 2); }
uint32_t cursor_u32(struct cursor *c) { return (uint32_t)cursor_be(c, 4); }
uint64_t cursor_u64(struct cursor *c) { return cursor_be(c, 8); }

void writer_init(struct writer *w, void *buf, size_t cap)
{
	w->buf = buf;
	w->cap = cap;
	w->pos = 0;
	w->failed = false;
}

bool writer_ok(const struct writer *w)
{
	return !w->failed;
}

static uint8_t *writer_take(struct writer *w, size_t n)
{
	if (w->failed || n > w->cap - w->pos) {
		w->failed = true;
		return NULL;
	}
	uint8_t *p = w->buf + w->pos;
	w->pos += n;
	return p;
}

static void writer_be(struct writer *w, uint64_t v, size_t n)
{
	uint8_t *p = writer_take(w, n);
	if (!p)
		return;
	for (size_t i = n; i-- > 0; v >>= 8)
		p[i] = (uint8_t)v;
}

void writer_u8(struct writer *w, uint8_t v) { writer_be(w, v, 1); }
void writer_u16(struct writer *w, uint16_t v) { writer_be(w, v, 2); }
void writer_u32(struct writer *w, uint32_t v) { writer_be(w, v, 4); }
void writer_u64(struct writer *w, uint64_t v) { writer_be(w, v, 8); }

void writer_bytes(struct writer *w, const void *p, size_t n)
{
	uint8_t *dst = writer_take(w, n);
	if (dst)
		memcpy(dst, p, n);
}

void writer_zeros(struct writer *w, size_t n)
{
	uint8_t *dst = writer_take(w, n);
	if (dst)
		memset(dst, 0, n);
}

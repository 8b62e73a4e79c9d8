/* cursor — bounds-checked reading and writing of untrusted byte strings.
 *
 * Every parser of network bytes walks its input through a cursor: each read
 * either succeeds completely or marks the cursor failed and returns zeros, so a
 * parser can read a whole header and check `cursor_ok()` once at the end.
 * Multi-byte integers are big-endian (network order). */
#ifndef POSTERN_CURSOR_H
#define POSTERN_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cursor {
	const uint8_t *buf;
	size_t len;
	size_t pos;
	bool failed;
};

struct writer {
	uint8_t *buf;
	size_t cap;
	size_t pos;
	bool failed;
};

void cursor_init(struct cursor *c, const void *buf, size_t len);
/* Bytes left to read (0 once failed). */
size_t cursor_left(const struct cursor *c);
bool cursor_ok(const struct cursor *c);
uint8_t cursor_u8(struct cursor *c);
uint16_t cursor_u16(struct cursor *c);
uint32_t cursor_u32(struct cursor *c);
uint64_t cursor_u64(struct cursor *c);
/* Copies n bytes to out (zero-fills out on failure). */
void cursor_bytes(struct cursor *c, void *out, size_t n);
/* Returns a pointer to the next n bytes inside the buffer and advances, or
 * NULL (and fails the cursor) if fewer than n are left. */
const uint8_t *cursor_take(struct cursor *c, size_t n);
void cursor_skip(struct cursor *c, size_t n);

void writer_init(struct writer *w, void *buf, size_t cap);
bool writer_ok(const struct writer *w);
void writer_u8(struct writer *w, uint8_t v);
void writer_u16(struct writer *w, uint16_t v);
void writer_u32(struct writer *w, uint32_t v);
void writer_u64(struct writer *w, uint64_t v);
void writer_bytes(struct writer *w, const void *p, size_t n);
void writer_zeros(struct writer *w, size_t n);

#endif

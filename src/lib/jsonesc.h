/* jsonesc — JSON string escaping (RFC 8259) into a bounded buffer.
 *
 * The output is always valid UTF-8 JSON: '"' and '\\' are escaped, control
 * characters become \n \r \t \b \f or \u00XX, DEL becomes \u007f, and any
 * byte that is not part of well-formed UTF-8 (overlong forms, surrogates,
 * code points above U+10FFFF, truncated sequences) becomes \ufffd, so a
 * hostile string can never break out of its quotes or out of its line. */
#ifndef POSTERN_JSONESC_H
#define POSTERN_JSONESC_H

#include <stdbool.h>
#include <stddef.h>

/* A JSON text being built in a caller's buffer. Once a write did not fit,
 * ok is false and later writes do nothing: check it once at the end. */
struct jsonbuf {
	char *buf;
	size_t cap;
	size_t len; /* buf[len] is always '\0' while cap > 0 */
	bool ok;
};

void jsonbuf_init(struct jsonbuf *j, char *buf, size_t cap);
/* Appends raw text (no escaping: for punctuation and numbers). */
void jsonbuf_raw(struct jsonbuf *j, const char *s);
/* Appends n bytes of s as a quoted, escaped JSON string. */
void jsonbuf_str(struct jsonbuf *j, const char *s, size_t n);
/* Appends an unsigned decimal integer. */
void jsonbuf_u64(struct jsonbuf *j, unsigned long long v);

/* Length of the well-formed UTF-8 sequence (of a code point >= U+0080) at
 * s, at most n bytes; 0 if the bytes there are not one. */
size_t json_utf8_len(const unsigned char *s, size_t n);

/* Escapes n bytes of s (without the quotes) into out (cap bytes, NUL-
 * terminated). Returns the length written, or -1 if it did not fit. */
long json_escape(const char *s, size_t n, char *out, size_t cap);

#endif

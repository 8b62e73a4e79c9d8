/* base32 — RFC 4648 base32 (alphabet A-Z 2-7), without padding.
 *
 * Used where bytes must survive a case-insensitive channel: DNS query names,
 * whose case resolvers randomise (draft-vixie-dnsext-dns0x20). Encoding
 * writes lower case; decoding accepts either case and refuses everything
 * else, including non-zero bits past the last whole byte, so that each byte
 * string has exactly one encoding (up to case). */
#ifndef POSTERN_BASE32_H
#define POSTERN_BASE32_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Characters needed for n bytes: ceil(8n / 5). */
#define BASE32_LEN(n) (((n) * 8 + 4) / 5)

/* Writes BASE32_LEN(n) characters and a NUL to out (room for cap bytes).
 * Returns the number of characters, or 0 if cap is too small. */
size_t base32_encode(const uint8_t *in, size_t n, char *out, size_t cap);

/* Decodes exactly len characters of in (no NUL needed) into out. Returns the
 * number of bytes (len * 5 / 8), or -1 if a character is not base32, len is
 * not a length an encoding can have, the spare bits are not zero, or out
 * (room for cap bytes) is too small. */
long base32_decode(const char *in, size_t len, uint8_t *out, size_t cap);

/* True if ch is a base32 character, in either case. */
bool base32_char(char ch);

#endif

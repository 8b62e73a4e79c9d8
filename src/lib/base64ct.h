/* base64ct — decoding of padded standard base64 (RFC 4648 §4: A-Z a-z 0-9
 * + /, '=' padding) in constant time with respect to the characters: no
 * branch and no table lookup depends on them, only on the length.
 *
 * For secrets (a keys_file line: base64 of 32 bytes). libsodium's
 * sodium_base642bin is constant-time too, but decodes a character at a
 * time through a general loop (ignore lists, variants, an end pointer);
 * at 100 000 users it was ~10 % of config_load (20 ms). This decodes
 * eight characters at a time in a 64-bit word (7 ms) and accepts exactly
 * what sodium_base642bin
 * (sodium_base64_VARIANT_ORIGINAL, no ignore list) accepts when it must
 * consume the whole input, except that it refuses bytes 0x80-0xff (which
 * libsodium 1.0.18 reads as '/'): tests/unit/test_base64ct.c and
 * tests/fuzz/fuzz_base64ct.c hold it to that. */
#ifndef POSTERN_BASE64CT_H
#define POSTERN_BASE64CT_H

#include <stddef.h>
#include <stdint.h>

/* Decodes all of in[0..len) into out (room for out_max bytes) and sets
 * *out_len. 0, or -1 if in is not exactly a padded base64 encoding (a
 * character outside the alphabet, wrong padding, non-zero bits after the
 * last byte) or decodes to more than out_max bytes; on -1, whatever it
 * wrote to out is wiped and *out_len is 0. */
int base64ct_decode(uint8_t *out, size_t out_max, size_t *out_len,
	const char *in, size_t len) __attribute__((warn_unused_result));

#endif

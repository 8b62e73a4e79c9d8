/* auditrec — one record of the audit log (docs/audit.md): a JSON object on
 * one line, chained to the line before it by a SHA-256 hash.
 *
 *   {"v":1,"seq":7,"prev":"<64 hex>","time":"2025-06-01T12:00:00.123Z",
 *    "event":"accept","user":"alice",...}
 *
 * prev = lower-case hex SHA-256 of the previous line's bytes (without its
 * newline); the first record of a log has AUDITREC_GENESIS (64 zeros).
 * Values are JSON strings or non-negative integers; keys are [a-z0-9_].
 * The writer (auditrec_format) and the strict reader (auditrec_parse) are
 * here; the daemon's log (src/daemon/audit.c) and `postern audit verify`
 * (src/client/cmd_audit.c) use them. */
#ifndef POSTERN_AUDITREC_H
#define POSTERN_AUDITREC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "errbuf.h"

#define AUDITREC_VERSION 1
#define AUDITREC_LINE_MAX 4096 /* bytes, without the newline */
#define AUDITREC_HASH_HEX 64
#define AUDITREC_GENESIS "0000000000000000000000000000000000000000000000000000000000000000"
#define AUDITREC_FIELDS_MAX 32
#define AUDITREC_KEY_MAX 32 /* including the NUL */
#define AUDITREC_VALUE_MAX 1024 /* decoded, including the NUL */
#define AUDITREC_TIME_MAX 32
#define AUDITREC_STR_CUT 255 /* string values are written up to this many bytes */

/* One field to write: a string (str != NULL) or a number. */
struct auditrec_kv {
	const char *key;
	const char *str;
	unsigned long long num;
};

/* One field as read. */
struct auditrec_field {
	char key[AUDITREC_KEY_MAX];
	char value[AUDITREC_VALUE_MAX]; /* decoded string, or the digits */
	bool is_num;
};

struct auditrec {
	unsigned version;
	uint64_t seq;
	char prev[AUDITREC_HASH_HEX + 1];
	char time[AUDITREC_TIME_MAX];
	char event[AUDITREC_KEY_MAX];
	size_t nfields; /* every field, the five above included, in line order */
	struct auditrec_field fields[AUDITREC_FIELDS_MAX];
};

/* Formats "2025-06-01T12:00:00.123Z" from unix milliseconds into out. */
void auditrec_time(uint64_t unix_ms, char out[static AUDITREC_TIME_MAX]);

/* Writes one record (no newline) into out. A string value longer than
 * AUDITREC_STR_CUT bytes is cut there (a UTF-8 sequence cut in two is
 * escaped as \ufffd). Returns the length, or -1 if the record does not fit
 * in min(cap - 1, AUDITREC_LINE_MAX) or a key is not [a-z0-9_]{1,31}. */
long auditrec_format(char *out, size_t cap, uint64_t seq,
	const char prev[static AUDITREC_HASH_HEX + 1], const char *time,
	const char *event, const struct auditrec_kv *kv, size_t n);

/* Parses one line of len bytes (no newline). 0, or -1 with a reason in err
 * ("byte 17: ..."). Duplicate keys, anything but a flat object of string
 * and non-negative integer values, and a missing or malformed v, seq,
 * prev, time or event are refused. */
int auditrec_parse(const char *line, size_t len, struct auditrec *out,
	struct errbuf *err) __attribute__((warn_unused_result));

/* The value of field key, or NULL. */
const struct auditrec_field *auditrec_get(const struct auditrec *r, const char *key);

/* hex SHA-256 of the line's bytes: the next record's prev. */
void auditrec_hash(const char *line, size_t len, char out[static AUDITREC_HASH_HEX + 1]);

/* Lower-case hex of n bytes into out (2n + 1 bytes). */
void auditrec_hex(const uint8_t *p, size_t n, char *out);
/* Decodes exactly n bytes of lower-case hex (2n characters); 0 or -1. */
int auditrec_unhex(const char *hex, uint8_t *out, size_t n);

#endif

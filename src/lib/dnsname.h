/* dnsname — DNS names in wire form (RFC 1035 §3.1, §4.1.4), read from
 * untrusted messages with every limit enforced.
 *
 * A name is kept uncompressed, byte for byte as received (the case of each
 * letter included: a reply must echo the question exactly, because
 * resolvers randomise the case of what they send and check the echo).
 * Comparisons ignore ASCII case, as DNS does. */
#ifndef POSTERN_DNSNAME_H
#define POSTERN_DNSNAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cursor.h"

#define DNSNAME_WIRE_MAX 255 /* RFC 1035: the whole name, length bytes included */
#define DNSNAME_LABEL_MAX 63
#define DNSNAME_TEXT_MAX 253 /* presentation form, without the final dot */
#define DNSNAME_LABELS_MAX 127 /* (255 - 1) / 2 one-byte labels */
/* Compression pointers followed at most; each must point backwards, so
 * loops are impossible anyway: this bounds the work on hostile input. */
#define DNSNAME_JUMPS_MAX 16

struct dnsname {
	uint8_t wire[DNSNAME_WIRE_MAX]; /* labels, each a length byte + bytes, then 0 */
	uint8_t wire_len; /* including the final 0 */
	uint8_t nlabels; /* the root has 0 */
	uint8_t off[DNSNAME_LABELS_MAX]; /* offset in wire of each label's length byte */
};

enum dnsname_result {
	DNSNAME_OK = 0,
	DNSNAME_TRUNCATED, /* the message ends inside the name */
	DNSNAME_BAD_LABEL, /* label type 0x40/0x80 (obsolete, never used) */
	DNSNAME_BAD_POINTER, /* a pointer that does not point backwards, or too many */
	DNSNAME_TOO_LONG, /* more than 255 bytes once decompressed */
};

/* Reads the name at cur's position; cur must walk the whole message, since
 * compression pointers are offsets from its start. Each pointer must point
 * before the stretch of labels that led to it, so decompression always ends.
 * On DNSNAME_OK advances cur past the name as written there (a pointer
 * counts two bytes); otherwise fails the cursor. */
enum dnsname_result dnsname_read(struct cursor *cur, struct dnsname *out);

/* Parses "k.example.net" or "k.example.net." (letters, digits, '-', '_';
 * labels of 1..63; at most DNSNAME_TEXT_MAX characters). Returns false on
 * anything else, including the root "." and empty labels. */
bool dnsname_from_text(const char *text, struct dnsname *out);

/* Writes the presentation form (labels joined with '.', no final dot) to
 * buf (room for cap bytes, DNSNAME_TEXT_MAX + 1 is always enough for names
 * made by dnsname_from_text). Bytes other than letters, digits, '-' and '_'
 * are written as '?'. Returns buf. */
char *dnsname_to_text(const struct dnsname *n, char *buf, size_t cap);

/* Label i (0 = the leftmost): its bytes and length. */
const uint8_t *dnsname_label(const struct dnsname *n, size_t i, size_t *len);

/* True if name is zone or below it (on label boundaries, ignoring case);
 * *below gets the number of labels of name above the zone's. */
bool dnsname_under(const struct dnsname *name, const struct dnsname *zone,
	size_t *below);

/* True if a and b are the same name, ignoring case. */
bool dnsname_equal(const struct dnsname *a, const struct dnsname *b);

/* Writes the name uncompressed, as stored (case kept). */
void dnsname_write(struct writer *w, const struct dnsname *n);

#endif

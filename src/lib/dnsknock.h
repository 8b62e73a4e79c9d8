/* dnsknock — knocks written as DNS query names under a knock zone, e.g.
 * `<knock>.k.example.net`. Shared by the client (which writes them) and
 * the daemon (which reads them, sniffed or as the zone's server).
 *
 * What may stand below the zone (labels left to right; case never matters,
 * since resolvers randomise it):
 *  - a full SPA knock: its 100 bytes in base32 (160 characters), split into
 *    labels of at most 63 (postern writes 63.63.34); any split is read;
 *  - a token: 13 base32 characters (8 bytes), optionally followed by a
 *    user-name label: `<token>[.<user>]`;
 *  - text: a numeric code of 6..10 digits followed by the user's name
 *    (`<digits>.<user>`), or an RFC 2289 response, 16 hex digits or six
 *    words joined with '-', optionally followed by the user's name.
 * Short knocks sit in the first label below the zone or the one under it:
 * a resolver with QNAME minimisation asks for `<last label>.<zone>` first,
 * and the server's NODATA answer lets it go on to the whole name.
 *
 * The longest zone a full knock fits under is DNSKNOCK_ZONE_MAX characters:
 * 160 characters in 3 labels with their dots (163), a dot, the zone, and
 * at most 253 in all (RFC 1035). */
#ifndef POSTERN_DNSKNOCK_H
#define POSTERN_DNSKNOCK_H

#include <stddef.h>
#include <stdint.h>

#include "base32.h"
#include "dnsname.h"
#include "knock.h"

#define DNSKNOCK_SPA_CHARS BASE32_LEN(KNOCK_WIRE_BYTES) /* 160 */
#define DNSKNOCK_SPA_LABELS 3
#define DNSKNOCK_ZONE_MAX (DNSNAME_TEXT_MAX - DNSKNOCK_SPA_CHARS - DNSKNOCK_SPA_LABELS)
#define DNSKNOCK_TOKEN_BYTES 8
#define DNSKNOCK_TOKEN_CHARS BASE32_LEN(DNSKNOCK_TOKEN_BYTES) /* 13 */
#define DNSKNOCK_CODE_MIN 6
#define DNSKNOCK_CODE_MAX 10
#define DNSKNOCK_OTP_HEX 16
#define DNSKNOCK_OTP_WORDS 6
#define DNSKNOCK_OTP_WORD_MAX 4 /* RFC 2289 dictionary words have 1..4 letters */
#define DNSKNOCK_TEXT_MAX DNSNAME_LABEL_MAX
#define DNSKNOCK_USER_MAX DNSNAME_LABEL_MAX

enum dnsknock_kind {
	DNSKNOCK_NONE = 0, /* nothing a scheme could use */
	DNSKNOCK_SPA,
	DNSKNOCK_TOKEN,
	DNSKNOCK_TEXT,
};

struct dnsknock {
	enum dnsknock_kind kind;
	char user[DNSKNOCK_USER_MAX + 1]; /* lower case, "" if none was given */
	union {
		uint8_t spa[KNOCK_WIRE_BYTES];
		uint8_t token[DNSKNOCK_TOKEN_BYTES];
		char text[DNSKNOCK_TEXT_MAX + 1]; /* lower case, NUL-terminated */
	} u;
};

/* Reads what the labels of name below zone carry. Returns out->kind
 * (DNSKNOCK_NONE for a name that is not under zone or carries nothing). */
enum dnsknock_kind dnsknock_read(const struct dnsname *name,
	const struct dnsname *zone, struct dnsknock *out);

/* The query name of a full knock under zone (presentation form, no final
 * dot) into out (room for cap bytes, DNSNAME_TEXT_MAX + 1 is enough). Returns
 * false if zone is not a valid name of at most DNSKNOCK_ZONE_MAX characters. */
bool dnsknock_spa_name(const uint8_t wire[static KNOCK_WIRE_BYTES], const char *zone,
	char *out, size_t cap);

#endif

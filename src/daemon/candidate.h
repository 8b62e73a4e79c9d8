/* candidate — what a carrier found in one packet, before any scheme has
 * checked it: the raw evidence of a knock.
 *
 * Carriers (udp, icmp, dns, syn, ...) know where knocks hide in a packet;
 * schemes (spa, token, otp, sequence, dynamic) know what makes one genuine.
 * A candidate is the hand-over between the two, and the evidence the child
 * forwards to the parent, which checks it again itself. */
#ifndef POSTERN_CANDIDATE_H
#define POSTERN_CANDIDATE_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "config.h"
#include "knock.h"

/* Conventions shared by carriers and schemes (so each side can be written
 * alone):
 *  - CANDIDATE_SPA: the 100 bytes of docs/protocol.md, however they travelled
 *    (UDP payload, ICMP echo payload, base32 in DNS labels).
 *  - CANDIDATE_TOKEN: a short binary one-time token, normally 8 bytes (64
 *    bits): the 8-byte pattern of `ping -p <16 hex digits>`, a 13-character
 *    base32 label (RFC 4648 alphabet, case-insensitive, no padding) directly
 *    under the DNS knock zone, or the sequence number and TSval of a TCP SYN.
 *  - CANDIDATE_TEXT: printable text: a numeric code of 6..10 digits from an
 *    authenticator app (with user_hint naming the user, e.g. DNS
 *    `<digits>.<user>.<zone>`), or an RFC 2289 response (six words or 16 hex
 *    digits, as typed: the scheme normalises case and separators).
 *  - CANDIDATE_PORT_HIT: one TCP SYN or UDP datagram to a watched port.
 * A scheme that does not recognise a candidate returns VERDICT_IGNORE. */
enum candidate_kind {
	CANDIDATE_NONE = 0,
	CANDIDATE_SPA, /* u.spa: a full single-packet knock (KNOCK_WIRE_BYTES) */
	CANDIDATE_TOKEN, /* u.token: a short binary one-time token */
	CANDIDATE_TEXT, /* u.text: printable text (OTP words, numeric codes) */
	CANDIDATE_PORT_HIT, /* u.port: one packet to a watched port (sequences) */
	CANDIDATE_KIND_END
};

#define CANDIDATE_TOKEN_MAX 16
#define CANDIDATE_TEXT_MAX 96

struct candidate {
	uint8_t kind; /* enum candidate_kind */
	uint8_t carrier; /* enum carrier_id */
	/* The packet came through a DNS resolver, so src is the resolver's
	 * address, not the user's: a grant must name its target. */
	bool via_resolver;
	struct addr src; /* the packet's source address */
	struct addr dst; /* the packet's destination (which local address) */
	/* The packet's UDP/TCP ports (0 for ICMP): where a dynamic reply
	 * goes (scheme_dynamic.c), and from which port it comes. */
	uint16_t sport, dport;
	char user_hint[CONFIG_NAME_MAX]; /* a user name sent in clear, or "" */
	union {
		uint8_t spa[KNOCK_WIRE_BYTES];
		struct {
			uint8_t len;
			uint8_t bytes[CANDIDATE_TOKEN_MAX];
		} token;
		char text[CANDIDATE_TEXT_MAX]; /* NUL-terminated */
		struct portspec port;
	} u;
	/* CANDIDATE_SPA of a signed knock (docs/protocol.md §11) from a carrier
	 * that can carry its 164 bytes (udp, icmp): the 64 bytes after u.spa,
	 * still encrypted. sig_len is 0 (none came) or KNOCK_SIG_BYTES. */
	uint8_t sig_len;
	uint8_t sig[KNOCK_SIG_BYTES];
};

#endif

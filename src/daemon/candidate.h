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
};

#endif

/* carrier — how a knock travels: find candidates (candidate.h) in a decoded
 * packet, and describe (as a BPF expression) every packet worth capturing.
 *
 * Each carrier lives in its own file (carrier_udp.c, ...) and is one entry in
 * the table in carrier.c; adding ICMP, DNS or SYN carriers means adding a file
 * and a table entry, nothing else. */
#ifndef POSTERN_CARRIER_H
#define POSTERN_CARRIER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "candidate.h"
#include "config.h"
#include "frame.h"
#include "knock.h"

enum carrier_id {
	CARRIER_NONE = 0,
	CARRIER_UDP = 1, /* carrier_udp.c: SPA in a UDP datagram */
	CARRIER_ICMP, /* carrier_icmp.c: echo requests (SPA, ping -p tokens) */
	CARRIER_DNS, /* carrier_dns.c: query names (SPA, tokens, OTP words) */
	CARRIER_SYN, /* carrier_syn.c: TCP SYN header fields (tokens) */
	CARRIER_PORT, /* carrier_port.c: hits on watched ports (sequences) */
	CARRIER_COUNT
};

struct carrier {
	enum carrier_id id;
	const char *name;
	/* Appends this carrier's BPF expression (or nothing if the config does
	 * not use it) to buf; returns false if buf is too small. */
	bool (*bpf)(const struct config *c, char *buf, size_t len);
	/* Writes up to max candidates that f carries for this carrier to out
	 * (kind and u; carriers_extract fills carrier, src and dst) and returns
	 * how many. Must re-check every length: the kernel filter is an
	 * optimisation, not a guarantee. */
	size_t (*extract)(const struct config *c, const struct frame *f,
		struct candidate *out, size_t max);
	/* The largest IP packet (from the IP header on) this carrier looks at
	 * under this config, 0 if the config does not use it: what the
	 * capture must keep of a packet (carriers_snaplen). Counts the worst
	 * IP header, IPv4's 60 bytes (knocks carry no IPv6 extension headers,
	 * so IPv6's is 40). */
	size_t (*max_packet)(const struct config *c);
};

/* The worst IP header a carrier counts: IPv4 with 40 bytes of options. */
#define CARRIER_IP_HEADER_MAX 60
/* The longest link header a capture hands over: Ethernet (14) with two
 * VLAN tags (8); cooked "any" captures have SLL's 16 or SLL2's 20. */
#define CARRIER_LINK_HEADER_MAX 22
/* The snap length's ceiling: what the capture kept before carriers said
 * what they need (a DNS query or ICMP echo data can be longer; frame.c then
 * refuses the truncated packet, as it always did). */
#define CARRIER_SNAPLEN_MAX 512

/* Most candidates one packet can yield (e.g. a port hit and a token). */
#define CARRIER_MAX_CANDIDATES 4

/* The longest capture filter text carriers_bpf builds. */
#define CARRIER_BPF_MAX 16384

/* True if every packet the config takes is a single-packet knock in a UDP
 * datagram to a knock port (no other carrier, no OTP text on those
 * ports): the capture's kernel filter can then check tags (tagfilter.h). */
bool carriers_udp_spa_only(const struct config *c);

/* Builds the capture filter for every carrier the config uses. */
bool carriers_bpf(const struct config *c, char *buf, size_t len);
/* The capture's snap length for this config: the link header and the
 * largest packet of any carrier it uses, rounded up to 16 (the ring's frames
 * are padded to it anyway), at most CARRIER_SNAPLEN_MAX. A packet longer
 * than that arrives truncated, and frame_decode refuses it (its IP length
 * is more than was captured): no candidate is made of part of a packet. */
unsigned carriers_snaplen(const struct config *c);
/* Finds the candidates in f (at most max); returns how many. */
size_t carriers_extract(const struct config *c, const struct frame *f,
	struct candidate *out, size_t max);
/* "udp", ... ("?" for an unknown id). */
const char *carrier_name(enum carrier_id id);

/* For the carriers' own use: a payload of exactly KNOCK_WIRE_BYTES, or
 * KNOCK_SIGNED_WIRE_BYTES for a signed knock (protocol.md §11), as one
 * CANDIDATE_SPA in *out: 1, or 0 (out untouched) for any other length. */
size_t carrier_spa(const uint8_t *payload, size_t len, struct candidate *out);

extern const struct carrier carrier_udp;
extern const struct carrier carrier_udp_code; /* "user:digits" token codes */
extern const struct carrier carrier_icmp;
extern const struct carrier carrier_port;
extern const struct carrier carrier_syn;
extern const struct carrier carrier_dns;

#endif

/* send_syn — one TCP SYN from a raw socket, carrying an 8-byte one-time
 * token in two fields every Linux SYN fills with random-looking values:
 * the sequence number (token bytes 0..3) and the timestamp option's TSval
 * (bytes 4..7). Everything else is what Linux's connect() sends: options
 * MSS, SACK_PERM, TS, NOP, WS (tcpopt.h), window a multiple of the MSS,
 * an ephemeral source port, the kernel's TTL (64) and IP ID. The daemon's
 * side is src/daemon/carrier_syn.c. Needs root or CAP_NET_RAW. */
#ifndef POSTERN_SEND_SYN_H
#define POSTERN_SEND_SYN_H

#include <stdint.h>

#include "addr.h"
#include "errbuf.h"

#define SYN_TOKEN_BYTES 8
#define SYN_SEGMENT_BYTES 40 /* 20-byte header + 20 bytes of options */

/* The TCP segment of one SYN from src:sport to dst:dport carrying token,
 * checksum included (the IP header is the kernel's). */
void syn_build(uint8_t out[static SYN_SEGMENT_BYTES], const struct addr *src,
	const struct addr *dst, uint16_t sport, uint16_t dport, uint16_t mss,
	const uint8_t token[static SYN_TOKEN_BYTES]);

/* Resolves server (family AF_UNSPEC, AF_INET or AF_INET6) and sends one SYN
 * to dport carrying token. 0, or -1 with err. */
int syn_send_token(const char *server, uint16_t dport, int family,
	const uint8_t token[static SYN_TOKEN_BYTES], struct errbuf *err);

#endif

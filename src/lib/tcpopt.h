/* tcpopt — TCP options of a SYN: read them (the SYN carrier takes the
 * timestamp TSval from a captured SYN) and write them as Linux does (the SYN
 * sender mimics a Linux connect()).
 *
 * Linux (4.x..6.x) sends a SYN with 20 option bytes in this order:
 *   MSS (kind 2, len 4), SACK permitted (4, 2), timestamps (8, 10: TSval,
 *   TSecr = 0), NOP (1), window scale (3, 3)
 * which tcpdump prints as [mss 1460,sackOK,TS val N ecr 0,nop,wscale 7]. */
#ifndef POSTERN_TCPOPT_H
#define POSTERN_TCPOPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TCPOPT_MAX_BYTES 40
#define TCPOPT_LINUX_SYN_BYTES 20

struct tcpopt {
	bool has_mss, has_sack_perm, has_ts, has_wscale;
	uint16_t mss;
	uint32_t tsval, tsecr;
	uint8_t wscale;
	uint8_t nopts; /* options seen, NOPs included */
};

/* Parses len bytes of options (0..TCPOPT_MAX_BYTES). false if they are
 * malformed: a length below 2 or past the end, a known option of the wrong
 * size, or more than one of a kind. Stops at End of Option List. */
bool tcpopt_parse(const uint8_t *opt, size_t len, struct tcpopt *out);

/* Writes the 20 bytes of a Linux SYN's options to out. */
void tcpopt_linux_syn(uint8_t out[static TCPOPT_LINUX_SYN_BYTES], uint16_t mss,
	uint32_t tsval, uint8_t wscale);

#endif

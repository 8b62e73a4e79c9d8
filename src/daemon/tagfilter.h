/* tagfilter — the capture's kernel filter for a config whose every knock
 * is a single-packet knock in a UDP datagram: besides the port and the
 * length, the first four bytes of the tag must be those of a tag the
 * child's table holds for the current window (tagtable.h). Garbage and
 * knocks sealed with other keys then never reach the capture ring; a
 * flood of them costs the kernel a few comparisons per packet and the
 * child nothing.
 *
 * The program is classic BPF (SO_ATTACH_FILTER), independent of the link
 * type: it reads the IP header through the kernel's network-header offset
 * (SKF_NET_OFF) and the protocol from the socket buffer (SKF_AD_PROTOCOL).
 * The prefixes are searched as a binary tree of comparisons, ~log2(n)
 * per packet. Four bytes of the eight suffice (those the tag table keeps):
 * the child still looks the whole tag up, and a random packet matches one
 * of n prefixes with probability n / 2^32. */
#ifndef POSTERN_TAGFILTER_H
#define POSTERN_TAGFILTER_H

#include <linux/filter.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Most prefixes a filter takes: its program then stays under the kernel's
 * 4 096 instructions with 64 knock ports. At 5 slots a user (a ±60-s
 * window) that is ~400 users; a config with more is filtered by port and
 * length only. */
#define TAGFILTER_PREFIXES_MAX 2048
#define TAGFILTER_INSNS_MAX BPF_MAXINSNS
#define TAGFILTER_PORTS_MAX 64 /* CONFIG_MAX_PORTS */

struct tagfilter_spec {
	const uint16_t *ports; /* the UDP knock ports */
	size_t nports;
	uint16_t udp_lengths[2]; /* UDP length fields taken (header + payload) */
	uint32_t snaplen; /* what an accepted packet keeps */
	unsigned tag_offset; /* where the compared bytes are in the tag: 0..4 */
	/* The tags' bytes as a big-endian load reads them (tagfilter_prefix);
	 * sorted and deduplicated in place. Not read with loose. */
	uint32_t *prefixes;
	size_t nprefixes;
	bool loose; /* any tag: the filter by port and length only */
};

/* Four bytes of a tag (at tag_offset) as the program compares them. */
uint32_t tagfilter_prefix(const uint8_t bytes[static 4]);

/* Writes the program into out (room for max instructions); returns its
 * length, or 0 if it does not fit or the spec is out of range (no port or
 * more than 64, more than TAGFILTER_PREFIXES_MAX prefixes, tag_offset
 * over 4). No prefix and not loose: every knock datagram is dropped (no
 * tag is valid). */
size_t tagfilter_build(struct tagfilter_spec *s, struct sock_filter *out, size_t max);

#endif

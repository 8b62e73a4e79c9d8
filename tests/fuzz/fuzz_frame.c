/* fuzz_frame — libFuzzer target for frame_decode (frame.c) and the carriers
 * that read what it decodes (carrier*.c).
 *
 * Input: byte 0 picks the link type (EN10MB, LINUX_SLL, LINUX_SLL2, RAW);
 * the rest is the captured frame, in a heap block of exactly its size so
 * ASan sees any read past the capture. Checked on every input:
 *  1. frame_decode never crashes; on FRAME_OK the payload (and the TCP
 *     options) lie inside the frame, and addresses have a family the rest
 *     of the daemon handles;
 *  2. carriers_extract (with a fixed config using the UDP and ICMP
 *     carriers) never yields more than asked, every candidate is well
 *     formed and carries the packet's addresses, and a UDP SPA candidate is
 *     exactly the 100-byte payload of a datagram to a knock port. */
#include <netinet/in.h>
#include <pcap/dlt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "carrier.h"
#include "config.h"
#include "frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int dlts[4] = { DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW };

static const struct config *fixed_config(void)
{
	static struct config *c;
	if (!c) {
		struct errbuf err;
		if (config_load_string("[daemon]\nknock_ports = udp/62201, udp/53\nicmp = yes\n"
			    "[protect]\nports = tcp/22\n", "fuzz", 0, &c, &err) != 0)
			abort();
	}
	return c;
}

static bool knock_port(const struct config *c, uint16_t port)
{
	for (size_t i = 0; i < c->nknock_ports; i++)
		if (c->knock_ports[i].port == port)
			return true;
	return false;
}

static bool inside(const uint8_t *p, size_t n, const uint8_t *buf, size_t len)
{
	if (!p)
		return n == 0;
	return p >= buf && p <= buf + len && n <= (size_t)(buf + len - p);
}

static void check_candidate(const struct config *c, const struct frame *f,
	const struct candidate *cand)
{
	if (cand->kind == CANDIDATE_NONE || cand->kind >= CANDIDATE_KIND_END ||
	    cand->carrier == CARRIER_NONE || cand->carrier >= CARRIER_COUNT)
		abort();
	if (!addr_equal(&cand->src, &f->src) || !addr_equal(&cand->dst, &f->dst))
		abort();
	if (!memchr(cand->user_hint, '\0', sizeof cand->user_hint))
		abort();
	switch (cand->kind) {
	case CANDIDATE_TOKEN:
		if (cand->u.token.len > CANDIDATE_TOKEN_MAX)
			abort();
		break;
	case CANDIDATE_TEXT:
		if (!memchr(cand->u.text, '\0', sizeof cand->u.text))
			abort();
		break;
	default:
		break;
	}
	if (cand->carrier == CARRIER_UDP && cand->kind == CANDIDATE_SPA) {
		if (f->proto != IPPROTO_UDP || f->payload_len != KNOCK_WIRE_BYTES ||
		    !knock_port(c, f->dport) ||
		    memcmp(cand->u.spa, f->payload, KNOCK_WIRE_BYTES) != 0)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct config *c = fixed_config();
	if (size < 1)
		return 0;
	int dlt = dlts[data[0] & 3];
	size_t len = size - 1;
	uint8_t *pkt = malloc(len ? len : 1);
	if (!pkt)
		return 0;
	memcpy(pkt, data + 1, len);

	struct frame f;
	enum frame_result r = frame_decode(dlt, pkt, len, &f);
	if (r != FRAME_OK) {
		if (r != FRAME_TRUNCATED && r != FRAME_UNSUPPORTED && r != FRAME_MALFORMED)
			abort();
		free(pkt);
		return 0;
	}
	if (!inside(f.payload, f.payload_len, pkt, len) ||
	    !inside(f.tcp_options, f.tcp_options_len, pkt, len))
		abort();
	if (f.src.family != AF_INET && f.src.family != AF_INET6)
		abort();
	if (f.dst.family != f.src.family)
		abort();

	struct candidate out[CARRIER_MAX_CANDIDATES + 1];
	memset(out, 0, sizeof out);
	out[CARRIER_MAX_CANDIDATES].kind = 0xee; /* a guard: never written */
	size_t n = carriers_extract(c, &f, out, CARRIER_MAX_CANDIDATES);
	if (n > CARRIER_MAX_CANDIDATES || out[CARRIER_MAX_CANDIDATES].kind != 0xee)
		abort();
	for (size_t i = 0; i < n; i++)
		check_candidate(c, &f, &out[i]);
	/* Asking for one yields at most one. */
	if (carriers_extract(c, &f, out, 1) > 1)
		abort();
	free(pkt);
	return 0;
}

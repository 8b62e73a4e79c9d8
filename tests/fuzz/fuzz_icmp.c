/* fuzz_icmp — libFuzzer target for the ICMP/ICMPv6 echo carrier
 * (carrier_icmp.c), behind frame_decode.
 *
 * Input: byte 0 picks a mode. Even: the rest is a whole raw-IP frame
 * (DLT_RAW), so headers are fuzzed too. Odd: the rest is the data of an
 * echo request wrapped in a valid IPv4 (bit 1 clear) or IPv6 header, so the
 * fuzzer spends its time on the pattern and size logic. The input is copied
 * into a heap block of exactly its size so ASan sees any read past it.
 * Checked on every input: no crash; candidates come only from echo
 * requests; an SPA candidate is exactly the 100 data bytes; a token is 8
 * bytes found at data offset 16 that the rest of the data repeats. */
#include <netinet/in.h>
#include <pcap/dlt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "carrier.h"
#include "config.h"
#include "frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define DATA_MAX 1400

static const struct config *fixed_config(void)
{
	static struct config *c;
	if (!c) {
		struct errbuf err;
		if (config_load_string("[daemon]\nicmp = yes\n[protect]\nports = tcp/22\n",
			    "fuzz", 0, &c, &err) != 0)
			abort();
	}
	return c;
}

/* An IPv4 or IPv6 echo request around n data bytes; returns its length. */
static size_t wrap(uint8_t *pkt, bool v6, const uint8_t *d, size_t n)
{
	size_t ip = v6 ? 40 : 20, l4 = 8 + n;
	memset(pkt, 0, ip + 8);
	if (v6) {
		pkt[0] = 0x60;
		pkt[4] = (uint8_t)(l4 >> 8);
		pkt[5] = (uint8_t)l4;
		pkt[6] = IPPROTO_ICMPV6;
		pkt[7] = 64;
		pkt[8] = pkt[24] = 0xfd;
		pkt[23] = 1;
		pkt[39] = 2;
		pkt[40] = 128;
	} else {
		pkt[0] = 0x45;
		pkt[2] = (uint8_t)((ip + l4) >> 8);
		pkt[3] = (uint8_t)(ip + l4);
		pkt[8] = 64;
		pkt[9] = IPPROTO_ICMP;
		pkt[12] = pkt[16] = 10;
		pkt[15] = 1;
		pkt[19] = 2;
		pkt[20] = 8;
	}
	memcpy(pkt + ip + 8, d, n);
	return ip + l4;
}

static void check(const struct frame *f, const struct candidate *cand, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct candidate *k = &cand[i];
		bool echo = f->icmp_code == 0 &&
			((f->proto == IPPROTO_ICMP && f->icmp_type == 8) ||
			 (f->proto == IPPROTO_ICMPV6 && f->icmp_type == 128));
		if (!echo || k->carrier != CARRIER_ICMP)
			abort();
		if (k->kind == CANDIDATE_SPA) {
			/* A knock, or a signed knock (protocol.md §11): the first
			 * 100 bytes are the knock either way. */
			bool plain = f->payload_len == KNOCK_WIRE_BYTES && k->sig_len == 0;
			bool signed_ = f->payload_len == KNOCK_SIGNED_WIRE_BYTES &&
				k->sig_len == KNOCK_SIG_BYTES;
			if ((!plain && !signed_) ||
			    memcmp(k->u.spa, f->payload, KNOCK_WIRE_BYTES) != 0)
				abort();
		} else if (k->kind == CANDIDATE_TOKEN) {
			if (k->u.token.len != 8 || f->payload_len < 32 || f->payload_len > 512)
				abort();
			for (size_t j = 16; j < f->payload_len; j++)
				if (f->payload[j] != k->u.token.bytes[(j - 16) % 8])
					abort();
		} else {
			abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct config *c = fixed_config();
	if (size < 1 || size - 1 > DATA_MAX)
		return 0;
	size_t len = size - 1;
	bool wrapped = data[0] & 1;
	uint8_t *pkt = malloc(wrapped ? 48 + len : (len ? len : 1));
	if (!pkt)
		return 0;
	if (wrapped)
		len = wrap(pkt, data[0] & 2, data + 1, len);
	else
		memcpy(pkt, data + 1, len);

	struct frame f;
	struct candidate cand[CARRIER_MAX_CANDIDATES];
	if (frame_decode(DLT_RAW, pkt, len, &f) == FRAME_OK) {
		size_t n = carriers_extract(c, &f, cand, CARRIER_MAX_CANDIDATES);
		if (n > CARRIER_MAX_CANDIDATES)
			abort();
		check(&f, cand, n);
	} else if (wrapped) {
		abort(); /* a well-formed wrapper must decode */
	}
	free(pkt);
	return 0;
}

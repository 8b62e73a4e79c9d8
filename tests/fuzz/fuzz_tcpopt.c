/* fuzz_tcpopt — libFuzzer target for the TCP option parser (tcpopt.c) that
 * the SYN carrier runs on every SYN to a syn_ports port. Input: the option
 * bytes (only the first 40 are a valid option space; longer must be refused
 * without reading). Checked: no crash or out-of-bounds read (the options sit
 * in a heap block of exactly their size); and the options Linux sends,
 * built from the first bytes, always parse back exactly. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tcpopt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tcpopt o;
	uint8_t *copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	bool ok = tcpopt_parse(copy, size, &o);
	if (ok && size > TCPOPT_MAX_BYTES)
		abort();
	free(copy);
	if (size >= 7) {
		uint8_t syn[TCPOPT_LINUX_SYN_BYTES];
		uint16_t mss = (uint16_t)(data[0] << 8 | data[1]);
		uint32_t ts = (uint32_t)data[2] << 24 | (uint32_t)data[3] << 16 |
			(uint32_t)data[4] << 8 | data[5];
		tcpopt_linux_syn(syn, mss, ts, data[6]);
		if (!tcpopt_parse(syn, sizeof syn, &o) || !o.has_mss || o.mss != mss ||
		    !o.has_ts || o.tsval != ts || o.tsecr != 0 || !o.has_sack_perm ||
		    !o.has_wscale || o.wscale != data[6] || o.nopts != 5)
			abort();
	}
	return 0;
}

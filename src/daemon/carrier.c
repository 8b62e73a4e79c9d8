/* carrier — the table of carriers; see carrier.h. */
#include "carrier.h"

#include <stdio.h>
#include <string.h>

static const struct carrier *const carriers[] = {
	&carrier_udp,
	&carrier_udp_code,
	&carrier_icmp,
	&carrier_port,
	&carrier_syn,
	&carrier_dns,
};
#define NCARRIERS (sizeof carriers / sizeof carriers[0])

bool carriers_bpf(const struct config *c, char *buf, size_t len)
{
	/* As large as the whole filter may be: one carrier can fill it all. */
	char part[CARRIER_BPF_MAX];
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < NCARRIERS; i++) {
		part[0] = '\0';
		if (!carriers[i]->bpf(c, part, sizeof part))
			return false;
		if (part[0] == '\0')
			continue;
		int n = snprintf(buf + used, len - used, "%s(%s)",
			used ? " or " : "", part);
		if (n < 0 || (size_t)n >= len - used)
			return false;
		used += (size_t)n;
	}
	return used > 0;
}

bool carriers_udp_spa_only(const struct config *c)
{
	if (c->nknock_ports == 0 || c->uses.otp) /* OTP text shares the ports */
		return false;
	for (size_t i = 0; i < NCARRIERS; i++)
		if (carriers[i] != &carrier_udp && carriers[i]->max_packet(c) != 0)
			return false;
	return true;
}

unsigned carriers_snaplen(const struct config *c)
{
	size_t most = 0;
	for (size_t i = 0; i < NCARRIERS; i++) {
		size_t n = carriers[i]->max_packet(c);
		if (n > most)
			most = n;
	}
	size_t snaplen = (CARRIER_LINK_HEADER_MAX + most + 15) & ~(size_t)15;
	return snaplen < CARRIER_SNAPLEN_MAX ? (unsigned)snaplen : CARRIER_SNAPLEN_MAX;
}

size_t carriers_extract(const struct config *c, const struct frame *f,
	struct candidate *out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < NCARRIERS && n < max; i++) {
		size_t found = carriers[i]->extract(c, f, out + n, max - n);
		for (size_t k = n; k < n + found; k++) {
			out[k].carrier = (uint8_t)carriers[i]->id;
			out[k].src = f->src;
			out[k].dst = f->dst;
			out[k].sport = f->sport;
			out[k].dport = f->dport;
		}
		n += found;
	}
	return n;
}

const char *carrier_name(enum carrier_id id)
{
	for (size_t i = 0; i < NCARRIERS; i++)
		if (carriers[i]->id == id)
			return carriers[i]->name;
	return "?";
}

size_t carrier_spa(const uint8_t *payload, size_t len, struct candidate *out)
{
	if (len != KNOCK_WIRE_BYTES && len != KNOCK_SIGNED_WIRE_BYTES)
		return 0;
	memset(out, 0, sizeof *out);
	out->kind = CANDIDATE_SPA;
	memcpy(out->u.spa, payload, KNOCK_WIRE_BYTES);
	if (len == KNOCK_SIGNED_WIRE_BYTES) { /* protocol.md §11 */
		out->sig_len = KNOCK_SIG_BYTES;
		memcpy(out->sig, payload + KNOCK_WIRE_BYTES, KNOCK_SIG_BYTES);
	}
	return 1;
}

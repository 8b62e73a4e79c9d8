/* carrier — the table of carriers; see carrier.h. */
#include "carrier.h"

#include <stdio.h>
#include <string.h>

static const struct carrier *const carriers[] = {
	&carrier_udp,
};
#define NCARRIERS (sizeof carriers / sizeof carriers[0])

bool carriers_bpf(const struct config *c, char *buf, size_t len)
{
	char part[2048];
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

enum carrier_id carriers_extract(const struct config *c, const struct frame *f,
	uint8_t out[static KNOCK_WIRE_BYTES])
{
	for (size_t i = 0; i < NCARRIERS; i++)
		if (carriers[i]->extract(c, f, out))
			return carriers[i]->id;
	return CARRIER_NONE;
}

const char *carrier_name(enum carrier_id id)
{
	for (size_t i = 0; i < NCARRIERS; i++)
		if (carriers[i]->id == id)
			return carriers[i]->name;
	return "?";
}

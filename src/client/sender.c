/* sender — the table of senders; see sender.h. */
#include "sender.h"

#include <string.h>

static const struct sender *const senders[] = {
	&sender_udp,
	&sender_icmp,
	&sender_dns,
};
#define NSENDERS (sizeof senders / sizeof senders[0])

const struct sender *sender_find(const char *name)
{
	for (size_t i = 0; i < NSENDERS; i++)
		if (!strcmp(senders[i]->name, name))
			return senders[i];
	return NULL;
}

void senders_describe(FILE *f)
{
	for (size_t i = 0; i < NSENDERS; i++)
		fprintf(f, "                        %-5s %s\n", senders[i]->name,
			senders[i]->summary);
}

/* fwdnat — see fwdnat.h. One libnftables context per forward: they are as
 * rare as accepted knocks, and the parent keeps no extra state. */
#include "fwdnat.h"

#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <nftables/libnftables.h>

#include "config.h"
#include "firewall.h"

#define MAP4_TYPE "ipv4_addr . inet_proto . inet_service : inet_service"
#define MAP6_TYPE "ipv6_addr . inet_proto . inet_service : inet_service"
#define CHAIN_HOOK "type nat hook prerouting priority dstnat - 10;"

/* nft's first error line, flattened into err. */
static void set_error(struct errbuf *err, const char *text)
{
	char line[200];
	size_t n = text ? strcspn(text, "\n") : 0;
	if (n >= sizeof line)
		n = sizeof line - 1;
	memcpy(line, text ? text : "", n);
	line[n] = '\0';
	errbuf_set(err, "nftables: adding the forward: %s", n ? line : "failed");
}

int fwdnat_add(const char *table, const struct addr *client,
	const struct portspec *service, uint16_t high_port, uint32_t lease,
	struct errbuf *err)
{
	const char *proto = service->proto == IPPROTO_TCP ? "tcp" :
		service->proto == IPPROTO_UDP ? "udp" : NULL;
	const char *map = client->family == AF_INET ? "dynfwd4" :
		client->family == AF_INET6 ? "dynfwd6" : NULL;
	if (!firewall_table_name_ok(table) || !proto || !map || !service->port || !high_port || !lease) {
		errbuf_set(err, "forward: bad table, address, port or lease");
		return -1;
	}
	char a[ADDR_STRLEN], cmd[2048];
	addr_format(client, a);
	int n = snprintf(cmd, sizeof cmd,
		"add table inet %1$s\n"
		"add map inet %1$s dynfwd4 { type " MAP4_TYPE "; flags timeout; }\n"
		"add map inet %1$s dynfwd6 { type " MAP6_TYPE "; flags timeout; }\n"
		"add chain inet %1$s dynfwd { " CHAIN_HOOK " policy accept; }\n"
		"flush chain inet %1$s dynfwd\n"
		"add rule inet %1$s dynfwd meta l4proto { tcp, udp } redirect to "
		"ip saddr . meta l4proto . th dport map @dynfwd4\n"
		"add rule inet %1$s dynfwd meta l4proto { tcp, udp } redirect to "
		"ip6 saddr . meta l4proto . th dport map @dynfwd6\n"
		"add element inet %1$s %2$s { %3$s . %4$s . %5$u timeout %6$us : %7$u }\n",
		table, map, a, proto, (unsigned)high_port, lease, (unsigned)service->port);
	if (n < 0 || (size_t)n >= sizeof cmd) {
		errbuf_set(err, "forward: command too long");
		return -1;
	}
	struct nft_ctx *nft = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!nft || nft_ctx_buffer_output(nft) != 0 || nft_ctx_buffer_error(nft) != 0) {
		errbuf_set(err, "nftables: cannot create a libnftables context");
		if (nft)
			nft_ctx_free(nft);
		return -1;
	}
	int rc = nft_run_cmd_from_buffer(nft, cmd);
	if (rc != 0)
		set_error(err, nft_ctx_get_error_buffer(nft));
	nft_ctx_free(nft);
	return rc != 0 ? -1 : 0;
}

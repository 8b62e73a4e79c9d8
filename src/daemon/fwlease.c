/* fwlease — see fwlease.h. */
#include "fwlease.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <nftables/libnftables.h>

#define ELEM_TEXT_MAX 128

/* One element's text, e.g. "10.0.0.2 . tcp . 22 timeout 30s expires 29s". */
static bool parse_elem(const char *s, bool once, struct fwlease_elem *e)
{
	char a[ELEM_TEXT_MAX], proto[16], port[16], spec[40];
	memset(e, 0, sizeof *e);
	if (sscanf(s, "%127s . %15s . %15s", a, proto, port) != 3)
		return false;
	snprintf(spec, sizeof spec, "%s/%s", proto, port);
	e->once = once;
	return addr_parse(a, &e->addr) && portspec_parse(spec, &e->port);
}

int fwlease_parse(const char *text, size_t len, bool once, fwlease_fn *fn, void *ctx)
{
	static const char head[] = "elements = {";
	const char *end = text + len;
	const char *p = text;
	/* Find the head within [text, end). */
	for (; p + sizeof head - 1 <= end; p++)
		if (memcmp(p, head, sizeof head - 1) == 0)
			break;
	if (p + sizeof head - 1 > end)
		return 0; /* an empty set lists no elements line */
	p += sizeof head - 1;
	int count = 0;
	while (p < end) {
		char one[ELEM_TEXT_MAX];
		size_t n = 0;
		while (p < end && *p != ',' && *p != '}') {
			if (n + 1 < sizeof one && !(n == 0 && isspace((unsigned char)*p)))
				one[n++] = isspace((unsigned char)*p) ? ' ' : *p;
			p++;
		}
		one[n] = '\0';
		struct fwlease_elem e;
		if (n && !parse_elem(one, once, &e))
			return -1;
		if (n) {
			fn(ctx, &e);
			count++;
		}
		if (p >= end || *p == '}')
			break;
		p++; /* the comma */
	}
	return count;
}

static struct nft_ctx *ctx_new(struct errbuf *err)
{
	struct nft_ctx *nft = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!nft || nft_ctx_buffer_output(nft) != 0 || nft_ctx_buffer_error(nft) != 0) {
		errbuf_set(err, "nftables: cannot create a libnftables context");
		if (nft)
			nft_ctx_free(nft);
		return NULL;
	}
	/* nft's default output: protocol names, port numbers (parse_elem). */
	return nft;
}

static int run(struct nft_ctx *nft, const char *cmd, const char **out, struct errbuf *err)
{
	int rc = nft_run_cmd_from_buffer(nft, cmd);
	const char *o = nft_ctx_get_output_buffer(nft);
	const char *e = nft_ctx_get_error_buffer(nft);
	if (rc != 0) {
		char line[160];
		snprintf(line, sizeof line, "%s", e ? e : "");
		line[strcspn(line, "\n")] = '\0';
		errbuf_set(err, "nftables: %s: %s", cmd, line);
		return -1;
	}
	if (out)
		*out = o ? o : "";
	return 0;
}

int fwlease_list(const char *table, fwlease_fn *fn, void *ctx, struct errbuf *err)
{
	static const struct { const char *set; bool once; } sets[] = {
		{ "leases4", false }, { "leases6", false },
		{ "oneshot4", true }, { "oneshot6", true },
	};
	struct nft_ctx *nft = ctx_new(err);
	if (!nft)
		return -1;
	int rc = 0;
	for (size_t i = 0; i < sizeof sets / sizeof *sets && rc == 0; i++) {
		char cmd[96];
		const char *out;
		snprintf(cmd, sizeof cmd, "list set inet %s %s", table, sets[i].set);
		rc = run(nft, cmd, &out, err);
		if (rc == 0 && fwlease_parse(out, strlen(out), sets[i].once, fn, ctx) < 0) {
			errbuf_set(err, "nftables: cannot read the elements of set %s", sets[i].set);
			rc = -1;
		}
	}
	nft_ctx_free(nft);
	return rc;
}

int fwlease_delete(const char *table, const struct fwlease_elem *e, struct errbuf *err)
{
	const char *set = e->addr.family == AF_INET6 ? (e->once ? "oneshot6" : "leases6")
		: (e->once ? "oneshot4" : "leases4");
	char a[ADDR_STRLEN], cmd[384];
	addr_format(&e->addr, a);
	/* add first, so the delete succeeds if the element expired meanwhile. */
	snprintf(cmd, sizeof cmd,
		"add element inet %s %s { %s . %s . %u timeout 1s }\n"
		"delete element inet %s %s { %s . %s . %u }\n",
		table, set, a, proto_name(e->port.proto), e->port.port,
		table, set, a, proto_name(e->port.proto), e->port.port);
	struct nft_ctx *nft = ctx_new(err);
	if (!nft)
		return -1;
	int rc = run(nft, cmd, NULL, err);
	nft_ctx_free(nft);
	return rc;
}

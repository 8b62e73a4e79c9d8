/* capfilter — see capfilter.h. */
#include "capfilter.h"

#include <stdio.h>
#include <stdlib.h>

#include "carrier.h"
#include "knock.h"
#include "log.h"
#include "tagfilter.h"

#define UDP_HEADER_BYTES 8

enum mode {
	MODE_LIBPCAP, /* libpcap's filter from capture_open: port and length */
	MODE_TAGS, /* ours, with the tags */
	MODE_LOOSE, /* ours, without them: too many, or a refused update */
};

struct capfilter {
	enum mode mode;
	bool refused; /* the kernel refused ours once: libpcap's stays */
	bool synced; /* generation below was acted on (once per change) */
	bool told_too_many; /* logged that the tags do not fit */
	uint64_t generation; /* of the table's tags last acted on */
	uint16_t ports[TAGFILTER_PORTS_MAX];
	size_t nports;
	uint8_t bytes[TAGFILTER_PREFIXES_MAX][TAGTABLE_PREFIX_BYTES];
	uint32_t prefixes[TAGFILTER_PREFIXES_MAX];
	struct sock_filter prog[TAGFILTER_INSNS_MAX];
};

struct capfilter *capfilter_new(const struct config *c)
{
	if (!c->kernel_filter_tags)
		return NULL;
	if (!carriers_udp_spa_only(c) || c->nknock_ports > TAGFILTER_PORTS_MAX) {
		log_warn("capture child: kernel_filter = tags, but this config takes "
			"other knocks than single-packet ones in UDP datagrams; the "
			"kernel filter checks ports and lengths only");
		return NULL;
	}
	struct capfilter *f = calloc(1, sizeof *f);
	if (!f)
		return NULL;
	for (size_t i = 0; i < c->nknock_ports; i++)
		f->ports[f->nports++] = c->knock_ports[i].port;
	return f;
}

void capfilter_free(struct capfilter *f)
{
	free(f);
}

/* Builds ours (with the n prefixes in f->prefixes, or loose) and attaches
 * it; 0, or -1 with err. */
static int attach(struct capfilter *f, struct capture *cap, size_t n, size_t offset,
	bool loose, struct errbuf *err)
{
	struct tagfilter_spec spec = {
		.ports = f->ports,
		.nports = f->nports,
		.udp_lengths = { UDP_HEADER_BYTES + KNOCK_WIRE_BYTES,
			UDP_HEADER_BYTES + KNOCK_SIGNED_WIRE_BYTES },
		.snaplen = capture_ring_of(cap)->snaplen,
		.tag_offset = (unsigned)offset,
		.prefixes = f->prefixes,
		.nprefixes = n,
		.loose = loose,
	};
	size_t len = tagfilter_build(&spec, f->prog, TAGFILTER_INSNS_MAX);
	if (len == 0) {
		errbuf_set(err, "the filter does not fit in %d instructions", TAGFILTER_INSNS_MAX);
		return -1;
	}
	return capture_attach_filter(cap, f->prog, len, err);
}

/* A tight filter that cannot be replaced: the tags it has go stale as the
 * window moves, so it gives way to one without them. */
static int loosen(struct capfilter *f, struct capture *cap, const char *why)
{
	struct errbuf err;
	if (attach(f, cap, 0, 0, true, &err) != 0) {
		log_err("capture child: kernel filter: %s, and the filter without tags "
			"was refused too (%s); restarting the capture", why, err.msg);
		return -1;
	}
	if (f->mode != MODE_LOOSE)
		log_warn("capture child: kernel filter: %s; filtering by port and length "
			"only", why);
	f->mode = MODE_LOOSE;
	return 0;
}

int capfilter_sync(struct capfilter *f, const struct tagtable *t, struct capture *cap)
{
	if (!f || !t || f->refused)
		return 0;
	uint64_t generation = tagtable_generation(t);
	if (f->synced && generation == f->generation)
		return 0;
	f->synced = true;
	f->generation = generation;
	size_t offset;
	size_t n = tagtable_prefixes(t, f->bytes, TAGFILTER_PREFIXES_MAX, &offset);
	if (n > TAGFILTER_PREFIXES_MAX) {
		char why[96];
		snprintf(why, sizeof why, "%zu tags, more than the %d a filter holds", n,
			TAGFILTER_PREFIXES_MAX);
		if (f->mode == MODE_TAGS)
			return loosen(f, cap, why);
		if (!f->told_too_many) /* libpcap's stays: by port and length too */
			log_warn("capture child: kernel_filter = tags: %s; filtering by "
				"port and length only", why);
		f->told_too_many = true;
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		f->prefixes[i] = tagfilter_prefix(f->bytes[i]);
	struct errbuf err;
	if (attach(f, cap, n, offset, false, &err) != 0) {
		if (f->mode == MODE_LIBPCAP) {
			f->refused = true;
			log_warn("capture child: kernel filter with the tags refused (%s); "
				"filtering by port and length only", err.msg);
			return 0;
		}
		return loosen(f, cap, err.msg);
	}
	if (f->mode != MODE_TAGS)
		log_info("capture child: kernel filter checks the tags (%zu now)", n);
	f->mode = MODE_TAGS;
	return 0;
}

/* capture — see capture.h. */
#include "capture.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/if_packet.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "carrier.h"
#include "msg.h"

/* In immediate mode libpcap's ring (TPACKET_V2) has fixed frames of the
 * snap length plus this much, so a ring's memory per packet follows the
 * snap length, which follows the config (carriers_snaplen: 256 for UDP
 * knocks, at most 512; docs/perf-notes/ring.md). The overhead is libpcap's
 * tpacket2_hdr and sockaddr_ll, and on cooked "any" captures room to build
 * the SLL header (80 bytes on Ethernet; measured with the sizes passed to
 * setsockopt(PACKET_RX_RING)). */
#define CAPTURE_FRAME_OVERHEAD 96
/* Packets the ring holds with capture_buffer = auto: 13 797, what the old
 * default of 8 MiB held at snaplen 512 on "any" (14 166 frames on
 * Ethernet), which absorbed every flood measured (childmem.md). A config
 * that still needs 512 gets exactly the old ring; UDP knocks get as many
 * packets in ~4.7 MiB. */
#define CAPTURE_FRAMES_DEFAULT \
	((8u << 20) / TPACKET_ALIGN(CARRIER_SNAPLEN_MAX + CAPTURE_FRAME_OVERHEAD))
/* Packets handled per dispatch call, so no handle starves the others. */
#define CAPTURE_BATCH 512
#define FILTER_MAX CARRIER_BPF_MAX

struct capture_handle {
	pcap_t *pcap;
	int dlt;
	char iface[IF_NAMESIZE];
};

struct capture {
	struct capture_handle handles[CONFIG_MAX_IFACES];
	size_t n;
	struct capture_ring ring;
	capture_event_fn *on_event;
	void *ctx;
};

void capture_ring_plan(const struct config *c, struct capture_ring *out)
{
	out->snaplen = carriers_snaplen(c);
	uint32_t frame = TPACKET_ALIGN(out->snaplen + CAPTURE_FRAME_OVERHEAD);
	if (c->capture_buffer == CONFIG_CAPTURE_BUFFER_AUTO) {
		out->buffer = CAPTURE_FRAMES_DEFAULT * frame;
		out->frames = CAPTURE_FRAMES_DEFAULT;
	} else {
		out->buffer = c->capture_buffer;
		out->frames = c->capture_buffer / frame;
	}
}

static pcap_t *open_one(const char *iface, const char *filter,
	const struct capture_ring *ring, char *why, size_t whylen)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	struct bpf_program prog;
	pcap_t *p = pcap_create(iface, errbuf);
	if (!p) {
		snprintf(why, whylen, "%s", errbuf);
		return NULL;
	}
	pcap_set_snaplen(p, (int)ring->snaplen);
	pcap_set_promisc(p, 0);
	/* Immediate mode: hand each knock over at once (latency), not per block. */
	pcap_set_immediate_mode(p, 1);
	pcap_set_buffer_size(p, (int)ring->buffer);
	int rc = pcap_activate(p);
	if (rc < 0) {
		snprintf(why, whylen, "%s", pcap_geterr(p));
		goto fail;
	}
	if (pcap_setdirection(p, PCAP_D_IN) < 0 ||
	    pcap_compile(p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
		snprintf(why, whylen, "%s", pcap_geterr(p));
		goto fail;
	}
	rc = pcap_setfilter(p, &prog);
	pcap_freecode(&prog);
	if (rc < 0 || pcap_setnonblock(p, 1, errbuf) < 0) {
		snprintf(why, whylen, "%s", rc < 0 ? pcap_geterr(p) : errbuf);
		goto fail;
	}
	return p;
fail:
	pcap_close(p);
	return NULL;
}

struct capture *capture_open(const struct config *c, capture_event_fn *on_event,
	void *ctx, struct errbuf *err)
{
	char filter[FILTER_MAX];
	if (!carriers_bpf(c, filter, sizeof filter)) {
		errbuf_set(err, "cannot build the capture filter (too many knock ports?)");
		return NULL;
	}
	struct capture *cap = calloc(1, sizeof *cap);
	if (!cap) {
		errbuf_set(err, "out of memory");
		return NULL;
	}
	cap->on_event = on_event;
	cap->ctx = ctx;
	capture_ring_plan(c, &cap->ring);
	size_t want = c->all_ifaces ? 1 : c->nifaces;
	for (size_t i = 0; i < want; i++) {
		const char *name = c->all_ifaces ? "any" : c->ifaces[i];
		char why[PCAP_ERRBUF_SIZE];
		pcap_t *p = open_one(name, filter, &cap->ring, why, sizeof why);
		if (!p) {
			on_event(ctx, CAPTURE_MISSING, name, why);
			continue;
		}
		struct capture_handle *h = &cap->handles[cap->n++];
		h->pcap = p;
		h->dlt = pcap_datalink(p);
		snprintf(h->iface, sizeof h->iface, "%s", name);
		on_event(ctx, CAPTURE_OPENED, name, "");
	}
	return cap;
}

void capture_close(struct capture *cap)
{
	if (!cap)
		return;
	for (size_t i = 0; i < cap->n; i++)
		if (cap->handles[i].pcap)
			pcap_close(cap->handles[i].pcap);
	free(cap);
}

size_t capture_pollfds(const struct capture *cap, struct pollfd *pfds)
{
	size_t n = 0;
	for (size_t i = 0; i < cap->n; i++) {
		if (!cap->handles[i].pcap)
			continue;
		pfds[n].fd = pcap_get_selectable_fd(cap->handles[i].pcap);
		pfds[n].events = POLLIN;
		pfds[n].revents = 0;
		n++;
	}
	return n;
}

struct dispatch_ctx {
	capture_packet_fn *fn;
	void *ctx;
	int dlt;
};

static void on_pcap_packet(u_char *user, const struct pcap_pkthdr *h,
	const u_char *bytes)
{
	struct dispatch_ctx *d = (struct dispatch_ctx *)user;
	d->fn(d->ctx, d->dlt, bytes, h->caplen);
}

/* Maps the i-th pollable fd back to its handle (closed handles are skipped
 * by capture_pollfds, so indexes shift). */
static struct capture_handle *nth_open(struct capture *cap, size_t i)
{
	for (size_t k = 0; k < cap->n; k++) {
		if (!cap->handles[k].pcap)
			continue;
		if (i-- == 0)
			return &cap->handles[k];
	}
	return NULL;
}

int capture_dispatch(struct capture *cap, size_t i, capture_packet_fn *fn, void *ctx)
{
	struct capture_handle *h = nth_open(cap, i);
	if (!h)
		return 0;
	struct dispatch_ctx d = { fn, ctx, h->dlt };
	int n = pcap_dispatch(h->pcap, CAPTURE_BATCH, on_pcap_packet, (u_char *)&d);
	if (n >= 0)
		return n;
	cap->on_event(cap->ctx, CAPTURE_DOWN, h->iface, pcap_geterr(h->pcap));
	pcap_close(h->pcap);
	h->pcap = NULL;
	return -1;
}

int capture_attach_filter(struct capture *cap, const struct sock_filter *prog, size_t len,
	struct errbuf *err)
{
	struct sock_fprog fprog = { .len = (unsigned short)len, .filter = (struct sock_filter *)prog };
	if (len == 0 || len > BPF_MAXINSNS) {
		errbuf_set(err, "a kernel filter of %zu instructions", len);
		return -1;
	}
	for (size_t i = 0; i < cap->n; i++) {
		struct capture_handle *h = &cap->handles[i];
		/* Replaced whole by the kernel: no packet sees a mix, and none
		 * already in the ring is lost (pcap_setfilter would drain it). */
		if (h->pcap && setsockopt(pcap_fileno(h->pcap), SOL_SOCKET, SO_ATTACH_FILTER,
				&fprog, sizeof fprog) != 0) {
			errbuf_set(err, "%s: %s", h->iface, strerror(errno));
			return -1;
		}
	}
	return 0;
}

const struct capture_ring *capture_ring_of(const struct capture *cap)
{
	return &cap->ring;
}

size_t capture_count(const struct capture *cap)
{
	size_t n = 0;
	for (size_t i = 0; i < cap->n; i++)
		n += cap->handles[i].pcap != NULL;
	return n;
}

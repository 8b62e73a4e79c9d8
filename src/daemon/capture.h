/* capture — libpcap handles on the configured interfaces (or "any"), each with
 * a kernel BPF filter built from the config by the carriers, so that only
 * packets that could be knocks ever reach user space.
 *
 * Opened as root by the capture child before it drops privileges. No socket
 * is ever bound for knocks: capture sees packets the kernel then drops. */
#ifndef POSTERN_CAPTURE_H
#define POSTERN_CAPTURE_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "errbuf.h"

struct capture;

/* What capture_open asks libpcap for, per interface. */
struct capture_ring {
	unsigned snaplen; /* bytes kept of a packet, link header included */
	uint32_t buffer; /* bytes of the ring (pcap_set_buffer_size) */
	uint32_t frames; /* packets it holds, at the larger (cooked) frame */
};

/* The config's ring: snaplen from the carriers (carriers_snaplen); buffer
 * [daemon] capture_buffer, or with auto room for 13 797 packets (what
 * 8 MiB held at snaplen 512). */
void capture_ring_plan(const struct config *c, struct capture_ring *out);

/* Called for each captured packet with its link type. */
typedef void capture_packet_fn(void *ctx, int dlt, const uint8_t *pkt, size_t len);
/* Called for each interface whose state is known after capture_open (event is
 * an enum capture_event from msg.h) and when one fails while running. */
typedef void capture_event_fn(void *ctx, int event, const char *iface,
	const char *detail);

/* Opens every configured interface that can be opened; reports each through
 * on_event. Returns NULL only if the filter cannot be built or memory ran
 * out (a missing interface is not an error: it is reported and retried). */
struct capture *capture_open(const struct config *c, capture_event_fn *on_event,
	void *ctx, struct errbuf *err);
void capture_close(struct capture *cap);

/* Fills pfds (room for CONFIG_MAX_IFACES) with the pollable fds; returns how many. */
size_t capture_pollfds(const struct capture *cap, struct pollfd *pfds);
/* Reads what is ready on the handle behind pfds[i] (batch-limited). On a
 * capture failure reports CAPTURE_DOWN and returns -1; else packets handled. */
int capture_dispatch(struct capture *cap, size_t i, capture_packet_fn *fn, void *ctx);
/* Replaces the kernel filter of every open handle by prog (classic BPF,
 * len instructions; tagfilter.h). 0, or -1 with err naming the interface
 * that refused it (handles before it have the new filter). */
struct sock_filter;
int capture_attach_filter(struct capture *cap, const struct sock_filter *prog, size_t len,
	struct errbuf *err);
/* The ring capture_open asked for on each interface. */
const struct capture_ring *capture_ring_of(const struct capture *cap);
/* Number of interfaces currently captured. */
size_t capture_count(const struct capture *cap);

#endif

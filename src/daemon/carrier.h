/* carrier — how a knock travels: find candidate knock bytes in a decoded
 * packet, and describe (as a BPF expression) every packet worth capturing.
 *
 * Each carrier lives in its own file (carrier_udp.c, ...) and is one entry in
 * the table in carrier.c; adding ICMP, DNS or SYN carriers means adding a file
 * and a table entry, nothing else. */
#ifndef POSTERN_CARRIER_H
#define POSTERN_CARRIER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "frame.h"
#include "knock.h"

enum carrier_id {
	CARRIER_NONE = 0,
	CARRIER_UDP = 1,
	CARRIER_COUNT
};

struct carrier {
	enum carrier_id id;
	const char *name;
	/* Appends this carrier's BPF expression (or nothing if the config does
	 * not use it) to buf; returns false if buf is too small. */
	bool (*bpf)(const struct config *c, char *buf, size_t len);
	/* If f carries a candidate knock for this carrier, copies its bytes to
	 * out and returns true. Must accept only what its BPF filter passes and
	 * re-check every length: the kernel filter is an optimisation, not a
	 * guarantee. */
	bool (*extract)(const struct config *c, const struct frame *f,
		uint8_t out[static KNOCK_WIRE_BYTES]);
};

/* Builds the capture filter for every carrier the config uses. */
bool carriers_bpf(const struct config *c, char *buf, size_t len);
/* Finds a candidate knock in f; returns its carrier or CARRIER_NONE. */
enum carrier_id carriers_extract(const struct config *c, const struct frame *f,
	uint8_t out[static KNOCK_WIRE_BYTES]);
/* "udp", ... ("?" for an unknown id). */
const char *carrier_name(enum carrier_id id);

extern const struct carrier carrier_udp;

#endif

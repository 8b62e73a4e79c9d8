/* fuzz_packet_path — the capture child's whole packet path without pcap:
 * frame_decode -> carriers_extract -> (each SPA candidate) tagtable_lookup
 * -> verify_knock -> request (as scheme_spa.c builds it) -> policy_decide,
 * with a fixed config of two users and a fixed clock.
 *
 * Input: byte 0 is control, the rest an Ethernet frame.
 *   bit 0 set: overwrite the knock's tag with a currently valid one, so the
 *              fuzzer gets past the pre-filter and into the AEAD;
 *   bit 1:     whose tag (alice or bob);
 *   bits 2-4:  which slot of the window (clamped to the window).
 * The seeds in tests/fuzz/corpus/packet_path/ are real knocks sealed for
 * FUZZ_NOW with these keys, so the accepting path is reached as well.
 * Checked: no crash; lookups name users that exist; verdicts are in range;
 * an accepted knock is valid, fresh, and from the user whose tag it has. */
#include <netinet/in.h>
#include <pcap/dlt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <sodium.h>

#include "carrier.h"
#include "config.h"
#include "frame.h"
#include "knock.h"
#include "policy.h"
#include "request.h"
#include "tagtable.h"
#include "verify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_NOW 1700000017ull
#define MAX_CANDIDATES 4

static struct config *cfg;
static struct tagtable *tags;

/* Master secrets: alice's is 0x00 0x01 ... 0x1f, bob's 0x20 ... 0x3f. */
static void init(void)
{
	struct errbuf err;
	if (cfg)
		return;
	if (sodium_init() < 0)
		abort();
	if (config_load_string(
		    "[daemon]\nknock_ports = udp/62201\nwindow = 60s\nmax_lease = 1h\n"
		    "[protect]\nports = tcp/22, tcp/443\n"
		    "[user alice]\nkey = /k/alice.key\nopen = tcp/22, tcp/443\n"
		    "targets = 10.0.0.0/8, 2001:db8::/32\nmax_lease = 5m\n"
		    "[user bob]\nkey = /k/bob.key\nopen = tcp/22\n",
		    "fuzz", 0, &cfg, &err) != 0)
		abort();
	for (size_t u = 0; u < cfg->nusers; u++) {
		uint8_t master[KNOCK_MASTER_BYTES];
		for (size_t i = 0; i < sizeof master; i++)
			master[i] = (uint8_t)(u * KNOCK_MASTER_BYTES + i);
		if (config_user_set_secret(cfg, u, master) != 0)
			abort();
	}
	tags = tagtable_new();
	if (!tags || tagtable_update(tags, cfg, FUZZ_NOW) != 0)
		abort();
}

/* The request scheme_spa.c's parent_verify builds from an accepted knock. */
static void request_from(const struct knock *k, uint32_t user,
	const struct candidate *cand, struct request *r)
{
	memset(r, 0, sizeof *r);
	r->user = user;
	r->carrier = cand->carrier;
	r->via_resolver = cand->via_resolver;
	r->src = cand->src;
	r->action = k->action;
	r->target_is_source = k->target_is_source;
	r->target = k->target;
	r->nports = k->nports;
	memcpy(r->ports, k->ports, sizeof r->ports);
	r->lease = k->lease;
	r->trigger_id = k->trigger_id;
	memcpy(r->arg, k->arg, sizeof r->arg);
	r->timestamp = k->timestamp;
	r->has_replay_key = true;
	memcpy(r->replay_key, k->nonce, sizeof r->replay_key);
}

static void check_spa(const struct candidate *cand, uint8_t control)
{
	uint8_t wire[KNOCK_WIRE_BYTES];
	memcpy(wire, cand->u.spa, sizeof wire);
	if (control & 1) {
		size_t u = (control >> 1) & 1;
		uint64_t first = knock_slot(FUZZ_NOW - cfg->window);
		uint64_t last = knock_slot(FUZZ_NOW + cfg->window);
		uint64_t slot = first + ((control >> 2) & 7);
		if (slot > last)
			slot = last;
		knock_tag(config_user_tag_key(cfg, &cfg->users[u]), slot, wire);
	}

	uint32_t users[MAX_CANDIDATES];
	size_t n = tagtable_lookup(tags, cfg, knock_wire_tag(wire), users, MAX_CANDIDATES);
	if (n > MAX_CANDIDATES)
		abort();
	for (size_t i = 0; i < n; i++) {
		if (users[i] >= cfg->nusers)
			abort();
		const struct config_user *u = &cfg->users[users[i]];
		struct knock k;
		int64_t skew;
		enum verdict v = verify_knock(cfg, u, wire, FUZZ_NOW, cfg->window, &k, &skew);
		if (v >= VERDICT_COUNT)
			abort();
		if (v != VERDICT_ACCEPT)
			continue;
		/* Accepted: valid, fresh, and its tag is its user's for its slot. */
		uint8_t tag[KNOCK_TAG_BYTES];
		if (!knock_valid(&k, NULL) || skew < -(int64_t)cfg->window ||
		    skew > (int64_t)cfg->window)
			abort();
		knock_tag(config_user_tag_key(cfg, u), knock_slot(k.timestamp), tag);
		if (memcmp(tag, wire, KNOCK_TAG_BYTES) != 0)
			abort();
		struct request r;
		struct grant g;
		char why[POLICY_WHY_LEN];
		request_from(&k, users[i], cand, &r);
		sodium_memzero(&k, sizeof k);
		v = policy_decide(cfg, u, &r, &g, why);
		if (v == VERDICT_ACCEPT) {
			uint32_t max = u->prof->max_lease ? u->prof->max_lease : cfg->max_lease;
			if (g.nports < 1 || g.nports > KNOCK_MAX_PORTS || g.lease > max ||
			    g.lease < 1 || (g.addr.family != AF_INET && g.addr.family != AF_INET6))
				abort();
		} else if (v != VERDICT_POLICY || !memchr(why, '\0', sizeof why) ||
			   why[0] == '\0') {
			abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	init();
	if (size < 1)
		return 0;
	uint8_t control = data[0];
	size_t len = size - 1;
	uint8_t *pkt = malloc(len ? len : 1);
	if (!pkt)
		return 0;
	memcpy(pkt, data + 1, len);

	struct frame f;
	struct candidate cands[CARRIER_MAX_CANDIDATES];
	if (frame_decode(DLT_EN10MB, pkt, len, &f) == FRAME_OK) {
		size_t n = carriers_extract(cfg, &f, cands, CARRIER_MAX_CANDIDATES);
		if (n > CARRIER_MAX_CANDIDATES)
			abort();
		for (size_t i = 0; i < n; i++)
			if (cands[i].kind == CANDIDATE_SPA)
				check_spa(&cands[i], control);
	}
	free(pkt);
	return 0;
}

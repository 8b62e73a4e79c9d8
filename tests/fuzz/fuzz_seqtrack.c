/* fuzz_seqtrack — libFuzzer target for the port-sequence tracker
 * (seqtrack.c) fed random hit streams.
 *
 * Input: byte 0 picks the capacity (1..16 sources); then 6-byte records:
 * op/source (1), protocol bit + tolerance (1), port (2), time step in ms (2).
 * Op 0xff re-defines slot (port % 4) with the next three records' ports as
 * its sequence; op 0xfe expires; every other op is a hit from one of 32
 * sources. Checked on every input: no crash, no read outside the tables
 * (ASan), never more sources than the capacity, a completed slot always
 * has a sequence, time never runs backwards through the tracker's maths. */
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <sodium.h>

#include "seqtrack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SLOTS 4
#define REC 6

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool init;
	if (!init) {
		if (sodium_init() < 0)
			abort();
		init = true;
	}
	if (size < 1)
		return 0;
	size_t cap = (size_t)(data[0] % 16) + 1;
	struct seqtrack *t = seqtrack_new(cap, SLOTS);
	bool defined[SLOTS] = { false };
	struct portrange win = { IPPROTO_TCP, 40000, 40100 };
	if (!t || seqtrack_set_windows(t, &win, 1, 2000) != 0)
		abort();
	uint64_t now = 1000;
	for (size_t i = 1; i + REC <= size; i += REC) {
		const uint8_t *r = data + i;
		uint8_t proto = r[1] & 1 ? IPPROTO_UDP : IPPROTO_TCP;
		uint16_t port = (uint16_t)(r[2] << 8 | r[3]);
		now += (uint64_t)(r[4] << 8 | r[5]);
		if (r[0] == 0xff && i + 4 * REC <= size) {
			struct seqtrack_want w = { .timeout_ms = 3000,
				.tolerance = (uint8_t)((r[1] >> 1) % 2) };
			w.seq.n = 3;
			for (size_t k = 0; k < 3; k++) {
				const uint8_t *s = r + (k + 1) * REC;
				w.seq.step[k].proto = s[1] & 1 ? IPPROTO_UDP : IPPROTO_TCP;
				w.seq.step[k].port = (uint16_t)(s[2] << 8 | s[3]);
			}
			size_t slot = port % SLOTS;
			bool empty = r[1] & 0x80;
			if (seqtrack_set(t, slot, empty ? NULL : &w) != 0)
				abort();
			defined[slot] = !empty;
			i += 3 * REC;
			continue;
		}
		if (r[0] == 0xfe) {
			seqtrack_expire(t, now);
			continue;
		}
		struct addr a = { .family = r[0] & 0x20 ? AF_INET6 : AF_INET };
		a.bytes[0] = r[0] & 0x1f;
		struct portspec p = { proto, port };
		struct seqtrack_result res;
		seqtrack_hit(t, &a, &p, now, &res);
		if (seqtrack_count(t) > cap || res.ndone > SEQTRACK_PARTIALS)
			abort();
		for (size_t k = 0; k < res.ndone; k++)
			if (res.done[k] >= SLOTS || !defined[res.done[k]])
				abort();
		for (size_t k = 0; res.window && k < SEQTRACK_WINDOW; k++)
			if (res.ports[k] < win.lo || res.ports[k] > win.hi)
				abort();
	}
	seqtrack_free(t);
	return 0;
}

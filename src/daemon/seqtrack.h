/* seqtrack — per-source progress through port sequences, in bounded memory.
 *
 * The caller (scheme_sequence.c, in the capture child) declares the
 * sequences it wants in numbered slots and feeds every hit on a watched
 * port. For each source the tracker keeps a few partial matches; a partial
 * advances when a hit is an expected next step, and is dropped (the
 * source's progress on that sequence resets) when:
 *  - a hit on a watched port is neither an expected next step nor a repeat
 *    of the step seen last (a retransmitted SYN is harmless; a scan's next
 *    port, or an earlier step again, is not);
 *  - more than the slot's timeout passes between two hits (gap limit);
 *  - the slot is given another sequence.
 * Reordering: with tolerance t a hit may fill any of the t steps after the
 * first missing one, so t = 1 accepts "A C B D" for "A B C D".
 *
 * Memory is fixed at creation: `capacity` sources, each with at most
 * SEQTRACK_PARTIALS partials. A source with no partial holds no entry (a
 * scan of ports that start nothing costs nothing); when the table is full
 * the least recently hit source is evicted; seqtrack_expire frees sources
 * idle for longer than every slot's timeout. Sources are hashed with a
 * random key, so nobody can aim at one bucket.
 *
 * Token windows: for sequences the tracker cannot know in advance (the
 * four-port form of a HOTP/TOTP token, otpauth.h token_ports), it also
 * keeps each source's last SEQTRACK_WINDOW distinct TCP hits inside the
 * window ranges, each within the window timeout of the one before; any
 * other watched hit empties it. Once full, every new hit reports the
 * window (oldest first) for the token scheme to look up. */
#ifndef POSTERN_SEQTRACK_H
#define POSTERN_SEQTRACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "seqspec.h"

#define SEQTRACK_PARTIALS 4
#define SEQTRACK_WINDOW 4
#define SEQTRACK_MAX_WINDOWS 16
#define SEQTRACK_MAX_CAPACITY (1u << 22)

struct seqtrack;

/* What one slot looks for. */
struct seqtrack_want {
	struct seqspec seq; /* n == 0: the slot is empty */
	uint32_t timeout_ms; /* most time between two hits */
	uint8_t tolerance; /* < seq.n - 1 and <= SEQ_MAX_TOLERANCE */
};

/* capacity sources (1..SEQTRACK_MAX_CAPACITY), nslots slots (all empty).
 * NULL if out of memory or the arguments are out of range. */
struct seqtrack *seqtrack_new(size_t capacity, size_t nslots);
/* NULL is a no-op. */
void seqtrack_free(struct seqtrack *t);

/* Puts w in slot (w == NULL or w->seq.n == 0 empties it); progress on the
 * slot's former sequence is forgotten. -1 if slot or w is out of range. */
int seqtrack_set(struct seqtrack *t, size_t slot, const struct seqtrack_want *w);

/* Sets the token window ranges (TCP only; n == 0: no windows). -1 if n
 * is above SEQTRACK_MAX_WINDOWS. */
int seqtrack_set_windows(struct seqtrack *t, const struct portrange *r, size_t n,
	uint32_t timeout_ms);

/* What one hit completed. */
struct seqtrack_result {
	size_t ndone;
	size_t done[SEQTRACK_PARTIALS]; /* slots whose sequence completed */
	bool window; /* the source's token window is full: */
	uint16_t ports[SEQTRACK_WINDOW]; /* its ports, oldest first */
};

/* One hit from src on port p at now_ms (a monotonic clock); fills *r. */
void seqtrack_hit(struct seqtrack *t, const struct addr *src,
	const struct portspec *p, uint64_t now_ms, struct seqtrack_result *r);

/* Frees every source idle for longer than the longest slot timeout. */
void seqtrack_expire(struct seqtrack *t, uint64_t now_ms);

/* The monotonic clock, in milliseconds, that callers pass as now_ms. */
uint64_t seqtrack_now_ms(void);

/* Sources currently held (for tests and counters). */
size_t seqtrack_count(const struct seqtrack *t);
/* Sources evicted because the table was full, since creation. */
uint64_t seqtrack_evictions(const struct seqtrack *t);

#endif

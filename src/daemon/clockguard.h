/* clockguard — wall-clock jumps must never reopen a replay window.
 *
 * Replay records are pruned once no window could accept their knock. If the
 * wall clock later goes back (an operator's `date`, a bad NTP step, a VM
 * restored from a snapshot), a knock whose record was pruned would look
 * fresh again. clockguard keeps a high-water mark: the latest knock time
 * ever recorded (durable: it is the newest replay record, which is never
 * pruned, and is read back at start-up). Then:
 *   - prune only below   min(now, high_water) - CLOCKGUARD_MARGIN;
 *   - refuse any knock older than high_water - CLOCKGUARD_MARGIN, whatever
 *     the wall clock says: its record may be gone.
 * Every pruned record is below the refusal floor, so no replay window can
 * reopen. The margin covers the largest window the config allows (both
 * sides) plus one tag slot, so a legitimate knock (within +/- window of a
 * sane clock) is never refused by it, whatever window a reload sets.
 *
 * It also watches CLOCK_REALTIME against CLOCK_BOOTTIME (monotonic, and
 * counting suspend) and reports a jump beyond CLOCKGUARD_JUMP_SECONDS.
 * Pure logic with injected times: unit-tested in tests/unit/test_clockguard.c. */
#ifndef POSTERN_CLOCKGUARD_H
#define POSTERN_CLOCKGUARD_H

#include <stdbool.h>
#include <stdint.h>

/* 2 x the largest window (600 s) + one tag slot (30 s). */
#define CLOCKGUARD_MARGIN (2u * 600u + 30u)
#define CLOCKGUARD_JUMP_SECONDS 5

struct clockguard {
	uint64_t high_water; /* latest knock time recorded; 0 = none yet */
	bool have_sample;
	int64_t last_real, last_mono; /* last observation */
};

/* high_water: the newest replay record's knock time (0 if none). */
void clockguard_init(struct clockguard *g, uint64_t high_water);

/* Records one observation of both clocks (seconds). Returns the jump: how
 * far the wall clock moved beyond what the monotonic clock saw (positive:
 * forward), or 0 if within CLOCKGUARD_JUMP_SECONDS. */
int64_t clockguard_observe(struct clockguard *g, int64_t real, int64_t mono);

/* The cutoff for pruning at wall time now (prune records with knock_time
 * < *cutoff); false if nothing may be pruned yet. */
bool clockguard_prune_cutoff(const struct clockguard *g, uint64_t now, uint64_t *cutoff);

/* False if a knock of this time must be refused whatever the clock says
 * (older than high_water - CLOCKGUARD_MARGIN). */
bool clockguard_admits(const struct clockguard *g, uint64_t knock_time);

/* After a replay record for knock_time was committed. */
void clockguard_recorded(struct clockguard *g, uint64_t knock_time);

#endif

/* tagtable — the keyed pre-filter: tag -> user, in O(1), before any AEAD.
 *
 * Holds the tag of every user (and of a user's old key during a rotation's
 * overlap) for every time slot that overlaps the freshness window
 * [now - window, now + window]. Disabled users are in it: policy refuses
 * their knocks and names the rule. A packet whose first bytes
 * are not such a tag is dropped after one hash probe. */
#ifndef POSTERN_TAGTABLE_H
#define POSTERN_TAGTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "knock.h"

struct tagtable;

struct tagtable *tagtable_new(void);
/* NULL is a no-op. Waits for a build in progress (tagtable_prebuild_start). */
void tagtable_free(struct tagtable *t);

/* Makes the table cover the slots around `now`; recomputes only when the
 * slot range moved. Sized for the most slots c's window can overlap, at a
 * load factor of at most 17/20 (8 bytes per cell). Returns 0, or -1 if
 * memory ran out (the old table stays in use, so knocks keep working until
 * the window moves past it). */
int tagtable_update(struct tagtable *t, const struct config *c, uint64_t now);
/* The same, from the parent just before it forks the capture child, which
 * then inherits the table instead of building it (at 100 000 users ~60 ms
 * of its start-up): the tags are listed by two threads. Only where a
 * thread may be started (never in the child's sandbox, whose filter kills
 * the process on clone). */
int tagtable_update_prefork(struct tagtable *t, const struct config *c, uint64_t now);
/* The same build, started in a thread of its own as soon as the config is
 * loaded, so that it runs while the parent opens the state store and the
 * firewall; tagtable_update_prefork (or tagtable_free) waits for it. Until
 * then, nothing else may touch t, and c must not change. 0 started, -1 not
 * (nothing lost: tagtable_update_prefork builds it). Wait before a fork
 * that goes on without this thread (daemon(3)). */
int tagtable_prebuild_start(struct tagtable *t, const struct config *c, uint64_t now);
void tagtable_prebuild_wait(struct tagtable *t);
/* Frees the cells and forgets the range (the parent's copy, once the child
 * has its own). */
void tagtable_release(struct tagtable *t);
/* Forgets the covered range so the next update recomputes (after a reload). */
void tagtable_invalidate(struct tagtable *t);

/* Writes up to max user indexes (into c->users) whose tag equals tag;
 * returns how many were found (almost always 0 or 1). c is the config of
 * the last update: a candidate entry is confirmed with its user's tag key
 * (the table keeps half of each tag). */
size_t tagtable_lookup(const struct tagtable *t, const struct config *c,
	const uint8_t tag[static KNOCK_TAG_BYTES], uint32_t *users, size_t max);

/* Moves on whenever the tags held change (a build, a slide). */
uint64_t tagtable_generation(const struct tagtable *t);

/* The four bytes of each held tag that the table keeps, for the capture's
 * kernel filter (tagfilter.h); *offset is where they sit in the tag (0 on
 * little-endian hosts). Writes them to out and returns how many, unless
 * more than max are held: then writes nothing and returns that count. */
#define TAGTABLE_PREFIX_BYTES 4
size_t tagtable_prefixes(const struct tagtable *t, uint8_t (*out)[TAGTABLE_PREFIX_BYTES],
	size_t max, size_t *offset);

/* Number of (user, slot) tags held; bytes of memory used. */
size_t tagtable_entries(const struct tagtable *t);
size_t tagtable_bytes(const struct tagtable *t);

/* For the tests. The cells tagtable_lookup would look at for tag (a miss
 * must stop soon after the tag's home, not at the end of its cluster). */
size_t tagtable_lookup_cells(const struct tagtable *t,
	const uint8_t tag[static KNOCK_TAG_BYTES]);
/* Whether every probe run holds its entries in the order of their home
 * cells, without holes, with entries() entries and an empty cell left. */
bool tagtable_check_order(const struct tagtable *t);

#endif

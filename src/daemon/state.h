/* state — postern's durable memory: replay records and lease history, in one
 * SQLite file (WAL journal, synchronous=FULL).
 *
 * A door is opened only after state_record_knock() has returned STATE_FRESH,
 * which means the replay record is on disk. If the store cannot be written the
 * answer is STATE_ERROR and the caller refuses the knock (fail closed).
 * The interface is small on purpose so that a shared store (DESIGN §9) can
 * implement it later. */
#ifndef POSTERN_STATE_H
#define POSTERN_STATE_H

#include <stdint.h>

#include "addr.h"
#include "errbuf.h"
#include "knock.h"

struct state;

enum state_result {
	STATE_FRESH = 0, /* first time seen; now recorded durably */
	STATE_REPLAY, /* already recorded: refuse */
	STATE_ERROR, /* store unusable: refuse (fail closed) */
};

/* Opens or creates the database at path (mode 0600; parent directory must
 * exist). Creates the schema if missing; refuses a schema of another version. */
struct state *state_open(const char *path, struct errbuf *err);
/* NULL is a no-op. */
void state_close(struct state *s);

/* For the daemon, once after state_open, before the first knock: writes the
 * WAL through to a reserve of about 5 MB (unless it is that long already or
 * the disk has less than 16 times that free) and restarts it, so that later
 * commits rewrite blocks the file already has instead of growing it (their
 * flush has nothing to allocate, and on a journalled ext4 no journal to
 * commit). state_checkpoint keeps it there.
 * Commits stay as durable as before. 0, or -1 with err if synchronous=FULL
 * could not be restored afterwards: the store must not be used then. */
int state_reserve_wal(struct state *s, struct errbuf *err)
	__attribute__((warn_unused_result));

/* Durably records that user's knock with this nonce was used. knock_time is
 * the knock's timestamp, kept so the record can be pruned once no window can
 * accept it. */
enum state_result state_record_knock(struct state *s, const char *user,
	const uint8_t nonce[static KNOCK_NONCE_BYTES], uint64_t knock_time,
	struct errbuf *err) __attribute__((warn_unused_result));

/* Appends one granted lease to the history (for audits and reports). */
int state_record_lease(struct state *s, const char *user, const struct addr *addr,
	const struct portspec *port, uint64_t opened_at, uint32_t lease,
	struct errbuf *err) __attribute__((warn_unused_result));

/* One knock's one-time evidence, committed atomically by state_commit. */
struct state_commit {
	const char *user;
	const uint8_t *replay_key; /* KNOCK_NONCE_BYTES, or NULL */
	uint64_t knock_time; /* with replay_key: for pruning */
	const char *position_key; /* a scheme position to move up, or NULL */
	uint64_t position; /* must be above the stored one */
	const uint8_t *blob; /* stored with the position (may be NULL) */
	size_t blob_len;
};

/* In one transaction: records the replay key (STATE_REPLAY if seen) and moves
 * the position up (STATE_REPLAY if it is not above the stored one). Either
 * everything is durable (STATE_FRESH) or nothing is kept. */
enum state_result state_commit(struct state *s, const struct state_commit *c,
	struct errbuf *err) __attribute__((warn_unused_result));

/* Calls fn for every stored position (to build the schemes' memory images). */
typedef void state_position_fn(void *ctx, const char *user, const char *key,
	uint64_t position, const uint8_t *blob, size_t blob_len);
int state_each_position(struct state *s, state_position_fn *fn, void *ctx,
	struct errbuf *err);

/* Copies the WAL back into the database file once it holds more than a
 * threshold of pages (SQLite's own automatic checkpoint is off: it would run
 * inside a knock's commit, before its door opens), then restarts the WAL
 * from its start with a one-page commit (two flushes: paid here, not by
 * the next knock). For housekeeping, never between a commit and its door.
 * 0, or -1 with err (nothing is lost: the WAL stays until a checkpoint
 * succeeds). */
int state_checkpoint(struct state *s, struct errbuf *err);

/* Deletes replay records with knock_time < before. Returns rows deleted or -1. */
long state_prune(struct state *s, uint64_t before, struct errbuf *err);

/* The newest replay record's knock time, 0 if there is none (the durable
 * high-water mark of clockguard.h). 0 or -1 with err. */
int state_replay_high_water(struct state *s, uint64_t *out, struct errbuf *err)
	__attribute__((warn_unused_result));

#endif

/* scheme — what makes a knock genuine: one file per scheme (scheme_spa.c,
 * ...), one entry each in the table in scheme.c.
 *
 * A scheme works in both processes:
 *  - in the capture child, child_check() decides quickly whether a candidate
 *    is a genuine, fresh knock of this scheme (garbage must cost little);
 *  - in the parent, parent_verify() checks the forwarded evidence again,
 *    authoritatively, and says what it asks for (a struct request) and what
 *    makes it one-time; the parent then applies policy, commits the one-time
 *    evidence durably, and acts.
 * Schemes with durable positions (counters, chains, one-time lists) keep a
 * memory image: load() builds it in the parent from the state store before
 * the child is forked (so the child inherits it), and apply_position() keeps
 * both copies current after each commit (the parent pushes the change to the
 * child as a P2C_POSITION message). */
#ifndef POSTERN_SCHEME_H
#define POSTERN_SCHEME_H

#include <stddef.h>
#include <stdint.h>

#include "candidate.h"
#include "config.h"
#include "errbuf.h"
#include "request.h"
#include "state.h"
#include "verify.h"

enum scheme_id {
	SCHEME_NONE = 0,
	SCHEME_SPA = 1, /* scheme_spa.c: the single-packet knock */
	SCHEME_TOKEN, /* scheme_token.c: HOTP/TOTP tokens (RFC 4226/6238) */
	SCHEME_OTP, /* scheme_otp.c: RFC 2289 one-time passwords */
	SCHEME_SEQUENCE, /* scheme_sequence.c: port sequences */
	SCHEME_DYNAMIC, /* scheme_dynamic.c: server-chosen next knocks */
	SCHEME_COUNT
};

/* What the child forwards when child_check accepts. */
struct scheme_forward {
	uint32_t user;
	int64_t skew; /* for refusals: knock time - now, when known */
	struct candidate evidence; /* starts as a copy of the candidate */
	/* Set with VERDICT_ACCEPT by a scheme that turned what it tracks into
	 * a new candidate for the other schemes to judge (the four-port token
	 * form of a port sequence: scheme_sequence.c); the verdict is theirs. */
	bool derived;
};

struct scheme_ops {
	enum scheme_id id;
	const char *name;
	/* Parent: builds the memory image (NULL if the scheme keeps none, or on
	 * error with err set: tell apart with *failed). */
	void *(*load)(const struct config *c, struct state *st, bool *failed,
		struct errbuf *err);
	void (*unload)(void *mem);
	/* Child: once a second and before the first packet. */
	void (*child_tick)(void *mem, const struct config *c, uint64_t now);
	/* Parent: once a second (tables it builds for the child). */
	void (*parent_tick)(void *mem, const struct config *c, uint64_t now);
	/* Parent, just before forking a capture child: what the child would
	 * build first, built here for it to inherit; after the fork, the
	 * parent's copy is let go (NULL: nothing). */
	void (*parent_prefork)(void *mem, const struct config *c, uint64_t now);
	void (*parent_postfork)(void *mem);
	/* Child: VERDICT_IGNORE if the candidate is not this scheme's kind;
	 * VERDICT_ACCEPT with *fw filled for a genuine, fresh knock; otherwise
	 * the refusal (fw->user = MSG_NO_USER if unknown). */
	enum verdict (*child_check)(void *mem, const struct config *c,
		const struct candidate *cand, uint64_t now, struct scheme_forward *fw);
	/* Parent: checks evidence for user again; fills req; no side effects. */
	enum verdict (*parent_verify)(void *mem, const struct config *c, uint32_t user,
		const struct candidate *evidence, uint64_t now, struct request *req,
		int64_t *skew);
	/* Both processes: a committed position (NULL if the scheme has none). */
	void (*apply_position)(void *mem, const struct config *c, uint32_t user,
		const char *key, uint64_t position, const uint8_t *blob, size_t len);
};

/* The schemes' memory images, one per scheme id. */
struct scheme_set {
	void *mem[SCHEME_COUNT];
};

const struct scheme_ops *scheme_get(enum scheme_id id);
const char *scheme_name(enum scheme_id id);

/* Parent: loads every scheme's image. 0 or -1 with err. */
int schemes_load(struct scheme_set *s, const struct config *c, struct state *st,
	struct errbuf *err);
void schemes_unload(struct scheme_set *s);
void schemes_tick(struct scheme_set *s, const struct config *c, uint64_t now);
void schemes_parent_tick(struct scheme_set *s, const struct config *c, uint64_t now);
/* Parent: gives the single-packet scheme a tag table already being built
 * (tagtable_prebuild_start, from posternd's start-up), in place of its own
 * empty one; takes ownership (NULL: nothing). */
struct tagtable;
void scheme_spa_adopt_tags(struct scheme_set *s, struct tagtable *t);
/* The single-packet scheme's tag table (the child's, once it ticks); NULL
 * if the scheme is not loaded. */
const struct tagtable *scheme_spa_tags(const struct scheme_set *s);
/* Parent: around the fork of a capture child (scheme_ops.parent_prefork). */
void schemes_prefork(struct scheme_set *s, const struct config *c, uint64_t now);
void schemes_postfork(struct scheme_set *s);
/* Child: offers the candidate to each scheme in turn; returns the first
 * verdict that is not VERDICT_IGNORE and the scheme that gave it. */
enum verdict schemes_check(struct scheme_set *s, const struct config *c,
	const struct candidate *cand, uint64_t now, struct scheme_forward *fw,
	enum scheme_id *scheme);

/* For the schemes' own use. */
/* Strict "PREFIX<decimal>", the whole text: 1..19 digits, no leading zero
 * (but "0" itself). True with the number in *out. */
bool scheme_parse_evidence(const char *text, const char *prefix, uint64_t *out);
/* Fills req to open ports[0..n) (n <= KNOCK_MAX_PORTS) for the knock's
 * source, for the daemon's default lease, stamped with now. */
void scheme_request_open(struct request *req, const struct portspec *ports, size_t n,
	uint64_t now);

#endif

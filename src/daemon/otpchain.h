/* otpchain — the durable record of one RFC 2289 chain (one per user and
 * door), as kept in the state store's positions (state.h).
 *
 *   key      "otp:" + the door, e.g. "otp:tcp/22"
 *   position (generation << 32) | used: generation goes up with each
 *            `postern otp init`, used with each accepted response, so the
 *            position only ever moves up, as state_commit requires
 *   blob     value[8] | alg[1] | seq[4, big-endian] | seed length[1] | seed
 *
 * value is the last accepted response (at set-up: otp(N), the chain's end)
 * and seq its sequence number; the next response is otp(seq - 1). The
 * server never holds anything from which a future response follows. */
#ifndef POSTERN_OTPCHAIN_H
#define POSTERN_OTPCHAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "config.h"
#include "errbuf.h"
#include "otp.h"
#include "request.h"
#include "state.h"

#define OTPCHAIN_KEY_PREFIX "otp:"

struct otp_chain {
	char user[CONFIG_NAME_MAX];
	struct portspec open; /* the one door this chain opens */
	uint8_t alg; /* enum otp_alg */
	uint32_t seq; /* sequence number of value */
	uint8_t value[OTP_BYTES];
	uint32_t generation;
	uint32_t used; /* responses accepted since the chain was set up */
	char seed[OTP_SEED_MAX + 1];
};

/* "otp:tcp/22" for the door. */
void otpchain_key(const struct portspec *open, char key[static REQUEST_POSITION_KEY_MAX]);
/* Reads a stored position; false if key is not a chain's or the record is
 * malformed (then out is unspecified). */
bool otpchain_decode(const char *user, const char *key, uint64_t position,
	const uint8_t *blob, size_t len, struct otp_chain *out);
/* The position and blob to store for c; returns the blob's length. */
uint64_t otpchain_position(const struct otp_chain *c);
size_t otpchain_blob(const struct otp_chain *c, uint8_t blob[static REQUEST_BLOB_MAX]);

/* Finds the stored chain of user for the door. 0 (with *found), -1 on a
 * store error. */
int otpchain_load(struct state *st, const char *user, const struct portspec *open,
	struct otp_chain *out, bool *found, struct errbuf *err);

/* If H^k(response) == c->value for some k in 1..lookahead (and k <= seq),
 * returns k; else 0. Costs at most lookahead hashes. */
uint32_t otpchain_match(const struct otp_chain *c, const uint8_t response[static OTP_BYTES],
	uint32_t lookahead);
/* The chain after accepting response, k steps down. */
void otpchain_accept(struct otp_chain *c, const uint8_t response[static OTP_BYTES],
	uint32_t k);

#endif

/* otpchain — see otpchain.h. */
#include "otpchain.h"

#include <stdio.h>
#include <string.h>

#include "cursor.h"

#define BLOB_FIXED (OTP_BYTES + 1 + 4 + 1)

void otpchain_key(const struct portspec *open, char key[static REQUEST_POSITION_KEY_MAX])
{
	char p[PORTSPEC_STRLEN];
	snprintf(key, REQUEST_POSITION_KEY_MAX, OTPCHAIN_KEY_PREFIX "%s",
		portspec_format(open, p));
}

bool otpchain_decode(const char *user, const char *key, uint64_t position,
	const uint8_t *blob, size_t len, struct otp_chain *out)
{
	size_t plen = strlen(OTPCHAIN_KEY_PREFIX);
	struct cursor c;
	memset(out, 0, sizeof *out);
	if (strncmp(key, OTPCHAIN_KEY_PREFIX, plen) != 0 ||
		!portspec_parse(key + plen, &out->open) || !blob ||
		len < BLOB_FIXED || len > REQUEST_BLOB_MAX)
		return false;
	if (strlen(user) >= sizeof out->user)
		return false;
	snprintf(out->user, sizeof out->user, "%s", user);
	cursor_init(&c, blob, len);
	cursor_bytes(&c, out->value, OTP_BYTES);
	out->alg = cursor_u8(&c);
	out->seq = cursor_u32(&c);
	size_t slen = cursor_u8(&c);
	if (slen > OTP_SEED_MAX || slen != cursor_left(&c))
		return false;
	cursor_bytes(&c, out->seed, slen);
	out->seed[slen] = '\0';
	out->generation = (uint32_t)(position >> 32);
	out->used = (uint32_t)position;
	return cursor_ok(&c) && (out->alg == OTP_ALG_MD5 || out->alg == OTP_ALG_SHA1) &&
		out->seq <= OTP_SEQ_MAX && otp_seed_valid(out->seed);
}

uint64_t otpchain_position(const struct otp_chain *c)
{
	return (uint64_t)c->generation << 32 | c->used;
}

size_t otpchain_blob(const struct otp_chain *c, uint8_t blob[static REQUEST_BLOB_MAX])
{
	struct writer w;
	size_t slen = strnlen(c->seed, OTP_SEED_MAX);
	writer_init(&w, blob, REQUEST_BLOB_MAX);
	writer_bytes(&w, c->value, OTP_BYTES);
	writer_u8(&w, c->alg);
	writer_u32(&w, c->seq);
	writer_u8(&w, (uint8_t)slen);
	writer_bytes(&w, c->seed, slen);
	return BLOB_FIXED + slen; /* <= 30: always fits */
}

struct find_ctx {
	const char *user;
	char key[REQUEST_POSITION_KEY_MAX];
	struct otp_chain *out;
	bool *found;
};

static void find_one(void *ctx, const char *user, const char *key,
	uint64_t position, const uint8_t *blob, size_t len)
{
	struct find_ctx *f = ctx;
	if (strcmp(user, f->user) == 0 && strcmp(key, f->key) == 0)
		*f->found = otpchain_decode(user, key, position, blob, len, f->out);
}

int otpchain_load(struct state *st, const char *user, const struct portspec *open,
	struct otp_chain *out, bool *found, struct errbuf *err)
{
	struct find_ctx f = { .user = user, .out = out, .found = found };
	otpchain_key(open, f.key);
	*found = false;
	return state_each_position(st, find_one, &f, err);
}

uint32_t otpchain_match(const struct otp_chain *c, const uint8_t response[static OTP_BYTES],
	uint32_t lookahead)
{
	uint8_t x[OTP_BYTES];
	memcpy(x, response, OTP_BYTES);
	/* Chain values are not secret (each was on the wire once); plain
	 * comparison is fine. */
	for (uint32_t k = 1; k <= lookahead && k <= c->seq; k++) {
		otp_step(c->alg, x, x);
		if (memcmp(x, c->value, OTP_BYTES) == 0)
			return k;
	}
	return 0;
}

void otpchain_accept(struct otp_chain *c, const uint8_t response[static OTP_BYTES],
	uint32_t k)
{
	memcpy(c->value, response, OTP_BYTES);
	c->seq -= k;
	c->used += k;
}

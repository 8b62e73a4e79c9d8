/* fuzz_token — libFuzzer target for the token path: the "USER:DIGITS" UDP
 * decoder (carrier_udp_code.c) and the token scheme (scheme_token.c).
 *
 * Input: the payload of a UDP datagram to the knock port. Checked:
 *  1. extraction never crashes and yields only a CANDIDATE_TEXT whose text
 *     is 6..10 digits and whose user_hint is NUL-terminated;
 *  2. the scheme's child check and parent verify never crash on it, nor on
 *     the first 8 input bytes as a binary token (ICMP) or port sequence
 *     (PORT), and never accept a random binary token. */
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "carrier.h"
#include "config.h"
#include "frame.h"
#include "msg.h"
#include "otpauth.h"
#include "scheme.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct config *cfg;
static void *mem;

static void setup(void)
{
	struct errbuf err;
	bool failed = false;
	if (config_load_string("[daemon]\nknock_ports = udp/62201\n[protect]\n"
		"ports = tcp/22\n[user alice]\nkey = /k/a\nopen = tcp/22\n"
		"token = hotp\ntoken_key = /k/a.token\ntoken_open = tcp/22\n"
		"token_ports = 40000-40099\n", "fuzz", 0, &cfg, &err) != 0)
		abort();
	/* alice sets token keys, so her block is her own (not the shared
	 * default): the fuzzer sets the secret itself, without a file. */
	struct token_conf *t = (struct token_conf *)cfg->users[0].prof->token;
	memcpy(t->secret, "12345678901234567890", 20);
	t->secret_len = 20;
	mem = scheme_get(SCHEME_TOKEN)->load(cfg, NULL, &failed, &err);
	if (failed)
		abort();
	scheme_get(SCHEME_TOKEN)->parent_tick(mem, cfg, 1000); /* tables for t = 1000 */
}

static void check(const struct candidate *c, bool may_accept)
{
	const struct scheme_ops *ops = scheme_get(SCHEME_TOKEN);
	struct scheme_forward fw = { .user = MSG_NO_USER, .evidence = *c };
	enum verdict v = ops->child_check(mem, cfg, c, 1000, &fw);
	if (v == VERDICT_ACCEPT && !may_accept)
		abort(); /* random input never guesses a 64-bit token */
	struct request r = { 0 };
	int64_t skew;
	(void)ops->parent_verify(mem, cfg, 0, c, 1000, &r, &skew);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!cfg)
		setup();
	uint8_t *copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	struct frame f = { .proto = IPPROTO_UDP, .dport = 62201, .payload = copy,
		.payload_len = size };
	struct candidate c[CARRIER_MAX_CANDIDATES];
	size_t n = carrier_udp_code.extract(cfg, &f, c, CARRIER_MAX_CANDIDATES);
	if (n > 1)
		abort();
	if (n == 1) {
		if (c[0].kind != CANDIDATE_TEXT || !otp_code_syntax(c[0].u.text) ||
			!memchr(c[0].user_hint, '\0', sizeof c[0].user_hint))
			abort();
		/* A 6-digit code can be guessed (1 in 10^5 per try): allowed. */
		check(&c[0], true);
	}
	if (size >= TOKEN_BYTES) {
		struct candidate t = { .kind = CANDIDATE_TOKEN, .carrier = CARRIER_ICMP };
		t.u.token.len = TOKEN_BYTES;
		memcpy(t.u.token.bytes, data, TOKEN_BYTES);
		check(&t, false);
		t.carrier = CARRIER_PORT;
		check(&t, false);
	}
	free(copy);
	return 0;
}

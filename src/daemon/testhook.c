/* testhook — see testhook.h. */
#include "testhook.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "carrier.h"
#include "log.h"
#include "msg.h"
#include "otpauth.h"
#include "scheme.h"

static struct testhooks hooks;

void testhook_read_env(void)
{
	const char *v = getenv("POSTERN_TEST_SECCOMP_PROBE");
	hooks.seccomp_probe = v && !strcmp(v, "1");
	v = getenv("POSTERN_TEST_CHILD_FORGE");
	if (v && !strcmp(v, "knock"))
		hooks.forge = TESTHOOK_FORGE_KNOCK;
	else if (v && !strcmp(v, "size"))
		hooks.forge = TESTHOOK_FORGE_SIZE;
	else if (v && !strncmp(v, "mint:", 5) && addr_parse(v + 5, &hooks.mint_src))
		hooks.forge = TESTHOOK_FORGE_MINT;
	v = getenv("POSTERN_TEST_SANDBOX");
	hooks.force_chroot = v && !strcmp(v, "chroot");
	if (hooks.seccomp_probe)
		log_warn("TEST HOOK: POSTERN_TEST_SECCOMP_PROBE=1: the capture child "
			"will try a forbidden system call (test only)");
	if (hooks.forge != TESTHOOK_FORGE_NONE)
		log_warn("TEST HOOK: POSTERN_TEST_CHILD_FORGE=%s: the capture child "
			"will send forged messages (test only)",
			hooks.forge == TESTHOOK_FORGE_KNOCK ? "knock"
			: hooks.forge == TESTHOOK_FORGE_SIZE ? "size" : "mint");
	if (hooks.force_chroot)
		log_warn("TEST HOOK: POSTERN_TEST_SANDBOX=chroot: the capture child "
			"uses the chroot fallback (test only)");
}

const struct testhooks *testhook_get(void)
{
	return &hooks;
}

/* A knock message that passes msg_recv's checks but whose evidence is
 * random bytes: only the parent's own verification can refuse it. */
static void forge_knock(const struct config *c, int sock)
{
	struct msg m = { .type = MSG_KNOCK, .user = 0, .scheme = SCHEME_SPA };
	m.evidence.kind = CANDIDATE_SPA;
	m.evidence.carrier = CARRIER_UDP;
	m.evidence.src.family = AF_INET;
	inet_pton(AF_INET, "192.0.2.66", m.evidence.src.bytes);
	randombytes_buf(m.evidence.u.spa, sizeof m.evidence.u.spa);
	/* The child holds the tag keys: give the forgery user 0's current tag,
	 * so only the parent's AEAD check stands between it and a door. */
	const uint8_t *tag_key = config_tag_key_at(c, 0);
	if (tag_key)
		knock_tag(tag_key, knock_slot((uint64_t)time(NULL)), m.evidence.u.spa);
	(void)msg_send(sock, &m, true);
}

/* What an attacker running code in the child would try: make evidence
 * with the keys in its memory, for user 0, from a source of its choice. */
static void mint_knocks(const struct config *c, int sock)
{
	/* NULL where the child knows users by index only (config.h). */
	const struct config_user *u = c->users ? &c->users[0] : NULL;
	struct msg m = { .type = MSG_KNOCK, .user = 0, .scheme = SCHEME_SPA };
	m.evidence.kind = CANDIDATE_SPA;
	m.evidence.carrier = CARRIER_UDP;
	m.evidence.src = hooks.mint_src;
	uint64_t now = (uint64_t)time(NULL);
	struct knock k = { .action = KNOCK_ACTION_OPEN, .timestamp = now,
		.lease = 30, .target_is_source = true, .nports = 1 };
	k.ports[0] = u && u->prof->nopen ? u->prof->open[0] :
		(struct portspec){ .proto = 6, .port = 22 };
	/* All it has: the tag key (its AEAD keys' mapping is gone, childkeys.h),
	 * so a MAC made with a key it guesses (zero). */
	struct user_keys guess = { { 0 }, { 0 } };
	const uint8_t *tag_key = config_tag_key_at(c, 0);
	if (tag_key)
		memcpy(guess.tag_key, tag_key, sizeof guess.tag_key);
	if (knock_seal(&guess, &k, m.evidence.u.spa) == 0)
		(void)msg_send(sock, &m, true);
	sodium_memzero(&guess, sizeof guess);
	if (!u || u->prof->token->mode == TOKEN_NONE)
		return;
	const struct token_conf *t = u->prof->token;
	m.scheme = SCHEME_TOKEN;
	m.evidence = (struct candidate){ .kind = CANDIDATE_TOKEN, .carrier = CARRIER_ICMP,
		.src = hooks.mint_src };
	m.evidence.u.token.len = TOKEN_BYTES;
	token_binary(t->hash, t->secret, t->secret_len, t->mode,
		t->mode == TOKEN_HOTP ? 0 : otp_totp_slot(now, 0, t->step), &t->open,
		m.evidence.u.token.bytes);
	(void)msg_send(sock, &m, true);
}

void testhook_child_sandboxed(const struct config *c, int sock)
{
	if (hooks.seccomp_probe) {
		/* Forbidden: the filter kills the process here. */
		int fd = open("/etc/passwd", O_RDONLY | O_CLOEXEC);
		log_err("TEST HOOK: openat returned %d: the seccomp filter did not "
			"stop it", fd);
		_exit(99);
	}
	if (hooks.forge == TESTHOOK_FORGE_KNOCK && c->nusers > 0)
		forge_knock(c, sock);
	if (hooks.forge == TESTHOOK_FORGE_MINT && c->nusers > 0)
		mint_knocks(c, sock);
	if (hooks.forge == TESTHOOK_FORGE_SIZE) {
		uint8_t junk[sizeof(struct msg) / 2];
		randombytes_buf(junk, sizeof junk);
		(void)send(sock, junk, sizeof junk, MSG_NOSIGNAL);
	}
}

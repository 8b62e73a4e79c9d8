/* test_scheme_otp — the RFC 2289 scheme on a real state store: a chain set
 * up as `postern otp init` does, the next response accepted in the child and
 * again in the parent, the commit moving the chain down, replays and old
 * responses refused, a skipped response resynced within the look-ahead and
 * not beyond, and the chain found by its value alone (two users). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "otpchain.h"
#include "scheme.h"

static const char config_text[] =
	"[daemon]\nstate = /nonexistent/state.db\n"
	"[protect]\nports = tcp/22, tcp/443\n"
	"[user alice]\nkey = /k/alice.key\nopen = tcp/22, tcp/443\n"
	"otp = md5\notp_open = tcp/22, tcp/443\notp_lookahead = 3\notp_low_water = 10\n"
	"[user bob]\nkey = /k/bob.key\nopen = tcp/22\notp = sha1\notp_open = tcp/22\n";

#define ALICE_PASS "correct horse battery"
#define BOB_PASS "OTP's are good"

struct fx {
	char dir[64], db[128];
	struct config *c;
	struct state *st;
	const struct scheme_ops *ops;
	void *mem;
};

static void init_chain(struct fx *f, const char *user, const char *door,
	enum otp_alg alg, const char *seed, const char *pass, uint32_t n)
{
	struct otp_chain ch = { .alg = (uint8_t)alg, .seq = n, .generation = 1 };
	char key[REQUEST_POSITION_KEY_MAX];
	uint8_t blob[REQUEST_BLOB_MAX];
	struct errbuf err;
	assert_true(portspec_parse(door, &ch.open));
	snprintf(ch.user, sizeof ch.user, "%s", user);
	snprintf(ch.seed, sizeof ch.seed, "%s", seed);
	assert_int_equal(otp_compute(alg, seed, pass, strlen(pass), n, ch.value), 0);
	otpchain_key(&ch.open, key);
	struct state_commit sc = { .user = user, .position_key = key,
		.position = otpchain_position(&ch), .blob = blob,
		.blob_len = otpchain_blob(&ch, blob) };
	assert_int_equal(state_commit(f->st, &sc, &err), STATE_FRESH);
}

static int setup(void **ctx)
{
	struct fx *f = calloc(1, sizeof *f);
	struct errbuf err;
	bool failed = false;
	assert_non_null(f);
	log_open("test_scheme_otp", false, false);
	snprintf(f->dir, sizeof f->dir, "/tmp/postern-test-otp-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->db, sizeof f->db, "%s/state.db", f->dir);
	assert_int_equal(config_load_string(config_text, "test", 0, &f->c, &err), 0);
	f->st = state_open(f->db, &err);
	assert_non_null(f->st);
	init_chain(f, "alice", "tcp/22", OTP_ALG_MD5, "ssh22", ALICE_PASS, 100);
	init_chain(f, "alice", "tcp/443", OTP_ALG_MD5, "web443", ALICE_PASS, 12);
	init_chain(f, "bob", "tcp/22", OTP_ALG_SHA1, "bob22", BOB_PASS, 50);
	f->ops = scheme_get(SCHEME_OTP);
	assert_non_null(f->ops);
	f->mem = f->ops->load(f->c, f->st, &failed, &err);
	assert_false(failed);
	*ctx = f;
	return 0;
}

static int teardown(void **ctx)
{
	struct fx *f = *ctx;
	char cmd[160];
	f->ops->unload(f->mem);
	state_close(f->st);
	config_free(f->c);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static struct candidate text(const char *s)
{
	struct candidate c = { .kind = CANDIDATE_TEXT, .carrier = 1 };
	snprintf(c.u.text, sizeof c.u.text, "%s", s);
	return c;
}

static void response(enum otp_alg alg, const char *seed, const char *pass,
	uint32_t seq, char sep, char words[static OTP_WORDS_BUF])
{
	uint8_t v[OTP_BYTES];
	assert_int_equal(otp_compute(alg, seed, pass, strlen(pass), seq, v), 0);
	otp_format_words(v, sep, words);
}

/* Child check, parent verify, durable commit, position applied: what
 * grant.c does. Returns the parent's verdict (or the child's refusal). */
static enum verdict knock(struct fx *f, const char *txt, uint32_t *user,
	struct request *req)
{
	struct candidate cand = text(txt);
	struct scheme_forward fw = { .user = UINT32_MAX, .evidence = cand };
	enum verdict v = f->ops->child_check(f->mem, f->c, &cand, 1000, &fw);
	if (v != VERDICT_ACCEPT)
		return v;
	int64_t skew;
	memset(req, 0, sizeof *req);
	v = f->ops->parent_verify(f->mem, f->c, fw.user, &fw.evidence, 1000, req, &skew);
	if (v != VERDICT_ACCEPT)
		return v;
	struct errbuf err;
	struct state_commit sc = { .user = f->c->users[fw.user].name,
		.position_key = req->position_key, .position = req->position,
		.blob = req->blob, .blob_len = req->blob_len };
	if (state_commit(f->st, &sc, &err) != STATE_FRESH)
		return VERDICT_REPLAY;
	f->ops->apply_position(f->mem, f->c, fw.user, req->position_key, req->position,
		req->blob, req->blob_len);
	*user = fw.user;
	return VERDICT_ACCEPT;
}

static void next_then_replay(void **ctx)
{
	struct fx *f = *ctx;
	char w[OTP_WORDS_BUF];
	uint32_t user = 99;
	struct request req;
	response(OTP_ALG_MD5, "ssh22", ALICE_PASS, 99, ' ', w);
	assert_int_equal(knock(f, w, &user, &req), VERDICT_ACCEPT);
	assert_int_equal(user, 0);
	assert_int_equal(req.nports, 1);
	assert_int_equal(req.ports[0].port, 22);
	assert_true(req.target_is_source);
	assert_string_equal(req.position_key, "otp:tcp/22");
	/* The same words again, and in another spelling: refused. */
	assert_int_equal(knock(f, w, &user, &req), VERDICT_REPLAY);
	for (char *p = w; *p; p++)
		*p = *p == ' ' ? '-' : (char)(*p | 0x20);
	assert_int_equal(knock(f, w, &user, &req), VERDICT_REPLAY);
	/* An older response (98 < 99 is next; 100 was the chain's end). */
	response(OTP_ALG_MD5, "ssh22", ALICE_PASS, 100, ' ', w);
	assert_int_not_equal(knock(f, w, &user, &req), VERDICT_ACCEPT);
	/* The next one works, in hex. */
	uint8_t v[OTP_BYTES];
	char hex[OTP_HEX_BUF];
	assert_int_equal(otp_compute(OTP_ALG_MD5, "ssh22", ALICE_PASS,
		strlen(ALICE_PASS), 98, v), 0);
	otp_format_hex(v, hex);
	assert_int_equal(knock(f, hex, &user, &req), VERDICT_ACCEPT);
	/* A reloaded image (a restart) knows where the chain is. */
	struct otp_chain ch;
	bool found;
	struct errbuf err;
	struct portspec d22;
	assert_true(portspec_parse("tcp/22", &d22));
	assert_int_equal(otpchain_load(f->st, "alice", &d22, &ch, &found, &err), 0);
	assert_true(found);
	assert_int_equal(ch.seq, 98);
	assert_int_equal(ch.used, 2);
	assert_memory_equal(ch.value, v, OTP_BYTES);
}

static void lookahead(void **ctx)
{
	struct fx *f = *ctx;
	char w[OTP_WORDS_BUF];
	uint32_t user;
	struct request req;
	/* Next is 99; 97 is 3 steps below the stored 100 (lookahead 3, two
	 * skipped): accepted. */
	response(OTP_ALG_MD5, "ssh22", ALICE_PASS, 97, ' ', w);
	assert_int_equal(knock(f, w, &user, &req), VERDICT_ACCEPT);
	/* Next is 96; 93 is 4 steps below 97: refused, the chain stays. */
	response(OTP_ALG_MD5, "ssh22", ALICE_PASS, 93, ' ', w);
	assert_int_equal(knock(f, w, &user, &req), VERDICT_UNKNOWN_TAG);
	response(OTP_ALG_MD5, "ssh22", ALICE_PASS, 94, ' ', w);
	assert_int_equal(knock(f, w, &user, &req), VERDICT_ACCEPT);
}

static void chains_by_value(void **ctx)
{
	struct fx *f = *ctx;
	char w[OTP_WORDS_BUF];
	uint32_t user;
	struct request req;
	/* Bob's SHA1 chain; Alice's second door. */
	response(OTP_ALG_SHA1, "bob22", BOB_PASS, 49, ' ', w);
	assert_int_equal(knock(f, w, &user, &req), VERDICT_ACCEPT);
	assert_int_equal(user, 1);
	response(OTP_ALG_MD5, "web443", ALICE_PASS, 11, '-', w);
	assert_int_equal(knock(f, w, &user, &req), VERDICT_ACCEPT);
	assert_int_equal(user, 0);
	assert_int_equal(req.ports[0].port, 443);
	/* A response of another seed, or the right seed with the wrong hash. */
	response(OTP_ALG_MD5, "bob22", BOB_PASS, 48, ' ', w);
	assert_int_equal(knock(f, w, &user, &req), VERDICT_UNKNOWN_TAG);
	response(OTP_ALG_MD5, "ssh23", ALICE_PASS, 99, ' ', w);
	assert_int_equal(knock(f, w, &user, &req), VERDICT_UNKNOWN_TAG);
}

static void not_ours(void **ctx)
{
	struct fx *f = *ctx;
	uint32_t user;
	struct request req;
	/* Text that is no response at all is another scheme's business. */
	assert_int_equal(knock(f, "123456", &user, &req), VERDICT_IGNORE);
	assert_int_equal(knock(f, "hello world", &user, &req), VERDICT_IGNORE);
	struct candidate spa = { .kind = CANDIDATE_SPA };
	struct scheme_forward fw;
	assert_int_equal(f->ops->child_check(f->mem, f->c, &spa, 0, &fw), VERDICT_IGNORE);
	/* The parent refuses evidence that does not parse. */
	struct candidate bad = text("not an otp");
	int64_t skew;
	assert_int_equal(f->ops->parent_verify(f->mem, f->c, 0, &bad, 0, &req, &skew),
		VERDICT_MALFORMED);
}

static void record_format(void **ctx)
{
	(void)ctx;
	struct otp_chain a = { .alg = OTP_ALG_SHA1, .seq = 4321, .generation = 7,
		.used = 12, .seed = "Seed16charsLong1" }, b;
	uint8_t blob[REQUEST_BLOB_MAX];
	char key[REQUEST_POSITION_KEY_MAX];
	memset(a.value, 0xab, sizeof a.value);
	assert_true(portspec_parse("udp/53", &a.open));
	otpchain_key(&a.open, key);
	assert_string_equal(key, "otp:udp/53");
	size_t n = otpchain_blob(&a, blob);
	assert_true(otpchain_decode("u", key, otpchain_position(&a), blob, n, &b));
	assert_int_equal(b.seq, 4321);
	assert_int_equal(b.generation, 7);
	assert_int_equal(b.used, 12);
	assert_string_equal(b.seed, "Seed16charsLong1");
	assert_memory_equal(b.value, a.value, OTP_BYTES);
	/* Truncated, padded, bad algorithm, other keys: refused. */
	assert_false(otpchain_decode("u", key, 0, blob, n - 1, &b));
	assert_false(otpchain_decode("u", key, 0, blob, n + 1, &b));
	assert_false(otpchain_decode("u", "tok:tcp/22", 0, blob, n, &b));
	blob[OTP_BYTES] = 9;
	assert_false(otpchain_decode("u", key, 0, blob, n, &b));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(next_then_replay, setup, teardown),
		cmocka_unit_test_setup_teardown(lookahead, setup, teardown),
		cmocka_unit_test_setup_teardown(chains_by_value, setup, teardown),
		cmocka_unit_test_setup_teardown(not_ours, setup, teardown),
		cmocka_unit_test(record_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

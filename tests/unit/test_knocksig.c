/* test_knocksig — signed knocks (knocksig.c, spa_sig.c, docs/protocol.md §11):
 * the test vector byte for byte, what is refused, the carriers' 164 bytes,
 * and the key files that hold the signing key (keyfile sign-secret, signkey). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "carrier.h"
#include "keyfile.h"
#include "knock.h"
#include "knocksig.h"
#include "signkey.h"
#include "spa_sig.h"
#include "testkeys.h"

/* Vector 5 of docs/protocol.md §11 (cross-checked there with Python). */
static const char v5_public[] =
	"4fd099ccd47d7893dfe9ec24414ecb0d9b5420232aad30d91c465be33cbe65c4";
static const char v5_wire[] =
	"fafd4c68101b69fd909192939495969798999a9b93ed71504bdf9b0008cc8d9f"
	"069e63a17dece3033d3e935dfdd1e7de938bd39d14bdadf1e99c2053a9b65b89"
	"37a218a875fb68c4e79414d7835a1724f16e0433bed55d74433a38517061ff92"
	"6d2e4e165d7251bb15426d4668c38173761e738c1adc762a8c41e233c67b68ac"
	"b5cef60f5422e1e2929770de8a9864d9291829fdc05af7e99736be883dc7bb15"
	"1a98e18a";
static const char v5_sig[] =
	"e4df712ab1622c490cebd18bb007a350701e6ee5d195bca10ec28f0a12880088"
	"e87240a305ac588548ca0c046eef160fe0ec81f941a1f02e458284d3bde7de07";

static void unhex(const char *hex, uint8_t *out, size_t n)
{
	size_t binlen = 0;
	assert_int_equal(strlen(hex), 2 * n);
	assert_int_equal(sodium_hex2bin(out, n, hex, strlen(hex), NULL, &binlen, NULL), 0);
	assert_int_equal(binlen, n);
}

static void fill(uint8_t *p, size_t n, uint8_t first)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(first + i);
}

struct v5 {
	struct user_keys keys;
	uint8_t pk[KNOCKSIG_PUBLIC_BYTES], sk[KNOCKSIG_SECRET_BYTES];
	struct knock k;
	uint8_t nonce[KNOCK_NONCE_BYTES];
};

static void v5_setup(struct v5 *v)
{
	uint8_t master[KNOCK_MASTER_BYTES], seed[KNOCKSIG_SEED_BYTES];
	fill(master, sizeof master, 0x80);
	fill(seed, sizeof seed, 0xa0);
	fill(v->nonce, sizeof v->nonce, 0x90);
	knock_derive_keys(master, &v->keys);
	knocksig_keypair(seed, v->pk, v->sk);
	memset(&v->k, 0, sizeof v->k);
	v->k.action = KNOCK_ACTION_OPEN;
	v->k.timestamp = 1760000000;
	v->k.lease = 30;
	v->k.target_is_source = true;
	v->k.nports = 1;
	v->k.ports[0].proto = IPPROTO_TCP;
	v->k.ports[0].port = 22;
}

static void test_vector5(void **state)
{
	(void)state;
	struct v5 v;
	uint8_t want[KNOCK_SIGNED_WIRE_BYTES], got[KNOCK_SIGNED_WIRE_BYTES];
	uint8_t pk[KNOCKSIG_PUBLIC_BYTES], sig[KNOCK_SIG_BYTES], want_sig[KNOCK_SIG_BYTES];
	v5_setup(&v);
	unhex(v5_public, pk, sizeof pk);
	assert_memory_equal(v.pk, pk, sizeof pk);
	unhex(v5_wire, want, sizeof want);
	assert_int_equal(knocksig_seal_with_nonce(&v.keys, v.sk, &v.k, v.nonce, got), 0);
	assert_memory_equal(got, want, sizeof want);
	knocksig_extract(&v.keys, got, sig);
	unhex(v5_sig, want_sig, sizeof want_sig);
	assert_memory_equal(sig, want_sig, sizeof sig);
	assert_int_equal(knocksig_verify(pk, got, sig), 0);
	/* The first 100 bytes are an ordinary knock with the signed flag. */
	struct knock o;
	assert_int_equal(knock_open(&v.keys, got, &o), KNOCK_OK);
	assert_int_equal(o.flags, KNOCK_FLAG_SIGNED);
	assert_int_equal(o.ports[0].port, 22);
}

static void test_signature_refusals(void **state)
{
	(void)state;
	struct v5 v;
	uint8_t wire[KNOCK_SIGNED_WIRE_BYTES], sig[KNOCK_SIG_BYTES];
	uint8_t other_pk[KNOCKSIG_PUBLIC_BYTES], other_sk[KNOCKSIG_SECRET_BYTES], seed[32];
	v5_setup(&v);
	assert_int_equal(knocksig_seal(&v.keys, v.sk, &v.k, wire), 0);
	knocksig_extract(&v.keys, wire, sig);
	assert_int_equal(knocksig_verify(v.pk, wire, sig), 0);
	/* Another key's public half refuses it. */
	fill(seed, sizeof seed, 7);
	knocksig_keypair(seed, other_pk, other_sk);
	assert_int_equal(knocksig_verify(other_pk, wire, sig), -1);
	/* Any change to the knock bytes or the signature refuses it. */
	for (size_t i = 0; i < KNOCK_WIRE_BYTES; i += 7) {
		wire[i] ^= 1;
		assert_int_equal(knocksig_verify(v.pk, wire, sig), -1);
		wire[i] ^= 1;
	}
	sig[5] ^= 0x40;
	assert_int_equal(knocksig_verify(v.pk, wire, sig), -1);
	/* flags other than bit 0 are still refused. */
	v.k.flags = 2;
	assert_int_equal(knocksig_seal(&v.keys, v.sk, &v.k, wire), -1);
}

/* spa_sig_check: what the child and the parent decide. */
static void test_spa_sig_check(void **state)
{
	(void)state;
	struct v5 v;
	uint8_t wire[KNOCK_SIGNED_WIRE_BYTES], sig[KNOCK_SIG_BYTES];
	struct config_user u;
	struct config_profile prof;
	struct candidate c;
	struct knock k;
	bool is_signed;
	v5_setup(&v);
	config_user_init(&u, &prof);
	/* u's keys as v5_setup derives them, in a config of one user. */
	struct config cf = { .users = &u, .nusers = 1 };
	uint8_t master[KNOCK_MASTER_BYTES];
	fill(master, sizeof master, 0x80);
	assert_int_equal(config_user_set_secret(&cf, 0, master), 0);
	assert_memory_equal(derived(&cf, &u), &v.keys, sizeof v.keys);
	struct sign_conf sg = { .key_path = "" };
	u.prof->sign = &sg;
	memcpy(sg.pk, v.pk, sizeof v.pk);
	sg.loaded = true;
	assert_int_equal(knocksig_seal(&v.keys, v.sk, &v.k, wire), 0);
	memset(&c, 0, sizeof c);
	c.kind = CANDIDATE_SPA;
	memcpy(c.u.spa, wire, KNOCK_WIRE_BYTES);
	c.sig_len = KNOCK_SIG_BYTES;
	memcpy(c.sig, wire + KNOCK_WIRE_BYTES, KNOCK_SIG_BYTES);
	assert_int_equal(knock_open(&v.keys, wire, &k), KNOCK_OK);
	assert_int_equal(spa_sig_check(&cf, &u, &k, &c, &is_signed, sig), VERDICT_ACCEPT);
	assert_true(is_signed);
	assert_int_equal(knocksig_verify(v.pk, wire, sig), 0);
	/* Signed, but the signature did not come (a stripped tail): refused. */
	c.sig_len = 0;
	assert_int_equal(spa_sig_check(&cf, &u, &k, &c, &is_signed, sig), VERDICT_BAD_SIGNATURE);
	/* A flipped bit in the (encrypted) signature. */
	c.sig_len = KNOCK_SIG_BYTES;
	c.sig[0] ^= 1;
	assert_int_equal(spa_sig_check(&cf, &u, &k, &c, &is_signed, sig), VERDICT_BAD_SIGNATURE);
	assert_false(is_signed);
	c.sig[0] ^= 1;
	/* Another user's key. */
	sg.pk[0] ^= 1;
	assert_int_equal(spa_sig_check(&cf, &u, &k, &c, &is_signed, sig), VERDICT_BAD_SIGNATURE);
	sg.pk[0] ^= 1;
	/* Unsigned knock with 64 bytes appended: malformed. */
	assert_int_equal(knock_seal(&v.keys, &v.k, wire), 0);
	assert_int_equal(knock_open(&v.keys, wire, &k), KNOCK_OK);
	assert_int_equal(k.flags, 0);
	assert_int_equal(spa_sig_check(&cf, &u, &k, &c, &is_signed, sig), VERDICT_MALFORMED);
	c.sig_len = 0;
	assert_int_equal(spa_sig_check(&cf, &u, &k, &c, &is_signed, sig), VERDICT_ACCEPT);
	assert_false(is_signed);
	config_keys_free(&cf);
}

/* The UDP and ICMP carriers take 100 and 164 bytes. */
static void test_carriers_take_164(void **state)
{
	(void)state;
	struct config c;
	struct candidate out[2];
	uint8_t payload[KNOCK_SIGNED_WIRE_BYTES + 1];
	memset(&c, 0, sizeof c);
	c.knock_ports[0].proto = IPPROTO_UDP;
	c.knock_ports[0].port = 62201;
	c.nknock_ports = 1;
	c.icmp = true;
	randombytes_buf(payload, sizeof payload);
	struct frame f = { .proto = IPPROTO_UDP, .dport = 62201, .payload = payload,
		.payload_len = KNOCK_SIGNED_WIRE_BYTES };
	assert_int_equal(carrier_udp.extract(&c, &f, out, 2), 1);
	assert_int_equal(out[0].sig_len, KNOCK_SIG_BYTES);
	assert_memory_equal(out[0].sig, payload + KNOCK_WIRE_BYTES, KNOCK_SIG_BYTES);
	f.payload_len = KNOCK_WIRE_BYTES;
	assert_int_equal(carrier_udp.extract(&c, &f, out, 2), 1);
	assert_int_equal(out[0].sig_len, 0);
	f.payload_len = KNOCK_SIGNED_WIRE_BYTES + 1;
	assert_int_equal(carrier_udp.extract(&c, &f, out, 2), 0);
	struct frame e = { .proto = IPPROTO_ICMP, .icmp_type = 8, .payload = payload,
		.payload_len = KNOCK_SIGNED_WIRE_BYTES };
	assert_int_equal(carrier_icmp.extract(&c, &e, out, 2), 1);
	assert_int_equal(out[0].kind, CANDIDATE_SPA);
	assert_int_equal(out[0].sig_len, KNOCK_SIG_BYTES);
	char bpf[4096];
	assert_true(carrier_udp.bpf(&c, bpf, sizeof bpf));
	assert_non_null(strstr(bpf, "udp[4:2] = 172"));
}

/* keyfile: sign-secret round-trips; a file without it still reads. */
static void test_key_files(void **state)
{
	(void)state;
	char dir[] = "/tmp/test-knocksig-XXXXXX", a[64], b[64], p[64];
	struct keyfile kf, back;
	struct signkey pub, pub2;
	struct errbuf err;
	assert_non_null(mkdtemp(dir));
	snprintf(a, sizeof a, "%s/a.key", dir);
	snprintf(b, sizeof b, "%s/b.key", dir);
	snprintf(p, sizeof p, "%s/a.pub", dir);
	keyfile_generate(&kf, "alice");
	assert_int_equal(keyfile_write(b, &kf, &err), 0); /* no signing key */
	kf.has_sign = true;
	fill(kf.sign_seed, sizeof kf.sign_seed, 0xa0);
	assert_int_equal(keyfile_write(a, &kf, &err), 0);
	assert_int_equal(keyfile_read(a, &back, &err), 0);
	assert_true(back.has_sign);
	assert_memory_equal(back.sign_seed, kf.sign_seed, sizeof kf.sign_seed);
	assert_int_equal(keyfile_read(b, &back, &err), 0);
	assert_false(back.has_sign);
	/* The public half. */
	uint8_t sk[KNOCKSIG_SECRET_BYTES];
	snprintf(pub.user, sizeof pub.user, "alice");
	knocksig_keypair(kf.sign_seed, pub.pk, sk);
	assert_int_equal(signkey_write(p, &pub, &err), 0);
	assert_int_equal(signkey_read(p, &pub2, &err), 0);
	assert_string_equal(pub2.user, "alice");
	assert_memory_equal(pub2.pk, pub.pk, sizeof pub.pk);
	assert_int_equal(signkey_write(p, &pub, &err), -1); /* never overwrites */
	chmod(p, 0666);
	assert_int_equal(signkey_read(p, &pub2, &err), -1); /* others may write it */
	assert_non_null(strstr(err.msg, "mode"));
	unlink(a);
	unlink(b);
	unlink(p);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vector5),
		cmocka_unit_test(test_signature_refusals),
		cmocka_unit_test(test_spa_sig_check),
		cmocka_unit_test(test_carriers_take_164),
		cmocka_unit_test(test_key_files),
	};
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}

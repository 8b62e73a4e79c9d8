/* test_audit — the audit log: JSON string escaping (jsonesc.c), records and
 * their strict reader (auditrec.c), the hash chain and its checker
 * (auditverify.c), and the daemon's writer (audit.c): chain across
 * restarts, a damaged tail starts a new segment. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "audit.h"
#include "auditrec.h"
#include "auditverify.h"
#include "config.h"
#include "jsonesc.h"
#include "knocksig.h"

/* ---- JSON escaping ---- */

static void esc(const char *in, size_t n, const char *want)
{
	char out[256];
	long len = json_escape(in, n, out, sizeof out);
	assert_true(len >= 0);
	assert_string_equal(out, want);
	assert_int_equal((size_t)len, strlen(want));
}

static void test_json_escape(void **state)
{
	(void)state;
	esc("alice", 5, "alice");
	esc("a\"b\\c", 5, "a\\\"b\\\\c");
	esc("l1\nl2\r\t\b\f", 9, "l1\\nl2\\r\\t\\b\\f");
	esc("\x01\x1f\x7f", 3, "\\u0001\\u001f\\u007f");
	esc("/", 1, "/");
	esc("\0x", 2, "\\u0000x"); /* an embedded NUL stays visible */
	/* Valid UTF-8 passes; anything else becomes U+FFFD. */
	esc("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x91", 14, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x91");
	esc("\xff", 1, "\\ufffd");
	esc("\xc0\xaf", 2, "\\ufffd\\ufffd"); /* overlong '/' */
	esc("\xed\xa0\x80", 3, "\\ufffd\\ufffd\\ufffd"); /* a surrogate */
	esc("\xf4\x90\x80\x80", 4, "\\ufffd\\ufffd\\ufffd\\ufffd"); /* > U+10FFFF */
	esc("\xe2\x82", 2, "\\ufffd\\ufffd"); /* cut short */
	/* Does not fit: -1, never a cut escape. */
	char small[4];
	assert_int_equal(json_escape("\"\"", 2, small, sizeof small), -1);
	assert_int_equal(json_escape("abc", 3, small, sizeof small), 3);
}

/* ---- records ---- */

static long fmt(char *out, size_t cap, uint64_t seq, const char *prev, const char *user)
{
	const struct auditrec_kv kv[] = {
		{ "user", user, 0 }, { "src", "10.0.0.2", 0 }, { "lease", NULL, 30 },
	};
	return auditrec_format(out, cap, seq, prev, "2025-06-01T12:00:00.000Z", "accept",
		kv, 3);
}

static void test_record_roundtrip(void **state)
{
	(void)state;
	char line[AUDITREC_LINE_MAX + 1];
	struct auditrec r;
	struct errbuf err;
	long n = fmt(line, sizeof line, 7, AUDITREC_GENESIS, "al\"ice\n\xff");
	assert_true(n > 0);
	assert_null(memchr(line, '\n', (size_t)n)); /* one record, one line */
	assert_string_equal(line, "{\"v\":1,\"seq\":7,\"prev\":\"" AUDITREC_GENESIS "\","
		"\"time\":\"2025-06-01T12:00:00.000Z\",\"event\":\"accept\","
		"\"user\":\"al\\\"ice\\n\\ufffd\",\"src\":\"10.0.0.2\",\"lease\":30}");
	assert_int_equal(auditrec_parse(line, (size_t)n, &r, &err), 0);
	assert_int_equal(r.seq, 7);
	assert_string_equal(r.event, "accept");
	assert_string_equal(auditrec_get(&r, "user")->value, "al\"ice\n\xef\xbf\xbd");
	assert_true(auditrec_get(&r, "lease")->is_num);
	assert_string_equal(auditrec_get(&r, "lease")->value, "30");
	assert_null(auditrec_get(&r, "target"));
	/* Bad keys are refused by the writer. */
	const struct auditrec_kv bad[] = { { "User", "x", 0 } };
	assert_int_equal(auditrec_format(line, sizeof line, 1, AUDITREC_GENESIS, "t", "accept",
		bad, 1), -1);
}

static void test_record_parser_refuses(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"",
		"{}",
		"[1]",
		"{\"v\":1}",
		"{\"v\":1,\"seq\":1,\"prev\":\"00\",\"time\":\"t\",\"event\":\"start\"}",
		"{\"v\":2,\"seq\":1,\"prev\":\"" AUDITREC_GENESIS "\",\"time\":\"t\",\"event\":\"start\"}",
		"{\"v\":1,\"seq\":-1,\"prev\":\"" AUDITREC_GENESIS "\",\"time\":\"t\",\"event\":\"start\"}",
		"{\"v\":1,\"seq\":01,\"prev\":\"" AUDITREC_GENESIS "\",\"time\":\"t\",\"event\":\"start\"}",
		"{\"v\":1,\"seq\":1.5,\"prev\":\"" AUDITREC_GENESIS "\",\"time\":\"t\",\"event\":\"start\"}",
		"{\"v\":1,\"seq\":1,\"seq\":2,\"prev\":\"" AUDITREC_GENESIS "\",\"time\":\"t\",\"event\":\"start\"}",
		"{\"v\":1,\"seq\":1,\"prev\":\"" AUDITREC_GENESIS "\",\"time\":\"t\",\"event\":\"start\"} x",
		"{\"v\":1,\"seq\":1,\"prev\":\"" AUDITREC_GENESIS "\",\"time\":\"t\",\"event\":\"start\",\"a\":true}",
		"{\"v\":1,\"seq\":1,\"prev\":\"" AUDITREC_GENESIS "\",\"time\":\"t\",\"event\":\"start\",\"a\":\"\\ud800\"}",
		"{\"v\":1,\"seq\":1,\"prev\":\"" AUDITREC_GENESIS "\",\"time\":\"t\",\"event\":\"start\",\"a\":\"\\u0000\"}",
		"{\"v\":1,\"seq\":1,\"prev\":\"" AUDITREC_GENESIS "\",\"time\":\"t\",\"event\":\"start\",\"a\":\"\x01\"}",
		"{\"v\":1,\"seq\":1,\"prev\":\"" AUDITREC_GENESIS "\",\"time\":\"t\",\"event\":\"start\",\"a\":\"\xff\"}",
		"{\"v\":1,\"seq\":18446744073709551616,\"prev\":\"" AUDITREC_GENESIS "\",\"time\":\"t\",\"event\":\"start\"}",
		"{\"v\":1,\"seq\":1,\"prev\":\"" AUDITREC_GENESIS "\",\"time\":\"t\",\"event\":\"start\"",
	};
	struct auditrec r;
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		struct errbuf err = { "" };
		if (auditrec_parse(bad[i], strlen(bad[i]), &r, &err) != -1)
			fail_msg("accepted: %s", bad[i]);
		assert_true(err.msg[0] != '\0');
	}
	/* A surrogate pair and white space are fine. */
	const char *ok = "{ \"v\" : 1, \"seq\":18446744073709551615,\"prev\":\"" AUDITREC_GENESIS
		"\",\"time\":\"t\",\"event\":\"start\",\"a\":\"\\ud83d\\udd11\\u00e9\"}";
	struct errbuf err;
	assert_int_equal(auditrec_parse(ok, strlen(ok), &r, &err), 0);
	assert_string_equal(auditrec_get(&r, "a")->value, "\xf0\x9f\x94\x91\xc3\xa9");
	assert_int_equal(r.seq, UINT64_MAX);
}

/* ---- the chain ---- */

#define NLINES 5

/* Builds a chained log of NLINES accept records in lines[]. */
static void build_chain(char lines[NLINES][AUDITREC_LINE_MAX + 1], const char *users[NLINES])
{
	char prev[AUDITREC_HASH_HEX + 1] = AUDITREC_GENESIS;
	for (int i = 0; i < NLINES; i++) {
		long n = fmt(lines[i], AUDITREC_LINE_MAX + 1, (uint64_t)i + 1, prev, users[i]);
		assert_true(n > 0);
		auditrec_hash(lines[i], (size_t)n, prev);
	}
}

static int verify_lines(char lines[NLINES][AUDITREC_LINE_MAX + 1], struct auditverify *av)
{
	auditverify_init(av, NULL, NULL);
	for (int i = 0; i < NLINES; i++)
		if (auditverify_line(av, lines[i], strlen(lines[i]), true) < 0)
			return -1;
	return 0;
}

static void test_chain_detects_edit(void **state)
{
	(void)state;
	static char lines[NLINES][AUDITREC_LINE_MAX + 1];
	const char *users[NLINES] = { "a", "b", "carol", "d", "e" };
	struct auditverify av;
	build_chain(lines, users);
	assert_int_equal(verify_lines(lines, &av), 0);
	assert_int_equal(av.records, NLINES);
	assert_int_equal(av.accepts, NLINES);
	/* The hash is SHA-256 of the line's bytes. */
	char h[AUDITREC_HASH_HEX + 1];
	uint8_t raw[32];
	crypto_hash_sha256(raw, (const unsigned char *)lines[0], strlen(lines[0]));
	auditrec_hex(raw, sizeof raw, h);
	assert_non_null(strstr(lines[1], h));
	/* One character of the middle record: the check points at line 3. */
	char *c = strstr(lines[2], "carol");
	c[0] = 'k';
	assert_int_equal(verify_lines(lines, &av), -1);
	assert_int_equal(av.broken_line, 3);
	assert_non_null(strstr(av.why, "altered"));
	c[0] = 'c';
	/* A removed record: a chain break at the next one. */
	memcpy(lines[2], lines[3], sizeof lines[2]);
	assert_int_equal(verify_lines(lines, &av), -1);
	assert_int_equal(av.broken_line, 2);
	/* A log that does not start at the genesis record. */
	build_chain(lines, users);
	auditverify_init(&av, NULL, NULL);
	assert_int_equal(auditverify_line(&av, lines[1], strlen(lines[1]), true), -1);
	assert_non_null(strstr(av.why, "genesis"));
	/* An incomplete last line. */
	auditverify_init(&av, NULL, NULL);
	assert_int_equal(auditverify_line(&av, lines[0], strlen(lines[0]), true), 0);
	assert_int_equal(auditverify_line(&av, lines[1], 10, false), -1);
	assert_int_equal(av.broken_line, 2);
}

/* A signed accept verifies; changing its user does not. */
static int lookup(void *ctx, const char *user, uint8_t pk[static KNOCKSIG_PUBLIC_BYTES])
{
	if (strcmp(user, "alice") != 0)
		return 0;
	memcpy(pk, ctx, KNOCKSIG_PUBLIC_BYTES);
	return 1;
}

static void test_signed_record(void **state)
{
	(void)state;
	uint8_t seed[32] = { 1 }, pk[32], sk[64], knock[KNOCK_WIRE_BYTES], sig[64];
	char khex[2 * KNOCK_WIRE_BYTES + 1], shex[129], line[AUDITREC_LINE_MAX + 1];
	knocksig_keypair(seed, pk, sk);
	randombytes_buf(knock, sizeof knock);
	crypto_sign_detached(sig, NULL, knock, sizeof knock, sk);
	auditrec_hex(knock, sizeof knock, khex);
	auditrec_hex(sig, sizeof sig, shex);
	for (int edit = 0; edit < 3; edit++) {
		const struct auditrec_kv kv[] = {
			{ "user", edit == 1 ? "bob" : "alice", 0 }, { "knock", khex, 0 },
			{ "sig", shex, 0 },
		};
		if (edit == 2)
			khex[0] = khex[0] == '0' ? '1' : '0';
		long n = auditrec_format(line, sizeof line, 1, AUDITREC_GENESIS, "t",
			"accept", kv, 3);
		struct auditverify av;
		auditverify_init(&av, lookup, pk);
		int rc = auditverify_line(&av, line, (size_t)n, true);
		if (edit == 0) {
			assert_int_equal(rc, 0);
			assert_int_equal(av.signed_ok, 1);
		} else {
			assert_int_equal(rc, -1);
			assert_int_equal(av.broken_line, 1);
		}
	}
}

/* ---- the daemon's writer: chain across restarts, damaged tails ---- */

static struct config *audit_config(const char *path)
{
	struct config *c = calloc(1, sizeof *c);
	snprintf(c->path, sizeof c->path, "test.conf");
	snprintf(c->audit.log_path, sizeof c->audit.log_path, "%s", path);
	return c;
}

static struct auditverify verify_file(const char *path)
{
	struct auditverify av;
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	assert_non_null(f);
	auditverify_init(&av, NULL, NULL);
	while ((n = getline(&line, &cap, f)) > 0) {
		bool complete = line[n - 1] == '\n';
		if (auditverify_line(&av, line, (size_t)n - complete, complete) < 0)
			break;
	}
	free(line);
	fclose(f);
	return av;
}

static void test_writer_restarts(void **state)
{
	(void)state;
	char path[] = "/tmp/test-audit-XXXXXX";
	struct errbuf err;
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	struct config *c = audit_config(path);
	const struct auditrec_kv kv[] = { { "user", "alice", 0 } };
	for (int run = 0; run < 2; run++) {
		assert_int_equal(audit_open(c, &err), 0);
		assert_int_equal(audit_event("accept", kv, 1, AUDIT_SYNC), 0);
		assert_int_equal(audit_event("refuse", kv, 1, 0), 0);
		audit_close("test");
	}
	struct auditverify av = verify_file(path);
	assert_false(av.broken);
	assert_int_equal(av.records, 8); /* start, accept, refuse, stop; twice */
	assert_int_equal(av.last_seq, 8);
	assert_int_equal(av.segments, 0);

	/* A crash mid-write: an incomplete last line. The next start ends it
	 * and starts a new segment chained to it; verify shows the break. */
	fd = open(path, O_WRONLY | O_APPEND);
	assert_int_equal(write(fd, "{\"v\":1,\"se", 10), 10);
	close(fd);
	assert_int_equal(audit_open(c, &err), 0);
	audit_close("test");
	av = verify_file(path);
	assert_true(av.broken);
	assert_int_equal(av.broken_line, 9);
	uint64_t seq;
	char prev[AUDITREC_HASH_HEX + 1], why[300];
	fd = open(path, O_RDONLY);
	audit_read_tail(fd, &seq, prev, why, sizeof why);
	close(fd);
	assert_string_equal(why, ""); /* the segment mended the tail */
	assert_int_equal(seq, 12); /* 8, then segment, start, stop */

	/* An edited record near the end is noticed at the next start. */
	FILE *f = fopen(path, "r+");
	char *all = calloc(1, 65536);
	size_t len = fread(all, 1, 65535, f);
	char *hit = strstr(all, "\"event\":\"start\"");
	assert_non_null(hit);
	hit = strstr(hit + 1, "\"event\":\"start\"");
	assert_non_null(hit);
	hit = strstr(hit + 1, "\"event\":\"start\""); /* after the segment */
	assert_non_null(hit);
	hit[10] = 'x'; /* "start" becomes "xtart" */
	rewind(f);
	fwrite(all, 1, len, f);
	fclose(f);
	free(all);
	fd = open(path, O_RDONLY);
	audit_read_tail(fd, &seq, prev, why, sizeof why);
	close(fd);
	if (!strstr(why, "does not chain")) fail_msg("why=%s", why);
	config_free(c);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_escape),
		cmocka_unit_test(test_record_roundtrip),
		cmocka_unit_test(test_record_parser_refuses),
		cmocka_unit_test(test_chain_detects_edit),
		cmocka_unit_test(test_signed_record),
		cmocka_unit_test(test_writer_restarts),
	};
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}

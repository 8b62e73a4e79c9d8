/* test_msg — child <-> parent messages over a real SOCK_SEQPACKET
 * socketpair: a well-formed record round-trips; any record that is not
 * exactly one valid message is reported as malformed (-2); nothing to read
 * is -1; a closed peer is end of stream (0). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "carrier.h"
#include "msg.h"
#include "scheme.h"
#include "verify.h"

#define NUSERS 3

struct pair {
	int child, parent;
};

static int setup(void **state)
{
	static struct pair p;
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) != 0)
		return -1;
	p.child = sv[0];
	p.parent = sv[1];
	*state = &p;
	return 0;
}

static int teardown(void **state)
{
	struct pair *p = *state;
	if (p->child >= 0)
		close(p->child);
	close(p->parent);
	return 0;
}

static struct msg knock_msg(void)
{
	struct msg m;
	memset(&m, 0, sizeof m);
	m.type = MSG_KNOCK;
	m.user = 1;
	m.scheme = SCHEME_SPA;
	m.evidence.kind = CANDIDATE_SPA;
	m.evidence.carrier = CARRIER_UDP;
	m.evidence.src.family = AF_INET;
	m.evidence.src.bytes[0] = 192;
	m.evidence.src.bytes[3] = 7;
	m.evidence.dst.family = AF_INET;
	m.evidence.dst.bytes[0] = 10;
	for (size_t i = 0; i < sizeof m.evidence.u.spa; i++)
		m.evidence.u.spa[i] = (uint8_t)(i * 3);
	return m;
}

static struct msg refusal_msg(void)
{
	struct msg m;
	memset(&m, 0, sizeof m);
	m.type = MSG_REFUSAL;
	m.user = MSG_NO_USER;
	m.scheme = SCHEME_SPA;
	m.verdict = VERDICT_UNKNOWN_TAG;
	m.count = 1;
	m.evidence.carrier = CARRIER_UDP;
	m.evidence.src.family = AF_INET6;
	m.evidence.src.bytes[0] = 0x20;
	return m;
}

static struct msg capture_msg(void)
{
	struct msg m;
	memset(&m, 0, sizeof m);
	m.type = MSG_CAPTURE;
	m.user = MSG_NO_USER;
	m.event = CAPTURE_OPENED;
	strcpy(m.iface, "eth0");
	return m;
}

/* Sends m and expects msg_recv to return want (and, for 1, the same bytes). */
static void expect(struct pair *p, const struct msg *m, int want)
{
	struct msg got;
	struct errbuf why = { { 0 } };
	assert_int_equal(msg_send(p->child, m, true), 0);
	memset(&got, 0xcc, sizeof got);
	int rc = msg_recv(p->parent, &got, NUSERS, &why);
	if (rc != want)
		fail_msg("msg_recv returned %d, wanted %d (%s)", rc, want, why.msg);
	if (want == 1)
		assert_memory_equal(&got, m, sizeof *m);
	else
		assert_true(why.msg[0] != '\0');
}

/* Sends n raw bytes as one record. */
static int recv_raw(struct pair *p, const void *buf, size_t n, struct errbuf *why)
{
	struct msg got;
	assert_int_equal(send(p->child, buf, n, 0), (ssize_t)n);
	return msg_recv(p->parent, &got, NUSERS, why);
}

static void valid_messages_round_trip(void **state)
{
	struct pair *p = *state;
	struct msg m = knock_msg();
	expect(p, &m, 1);
	m.user = NUSERS - 1;
	m.evidence.carrier = CARRIER_COUNT - 1;
	m.scheme = SCHEME_COUNT - 1;
	m.skew = -42;
	if (scheme_get(SCHEME_COUNT - 1))
		expect(p, &m, 1);
	/* Every kind of evidence. */
	m = knock_msg();
	m.scheme = SCHEME_TOKEN;
	memset(&m.evidence.u, 0, sizeof m.evidence.u);
	m.evidence.kind = CANDIDATE_TOKEN;
	m.evidence.u.token.len = CANDIDATE_TOKEN_MAX;
	memset(m.evidence.u.token.bytes, 0xa5, CANDIDATE_TOKEN_MAX);
	if (scheme_get(SCHEME_TOKEN))
		expect(p, &m, 1);
	m.evidence.kind = CANDIDATE_TEXT;
	memset(&m.evidence.u, 0, sizeof m.evidence.u);
	memset(m.evidence.u.text, 'w', sizeof m.evidence.u.text - 1);
	strcpy(m.evidence.user_hint, "alice");
	m.evidence.via_resolver = true;
	expect(p, &m, 1);
	m = refusal_msg();
	expect(p, &m, 1);
	m.user = 0;
	m.verdict = VERDICT_FIREWALL_ERROR;
	m.count = UINT64_MAX;
	expect(p, &m, 1);
	/* A summary of rate-limited refusals has no source. */
	m.evidence.src.family = 0;
	expect(p, &m, 1);
	m = capture_msg();
	expect(p, &m, 1);
	m.event = CAPTURE_EVENT_END - 1;
	memset(m.iface, 'x', sizeof m.iface - 1);
	memset(m.detail, 'y', sizeof m.detail - 1);
	expect(p, &m, 1);
}

static void short_and_long_records(void **state)
{
	struct pair *p = *state;
	struct msg m = knock_msg();
	uint8_t big[2 * sizeof m];
	struct errbuf why;
	memset(big, 0, sizeof big);
	memcpy(big, &m, sizeof m);

	assert_int_equal(recv_raw(p, big, sizeof m - 1, &why), -2);
	assert_non_null(strstr(why.msg, "bytes"));
	assert_int_equal(recv_raw(p, big, 1, &why), -2);
	assert_int_equal(recv_raw(p, big, sizeof m + 1, &why), -2);
	assert_int_equal(recv_raw(p, big, sizeof big, &why), -2);
	/* A long record is consumed whole: the next record is read intact. */
	expect(p, &m, 1);
}

/* An empty record is a short record, not the end of the stream: the peer
 * is still there and can send more. */
/* On SOCK_SEQPACKET an empty record reads exactly like a closed peer, so
 * msg_recv reports 0 ("end") for both, and the parent stops a child that
 * does either (parent.c): the record must never pass as a message. */
static void empty_record_ends_the_stream(void **state)
{
	struct pair *p = *state;
	struct errbuf why = { { 0 } };
	struct msg m = knock_msg();
	int rc = recv_raw(p, &m, 0, &why);
	if (rc != 0)
		fail_msg("zero-length record: msg_recv returned %d, wanted 0", rc);
	expect(p, &m, 1);
}

static void unknown_type(void **state)
{
	struct pair *p = *state;
	static const uint32_t types[] = { 0, MSG_TYPE_END, 0x100, UINT32_MAX };
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
		struct msg m = refusal_msg();
		m.type = types[i];
		expect(p, &m, -2);
	}
}

static void user_out_of_range(void **state)
{
	struct pair *p = *state;
	struct msg m = knock_msg();
	m.user = NUSERS;
	expect(p, &m, -2);
	m.user = MSG_NO_USER - 1;
	expect(p, &m, -2);
	/* A knock always names its user. */
	m.user = MSG_NO_USER;
	expect(p, &m, -2);
	m = refusal_msg();
	m.user = NUSERS;
	expect(p, &m, -2);
	m = capture_msg();
	m.user = NUSERS + 100;
	expect(p, &m, -2);
}

static void bad_refusal(void **state)
{
	struct pair *p = *state;
	struct msg m = refusal_msg();
	m.count = 0;
	expect(p, &m, -2);
	m = refusal_msg();
	m.verdict = VERDICT_ACCEPT;
	expect(p, &m, -2);
	m.verdict = VERDICT_IGNORE; /* never reported */
	expect(p, &m, -2);
	m.verdict = VERDICT_COUNT;
	expect(p, &m, -2);
	m.verdict = 0xff;
	expect(p, &m, -2);
}

static void bad_capture_event(void **state)
{
	struct pair *p = *state;
	struct msg m = capture_msg();
	m.event = 0;
	expect(p, &m, -2);
	m.event = CAPTURE_EVENT_END;
	expect(p, &m, -2);
	m.event = 0xff;
	expect(p, &m, -2);
}

static void unterminated_strings(void **state)
{
	struct pair *p = *state;
	struct msg m = capture_msg();
	memset(m.iface, 'e', sizeof m.iface);
	expect(p, &m, -2);
	m = capture_msg();
	memset(m.detail, 'd', sizeof m.detail);
	expect(p, &m, -2);
	/* The strings are checked whatever the type. */
	m = knock_msg();
	memset(m.iface, 'e', sizeof m.iface);
	expect(p, &m, -2);
}

static void bad_knock(void **state)
{
	struct pair *p = *state;
	struct msg m = knock_msg();
	m.evidence.src.family = 0;
	expect(p, &m, -2);
	m = knock_msg();
	m.evidence.src.family = AF_UNIX;
	expect(p, &m, -2);
	m = knock_msg();
	m.evidence.dst.family = 3;
	expect(p, &m, -2);
	m = knock_msg();
	m.evidence.carrier = CARRIER_NONE;
	expect(p, &m, -2);
	m.evidence.carrier = CARRIER_COUNT;
	expect(p, &m, -2);
	m = knock_msg();
	m.evidence.kind = CANDIDATE_NONE;
	expect(p, &m, -2);
	m.evidence.kind = CANDIDATE_KIND_END;
	expect(p, &m, -2);
	m = knock_msg();
	m.scheme = SCHEME_NONE;
	expect(p, &m, -2);
	m.scheme = SCHEME_COUNT;
	expect(p, &m, -2);
	m.scheme = 0xff;
	expect(p, &m, -2);
	m = refusal_msg();
	m.evidence.src.family = 255;
	expect(p, &m, -2);
}

static void bad_evidence(void **state)
{
	struct pair *p = *state;
	struct msg m = knock_msg();
	memset(m.evidence.user_hint, 'u', sizeof m.evidence.user_hint);
	expect(p, &m, -2);
	m = knock_msg();
	m.evidence.kind = CANDIDATE_TOKEN;
	memset(&m.evidence.u, 0, sizeof m.evidence.u);
	m.evidence.u.token.len = CANDIDATE_TOKEN_MAX + 1;
	expect(p, &m, -2);
	m.evidence.u.token.len = 0xff;
	expect(p, &m, -2);
	m = knock_msg();
	m.evidence.kind = CANDIDATE_TEXT;
	memset(m.evidence.u.text, 't', sizeof m.evidence.u.text);
	expect(p, &m, -2);
	/* Evidence is checked in refusals too: the parent logs it. */
	m = refusal_msg();
	m.evidence.kind = CANDIDATE_TEXT;
	memset(m.evidence.u.text, 't', sizeof m.evidence.u.text);
	expect(p, &m, -2);
}

/* Nothing to read is -1 (the socket is read without waiting). */
static void nothing_to_read(void **state)
{
	struct pair *p = *state;
	struct msg m;
	struct errbuf why;
	assert_int_equal(msg_recv(p->parent, &m, NUSERS, &why), -1);
}

/* The parent -> child direction: the same record discipline. */
static void parent_to_child(void **state)
{
	struct pair *p = *state;
	struct p2c_msg m, got;
	struct errbuf why = { { 0 } };
	memset(&m, 0, sizeof m);
	m.type = P2C_POSITION;
	m.user = NUSERS - 1;
	m.scheme = SCHEME_SPA;
	m.blob_len = REQUEST_BLOB_MAX;
	strcpy(m.key, "hotp");
	m.position = 42;
	assert_int_equal(p2c_send(p->parent, &m), 0);
	assert_int_equal(p2c_recv(p->child, &got, NUSERS, &why), 1);
	assert_memory_equal(&got, &m, sizeof m);

	struct p2c_msg bad = m;
	bad.user = NUSERS;
	assert_int_equal(p2c_send(p->parent, &bad), 0);
	assert_int_equal(p2c_recv(p->child, &got, NUSERS, &why), -2);
	bad = m;
	bad.type = P2C_TYPE_END;
	assert_int_equal(p2c_send(p->parent, &bad), 0);
	assert_int_equal(p2c_recv(p->child, &got, NUSERS, &why), -2);
	bad = m;
	bad.blob_len = REQUEST_BLOB_MAX + 1;
	assert_int_equal(p2c_send(p->parent, &bad), 0);
	assert_int_equal(p2c_recv(p->child, &got, NUSERS, &why), -2);
	bad = m;
	memset(bad.key, 'k', sizeof bad.key);
	assert_int_equal(p2c_send(p->parent, &bad), 0);
	assert_int_equal(p2c_recv(p->child, &got, NUSERS, &why), -2);
	bad = m;
	bad.scheme = SCHEME_NONE;
	assert_int_equal(p2c_send(p->parent, &bad), 0);
	assert_int_equal(p2c_recv(p->child, &got, NUSERS, &why), -2);
	/* A child -> parent message is the wrong size for the child to read. */
	struct msg km = knock_msg();
	assert_int_equal(send(p->parent, &km, sizeof km, 0), (ssize_t)sizeof km);
	assert_int_equal(p2c_recv(p->child, &got, NUSERS, &why), -2);
	assert_int_equal(p2c_recv(p->child, &got, NUSERS, &why), -1);
}

static void closed_peer(void **state)
{
	struct pair *p = *state;
	struct msg m = knock_msg();
	struct errbuf why;
	/* A message sent before the close is still delivered. */
	assert_int_equal(msg_send(p->child, &m, true), 0);
	close(p->child);
	p->child = -1;
	assert_int_equal(msg_recv(p->parent, &m, NUSERS, &why), 1);
	assert_int_equal(msg_recv(p->parent, &m, NUSERS, &why), 0);
	assert_int_equal(msg_recv(p->parent, &m, NUSERS, &why), 0);
	/* Sending to a closed peer fails without SIGPIPE. */
	assert_int_equal(msg_send(p->parent, &m, true), -1);
}

/* The child's batches: 1..MSG_BATCH_MAX whole messages in one record. */
static void batches(void **state)
{
	struct pair *p = *state;
	static struct msg out[MSG_BATCH_MAX + 1], in[MSG_BATCH_MAX];
	struct errbuf why;
	size_t n = 0;
	for (size_t i = 0; i <= MSG_BATCH_MAX; i++) {
		out[i] = knock_msg();
		out[i].user = (uint32_t)(i % NUSERS);
	}
	assert_int_equal(msg_send_batch(p->child, out, 3, true), 0);
	assert_int_equal(msg_recv_batch(p->parent, in, MSG_BATCH_MAX, &n, NUSERS, &why), 1);
	assert_int_equal(n, 3);
	assert_memory_equal(in, out, 3 * sizeof out[0]);
	assert_int_equal(msg_send_batch(p->child, out, MSG_BATCH_MAX, true), 0);
	assert_int_equal(msg_recv_batch(p->parent, in, MSG_BATCH_MAX, &n, NUSERS, &why), 1);
	assert_int_equal(n, MSG_BATCH_MAX);
	/* A batch to a reader of single messages is the wrong size. */
	assert_int_equal(msg_send_batch(p->child, out, 2, true), 0);
	assert_int_equal(msg_recv(p->parent, in, NUSERS, &why), -2);
	/* More than MSG_BATCH_MAX, half a message, one bad message in the
	 * middle: each refused whole, and nothing is left behind. */
	assert_int_equal(msg_send_batch(p->child, out, MSG_BATCH_MAX + 1, true), -1);
	assert_int_equal(send(p->child, out, (MSG_BATCH_MAX + 1) * sizeof out[0], 0),
		(ssize_t)((MSG_BATCH_MAX + 1) * sizeof out[0]));
	assert_int_equal(msg_recv_batch(p->parent, in, MSG_BATCH_MAX, &n, NUSERS, &why), -2);
	assert_int_equal(send(p->child, out, sizeof out[0] * 3 / 2, 0),
		(ssize_t)(sizeof out[0] * 3 / 2));
	assert_int_equal(msg_recv_batch(p->parent, in, MSG_BATCH_MAX, &n, NUSERS, &why), -2);
	out[1].user = NUSERS + 7;
	assert_int_equal(msg_send_batch(p->child, out, 3, true), 0);
	assert_int_equal(msg_recv_batch(p->parent, in, MSG_BATCH_MAX, &n, NUSERS, &why), -2);
	assert_int_equal(msg_recv_batch(p->parent, in, MSG_BATCH_MAX, &n, NUSERS, &why), -1);
	assert_int_equal(msg_send_batch(p->child, out, 0, true), -1);
}

static void read_error(void **state)
{
	(void)state;
	struct msg m;
	struct errbuf why;
	assert_int_equal(msg_recv(-1, &m, NUSERS, &why), -1);
	m = knock_msg();
	assert_int_equal(msg_send(-1, &m, false), -1);
	assert_int_equal(errno, EBADF);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(valid_messages_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(short_and_long_records, setup, teardown),
		cmocka_unit_test_setup_teardown(batches, setup, teardown),
		cmocka_unit_test_setup_teardown(empty_record_ends_the_stream, setup, teardown),
		cmocka_unit_test_setup_teardown(unknown_type, setup, teardown),
		cmocka_unit_test_setup_teardown(user_out_of_range, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_refusal, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_capture_event, setup, teardown),
		cmocka_unit_test_setup_teardown(unterminated_strings, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_knock, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_evidence, setup, teardown),
		cmocka_unit_test_setup_teardown(nothing_to_read, setup, teardown),
		cmocka_unit_test_setup_teardown(parent_to_child, setup, teardown),
		cmocka_unit_test_setup_teardown(closed_peer, setup, teardown),
		cmocka_unit_test(read_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

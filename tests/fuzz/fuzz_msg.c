/* fuzz_msg — libFuzzer target for msg_recv_batch (msg.c), the parent's only
 * reader of what the (possibly compromised) capture child sends.
 *
 * The input is written as one record on a real SOCK_SEQPACKET socketpair and
 * read back with msg_recv_batch. Checked: never a crash; a record is
 * consumed whole (the socket is empty afterwards); and whenever it returns
 * 1, the record was exactly 1..MSG_BATCH_MAX messages, byte for byte, each
 * satisfying every invariant msg.h documents and the parent relies on. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "carrier.h"
#include "msg.h"
#include "scheme.h"
#include "verify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NUSERS 5
/* Records above the socket buffer cannot be sent; they say nothing new. */
#define MAX_RECORD 65536

static int sv[2] = { -1, -1 };

static bool has_nul(const char *s, size_t n)
{
	return memchr(s, '\0', n) != NULL;
}

static bool addr_ok(const struct addr *a)
{
	return a->family == 0 || a->family == AF_INET || a->family == AF_INET6;
}

static void check_evidence(const struct candidate *c)
{
	if (c->kind >= CANDIDATE_KIND_END || c->carrier >= CARRIER_COUNT ||
	    !addr_ok(&c->src) || !addr_ok(&c->dst) ||
	    !has_nul(c->user_hint, sizeof c->user_hint))
		abort();
	if (c->kind == CANDIDATE_TOKEN && c->u.token.len > CANDIDATE_TOKEN_MAX)
		abort();
	if (c->kind == CANDIDATE_TEXT && !has_nul(c->u.text, sizeof c->u.text))
		abort();
}

static void check(const struct msg *m, const uint8_t *data, size_t size)
{
	if (size < sizeof *m || memcmp(m, data, sizeof *m) != 0)
		abort();
	if (m->type == 0 || m->type >= MSG_TYPE_END)
		abort();
	if (m->user != MSG_NO_USER && m->user >= NUSERS)
		abort();
	if (!has_nul(m->iface, sizeof m->iface) || !has_nul(m->detail, sizeof m->detail))
		abort();
	check_evidence(&m->evidence);
	switch (m->type) {
	case MSG_KNOCK:
		if (m->user == MSG_NO_USER || m->evidence.src.family == 0 ||
		    m->evidence.kind == CANDIDATE_NONE ||
		    m->evidence.carrier == CARRIER_NONE || !scheme_get(m->scheme))
			abort();
		break;
	case MSG_REFUSAL:
		if (m->verdict == VERDICT_ACCEPT || m->verdict == VERDICT_IGNORE ||
		    m->verdict >= VERDICT_COUNT || m->count == 0)
			abort();
		if (verdict_reason((enum verdict)m->verdict)[0] == '?')
			abort();
		break;
	case MSG_CAPTURE:
		if (m->event == 0 || m->event >= CAPTURE_EVENT_END)
			abort();
		break;
	default:
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (sv[0] < 0 && socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) != 0)
		abort();
	if (size > MAX_RECORD)
		return 0;
	ssize_t n = send(sv[0], data, size, MSG_DONTWAIT);
	if (n != (ssize_t)size)
		return 0;

	/* The parent's reader: a record of one message or a batch of them. */
	static struct msg m[MSG_BATCH_MAX];
	size_t got = 0;
	struct errbuf why;
	memset(&why, 0, sizeof why);
	int rc = msg_recv_batch(sv[1], m, MSG_BATCH_MAX, &got, NUSERS, &why);
	switch (rc) {
	case 1:
		if (got == 0 || got > MSG_BATCH_MAX || size != got * sizeof m[0])
			abort();
		for (size_t i = 0; i < got; i++)
			check(&m[i], data + i * sizeof m[0], size - i * sizeof m[0]);
		break;
	case 0:
		/* "End of stream": the peer is open, so only an empty record can
		 * look like it (a known weakness: see tests/unit/test_msg.c). */
		if (size != 0)
			abort();
		break;
	case -2:
		if (!has_nul(why.msg, sizeof why.msg) || why.msg[0] == '\0')
			abort();
		break;
	default:
		/* -1 is "nothing to read": impossible, a record was just sent. */
		abort();
	}
	/* The record was consumed whole: nothing is left to read. */
	uint8_t probe;
	if (recv(sv[1], &probe, 1, MSG_DONTWAIT) != -1 || errno != EAGAIN)
		abort();
	return 0;
}

/* fwbatch — see fwbatch.h. */
#include "fwbatch.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <libnftnl/set.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

/* Room for one message: headers, table and set names (both far shorter),
 * and one element (a key of at most KEY_MAX bytes, a timeout). */
#define MSG_ROOM 512
/* An IPv6 address, protocol and port, each in 4-byte registers. */
#define KEY_MAX 24
/* The kernel answers within the sendmsg call; this only bounds a surprise. */
#define ANSWER_TIMEOUT_MS 1000
/* Enough for any one answer (MNL_SOCKET_BUFFER_SIZE, which is not a constant). */
#define ANSWER_ROOM 8192

/* Per port: add (so the delete cannot fail on a new lease), delete, add
 * with the new timeout. */
static const struct {
	uint16_t type;
	bool timeout;
	const char *name;
} OPS[] = {
	{ NFT_MSG_NEWSETELEM, true, "add" },
	{ NFT_MSG_DELSETELEM, false, "delete" },
	{ NFT_MSG_NEWSETELEM, true, "add" },
};
#define OPS_PER_PORT (sizeof OPS / sizeof *OPS)

struct fwbatch {
	struct mnl_socket *nl;
	uint32_t seq;
};

struct fwbatch *fwbatch_open(struct errbuf *err)
{
	struct fwbatch *b = calloc(1, sizeof *b);
	if (!b) {
		errbuf_set(err, "nftables: out of memory");
		return NULL;
	}
	b->nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	if (!b->nl || mnl_socket_bind(b->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		errbuf_set(err, "nftables: netlink socket: %s", strerror(errno));
		fwbatch_close(b);
		return NULL;
	}
	/* Acknowledgements without a copy of each request: less to read. */
	int one = 1;
	(void)mnl_socket_setsockopt(b->nl, NETLINK_CAP_ACK, &one, sizeof one);
	b->seq = (uint32_t)time(NULL);
	return b;
}

void fwbatch_close(struct fwbatch *b)
{
	if (!b)
		return;
	if (b->nl)
		mnl_socket_close(b->nl);
	free(b);
}

/* The set's key as nftables lays out a concatenation: each field in 4-byte
 * registers, network byte order, zero padding. Returns its length. */
static size_t element_key(const struct addr *a, const struct portspec *p,
	uint8_t key[static KEY_MAX])
{
	size_t alen = a->family == AF_INET6 ? 16 : 4;
	memset(key, 0, KEY_MAX);
	memcpy(key, a->bytes, alen);
	key[alen] = p->proto;
	key[alen + 4] = (uint8_t)(p->port >> 8);
	key[alen + 5] = (uint8_t)(p->port & 0xff);
	return alen + 8;
}

/* Writes one NEWSETELEM/DELSETELEM message at buf; returns its length, 0
 * when out of memory. */
static size_t put_op(char *buf, uint16_t type, uint32_t seq, const char *table,
	const char *set, const uint8_t *key, size_t keylen, uint64_t timeout_ms)
{
	struct nftnl_set *s = nftnl_set_alloc();
	struct nftnl_set_elem *e = nftnl_set_elem_alloc();
	if (!s || !e) {
		nftnl_set_free(s);
		nftnl_set_elem_free(e);
		return 0;
	}
	nftnl_set_set_str(s, NFTNL_SET_TABLE, table);
	nftnl_set_set_str(s, NFTNL_SET_NAME, set);
	nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, key, (uint32_t)keylen);
	if (timeout_ms)
		nftnl_set_elem_set_u64(e, NFTNL_SET_ELEM_TIMEOUT, timeout_ms);
	nftnl_set_elem_add(s, e); /* s owns e now */
	uint16_t flags = NLM_F_ACK | (type == NFT_MSG_NEWSETELEM ? NLM_F_CREATE : 0);
	struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(buf, type, NFPROTO_INET, flags, seq);
	nftnl_set_elems_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
	return NLMSG_ALIGN(nlh->nlmsg_len);
}

/* What message seq of the batch starting at first did (for errors). */
static void describe(uint32_t seq, uint32_t first, size_t nmsgs, const char *table,
	const char *set, const struct addr *addr, const struct portspec *ports,
	char *out, size_t len)
{
	uint32_t op = seq - first - 1; /* wraps for the batch's own header */
	if (op >= nmsgs) {
		snprintf(out, len, "granting in table inet %s", table);
		return;
	}
	const struct portspec *p = &ports[op / OPS_PER_PORT];
	char a[ADDR_STRLEN];
	snprintf(out, len, "%s element inet %s %s { %s . %s . %u }",
		OPS[op % OPS_PER_PORT].name, table, set, addr_format(addr, a),
		proto_name(p->proto), p->port);
}

/* Reads the answers to messages first+1 .. first+nmsgs (every one asked
 * for an acknowledgement). Returns 0 if all were acknowledged, else the
 * first error (a negative errno) and its message's seq in *bad. */
static int read_answers(struct fwbatch *b, uint32_t first, size_t nmsgs, uint32_t *bad)
{
	char buf[ANSWER_ROOM];
	size_t acked = 0;
	int failure = 0;
	while (acked < nmsgs && !failure) {
		struct pollfd p = { .fd = mnl_socket_get_fd(b->nl), .events = POLLIN };
		int rc = poll(&p, 1, ANSWER_TIMEOUT_MS);
		if (rc <= 0) {
			*bad = first;
			return rc == 0 ? -ETIMEDOUT : -errno;
		}
		ssize_t len = mnl_socket_recvfrom(b->nl, buf, sizeof buf);
		if (len < 0) {
			*bad = first;
			return -errno;
		}
		int left = (int)len;
		for (const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
		     mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
			/* Answers of an earlier batch that failed early: not ours. */
			if (nlh->nlmsg_seq - first > nmsgs + 1 || nlh->nlmsg_type != NLMSG_ERROR ||
			    nlh->nlmsg_len < NLMSG_LENGTH(sizeof(struct nlmsgerr)))
				continue;
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
			if (e->error == 0) {
				acked++;
			} else if (!failure) {
				failure = e->error;
				*bad = nlh->nlmsg_seq;
			}
		}
	}
	return failure;
}

int fwbatch_grant(struct fwbatch *b, const char *table, const char *set,
	const struct addr *addr, const struct portspec *ports, size_t n,
	uint32_t lease, struct errbuf *err)
{
	size_t nmsgs = OPS_PER_PORT * n;
	char *buf = malloc((nmsgs + 2) * MSG_ROOM);
	if (!buf) {
		errbuf_set(err, "nftables: out of memory building a batch");
		return -1;
	}
	uint32_t first = b->seq;
	b->seq += (uint32_t)nmsgs + 2;
	size_t off = 0;
	nftnl_batch_begin(buf, first);
	off += NLMSG_ALIGN(((struct nlmsghdr *)buf)->nlmsg_len);
	uint64_t ms = (uint64_t)lease * 1000;
	uint32_t seq = first + 1;
	for (size_t i = 0; i < n; i++) {
		uint8_t key[KEY_MAX];
		size_t klen = element_key(addr, &ports[i], key);
		for (size_t k = 0; k < OPS_PER_PORT; k++) {
			size_t len = put_op(buf + off, OPS[k].type, seq++, table, set, key,
				klen, OPS[k].timeout ? ms : 0);
			if (!len) {
				free(buf);
				errbuf_set(err, "nftables: out of memory building a batch");
				return -1;
			}
			off += len;
		}
	}
	nftnl_batch_end(buf + off, seq);
	off += NLMSG_ALIGN(((struct nlmsghdr *)(buf + off))->nlmsg_len);
	ssize_t sent = mnl_socket_sendto(b->nl, buf, off);
	free(buf);
	if (sent < 0) {
		errbuf_set(err, "nftables: sending a grant to table inet %s: %s", table,
			strerror(errno));
		return -1;
	}
	uint32_t bad = 0;
	int rc = read_answers(b, first, nmsgs, &bad);
	if (rc != 0) {
		char what[256];
		describe(bad, first, nmsgs, table, set, addr, ports, what, sizeof what);
		errbuf_set(err, "nftables: %s: %s", what, strerror(-rc));
		return -1;
	}
	return 0;
}

/* test_tagfilter — the capture's kernel filter with tags, built and run by
 * the kernel.
 *
 * The builder's limits are checked everywhere. The programs themselves run
 * where they will run: attached to packet sockets on the loopback device
 * of a network namespace this test makes for itself (unshare; skipped
 * where that is not allowed, i.e. not as root), fed with datagrams sent
 * through the namespace's own stack over IPv4 and IPv6. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tagfilter.h"

#define PORT 62201
#define LEN_PLAIN 108 /* UDP length fields: 8 + payload */
#define LEN_SIGNED 172
#define SNAPLEN 256

static uint16_t one_port[1] = { PORT };
static struct sock_filter prog[TAGFILTER_INSNS_MAX];

static struct tagfilter_spec spec(uint32_t *prefixes, size_t n)
{
	return (struct tagfilter_spec){ .ports = one_port, .nports = 1,
		.udp_lengths = { LEN_PLAIN, LEN_SIGNED }, .snaplen = SNAPLEN,
		.prefixes = prefixes, .nprefixes = n };
}

/* ---- the builder -------------------------------------------------------- */

static void limits(void **state)
{
	(void)state;
	static uint32_t many[TAGFILTER_PREFIXES_MAX + 1];
	for (size_t i = 0; i < TAGFILTER_PREFIXES_MAX + 1; i++)
		many[i] = (uint32_t)(i * 2654435761u);
	static uint16_t ports[TAGFILTER_PORTS_MAX + 1];
	for (size_t i = 0; i < TAGFILTER_PORTS_MAX + 1; i++)
		ports[i] = (uint16_t)(1000 + i);

	/* The most of both fits the kernel's limit. */
	struct tagfilter_spec s = spec(many, TAGFILTER_PREFIXES_MAX);
	s.ports = ports;
	s.nports = TAGFILTER_PORTS_MAX;
	size_t n = tagfilter_build(&s, prog, TAGFILTER_INSNS_MAX);
	assert_true(n > TAGFILTER_PREFIXES_MAX && n <= TAGFILTER_INSNS_MAX);
	/* ...and nothing past them, nor an empty port list. */
	s = spec(many, TAGFILTER_PREFIXES_MAX + 1);
	assert_int_equal(tagfilter_build(&s, prog, TAGFILTER_INSNS_MAX), 0);
	s = spec(many, 4);
	s.ports = ports;
	s.nports = TAGFILTER_PORTS_MAX + 1;
	assert_int_equal(tagfilter_build(&s, prog, TAGFILTER_INSNS_MAX), 0);
	s.nports = 0;
	assert_int_equal(tagfilter_build(&s, prog, TAGFILTER_INSNS_MAX), 0);
	s = spec(many, 4);
	s.tag_offset = 5;
	assert_int_equal(tagfilter_build(&s, prog, TAGFILTER_INSNS_MAX), 0);
	/* Too little room is refused, not cut short. */
	s = spec(many, 100);
	assert_int_equal(tagfilter_build(&s, prog, 40), 0);
	/* Loose ignores the prefixes, however many. */
	s = spec(NULL, TAGFILTER_PREFIXES_MAX + 1);
	s.loose = true;
	assert_true(tagfilter_build(&s, prog, TAGFILTER_INSNS_MAX) > 0);
}

static void prefixes_sorted_and_deduplicated(void **state)
{
	(void)state;
	uint32_t v[6] = { 9, 3, 9, 1, 3, 7 };
	struct tagfilter_spec s = spec(v, 6);
	assert_true(tagfilter_build(&s, prog, TAGFILTER_INSNS_MAX) > 0);
	assert_int_equal(s.nprefixes, 4);
	assert_int_equal(v[0], 1);
	assert_int_equal(v[1], 3);
	assert_int_equal(v[2], 7);
	assert_int_equal(v[3], 9);
	const uint8_t bytes[4] = { 0xde, 0xad, 0xbe, 0xef };
	assert_int_equal(tagfilter_prefix(bytes), 0xdeadbeefu);
}

/* ---- in the kernel ----------------------------------------------------- */

static bool in_own_netns;

static int own_netns(void **state)
{
	(void)state;
	if (unshare(CLONE_NEWNET) != 0)
		return 0; /* not root: the kernel tests skip */
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct ifreq ifr = { 0 };
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "lo");
	if (fd >= 0 && ioctl(fd, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags |= IFF_UP;
		in_own_netns = ioctl(fd, SIOCSIFFLAGS, &ifr) == 0;
	}
	if (fd >= 0)
		close(fd);
	return 0;
}

#define NEED_NETNS() do { if (!in_own_netns) skip(); } while (0)

/* A packet socket on lo (SOCK_RAW: Ethernet frames; SOCK_DGRAM: cooked,
 * as libpcap's "any") with prog attached, drained. */
static int tap(int type, size_t len)
{
	int fd = socket(AF_PACKET, type, htons(ETH_P_ALL));
	assert_true(fd >= 0);
	struct sockaddr_ll ll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL),
		.sll_ifindex = (int)if_nametoindex("lo") };
	assert_int_equal(bind(fd, (struct sockaddr *)&ll, sizeof ll), 0);
	struct sock_fprog f = { .len = (unsigned short)len, .filter = prog };
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &f, sizeof f), 0);
	char buf[2048];
	while (recv(fd, buf, sizeof buf, MSG_DONTWAIT) > 0)
		;
	return fd;
}

/* Packets the tap passed within a short wait (lo shows each twice: out and in). */
static int seen(int fd)
{
	int n = 0;
	char buf[2048];
	struct pollfd p = { .fd = fd, .events = POLLIN };
	while (poll(&p, 1, 30) > 0 && recv(fd, buf, sizeof buf, 0) > 0)
		n++;
	return n;
}

static void send_udp(int family, uint16_t port, const uint8_t *payload, size_t len)
{
	int fd = socket(family, SOCK_DGRAM, 0);
	assert_true(fd >= 0);
	struct sockaddr_storage ss = { 0 };
	socklen_t sl;
	if (family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		a->sin_family = AF_INET;
		a->sin_port = htons(port);
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sl = sizeof *a;
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons(port);
		a->sin6_addr = in6addr_loopback;
		sl = sizeof *a;
	}
	assert_int_equal(sendto(fd, payload, len, 0, (struct sockaddr *)&ss, sl), (ssize_t)len);
	close(fd);
}

static void put_prefix(uint8_t *payload, size_t at, uint32_t v)
{
	payload[at] = (uint8_t)(v >> 24);
	payload[at + 1] = (uint8_t)(v >> 16);
	payload[at + 2] = (uint8_t)(v >> 8);
	payload[at + 3] = (uint8_t)v;
}

static void knock_datagrams(void **state)
{
	(void)state;
	NEED_NETNS();
	uint32_t v[3] = { 0x11223344u, 0xdeadbeefu, 0x01020304u };
	struct tagfilter_spec s = spec(v, 3);
	size_t len = tagfilter_build(&s, prog, TAGFILTER_INSNS_MAX);
	assert_true(len > 0);
	const int types[2] = { SOCK_RAW, SOCK_DGRAM };
	const int families[2] = { AF_INET, AF_INET6 };
	for (int t = 0; t < 2; t++) {
		int fd = tap(types[t], len);
		for (int f = 0; f < 2; f++) {
			uint8_t p[LEN_SIGNED - 8];
			memset(p, 0xa5, sizeof p);
			put_prefix(p, 0, 0xdeadbeefu);
			send_udp(families[f], PORT, p, LEN_PLAIN - 8);
			assert_true(seen(fd) > 0);
			send_udp(families[f], PORT, p, LEN_SIGNED - 8);
			assert_true(seen(fd) > 0);
			send_udp(families[f], PORT, p, LEN_PLAIN - 8 + 1); /* a length off */
			assert_int_equal(seen(fd), 0);
			send_udp(families[f], PORT + 1, p, LEN_PLAIN - 8); /* another port */
			assert_int_equal(seen(fd), 0);
			put_prefix(p, 0, 0xdeadbef0u); /* one tag off */
			send_udp(families[f], PORT, p, LEN_PLAIN - 8);
			assert_int_equal(seen(fd), 0);
			put_prefix(p, 0, 0x01020304u); /* the smallest */
			send_udp(families[f], PORT, p, LEN_PLAIN - 8);
			assert_true(seen(fd) > 0);
		}
		close(fd);
	}
}

/* The tree over the most prefixes finds each of them and nothing beside. */
static void many_prefixes(void **state)
{
	(void)state;
	NEED_NETNS();
	static uint32_t v[TAGFILTER_PREFIXES_MAX], want[TAGFILTER_PREFIXES_MAX];
	for (size_t i = 0; i < TAGFILTER_PREFIXES_MAX; i++)
		v[i] = want[i] = (uint32_t)((i + 1) * 2654435761u) | 1u; /* odd: +1 is a miss */
	struct tagfilter_spec s = spec(v, TAGFILTER_PREFIXES_MAX);
	size_t len = tagfilter_build(&s, prog, TAGFILTER_INSNS_MAX);
	assert_true(len > 0);
	int fd = tap(SOCK_RAW, len);
	uint8_t p[LEN_PLAIN - 8] = { 0 };
	for (size_t i = 0; i < TAGFILTER_PREFIXES_MAX; i += 31) {
		put_prefix(p, 0, want[i]);
		send_udp(AF_INET, PORT, p, sizeof p);
		if (seen(fd) == 0)
			fail_msg("prefix %zu (%08x) not passed", i, want[i]);
		put_prefix(p, 0, want[i] + 1);
		send_udp(AF_INET, PORT, p, sizeof p);
		if (seen(fd) != 0)
			fail_msg("%08x passed", want[i] + 1);
	}
	close(fd);
}

static void offset_loose_and_none(void **state)
{
	(void)state;
	NEED_NETNS();
	uint8_t p[LEN_PLAIN - 8] = { 0 };
	/* The bytes compared at tag_offset 4 (a big-endian host's half). */
	uint32_t v[1] = { 0xcafef00du };
	struct tagfilter_spec s = spec(v, 1);
	s.tag_offset = 4;
	size_t len = tagfilter_build(&s, prog, TAGFILTER_INSNS_MAX);
	int fd = tap(SOCK_RAW, len);
	put_prefix(p, 0, 0xcafef00du);
	send_udp(AF_INET, PORT, p, sizeof p);
	assert_int_equal(seen(fd), 0);
	put_prefix(p, 4, 0xcafef00du);
	send_udp(AF_INET6, PORT, p, sizeof p);
	assert_true(seen(fd) > 0);
	close(fd);

	/* Loose: any tag, still only the port and the lengths. */
	s = spec(NULL, 0);
	s.loose = true;
	fd = tap(SOCK_RAW, tagfilter_build(&s, prog, TAGFILTER_INSNS_MAX));
	send_udp(AF_INET, PORT, p, sizeof p);
	assert_true(seen(fd) > 0);
	send_udp(AF_INET, PORT + 1, p, sizeof p);
	assert_int_equal(seen(fd), 0);
	close(fd);

	/* No tag valid: nothing passes. */
	s = spec(NULL, 0);
	fd = tap(SOCK_RAW, tagfilter_build(&s, prog, TAGFILTER_INSNS_MAX));
	send_udp(AF_INET, PORT, p, sizeof p);
	assert_int_equal(seen(fd), 0);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(limits),
		cmocka_unit_test(prefixes_sorted_and_deduplicated),
		cmocka_unit_test(knock_datagrams),
		cmocka_unit_test(many_prefixes),
		cmocka_unit_test(offset_loose_and_none),
	};
	return cmocka_run_group_tests(tests, own_netns, NULL);
}

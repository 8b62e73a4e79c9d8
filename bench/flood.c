/* flood — a bounded UDP flood generator for bench/flood.sh.
 *
 *   flood [-r PPS] [-n COUNT] [-t SECONDS] [-k KIND] [-f FILE] [-s SPOOF_SRC]
 *         [-z SIZE] [-b BATCH] [-i IFACE -m DSTMAC] DST PORT
 *
 * Sends at most COUNT datagrams (default 1000000, at most 100000000) for at
 * most SECONDS (default 5, at most 60) to DST:PORT (IPv4), at PPS packets
 * per second (0 = as fast as it can), in sendmmsg batches of BATCH (64).
 * Stops by itself at whichever bound comes first, or on INT/TERM.
 *
 * KIND (the payloads; 256 distinct ones are prepared and cycled through):
 *   random    SIZE random bytes (default 100, a knock's size)
 *   wrongkey  well-formed knocks (wire format v1, current timestamp, open
 *             tcp/22 for the source) each sealed with a random key: valid
 *             structure, unknown tag
 *   file      the payloads of FILE, one per line in hex (e.g. one captured
 *             valid knock: a replay flood)
 *   altered   FILE's first payload (a captured valid knock) with a counter
 *             written over its nonce in every packet: each packet distinct,
 *             each with a valid tag, none authentic (what an eavesdropper
 *             can send to get past the tag pre-filter)
 *
 * -s SPOOF_SRC sends through a raw socket (IP_HDRINCL) with that IPv4 source
 * address (e.g. a legitimate user's): only inside a network namespace.
 *
 * -i IFACE -m DSTMAC sends whole Ethernet frames (to DSTMAC, from IFACE's
 * MAC and, without -s, IFACE's IPv4 address) through an AF_PACKET socket with
 * PACKET_QDISC_BYPASS: no UDP socket, route lookup, netfilter or qdisc on the
 * sender, so on veth, where the receiver's stack runs on the sending CPU,
 * that CPU is left for the receiving side. The frames are built once.
 *
 * Prints one line at the end:
 *   sent=N errors=E seconds=S pps=R
 * Exit status: 0, or 2 on a usage or system error. */
#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <linux/if_packet.h>
#include <sys/ioctl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "knock.h"

#define POOL 256
#define MAX_PAYLOAD 1400
#define MAX_BATCH 256
#define MAX_COUNT 100000000L
#define MAX_SECONDS 60.0
#define IPUDP_BYTES (sizeof(struct iphdr) + sizeof(struct udphdr))
#define HDR_BYTES (sizeof(struct ether_header) + IPUDP_BYTES) /* the most -i/-s prepend */

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: flood [-r PPS] [-n COUNT] [-t SECONDS] [-k random|wrongkey|file|altered]\n"
		"             [-f FILE] [-s SPOOF_SRC] [-z SIZE] [-b BATCH] [-i IFACE -m DSTMAC]\n"
		"             DST PORT\n");
}

struct payload {
	uint8_t bytes[HDR_BYTES + MAX_PAYLOAD]; /* headers used with -s or -i only */
	size_t len; /* of the payload */
};

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Reads hex lines from path into pool; returns how many. */
static size_t load_file(const char *path, struct payload *pool, size_t hdr)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		perror(path);
		return 0;
	}
	static char line[2 * MAX_PAYLOAD + 8];
	size_t n = 0;
	while (n < POOL && fgets(line, sizeof line, f)) {
		size_t len = 0;
		for (char *s = line; hexval(s[0]) >= 0 && hexval(s[1]) >= 0 && len < MAX_PAYLOAD; s += 2)
			pool[n].bytes[hdr + len++] = (uint8_t)(hexval(s[0]) << 4 | hexval(s[1]));
		if (len) {
			pool[n].len = len;
			n++;
		}
	}
	fclose(f);
	return n;
}

static void make_wrongkey(uint8_t *out)
{
	uint8_t master[KNOCK_MASTER_BYTES];
	struct user_keys keys;
	struct knock k = { .action = KNOCK_ACTION_OPEN, .timestamp = (uint64_t)time(NULL),
		.lease = 30, .target_is_source = true, .nports = 1 };
	k.ports[0].proto = IPPROTO_TCP;
	k.ports[0].port = 22;
	randombytes_buf(master, sizeof master);
	knock_derive_keys(master, &keys);
	if (knock_seal(&keys, &k, out) != 0)
		randombytes_buf(out, KNOCK_WIRE_BYTES);
}

/* RFC 1071: the kernel fills the IPv4 checksum for raw sockets, not for
 * AF_PACKET frames. */
static uint16_t ip_checksum(const void *hdr, size_t len)
{
	const uint8_t *b = hdr;
	uint32_t sum = 0;
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(b[i] << 8 | b[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

/* IPv4 + UDP headers at p->bytes + at, in front of the payload (which
 * starts at p->bytes + at + IPUDP_BYTES). */
static void fill_headers(struct payload *p, size_t at, struct in_addr src,
	struct in_addr dst, uint16_t port)
{
	struct iphdr *ip = (struct iphdr *)(p->bytes + at);
	struct udphdr *udp = (struct udphdr *)(p->bytes + at + sizeof *ip);
	memset(ip, 0, sizeof *ip);
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->id = (uint16_t)randombytes_uniform(65536);
	ip->saddr = src.s_addr;
	ip->daddr = dst.s_addr;
	ip->tot_len = htons((uint16_t)(IPUDP_BYTES + p->len));
	ip->check = ip_checksum(ip, sizeof *ip); /* the raw socket recomputes it */
	udp->source = htons((uint16_t)(32768 + randombytes_uniform(28000)));
	udp->dest = htons(port);
	udp->len = htons((uint16_t)(sizeof *udp + p->len));
	udp->check = 0; /* optional over IPv4 */
}

static int parse_mac(const char *s, uint8_t mac[static ETH_ALEN])
{
	unsigned v[ETH_ALEN];
	char end;
	if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
		   &end) != ETH_ALEN)
		return -1;
	for (int i = 0; i < ETH_ALEN; i++) {
		if (v[i] > 0xff)
			return -1;
		mac[i] = (uint8_t)v[i];
	}
	return 0;
}

/* An AF_PACKET socket bound to iface that bypasses the qdisc; fills in the
 * interface's MAC, index and (if src is unset) IPv4 address. */
static int packet_socket(const char *iface, uint8_t mac[static ETH_ALEN],
	struct sockaddr_ll *to, struct in_addr *src)
{
	int fd = socket(AF_PACKET, SOCK_RAW, 0); /* protocol 0: sends, never receives */
	if (fd < 0) {
		perror("flood: socket(AF_PACKET)");
		return -1;
	}
	struct ifreq ifr = { 0 };
	if (strlen(iface) >= sizeof ifr.ifr_name) {
		fprintf(stderr, "flood: interface name too long: %s\n", iface);
		goto fail;
	}
	strcpy(ifr.ifr_name, iface);
	if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0) {
		perror(iface);
		goto fail;
	}
	*to = (struct sockaddr_ll){ .sll_family = AF_PACKET, .sll_ifindex = ifr.ifr_ifindex,
		.sll_protocol = htons(ETH_P_IP), .sll_halen = ETH_ALEN };
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) {
		perror(iface);
		goto fail;
	}
	memcpy(mac, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
	if (!src->s_addr) {
		ifr.ifr_addr.sa_family = AF_INET;
		if (ioctl(fd, SIOCGIFADDR, &ifr) < 0) {
			fprintf(stderr, "flood: %s has no IPv4 address (give -s)\n", iface);
			goto fail;
		}
		*src = ((struct sockaddr_in *)(void *)&ifr.ifr_addr)->sin_addr;
	}
	int one = 1;
	if (setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof one) < 0)
		perror("flood: PACKET_QDISC_BYPASS (sending through the qdisc)");
	return fd;
fail:
	close(fd);
	return -1;
}

int main(int argc, char **argv)
{
	long pps = 0, count = 1000000, batch = 64, size = KNOCK_WIRE_BYTES;
	double seconds = 5;
	const char *kind = "random", *file = NULL, *spoof = NULL, *iface = NULL, *dmac = NULL;
	int opt;
	while ((opt = getopt(argc, argv, "r:n:t:k:f:s:z:b:i:m:h")) != -1) {
		switch (opt) {
		case 'r': pps = strtol(optarg, NULL, 10); break;
		case 'n': count = strtol(optarg, NULL, 10); break;
		case 't': seconds = strtod(optarg, NULL); break;
		case 'k': kind = optarg; break;
		case 'f': file = optarg; break;
		case 's': spoof = optarg; break;
		case 'z': size = strtol(optarg, NULL, 10); break;
		case 'b': batch = strtol(optarg, NULL, 10); break;
		case 'i': iface = optarg; break;
		case 'm': dmac = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (argc - optind != 2 || pps < 0 || count < 1 || count > MAX_COUNT ||
	    !(seconds > 0 && seconds <= MAX_SECONDS) || size < 1 || size > MAX_PAYLOAD ||
	    batch < 1 || batch > MAX_BATCH || !iface != !dmac) {
		usage(stderr);
		fprintf(stderr, "flood: bounds: 1 <= COUNT <= %ld, 0 < SECONDS <= %.0f, "
			"1 <= SIZE <= %d, 1 <= BATCH <= %d; -i and -m together\n", MAX_COUNT,
			MAX_SECONDS, MAX_PAYLOAD, MAX_BATCH);
		return 2;
	}
	struct in_addr dst, src = { 0 };
	uint8_t dst_mac[ETH_ALEN];
	long port = strtol(argv[optind + 1], NULL, 10);
	if (inet_pton(AF_INET, argv[optind], &dst) != 1 || port < 1 || port > 65535 ||
	    (spoof && inet_pton(AF_INET, spoof, &src) != 1) ||
	    (dmac && parse_mac(dmac, dst_mac) != 0)) {
		fprintf(stderr, "flood: DST, PORT, SPOOF_SRC and DSTMAC must be IPv4 address, "
			"1..65535, IPv4 address, aa:bb:cc:dd:ee:ff\n");
		return 2;
	}
	if (sodium_init() < 0)
		return 2;

	static struct payload pool[POOL];
	size_t hdr = iface ? HDR_BYTES : spoof ? IPUDP_BYTES : 0, npool = POOL;
	bool altered = false;
	if (!strcmp(kind, "random")) {
		for (size_t i = 0; i < POOL; i++) {
			pool[i].len = (size_t)size;
			randombytes_buf(pool[i].bytes + hdr, (size_t)size);
		}
	} else if (!strcmp(kind, "wrongkey")) {
		for (size_t i = 0; i < POOL; i++) {
			pool[i].len = KNOCK_WIRE_BYTES;
			make_wrongkey(pool[i].bytes + hdr);
		}
	} else if ((!strcmp(kind, "file") || !strcmp(kind, "altered")) && file) {
		npool = load_file(file, pool, hdr);
		if (npool && !strcmp(kind, "altered")) {
			altered = pool[0].len >= KNOCK_TAG_BYTES + sizeof(uint64_t);
			for (size_t i = 1; i < POOL; i++)
				pool[i] = pool[0];
			npool = POOL;
		}
		if (!npool) {
			fprintf(stderr, "flood: no hex payload in %s\n", file);
			return 2;
		}
	} else {
		usage(stderr);
		return 2;
	}
	uint8_t src_mac[ETH_ALEN];
	struct sockaddr_ll to_ll;
	struct sockaddr_in to_in = { .sin_family = AF_INET, .sin_addr = dst,
		.sin_port = spoof ? 0 : htons((uint16_t)port) };
	int fd;
	if (iface)
		fd = packet_socket(iface, src_mac, &to_ll, &src);
	else if (spoof)
		fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	else
		fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0) {
		if (!iface)
			perror("flood: socket");
		return 2;
	}
	void *to = iface ? (void *)&to_ll : (void *)&to_in;
	socklen_t tolen = iface ? sizeof to_ll : sizeof to_in;
	if (iface)
		memcpy(to_ll.sll_addr, dst_mac, ETH_ALEN);
	for (size_t i = 0; hdr && i < npool; i++) {
		fill_headers(&pool[i], hdr - IPUDP_BYTES, src, dst, (uint16_t)port);
		if (iface) {
			struct ether_header *eth = (struct ether_header *)pool[i].bytes;
			memcpy(eth->ether_dhost, dst_mac, ETH_ALEN);
			memcpy(eth->ether_shost, src_mac, ETH_ALEN);
			eth->ether_type = htons(ETHERTYPE_IP);
		}
	}
	int big = 4 << 20;
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);

	struct mmsghdr msgs[MAX_BATCH];
	struct iovec iov[MAX_BATCH];
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	/* At a given rate, batches of about a millisecond keep the pacing smooth. */
	if (pps > 0 && pps / 1000 < batch)
		batch = pps / 1000 > 0 ? pps / 1000 : 1;

	long sent = 0, errors = 0;
	size_t next = 0;
	double start = now_s(), end = start + seconds, t = start;
	while (!stop && sent + errors < count && (t = now_s()) < end) {
		if (pps > 0) {
			double due = start + (double)(sent + errors) / (double)pps;
			if (due > t) {
				double wait = due - t;
				struct timespec ts = { (time_t)wait, (long)((wait - (double)(time_t)wait) * 1e9) };
				nanosleep(&ts, NULL);
				continue;
			}
		}
		long n = batch;
		if (n > count - sent - errors)
			n = count - sent - errors;
		for (long i = 0; i < n; i++) {
			struct payload *p = &pool[next];
			next = (next + 1) % npool;
			if (altered) { /* a fresh "nonce" after the tag: never a repeat */
				uint64_t seq = (uint64_t)(sent + errors + i);
				memcpy(p->bytes + hdr + KNOCK_TAG_BYTES, &seq, sizeof seq);
			}
			iov[i].iov_base = p->bytes;
			iov[i].iov_len = hdr + p->len;
			msgs[i].msg_hdr = (struct msghdr){ .msg_name = to, .msg_namelen = tolen,
				.msg_iov = &iov[i], .msg_iovlen = 1 };
		}
		int rc = sendmmsg(fd, msgs, (unsigned)n, 0);
		if (rc < 0) {
			if (errno != ENOBUFS && errno != EAGAIN && errno != EINTR &&
			    errno != ECONNREFUSED) {
				perror("flood: sendmmsg");
				break;
			}
			errors += n; /* dropped by the sender's stack; counted, not retried */
			continue;
		}
		sent += rc;
		if (rc < n)
			errors += n - rc;
	}
	close(fd);
	double took = now_s() - start;
	printf("sent=%ld errors=%ld seconds=%.2f pps=%.0f\n", sent, errors, took,
		took > 0 ? (double)sent / took : 0);
	return 0;
}

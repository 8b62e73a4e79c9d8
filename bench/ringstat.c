/* ringstat — the capture ring's counters of another process, for
 * bench/flood.sh.
 *
 *   ringstat PID...
 *
 * For every AF_PACKET socket the processes hold (posternd's capture child,
 * fwknopd: libpcap), takes a copy of the descriptor (pidfd_getfd, needs
 * CAP_SYS_PTRACE) and reads PACKET_STATISTICS: the packets that passed the
 * socket's BPF filter and how many of them found the ring full and were
 * dropped. The kernel resets these counters on each read, so a call at the
 * start of a scenario and one at its end give the scenario's own counts.
 * Neither daemon reads them itself (libpcap's pcap_stats would: posternd
 * does not call it, and Debian's fwknopd does not link it), so nothing is
 * taken from them.
 *
 * Prints one line, summed over the sockets found:
 *   sockets=S packets=N drops=D
 * Exit status: 0, or 2 if no AF_PACKET socket could be read. */
#include <dirent.h>
#include <linux/if_packet.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <unistd.h>

struct counts {
	unsigned long sockets, packets, drops;
};

/* Adds the counters of pid's packet sockets to c. */
static void scan(pid_t pid, struct counts *c)
{
	char dir[64];
	snprintf(dir, sizeof dir, "/proc/%d/fd", (int)pid);
	DIR *d = opendir(dir);
	int pidfd = pidfd_open(pid, 0);
	if (!d || pidfd < 0) {
		fprintf(stderr, "ringstat: pid %d: cannot open it\n", (int)pid);
		goto out;
	}
	for (struct dirent *e; (e = readdir(d));) {
		char *end;
		long target = strtol(e->d_name, &end, 10);
		if (*end || end == e->d_name)
			continue;
		int fd = pidfd_getfd(pidfd, (int)target, 0);
		if (fd < 0)
			continue;
		int domain = 0;
		socklen_t len = sizeof domain;
		struct tpacket_stats_v3 st = { 0 }; /* TPACKET_V1/V2 fill the first two */
		if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) == 0 &&
		    domain == AF_PACKET) {
			len = sizeof st;
			if (getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) == 0) {
				c->sockets++;
				c->packets += st.tp_packets; /* already includes the drops */
				c->drops += st.tp_drops;
			}
		}
		close(fd);
	}
out:
	if (d)
		closedir(d);
	if (pidfd >= 0)
		close(pidfd);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: ringstat PID...\n");
		return 2;
	}
	struct counts c = { 0 };
	for (int i = 1; i < argc; i++)
		scan((pid_t)strtol(argv[i], NULL, 10), &c);
	printf("sockets=%lu packets=%lu drops=%lu\n", c.sockets, c.packets, c.drops);
	return c.sockets ? 0 : 2;
}

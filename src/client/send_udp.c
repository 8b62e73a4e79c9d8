/* send_udp — the knock as the whole payload of one UDP datagram. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sender.h"

static int udp_send(const struct sender_opts *o, const struct addrinfo *to,
	const uint8_t wire[static KNOCK_WIRE_BYTES], struct errbuf *err)
{
	int fd = socket(to->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || sendto(fd, wire, KNOCK_WIRE_BYTES, 0, to->ai_addr, to->ai_addrlen)
		!= KNOCK_WIRE_BYTES) {
		errbuf_set(err, "sending to %s: %s", o->server, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

const struct sender sender_udp = {
	.name = "udp",
	.summary = "one UDP datagram to the knock port (default)",
	.send = udp_send,
};

/* send_udp — the knock as the whole payload of one UDP datagram. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sender.h"

static int udp_send(const struct sender_opts *o, const struct addrinfo *to,
	const uint8_t wire[static KNOCK_WIRE_BYTES], struct errbuf *err)
{
	uint8_t buf[KNOCK_SIGNED_WIRE_BYTES];
	size_t len = o->sig ? KNOCK_SIGNED_WIRE_BYTES : KNOCK_WIRE_BYTES;
	memcpy(buf, wire, KNOCK_WIRE_BYTES);
	if (o->sig) /* docs/protocol.md §11 */
		memcpy(buf + KNOCK_WIRE_BYTES, o->sig, KNOCK_SIG_BYTES);
	int fd = socket(to->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || sendto(fd, buf, len, 0, to->ai_addr, to->ai_addrlen) != (ssize_t)len) {
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
	.can_sign = true,
	.send = udp_send,
};

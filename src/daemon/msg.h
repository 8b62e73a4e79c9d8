/* msg — the only conversation between the capture child and the parent.
 *
 * One fixed-size message per SOCK_SEQPACKET record, child -> parent only.
 * The parent reads each record with room for one byte more than a message, so
 * a short or long record is seen as such; any record that is not exactly one
 * well-formed message is treated as a compromised child: it is killed and
 * restarted. */
#ifndef POSTERN_MSG_H
#define POSTERN_MSG_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "errbuf.h"
#include "knock.h"

#define MSG_NO_USER UINT32_MAX

enum msg_type {
	MSG_KNOCK = 1, /* a knock the child verified: parent re-verifies wire */
	MSG_REFUSAL, /* a refused candidate (rate-limited by the child) */
	MSG_CAPTURE, /* capture state of one interface */
	MSG_TYPE_END
};

enum capture_event {
	CAPTURE_OPENED = 1, /* capturing on iface */
	CAPTURE_MISSING, /* iface could not be opened (absent or down) */
	CAPTURE_DOWN, /* capture on iface failed while running */
	CAPTURE_EVENT_END
};

struct msg {
	uint32_t type; /* enum msg_type */
	uint32_t user; /* index into config->users or MSG_NO_USER */
	uint8_t carrier; /* enum carrier_id */
	uint8_t verdict; /* MSG_REFUSAL: enum verdict */
	uint8_t event; /* MSG_CAPTURE: enum capture_event */
	uint8_t reserved;
	int32_t skew; /* knock time - now, seconds, clamped */
	uint64_t count; /* MSG_REFUSAL: refusals this message stands for (>= 1) */
	struct addr src; /* packet source */
	char iface[IF_NAMESIZE]; /* MSG_CAPTURE, NUL-terminated */
	char detail[96]; /* MSG_CAPTURE: libpcap's reason, NUL-terminated */
	uint8_t wire[KNOCK_WIRE_BYTES]; /* MSG_KNOCK */
};

/* Sends one message; 0 or -1 (errno set). */
int msg_send(int fd, const struct msg *m);
/* Receives one record. Returns 1 with a valid *m, 0 on end of stream,
 * -1 on a read error, -2 if the record is malformed (why says how). */
int msg_recv(int fd, struct msg *m, uint32_t nusers, struct errbuf *why);

#endif

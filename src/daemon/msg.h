/* msg — the only conversation between the capture child and the parent.
 *
 * One fixed-size message per SOCK_SEQPACKET record, or (child to parent) a
 * batch of up to MSG_BATCH_MAX of them back to back in one record: under a
 * flood of candidates that pass the child's filter, one send and one
 * wake-up carry many. The child sends struct msg (knocks it forwards,
 * refusals, capture events); the parent sends
 * struct p2c_msg (scheme positions committed after a grant, so the child's
 * tables stay current). Each side reads with room for one byte more than a
 * message, so a short or long record shows as such. A record from the child
 * that is not exactly one well-formed message is treated as a compromised
 * child: it is killed and restarted. */
#ifndef POSTERN_MSG_H
#define POSTERN_MSG_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "candidate.h"
#include "errbuf.h"
#include "request.h"

#define MSG_NO_USER UINT32_MAX
#define MSG_BATCH_MAX 16

enum msg_type {
	MSG_KNOCK = 1, /* evidence the child verified: the parent verifies again */
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
	uint8_t scheme; /* enum scheme_id (MSG_KNOCK, MSG_REFUSAL) */
	uint8_t verdict; /* MSG_REFUSAL: enum verdict */
	uint8_t event; /* MSG_CAPTURE: enum capture_event */
	uint8_t reserved;
	int32_t skew; /* knock time - now, seconds, clamped */
	uint64_t count; /* MSG_REFUSAL: refusals this message stands for (>= 1) */
	char iface[IF_NAMESIZE]; /* MSG_CAPTURE, NUL-terminated */
	char detail[96]; /* MSG_CAPTURE: libpcap's reason, NUL-terminated */
	/* MSG_KNOCK: the evidence; MSG_REFUSAL: its carrier and src (a
	 * summary of rate-limited refusals has src.family == 0). */
	struct candidate evidence;
};

enum p2c_type {
	P2C_POSITION = 1, /* a scheme position was committed */
	P2C_TYPE_END
};

struct p2c_msg {
	uint32_t type; /* enum p2c_type */
	uint32_t user;
	uint8_t scheme; /* enum scheme_id */
	uint8_t blob_len; /* <= REQUEST_BLOB_MAX */
	char key[REQUEST_POSITION_KEY_MAX]; /* NUL-terminated */
	uint64_t position;
	uint8_t blob[REQUEST_BLOB_MAX];
};

/* Sends one message, waiting for room if block (knocks must not be lost;
 * refusals may be); 0 or -1 (errno set). */
int msg_send(int fd, const struct msg *m, bool block);
/* Sends n (1..MSG_BATCH_MAX) messages as one record; as msg_send. */
int msg_send_batch(int fd, const struct msg *m, size_t n, bool block);
/* Receives one record. Returns 1 with a valid *m, 0 on end of stream or an
 * empty record (indistinguishable on SOCK_SEQPACKET: treat both as the end),
 * -1 when nothing is to be read or on a read error, -2 if the record is
 * malformed (why says how). */
int msg_recv(int fd, struct msg *m, uint32_t nusers, struct errbuf *why);
/* As msg_recv for a record of 1..max (<= MSG_BATCH_MAX) messages: 1 with
 * m[0..*n) all valid; -2 if the record is not a whole number of messages,
 * holds more than max, or any of them is malformed. */
int msg_recv_batch(int fd, struct msg *m, size_t max, size_t *n, uint32_t nusers,
	struct errbuf *why);

/* Never waits: if the child cannot take it, the caller restarts the child
 * (a new child inherits the current positions). */
int p2c_send(int fd, const struct p2c_msg *m);
/* As msg_recv, for the child. */
int p2c_recv(int fd, struct p2c_msg *m, uint32_t nusers, struct errbuf *why);

#endif

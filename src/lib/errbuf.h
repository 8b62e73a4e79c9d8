/* errbuf — a caller-owned buffer for one human-readable error message.
 *
 * Functions that can fail for a reason the operator must read (bad config
 * line, unreadable key file, nftables refusal) take a `struct errbuf *` and
 * fill it at the place the failure is detected, naming the input at fault. */
#ifndef POSTERN_ERRBUF_H
#define POSTERN_ERRBUF_H

#define ERRBUF_LEN 512

struct errbuf {
	char msg[ERRBUF_LEN];
};

/* Sets the message (printf-style). A NULL errbuf is allowed and ignored. */
void errbuf_set(struct errbuf *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif

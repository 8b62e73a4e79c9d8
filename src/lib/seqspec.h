/* seqspec — port sequences as knockd writes them, and the lists of one-time
 * sequences knockd keeps in a file.
 *
 * A step is "PORT[:PROTO]" (knockd's syntax, PROTO tcp or udp, default tcp)
 * or postern's "PROTO/PORT". A sequence is SEQ_MIN_STEPS..SEQ_MAX_STEPS
 * steps separated by commas: "7000:tcp, 8000:udp, 9000". A one-time list
 * file holds one sequence per line; blank lines and lines whose first
 * non-blank character is '#' are skipped (knockd marks a used line by
 * writing '#' over its first character, so a knockd file reads unchanged).
 * Pure parsing: no state, no privileges; the file reader checks owner and
 * mode like a key file (the sequences are secrets). */
#ifndef POSTERN_SEQSPEC_H
#define POSTERN_SEQSPEC_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "errbuf.h"
#include "knock.h"

/* Fewer than 3 steps would let a full-range scan in random order complete
 * a sequence too often (2 steps: about once in 65535 scans). */
#define SEQ_MIN_STEPS 3
#define SEQ_MAX_STEPS 16
#define SEQ_MAX_TOLERANCE 3
#define SEQ_MAX_WATCH 16
/* Longest text form: 16 steps of "65535:udp" and separators. */
#define SEQSPEC_STRLEN (SEQ_MAX_STEPS * 11 + 1)
#define SEQLIST_MAX_LINES 100000
#define SEQLIST_MAX_BYTES (4u * 1024 * 1024)
#define SEQ_LINE_MAX 1024
#define SEQ_DEFAULT_TIMEOUT 5 /* seconds between two hits */
#define SEQ_MAX_TIMEOUT 60
#define SEQ_DEFAULT_SOURCES 16384 /* sources tracked at once */
#define SEQ_MIN_SOURCES 16
#define SEQ_MAX_SOURCES (1u << 22)

struct seqspec {
	uint8_t n; /* 0 = none */
	struct portspec step[SEQ_MAX_STEPS];
};

/* A range of destination ports of one protocol: "tcp/1-65535", "udp/53". */
struct portrange {
	uint8_t proto; /* IPPROTO_TCP or IPPROTO_UDP */
	uint16_t lo, hi; /* 1 <= lo <= hi <= 65535 */
};

/* The one-time sequences of one file, in file order. */
struct seqlist {
	struct seqspec *seq;
	size_t n;
};

/* [daemon] settings of the port carriers (config.h embeds this). */
struct seq_daemon {
	struct portrange watch[SEQ_MAX_WATCH]; /* sequence_watch */
	size_t nwatch; /* 0 = not set: tcp/1-65535, udp/1-65535 */
	uint32_t sources; /* sequence_sources: tracker capacity */
	struct portspec syn_ports[SEQ_MAX_WATCH]; /* syn_ports (SYN carrier) */
	size_t nsyn_ports;
};

/* [user NAME] settings of the sequence scheme (config.h embeds this). */
struct seq_user {
	struct seqspec sequence; /* static, knockd-compatible; n == 0: none */
	const char *file; /* one_time_sequences, "" = none; heap */
	struct seqlist list; /* its sequences (read with the key files) */
	struct portspec open[KNOCK_MAX_PORTS]; /* sequence_open */
	size_t nopen; /* 0 = not set: the user's open list */
	uint32_t timeout; /* sequence_timeout: most seconds between two hits */
	uint8_t tolerance; /* sequence_tolerance: steps a hit may run ahead */
	unsigned sequence_line, file_line, open_line, tolerance_line;
};

/* "7000", "7000:tcp", "8000:UDP" or "udp/8000". */
bool seqspec_parse_step(const char *s, struct portspec *out);
/* Adds one step to seq; false if it is malformed or seq is full. */
bool seqspec_add_step(struct seqspec *seq, const char *s);
/* A whole comma-separated sequence of len bytes (no NUL needed). Returns
 * true, or false with why saying what is wrong. */
bool seqspec_parse(const char *s, size_t len, struct seqspec *out,
	char why[static 128]);
/* "7000:tcp,8000:udp,9000:tcp" */
const char *seqspec_format(const struct seqspec *s, char buf[static SEQSPEC_STRLEN]);
/* The same for the n steps of step[], into buf of len bytes (> 0): only
 * whole steps, as many as fit. Returns buf. */
const char *seqspec_format_steps(const struct portspec *step, size_t n, char *buf,
	size_t len);
bool seqspec_equal(const struct seqspec *a, const struct seqspec *b);

/* "tcp/1-65535", "udp/53" or "tcp/1000-2000". */
bool portrange_parse(const char *s, struct portrange *out);
bool portrange_contains(const struct portrange *r, const struct portspec *p);
/* "tcp/1-65535" or "udp/53" (buf: 20 bytes). */
const char *portrange_format(const struct portrange *r, char buf[static 20]);

/* Parses a one-time list from len bytes of text. 0, or -1 with err as
 * "NAME:LINE: reason". out->seq is heap memory: seqlist_free. */
int seqlist_parse(const uint8_t *text, size_t len, const char *name,
	struct seqlist *out, struct errbuf *err) __attribute__((warn_unused_result));
/* Reads and parses path: a regular file owned by the caller's euid, mode
 * not readable or writable by group or others, at most SEQLIST_MAX_BYTES. */
int seqlist_read(const char *path, struct seqlist *out, struct errbuf *err)
	__attribute__((warn_unused_result));
/* Frees and wipes; a zeroed list is a no-op. */
void seqlist_free(struct seqlist *l);

#endif

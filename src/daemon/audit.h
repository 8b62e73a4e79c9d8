/* audit — the parent's audit log and event stream (docs/audit.md).
 *
 * One record per decision and per daemon event, as hash-chained JSON lines
 * (auditrec.h) appended to [daemon] audit_log, and the same lines copied to
 * event_stream for a SIEM. Like log.h this is a process-wide sink: the
 * decision points (grant.c, grant_audit.c, parent.c, triggers) call
 * audit_event and need no handle. Only the privileged parent writes; the
 * capture child never does (fdsweep closes the log in it).
 *
 * Durability: records passed with AUDIT_SYNC are fdatasync'ed before
 * audit_event returns (accepts: before the door opens; start, stop,
 * segment). A record that cannot be written is logged loudly (LOG_ERR,
 * rate-limited); audit_event returns -1 so a caller that must fail closed
 * (an accept) can. The event stream never blocks and never fails a
 * decision: lines it cannot take are counted and reported. */
#ifndef POSTERN_AUDIT_H
#define POSTERN_AUDIT_H

#include <stdbool.h>
#include <stddef.h>

#include "auditrec.h"
#include "config.h"
#include "errbuf.h"

#define AUDIT_SYNC 1u /* fdatasync before returning */

/* Opens the log and the stream named by c (either may be unset), reads the
 * log's tail to continue its chain, and writes a "segment" record if the
 * tail is damaged (loudly), then a "start" record. 0, or -1 with err
 * (the daemon must not start without the audit log it was told to keep). */
int audit_open(const struct config *c, struct errbuf *err)
	__attribute__((warn_unused_result));
/* After a reload: reopens what changed and writes a "reload" record. */
void audit_reload(const struct config *c);
/* Writes a "stop" record with why, and closes. */
void audit_close(const char *why);
/* True if an audit log is being kept. */
bool audit_logging(void);

/* Appends one record. 0 on success or when no audit log is kept (the
 * stream still gets it); -1 if the audit log could not take it. */
int audit_event(const char *event, const struct auditrec_kv *kv, size_t n,
	unsigned flags);

/* For tests: the tail check of audit_open on an open file. Fills the next
 * seq and prev; *why is "" for a sound tail, else what is wrong with it. */
void audit_read_tail(int fd, uint64_t *next_seq,
	char prev[static AUDITREC_HASH_HEX + 1], char *why, size_t whylen);

#endif

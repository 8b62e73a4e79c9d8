/* grant_audit — the parent's decisions as audit records (audit.h) and as
 * input to the alert thresholds (alert.h). grant.c calls these next to
 * each decision log line, so every line it logs has its record. */
#ifndef POSTERN_GRANT_AUDIT_H
#define POSTERN_GRANT_AUDIT_H

#include "config.h"
#include "msg.h"
#include "policy.h"
#include "request.h"
#include "verify.h"

/* The "accept" record of a knock whose evidence is committed, written and
 * synced before the door opens. 0, or -1 if an audit log is kept and could
 * not take the record: the caller refuses the knock (fail closed). */
int grant_audit_accept(const struct config *c, const struct msg *m,
	const struct request *r, const struct grant *gr)
	__attribute__((warn_unused_result));
/* The "refuse" record of a refusal decided in the parent. */
void grant_audit_refusal(const struct msg *m, const char *user, enum verdict v,
	const char *detail);
/* The "refuse_summary" record of m's count refusals (m->verdict). */
void grant_audit_summary(const struct msg *m);
/* The "refuse" (or "refuse_summary") record of a MSG_REFUSAL from the child. */
void grant_audit_child_refusal(const struct config *c, const struct msg *m);

#endif

/* audit_conf — the audit, event-stream and alert keys (config_audit.c;
 * docs/audit.md):
 *
 *   [daemon]
 *   audit_log      = /var/log/postern/audit.jsonl   hash-chained JSON lines
 *                                                   (default: none)
 *   event_stream   = PATH | stdout                  the same records, for a
 *                                                   SIEM (default: none)
 *   alert_command  = /path/prog                     run (no shell, clean env)
 *                                                   when a threshold is crossed
 *   alert_refusals = 10/5m                          N refusals of one user
 *                                                   within a time (default
 *                                                   10/5m with alert_command)
 *   [user NAME]
 *   sign_key          = /etc/postern/users/NAME.pub the user's Ed25519 public
 *                                                   key (signkey.h)
 *   require_signature = no | yes                    yes: refuse unsigned knocks
 */
#ifndef POSTERN_AUDIT_CONF_H
#define POSTERN_AUDIT_CONF_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "knocksig.h"

#define AUDIT_STREAM_STDOUT "stdout"
#define AUDIT_DEFAULT_ALERT_COUNT 10
#define AUDIT_DEFAULT_ALERT_WINDOW 300
#define AUDIT_ALERT_COUNT_MAX 10000
#define AUDIT_ALERT_WINDOW_MAX 86400

struct audit_conf {
	char log_path[PATH_MAX]; /* "" = no audit log */
	char event_stream[PATH_MAX]; /* "" = none, "stdout", or a path */
	char alert_command[PATH_MAX]; /* "" = no alerts */
	uint32_t alert_count; /* refusals ... */
	uint32_t alert_window; /* ... within this many seconds */
	bool alert_refusals_set;
};

struct sign_conf {
	const char *key_path; /* "" = the user does not sign; heap */
	unsigned key_line;
	bool require; /* refuse knocks without a valid signature */
	unsigned require_line;
	bool loaded; /* pk holds the key (read with CONFIG_LOAD_KEYS) */
	uint8_t pk[KNOCKSIG_PUBLIC_BYTES];
};

#endif

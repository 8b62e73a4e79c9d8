/* alert — optional alert hooks (docs/audit.md "Alerts").
 *
 * [daemon] alert_command names a program; when a threshold is crossed the
 * parent runs it without a shell: argv = { alert_command, KIND, USER },
 * a clean environment (PATH and the POSTERN_ALERT_* variables below), as
 * the run_as user with no capabilities and no_new_privs, stdin/stdout/
 * stderr on /dev/null, in its own session, killed by SIGALRM after
 * ALERT_TIMEOUT_SECONDS. Every alert is also an audit record ("alert") and
 * a log line.
 *
 *   POSTERN_ALERT_KIND    refusals | otp-low-water | key-expiring | ...
 *   POSTERN_ALERT_USER    the user ("-" if none)
 *   POSTERN_ALERT_COUNT   refusals: how many within the window
 *   POSTERN_ALERT_WINDOW  refusals: the window, seconds
 *   POSTERN_ALERT_DETAIL  one line of text (printable ASCII)
 *   POSTERN_ALERT_TIME    RFC 3339 UTC
 *
 * Thresholds: alert_refusals = N/TIME fires when one known user collects N
 * refusals within TIME, then not again for that user until TIME has passed
 * (so a flood gives one alert per window, not one per packet). Refusals
 * with no known user (garbage, unknown tags) never alert: anyone can send
 * those. Other modules raise their own alerts with alert_raise. */
#ifndef POSTERN_ALERT_H
#define POSTERN_ALERT_H

#include <stdint.h>

#include "config.h"
#include "sandbox.h"

#define ALERT_TIMEOUT_SECONDS 30

/* (Re)configures from c (after start-up and after every reload); forgets
 * the counts. run_as is the user alert commands run as. */
void alert_configure(const struct config *c, const struct sandbox_user *run_as);
/* Counts one refusal of user index u (or MSG_NO_USER) at unix time now;
 * count > 1 for a summary. May run the alert command. */
void alert_refusal(uint32_t u, uint64_t count, uint64_t now);
/* Raises an alert now (hook for the OTP low-water check, key expiry, ...):
 * logs it, audits it, runs alert_command if configured. user may be NULL. */
void alert_raise(const char *kind, const char *user, const char *detail);
void alert_free(void);

#endif

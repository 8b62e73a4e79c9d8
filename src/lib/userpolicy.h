/* userpolicy — the per-user rules of where, when, how and until when a user
 * may knock (config keys in config_policy.c; applied by the daemon's
 * policy_rules.c):
 *
 *   sources            = any | CIDR[, ...]   knock sources (default any)
 *   allow_wide_targets = no                  targets wider than /24 or /56
 *   require_target     = no                  yes: refuse knocks that open
 *                                            for their packet's source (only
 *                                            an SPA knock naming its target
 *                                            inside the AEAD opens)
 *   hours              = Mon-Fri 08:00-18:00[, ...]   (timerule.h; default
 *                                            any time)
 *   timezone           = Europe/Berlin       for hours (default: the host's
 *                                            local time)
 *   schemes            = any | spa, token, otp, sequence, dynamic
 *   carriers           = any | udp, icmp, dns, syn, port
 *   expires            = 2027-06-30          the key is refused from 00:00
 *                                            UTC of that day
 *   old_key            = PATH                a rotated-out key, still valid
 *   old_key_until      = 2026-12-03          ... until 00:00 UTC of that day
 *
 * Scheme and carrier names and ids are those of the daemon's scheme.h and
 * carrier.h (tests/unit/test_policy_rules.c checks that they agree). */
#ifndef POSTERN_USERPOLICY_H
#define POSTERN_USERPOLICY_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "knock.h"
#include "timerule.h"

#define USERPOL_MAX_SOURCES 16
/* Explicit targets wider than these need allow_wide_targets = yes. */
#define USERPOL_WIDE_V4 24
#define USERPOL_WIDE_V6 56

/* Indexed by enum scheme_id / enum carrier_id; NULL = no such id. */
#define USERPOL_NSCHEMES 6
#define USERPOL_NCARRIERS 6
extern const char *const userpol_scheme_names[USERPOL_NSCHEMES];
extern const char *const userpol_carrier_names[USERPOL_NCARRIERS];

struct user_policy {
	struct cidr sources[USERPOL_MAX_SOURCES];
	size_t nsources; /* 0 = any source */
	bool allow_wide_targets;
	bool require_target;
	struct timerule hours;
	char timezone[TIMERULE_TZ_MAX]; /* "" = the host's local time */
	uint32_t schemes; /* bit (1 << scheme id); 0 = any */
	uint32_t carriers; /* bit (1 << carrier id); 0 = any */
	bool any_schemes, any_carriers; /* 'any' was said explicitly */
	int64_t expires; /* unix time; 0 = never */
	const char *old_key_path; /* "" = none; heap */
	int64_t old_key_until; /* unix time, with old_key */
	bool has_old_key; /* old_keys were loaded */
	struct user_keys old_keys;
	/* Lines of these keys (0 = not set), for messages about them. */
	unsigned sources_line, any_source_line, hours_line, old_key_line,
		old_key_until_line, expires_line, require_target_line;
};

/* True if the cidr is wider than USERPOL_WIDE_V4 / USERPOL_WIDE_V6. */
bool userpol_cidr_wide(const struct cidr *c);

#endif

/* policy_rules — the per-user rules of userpolicy.h, one function each:
 * where from (sources), where to (targets: unicast, not wider than /24 or
 * /56 unless allow_wide_targets), when (hours in a time zone; key expiry;
 * the old key's end), and how (schemes, carriers).
 *
 * Each returns true if the rule allows the request, or false with why naming
 * the rule ("hours: ...", "sources: ...") for the refusal's rule="..." log
 * field. now is the parent's clock (injected by the tests). */
#ifndef POSTERN_POLICY_RULES_H
#define POSTERN_POLICY_RULES_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "policy.h"
#include "request.h"

/* expires: the user's key (and its old key) is refused from that date. */
bool policy_rule_expires(const struct config_user *u, uint64_t now,
	char why[static POLICY_WHY_LEN]);
/* old_key_until: a knock sealed with the old key, from that date. */
bool policy_rule_old_key(const struct config_user *u, const struct request *r,
	uint64_t now, char why[static POLICY_WHY_LEN]);
/* schemes and carriers: the request's must be in the user's lists. */
bool policy_rule_scheme(const struct config_user *u, const struct request *r,
	char why[static POLICY_WHY_LEN]);
bool policy_rule_carrier(const struct config_user *u, const struct request *r,
	char why[static POLICY_WHY_LEN]);
/* sources: the knock's source in one of the user's prefixes. A knock
 * through a DNS resolver has no knock source to check: refused when the
 * user has sources. */
bool policy_rule_source(const struct config_user *u, const struct request *r,
	char why[static POLICY_WHY_LEN]);
/* hours: now, in the user's time zone, within the user's hours. A zone
 * that has gone from the tz database refuses (fail closed). */
bool policy_rule_hours(const struct config_user *u, uint64_t now,
	char why[static POLICY_WHY_LEN]);
/* The address a grant would open for: a unicast host address, and for a
 * named target, inside a prefix no wider than /24 (IPv4) or /56 (IPv6)
 * unless allow_wide_targets. named: the knock named it (not its source). */
bool policy_rule_target(const struct config_user *u, const struct addr *a,
	bool named, char why[static POLICY_WHY_LEN]);

/* Every rule above but the target's, in that order (cheapest and most
 * telling first). */
bool policy_rules_check(const struct config_user *u, const struct request *r,
	uint64_t now, char why[static POLICY_WHY_LEN]);

#endif

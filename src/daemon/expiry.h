/* expiry — warnings about keys that expire: at start-up, after a reload,
 * and once a day, the parent logs each user whose key (config expires) or
 * old key (old_key_until) ends within expiry_warning, or has ended:
 *
 *   key-expiry user=alice key=current expires=2027-06-30 days_left=12
 *   key-expiry user=alice key=old expires=2026-12-03 days_left=0 note=expired
 *
 * (policy_rules.c refuses the knocks; this only tells the operator.) */
#ifndef POSTERN_EXPIRY_H
#define POSTERN_EXPIRY_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

#define EXPIRY_CHECK_SECONDS 86400

/* Logs the warnings due at now; returns how many lines it logged. */
size_t expiry_warn(const struct config *c, uint64_t now);

#endif

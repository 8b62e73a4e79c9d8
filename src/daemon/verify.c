/* verify — see verify.h. */
#include "verify.h"

#include <string.h>

static const char *const reasons[VERDICT_COUNT] = {
	[VERDICT_ACCEPT] = "accept",
	[VERDICT_UNKNOWN_TAG] = "unknown-tag",
	[VERDICT_BAD_MAC] = "bad-mac",
	[VERDICT_MALFORMED] = "malformed",
	[VERDICT_STALE] = "stale",
	[VERDICT_FUTURE] = "future",
	[VERDICT_REPLAY] = "replay",
	[VERDICT_POLICY] = "policy",
	[VERDICT_STATE_ERROR] = "state-error",
	[VERDICT_FIREWALL_ERROR] = "firewall-error",
	[VERDICT_BAD_SIGNATURE] = "bad-signature",
	[VERDICT_AUDIT_ERROR] = "audit-error",
	[VERDICT_IGNORE] = "ignore",
};

const char *verdict_reason(enum verdict v)
{
	return (unsigned)v < VERDICT_COUNT ? reasons[v] : "?";
}

static enum verdict verify_with(const struct user_keys *keys,
	const uint8_t wire[static KNOCK_WIRE_BYTES], uint64_t now, uint32_t window,
	struct knock *out, int64_t *skew)
{
	*skew = 0;
	switch (knock_open(keys, wire, out)) {
	case KNOCK_OK:
		break;
	case KNOCK_BAD_MAC:
		return VERDICT_BAD_MAC;
	case KNOCK_MALFORMED:
	case KNOCK_TAG_MISMATCH:
	default:
		return VERDICT_MALFORMED;
	}
	/* Both in range of int64 for any sane clock; compare without overflow. */
	/* Clamped: an absurd timestamp must not wrap to the other sign. */
	uint64_t ahead = out->timestamp >= now ? out->timestamp - now : 0;
	uint64_t behind = out->timestamp < now ? now - out->timestamp : 0;
	*skew = ahead > (uint64_t)INT64_MAX ? INT64_MAX
		: behind > (uint64_t)INT64_MAX ? -INT64_MAX
		: ahead ? (int64_t)ahead : -(int64_t)behind;
	if (now > window && out->timestamp < now - window)
		return VERDICT_STALE;
	if (out->timestamp > now && out->timestamp - now > window)
		return VERDICT_FUTURE;
	return VERDICT_ACCEPT;
}

enum verdict verify_knock_key(const struct config *c, const struct config_user *u,
	const uint8_t wire[static KNOCK_WIRE_BYTES], uint64_t now, uint32_t window,
	struct knock *out, int64_t *skew, bool *old_key)
{
	struct user_keys keys;
	if (old_key)
		*old_key = false;
	if (!config_user_keys(c, u, &keys)) { /* no secret here: nothing is authentic */
		*skew = 0;
		memset(out, 0, sizeof *out);
		return VERDICT_BAD_MAC;
	}
	enum verdict v = verify_with(&keys, wire, now, window, out, skew);
	knock_wipe_keys(&keys);
	/* Rotation overlap: a knock sealed with the old key does not open with
	 * the new one (its tag or MAC differs); try the old key too. */
	if ((v == VERDICT_BAD_MAC || v == VERDICT_MALFORMED) && u->prof->pol->has_old_key) {
		int64_t old_skew;
		enum verdict ov = verify_with(&u->prof->pol->old_keys, wire, now, window, out,
			&old_skew);
		if (ov != VERDICT_BAD_MAC && ov != VERDICT_MALFORMED) {
			*skew = old_skew;
			if (old_key)
				*old_key = true;
			return ov;
		}
	}
	return v;
}

enum verdict verify_knock(const struct config *c, const struct config_user *u,
	const uint8_t wire[static KNOCK_WIRE_BYTES], uint64_t now, uint32_t window,
	struct knock *out, int64_t *skew)
{
	return verify_knock_key(c, u, wire, now, window, out, skew, NULL);
}

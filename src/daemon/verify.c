/* verify — see verify.h. */
#include "verify.h"

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
	[VERDICT_IGNORE] = "ignore",
};

const char *verdict_reason(enum verdict v)
{
	return (unsigned)v < VERDICT_COUNT ? reasons[v] : "?";
}

enum verdict verify_knock(const struct config_user *u,
	const uint8_t wire[static KNOCK_WIRE_BYTES], uint64_t now, uint32_t window,
	struct knock *out, int64_t *skew)
{
	*skew = 0;
	switch (knock_open(&u->keys, wire, out)) {
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

/* spa_sig — see spa_sig.h. */
#include "spa_sig.h"

#include <string.h>

#include <sodium.h>

#include "knocksig.h"

enum verdict spa_sig_check(const struct config *c, const struct config_user *u,
	const struct knock *k,
	const struct candidate *ev, bool *is_signed, uint8_t sig[static KNOCK_SIG_BYTES])
{
	bool flagged = (k->flags & KNOCK_FLAG_SIGNED) != 0;
	*is_signed = false;
	memset(sig, 0, KNOCK_SIG_BYTES);
	if (!flagged)
		return ev->sig_len == 0 ? VERDICT_ACCEPT : VERDICT_MALFORMED;
	struct user_keys keys;
	if (ev->sig_len != KNOCK_SIG_BYTES || !config_user_keys(c, u, &keys))
		return VERDICT_BAD_SIGNATURE;
	uint8_t wire[KNOCK_SIGNED_WIRE_BYTES];
	memcpy(wire, ev->u.spa, KNOCK_WIRE_BYTES);
	memcpy(wire + KNOCK_WIRE_BYTES, ev->sig, KNOCK_SIG_BYTES);
	knocksig_extract(&keys, wire, sig);
	knock_wipe_keys(&keys);
	sodium_memzero(wire, sizeof wire);
	if (u->prof->sign->loaded && knocksig_verify(u->prof->sign->pk, ev->u.spa, sig) != 0)
		return VERDICT_BAD_SIGNATURE;
	*is_signed = true;
	return VERDICT_ACCEPT;
}

/* childkeys — the capture child gives up the secrets it does not need.
 *
 * The child inherits the parent's configuration by fork. It needs the tag
 * keys (to find a knock's user), the OTP chains' last values and the port
 * sequences (to recognise knocks), but not what would let it make a knock
 * nobody sent: the users' secrets (from which the SPA AEAD keys come), the
 * rotated-out AEAD keys, the HOTP/TOTP secrets (the parent builds the
 * token tables for it, scheme_token.c) and the dynamic-reply keys (only
 * the parent replies). Before it reads a packet it unmaps the users'
 * secrets (their own mapping, struct config_keys; the tag keys are in
 * another) and wipes its copy of the others, so even code run by an
 * attacker in the child finds none of them (docs/process-model.md). */
#ifndef POSTERN_CHILDKEYS_H
#define POSTERN_CHILDKEYS_H

#include "config.h"

/* Child only: unmaps c's users' secrets, wipes the other secrets above in c
 * (its own copy). */
void childkeys_forget(struct config *c);

/* True if no user in c holds any of those secrets (tests). */
bool childkeys_forgotten(const struct config *c);

#endif

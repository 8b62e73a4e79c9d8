/* pwstrength — a simple strength check for the passphrase of a passphrase-
 * derived key (postern keygen --passphrase), before anything is derived.
 *
 * Not a password cracker, a seat belt. A passphrase is accepted when
 *   - it has at least PWSTRENGTH_MIN_CHARS characters,
 *   - it does not contain the user name (case-insensitive, if the name has
 *     3 characters or more; also with digits for letters), and
 *   - its estimated strength is at least PWSTRENGTH_MIN_BITS, where the
 *     estimate is (characters that are not part of a pattern) x log2(size
 *     of the character classes used: lower 26, upper 26, digits 10, other
 *     33). A UTF-8 character counts once, as "other".
 * Characters in a pattern count for nothing:
 *   - a common word or password ("password", "qwerty", "letmein", ...;
 *     also with digits for letters, "p4ssw0rd"),
 *   - a character repeated (the second "a" of "aa"),
 *   - a sequence ("abc", "4321": after its first character),
 *   - a keyboard run ("asdf", "zxcv"),
 *   - a repetition of an earlier part of 3 characters or more
 *     ("hellohello": the second "hello").
 * A refusal names the first pattern found, or the estimate. */
#ifndef POSTERN_PWSTRENGTH_H
#define POSTERN_PWSTRENGTH_H

#include <stdbool.h>
#include <stddef.h>

#define PWSTRENGTH_MIN_CHARS 12
#define PWSTRENGTH_MIN_BITS 50
#define PWSTRENGTH_WHY_MAX 200

/* True if pass is strong enough for user (user may be NULL). *bits gets the
 * estimate (may be NULL). False with a sentence saying why in why. */
bool pwstrength_ok(const char *pass, const char *user, double *bits,
	char why[static PWSTRENGTH_WHY_MAX]);

#endif

/* tokentable — the token scheme's pre-filter: every token, port sequence
 * and numeric code that any user could send right now (and the few just
 * used, to name replays), found in O(1) without any HMAC work.
 *
 * Like tagtable, but entries carry the counter (or time slot) they belong
 * to. The parent, which alone holds the token secrets, fills a fresh table
 * whenever a window moves (a TOTP slot passes, an HOTP counter is used) and
 * copies it into a shared table the capture child reads (scheme_token.c). */
#ifndef POSTERN_TOKENTABLE_H
#define POSTERN_TOKENTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum tokentable_form {
	TT_TOKEN = 1, /* an 8-byte binary token (ping -p, DNS label, SYN) */
	TT_PORTS, /* its port-sequence form (token_ports_pack) */
	TT_CODE, /* a numeric code of a user (tokentable_code_key) */
};

struct tokentable_hit {
	uint32_t user; /* index into config->users */
	uint64_t counter; /* HOTP counter or TOTP slot */
	bool used; /* below the user's next counter: a replay */
};

struct tokentable;

/* A table with room for max entries. NULL if memory ran out. */
struct tokentable *tokentable_new(size_t max);
/* As tokentable_new, but the entries live in a shared mapping (MAP_SHARED):
 * what this process copies in later, a process forked after the call sees. */
struct tokentable *tokentable_new_shared(size_t max);
/* NULL is a no-op. */
void tokentable_free(struct tokentable *t);
/* Copies src's entries over dst's; both made for the same max (-1 if not).
 * Writes dst's entries and never reads them: the reader of a shared table
 * may have scribbled on it. */
int tokentable_copy(struct tokentable *dst, const struct tokentable *src);
/* Adds an entry; -1 if the table is full. */
int tokentable_add(struct tokentable *t, enum tokentable_form form, uint64_t key,
	const struct tokentable_hit *hit);
/* Finds (form, key); true with *hit filled, or false. If two entries share
 * (form, key) (a 2^-64 event for tokens), the first added wins. Bounded
 * even on a table torn by a concurrent tokentable_copy. */
bool tokentable_find(const struct tokentable *t, enum tokentable_form form,
	uint64_t key, struct tokentable_hit *hit);
size_t tokentable_entries(const struct tokentable *t);

/* The key of a numeric code: codes are per user (they are short). */
uint64_t tokentable_code_key(uint32_t user, uint32_t code);
/* The key of 8 token bytes (as stored: native order). */
uint64_t tokentable_bytes_key(const uint8_t bytes[static 8]);

#endif

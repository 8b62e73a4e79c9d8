/* pwstrength — see pwstrength.h.
 *
 * Works on the first PW_MAX bytes (a longer passphrase is long enough).
 * Every pattern marks the bytes it covers in weak[]; what is left counts. */
#include "pwstrength.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#define PW_MAX 256 /* passphrase_read stops at 127; bounds the O(n^3) scan */
#define PW_MIN_PATTERN 3 /* user names and repetitions this long or longer */
#define PW_MIN_KEYRUN 4

static const char *const common_words[] = {
	"password", "passwort", "passphrase", "secret", "letmein", "welcome",
	"qwerty", "azerty", "qwertz", "admin", "root", "login", "iloveyou",
	"monkey", "dragon", "master", "sunshine", "princess", "football",
	"baseball", "shadow", "trustno", "changeme", "default", "postern",
	"knock", "hello", "superman", "batman", "freedom", "whatever",
	"computer", "internet", "access", "summer", "winter", "spring",
	"autumn", "abc123",
};
static const char *const keyboard_rows[] = {
	"qwertyuiop", "asdfghjkl", "zxcvbnm", "qwertzuiop", "yxcvbnm",
	"azertyuiop", "qsdfghjklm", "wxcvbn", "1qaz2wsx3edc", "!@#$%^&*()",
};

struct scan {
	size_t n;
	char lc[PW_MAX + 1]; /* ASCII lower case */
	char leet[PW_MAX + 1]; /* lc with 0->o, 1->i, 3->e, 4->a, 5->s, 7->t, @->a, $->s */
	bool weak[PW_MAX];
	const char *reason; /* the first pattern found */
	char detail[48];
};

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static char unleet(char c)
{
	static const char from[] = "0134579@$!", to[] = "oieastgasi";
	const char *p = c ? strchr(from, c) : NULL;
	return p ? to[p - from] : c;
}

static void note(struct scan *s, const char *reason, const char *at, size_t len)
{
	if (s->reason)
		return;
	s->reason = reason;
	snprintf(s->detail, sizeof s->detail, "%.*s", (int)(len > 24 ? 24 : len), at);
}

static void mark(struct scan *s, size_t from, size_t len)
{
	for (size_t i = from; i < from + len && i < s->n; i++)
		s->weak[i] = true;
}

/* Marks every occurrence of word (lower case) in lc and leet. */
static void mark_word(struct scan *s, const char *word, const char *reason)
{
	size_t m = strlen(word);
	if (m < PW_MIN_PATTERN || m > s->n)
		return;
	for (size_t i = 0; i + m <= s->n; i++)
		if (memcmp(s->lc + i, word, m) == 0 || memcmp(s->leet + i, word, m) == 0) {
			note(s, reason, word, m);
			mark(s, i, m);
		}
}

static void mark_repeats_and_sequences(struct scan *s)
{
	for (size_t i = 1; i < s->n; i++) {
		if (s->lc[i] == s->lc[i - 1] && (unsigned char)s->lc[i] < 0x80) {
			note(s, "a repeated character", s->lc + i - 1, 2);
			s->weak[i] = true;
		}
		if (i < 2)
			continue;
		int d1 = s->lc[i] - s->lc[i - 1], d2 = s->lc[i - 1] - s->lc[i - 2];
		bool alnum = true;
		for (size_t k = i - 2; k <= i; k++) {
			char c = s->lc[k];
			alnum &= (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
		}
		if (alnum && d1 == d2 && (d1 == 1 || d1 == -1)) {
			note(s, "a sequence", s->lc + i - 2, 3);
			s->weak[i - 1] = s->weak[i] = true;
		}
	}
}

static void mark_keyboard(struct scan *s)
{
	for (size_t r = 0; r < sizeof keyboard_rows / sizeof keyboard_rows[0]; r++) {
		const char *row = keyboard_rows[r];
		size_t rl = strlen(row);
		for (size_t i = 0; i < s->n; i++)
			for (size_t j = 0; j < rl; j++) {
				size_t k = 0;
				while (i + k < s->n && j + k < rl && s->lc[i + k] == row[j + k])
					k++;
				size_t back = 0; /* the row typed right to left */
				while (i + back < s->n && back <= j && s->lc[i + back] == row[j - back])
					back++;
				size_t run = k > back ? k : back;
				if (run >= PW_MIN_KEYRUN) {
					note(s, "a keyboard run", s->lc + i, run);
					mark(s, i + 1, run - 1);
				}
			}
	}
}

/* A part of 3 or more characters that already occurred earlier. */
static void mark_repetitions(struct scan *s)
{
	for (size_t i = 1; i < s->n;) {
		size_t best = 0;
		for (size_t j = 0; j < i; j++) {
			size_t k = 0;
			while (i + k < s->n && s->lc[j + k] == s->lc[i + k])
				k++;
			if (k > best)
				best = k;
		}
		if (best >= PW_MIN_PATTERN) {
			note(s, "a repeated part", s->lc + i, best);
			mark(s, i, best);
			i += best;
		} else
			i++;
	}
}

/* The estimate over the bytes no pattern covered. */
static double estimate(const struct scan *s, const char *pass)
{
	bool lo = false, up = false, dig = false, other = false;
	size_t count = 0;
	for (size_t i = 0; i < s->n; i++) {
		unsigned char c = (unsigned char)pass[i];
		if (s->weak[i] || (c & 0xC0) == 0x80) /* UTF-8 continuation */
			continue;
		count++;
		if (c >= 'a' && c <= 'z')
			lo = true;
		else if (c >= 'A' && c <= 'Z')
			up = true;
		else if (c >= '0' && c <= '9')
			dig = true;
		else
			other = true;
	}
	unsigned pool = (lo ? 26 : 0) + (up ? 26 : 0) + (dig ? 10 : 0) + (other ? 33 : 0);
	return pool ? (double)count * log2((double)pool) : 0.0;
}

static size_t utf8_chars(const char *p, size_t n)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++)
		c += ((unsigned char)p[i] & 0xC0) != 0x80;
	return c;
}

bool pwstrength_ok(const char *pass, const char *user, double *bits,
	char why[static PWSTRENGTH_WHY_MAX])
{
	struct scan *s = calloc(1, sizeof *s);
	double b = 0;
	bool ok = false, has_user = false;
	why[0] = '\0';
	if (!s) {
		snprintf(why, PWSTRENGTH_WHY_MAX, "out of memory");
		goto out;
	}
	size_t total = strlen(pass);
	s->n = total > PW_MAX ? PW_MAX : total;
	for (size_t i = 0; i < s->n; i++) {
		s->lc[i] = lower(pass[i]);
		s->leet[i] = unleet(s->lc[i]);
	}
	if (user && strlen(user) >= PW_MIN_PATTERN && strlen(user) < 64) {
		char lu[64];
		size_t m = strlen(user);
		for (size_t i = 0; i <= m; i++)
			lu[i] = lower(user[i]);
		mark_word(s, lu, "the user name");
		has_user = s->reason != NULL;
	}
	for (size_t w = 0; w < sizeof common_words / sizeof common_words[0]; w++)
		mark_word(s, common_words[w], "a common word");
	mark_repeats_and_sequences(s);
	mark_keyboard(s);
	mark_repetitions(s);
	b = estimate(s, pass);

	size_t chars = utf8_chars(pass, total);
	if (chars < PWSTRENGTH_MIN_CHARS)
		snprintf(why, PWSTRENGTH_WHY_MAX, "too short: %zu characters; a passphrase "
			"needs at least %d", chars, PWSTRENGTH_MIN_CHARS);
	else if (has_user)
		snprintf(why, PWSTRENGTH_WHY_MAX, "it contains the user name");
	else if (b < PWSTRENGTH_MIN_BITS && s->reason)
		/* the detail is the user's own text: never echo it, name the kind */
		snprintf(why, PWSTRENGTH_WHY_MAX, "too weak: about %.0f bits by a simple "
			"estimate (at least %d needed); it contains %s%s%s%s", b,
			PWSTRENGTH_MIN_BITS, s->reason,
			strcmp(s->reason, "a common word") == 0 ? " (\"" : "",
			strcmp(s->reason, "a common word") == 0 ? s->detail : "",
			strcmp(s->reason, "a common word") == 0 ? "\")" : "");
	else if (b < PWSTRENGTH_MIN_BITS)
		snprintf(why, PWSTRENGTH_WHY_MAX, "too weak: about %.0f bits by a simple "
			"estimate (at least %d needed); make it longer or mix lower and "
			"upper case, digits and symbols", b, PWSTRENGTH_MIN_BITS);
	else
		ok = true;
out:
	if (s)
		sodium_memzero(s, sizeof *s);
	free(s);
	if (bits)
		*bits = b;
	return ok;
}

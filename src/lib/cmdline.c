/* cmdline — see cmdline.h. */
#include "cmdline.h"

#include <string.h>

enum { OUTSIDE, SINGLE, DOUBLE };

/* Adds one byte of the current word; false when the buffer is full. */
static bool put(struct cmdline *c, char ch)
{
	if (c->used >= CMDLINE_MAX_BYTES)
		return false;
	c->buf[c->used++] = ch;
	return true;
}

static bool end_word(struct cmdline *c, size_t start, const char **why)
{
	if (c->argc == CMDLINE_MAX_ARGS) {
		*why = "more than 32 words";
		return false;
	}
	if (c->used >= CMDLINE_MAX_BYTES) {
		*why = "command line longer than 1024 bytes";
		return false;
	}
	c->buf[c->used++] = '\0';
	c->argv[c->argc++] = &c->buf[start];
	c->argv[c->argc] = NULL;
	return true;
}

bool cmdline_split(const char *s, struct cmdline *c, const char **why)
{
	int mode = OUTSIDE;
	bool in_word = false;
	size_t start = 0;
	memset(c, 0, sizeof *c);
	for (const char *p = s;; p++) {
		char ch = *p;
		if (mode == OUTSIDE && (ch == '\0' || ch == ' ' || ch == '\t')) {
			if (in_word && !end_word(c, start, why))
				return false;
			in_word = false;
			if (ch == '\0')
				break;
			continue;
		}
		if (ch == '\0') {
			*why = mode == SINGLE ? "unterminated '" : "unterminated \"";
			return false;
		}
		if (!in_word) {
			in_word = true;
			start = c->used;
		}
		bool ok = true;
		if (mode == SINGLE) {
			if (ch == '\'')
				mode = OUTSIDE;
			else
				ok = put(c, ch);
		} else if (mode == DOUBLE) {
			if (ch == '"')
				mode = OUTSIDE;
			else if (ch == '\\' && (p[1] == '"' || p[1] == '\\'))
				ok = put(c, *++p);
			else
				ok = put(c, ch);
		} else if (ch == '\'') {
			mode = SINGLE;
		} else if (ch == '"') {
			mode = DOUBLE;
		} else if (ch == '\\') {
			if (p[1] == '\0') {
				*why = "trailing backslash";
				return false;
			}
			ok = put(c, *++p);
		} else {
			ok = put(c, ch);
		}
		if (!ok) {
			*why = "command line longer than 1024 bytes";
			return false;
		}
	}
	if (c->argc == 0) {
		*why = "empty command";
		return false;
	}
	if (c->argv[0][0] != '/') {
		*why = "the program must be an absolute path";
		return false;
	}
	return true;
}

bool cmdline_append(struct cmdline *c, const char *word)
{
	size_t n = strlen(word);
	if (n > 16 || c->argc > CMDLINE_MAX_ARGS || c->used + n + 1 > sizeof c->buf)
		return false;
	memcpy(&c->buf[c->used], word, n + 1);
	c->argv[c->argc++] = &c->buf[c->used];
	c->argv[c->argc] = NULL;
	c->used += n + 1;
	return true;
}

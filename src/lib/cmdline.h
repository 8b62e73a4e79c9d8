/* cmdline — splits a configured command line into an argv, never through a
 * shell. The rules (postern.conf(5), "COMMAND LINES"):
 *   - words are separated by spaces and tabs;
 *   - '...' quotes everything up to the next ' literally;
 *   - "..." quotes too; inside, \" and \\ stand for " and \, and any other
 *     backslash is kept as it is;
 *   - outside quotes, a backslash makes the next character literal;
 *   - quoted and unquoted pieces next to each other form one word, and ''
 *     or "" alone is an empty word;
 *   - nothing else is special: no $variables, no globs, no ~, no ; | & or
 *     redirections (they are ordinary characters of a word);
 *   - an unterminated quote or a trailing backslash is an error;
 *   - the first word (the program) must be an absolute path.
 * At most CMDLINE_MAX_ARGS words and CMDLINE_MAX_BYTES bytes in all. */
#ifndef POSTERN_CMDLINE_H
#define POSTERN_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>

#define CMDLINE_MAX_ARGS 32
#define CMDLINE_MAX_BYTES 1024

struct cmdline {
	char buf[CMDLINE_MAX_BYTES + 2 * 17]; /* the words, NUL-separated, + one appended */
	size_t used;
	char *argv[CMDLINE_MAX_ARGS + 2]; /* argv[argc] == NULL */
	size_t argc;
};

/* Splits s into out. Returns true, or false with *why set to a static
 * message. out->argv points into out->buf: do not copy the struct. */
bool cmdline_split(const char *s, struct cmdline *out, const char **why)
	__attribute__((warn_unused_result));

/* Appends one more word (at most 16 bytes: a knock's argument) as a single
 * argv element. False if it does not fit. */
bool cmdline_append(struct cmdline *c, const char *word)
	__attribute__((warn_unused_result));

#endif

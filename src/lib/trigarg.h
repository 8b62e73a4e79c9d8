/* trigarg — the checks on a trigger's argument, the one piece of a trigger
 * command a knock supplies. The argument is appended to the configured argv
 * as ONE element (never split, never seen by a shell), and only when:
 *   1. it holds no shell metacharacter, whitespace or quote (refused
 *      outright, before any pattern: TRIGARG_METACHARS) and does not start
 *      with '-' (it would read as an option);
 *   2. it matches the trigger's args_pattern: a POSIX extended regular
 *      expression that must start with ^ and end with $, and must match the
 *      whole argument;
 *   3. a trigger without args_pattern takes no argument at all. */
#ifndef POSTERN_TRIGARG_H
#define POSTERN_TRIGARG_H

#include <stdbool.h>
#include <stddef.h>

/* Refused in any knock argument, whatever the pattern says. */
#define TRIGARG_METACHARS ";|&$`<>(){}[]*?~!#'\"\\ \t\r\n"

/* The first refused character of arg (a metacharacter, or a leading '-'),
 * or NULL if there is none. */
const char *trigarg_forbidden(const char *arg);

/* Checks a configured pattern: anchored (^...$), at most 255 bytes, no
 * repetition right after another (a++, a{2}*), no back-reference, counts
 * at most 64, and accepted by regcomp(REG_EXTENDED). False with a message
 * in why. */
bool trigarg_pattern_ok(const char *pattern, char *why, size_t len);

/* 1 if arg matches pattern entirely, 0 if not, -1 if the pattern does not
 * compile. */
int trigarg_match(const char *pattern, const char *arg);

/* Copies arg for a log line: [A-Za-z0-9._:/@+=,-] as is, any other byte as
 * \xNN, cut to fit len. */
void trigarg_escape(const char *arg, char *out, size_t len);

#endif

/* log — decisions and errors to syslog and, in the foreground, to stderr.
 *
 * Never pass a secret to these functions: every line may end up in a SIEM. */
#ifndef POSTERN_LOG_H
#define POSTERN_LOG_H

#include <stdbool.h>
#include <stdint.h>
#include <syslog.h>

/* ident: program name; to_stderr: also print to stderr; verbose: log debug. */
void log_open(const char *ident, bool to_stderr, bool verbose);
/* level is a syslog level (LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO, LOG_DEBUG). */
void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Logs at LOG_CRIT and exits(1): only for broken invariants. */
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#define log_err(...) log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARNING, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_NOTICE, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

/* A token bucket for rate-limited log lines: allow `burst` lines, then one
 * per `interval` seconds; `suppressed` counts what was dropped. */
struct ratelimit {
	uint32_t burst;
	uint32_t interval;
	uint64_t window_start;
	uint32_t used;
	uint64_t suppressed;
};

/* True if a line may be logged now. */
bool ratelimit_allow(struct ratelimit *rl, uint64_t now);

#endif

/* log — see log.h. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static bool log_to_stderr;
static bool log_verbose;
static const char *log_ident = "postern";

void log_open(const char *ident, bool to_stderr, bool verbose)
{
	log_ident = ident;
	log_to_stderr = to_stderr;
	log_verbose = verbose;
	/* LOG_NDELAY: connect to /dev/log now, before any chroot hides it. */
	openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

static void log_vmsg(int level, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static void log_vmsg(int level, const char *fmt, va_list ap)
{
	if (level == LOG_DEBUG && !log_verbose)
		return;
	char line[1024];
	vsnprintf(line, sizeof line, fmt, ap);
	syslog(level, "%s", line);
	if (log_to_stderr) {
		struct timespec ts;
		struct tm tm;
		char stamp[32];
		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
		fprintf(stderr, "%s.%03ldZ %s: %s\n", stamp, ts.tv_nsec / 1000000,
			log_ident, line);
	}
}

void log_msg(int level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

void fatal(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_vmsg(LOG_CRIT, fmt, ap);
	va_end(ap);
	exit(1);
}

bool ratelimit_allow(struct ratelimit *rl, uint64_t now)
{
	if (now >= rl->window_start + rl->interval) {
		rl->window_start = now;
		rl->used = 0;
	}
	if (rl->used < rl->burst) {
		rl->used++;
		return true;
	}
	rl->suppressed++;
	return false;
}

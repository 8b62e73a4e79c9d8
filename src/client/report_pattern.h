/* report_pattern — the two findings of `postern report` that compare a
 * user's knocks with the user's own habits (report.h): unusual hours and
 * unusual sources. Internal to report.c's report_analyse. */
#ifndef POSTERN_REPORT_PATTERN_H
#define POSTERN_REPORT_PATTERN_H

#include <stddef.h>

#include "report.h"

/* Adds the hours findings of user u. 0, or -1 if out of memory. */
int report_hours(struct report *r, size_t u);
/* Adds the sources findings of user u. 0, or -1 if out of memory. */
int report_sources(struct report *r, size_t u);

#endif

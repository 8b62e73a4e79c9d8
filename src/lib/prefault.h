/* prefault — fault in a large, fresh allocation in one system call.
 *
 * At 100 000 users the config's arrays are tens of MB written once, front to
 * back, at start-up: a page fault per 4 KiB page (thousands, each a trap,
 * expensive under virtualisation) was a large part of config_load. The
 * kernel populates a range in one call (MADV_POPULATE_WRITE, Linux 5.14)
 * for a fraction of that. Only an optimisation: on an older kernel, or if
 * it fails, the pages fault in as before. */
#ifndef POSTERN_PREFAULT_H
#define POSTERN_PREFAULT_H

#include <stddef.h>

/* Makes the whole pages inside [p, p + bytes) present and writable (their
 * contents unchanged). Ranges below a few pages are left alone. */
void prefault(void *p, size_t bytes);

#endif

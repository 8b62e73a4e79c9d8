/* prefault — fault in a large, fresh allocation at once.
 *
 * At 100 000 users the config's arrays are tens of MB written once, front to
 * back, at start-up; so is the capture child's first tag table. A page
 * fault per 4 KiB page (thousands, each a trap) was a large part of
 * config_load, and in a VM with shadow page tables (this one) the first
 * touch of each small page costs a trap to the hypervisor even when the
 * guest kernel has already populated it: 16 MiB first written in 4 KiB
 * pages took ~30 ms here, in 2 MiB pages under 1 ms (docs/perf-notes/start.md).
 * So: the 2 MiB-aligned middle of the range is asked for in huge pages
 * (MADV_HUGEPAGE: honoured when transparent_hugepage is "madvise" or
 * "always"), and the whole range populated in one call (MADV_POPULATE_WRITE,
 * Linux 5.14). Contents are unchanged. Only an optimisation: on an older
 * kernel, or if either call fails, the pages fault in as before. */
#ifndef POSTERN_PREFAULT_H
#define POSTERN_PREFAULT_H

#include <stddef.h>

/* Makes the whole pages inside [p, p + bytes) present and writable, in
 * huge pages where possible. Ranges below 64 KiB are left alone. */
void prefault(void *p, size_t bytes);

/* The other end: [p, p + bytes) was sized (and prefaulted) for more than
 * turned out to be used; gives the whole pages past p + used back to the
 * kernel (MADV_DONTNEED: they read as zeros if touched again). Spares
 * below 64 KiB are left alone. */
void prefault_release(void *p, size_t used, size_t bytes);

#endif

/* prefault — see prefault.h. */
#include "prefault.h"

#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

/* Below this, a few faults cost less than the call. */
#define PREFAULT_MIN_BYTES (64 * 1024)

void prefault(void *p, size_t bytes)
{
	if (!p || bytes < PREFAULT_MIN_BYTES)
		return;
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t start = ((uintptr_t)p + page - 1) & ~(page - 1);
	uintptr_t end = ((uintptr_t)p + bytes) & ~(page - 1);
	if (end <= start)
		return;
	(void)madvise((void *)start, end - start, MADV_POPULATE_WRITE);
}

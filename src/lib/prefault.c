/* prefault — see prefault.h. */
#include "prefault.h"

#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

/* Below this, a few faults cost less than the calls. */
#define PREFAULT_MIN_BYTES (64 * 1024)
#define HUGE_PAGE (2u << 20)

void prefault(void *p, size_t bytes)
{
	if (!p || bytes < PREFAULT_MIN_BYTES)
		return;
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t start = ((uintptr_t)p + page - 1) & ~(page - 1);
	uintptr_t end = ((uintptr_t)p + bytes) & ~(page - 1);
	if (end <= start)
		return;
	/* The whole 2 MiB pages inside: huge (where the kernel's THP setting
	 * allows it on request), so one fault maps 512 small pages' worth. */
	uintptr_t hstart = (start + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
	uintptr_t hend = end & ~(uintptr_t)(HUGE_PAGE - 1);
	if (hend > hstart)
		(void)madvise((void *)hstart, hend - hstart, MADV_HUGEPAGE);
	(void)madvise((void *)start, end - start, MADV_POPULATE_WRITE);
}

void prefault_release(void *p, size_t used, size_t bytes)
{
	if (!p || used >= bytes || bytes - used < PREFAULT_MIN_BYTES)
		return;
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t start = ((uintptr_t)p + used + page - 1) & ~(page - 1);
	uintptr_t end = ((uintptr_t)p + bytes) & ~(page - 1);
	if (end > start)
		(void)madvise((void *)start, end - start, MADV_DONTNEED);
}

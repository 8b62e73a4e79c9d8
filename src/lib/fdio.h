/* fdio — whole writes to a file descriptor. */
#ifndef POSTERN_FDIO_H
#define POSTERN_FDIO_H

#include <stddef.h>

/* Writes all n bytes of p to fd, going on after EINTR and short writes.
 * 0, or -1 when a write fails or writes nothing (errno from write(); part
 * of p may be written already). */
int fdio_write_all(int fd, const void *p, size_t n) __attribute__((warn_unused_result));

#endif

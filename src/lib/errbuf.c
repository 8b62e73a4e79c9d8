/* errbuf — see errbuf.h. */
#include "errbuf.h"

#include <stdarg.h>
#include <stdio.h>

void errbuf_set(struct errbuf *e, const char *fmt, ...)
{
	if (!e)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
}

/* passphrase — reading a secret pass phrase for RFC 2289 chains: from the
 * terminal without echo (asked twice when it is being set), or from a file
 * ("-" = standard input) for scripts and tests. Never from argv. */
#ifndef POSTERN_PASSPHRASE_H
#define POSTERN_PASSPHRASE_H

#include <stdbool.h>
#include <stddef.h>

#include "errbuf.h"
#include "otp.h"

#define PASSPHRASE_BUF (OTP_PASS_MAX + 2)

/* Fills buf (NUL-terminated, trailing newline removed) and checks the
 * RFC's length rule (OTP_PASS_MIN..OTP_PASS_MAX characters). file: NULL
 * for the terminal. confirm: ask twice on the terminal. 0 or -1 with err.
 * The caller wipes buf. */
int passphrase_read(const char *file, const char *prompt, bool confirm,
	char buf[static PASSPHRASE_BUF], struct errbuf *err);

#endif

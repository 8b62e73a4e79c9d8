/* passphrase — see passphrase.h. */
#include "passphrase.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

/* Reads one line from fd into buf; -1 if it is too long or unreadable. */
static int read_line(int fd, char buf[static PASSPHRASE_BUF])
{
	size_t n = 0;
	for (;;) {
		char ch;
		ssize_t r = read(fd, &ch, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 || ch == '\n')
			break;
		if (n == PASSPHRASE_BUF - 1) {
			sodium_memzero(buf, PASSPHRASE_BUF);
			return -1;
		}
		buf[n++] = ch;
	}
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	return 0;
}

static int ask(int tty, const char *prompt, char buf[static PASSPHRASE_BUF])
{
	struct termios old, quiet;
	bool restore = tcgetattr(tty, &old) == 0;
	if (restore) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
		quiet.c_lflag |= ICANON;
		tcsetattr(tty, TCSAFLUSH, &quiet);
	}
	(void)!write(tty, prompt, strlen(prompt));
	int rc = read_line(tty, buf);
	if (restore)
		tcsetattr(tty, TCSAFLUSH, &old);
	(void)!write(tty, "\n", 1);
	return rc;
}

int passphrase_read(const char *file, const char *prompt, bool confirm,
	char buf[static PASSPHRASE_BUF], struct errbuf *err)
{
	int rc = -1;
	if (file) {
		int fd = strcmp(file, "-") == 0 ? STDIN_FILENO : open(file, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			errbuf_set(err, "%s: %s", file, strerror(errno));
			return -1;
		}
		rc = read_line(fd, buf);
		if (fd != STDIN_FILENO)
			close(fd);
		if (rc < 0)
			errbuf_set(err, "%s: pass phrase longer than %d characters", file,
				OTP_PASS_MAX);
	} else {
		int tty = open("/dev/tty", O_RDWR | O_CLOEXEC);
		if (tty < 0) {
			errbuf_set(err, "no terminal to ask for the pass phrase (use "
				"--passphrase-file FILE, or - for standard input)");
			return -1;
		}
		char again[PASSPHRASE_BUF];
		rc = ask(tty, prompt, buf);
		if (rc == 0 && confirm)
			rc = ask(tty, "Again: ", again);
		if (rc < 0)
			errbuf_set(err, "pass phrase longer than %d characters", OTP_PASS_MAX);
		else if (confirm && strcmp(buf, again) != 0) {
			errbuf_set(err, "the two pass phrases differ");
			rc = -1;
		}
		sodium_memzero(again, sizeof again);
		close(tty);
	}
	if (rc == 0 && strlen(buf) < OTP_PASS_MIN) {
		errbuf_set(err, "pass phrase too short: RFC 2289 requires at least %d "
			"characters", OTP_PASS_MIN);
		rc = -1;
	}
	if (rc < 0)
		sodium_memzero(buf, PASSPHRASE_BUF);
	return rc;
}

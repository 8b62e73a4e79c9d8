/* postern syn-knock — send one one-time token (8 bytes, e.g. from
 * `postern token`) in the header fields of one TCP SYN to a closed port. */
#include <getopt.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <sodium.h>

#include "commands.h"
#include "send_syn.h"

#define TOKEN_HEX_CHARS (2 * SYN_TOKEN_BYTES)

static void syn_usage(FILE *f)
{
	fprintf(f,
		"usage: postern syn-knock --server HOST --port N --token HEX|- [-4|-6] [--quiet]\n"
		"\n"
		"Sends one TCP SYN to HOST's port N (a [daemon] syn_ports port, closed)\n"
		"carrying an 8-byte one-time token: bytes 0-3 as the sequence number,\n"
		"bytes 4-7 as the timestamp option's TSval. The rest of the SYN is what\n"
		"Linux sends. Needs root or CAP_NET_RAW. Nothing answers but the\n"
		"server's kernel (a RST, or nothing): check by connecting afterwards.\n"
		"\n"
		"  -s, --server HOST   the postern server\n"
		"  -p, --port N        the SYN knock port (1..65535)\n"
		"  -t, --token HEX     16 hex digits, as `postern token` prints them for\n"
		"                      `ping -p`; '-' reads them from standard input\n"
		"  -4, -6              use IPv4 or IPv6 only\n"
		"  -q, --quiet         print nothing on success\n"
		"  -h, --help          this help\n");
}

/* 16 hex digits (spaces and a 0x prefix not allowed) into token. */
static bool parse_token(const char *hex, uint8_t token[static SYN_TOKEN_BYTES])
{
	size_t bin_len;
	if (strlen(hex) != TOKEN_HEX_CHARS)
		return false;
	return sodium_hex2bin(token, SYN_TOKEN_BYTES, hex, TOKEN_HEX_CHARS, NULL,
		&bin_len, NULL) == 0 && bin_len == SYN_TOKEN_BYTES;
}

static bool read_token_stdin(char buf[static TOKEN_HEX_CHARS + 2])
{
	if (!fgets(buf, TOKEN_HEX_CHARS + 2, stdin))
		return false;
	buf[strcspn(buf, "\r\n")] = '\0';
	return true;
}

int cmd_syn_knock(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "server", required_argument, NULL, 's' },
		{ "port", required_argument, NULL, 'p' },
		{ "token", required_argument, NULL, 't' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *server = NULL, *port = NULL, *hex = NULL;
	char line[TOKEN_HEX_CHARS + 2];
	int family = AF_UNSPEC, ch;
	bool quiet = false;
	uint8_t token[SYN_TOKEN_BYTES];
	struct errbuf err;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "s:p:t:46qh", longopts, NULL)) != -1) {
		switch (ch) {
		case 's': server = optarg; break;
		case 'p': port = optarg; break;
		case 't': hex = optarg; break;
		case '4': family = AF_INET; break;
		case '6': family = AF_INET6; break;
		case 'q': quiet = true; break;
		case 'h': syn_usage(stdout); return EXIT_OK;
		default: syn_usage(stderr); return EXIT_USAGE;
		}
	}
	char *end = NULL;
	unsigned long dport = port ? strtoul(port, &end, 10) : 0;
	if (!server || !hex || optind != argc || !port || *end || dport < 1 || dport > 65535) {
		syn_usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(hex, "-") == 0) {
		if (!read_token_stdin(line)) {
			fprintf(stderr, "postern syn-knock: no token on standard input\n");
			return EXIT_USAGE;
		}
		hex = line;
	}
	if (!parse_token(hex, token)) {
		fprintf(stderr, "postern syn-knock: the token must be %d hex digits\n",
			TOKEN_HEX_CHARS);
		return EXIT_USAGE;
	}
	int rc = syn_send_token(server, (uint16_t)dport, family, token, &err);
	sodium_memzero(token, sizeof token);
	sodium_memzero(line, sizeof line);
	if (rc < 0) {
		fprintf(stderr, "postern syn-knock: %s\n", err.msg);
		return EXIT_NETWORK;
	}
	if (!quiet)
		printf("sent one SYN to %s port %lu\n", server, dport);
	return EXIT_OK;
}

/* postern token — one-time tokens (HOTP/TOTP) for machines without postern.
 *
 * Prints a sheet (S/Key style) of the next tokens: for each counter or time
 * slot the numeric code (as an authenticator app or oathtool shows it), the
 * 8-byte binary token bound to the action, and the exact ping, dig and knock
 * commands that send it. With --init, creates the token secret and prints
 * the otpauth:// URI for an authenticator app and the config lines. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sodium.h>

#include "base32.h"
#include "commands.h"
#include "keyfile.h"
#include "otpauth.h"
#include "tokenkey.h"

#define DEFAULT_COUNT 5
#define COUNT_MAX 1000
#define ISSUER "postern"

struct token_opts {
	const char *user, *key, *server, *zone;
	char key_buf[PATH_MAX];
	struct token_conf t;
	uint64_t counter; /* HOTP: first counter */
	uint64_t start; /* TOTP: time of the first slot */
	unsigned count;
	bool init;
};

static void token_usage(FILE *f)
{
	fprintf(f,
		"usage: postern token --user NAME [--key FILE] [--mode hotp|totp]\n"
		"                     [--counter N | --time UNIX] [--count N]\n"
		"                     [--server HOST] [--zone ZONE] [--ports LO-HI]\n"
		"                     [--open tcp/22] [--hash sha1] [--digits 6] [--step 30]\n"
		"       postern token --init --user NAME [--key FILE] [--mode ...]\n"
		"\n"
		"Prints the next one-time tokens of NAME as a sheet: counter (HOTP) or\n"
		"time slot (TOTP), the numeric code an authenticator app shows, the\n"
		"8-byte token bound to the action, and the commands that send each one\n"
		"from a machine without postern (ping -p, dig, knock). Each token opens\n"
		"the door once; the settings must match the server's [user] token keys.\n"
		"\n"
		"  -u, --user NAME      the user ([A-Za-z0-9._-])\n"
		"  -k, --key FILE       token secret (default ~/.config/postern/NAME.token)\n"
		"  -m, --mode MODE      hotp (counter) or totp (time; default)\n"
		"  -c, --counter N      HOTP: first counter on the sheet (default 0)\n"
		"  -t, --time UNIX      TOTP: first slot's time (default now)\n"
		"  -n, --count N        how many tokens (default %d, at most %d)\n"
		"  -s, --server HOST    the host to knock (default HOST in the commands)\n"
		"  -z, --zone ZONE      DNS knock zone: print dig commands\n"
		"  -p, --ports LO-HI    token_ports range: print knock commands\n"
		"  -o, --open PORT      the action the token is bound to (default tcp/22)\n"
		"      --hash H         sha1 (default), sha256 or sha512\n"
		"      --digits N       numeric code length, 6..10 (default 6)\n"
		"      --step S         TOTP time step in seconds (default 30)\n"
		"  -i, --init           create the secret (mode 0600, never overwritten)\n"
		"                       and print the otpauth:// URI and config lines\n"
		"  -h, --help           this help\n",
		DEFAULT_COUNT, COUNT_MAX);
}

static bool parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v > max)
		return false;
	*out = v;
	return true;
}

static bool parse_range(const char *s, uint16_t *lo, uint16_t *hi)
{
	uint64_t a, b;
	char first[8];
	const char *dash = strchr(s, '-');
	if (!dash || (size_t)(dash - s) >= sizeof first)
		return false;
	memcpy(first, s, (size_t)(dash - s));
	first[dash - s] = '\0';
	if (!parse_u64(first, 65535, &a) || !parse_u64(dash + 1, 65535, &b) ||
		a == 0 || b < a + TOKEN_PORT_SPAN_MIN - 1)
		return false;
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return true;
}

/* Parses argv into o; returns -1 to go on, or an exit status. */
static int parse_args(int argc, char **argv, struct token_opts *o)
{
	enum { OPT_HASH = 256, OPT_DIGITS, OPT_STEP };
	static const struct option longopts[] = {
		{ "user", required_argument, NULL, 'u' },
		{ "key", required_argument, NULL, 'k' },
		{ "mode", required_argument, NULL, 'm' },
		{ "counter", required_argument, NULL, 'c' },
		{ "time", required_argument, NULL, 't' },
		{ "count", required_argument, NULL, 'n' },
		{ "server", required_argument, NULL, 's' },
		{ "zone", required_argument, NULL, 'z' },
		{ "ports", required_argument, NULL, 'p' },
		{ "open", required_argument, NULL, 'o' },
		{ "hash", required_argument, NULL, OPT_HASH },
		{ "digits", required_argument, NULL, OPT_DIGITS },
		{ "step", required_argument, NULL, OPT_STEP },
		{ "init", no_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t v;
	enum otp_hash h;
	int ch;

	o->t.mode = TOKEN_TOTP;
	o->t.digits = TOKEN_DEFAULT_DIGITS;
	o->t.step = TOKEN_DEFAULT_STEP;
	o->t.open = (struct portspec){ .proto = IPPROTO_TCP, .port = 22 };
	o->count = DEFAULT_COUNT;
	o->start = (uint64_t)time(NULL);
	optind = 1;
	while ((ch = getopt_long(argc, argv, "u:k:m:c:t:n:s:z:p:o:ih", longopts,
		NULL)) != -1) {
		bool ok = true;
		switch (ch) {
		case 'u': o->user = optarg; break;
		case 'k': o->key = optarg; break;
		case 'm':
			ok = !strcmp(optarg, "hotp") || !strcmp(optarg, "totp");
			o->t.mode = !strcmp(optarg, "hotp") ? TOKEN_HOTP : TOKEN_TOTP;
			break;
		case 'c': ok = parse_u64(optarg, UINT64_MAX - COUNT_MAX, &o->counter); break;
		case 't': ok = parse_u64(optarg, UINT64_MAX / 2, &o->start); break;
		case 'n':
			ok = parse_u64(optarg, COUNT_MAX, &v) && v > 0;
			o->count = (unsigned)v;
			break;
		case 's': o->server = optarg; break;
		case 'z': o->zone = optarg; break;
		case 'p': ok = parse_range(optarg, &o->t.port_lo, &o->t.port_hi); break;
		case 'o': ok = portspec_parse(optarg, &o->t.open); break;
		case OPT_HASH:
			ok = otp_hash_parse(optarg, &h);
			o->t.hash = (uint8_t)h;
			break;
		case OPT_DIGITS:
			ok = parse_u64(optarg, OTP_DIGITS_MAX, &v) && v >= OTP_DIGITS_MIN;
			o->t.digits = (uint8_t)v;
			break;
		case OPT_STEP:
			ok = parse_u64(optarg, TOKEN_STEP_MAX, &v) && v > 0;
			o->t.step = (uint32_t)v;
			break;
		case 'i': o->init = true; break;
		case 'h': token_usage(stdout); return EXIT_OK;
		default: token_usage(stderr); return EXIT_USAGE;
		}
		if (!ok) {
			fprintf(stderr, "postern token: bad value '%s' for -%c\n",
				optarg, ch < 256 ? ch : '-');
			return EXIT_USAGE;
		}
	}
	if (optind != argc || !o->user || !keyfile_user_valid(o->user)) {
		fprintf(stderr, "postern token: %s\n", optind != argc ?
			"unexpected argument" : "--user NAME is required (a valid name)");
		token_usage(stderr);
		return EXIT_USAGE;
	}
	if (!o->key) {
		/* NAME.key's place, with the .token suffix. */
		if (!default_key_path(o->user, o->key_buf, sizeof o->key_buf - 2)) {
			fprintf(stderr, "postern token: no home directory; use --key\n");
			return EXIT_USAGE;
		}
		strcpy(o->key_buf + strlen(o->key_buf) - 3, "token");
		o->key = o->key_buf;
	}
	return -1;
}

static int token_init(struct token_opts *o)
{
	static const size_t bytes[] = { [OTP_HASH_SHA1] = 20,
		[OTP_HASH_SHA256] = 32, [OTP_HASH_SHA512] = 64 };
	struct errbuf err;
	char uri[512], port[PORTSPEC_STRLEN];
	o->t.secret_len = bytes[o->t.hash];
	randombytes_buf(o->t.secret, o->t.secret_len);
	if (tokenkey_write(o->key, o->user, o->t.secret, o->t.secret_len, &err) < 0) {
		fprintf(stderr, "postern token: %s\n", err.msg);
		return EXIT_KEY;
	}
	if (!tokenkey_uri(&o->t, ISSUER, o->user, 0, uri, sizeof uri)) {
		fprintf(stderr, "postern token: URI too long\n");
		return EXIT_FAILURE_GENERIC;
	}
	printf("Token secret written to %s (mode 0600).\n\n"
		"For an authenticator app (as a QR code: qrencode -t ansiutf8 'URI'):\n"
		"  %s\n\n"
		"Copy the file to the server (mode 0600, owner root) and add to the\n"
		"[user %s] section of postern.conf:\n"
		"  token = %s\n  token_key = /etc/postern/users/%s.token\n"
		"  token_open = %s\n", o->key, uri, o->user,
		o->t.mode == TOKEN_HOTP ? "hotp" : "totp", o->user,
		portspec_format(&o->t.open, port));
	if (o->t.hash != OTP_HASH_SHA1)
		printf("  token_hash = %s\n", otp_hash_name(o->t.hash));
	if (o->t.digits != TOKEN_DEFAULT_DIGITS)
		printf("  token_digits = %u\n", o->t.digits);
	if (o->t.mode == TOKEN_TOTP && o->t.step != TOKEN_DEFAULT_STEP)
		printf("  token_step = %u\n", o->t.step);
	sodium_memzero(uri, sizeof uri);
	return EXIT_OK;
}

static void print_entry(const struct token_opts *o, uint64_t n)
{
	const struct token_conf *t = &o->t;
	const char *host = o->server ? o->server : "HOST";
	char code[OTP_CODE_STRLEN], hex[2 * TOKEN_BYTES + 1];
	char label[BASE32_LEN(TOKEN_BYTES) + 1];
	uint8_t tok[TOKEN_BYTES];
	uint16_t ports[TOKEN_PORTS];

	otp_code_format(otp_hotp(t->hash, t->secret, t->secret_len, n, t->digits),
		t->digits, code);
	token_binary(t->hash, t->secret, t->secret_len, t->mode, n, &t->open, tok);
	sodium_bin2hex(hex, sizeof hex, tok, sizeof tok);
	base32_encode(tok, sizeof tok, label, sizeof label);

	if (t->mode == TOKEN_TOTP) {
		char when[32];
		time_t from = (time_t)(n * t->step);
		strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", gmtime(&from));
		printf("%-12llu %-10s %s   (from %s, for %u s)\n",
			(unsigned long long)n, code, hex, when, t->step);
	} else {
		printf("%-12llu %-10s %s\n", (unsigned long long)n, code, hex);
	}
	printf("    ping -c1 -p %s %s\n", hex, host);
	/* Straight to the server (dns = sniff): a token names no target, so
	 * one that went through a resolver would be refused. */
	if (o->zone) {
		printf("    dig @%s %s.%s\n", host, label, o->zone);
		printf("    dig @%s %s.%s.%s\n", host, code, o->user, o->zone);
	}
	if (t->port_lo && token_ports(tok, t->port_lo, t->port_hi, ports))
		printf("    knock %s %u %u %u %u\n", host, ports[0], ports[1],
			ports[2], ports[3]);
	printf("    printf '%s:%s' | nc -u -w1 %s 62201\n", o->user, code, host);
	sodium_memzero(tok, sizeof tok);
	sodium_memzero(code, sizeof code);
	sodium_memzero(hex, sizeof hex);
}

int cmd_token(int argc, char **argv)
{
	struct token_opts o;
	struct errbuf err;
	char port[PORTSPEC_STRLEN];
	memset(&o, 0, sizeof o);
	int rc = parse_args(argc, argv, &o);
	if (rc >= 0)
		return rc;
	if (o.init) {
		rc = token_init(&o);
		sodium_memzero(&o.t, sizeof o.t);
		return rc;
	}
	if (tokenkey_read(o.key, o.t.secret, &o.t.secret_len, &err) < 0) {
		fprintf(stderr, "postern token: %s\n", err.msg);
		return EXIT_KEY;
	}
	uint64_t first = o.t.mode == TOKEN_HOTP ? o.counter :
		otp_totp_slot(o.start, 0, o.t.step);
	printf("# postern token sheet: user %s, %s-%s, %u digits, opens %s\n"
		"# each line works once; %s\n"
		"# %-10s %-10s %s\n", o.user,
		o.t.mode == TOKEN_HOTP ? "hotp" : "totp", otp_hash_name(o.t.hash),
		o.t.digits, portspec_format(&o.t.open, port),
		o.t.mode == TOKEN_HOTP ? "use them in order (skipping is fine, "
		"going back is not)" : "a slot's token works only near its time",
		o.t.mode == TOKEN_HOTP ? "counter" : "slot", "code", "token");
	for (unsigned i = 0; i < o.count; i++)
		print_entry(&o, first + i);
	sodium_memzero(&o.t, sizeof o.t);
	return EXIT_OK;
}

/* postern otp — RFC 2289 one-time password chains: set one up on the
 * server (init), print the next responses with the commands that send them
 * (next), or a sheet to print (list). A table of sub-subcommands.
 *
 * The server stores only the chain's end (otp(N)) and from then on the last
 * accepted response: init needs the pass phrase once to compute otp(N);
 * next and list need it every time. Any RFC 2289 calculator computes the
 * same responses from the challenge ("otp-md5 499 ssh22") and the pass
 * phrase, so users without postern can knock too. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <sodium.h>

#include "admin.h"
#include "commands.h"
#include "otp.h"
#include "otpchain.h"
#include "passphrase.h"

#define DEFAULT_LIST 20
#define MAX_LIST 200
#define DEFAULT_KNOCK_PORT 62201

struct opts {
	const char *user, *config, *state, *seed, *alg, *open, *passfile;
	const char *challenge, *server, *zone;
	long count;
	bool count_set;
};

/* A chain as the commands see it: where the next response comes from. */
struct chain_view {
	enum otp_alg alg;
	char seed[OTP_SEED_MAX + 1];
	uint32_t next_seq; /* sequence number of the next response */
	struct portspec open; /* open.port == 0: unknown (from a challenge) */
	unsigned knock_port;
};

static void otp_usage(FILE *f)
{
	fprintf(f,
		"usage: postern otp init --user NAME --seed SEED --count N [options]\n"
		"       postern otp next --user NAME [--count K] [options]\n"
		"       postern otp next --challenge 'otp-md5 499 ssh22' [options]\n"
		"       postern otp list --user NAME [--count K] [options]\n"
		"\n"
		"RFC 2289 one-time passwords (MD5 or SHA1 hash chains, six words or hex).\n"
		"Each chain belongs to one user and opens exactly one door; its seed names\n"
		"it (e.g. ssh22), so any RFC 2289 calculator answering 'otp-md5 499 ssh22'\n"
		"opens only that door.\n"
		"\n"
		"  init   set up (or replace) a chain on the server: writes its end to the\n"
		"         daemon's state store; restart posternd to load it\n"
		"  next   print the next response(s) and the commands that send them\n"
		"  list   print a sheet of the next responses (default %d)\n"
		"\n"
		"  -u, --user NAME            the user ([user NAME] in the config)\n"
		"  -c, --config FILE          the daemon's config (default " ADMIN_DEFAULT_CONFIG ")\n"
		"  -S, --state FILE           the state store (default: the config's state)\n"
		"  -o, --open PROTO/PORT      the chain's door (default: the user's only otp_open)\n"
		"  -s, --seed SEED            init: 1..16 letters and digits, new for each init\n"
		"  -n, --count N              init: chain length (1..%d); next/list: how many\n"
		"  -H, --hash md5|sha1        init: the hash (default: the config's otp)\n"
		"  -p, --passphrase-file FILE read the pass phrase from FILE (- = stdin)\n"
		"                             instead of asking on the terminal (twice for init)\n"
		"  -C, --challenge TEXT       next/list: compute from a challenge, no server files\n"
		"      --server HOST          next: the host to show in the commands\n"
		"      --zone ZONE            next: the DNS knock zone to show\n"
		"  -h, --help                 this help\n"
		"\n"
		"The pass phrase needs at least %d characters. MD5 and SHA1 are used only\n"
		"because RFC 2289 requires them; see docs/modes.md for what OTP knocks resist.\n",
		DEFAULT_LIST, OTP_SEQ_MAX, OTP_PASS_MIN);
}

static int parse(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "user", required_argument, NULL, 'u' },
		{ "config", required_argument, NULL, 'c' },
		{ "state", required_argument, NULL, 'S' },
		{ "open", required_argument, NULL, 'o' },
		{ "seed", required_argument, NULL, 's' },
		{ "count", required_argument, NULL, 'n' },
		{ "hash", required_argument, NULL, 'H' },
		{ "passphrase-file", required_argument, NULL, 'p' },
		{ "challenge", required_argument, NULL, 'C' },
		{ "server", required_argument, NULL, 'R' },
		{ "zone", required_argument, NULL, 'Z' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;
	char *end;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "u:c:S:o:s:n:H:p:C:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'u': o->user = optarg; break;
		case 'c': o->config = optarg; break;
		case 'S': o->state = optarg; break;
		case 'o': o->open = optarg; break;
		case 's': o->seed = optarg; break;
		case 'H': o->alg = optarg; break;
		case 'p': o->passfile = optarg; break;
		case 'C': o->challenge = optarg; break;
		case 'R': o->server = optarg; break;
		case 'Z': o->zone = optarg; break;
		case 'n':
			errno = 0;
			o->count = strtol(optarg, &end, 10);
			if (errno || *end || o->count < 1 || o->count > OTP_SEQ_MAX) {
				fprintf(stderr, "postern otp: bad count '%s' (1..%d)\n", optarg,
					OTP_SEQ_MAX);
				return -1;
			}
			o->count_set = true;
			break;
		case 'h': otp_usage(stdout); exit(EXIT_OK);
		default: return -1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "postern otp: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	return 0;
}

/* The user's door for this chain: --open, or the only otp_open. */
static int pick_door(const struct opts *o, const struct config_user *u,
	struct portspec *door)
{
	if (o->open) {
		if (!portspec_parse(o->open, door)) {
			fprintf(stderr, "postern otp: bad --open '%s' (tcp/N or udp/N)\n", o->open);
			return -1;
		}
		if (!u)
			return 0;
		for (size_t i = 0; i < u->prof->otp->nopen; i++)
			if (portspec_equal(&u->prof->otp->open[i], door))
				return 0;
		fprintf(stderr, "postern otp: %s is not in user %s's otp_open\n",
			o->open, u->name);
		return -1;
	}
	if (u && u->prof->otp->nopen == 1) {
		*door = u->prof->otp->open[0];
		return 0;
	}
	fprintf(stderr, "postern otp: say which door with --open PROTO/PORT%s\n",
		u ? " (the user has several otp_open)" : "");
	return -1;
}

/* Reads the config (unless only --state is given) and finds the user. */
static int server_side(const struct opts *o, struct config **c,
	const struct config_user **u, struct state **st, bool create)
{
	struct errbuf err;
	*c = NULL;
	*u = NULL;
	if (!o->state || o->config) {
		*c = admin_config(o->config ? o->config : ADMIN_DEFAULT_CONFIG, &err);
		if (!*c) {
			fprintf(stderr, "postern otp: %s\n", err.msg);
			return -1;
		}
		*u = config_find_user(*c, o->user);
		if (!*u) {
			fprintf(stderr, "postern otp: no [user %s] in %s\n", o->user, (*c)->path);
			return -1;
		}
		if ((*u)->prof->otp->alg == OTP_ALG_NONE) {
			fprintf(stderr, "postern otp: user %s has no otp = md5|sha1 in %s\n",
				o->user, (*c)->path);
			return -1;
		}
	}
	if (admin_state(*c, o->state, create, st, &err) < 0) {
		fprintf(stderr, "postern otp: %s\n", err.msg);
		return -1;
	}
	return 0;
}

static int run_init(struct opts *o)
{
	struct config *c;
	const struct config_user *u;
	struct state *st = NULL;
	struct otp_chain ch, old;
	struct errbuf err;
	char pass[PASSPHRASE_BUF], pbuf[PORTSPEC_STRLEN];
	enum otp_alg alg = OTP_ALG_NONE;
	bool found;
	int rc = EXIT_FAILURE_GENERIC;

	if (!o->user || !o->seed || !o->count_set) {
		fprintf(stderr, "postern otp init: --user, --seed and --count are required\n");
		return EXIT_USAGE;
	}
	if (!otp_seed_valid(o->seed)) {
		fprintf(stderr, "postern otp init: bad seed '%s' (1..%d letters and digits)\n",
			o->seed, OTP_SEED_MAX);
		return EXIT_USAGE;
	}
	if (o->alg && !otp_alg_parse(o->alg, &alg)) {
		fprintf(stderr, "postern otp init: --hash must be md5 or sha1\n");
		return EXIT_USAGE;
	}
	if (server_side(o, &c, &u, &st, true) < 0)
		goto out;
	memset(&ch, 0, sizeof ch);
	if (pick_door(o, u, &ch.open) < 0)
		goto out;
	if (u && alg != OTP_ALG_NONE && alg != u->prof->otp->alg) {
		fprintf(stderr, "postern otp init: the config says otp = %s for %s\n",
			otp_alg_name(u->prof->otp->alg), u->name);
		goto out;
	}
	if (alg == OTP_ALG_NONE)
		alg = u ? (enum otp_alg)u->prof->otp->alg : OTP_ALG_MD5;
	/* A chain must never repeat an old one: the same seed and pass phrase
	 * would make sniffed responses valid again. */
	if (otpchain_load(st, o->user, &ch.open, &old, &found, &err) < 0) {
		fprintf(stderr, "postern otp init: %s\n", err.msg);
		goto out;
	}
	if (found && strcasecmp(old.seed, o->seed) == 0) {
		fprintf(stderr, "postern otp init: seed %s is the current chain's; choose "
			"a new seed (e.g. %s%u)\n", o->seed, o->seed, old.generation + 1);
		goto out;
	}
	for (size_t i = 0; u && i < u->prof->otp->nopen; i++) {
		struct otp_chain other;
		bool have;
		if (portspec_equal(&u->prof->otp->open[i], &ch.open))
			continue;
		if (otpchain_load(st, o->user, &u->prof->otp->open[i], &other, &have,
			&err) == 0 && have && strcasecmp(other.seed, o->seed) == 0) {
			fprintf(stderr, "postern otp init: seed %s already names %s's chain "
				"for %s; each door needs its own seed\n", o->seed, o->user,
				portspec_format(&other.open, pbuf));
			goto out;
		}
	}
	if (passphrase_read(o->passfile, "Secret pass phrase: ", true, pass, &err) < 0) {
		fprintf(stderr, "postern otp init: %s\n", err.msg);
		goto out;
	}
	snprintf(ch.user, sizeof ch.user, "%s", o->user);
	snprintf(ch.seed, sizeof ch.seed, "%s", o->seed);
	ch.alg = (uint8_t)alg;
	ch.seq = (uint32_t)o->count;
	ch.generation = found ? old.generation + 1 : 1;
	ch.used = 0;
	int crc = otp_compute(alg, o->seed, pass, strlen(pass), ch.seq, ch.value);
	sodium_memzero(pass, sizeof pass);
	if (crc < 0)
		goto out;

	char key[REQUEST_POSITION_KEY_MAX];
	uint8_t blob[REQUEST_BLOB_MAX];
	otpchain_key(&ch.open, key);
	size_t blen = otpchain_blob(&ch, blob);
	struct state_commit sc = { .user = o->user, .position_key = key,
		.position = otpchain_position(&ch), .blob = blob, .blob_len = blen };
	if (state_commit(st, &sc, &err) != STATE_FRESH) {
		fprintf(stderr, "postern otp init: could not store the chain: %s\n",
			err.msg[0] ? err.msg : "a newer chain is stored");
		goto out;
	}
	printf("Chain set up for %s, door %s: %u responses, otp-%s, seed %s%s.\n",
		o->user, portspec_format(&ch.open, pbuf), ch.seq, otp_alg_name(alg),
		ch.seed, found ? " (replaces the previous chain)" : "");
	printf("First challenge: otp-%s %u %s\n", otp_alg_name(alg), ch.seq - 1, ch.seed);
	printf("Restart posternd to load it; print a sheet with: postern otp list "
		"--user %s\n", o->user);
	rc = EXIT_OK;
out:
	state_close(st);
	config_free(c);
	return rc;
}

/* Where next/list compute from: a challenge, or the server's files. */
static int resolve(const struct opts *o, struct chain_view *v)
{
	memset(v, 0, sizeof *v);
	v->knock_port = DEFAULT_KNOCK_PORT;
	if (o->challenge) {
		if (!otp_challenge_parse(o->challenge, &v->alg, &v->next_seq, v->seed)) {
			fprintf(stderr, "postern otp: bad challenge '%s' (expected e.g. "
				"'otp-md5 499 ssh22')\n", o->challenge);
			return EXIT_USAGE;
		}
		return EXIT_OK;
	}
	if (!o->user) {
		fprintf(stderr, "postern otp: --user NAME or --challenge TEXT is required\n");
		return EXIT_USAGE;
	}
	struct config *c;
	const struct config_user *u;
	struct state *st = NULL;
	struct otp_chain ch;
	struct errbuf err;
	bool found = false;
	int rc = EXIT_FAILURE_GENERIC;
	if (server_side(o, &c, &u, &st, false) < 0 || pick_door(o, u, &v->open) < 0)
		goto out;
	if (c && c->nknock_ports)
		v->knock_port = c->knock_ports[0].port;
	if (st && otpchain_load(st, o->user, &v->open, &ch, &found, &err) < 0) {
		fprintf(stderr, "postern otp: %s\n", err.msg);
		goto out;
	}
	if (!found) {
		char p[PORTSPEC_STRLEN];
		fprintf(stderr, "postern otp: user %s has no chain for %s (postern otp "
			"init)\n", o->user, portspec_format(&v->open, p));
		goto out;
	}
	if (ch.seq == 0) {
		fprintf(stderr, "postern otp: the chain is used up; set up a new one "
			"with postern otp init\n");
		goto out;
	}
	v->alg = ch.alg;
	v->next_seq = ch.seq - 1;
	snprintf(v->seed, sizeof v->seed, "%s", ch.seed);
	rc = EXIT_OK;
out:
	state_close(st);
	config_free(c);
	return rc;
}

/* Responses for sequence numbers first, first-1, ... (n of them) into out,
 * computing the chain once. */
static int compute(const struct chain_view *v, const char *pass, uint32_t n,
	uint8_t (*out)[OTP_BYTES])
{
	uint32_t lowest = v->next_seq - (n - 1);
	if (otp_compute(v->alg, v->seed, pass, strlen(pass), lowest, out[n - 1]) < 0)
		return -1;
	for (uint32_t i = n - 1; i > 0; i--)
		otp_step(v->alg, out[i], out[i - 1]);
	return 0;
}

static int run_show(struct opts *o, bool sheet)
{
	struct chain_view v;
	struct errbuf err;
	char pass[PASSPHRASE_BUF];
	int rc = resolve(o, &v);
	if (rc != EXIT_OK)
		return rc;
	uint32_t n = o->count_set ? (uint32_t)o->count : sheet ? DEFAULT_LIST : 1;
	if (n > MAX_LIST)
		n = MAX_LIST;
	if (n > v.next_seq + 1)
		n = v.next_seq + 1; /* down to sequence number 0 */
	if (passphrase_read(o->passfile, "Secret pass phrase: ", false, pass, &err) < 0) {
		fprintf(stderr, "postern otp: %s\n", err.msg);
		return EXIT_FAILURE_GENERIC;
	}
	uint8_t (*vals)[OTP_BYTES] = calloc(n, OTP_BYTES);
	if (!vals || compute(&v, pass, n, vals) < 0) {
		sodium_memzero(pass, sizeof pass);
		free(vals);
		fprintf(stderr, "postern otp: cannot compute the chain\n");
		return EXIT_FAILURE_GENERIC;
	}
	sodium_memzero(pass, sizeof pass);
	char door[PORTSPEC_STRLEN] = "?";
	if (v.open.port)
		portspec_format(&v.open, door);
	if (sheet)
		printf("postern one-time passwords: user %s, door %s, otp-%s, seed %s\n"
			"Use them in order and cross each out; after a lost one the next still\n"
			"works (within the server's otp_lookahead).\n\n  seq  %-30s hex\n",
			o->user ? o->user : "?", door, otp_alg_name(v.alg), v.seed, "six words");
	for (uint32_t i = 0; i < n; i++) {
		char hex[OTP_HEX_BUF], words[OTP_WORDS_BUF], dns[OTP_WORDS_BUF];
		otp_format_hex(vals[i], hex);
		otp_format_words(vals[i], ' ', words);
		otp_format_words(vals[i], '-', dns);
		for (char *p = dns; *p; p++)
			*p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
		if (sheet) {
			printf("%5u  %-30s %s\n", v.next_seq - i, words, hex);
			continue;
		}
		printf("otp-%s %u %s\n  words: %s\n  hex:   %s\n", otp_alg_name(v.alg),
			v.next_seq - i, v.seed, words, hex);
		printf("  udp:   echo '%s' | nc -u -w1 %s %u\n", words,
			o->server ? o->server : "SERVER", v.knock_port);
		/* Straight to the server: OTP words name no target. */
		printf("  dns:   dig @%s %s.%s\n", o->server ? o->server : "SERVER", dns,
			o->zone ? o->zone : "KNOCK-ZONE");
	}
	sodium_memzero(vals, (size_t)n * OTP_BYTES);
	free(vals);
	return EXIT_OK;
}

static int run_next(struct opts *o) { return run_show(o, false); }
static int run_list(struct opts *o) { return run_show(o, true); }

static const struct {
	const char *name;
	int (*run)(struct opts *o);
} subs[] = {
	{ "init", run_init },
	{ "next", run_next },
	{ "list", run_list },
};

int cmd_otp(int argc, char **argv)
{
	struct opts o = { 0 };
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		otp_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++) {
		if (strcmp(argv[1], subs[i].name) != 0)
			continue;
		if (parse(argc - 1, argv + 1, &o) < 0) {
			otp_usage(stderr);
			return EXIT_USAGE;
		}
		return subs[i].run(&o);
	}
	fprintf(stderr, "postern otp: unknown subcommand '%s'\n", argv[1]);
	otp_usage(stderr);
	return EXIT_USAGE;
}

/* postern knock — build, seal and send one single-packet knock (UDP). */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "commands.h"
#include "dynclient.h"
#include "dynfile.h"
#include "keyfile.h"
#include "knock.h"
#include "knocksig.h"
#include "passkey.h"
#include "sender.h"
#include "trigmap.h"

#define DEFAULT_KNOCK_PORT "62201"
#define DEFAULT_LEASE_SECONDS 30
#define MAX_LEASE_SECONDS 65535

struct knock_opts {
	const char *server;
	const char *user;
	const char *key_path;
	const char *port;
	const char *target; /* "source", "auto" or an address */
	const char *via; /* sender name */
	struct sender_opts send;
	bool quiet;
	bool dynamic; /* --dynamic: wait for the reply with the next knock */
	bool next; /* --next: send the stored next knock */
	unsigned wait_ms;
	const char *next_path; /* --next-file */
	bool no_sign; /* --no-sign: do not sign even with a signing key */
	const char *trigger; /* --trigger NAME|ID: fire it instead of opening */
	const char *trigger_map;
	const char *pass_file; /* --passphrase-file, for a passphrase-derived key */
	long clock_offset; /* --clock-offset: seconds added to this host's clock */
	struct knock k;
};

static void knock_usage(FILE *f)
{
	fprintf(f,
		"usage: postern knock --server HOST --user NAME --open PROTO/PORT\n"
		"                     [--open ...] [--lease 30s] [--target source|auto|ADDR]\n"
		"                     [--port 62201] [--key FILE] [-4|-6] [--quiet]\n"
		"                     [--via udp|...] [--zone ZONE] [--resolver ADDR]\n"
		"\n"
		"Sends one encrypted, one-time knock asking HOST to open ports\n"
		"for a while. Nothing is answered: check by connecting afterwards.\n"
		"\n"
		"  -s, --server HOST   the postern server (name or address)\n"
		"  -u, --user NAME     your user name on that server\n"
		"  -o, --open P/N      a port to open, e.g. tcp/22 (up to %d, repeatable)\n"
		"  -l, --lease TIME    how long the door stays open: 30s, 5m, 1h (default 30s)\n"
		"  -t, --target WHAT   which address to open for: 'source' (default: the\n"
		"                      address the server sees), 'auto' (this host's own\n"
		"                      address towards the server, named in the knock), or\n"
		"                      an explicit address (the server's policy must allow it)\n"
		"  -p, --port N        the server's knock port (default " DEFAULT_KNOCK_PORT ")\n"
		"  -k, --key FILE      key file (default ~/.config/postern/NAME.key)\n"
		"  -4, -6              use IPv4 or IPv6 only\n"
		"  -V, --via CARRIER   how the knock travels:\n", KNOCK_MAX_PORTS);
	senders_describe(f);
	fprintf(f,
		"  -z, --zone ZONE     DNS: the server's knock sub-domain (its dns_zone)\n"
		"  -r, --resolver ADDR DNS: send the query to this recursive resolver\n"
		"                      (default: straight to the server's port 53);\n"
		"                      needs --target, since the server sees the resolver\n"
		"  -T, --trigger WHAT  fire a server event instead of opening a port:\n"
		"                      a trigger id 1..255, or a name from the trigger\n"
		"                      map (--trigger-map, default\n"
		"                      ~/.config/postern/triggers: \"NAME ID\" lines)\n"
		"  -a, --arg ARG       the trigger's argument (1..16 printable characters;\n"
		"                      the server checks it against its pattern)\n"
		"  -M, --trigger-map FILE  where trigger names are looked up\n"
		"      --no-sign       do not sign the knock (by default it is signed when\n"
		"                      the key file has a sign-secret and the carrier can\n"
		"                      carry the signature: udp, icmp)\n"
		"  -D, --dynamic[=MS]  ask for the server's encrypted reply (users with\n"
		"                      dynamic = yes; udp only), wait MS ms for it (default\n"
		"                      %d) and store the next knock it names\n"
		"  -N, --next          send the stored next knock (a one-time port\n"
		"                      sequence) instead; --server and --open not needed\n"
		"      --passphrase-file FILE  for a passphrase-derived key (keygen\n"
		"                      --passphrase): read the passphrase from FILE (- =\n"
		"                      stdin) instead of asking on the terminal; deriving\n"
		"                      the key takes about 0.1-1 s, as costed at keygen\n"
		"  -F, --next-file F   where the next knock is kept (default: the key\n"
		"                      file with .next for .key, mode 0600)\n"
		"      --clock-offset S  add S seconds (signed) to this host's clock for the\n"
		"                      knock's timestamp: for a clock known to be off\n"
		"  -q, --quiet         print nothing on success\n"
		"  -h, --help          this help\n", DYNCLIENT_DEFAULT_WAIT_MS);
}

static int add_ports(struct knock *k, const char *list)
{
	char buf[256];
	snprintf(buf, sizeof buf, "%s", list);
	for (char *save, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ')
			tok++;
		if (k->nports == KNOCK_MAX_PORTS) {
			fprintf(stderr, "postern knock: at most %d ports per knock\n", KNOCK_MAX_PORTS);
			return -1;
		}
		if (!portspec_parse(tok, &k->ports[k->nports])) {
			fprintf(stderr, "postern knock: bad port '%s' (expected tcp/N or udp/N)\n", tok);
			return -1;
		}
		k->nports++;
	}
	return 0;
}

static int parse_knock_opts(int argc, char **argv, struct knock_opts *o)
{
	static const struct option longopts[] = {
		{ "server", required_argument, NULL, 's' },
		{ "user", required_argument, NULL, 'u' },
		{ "open", required_argument, NULL, 'o' },
		{ "lease", required_argument, NULL, 'l' },
		{ "target", required_argument, NULL, 't' },
		{ "port", required_argument, NULL, 'p' },
		{ "key", required_argument, NULL, 'k' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "via", required_argument, NULL, 'V' },
		{ "zone", required_argument, NULL, 'z' },
		{ "resolver", required_argument, NULL, 'r' },
		{ "trigger", required_argument, NULL, 'T' },
		{ "arg", required_argument, NULL, 'a' },
		{ "trigger-map", required_argument, NULL, 'M' },
		{ "no-sign", no_argument, NULL, 'S' },
		{ "dynamic", optional_argument, NULL, 'D' },
		{ "next", no_argument, NULL, 'N' },
		{ "next-file", required_argument, NULL, 'F' },
		{ "passphrase-file", required_argument, NULL, 1000 },
		{ "clock-offset", required_argument, NULL, 1001 },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint32_t lease = DEFAULT_LEASE_SECONDS;
	int ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "s:u:o:l:t:p:k:q46hV:z:r:T:a:M:D::NF:", longopts, NULL)) != -1) {
		switch (ch) {
		case 's': o->server = optarg; break;
		case 'u': o->user = optarg; break;
		case 'o':
			if (add_ports(&o->k, optarg) < 0)
				return -1;
			break;
		case 'l':
			if (!duration_parse(optarg, MAX_LEASE_SECONDS, &lease)) {
				fprintf(stderr, "postern knock: bad lease '%s' (1s..18h, e.g. 30s, 5m)\n", optarg);
				return -1;
			}
			break;
		case 't': o->target = optarg; break;
		case 'p': o->send.port = optarg; break;
		case 'V': o->via = optarg; break;
		case 'z': o->send.zone = optarg; break;
		case 'r': o->send.resolver = optarg; break;
		case 'k': o->key_path = optarg; break;
		case 'T': o->trigger = optarg; break;
		case 'M': o->trigger_map = optarg; break;
		case 'a':
			if (strlen(optarg) > KNOCK_ARG_BYTES) {
				fprintf(stderr, "postern knock: --arg is longer than %d bytes\n",
					KNOCK_ARG_BYTES);
				return -1;
			}
			snprintf(o->k.arg, sizeof o->k.arg, "%s", optarg);
			break;
		case 'q': o->quiet = true; break;
		case 'D': {
			char *wend = NULL;
			o->dynamic = true;
			o->wait_ms = optarg ? (unsigned)strtoul(optarg, &wend, 10) : 0;
			if (optarg && (*wend || o->wait_ms < 1 || o->wait_ms > 60000 ||
				strspn(optarg, "0123456789") != strlen(optarg))) {
				fprintf(stderr, "postern knock: bad --dynamic wait '%s' (1..60000 ms)\n", optarg);
				return -1;
			}
			break;
		}
		case 'N': o->next = true; break;
		case 'F': o->next_path = optarg; break;
		case 1000: o->pass_file = optarg; break;
		case 1001: {
			char *end;
			errno = 0;
			o->clock_offset = strtol(optarg, &end, 10);
			/* A day either way is already far outside any window. */
			if (errno || *end || o->clock_offset < -86400 || o->clock_offset > 86400) {
				fprintf(stderr, "postern knock: bad --clock-offset '%s' "
					"(seconds, -86400..86400)\n", optarg);
				return -1;
			}
			break;
		}
		case 'S': o->no_sign = true; break;
		case '4': o->send.family = AF_INET; break;
		case '6': o->send.family = AF_INET6; break;
		case 'h': knock_usage(stdout); exit(EXIT_OK);
		default: return -1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "postern knock: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	if (o->trigger || o->k.arg[0]) {
		char why[256];
		if (!o->trigger || o->k.nports) {
			fprintf(stderr, "postern knock: --arg needs --trigger, and --trigger "
				"cannot be combined with --open\n");
			return -1;
		}
		unsigned id = trigmap_resolve(o->trigger, o->trigger_map, why, sizeof why);
		if (!id) {
			fprintf(stderr, "postern knock: %s\n", why);
			return -1;
		}
		o->k.trigger_id = (uint8_t)id;
	}
	if (o->next) {
		if (!o->user || o->k.nports || o->trigger) {
			fprintf(stderr, "postern knock: --next needs --user and sends the "
				"stored knock: no --open or --trigger\n");
			return -1;
		}
		return 0;
	}
	if (o->dynamic && strcmp(o->via, "udp") != 0) {
		fprintf(stderr, "postern knock: --dynamic works with --via udp only (the "
			"reply comes back to the knock's UDP port)\n");
		return -1;
	}
	if (!o->server || !o->user || (o->k.nports == 0 && !o->trigger)) {
		fprintf(stderr, "postern knock: --server, --user and --open (or "
			"--trigger) are required\n");
		return -1;
	}
	char *end;
	long port = strtol(o->send.port, &end, 10);
	if (*end || port < 1 || port > 65535) {
		fprintf(stderr, "postern knock: bad port number '%s'\n", o->send.port);
		return -1;
	}
	if (!sender_find(o->via)) {
		fprintf(stderr, "postern knock: unknown carrier '%s' for --via\n", o->via);
		return -1;
	}
	o->k.action = o->trigger ? KNOCK_ACTION_TRIGGER : KNOCK_ACTION_OPEN;
	o->k.lease = (uint16_t)lease;
	return 0;
}

/* Also the signing key, if the key file has one (and --no-sign is off),
 * and the dynamic reply key if reply is not NULL: one read of the key file,
 * so a passphrase is asked for once. */
static int load_keys(const struct knock_opts *o, struct user_keys *keys,
	uint8_t sign_sk[static KNOCKSIG_SECRET_BYTES], bool *has_sign, uint8_t *reply)
{
	char path[PATH_MAX];
	struct keyfile kf;
	struct errbuf err;
	const char *p = o->key_path;
	if (!p) {
		if (!default_key_path(o->user, path, sizeof path)) {
			fprintf(stderr, "postern knock: no home directory; use --key FILE\n");
			return -1;
		}
		p = path;
	}
	if (passkey_open(p, o->pass_file, o->quiet, &kf, &err) < 0) {
		fprintf(stderr, "postern knock: %s\n", err.msg);
		return -1;
	}
	if (strcmp(kf.user, o->user) != 0) {
		fprintf(stderr, "postern knock: %s is the key of user '%s', not '%s'\n",
			p, kf.user, o->user);
		keyfile_wipe(&kf);
		return -1;
	}
	knock_derive_keys(kf.secret, keys);
	if (reply)
		dynreply_derive_key(kf.secret, reply);
	*has_sign = kf.has_sign && !o->no_sign;
	if (*has_sign) {
		uint8_t pk[KNOCKSIG_PUBLIC_BYTES];
		knocksig_keypair(kf.sign_seed, pk, sign_sk);
	}
	keyfile_wipe(&kf);
	return 0;
}

/* The local address the kernel would use towards the server. */
static int local_address_towards(const struct addrinfo *ai, struct addr *out)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	int fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	int rc = connect(fd, ai->ai_addr, ai->ai_addrlen);
	if (rc == 0)
		rc = getsockname(fd, (struct sockaddr *)&ss, &len);
	close(fd);
	if (rc < 0)
		return -1;
	memset(out, 0, sizeof *out);
	out->family = (uint8_t)ss.ss_family;
	if (ss.ss_family == AF_INET)
		memcpy(out->bytes, &((struct sockaddr_in *)&ss)->sin_addr, 4);
	else
		memcpy(out->bytes, &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
	return 0;
}

static int set_target(struct knock_opts *o, const struct addrinfo *ai)
{
	/* The server would see the resolver's address: opening the door for
	 * it would open it for everyone behind it (its policy refuses that). */
	if (!o->target && o->send.resolver[0]) {
		fprintf(stderr, "postern knock: through a resolver the server sees the "
			"resolver's address, not yours: name the address to open with "
			"--target auto or --target ADDR\n");
		return -1;
	}
	if (!o->target || !strcmp(o->target, "source")) {
		o->k.target_is_source = true;
		return 0;
	}
	if (!strcmp(o->target, "auto")) {
		if (local_address_towards(ai, &o->k.target) < 0) {
			fprintf(stderr, "postern knock: cannot find this host's address "
				"towards %s: %s\n", o->server, strerror(errno));
			return -1;
		}
		return 0;
	}
	if (!addr_parse(o->target, &o->k.target)) {
		fprintf(stderr, "postern knock: bad target '%s' (source, auto or an "
			"IPv4/IPv6 address)\n", o->target);
		return -1;
	}
	return 0;
}

/* Key and next-knock paths for --dynamic / --next (dynclient.h). */
static int dyn_opts(const struct knock_opts *o, char key[static PATH_MAX],
	char next[static PATH_MAX], struct dynclient_opts *d)
{
	if (o->key_path)
		snprintf(key, PATH_MAX, "%s", o->key_path);
	else if (!default_key_path(o->user, key, PATH_MAX)) {
		fprintf(stderr, "postern knock: no home directory; use --key FILE\n");
		return -1;
	}
	if (o->next_path)
		snprintf(next, PATH_MAX, "%s", o->next_path);
	else if (!dynfile_default_path(key, next, PATH_MAX)) {
		fprintf(stderr, "postern knock: key path too long; use --next-file FILE\n");
		return -1;
	}
	*d = (struct dynclient_opts){ .server = o->server, .user = o->user,
		.key_path = key, .pass_file = o->pass_file, .next_path = next, .quiet = o->quiet,
		.wait_ms = o->wait_ms ? o->wait_ms : DYNCLIENT_DEFAULT_WAIT_MS };
	return 0;
}

int cmd_knock(int argc, char **argv)
{
	struct knock_opts o = { .via = "udp",
		.send = { .port = DEFAULT_KNOCK_PORT, .family = AF_UNSPEC, .resolver = "" } };
	char dyn_key[PATH_MAX], dyn_next[PATH_MAX];
	struct dynclient_opts dyn;
	if (parse_knock_opts(argc, argv, &o) < 0) {
		knock_usage(stderr);
		return EXIT_USAGE;
	}
	if ((o.next || o.dynamic) && dyn_opts(&o, dyn_key, dyn_next, &dyn) < 0)
		return EXIT_USAGE;
	if (o.next)
		return dynclient_next(&dyn, o.send.family);
	o.send.server = o.server;
	struct addrinfo hints = { .ai_family = o.send.family, .ai_socktype = SOCK_DGRAM };
	struct addrinfo *ai;
	int gai = getaddrinfo(o.server, o.send.port, &hints, &ai);
	if (gai != 0) {
		fprintf(stderr, "postern knock: cannot resolve %s: %s\n", o.server, gai_strerror(gai));
		return EXIT_NETWORK;
	}
	if (set_target(&o, ai) < 0) {
		freeaddrinfo(ai);
		return EXIT_USAGE;
	}
	struct user_keys keys;
	uint8_t sign_sk[KNOCKSIG_SECRET_BYTES], reply[DYN_REPLY_KEY_BYTES];
	bool has_sign = false;
	if (load_keys(&o, &keys, sign_sk, &has_sign, o.dynamic ? reply : NULL) < 0) {
		freeaddrinfo(ai);
		return EXIT_KEY;
	}
	if (has_sign && !sender_find(o.via)->can_sign) {
		fprintf(stderr, "postern knock: note: --via %s cannot carry a signature; "
			"this knock is not signed\n", o.via);
		has_sign = false;
	}
	o.k.timestamp = (uint64_t)((int64_t)time(NULL) + o.clock_offset);
	uint8_t wire[KNOCK_SIGNED_WIRE_BYTES];
	int sealed = has_sign ? knocksig_seal(&keys, sign_sk, &o.k, wire)
		: knock_seal(&keys, &o.k, wire);
	if (sealed == 0 && has_sign)
		o.send.sig = wire + KNOCK_WIRE_BYTES; /* docs/protocol.md §11 */
	sodium_memzero(sign_sk, sizeof sign_sk);
	knock_wipe_keys(&keys);
	if (sealed < 0) {
		const char *why = "invalid knock";
		sodium_memzero(reply, sizeof reply);
		(void)knock_valid(&o.k, &why);
		fprintf(stderr, "postern knock: %s\n", why);
		freeaddrinfo(ai);
		return EXIT_USAGE;
	}

	int rc = EXIT_NETWORK;
	struct errbuf err;
	if (o.dynamic) { /* sent from a socket that then waits for the reply */
		dyn.reply_key = reply;
		rc = dynclient_knock(&dyn, ai, wire, o.send.sig ?
			KNOCK_SIGNED_WIRE_BYTES : KNOCK_WIRE_BYTES);
		sodium_memzero(wire, sizeof wire);
		sodium_memzero(reply, sizeof reply);
		freeaddrinfo(ai);
		return rc;
	}
	if (sender_find(o.via)->send(&o.send, ai, wire, &err) < 0) {
		fprintf(stderr, "postern knock: %s\n", err.msg);
	} else {
		rc = EXIT_OK;
		if (!o.quiet) {
			char host[NI_MAXHOST] = "?", ports[64] = "", one[PORTSPEC_STRLEN];
			getnameinfo(ai->ai_addr, ai->ai_addrlen, host, sizeof host, NULL, 0, NI_NUMERICHOST);
			for (size_t i = 0; i < o.k.nports; i++) {
				strncat(ports, i ? "," : "", sizeof ports - strlen(ports) - 1);
				strncat(ports, portspec_format(&o.k.ports[i], one), sizeof ports - strlen(ports) - 1);
			}
			char target[ADDR_STRLEN];
			if (o.trigger)
				printf("knock sent to %s via %s: trigger %u%s%s\n", host, o.via,
					o.k.trigger_id, o.k.arg[0] ? " with argument " : "", o.k.arg);
			else
				printf("knock sent to %s via %s: open %s for %s, lease %us\n", host, o.via,
					ports, o.k.target_is_source ? "source" : addr_format(&o.k.target, target),
					(unsigned)o.k.lease);
		}
	}
	sodium_memzero(wire, sizeof wire);
	freeaddrinfo(ai);
	return rc;
}

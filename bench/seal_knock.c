/* seal_knock — pre-sealed knocks for the benchmarks, one per line in hex.
 *
 *   seal_knock KEYFILE N [PORT [LEASE]]
 *
 * Reads a client key file and prints N knocks (each with its own nonce,
 * timestamp = now) that open tcp/PORT (default 22) for the packet's source
 * for LEASE seconds (default 2). bench/probe_connect -X sends one itself, so
 * a latency figure starts when the knock is sent, not when a `postern knock`
 * process starts. Valid for the daemon's freshness window (±60 s default). */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <sodium.h>

#include "keyfile.h"
#include "knock.h"

int main(int argc, char **argv)
{
	if (argc < 3 || argc > 5) {
		fprintf(stderr, "usage: seal_knock KEYFILE N [PORT [LEASE]]\n");
		return 2;
	}
	long n = strtol(argv[2], NULL, 10);
	long port = argc > 3 ? strtol(argv[3], NULL, 10) : 22;
	long lease = argc > 4 ? strtol(argv[4], NULL, 10) : 2;
	if (n < 1 || n > 100000 || port < 1 || port > 65535 || lease < 1 || lease > 65535) {
		fprintf(stderr, "seal_knock: N 1..100000, PORT 1..65535, LEASE 1..65535\n");
		return 2;
	}
	if (sodium_init() < 0)
		return 2;
	struct keyfile kf;
	struct errbuf err;
	if (keyfile_read(argv[1], &kf, &err) < 0) {
		fprintf(stderr, "seal_knock: %s\n", err.msg);
		return 1;
	}
	struct user_keys keys;
	knock_derive_keys(kf.secret, &keys);
	keyfile_wipe(&kf);
	struct knock k = { .action = KNOCK_ACTION_OPEN, .lease = (uint16_t)lease,
		.target_is_source = true, .nports = 1 };
	k.ports[0].proto = IPPROTO_TCP;
	k.ports[0].port = (uint16_t)port;
	for (long i = 0; i < n; i++) {
		uint8_t wire[KNOCK_WIRE_BYTES];
		k.timestamp = (uint64_t)time(NULL);
		if (knock_seal(&keys, &k, wire) != 0) {
			fprintf(stderr, "seal_knock: cannot seal\n");
			knock_wipe_keys(&keys);
			return 1;
		}
		for (size_t j = 0; j < sizeof wire; j++)
			printf("%02x", wire[j]);
		putchar('\n');
	}
	knock_wipe_keys(&keys);
	return 0;
}

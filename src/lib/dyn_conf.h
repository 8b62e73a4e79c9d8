/* dyn_conf — the [user] keys of dynamic knocks (config_dyn.c; the mode is
 * described in docs/modes.md "dynamic"):
 *
 *   dynamic               = no | yes      after an accepted knock, send the
 *                                         client an encrypted reply naming
 *                                         the next knock (opt-in)
 *   dynamic_ports         = 40000-49999   range of the next knock's ports
 *   dynamic_length        = 4             steps of the next knock (3..5)
 *   dynamic_open          = tcp/22        doors a dynamic knock opens
 *                                         (default: the user's open list)
 *   dynamic_forward       = tcp/22        optional: a random high port,
 *                                         for this client only, forwarded
 *                                         (DNAT) to this service port
 *   dynamic_forward_ports = 50000-59999   range of that high port */
#ifndef POSTERN_DYN_CONF_H
#define POSTERN_DYN_CONF_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "knock.h"

#define DYN_MIN_LENGTH 3
#define DYN_MAX_LENGTH 5
#define DYN_DEFAULT_LENGTH 4
#define DYN_DEFAULT_LO 40000
#define DYN_DEFAULT_HI 49999
#define DYN_DEFAULT_FWD_LO 50000
#define DYN_DEFAULT_FWD_HI 59999
/* A range must leave room for chance: at least this many ports. */
#define DYN_MIN_RANGE 100
#define DYN_REPLY_KEY_BYTES 32

struct dyn_conf {
	bool enabled;
	uint16_t lo, hi; /* dynamic_ports */
	uint8_t length; /* dynamic_length */
	struct portspec open[KNOCK_MAX_PORTS]; /* dynamic_open */
	size_t nopen;
	struct portspec forward; /* dynamic_forward; port 0 = none */
	uint16_t fwd_lo, fwd_hi; /* dynamic_forward_ports */
	unsigned line, ports_line, open_line, forward_line, fwd_ports_line;
	/* Derived from the key file's secret (crypto_kdf subkey 3) when the
	 * keys are loaded; wiped with the config. */
	uint8_t reply_key[DYN_REPLY_KEY_BYTES];
};

#endif

/* otp_conf — a user's RFC 2289 one-time password settings, as read from the
 * [user NAME] section (config_otp.c); part of struct config_user. */
#ifndef POSTERN_OTP_CONF_H
#define POSTERN_OTP_CONF_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"

#define OTP_CONF_MAX_OPEN 8 /* doors with a chain of their own, per user */
#define OTP_DEFAULT_LOW_WATER 10
#define OTP_DEFAULT_LOOKAHEAD 5
#define OTP_LOOKAHEAD_MAX 64

struct otp_conf {
	uint8_t alg; /* enum otp_alg (otp.h); OTP_ALG_NONE: no chains */
	struct portspec open[OTP_CONF_MAX_OPEN]; /* one chain per door */
	size_t nopen;
	uint32_t low_water; /* warn when a chain's sequence is at or below */
	uint32_t lookahead; /* steps down the chain accepted: 1 = next only */
	/* Lines of the keys (0 = not set), for messages. */
	unsigned alg_line, open_line, low_water_line, lookahead_line;
};

#endif

/* tcpopt — see tcpopt.h. Parsed through a cursor: the bytes are a stranger's. */
#include "tcpopt.h"

#include <string.h>

#include "cursor.h"

enum {
	OPT_EOL = 0,
	OPT_NOP = 1,
	OPT_MSS = 2,
	OPT_WSCALE = 3,
	OPT_SACK_PERM = 4,
	OPT_TS = 8,
};

bool tcpopt_parse(const uint8_t *opt, size_t len, struct tcpopt *out)
{
	struct cursor c;
	memset(out, 0, sizeof *out);
	if (len > TCPOPT_MAX_BYTES)
		return false;
	cursor_init(&c, opt, len);
	while (cursor_left(&c) > 0) {
		uint8_t kind = cursor_u8(&c);
		if (kind == OPT_EOL)
			break;
		out->nopts++;
		if (kind == OPT_NOP)
			continue;
		uint8_t olen = cursor_u8(&c);
		if (!cursor_ok(&c) || olen < 2 || olen - 2u > cursor_left(&c))
			return false;
		struct cursor body;
		cursor_init(&body, cursor_take(&c, olen - 2u), olen - 2u);
		switch (kind) {
		case OPT_MSS:
			if (olen != 4 || out->has_mss)
				return false;
			out->has_mss = true;
			out->mss = cursor_u16(&body);
			break;
		case OPT_WSCALE:
			if (olen != 3 || out->has_wscale)
				return false;
			out->has_wscale = true;
			out->wscale = cursor_u8(&body);
			break;
		case OPT_SACK_PERM:
			if (olen != 2 || out->has_sack_perm)
				return false;
			out->has_sack_perm = true;
			break;
		case OPT_TS:
			if (olen != 10 || out->has_ts)
				return false;
			out->has_ts = true;
			out->tsval = cursor_u32(&body);
			out->tsecr = cursor_u32(&body);
			break;
		default:
			break; /* unknown kinds are skipped by their length */
		}
	}
	return cursor_ok(&c);
}

void tcpopt_linux_syn(uint8_t out[static TCPOPT_LINUX_SYN_BYTES], uint16_t mss,
	uint32_t tsval, uint8_t wscale)
{
	struct writer w;
	writer_init(&w, out, TCPOPT_LINUX_SYN_BYTES);
	writer_u8(&w, OPT_MSS);
	writer_u8(&w, 4);
	writer_u16(&w, mss);
	writer_u8(&w, OPT_SACK_PERM);
	writer_u8(&w, 2);
	writer_u8(&w, OPT_TS);
	writer_u8(&w, 10);
	writer_u32(&w, tsval);
	writer_u32(&w, 0);
	writer_u8(&w, OPT_NOP);
	writer_u8(&w, OPT_WSCALE);
	writer_u8(&w, 3);
	writer_u8(&w, wscale);
}

/* fuzz_knock — libFuzzer target for the SPA v1 wire format (knock.c).
 *
 * Two properties are checked on every input:
 *  1. open: the first KNOCK_WIRE_BYTES bytes, fed to knock_open with fixed
 *     keys, never crash; and whatever opens is valid and canonical — sealing
 *     it again with its own nonce gives back the very same bytes.
 *  2. round trip: a knock built from the input bytes is sealed iff
 *     knock_valid() accepts it, and open(seal(k)) == k.
 * Any violated property aborts, which libFuzzer reports as a crash.
 * The seed tests/fuzz/corpus/knock/vector1 is test vector 1 of
 * docs/protocol.md, whose master secret is the one used here. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <sodium.h>

#include "cursor.h"
#include "knock.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct user_keys keys;

static void init_keys(void)
{
	static int done;
	uint8_t master[KNOCK_MASTER_BYTES];

	if (done)
		return;
	if (sodium_init() < 0)
		abort();
	for (size_t i = 0; i < sizeof master; i++)
		master[i] = (uint8_t)i;
	knock_derive_keys(master, &keys);
	done = 1;
}

static int knock_equal(const struct knock *a, const struct knock *b)
{
	if (a->action != b->action || a->flags != b->flags || a->timestamp != b->timestamp
		|| a->counter != b->counter || a->lease != b->lease
		|| a->target_is_source != b->target_is_source
		|| a->target.family != b->target.family
		|| a->nports != b->nports || a->trigger_id != b->trigger_id
		|| strcmp(a->arg, b->arg) != 0)
		return 0;
	size_t alen = a->target.family == AF_INET ? 4 : a->target_is_source ? 0 : 16;
	if (memcmp(a->target.bytes, b->target.bytes, alen) != 0)
		return 0;
	for (size_t i = 0; i < a->nports; i++)
		if (a->ports[i].proto != b->ports[i].proto || a->ports[i].port != b->ports[i].port)
			return 0;
	return 1;
}

static void check_open(const uint8_t *data, size_t size)
{
	struct knock k, zero;
	uint8_t again[KNOCK_WIRE_BYTES];

	if (size < KNOCK_WIRE_BYTES)
		return;
	memset(&zero, 0, sizeof zero);
	if (knock_open(&keys, data, &k) != KNOCK_OK) {
		if (memcmp(&k, &zero, sizeof k) != 0)
			abort(); /* *out must be zeroed on failure */
		return;
	}
	if (!knock_valid(&k, NULL))
		abort();
	if (knock_seal_with_nonce(&keys, &k, k.nonce, again) != 0
		|| memcmp(again, data, KNOCK_WIRE_BYTES) != 0)
		abort(); /* two encodings of one knock */
}

/* Nudges raw fields towards validity so the round trip is exercised often;
 * the raw (mostly invalid) form is exercised when the low bit is clear. */
static void make_plausible(struct knock *k, uint8_t arglen)
{
	k->action = 1 + (k->action & 1);
	k->flags = 0;
	if (k->lease == 0)
		k->lease = 1;
	switch (k->target.family % 3) {
	case 0:
		k->target_is_source = true;
		memset(&k->target, 0, sizeof k->target);
		break;
	case 1:
		k->target.family = AF_INET;
		k->target.bytes[0] |= 1;
		break;
	default:
		k->target.family = AF_INET6;
		k->target.bytes[0] |= 0x20;
	}
	if (k->action == KNOCK_ACTION_OPEN) {
		k->nports = 1 + k->nports % KNOCK_MAX_PORTS;
		for (size_t i = 0; i < KNOCK_MAX_PORTS; i++) {
			k->ports[i].proto = (k->ports[i].proto & 1) ? 6 : 17;
			k->ports[i].port |= 1;
		}
		k->trigger_id = 0;
		k->arg[0] = '\0';
	} else {
		k->nports = 0;
		k->trigger_id |= 1;
		for (size_t i = 0; i < KNOCK_ARG_BYTES; i++)
			k->arg[i] = (char)(0x21 + (uint8_t)k->arg[i] % 94);
		k->arg[arglen % (KNOCK_ARG_BYTES + 1)] = '\0';
	}
}

static void check_roundtrip(const uint8_t *data, size_t size)
{
	struct cursor c;
	struct knock k, out;
	uint8_t nonce[KNOCK_NONCE_BYTES], wire[KNOCK_WIRE_BYTES], tag[KNOCK_TAG_BYTES];

	memset(&k, 0, sizeof k);
	cursor_init(&c, data, size);
	uint8_t mode = cursor_u8(&c);
	uint8_t arglen = cursor_u8(&c);
	k.action = cursor_u8(&c);
	k.flags = cursor_u8(&c);
	k.target_is_source = cursor_u8(&c) & 1;
	k.target.family = cursor_u8(&c);
	cursor_bytes(&c, k.target.bytes, sizeof k.target.bytes);
	k.timestamp = cursor_u64(&c);
	k.counter = cursor_u32(&c);
	k.lease = cursor_u16(&c);
	k.nports = cursor_u8(&c);
	for (size_t i = 0; i < KNOCK_MAX_PORTS; i++) {
		k.ports[i].proto = cursor_u8(&c);
		k.ports[i].port = cursor_u16(&c);
	}
	k.trigger_id = cursor_u8(&c);
	cursor_bytes(&c, k.arg, sizeof k.arg);
	cursor_bytes(&c, nonce, sizeof nonce);
	if (mode & 1)
		make_plausible(&k, arglen);

	bool valid = knock_valid(&k, NULL);
	int rc = knock_seal_with_nonce(&keys, &k, nonce, wire);
	if (rc != (valid ? 0 : -1))
		abort();
	if (!valid)
		return;
	knock_tag(keys.tag_key, knock_slot(k.timestamp), tag);
	if (memcmp(wire, tag, sizeof tag) != 0)
		abort();
	if (knock_open(&keys, wire, &out) != KNOCK_OK || !knock_equal(&k, &out)
		|| memcmp(out.nonce, nonce, sizeof nonce) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	init_keys();
	check_open(data, size);
	check_roundtrip(data, size);
	return 0;
}

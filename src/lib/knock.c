/* knock — see knock.h; docs/protocol.md is the normative description.
 *
 * Order of work in knock_open follows the packet path: the AEAD is checked in
 * constant time before a single plaintext byte is looked at; only then is the
 * plaintext parsed (strictly: exactly one encoding of each knock is accepted),
 * and finally the cleartext tag is checked against the one the timestamp
 * implies, so a tag cannot be moved from one slot to another. */
#include "knock.h"

#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include <sodium.h>

#include "cursor.h"

/* crypto_kdf context (exactly crypto_kdf_CONTEXTBYTES = 8 characters). */
static const char kdf_context[crypto_kdf_CONTEXTBYTES] = { 'p', 'o', 's', 't', 'e', 'r', 'n', '1' };
enum { KDF_ID_TAG = 1, KDF_ID_AEAD = 2 };

/* Target kinds on the wire (plaintext byte 3). */
enum { KIND_SOURCE = 0, KIND_IPV4 = 4, KIND_IPV6 = 6 };

#define ADDR_BYTES 16
#define PORT_ENTRY_BYTES 3 /* u8 proto || u16 port */

/* Offsets of the wire sections. */
#define OFF_NONCE KNOCK_TAG_BYTES
#define OFF_CIPHER (OFF_NONCE + KNOCK_NONCE_BYTES)

_Static_assert(KNOCK_PLAIN_BYTES == 4 + 8 + 4 + 2 + ADDR_BYTES + 1
		+ KNOCK_MAX_PORTS * PORT_ENTRY_BYTES + KNOCK_ARG_BYTES + 1,
	"v1 plaintext layout must add up to 64 bytes");
_Static_assert(KNOCK_NONCE_BYTES == crypto_aead_chacha20poly1305_ietf_NPUBBYTES, "nonce");
_Static_assert(KNOCK_MAC_BYTES == crypto_aead_chacha20poly1305_ietf_ABYTES, "mac");
_Static_assert(KNOCK_AEAD_KEY_BYTES == crypto_aead_chacha20poly1305_ietf_KEYBYTES, "key");
_Static_assert(KNOCK_TAG_KEY_BYTES == crypto_shorthash_KEYBYTES, "tag key");
_Static_assert(KNOCK_TAG_BYTES == crypto_shorthash_BYTES, "tag");
_Static_assert(KNOCK_MASTER_BYTES == crypto_kdf_KEYBYTES, "master");

void knock_derive_tag_key(const uint8_t master[static KNOCK_MASTER_BYTES],
	uint8_t out[static KNOCK_TAG_KEY_BYTES])
{
	crypto_kdf_derive_from_key(out, KNOCK_TAG_KEY_BYTES, KDF_ID_TAG, kdf_context, master);
}

void knock_derive_keys(const uint8_t master[static KNOCK_MASTER_BYTES],
	struct user_keys *out)
{
	knock_derive_tag_key(master, out->tag_key);
	crypto_kdf_derive_from_key(out->aead_key, sizeof out->aead_key, KDF_ID_AEAD,
		kdf_context, master);
}

void knock_wipe_keys(struct user_keys *k)
{
	sodium_memzero(k, sizeof *k);
}

uint64_t knock_slot(uint64_t unix_time)
{
	return unix_time / KNOCK_SLOT_SECONDS;
}

void knock_tag(const uint8_t tag_key[static KNOCK_TAG_KEY_BYTES], uint64_t slot,
	uint8_t out[static KNOCK_TAG_BYTES])
{
	uint8_t msg[1 + 8];
	struct writer w;

	writer_init(&w, msg, sizeof msg);
	writer_u8(&w, KNOCK_VERSION);
	writer_u64(&w, slot);
	crypto_shorthash(out, msg, sizeof msg, tag_key);
}

/* --- validity ---------------------------------------------------------- */

static bool all_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;
	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

static bool arg_char_ok(unsigned char c)
{
	return c >= 0x21 && c <= 0x7e;
}

static bool target_valid(const struct knock *k, const char **why)
{
	if (k->target_is_source) {
		if (k->target.family != 0) {
			*why = "target address given although target is the packet source";
			return false;
		}
		return true;
	}
	if (k->target.family != AF_INET && k->target.family != AF_INET6) {
		*why = "target family is neither IPv4 nor IPv6";
		return false;
	}
	size_t alen = k->target.family == AF_INET ? 4 : ADDR_BYTES;
	if (all_zero(k->target.bytes, alen)) {
		*why = "target is the unspecified address";
		return false;
	}
	/* One encoding per knock: an IPv4 target travels as kind 4, never as
	 * ::ffff:a.b.c.d, so policy CIDRs cannot be sidestepped. */
	if (k->target.family == AF_INET6 && all_zero(k->target.bytes, 10)
		&& k->target.bytes[10] == 0xff && k->target.bytes[11] == 0xff) {
		*why = "IPv4-mapped IPv6 target (send it as IPv4)";
		return false;
	}
	return true;
}

static bool open_valid(const struct knock *k, const char **why)
{
	if (k->nports < 1 || k->nports > KNOCK_MAX_PORTS) {
		*why = "open knock needs 1..4 ports";
		return false;
	}
	for (size_t i = 0; i < k->nports; i++) {
		const struct portspec *p = &k->ports[i];
		if (p->proto != IPPROTO_TCP && p->proto != IPPROTO_UDP) {
			*why = "port protocol is neither tcp nor udp";
			return false;
		}
		if (p->port == 0) {
			*why = "port 0";
			return false;
		}
	}
	if (k->trigger_id != 0 || k->arg[0] != '\0') {
		*why = "open knock carries a trigger id or argument";
		return false;
	}
	return true;
}

static bool trigger_valid(const struct knock *k, const char **why)
{
	if (k->trigger_id == 0) {
		*why = "trigger id 0";
		return false;
	}
	if (k->nports != 0) {
		*why = "trigger knock carries ports";
		return false;
	}
	/* arg is at most KNOCK_ARG_BYTES characters, then a NUL; bytes after
	 * the NUL are never sent, so they do not matter here. */
	size_t i;
	for (i = 0; i < KNOCK_ARG_BYTES && k->arg[i] != '\0'; i++) {
		if (!arg_char_ok((unsigned char)k->arg[i])) {
			*why = "trigger argument has a byte outside printable ASCII 0x21..0x7e";
			return false;
		}
	}
	if (k->arg[i] != '\0') {
		*why = "trigger argument longer than 16 bytes";
		return false;
	}
	return true;
}

bool knock_valid(const struct knock *k, const char **why)
{
	const char *dummy;

	if (!why)
		why = &dummy;
	*why = NULL;
	if (k->flags & ~KNOCK_FLAG_SIGNED) {
		*why = "flags other than bit 0 (signed) must be 0 in v1";
		return false;
	}
	if (k->lease == 0) {
		*why = "lease 0";
		return false;
	}
	if (!target_valid(k, why))
		return false;
	switch (k->action) {
	case KNOCK_ACTION_OPEN:
		return open_valid(k, why);
	case KNOCK_ACTION_TRIGGER:
		return trigger_valid(k, why);
	default:
		*why = "unknown action";
		return false;
	}
}

/* --- encoding ---------------------------------------------------------- */

static uint8_t target_kind(const struct knock *k)
{
	if (k->target_is_source)
		return KIND_SOURCE;
	return k->target.family == AF_INET ? KIND_IPV4 : KIND_IPV6;
}

/* Writes the 64-byte plaintext of a knock that knock_valid() accepted. */
static void encode_plain(const struct knock *k, uint8_t plain[static KNOCK_PLAIN_BYTES])
{
	struct writer w;
	uint8_t kind = target_kind(k);

	writer_init(&w, plain, KNOCK_PLAIN_BYTES);
	writer_u8(&w, KNOCK_VERSION);
	writer_u8(&w, k->action);
	writer_u8(&w, k->flags);
	writer_u8(&w, kind);
	writer_u64(&w, k->timestamp);
	writer_u32(&w, k->counter);
	writer_u16(&w, k->lease);

	size_t alen = kind == KIND_IPV4 ? 4 : kind == KIND_IPV6 ? ADDR_BYTES : 0;
	writer_bytes(&w, k->target.bytes, alen);
	writer_zeros(&w, ADDR_BYTES - alen);

	if (k->action == KNOCK_ACTION_OPEN) {
		writer_u8(&w, k->nports);
		for (size_t i = 0; i < KNOCK_MAX_PORTS; i++) {
			writer_u8(&w, i < k->nports ? k->ports[i].proto : 0);
			writer_u16(&w, i < k->nports ? k->ports[i].port : 0);
		}
		writer_zeros(&w, KNOCK_ARG_BYTES);
	} else {
		size_t n = strnlen(k->arg, KNOCK_ARG_BYTES);
		writer_u8(&w, k->trigger_id);
		writer_zeros(&w, KNOCK_MAX_PORTS * PORT_ENTRY_BYTES);
		writer_bytes(&w, k->arg, n);
		writer_zeros(&w, KNOCK_ARG_BYTES - n);
	}
	writer_u8(&w, 0); /* reserved */
}

int knock_seal_with_nonce(const struct user_keys *keys, const struct knock *k,
	const uint8_t nonce[static KNOCK_NONCE_BYTES],
	uint8_t out[static KNOCK_WIRE_BYTES])
{
	uint8_t plain[KNOCK_PLAIN_BYTES];

	if (!knock_valid(k, NULL))
		return -1;
	encode_plain(k, plain);
	knock_tag(keys->tag_key, knock_slot(k->timestamp), out);
	memcpy(out + OFF_NONCE, nonce, KNOCK_NONCE_BYTES);
	/* Combined mode writes ciphertext || mac, which is the wire order. */
	crypto_aead_chacha20poly1305_ietf_encrypt(out + OFF_CIPHER, NULL,
		plain, sizeof plain, out, KNOCK_TAG_BYTES, NULL, nonce, keys->aead_key);
	sodium_memzero(plain, sizeof plain);
	return 0;
}

int knock_seal(const struct user_keys *keys, const struct knock *k,
	uint8_t out[static KNOCK_WIRE_BYTES])
{
	uint8_t nonce[KNOCK_NONCE_BYTES];

	if (sodium_init() < 0)
		return -1;
	/* 96 random bits: with per-user keys and a replay store pruned after
	 * the window, a collision is never a practical concern. */
	randombytes_buf(nonce, sizeof nonce);
	return knock_seal_with_nonce(keys, k, nonce, out);
}

/* --- decoding ---------------------------------------------------------- */

static bool decode_target(struct cursor *c, uint8_t kind, struct knock *k)
{
	const uint8_t *a = cursor_take(c, ADDR_BYTES);

	if (!a)
		return false;
	switch (kind) {
	case KIND_SOURCE:
		k->target_is_source = true;
		return all_zero(a, ADDR_BYTES);
	case KIND_IPV4:
		k->target.family = AF_INET;
		memcpy(k->target.bytes, a, 4);
		return all_zero(a + 4, ADDR_BYTES - 4);
	case KIND_IPV6:
		k->target.family = AF_INET6;
		memcpy(k->target.bytes, a, ADDR_BYTES);
		return true;
	default:
		return false;
	}
}

/* Reads the ports region of an open knock: nports entries, then zeros. */
static bool decode_ports(struct cursor *c, struct knock *k)
{
	for (size_t i = 0; i < KNOCK_MAX_PORTS; i++) {
		uint8_t proto = cursor_u8(c);
		uint16_t port = cursor_u16(c);
		if (i < k->nports) {
			k->ports[i].proto = proto;
			k->ports[i].port = port;
		} else if (proto != 0 || port != 0) {
			return false;
		}
	}
	return true;
}

/* Reads the argument region of a trigger knock: printable bytes, then zeros. */
static bool decode_arg(struct cursor *c, struct knock *k)
{
	const uint8_t *a = cursor_take(c, KNOCK_ARG_BYTES);
	size_t n = 0;

	if (!a)
		return false;
	while (n < KNOCK_ARG_BYTES && a[n] != 0)
		n++;
	if (!all_zero(a + n, KNOCK_ARG_BYTES - n))
		return false;
	memcpy(k->arg, a, n);
	k->arg[n] = '\0';
	return true; /* the characters themselves are checked by knock_valid */
}

/* Parses a v1 plaintext into k (which the caller zeroed). Refuses anything
 * that encode_plain() would not have produced from a valid knock. */
static bool decode_plain(const uint8_t plain[static KNOCK_PLAIN_BYTES], struct knock *k)
{
	struct cursor c;
	bool ok = true;

	cursor_init(&c, plain, KNOCK_PLAIN_BYTES);
	ok &= cursor_u8(&c) == KNOCK_VERSION;
	k->action = cursor_u8(&c);
	k->flags = cursor_u8(&c);
	uint8_t kind = cursor_u8(&c);
	k->timestamp = cursor_u64(&c);
	k->counter = cursor_u32(&c);
	k->lease = cursor_u16(&c);
	ok &= decode_target(&c, kind, k);

	/* Byte 34 means "number of ports" or "trigger id" depending on the
	 * action; an unknown action is refused by knock_valid below. */
	uint8_t id = cursor_u8(&c);
	if (k->action == KNOCK_ACTION_OPEN) {
		k->nports = id;
		ok &= k->nports <= KNOCK_MAX_PORTS && decode_ports(&c, k);
		const uint8_t *arg = cursor_take(&c, KNOCK_ARG_BYTES);
		ok &= arg && all_zero(arg, KNOCK_ARG_BYTES);
	} else {
		k->trigger_id = id;
		const uint8_t *ports = cursor_take(&c, KNOCK_MAX_PORTS * PORT_ENTRY_BYTES);
		ok &= ports && all_zero(ports, KNOCK_MAX_PORTS * PORT_ENTRY_BYTES);
		ok &= decode_arg(&c, k);
	}
	ok &= cursor_u8(&c) == 0; /* reserved */
	ok &= cursor_ok(&c) && cursor_left(&c) == 0;
	return ok && knock_valid(k, NULL);
}

enum knock_result knock_open(const struct user_keys *keys,
	const uint8_t wire[static KNOCK_WIRE_BYTES], struct knock *out)
{
	uint8_t plain[KNOCK_PLAIN_BYTES];
	uint8_t want[KNOCK_TAG_BYTES];
	enum knock_result res;

	memset(out, 0, sizeof *out);
	if (crypto_aead_chacha20poly1305_ietf_decrypt(plain, NULL, NULL,
		    wire + OFF_CIPHER, KNOCK_PLAIN_BYTES + KNOCK_MAC_BYTES,
		    wire, KNOCK_TAG_BYTES, wire + OFF_NONCE, keys->aead_key) != 0) {
		res = KNOCK_BAD_MAC;
		goto fail;
	}
	if (!decode_plain(plain, out)) {
		res = KNOCK_MALFORMED;
		goto fail;
	}
	knock_tag(keys->tag_key, knock_slot(out->timestamp), want);
	if (sodium_memcmp(want, knock_wire_tag(wire), KNOCK_TAG_BYTES) != 0) {
		res = KNOCK_TAG_MISMATCH;
		goto fail;
	}
	memcpy(out->nonce, wire + OFF_NONCE, KNOCK_NONCE_BYTES);
	sodium_memzero(plain, sizeof plain);
	return KNOCK_OK;
fail:
	sodium_memzero(plain, sizeof plain);
	sodium_memzero(out, sizeof *out);
	return res;
}

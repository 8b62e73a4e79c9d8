/* dynreply — see dynreply.h. */
#include "dynreply.h"

#include <netinet/in.h>
#include <string.h>

#include <sodium.h>

#include "cursor.h"
#include "seqspec.h"

static const char kdf_context[crypto_kdf_CONTEXTBYTES] = { 'p', 'o', 's', 't', 'e', 'r', 'n', '1' };
enum { KDF_ID_REPLY = 3 };
static const char id_domain[] = "postern dynamic knock";

_Static_assert(DYN_REPLY_KEY_BYTES == crypto_aead_xchacha20poly1305_ietf_KEYBYTES, "key");
_Static_assert(DYNREPLY_NONCE_BYTES == crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, "nonce");
_Static_assert(DYNREPLY_MAC_BYTES == crypto_aead_xchacha20poly1305_ietf_ABYTES, "mac");
_Static_assert(1 + DYN_MAX_LENGTH * 3 == DYNKNOCK_BLOB_BYTES, "blob");

void dynreply_derive_key(const uint8_t secret[static 32],
	uint8_t key[static DYN_REPLY_KEY_BYTES])
{
	crypto_kdf_derive_from_key(key, DYN_REPLY_KEY_BYTES, KDF_ID_REPLY, kdf_context,
		secret);
}

static bool step_ok(const struct portspec *p)
{
	return (p->proto == IPPROTO_TCP || p->proto == IPPROTO_UDP) && p->port != 0;
}

static bool knock_ok(const struct dynknock *k)
{
	if (k->n < DYN_MIN_LENGTH || k->n > DYN_MAX_LENGTH)
		return false;
	for (size_t i = 0; i < k->n; i++)
		if (!step_ok(&k->step[i]))
			return false;
	return k->step[k->n - 1].proto == IPPROTO_UDP;
}

int dynknock_random(uint8_t n, uint16_t lo, uint16_t hi, struct dynknock *out)
{
	memset(out, 0, sizeof *out);
	if (n < DYN_MIN_LENGTH || n > DYN_MAX_LENGTH || lo == 0 || hi < lo ||
	    (uint32_t)(hi - lo) + 1 < n)
		return -1;
	uint32_t span = (uint32_t)(hi - lo) + 1;
	for (uint8_t i = 0; i < n; i++) {
		uint16_t port;
		bool dup;
		do { /* no port twice: a repeat would read as a retransmission */
			port = (uint16_t)(lo + randombytes_uniform(span));
			dup = false;
			for (uint8_t k = 0; k < i; k++)
				dup |= out->step[k].port == port;
		} while (dup);
		out->step[i].port = port;
		out->step[i].proto = (i + 1 == n || randombytes_uniform(2)) ?
			IPPROTO_UDP : IPPROTO_TCP;
	}
	out->n = n;
	return 0;
}

void dynknock_encode(const struct dynknock *k, uint8_t out[static DYNKNOCK_BLOB_BYTES])
{
	struct writer w;
	writer_init(&w, out, DYNKNOCK_BLOB_BYTES);
	writer_u8(&w, k->n);
	for (size_t i = 0; i < DYN_MAX_LENGTH; i++) {
		bool used = i < k->n;
		writer_u8(&w, used ? k->step[i].proto : 0);
		writer_u16(&w, used ? k->step[i].port : 0);
	}
}

bool dynknock_decode(const uint8_t *blob, size_t len, struct dynknock *out)
{
	struct cursor c;
	memset(out, 0, sizeof *out);
	if (len != DYNKNOCK_BLOB_BYTES)
		return false;
	cursor_init(&c, blob, len);
	uint8_t n = cursor_u8(&c);
	bool zeros = true;
	for (size_t i = 0; i < DYN_MAX_LENGTH; i++) {
		struct portspec p;
		p.proto = cursor_u8(&c);
		p.port = cursor_u16(&c);
		if (i < n && i < DYN_MAX_LENGTH)
			out->step[i] = p;
		else
			zeros &= p.proto == 0 && p.port == 0;
	}
	out->n = n;
	if (!cursor_ok(&c) || !zeros || !knock_ok(out)) {
		memset(out, 0, sizeof *out);
		return false;
	}
	return true;
}

const char *dynknock_format(const struct dynknock *k, char buf[static DYNKNOCK_STRLEN])
{
	return seqspec_format_steps(k->step, k->n < DYN_MAX_LENGTH ? k->n : DYN_MAX_LENGTH,
		buf, DYNKNOCK_STRLEN);
}

void dynreply_knock_id(uint64_t generation, const uint8_t blob[static DYNKNOCK_BLOB_BYTES],
	uint8_t id[static DYNREPLY_ID_BYTES])
{
	crypto_generichash_state st;
	uint8_t g[8];
	for (int i = 0; i < 8; i++)
		g[i] = (uint8_t)(generation >> (56 - 8 * i));
	crypto_generichash_init(&st, NULL, 0, DYNREPLY_ID_BYTES);
	crypto_generichash_update(&st, (const uint8_t *)id_domain, sizeof id_domain - 1);
	crypto_generichash_update(&st, g, sizeof g);
	crypto_generichash_update(&st, blob, DYNKNOCK_BLOB_BYTES);
	crypto_generichash_final(&st, id, DYNREPLY_ID_BYTES);
}

static bool reply_ok(const struct dynreply *r)
{
	if (r->flags == 0 || (r->flags & ~(DYNREPLY_FLAG_NEXT | DYNREPLY_FLAG_FORWARD)))
		return false;
	if ((r->flags & DYNREPLY_FLAG_NEXT) && (r->generation == 0 || !knock_ok(&r->next)))
		return false;
	if (r->flags & DYNREPLY_FLAG_FORWARD)
		return step_ok(&r->service) && r->fwd_port != 0 && r->lease != 0;
	return true;
}

/* Plaintext (40 bytes): u8 version, u8 flags, u64 generation, 16-byte next
 * knock blob, u8 service proto, u16 service port, u16 high port, u32 lease,
 * 5 zero bytes. Fields a flag does not announce are all zero. */
static void encode(const struct dynreply *r, uint8_t out[static DYNREPLY_PLAIN_BYTES])
{
	struct writer w;
	uint8_t blob[DYNKNOCK_BLOB_BYTES] = { 0 };
	bool next = r->flags & DYNREPLY_FLAG_NEXT, fwd = r->flags & DYNREPLY_FLAG_FORWARD;
	if (next)
		dynknock_encode(&r->next, blob);
	writer_init(&w, out, DYNREPLY_PLAIN_BYTES);
	writer_u8(&w, DYNREPLY_VERSION);
	writer_u8(&w, r->flags);
	writer_u64(&w, next ? r->generation : 0);
	writer_bytes(&w, blob, sizeof blob);
	writer_u8(&w, fwd ? r->service.proto : 0);
	writer_u16(&w, fwd ? r->service.port : 0);
	writer_u16(&w, fwd ? r->fwd_port : 0);
	writer_u32(&w, fwd ? r->lease : 0);
	writer_zeros(&w, DYNREPLY_PLAIN_BYTES - w.pos);
}

int dynreply_decode(const uint8_t *plain, size_t len, struct dynreply *r)
{
	struct cursor c;
	uint8_t blob[DYNKNOCK_BLOB_BYTES], again[DYNREPLY_PLAIN_BYTES];
	memset(r, 0, sizeof *r);
	if (len != DYNREPLY_PLAIN_BYTES)
		return -1;
	cursor_init(&c, plain, len);
	uint8_t version = cursor_u8(&c);
	r->flags = cursor_u8(&c);
	r->generation = cursor_u64(&c);
	cursor_bytes(&c, blob, sizeof blob);
	r->service.proto = cursor_u8(&c);
	r->service.port = cursor_u16(&c);
	r->fwd_port = cursor_u16(&c);
	r->lease = cursor_u32(&c);
	bool ok = cursor_ok(&c) && version == DYNREPLY_VERSION;
	if (ok && (r->flags & DYNREPLY_FLAG_NEXT))
		ok = dynknock_decode(blob, sizeof blob, &r->next);
	/* Exactly one encoding: what we would write must be what we read
	 * (this also checks the zero fields and the padding). */
	if (ok)
		ok = reply_ok(r);
	if (ok) {
		encode(r, again);
		ok = sodium_memcmp(again, plain, sizeof again) == 0;
	}
	if (!ok) {
		memset(r, 0, sizeof *r);
		return -1;
	}
	return 0;
}

int dynreply_seal(const uint8_t key[static DYN_REPLY_KEY_BYTES],
	const uint8_t id[static DYNREPLY_ID_BYTES], const struct dynreply *r,
	uint8_t out[static DYNREPLY_WIRE_BYTES])
{
	uint8_t plain[DYNREPLY_PLAIN_BYTES];
	if (!reply_ok(r))
		return -1;
	encode(r, plain);
	randombytes_buf(out, DYNREPLY_NONCE_BYTES);
	crypto_aead_xchacha20poly1305_ietf_encrypt(out + DYNREPLY_NONCE_BYTES, NULL,
		plain, sizeof plain, id, DYNREPLY_ID_BYTES, NULL, out, key);
	sodium_memzero(plain, sizeof plain);
	return 0;
}

int dynreply_open(const uint8_t key[static DYN_REPLY_KEY_BYTES],
	const uint8_t id[static DYNREPLY_ID_BYTES], const uint8_t *in, size_t len,
	struct dynreply *r)
{
	uint8_t plain[DYNREPLY_PLAIN_BYTES];
	memset(r, 0, sizeof *r);
	if (len != DYNREPLY_WIRE_BYTES)
		return -1;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(plain, NULL, NULL,
		in + DYNREPLY_NONCE_BYTES, DYNREPLY_PLAIN_BYTES + DYNREPLY_MAC_BYTES,
		id, DYNREPLY_ID_BYTES, in, key) != 0)
		return -1;
	int rc = dynreply_decode(plain, sizeof plain, r);
	sodium_memzero(plain, sizeof plain);
	return rc;
}

/* fuzz_dynreply — libFuzzer target for the client's reply decoder
 * (dynreply.c) and the next-knock blob decoder the daemon runs on stored
 * positions. Input: any bytes. Checked: no crash or out-of-bounds read
 * (inputs sit in heap blocks of exactly their size); dynreply_open never
 * accepts bytes it did not seal (fixed test key and id); a plaintext that
 * decodes re-seals and re-opens to the same reply; a blob that decodes
 * encodes back to exactly its bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "dynreply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t key[DYN_REPLY_KEY_BYTES] = { 1, 2, 3 };
	static const uint8_t id[DYNREPLY_ID_BYTES] = { 9, 8, 7 };
	struct dynreply r, back;
	struct dynknock k;
	if (sodium_init() < 0)
		abort();
	uint8_t *copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	/* Forged replies: a random 80-byte string must never open. */
	if (dynreply_open(key, id, copy, size, &r) == 0)
		abort();
	if (dynreply_decode(copy, size, &r) == 0) {
		uint8_t wire[DYNREPLY_WIRE_BYTES];
		if (dynreply_seal(key, id, &r, wire) != 0 ||
		    dynreply_open(key, id, wire, sizeof wire, &back) != 0 ||
		    memcmp(&r, &back, sizeof r) != 0)
			abort();
	}
	if (dynknock_decode(copy, size, &k)) {
		uint8_t blob[DYNKNOCK_BLOB_BYTES];
		dynknock_encode(&k, blob);
		if (size != sizeof blob || memcmp(blob, copy, size) != 0)
			abort();
	}
	free(copy);
	return 0;
}

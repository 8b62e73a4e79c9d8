/* test_cursor — the bounds-checked reader and writer every parser of
 * untrusted bytes goes through: big-endian values, reads past the end that
 * fail, zero-fill and stay failed, and a writer that never overflows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "cursor.h"

static const uint8_t bytes[] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
	0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0xff };

static void big_endian_reads(void **state)
{
	(void)state;
	struct cursor c;
	cursor_init(&c, bytes, sizeof bytes);
	assert_true(cursor_ok(&c));
	assert_int_equal(cursor_left(&c), sizeof bytes);
	assert_int_equal(cursor_u8(&c), 0x01);
	assert_int_equal(cursor_u16(&c), 0x0203);
	assert_int_equal(cursor_u32(&c), 0x04050607);
	assert_int_equal(cursor_u64(&c), 0x08090a0b0c0d0e0full);
	assert_int_equal(cursor_left(&c), 2);
	assert_int_equal(cursor_u8(&c), 0x10);
	assert_int_equal(cursor_u8(&c), 0xff);
	assert_int_equal(cursor_left(&c), 0);
	assert_true(cursor_ok(&c));

	/* High bits survive: no sign extension. */
	static const uint8_t ones[8] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	cursor_init(&c, ones, sizeof ones);
	assert_int_equal(cursor_u64(&c), UINT64_MAX);
	cursor_init(&c, ones, sizeof ones);
	assert_int_equal(cursor_u32(&c), UINT32_MAX);
	assert_int_equal(cursor_u16(&c), UINT16_MAX);
	assert_int_equal(cursor_u8(&c), UINT8_MAX);
}

static void take_skip_bytes(void **state)
{
	(void)state;
	struct cursor c;
	uint8_t out[4];
	cursor_init(&c, bytes, sizeof bytes);
	const uint8_t *p = cursor_take(&c, 3);
	assert_ptr_equal(p, bytes);
	cursor_skip(&c, 2);
	cursor_bytes(&c, out, sizeof out);
	assert_memory_equal(out, bytes + 5, 4);
	/* Zero-length operations succeed anywhere, including at the end. */
	assert_non_null(cursor_take(&c, 0));
	cursor_skip(&c, cursor_left(&c));
	assert_int_equal(cursor_left(&c), 0);
	assert_ptr_equal(cursor_take(&c, 0), bytes + sizeof bytes);
	cursor_bytes(&c, out, 0);
	assert_true(cursor_ok(&c));
}

/* Each kind of read one byte too far fails, returns zeros, and the cursor
 * stays failed even for reads that would have fitted before. */
static void past_the_end(void **state)
{
	(void)state;
	struct cursor c;
	uint8_t out[8];
	for (size_t len = 0; len < 8; len++) {
		/* Exact-size heap copy: an overread is an ASan error. */
		uint8_t *buf = malloc(len ? len : 1);
		assert_non_null(buf);
		memcpy(buf, bytes, len);

		cursor_init(&c, buf, len);
		assert_int_equal(cursor_u64(&c), 0);
		assert_false(cursor_ok(&c));
		assert_int_equal(cursor_left(&c), 0);
		assert_int_equal(cursor_u8(&c), 0);
		assert_null(cursor_take(&c, 0));
		assert_false(cursor_ok(&c));

		if (len < 4) {
			cursor_init(&c, buf, len);
			assert_int_equal(cursor_u32(&c), 0);
			assert_false(cursor_ok(&c));
		}
		if (len < 2) {
			cursor_init(&c, buf, len);
			assert_int_equal(cursor_u16(&c), 0);
			assert_false(cursor_ok(&c));
		}

		cursor_init(&c, buf, len);
		memset(out, 0xaa, sizeof out);
		cursor_bytes(&c, out, len + 1);
		assert_false(cursor_ok(&c));
		for (size_t i = 0; i <= len; i++)
			assert_int_equal(out[i], 0); /* zero-filled, not partly copied */

		cursor_init(&c, buf, len);
		assert_null(cursor_take(&c, len + 1));
		assert_false(cursor_ok(&c));
		free(buf);
	}

	/* Failed after a partial read: the rest reads as zero. */
	cursor_init(&c, bytes, 3);
	assert_int_equal(cursor_u16(&c), 0x0102);
	assert_int_equal(cursor_u16(&c), 0);
	assert_false(cursor_ok(&c));
	assert_int_equal(cursor_u8(&c), 0); /* 0x03 was there, but failed is final */
	cursor_bytes(&c, out, 1);
	assert_int_equal(out[0], 0);

	/* Huge lengths do not wrap the bounds check. */
	cursor_init(&c, bytes, sizeof bytes);
	cursor_skip(&c, 1);
	assert_null(cursor_take(&c, SIZE_MAX));
	assert_false(cursor_ok(&c));
	cursor_init(&c, bytes, sizeof bytes);
	cursor_skip(&c, SIZE_MAX - 1);
	assert_false(cursor_ok(&c));
	cursor_init(&c, bytes, sizeof bytes);
	cursor_skip(&c, sizeof bytes);
	assert_true(cursor_ok(&c));
	cursor_skip(&c, 1);
	assert_false(cursor_ok(&c));
}

static void writer_values(void **state)
{
	(void)state;
	uint8_t buf[17];
	struct writer w;
	memset(buf, 0xee, sizeof buf);
	writer_init(&w, buf, sizeof buf);
	writer_u8(&w, 0x01);
	writer_u16(&w, 0x0203);
	writer_u32(&w, 0x04050607);
	writer_u64(&w, 0x08090a0b0c0d0e0full);
	writer_bytes(&w, "\x10", 1);
	writer_zeros(&w, 1);
	assert_true(writer_ok(&w));
	assert_int_equal(w.pos, sizeof buf);
	assert_memory_equal(buf, bytes, 16);
	assert_int_equal(buf[16], 0);

	/* Round trip through the reader. */
	struct cursor c;
	cursor_init(&c, buf, sizeof buf);
	assert_int_equal(cursor_u8(&c), 0x01);
	assert_int_equal(cursor_u16(&c), 0x0203);
	assert_int_equal(cursor_u32(&c), 0x04050607);
	assert_int_equal(cursor_u64(&c), 0x08090a0b0c0d0e0full);
}

static void writer_overflow(void **state)
{
	(void)state;
	for (size_t cap = 0; cap < 8; cap++) {
		/* One guard byte past cap: it must never be written. */
		uint8_t *buf = malloc(cap + 1);
		assert_non_null(buf);
		memset(buf, 0xee, cap + 1);
		struct writer w;
		writer_init(&w, buf, cap);
		writer_u64(&w, UINT64_MAX);
		assert_false(writer_ok(&w));
		assert_int_equal(w.pos, 0);
		for (size_t i = 0; i <= cap; i++)
			assert_int_equal(buf[i], 0xee); /* nothing partial */
		/* Failed is final: even a write that would fit is dropped. */
		writer_u8(&w, 1);
		writer_zeros(&w, 0);
		writer_bytes(&w, "x", 1);
		assert_false(writer_ok(&w));
		for (size_t i = 0; i <= cap; i++)
			assert_int_equal(buf[i], 0xee);
		free(buf);
	}

	uint8_t buf[5];
	struct writer w;
	writer_init(&w, buf, 4);
	writer_u16(&w, 1);
	writer_u16(&w, 2);
	assert_true(writer_ok(&w));
	writer_zeros(&w, 1);
	assert_false(writer_ok(&w));
	writer_init(&w, buf, 4);
	writer_u8(&w, 1);
	writer_u32(&w, 2);
	assert_false(writer_ok(&w));
	writer_init(&w, buf, 4);
	writer_u8(&w, 1);
	writer_bytes(&w, buf, SIZE_MAX);
	assert_false(writer_ok(&w));
	writer_init(&w, buf, 4);
	writer_u8(&w, 1);
	writer_zeros(&w, SIZE_MAX);
	assert_false(writer_ok(&w));
	assert_int_equal(w.pos, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(big_endian_reads),
		cmocka_unit_test(take_skip_bytes),
		cmocka_unit_test(past_the_end),
		cmocka_unit_test(writer_values),
		cmocka_unit_test(writer_overflow),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_otp — RFC 2289 one-time passwords: every example of appendix C (MD5
 * and SHA1, hex and six words), the dictionary's shape, and the parser of
 * typed responses (case, separators, checksum, hostile input). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "otp.h"
#include "otp_words.h"

struct vector {
	enum otp_alg hash;
	const char *pass, *seed;
	uint32_t count;
	const char *hex, *words;
};

/* RFC 2289 appendix C, "OTP Verification Examples" (MD4 is not supported). */
static const struct vector vectors[] = {
	{ OTP_ALG_MD5, "This is a test.", "TeSt", 0, "9E87 6134 D904 99DD", "INCH SEA ANNE LONG AHEM TOUR" },
	{ OTP_ALG_MD5, "This is a test.", "TeSt", 1, "7965 E054 36F5 029F", "EASE OIL FUM CURE AWRY AVIS" },
	{ OTP_ALG_MD5, "This is a test.", "TeSt", 99, "50FE 1962 C496 5880", "BAIL TUFT BITS GANG CHEF THY" },
	{ OTP_ALG_MD5, "AbCdEfGhIjK", "alpha1", 0, "8706 6DD9 644B F206", "FULL PEW DOWN ONCE MORT ARC" },
	{ OTP_ALG_MD5, "AbCdEfGhIjK", "alpha1", 1, "7CD3 4C10 40AD D14B", "FACT HOOF AT FIST SITE KENT" },
	{ OTP_ALG_MD5, "AbCdEfGhIjK", "alpha1", 99, "5AA3 7A81 F212 146C", "BODE HOP JAKE STOW JUT RAP" },
	{ OTP_ALG_MD5, "OTP's are good", "correct", 0, "F205 7539 43DE 4CF9", "ULAN NEW ARMY FUSE SUIT EYED" },
	{ OTP_ALG_MD5, "OTP's are good", "correct", 1, "DDCD AC95 6F23 4937", "SKIM CULT LOB SLAM POE HOWL" },
	{ OTP_ALG_MD5, "OTP's are good", "correct", 99, "B203 E28F A525 BE47", "LONG IVY JULY AJAR BOND LEE" },
	{ OTP_ALG_SHA1, "This is a test.", "TeSt", 0, "BB9E 6AE1 979D 8FF4", "MILT VARY MAST OK SEES WENT" },
	{ OTP_ALG_SHA1, "This is a test.", "TeSt", 1, "63D9 3663 9734 385B", "CART OTTO HIVE ODE VAT NUT" },
	{ OTP_ALG_SHA1, "This is a test.", "TeSt", 99, "87FE C776 8B73 CCF9", "GAFF WAIT SKID GIG SKY EYED" },
	{ OTP_ALG_SHA1, "AbCdEfGhIjK", "alpha1", 0, "AD85 F658 EBE3 83C9", "LEST OR HEEL SCOT ROB SUIT" },
	{ OTP_ALG_SHA1, "AbCdEfGhIjK", "alpha1", 1, "D07C E229 B5CF 119B", "RITE TAKE GELD COST TUNE RECK" },
	{ OTP_ALG_SHA1, "AbCdEfGhIjK", "alpha1", 99, "27BC 7103 5AAF 3DC6", "MAY STAR TIN LYON VEDA STAN" },
	{ OTP_ALG_SHA1, "OTP's are good", "correct", 0, "D51F 3E99 BF8E 6F0B", "RUST WELT KICK FELL TAIL FRAU" },
	{ OTP_ALG_SHA1, "OTP's are good", "correct", 1, "82AE B52D 9437 74E4", "FLIT DOSE ALSO MEW DRUM DEFY" },
	{ OTP_ALG_SHA1, "OTP's are good", "correct", 99, "4F29 6A74 FE15 67EC", "AURA ALOE HURL WING BERG WAIT" },
};
#define NVECTORS (sizeof vectors / sizeof vectors[0])

static void appendix_c(void **state)
{
	(void)state;
	for (size_t i = 0; i < NVECTORS; i++) {
		const struct vector *v = &vectors[i];
		uint8_t out[OTP_BYTES], parsed[OTP_BYTES];
		char hex[OTP_HEX_BUF], words[OTP_WORDS_BUF];
		enum otp_form form;
		assert_int_equal(otp_compute(v->hash, v->seed, v->pass, strlen(v->pass),
			v->count, out), 0);
		otp_format_hex(out, hex);
		otp_format_words(out, ' ', words);
		assert_string_equal(hex, v->hex);
		assert_string_equal(words, v->words);
		/* Both printed forms read back to the value. */
		assert_true(otp_parse(v->hex, strlen(v->hex), parsed, &form));
		assert_int_equal(form, OTP_FORM_HEX);
		assert_memory_equal(parsed, out, OTP_BYTES);
		assert_true(otp_parse(v->words, strlen(v->words), parsed, &form));
		assert_int_equal(form, OTP_FORM_WORDS);
		assert_memory_equal(parsed, out, OTP_BYTES);
	}
}

/* The chain property the server relies on: H(otp(n-1)) == otp(n). */
static void chain_steps(void **state)
{
	(void)state;
	uint8_t a[OTP_BYTES], b[OTP_BYTES];
	for (int h = OTP_ALG_MD5; h <= OTP_ALG_SHA1; h++) {
		assert_int_equal(otp_compute(h, "alpha1", "AbCdEfGhIjK", 11, 98, a), 0);
		otp_step(h, a, a);
		assert_int_equal(otp_compute(h, "alpha1", "AbCdEfGhIjK", 11, 99, b), 0);
		assert_memory_equal(a, b, OTP_BYTES);
	}
	/* The seed is lower-cased: "TeSt" and "test" are one chain. */
	assert_int_equal(otp_compute(OTP_ALG_MD5, "test", "This is a test.", 15, 1, a), 0);
	assert_int_equal(otp_compute(OTP_ALG_MD5, "TEST", "This is a test.", 15, 1, b), 0);
	assert_memory_equal(a, b, OTP_BYTES);
	/* Bad seeds and hashes are refused. */
	assert_int_equal(otp_compute(OTP_ALG_MD5, "", "x", 1, 1, a), -1);
	assert_int_equal(otp_compute(OTP_ALG_MD5, "has space", "x", 1, 1, a), -1);
	assert_int_equal(otp_compute(OTP_ALG_MD5, "seventeenchars123", "x", 1, 1, a), -1);
	assert_int_equal(otp_compute(OTP_ALG_NONE, "seed", "x", 1, 1, a), -1);
}

static void dictionary_shape(void **state)
{
	(void)state;
	for (size_t i = 0; i < OTP_WORDS; i++) {
		size_t n = strlen(otp_words[i]);
		if (i < OTP_WORDS_SHORT)
			assert_true(n >= 1 && n <= 3);
		else
			assert_int_equal(n, 4);
		for (size_t k = 0; k < n; k++)
			assert_true(otp_words[i][k] >= 'A' && otp_words[i][k] <= 'Z');
		if (i > 0 && i != OTP_WORDS_SHORT)
			assert_true(strcmp(otp_words[i - 1], otp_words[i]) < 0);
	}
	assert_string_equal(otp_words[0], "A");
	assert_string_equal(otp_words[OTP_WORDS_SHORT - 1], "YOU");
	assert_string_equal(otp_words[OTP_WORDS_SHORT], "ABED");
	assert_string_equal(otp_words[OTP_WORDS - 1], "YOKE");
	/* Every word survives a round trip: encode an index, decode it. */
	for (unsigned i = 0; i < OTP_WORDS; i++) {
		uint8_t v[OTP_BYTES] = { 0 }, back[OTP_BYTES];
		char w[OTP_WORDS_BUF];
		v[0] = (uint8_t)(i >> 3);
		v[1] = (uint8_t)(i << 5);
		otp_format_words(v, ' ', w);
		assert_memory_equal(w, otp_words[i], strlen(otp_words[i]));
		assert_true(otp_parse(w, strlen(w), back, NULL));
		assert_memory_equal(back, v, OTP_BYTES);
	}
}

static void parse_as_typed(void **state)
{
	(void)state;
	static const char *const same[] = {
		"BAIL TUFT BITS GANG CHEF THY",
		"bail tuft bits gang chef thy",
		"Bail-Tuft-Bits-Gang-Chef-Thy",
		"  bail\ttuft  bits,gang.chef_thy\r\n",
		"word:bail tuft bits gang chef thy",
		"50FE 1962 C496 5880",
		"50fe1962c4965880",
		"50-fe-19-62-c4-96-58-80\n",
		"hex: 50FE 1962 C496 5880",
	};
	uint8_t want[OTP_BYTES], got[OTP_BYTES];
	assert_int_equal(otp_compute(OTP_ALG_MD5, "TeSt", "This is a test.", 15, 99, want), 0);
	for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
		assert_true(otp_parse(same[i], strlen(same[i]), got, NULL));
		assert_memory_equal(got, want, OTP_BYTES);
	}
}

static void parse_refuses(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"", " ", "---",
		"BAIL TUFT BITS GANG CHEF",           /* five words */
		"BAIL TUFT BITS GANG CHEF THY THY",   /* seven */
		"BAIL TUFT BITS GANG CHEF TIC",       /* checksum wrong */
		"BAIL TUFT BITS GANG CHEF XYZZY",     /* not a word */
		"BAIL TUFT BITS GANG CHEFS THY",
		"50FE 1962 C496 588",                 /* 15 digits */
		"50FE 1962 C496 58800",               /* 17 */
		"50FE 1962 C496 588G",
		"hex:BAIL TUFT BITS GANG CHEF THY",   /* forced form */
		"word:50FE 1962 C496 5880",
		"BAIL TUFT BITS GANG CHEF TH\xc3\xbf",/* not ASCII */
		"BAIL TUFT\x01 BITS GANG CHEF THY",   /* control byte */
		"a b c d e f g h i",                  /* too many tokens */
		"0123456789abcdef0",                  /* token too long */
	};
	uint8_t got[OTP_BYTES];
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_false(otp_parse(bad[i], strlen(bad[i]), got, NULL));
	/* Embedded NUL: the length rules, and a NUL is a control byte. */
	assert_false(otp_parse("50FE 1962\0C496 5880", 19, got, NULL));
	/* Longer than OTP_TEXT_MAX. */
	char longtext[OTP_TEXT_MAX + 2];
	memset(longtext, ' ', sizeof longtext);
	memcpy(longtext, "50FE1962C4965880", 16);
	assert_false(otp_parse(longtext, sizeof longtext, got, NULL));
	assert_true(otp_parse(longtext, OTP_TEXT_MAX, got, NULL));
}

static void challenges(void **state)
{
	(void)state;
	enum otp_alg h;
	uint32_t seq;
	char seed[OTP_SEED_MAX + 1];
	assert_true(otp_challenge_parse("otp-md5 499 ssh22", &h, &seq, seed));
	assert_int_equal(h, OTP_ALG_MD5);
	assert_int_equal(seq, 499);
	assert_string_equal(seed, "ssh22");
	assert_true(otp_challenge_parse("  otp-sha1 0 TeSt ext", &h, &seq, seed));
	assert_int_equal(h, OTP_ALG_SHA1);
	assert_int_equal(seq, 0);
	assert_false(otp_challenge_parse("md5 499 ssh22", &h, &seq, seed));
	assert_false(otp_challenge_parse("otp-md4 499 ssh22", &h, &seq, seed));
	assert_false(otp_challenge_parse("otp-md5 -1 ssh22", &h, &seq, seed));
	assert_false(otp_challenge_parse("otp-md5 99999 ssh22", &h, &seq, seed));
	assert_false(otp_challenge_parse("otp-md5 499", &h, &seq, seed));
	assert_false(otp_challenge_parse("otp-md5 499 seventeenchars123", &h, &seq, seed));
	assert_false(otp_challenge_parse("otp-md5 499 bad!seed", &h, &seq, seed));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(appendix_c),
		cmocka_unit_test(chain_steps),
		cmocka_unit_test(dictionary_shape),
		cmocka_unit_test(parse_as_typed),
		cmocka_unit_test(parse_refuses),
		cmocka_unit_test(challenges),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

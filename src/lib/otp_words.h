/* otp_words — the RFC 2289 standard dictionary (appendix D), used by otp.c
 * to write and read the six-word form of a one-time password. */
#ifndef POSTERN_OTP_WORDS_H
#define POSTERN_OTP_WORDS_H

#define OTP_WORDS 2048
/* Words 0..OTP_WORDS_SHORT-1 have 1..3 letters, the rest exactly 4. */
#define OTP_WORDS_SHORT 571
#define OTP_WORD_MAX 4

/* Upper case, alphabetical within each of the two length groups. */
extern const char *const otp_words[OTP_WORDS];

#endif

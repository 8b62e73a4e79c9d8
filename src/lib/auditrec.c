/* auditrec — see auditrec.h.
 *
 * The reader walks the line with the bounds-checked cursor, one byte at a
 * time; it accepts exactly the JSON subset the writer produces (plus JSON
 * white space between tokens), so a record that a third-party JSON tool
 * reads the same way is the only kind `postern audit verify` accepts. */
#include "auditrec.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "cursor.h"
#include "jsonesc.h"

void auditrec_time(uint64_t unix_ms, char out[static AUDITREC_TIME_MAX])
{
	time_t t = (time_t)(unix_ms / 1000);
	struct tm tm;
	char day[24];
	gmtime_r(&t, &tm);
	strftime(day, sizeof day, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, AUDITREC_TIME_MAX, "%s.%03uZ", day, (unsigned)(unix_ms % 1000));
}

static bool key_ok(const char *k)
{
	size_t n = strlen(k);
	if (n == 0 || n >= AUDITREC_KEY_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((k[i] >= 'a' && k[i] <= 'z') || (k[i] >= '0' && k[i] <= '9') || k[i] == '_'))
			return false;
	return true;
}

static void put_str(struct jsonbuf *j, const char *key, const char *v)
{
	jsonbuf_raw(j, ",\"");
	jsonbuf_raw(j, key);
	jsonbuf_raw(j, "\":");
	/* Long values are cut, so one field cannot crowd out the others. */
	size_t n = strnlen(v, AUDITREC_STR_CUT);
	jsonbuf_str(j, v, n);
}

static void put_num(struct jsonbuf *j, const char *key, unsigned long long v)
{
	jsonbuf_raw(j, ",\"");
	jsonbuf_raw(j, key);
	jsonbuf_raw(j, "\":");
	jsonbuf_u64(j, v);
}

long auditrec_format(char *out, size_t cap, uint64_t seq,
	const char prev[static AUDITREC_HASH_HEX + 1], const char *time,
	const char *event, const struct auditrec_kv *kv, size_t n)
{
	struct jsonbuf j;
	if (cap > AUDITREC_LINE_MAX + 1)
		cap = AUDITREC_LINE_MAX + 1;
	if (!key_ok(event) || n + 5 > AUDITREC_FIELDS_MAX)
		return -1;
	jsonbuf_init(&j, out, cap);
	jsonbuf_raw(&j, "{\"v\":");
	jsonbuf_u64(&j, AUDITREC_VERSION);
	put_num(&j, "seq", seq);
	put_str(&j, "prev", prev);
	put_str(&j, "time", time);
	put_str(&j, "event", event);
	for (size_t i = 0; i < n; i++) {
		if (!key_ok(kv[i].key))
			return -1;
		if (kv[i].str)
			put_str(&j, kv[i].key, kv[i].str);
		else
			put_num(&j, kv[i].key, kv[i].num);
	}
	jsonbuf_raw(&j, "}");
	return j.ok ? (long)j.len : -1;
}

/* ---- reading ---- */

struct rd {
	struct cursor c;
	const char *line;
	struct errbuf *err;
};

static int fail(struct rd *r, const char *what)
{
	errbuf_set(r->err, "byte %zu: %s", r->c.pos + 1, what);
	return -1;
}

/* The next byte without consuming it, or -1 at the end. */
static int peek(const struct rd *r)
{
	return cursor_left(&r->c) ? r->c.buf[r->c.pos] : -1;
}

static void skip_ws(struct rd *r)
{
	int ch;
	while ((ch = peek(r)) == ' ' || ch == '\t' || ch == '\r' || ch == '\n')
		cursor_skip(&r->c, 1);
}

static int expect(struct rd *r, char want, const char *what)
{
	skip_ws(r);
	if (peek(r) != (unsigned char)want)
		return fail(r, what);
	cursor_skip(&r->c, 1);
	return 0;
}

static int hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

static int read_u16hex(struct rd *r, unsigned *out)
{
	const uint8_t *p = cursor_take(&r->c, 4);
	*out = 0;
	if (!p)
		return fail(r, "truncated \\u escape");
	for (int i = 0; i < 4; i++) {
		int v = hexval(p[i]);
		if (v < 0)
			return fail(r, "bad \\u escape");
		*out = *out << 4 | (unsigned)v;
	}
	return 0;
}

/* Appends code point cp as UTF-8 to out (cap bytes incl. the NUL). */
static int put_utf8(struct rd *r, uint32_t cp, char *out, size_t cap, size_t *len)
{
	char b[4];
	size_t n;
	if (cp < 0x80) {
		b[0] = (char)cp; n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | cp >> 6); b[1] = (char)(0x80 | (cp & 0x3f)); n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | cp >> 12); b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f)); n = 3;
	} else {
		b[0] = (char)(0xf0 | cp >> 18); b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3f)); b[3] = (char)(0x80 | (cp & 0x3f)); n = 4;
	}
	if (*len + n >= cap)
		return fail(r, "string too long");
	memcpy(out + *len, b, n);
	*len += n;
	out[*len] = '\0';
	return 0;
}

static int read_escape(struct rd *r, char *out, size_t cap, size_t *len)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	int ch = peek(r);
	cursor_skip(&r->c, 1);
	const char *hit = ch > 0 ? strchr(from, ch) : NULL;
	if (hit && ch != 'u')
		return put_utf8(r, (unsigned char)to[hit - from], out, cap, len);
	if (ch != 'u')
		return fail(r, "unknown escape");
	unsigned hi, lo;
	if (read_u16hex(r, &hi) < 0)
		return -1;
	if (hi == 0)
		return fail(r, "\\u0000 in a string");
	if (hi >= 0xdc00 && hi <= 0xdfff)
		return fail(r, "lone low surrogate");
	if (hi < 0xd800 || hi > 0xdbff)
		return put_utf8(r, hi, out, cap, len);
	if (cursor_left(&r->c) < 2 || r->c.buf[r->c.pos] != '\\' || r->c.buf[r->c.pos + 1] != 'u')
		return fail(r, "high surrogate without a low one");
	cursor_skip(&r->c, 2);
	if (read_u16hex(r, &lo) < 0)
		return -1;
	if (lo < 0xdc00 || lo > 0xdfff)
		return fail(r, "high surrogate without a low one");
	return put_utf8(r, 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00), out, cap, len);
}

/* Reads a JSON string (the opening quote is next) into out. */
static int read_string(struct rd *r, char *out, size_t cap)
{
	size_t len = 0;
	out[0] = '\0';
	if (expect(r, '"', "expected a string") < 0)
		return -1;
	for (;;) {
		int ch = peek(r);
		if (ch < 0)
			return fail(r, "unterminated string");
		if (ch == '"') {
			cursor_skip(&r->c, 1);
			return 0;
		}
		if (ch < 0x20)
			return fail(r, "control character in a string");
		if (ch == '\\') {
			cursor_skip(&r->c, 1);
			if (read_escape(r, out, cap, &len) < 0)
				return -1;
			continue;
		}
		size_t n = ch < 0x80 ? 1 : json_utf8_len(r->c.buf + r->c.pos, cursor_left(&r->c));
		if (n == 0)
			return fail(r, "invalid UTF-8");
		if (len + n >= cap)
			return fail(r, "string too long");
		cursor_bytes(&r->c, out + len, n);
		len += n;
		out[len] = '\0';
	}
}

/* A non-negative integer without sign, fraction, exponent or leading zero. */
static int read_number(struct rd *r, char *out, size_t cap)
{
	size_t n = 0;
	int ch;
	while ((ch = peek(r)) >= '0' && ch <= '9') {
		if (n + 1 >= cap || n >= 20)
			return fail(r, "number too long");
		out[n++] = (char)ch;
		cursor_skip(&r->c, 1);
	}
	out[n] = '\0';
	if (n == 0)
		return fail(r, "expected a string or a non-negative integer");
	if (n > 1 && out[0] == '0')
		return fail(r, "number with a leading zero");
	if (ch == '.' || ch == 'e' || ch == 'E')
		return fail(r, "only integers are allowed");
	if (n == 20 && strcmp(out, "18446744073709551615") > 0)
		return fail(r, "number out of range");
	return 0;
}

static uint64_t to_u64(const char *digits)
{
	uint64_t v = 0;
	for (; *digits; digits++)
		v = v * 10 + (uint64_t)(*digits - '0');
	return v;
}

static bool is_hash(const char *s)
{
	if (strlen(s) != AUDITREC_HASH_HEX)
		return false;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return false;
	return true;
}

/* Copies the five fields every record has into their places. */
static int check_core(struct rd *r, struct auditrec *out)
{
	const struct auditrec_field *v = auditrec_get(out, "v"),
		*seq = auditrec_get(out, "seq"), *prev = auditrec_get(out, "prev"),
		*t = auditrec_get(out, "time"), *ev = auditrec_get(out, "event");
	if (!v || !v->is_num || strcmp(v->value, "1") != 0) {
		errbuf_set(r->err, "\"v\" is missing or not 1");
		return -1;
	}
	if (!seq || !seq->is_num) {
		errbuf_set(r->err, "\"seq\" is missing or not a number");
		return -1;
	}
	if (!prev || prev->is_num || !is_hash(prev->value)) {
		errbuf_set(r->err, "\"prev\" is missing or not 64 lower-case hex digits");
		return -1;
	}
	if (!t || t->is_num || strlen(t->value) >= AUDITREC_TIME_MAX || !t->value[0]) {
		errbuf_set(r->err, "\"time\" is missing or not a time");
		return -1;
	}
	if (!ev || ev->is_num || !key_ok(ev->value)) {
		errbuf_set(r->err, "\"event\" is missing or not a word of [a-z0-9_]");
		return -1;
	}
	out->version = AUDITREC_VERSION;
	out->seq = to_u64(seq->value);
	memcpy(out->prev, prev->value, AUDITREC_HASH_HEX + 1);
	memcpy(out->time, t->value, strlen(t->value) + 1); /* checked above */
	memcpy(out->event, ev->value, strlen(ev->value) + 1); /* key_ok: < 32 */
	return 0;
}

int auditrec_parse(const char *line, size_t len, struct auditrec *out,
	struct errbuf *err)
{
	struct rd r = { .line = line, .err = err };
	memset(out, 0, sizeof *out);
	if (len > AUDITREC_LINE_MAX) {
		errbuf_set(err, "line longer than %d bytes", AUDITREC_LINE_MAX);
		return -1;
	}
	cursor_init(&r.c, line, len);
	if (expect(&r, '{', "expected '{'") < 0)
		return -1;
	for (;;) {
		if (out->nfields == AUDITREC_FIELDS_MAX)
			return fail(&r, "too many fields");
		struct auditrec_field *f = &out->fields[out->nfields];
		if (read_string(&r, f->key, sizeof f->key) < 0)
			return -1;
		if (!key_ok(f->key))
			return fail(&r, "key is not [a-z0-9_]{1,31}");
		if (auditrec_get(out, f->key))
			return fail(&r, "duplicate key");
		if (expect(&r, ':', "expected ':'") < 0)
			return -1;
		skip_ws(&r);
		if (peek(&r) == '"') {
			if (read_string(&r, f->value, sizeof f->value) < 0)
				return -1;
		} else {
			if (read_number(&r, f->value, sizeof f->value) < 0)
				return -1;
			f->is_num = true;
		}
		out->nfields++;
		skip_ws(&r);
		if (peek(&r) == ',') {
			cursor_skip(&r.c, 1);
			continue;
		}
		if (expect(&r, '}', "expected ',' or '}'") < 0)
			return -1;
		break;
	}
	skip_ws(&r);
	if (cursor_left(&r.c) != 0)
		return fail(&r, "text after the object");
	return check_core(&r, out);
}

const struct auditrec_field *auditrec_get(const struct auditrec *r, const char *key)
{
	for (size_t i = 0; i < r->nfields; i++)
		if (strcmp(r->fields[i].key, key) == 0)
			return &r->fields[i];
	return NULL;
}

void auditrec_hex(const uint8_t *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

int auditrec_unhex(const char *hex, uint8_t *out, size_t n)
{
	if (strlen(hex) != 2 * n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int hi = hexval((unsigned char)hex[2 * i]), lo = hexval((unsigned char)hex[2 * i + 1]);
		if (hi < 0 || lo < 0 || hex[2 * i] < '0' || (hex[2 * i] > '9' && hex[2 * i] < 'a')
		    || (hex[2 * i + 1] > '9' && hex[2 * i + 1] < 'a'))
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

void auditrec_hash(const char *line, size_t len, char out[static AUDITREC_HASH_HEX + 1])
{
	uint8_t h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, (const unsigned char *)line, len);
	auditrec_hex(h, sizeof h, out);
}

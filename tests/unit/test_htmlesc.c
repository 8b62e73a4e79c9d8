/* test_htmlesc — HTML escaping for postern report --html (src/lib/htmlesc.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "htmlesc.h"

static void assert_esc(const char *in, size_t n, const char *want)
{
	char out[256];
	long len = html_escape(in, n, out, sizeof out);
	assert_int_equal(len, (long)strlen(want));
	assert_string_equal(out, want);
	/* html_fputs writes the same */
	char *buf = NULL;
	size_t sz = 0;
	FILE *f = open_memstream(&buf, &sz);
	char z[256];
	memcpy(z, in, n);
	z[n] = '\0';
	html_fputs(z, f);
	fclose(f);
	if (!memchr(in, '\0', n))
		assert_string_equal(buf, want);
	free(buf);
}

#define ESC(lit, want) assert_esc(lit, sizeof(lit) - 1, want)

static void test_specials(void **state)
{
	(void)state;
	ESC("alice", "alice");
	ESC("", "");
	ESC("<script>alert('x')</script>", "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");
	ESC("a&b", "a&amp;b");
	ESC("&amp;", "&amp;amp;"); /* never trusts an entity in the input */
	ESC("\" onmouseover=\"x", "&quot; onmouseover=&quot;x");
	ESC("x' y='1", "x&#39; y=&#39;1");
	ESC("10.0.0.1/24", "10.0.0.1/24");
	ESC("<!-- c -->", "&lt;!-- c --&gt;");
	ESC("]]>", "]]&gt;");
}

static void test_controls_and_utf8(void **state)
{
	(void)state;
	ESC("tab\there\nline", "tab\there\nline");
	ESC("a\rb", "a\xEF\xBF\xBD" "b");
	ESC("\x1b[31m", "\xEF\xBF\xBD[31m");
	ESC("del\x7f", "del\xEF\xBF\xBD");
	ESC("Z\xC3\xBCrich", "Z\xC3\xBCrich"); /* well-formed UTF-8 kept */
	ESC("\xE2\x82\xAC", "\xE2\x82\xAC");
	ESC("bad\xC3", "bad\xEF\xBF\xBD"); /* truncated */
	ESC("\xC0\xBC", "\xEF\xBF\xBD\xEF\xBF\xBD"); /* overlong '<' */
	ESC("\xED\xA0\x80", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"); /* surrogate */
	ESC("\xFF", "\xEF\xBF\xBD");
	assert_esc("a\0b", 3, "a\xEF\xBF\xBD" "b");
}

static void test_bounds(void **state)
{
	(void)state;
	char out[6];
	assert_int_equal(html_escape("abcde", 5, out, sizeof out), 5);
	assert_int_equal(html_escape("abcdef", 6, out, sizeof out), -1);
	assert_string_equal(out, "");
	assert_int_equal(html_escape("a<", 2, out, sizeof out), 5); /* "a&lt;" + NUL = 6 */
	assert_int_equal(html_escape("a<", 2, out, 5), -1);
	assert_int_equal(html_escape("<", 1, out, 5), 4);
	assert_int_equal(html_escape("x", 1, out, 0), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_specials),
		cmocka_unit_test(test_controls_and_utf8),
		cmocka_unit_test(test_bounds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

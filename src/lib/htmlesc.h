/* htmlesc — escaping text for HTML (element content and quoted attribute
 * values alike), for postern report --html.
 *
 * & < > " ' become &amp; &lt; &gt; &quot; &#39;. Control characters other
 * than tab and newline, DEL, and any byte that is not part of well-formed
 * UTF-8 (jsonesc.h's rules) become U+FFFD, so the page stays valid UTF-8 and
 * no input can open a tag, close an attribute or start an entity. */
#ifndef POSTERN_HTMLESC_H
#define POSTERN_HTMLESC_H

#include <stddef.h>
#include <stdio.h>

/* Escapes n bytes of s into out (cap bytes, NUL-terminated). Returns the
 * length written, or -1 if it did not fit (out is then ""). */
long html_escape(const char *s, size_t n, char *out, size_t cap);
/* Writes the NUL-terminated s to f, escaped. */
void html_fputs(const char *s, FILE *f);

#endif

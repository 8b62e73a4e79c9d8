/* report_render — the two faces of a computed report (report.h): aligned
 * text sections for a terminal or a mail, and one self-contained HTML page
 * (inline CSS and SVG bar charts, no script, no external resource, every
 * piece of text from the config or the state store escaped by htmlesc.h). */
#ifndef POSTERN_REPORT_RENDER_H
#define POSTERN_REPORT_RENDER_H

#include <stdio.h>

#include "report.h"

/* state_path names the store read (shown in the heading). 0, or -1 if
 * writing to f failed. */
int report_text(const struct report *r, const char *state_path, FILE *f);
int report_html(const struct report *r, const char *state_path, FILE *f);

#endif

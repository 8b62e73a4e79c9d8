/* report_html — report_render.h's HTML face: one page, inline CSS, two
 * inline SVG bar charts (knocks per user: one bar per user of the config;
 * knocks per day: one bar per day of the period), no script, no link to
 * anything. Every string from the config or the state store goes through
 * html_fputs; numbers are printed by printf. */
#include "report_render.h"

#include <string.h>

#include "htmlesc.h"

#define CHART_W 640
#define BAR_H 18
#define BAR_GAP 6
#define LABEL_W 150
#define DAY_CHART_H 160

static const char css[] =
	"body{font:14px/1.4 system-ui,sans-serif;margin:2em auto;max-width:60em;"
	"color:#222;background:#fff}"
	"h1{font-size:1.5em}h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ccc}"
	"table{border-collapse:collapse}td,th{padding:.2em .8em;text-align:left;"
	"border-bottom:1px solid #eee}td.n{text-align:right}"
	".meta{color:#555}.none{color:#080}.warn{color:#a40}"
	"svg text{font:12px sans-serif;fill:#333}rect.bar{fill:#4a7ab5}"
	"rect.zero{fill:#ccc}";

static void esc(FILE *f, const char *s)
{
	html_fputs(s, f);
}

static void head(const struct report *r, const char *state_path, FILE *f)
{
	char from[REPORT_TIME_LEN], to[REPORT_TIME_LEN];
	fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		"<title>postern access review</title>\n<style>%s</style>\n</head>\n<body>\n"
		"<h1>postern access review</h1>\n<p class=\"meta\">config <code>", css);
	esc(f, r->c->path);
	fprintf(f, "</code>, state <code>");
	esc(f, state_path);
	fprintf(f, "</code><br>period: the last %u days, %s to %s<br>%zu users, "
		"%zu knocks in the period", r->days, report_time(r->since, from),
		report_time(r->now, to), r->nusers, report_period_total(r));
	if (r->unknown)
		fprintf(f, "<br>knocks by users no longer in the config: %zu", r->unknown);
	fprintf(f, "</p>\n");
}

static void users_table(const struct report *r, FILE *f)
{
	char last[REPORT_TIME_LEN];
	fprintf(f, "<h2>Users</h2>\n<table>\n<tr><th>user</th><th>status</th>"
		"<th>knocks</th><th>last knock</th><th>from</th></tr>\n");
	for (size_t i = 0; i < r->nusers; i++) {
		const struct report_user *u = &r->users[i];
		fprintf(f, "<tr><td>");
		esc(f, u->cu->name);
		fprintf(f, "</td><td>%s</td><td class=\"n\">%zu</td><td>%s</td><td>",
			u->cu->prof->disabled ? "disabled" : "active", u->in_period,
			u->seen ? report_time(u->last_at, last) : "never");
		esc(f, u->seen ? u->last_addr : "-");
		fprintf(f, "</td></tr>\n");
	}
	fprintf(f, "</table>\n");
}

/* Horizontal bars, one per user, scaled to the busiest. */
static void chart_users(const struct report *r, FILE *f)
{
	size_t max = 1;
	for (size_t i = 0; i < r->nusers; i++)
		if (r->users[i].in_period > max)
			max = r->users[i].in_period;
	unsigned h = (unsigned)(r->nusers * (BAR_H + BAR_GAP) + BAR_GAP);
	unsigned room = CHART_W - LABEL_W - 60;
	fprintf(f, "<h2>Knocks per user</h2>\n<svg id=\"per-user\" width=\"%u\" "
		"height=\"%u\" viewBox=\"0 0 %u %u\" role=\"img\" "
		"aria-label=\"knocks per user in the period\">\n", CHART_W, h, CHART_W, h);
	for (size_t i = 0; i < r->nusers; i++) {
		const struct report_user *u = &r->users[i];
		unsigned y = (unsigned)(BAR_GAP + i * (BAR_H + BAR_GAP));
		unsigned w = (unsigned)(u->in_period * room / max);
		fprintf(f, "<text x=\"%u\" y=\"%u\" text-anchor=\"end\">", LABEL_W - 6,
			y + BAR_H - 4);
		esc(f, u->cu->name);
		fprintf(f, "</text><rect class=\"bar%s\" x=\"%u\" y=\"%u\" width=\"%u\" "
			"height=\"%u\"><title>", u->in_period ? "" : " zero", LABEL_W, y,
			w ? w : 1, BAR_H);
		esc(f, u->cu->name);
		fprintf(f, ": %zu in the period</title></rect><text x=\"%u\" y=\"%u\">%zu</text>\n",
			u->in_period, LABEL_W + (w ? w : 1) + 6, y + BAR_H - 4, u->in_period);
	}
	fprintf(f, "</svg>\n");
}

/* Vertical bars, one per day of the period, oldest at the left. */
static void chart_days(const struct report *r, FILE *f)
{
	size_t max = 1;
	for (unsigned d = 0; d < r->days; d++)
		if (r->per_day[d] > max)
			max = r->per_day[d];
	unsigned bw = r->days <= 60 ? 10 : r->days <= 180 ? 4 : 1;
	unsigned w = 40 + r->days * (bw + 1), plot = DAY_CHART_H - 30;
	char first[REPORT_TIME_LEN], last[REPORT_TIME_LEN];
	fprintf(f, "<h2>Knocks per day</h2>\n<svg id=\"per-day\" width=\"%u\" "
		"height=\"%u\" viewBox=\"0 0 %u %u\" role=\"img\" "
		"aria-label=\"knocks per day in the period\">\n", w, DAY_CHART_H, w,
		DAY_CHART_H);
	fprintf(f, "<text x=\"0\" y=\"12\">%zu</text>\n", max);
	for (unsigned d = 0; d < r->days; d++) {
		unsigned bh = (unsigned)(r->per_day[d] * plot / max);
		uint64_t day = r->now - (uint64_t)(r->days - 1 - d) * 86400;
		fprintf(f, "<rect class=\"day\" x=\"%u\" y=\"%u\" width=\"%u\" height=\"%u\" "
			"fill=\"#4a7ab5\"><title>%.10s: %zu</title></rect>\n", 30 + d * (bw + 1),
			10 + plot - bh, bw, bh, report_time(day, first),
			r->per_day[d]);
	}
	fprintf(f, "<text x=\"30\" y=\"%u\">%.10s</text><text x=\"%u\" y=\"%u\" "
		"text-anchor=\"end\">%.10s</text>\n</svg>\n", DAY_CHART_H - 4,
		report_time(r->now - (uint64_t)(r->days - 1) * 86400, first), w,
		DAY_CHART_H - 4, report_time(r->now, last));
}

static void section(const struct report *r, enum report_kind kind, FILE *f)
{
	fprintf(f, "<h2 id=\"%s\">%s</h2>\n", report_kind_names[kind],
		report_kind_titles[kind]);
	if (report_count(r, kind) == 0) {
		fprintf(f, "<p class=\"none\">none</p>\n");
		return;
	}
	fprintf(f, "<table>\n");
	for (size_t i = 0; i < r->nf; i++) {
		if (r->f[i].kind != kind)
			continue;
		fprintf(f, "<tr><td>");
		esc(f, r->users[r->f[i].user].cu->name);
		fprintf(f, "</td><td class=\"warn\">");
		esc(f, r->f[i].text);
		fprintf(f, "</td></tr>\n");
	}
	fprintf(f, "</table>\n");
}

int report_html(const struct report *r, const char *state_path, FILE *f)
{
	head(r, state_path, f);
	users_table(r, f);
	chart_users(r, f);
	chart_days(r, f);
	for (int k = 0; k < REPORT_NKINDS; k++)
		section(r, (enum report_kind)k, f);
	fprintf(f, "</body>\n</html>\n");
	fflush(f);
	return ferror(f) ? -1 : 0;
}

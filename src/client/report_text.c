/* report_text — report_render.h's text face. */
#include "report_render.h"

#include <string.h>

#include "timerule.h"

static size_t name_width(const struct report *r)
{
	size_t w = 4; /* "USER" */
	for (size_t i = 0; i < r->nusers; i++) {
		size_t n = strlen(r->users[i].cu->name);
		if (n > w)
			w = n;
	}
	return w;
}

static void heading(const struct report *r, const char *state_path, FILE *f)
{
	char from[REPORT_TIME_LEN], to[REPORT_TIME_LEN];
	size_t disabled = 0;
	for (size_t i = 0; i < r->nusers; i++)
		disabled += r->users[i].cu->prof->disabled;
	fprintf(f, "postern access review\n"
		"  config   %s\n  state    %s\n"
		"  period   the last %u days: %s .. %s\n"
		"  users    %zu (%zu disabled); knocks in the period: %zu\n",
		r->c->path, state_path, r->days, report_time(r->since, from),
		report_time(r->now, to), r->nusers, disabled, report_period_total(r));
	if (r->unknown)
		fprintf(f, "  note     knocks by users no longer in the config: %zu\n",
			r->unknown);
}

static void users_table(const struct report *r, FILE *f, int w)
{
	char last[REPORT_TIME_LEN];
	fprintf(f, "\nUSERS\n  %-*s  %-8s  %6s  %-17s  %s\n", w, "USER", "STATUS", "KNOCKS",
		"LAST KNOCK", "FROM");
	for (size_t i = 0; i < r->nusers; i++) {
		const struct report_user *u = &r->users[i];
		fprintf(f, "  %-*s  %-8s  %6zu  %-17s  %s\n", w, u->cu->name,
			u->cu->prof->disabled ? "disabled" : "active", u->in_period,
			u->seen ? report_time(u->last_at, last) : "never",
			u->seen ? u->last_addr : "-");
	}
}

static void section(const struct report *r, enum report_kind kind, FILE *f, int w)
{
	char upper[64];
	size_t n = 0;
	for (const char *t = report_kind_titles[kind]; *t && n + 1 < sizeof upper; t++)
		upper[n++] = (char)(*t >= 'a' && *t <= 'z' ? *t - 'a' + 'A' : *t);
	upper[n] = '\0';
	fprintf(f, "\n%s", upper);
	if (kind == REPORT_STALE)
		fprintf(f, " (no knock in the last %u days)", r->days);
	fputc('\n', f);
	if (report_count(r, kind) == 0) {
		fprintf(f, "  none\n");
		return;
	}
	for (size_t i = 0; i < r->nf; i++)
		if (r->f[i].kind == kind)
			fprintf(f, "  %-*s  %s\n", w, r->users[r->f[i].user].cu->name,
				r->f[i].text);
}

int report_text(const struct report *r, const char *state_path, FILE *f)
{
	int w = (int)name_width(r);
	heading(r, state_path, f);
	users_table(r, f, w);
	for (int k = 0; k < REPORT_NKINDS; k++)
		section(r, (enum report_kind)k, f, w);
	fflush(f);
	return ferror(f) ? -1 : 0;
}

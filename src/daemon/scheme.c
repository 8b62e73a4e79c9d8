/* scheme — the table of schemes; see scheme.h. */
#include "scheme.h"

#include <stdlib.h>
#include <string.h>

#include "msg.h"

extern const struct scheme_ops scheme_spa;
extern const struct scheme_ops scheme_otp;
extern const struct scheme_ops scheme_token;
extern const struct scheme_ops scheme_sequence;
extern const struct scheme_ops scheme_dynamic;

static const struct scheme_ops *const schemes[] = {
	&scheme_spa,
	&scheme_otp, /* before token: it ignores text that is not an OTP response */
	&scheme_token,
	&scheme_sequence, /* port hits; its token windows go to scheme_token */
	&scheme_dynamic, /* port hits too: server-chosen sequences (dynamic.h) */
};
#define NSCHEMES (sizeof schemes / sizeof schemes[0])

const struct scheme_ops *scheme_get(enum scheme_id id)
{
	for (size_t i = 0; i < NSCHEMES; i++)
		if (schemes[i]->id == id)
			return schemes[i];
	return NULL;
}

const char *scheme_name(enum scheme_id id)
{
	const struct scheme_ops *s = scheme_get(id);
	return s ? s->name : "?";
}

int schemes_load(struct scheme_set *s, const struct config *c, struct state *st,
	struct errbuf *err)
{
	memset(s, 0, sizeof *s);
	for (size_t i = 0; i < NSCHEMES; i++) {
		bool failed = false;
		if (!schemes[i]->load)
			continue;
		s->mem[schemes[i]->id] = schemes[i]->load(c, st, &failed, err);
		if (failed) {
			schemes_unload(s);
			return -1;
		}
	}
	return 0;
}

void schemes_unload(struct scheme_set *s)
{
	for (size_t i = 0; i < NSCHEMES; i++) {
		if (schemes[i]->unload)
			schemes[i]->unload(s->mem[schemes[i]->id]);
		s->mem[schemes[i]->id] = NULL;
	}
}

void schemes_tick(struct scheme_set *s, const struct config *c, uint64_t now)
{
	for (size_t i = 0; i < NSCHEMES; i++)
		if (schemes[i]->child_tick)
			schemes[i]->child_tick(s->mem[schemes[i]->id], c, now);
}

void schemes_parent_tick(struct scheme_set *s, const struct config *c, uint64_t now)
{
	for (size_t i = 0; i < NSCHEMES; i++)
		if (schemes[i]->parent_tick)
			schemes[i]->parent_tick(s->mem[schemes[i]->id], c, now);
}

void schemes_prefork(struct scheme_set *s, const struct config *c, uint64_t now)
{
	for (size_t i = 0; i < NSCHEMES; i++)
		if (schemes[i]->parent_prefork)
			schemes[i]->parent_prefork(s->mem[schemes[i]->id], c, now);
}

void schemes_postfork(struct scheme_set *s)
{
	for (size_t i = 0; i < NSCHEMES; i++)
		if (schemes[i]->parent_postfork)
			schemes[i]->parent_postfork(s->mem[schemes[i]->id]);
}

/* Offers cand to every scheme but skip, in table order. A derived
 * candidate is offered once more, to the others (one level deep). */
static enum verdict offer(struct scheme_set *s, const struct config *c,
	const struct candidate *cand, uint64_t now, struct scheme_forward *fw,
	enum scheme_id *scheme, enum scheme_id skip)
{
	for (size_t i = 0; i < NSCHEMES; i++) {
		if (schemes[i]->id == skip)
			continue;
		fw->user = MSG_NO_USER;
		fw->skew = 0;
		fw->evidence = *cand;
		fw->derived = false;
		enum verdict v = schemes[i]->child_check(s->mem[schemes[i]->id], c,
			cand, now, fw);
		if (v == VERDICT_ACCEPT && fw->derived) {
			if (skip != SCHEME_NONE)
				continue;
			struct candidate d = fw->evidence;
			v = offer(s, c, &d, now, fw, scheme, schemes[i]->id);
			if (v != VERDICT_IGNORE)
				return v;
			continue;
		}
		if (v != VERDICT_IGNORE) {
			*scheme = schemes[i]->id;
			return v;
		}
	}
	*scheme = SCHEME_NONE;
	return VERDICT_IGNORE;
}

enum verdict schemes_check(struct scheme_set *s, const struct config *c,
	const struct candidate *cand, uint64_t now, struct scheme_forward *fw,
	enum scheme_id *scheme)
{
	return offer(s, c, cand, now, fw, scheme, SCHEME_NONE);
}

bool scheme_parse_evidence(const char *text, const char *prefix, uint64_t *out)
{
	size_t n = strlen(prefix);
	if (strncmp(text, prefix, n) != 0)
		return false;
	const char *d = text + n;
	size_t digits = strspn(d, "0123456789");
	if (digits == 0 || digits > 19 || d[digits] != '\0' || (digits > 1 && d[0] == '0'))
		return false;
	*out = strtoull(d, NULL, 10);
	return true;
}

void scheme_request_open(struct request *req, const struct portspec *ports, size_t n,
	uint64_t now)
{
	req->action = KNOCK_ACTION_OPEN;
	req->target_is_source = true;
	req->nports = (uint8_t)n;
	memcpy(req->ports, ports, n * sizeof *ports);
	req->lease = 0; /* the daemon's default_lease */
	req->timestamp = now;
}

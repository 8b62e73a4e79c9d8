/* reconcile — see reconcile.h. */
#include "reconcile.h"

#include <inttypes.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <string.h>

#include "fwlease.h"
#include "log.h"
#include "statelease.h"

struct known {
	struct lease_grant g; /* one door */
	bool seen; /* in the kernel */
};

struct books {
	struct known *k;
	size_t n, cap;
	bool oom;
	struct fwlease_elem *stray;
	size_t nstray, capstray;
};

static void add_known(void *ctx, const struct lease_grant *g)
{
	struct books *b = ctx;
	if (b->n == b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 64;
		struct known *k = realloc(b->k, cap * sizeof *k);
		if (!k) {
			b->oom = true;
			return;
		}
		b->k = k;
		b->cap = cap;
	}
	b->k[b->n++] = (struct known){ .g = *g };
}

static void match_kernel(void *ctx, const struct fwlease_elem *e)
{
	struct books *b = ctx;
	for (size_t i = 0; i < b->n; i++) {
		struct known *k = &b->k[i];
		if (k->g.one_shot == e->once && addr_equal(&k->g.addr, &e->addr) &&
			portspec_equal(&k->g.ports[0], &e->port)) {
			k->seen = true;
			return;
		}
	}
	if (b->nstray == b->capstray) {
		size_t cap = b->capstray ? 2 * b->capstray : 16;
		struct fwlease_elem *s = realloc(b->stray, cap * sizeof *s);
		if (!s) {
			b->oom = true;
			return;
		}
		b->stray = s;
		b->capstray = cap;
	}
	b->stray[b->nstray++] = *e;
}

int reconcile_leases(struct state *st, const char *table, uint64_t now)
{
	struct books b = { 0 };
	struct errbuf err;
	int rc = -1;
	if (statelease_each_pending(st, now, add_known, &b, &err) < 0) {
		log_err("reconcile: cannot read the recorded leases: %s", err.msg);
		goto out;
	}
	if (fwlease_list(table, match_kernel, &b, &err) < 0) {
		log_err("reconcile: cannot list the kernel's leases: %s", err.msg);
		goto out;
	}
	if (b.oom) {
		log_err("reconcile: out of memory");
		goto out;
	}
	for (size_t i = 0; i < b.nstray; i++) {
		const struct fwlease_elem *e = &b.stray[i];
		char a[ADDR_STRLEN];
		const char *set = e->addr.family == AF_INET6 ? (e->once ? "oneshot6" : "leases6")
			: (e->once ? "oneshot4" : "leases4");
		addr_format(&e->addr, a);
		if (fwlease_delete(table, e, &err) < 0)
			log_err("reconcile: cannot remove %s . %s . %u from %s: %s", a,
				proto_name(e->port.proto), e->port.port, set, err.msg);
		else
			log_warn("reconcile-removed set=%s elem=\"%s . %s . %u\" "
				"reason=unknown-to-state", set, a, proto_name(e->port.proto),
				e->port.port);
	}
	size_t kept = 0, lost = 0;
	for (size_t i = 0; i < b.n; i++) {
		const struct known *k = &b.k[i];
		char a[ADDR_STRLEN], p[PORTSPEC_STRLEN];
		if (k->seen) {
			kept++;
			continue;
		}
		lost++;
		log_warn("reconcile-lost user=%s addr=%s port=%s expires=%" PRIu64
			" note=not-reopened%s", k->g.user, addr_format(&k->g.addr, a),
			portspec_format(&k->g.ports[0], p), k->g.expires_at,
			k->g.one_shot ? " one_shot=yes(used-or-lost)" : "");
		if (statelease_mark_lost(st, k->g.grant_id, &k->g.addr, &k->g.ports[0],
			now, &err) < 0)
			log_err("reconcile: %s", err.msg);
	}
	log_notice("reconcile: %zu lease(s) in the kernel match the state, %zu lost "
		"(not re-opened), %zu unknown removed", kept, lost, b.nstray);
	rc = 0;
out:
	free(b.k);
	free(b.stray);
	return rc;
}

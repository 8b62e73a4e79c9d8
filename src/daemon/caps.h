/* caps — Linux capabilities without libcap: the raw capget/capset system
 * calls, the bounding and ambient sets, and the securebits that stop lost
 * capabilities from coming back.
 *
 * Masks are 64-bit: bit N is capability N (CAP_NET_ADMIN is bit 12). */
#ifndef POSTERN_CAPS_H
#define POSTERN_CAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/capability.h>

#include "errbuf.h"

#define CAPS_BIT(cap) (UINT64_C(1) << (cap))

/* What the privileged parent keeps for its whole life (see
 * docs/process-model.md for why each one):
 *   NET_ADMIN        nftables (leases, protected set, rules on reload);
 *   NET_RAW          each new capture child opens its packet sockets;
 *   NET_BIND_SERVICE a carrier may bind a low port (DNS on 53) in the child;
 *   SETUID, SETGID   the child (and triggers) switch to their users;
 *   SYS_CHROOT, SETPCAP  the child's fallback sandbox when user namespaces
 *                    are not available (chroot, then drop its bounding set);
 *   KILL             stop and restart a child that runs as another user.
 * Not kept, on purpose: SYS_ADMIN, DAC_OVERRIDE, DAC_READ_SEARCH, FOWNER,
 * SYS_PTRACE, SYS_MODULE, ... (the parent reads and writes only root-owned
 * files it owns). */
#define CAPS_PARENT_KEEP \
	(CAPS_BIT(CAP_NET_ADMIN) | CAPS_BIT(CAP_NET_RAW) | \
	 CAPS_BIT(CAP_NET_BIND_SERVICE) | CAPS_BIT(CAP_SETUID) | \
	 CAPS_BIT(CAP_SETGID) | CAPS_BIT(CAP_SYS_CHROOT) | \
	 CAPS_BIT(CAP_SETPCAP) | CAPS_BIT(CAP_KILL))

struct caps_state {
	uint64_t effective, permitted, inheritable;
	uint64_t bounding, ambient;
};

/* Reads the calling thread's sets. 0 or -1 with err. */
int caps_read(struct caps_state *out, struct errbuf *err)
	__attribute__((warn_unused_result));

/* Sets effective, permitted and inheritable (capset). 0 or -1 with err. */
int caps_set(uint64_t effective, uint64_t permitted, uint64_t inheritable,
	struct errbuf *err) __attribute__((warn_unused_result));

/* Keeps only `keep` (intersected with what the thread has) in the effective
 * and permitted sets, empties inheritable and ambient, and drops everything
 * else from the bounding set so it cannot be regained through execve.
 * Needs CAP_SETPCAP for the bounding set. 0 or -1 with err. */
int caps_limit(uint64_t keep, struct errbuf *err) __attribute__((warn_unused_result));

/* Drops every capability for good: locks the securebits (no root magic, no
 * set-uid fix-up, no keep-caps, no ambient raise), empties the bounding and
 * ambient sets, then effective/permitted/inheritable; then checks that all
 * five sets read back empty. Needs CAP_SETPCAP until it is done. */
int caps_drop_all(struct errbuf *err) __attribute__((warn_unused_result));

/* Formats a mask as "cap_net_admin,cap_net_raw" (or "none") into buf. */
const char *caps_format(uint64_t mask, char *buf, size_t len);

#endif

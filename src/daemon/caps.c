/* caps — see caps.h. */
#include "caps.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/securebits.h>

/* Highest capability number to try: the kernel says EINVAL past its last. */
#define CAPS_MAX 63

/* The securebits of a process that must never hold a capability again. */
#define CAPS_LOCKED_BITS \
	(SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | \
	 SECBIT_NO_SETUID_FIXUP | SECBIT_NO_SETUID_FIXUP_LOCKED | \
	 SECBIT_KEEP_CAPS_LOCKED | \
	 SECBIT_NO_CAP_AMBIENT_RAISE | SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED)

static const char *const cap_names[] = {
	"chown", "dac_override", "dac_read_search", "fowner", "fsetid", "kill",
	"setgid", "setuid", "setpcap", "linux_immutable", "net_bind_service",
	"net_broadcast", "net_admin", "net_raw", "ipc_lock", "ipc_owner",
	"sys_module", "sys_rawio", "sys_chroot", "sys_ptrace", "sys_pacct",
	"sys_admin", "sys_boot", "sys_nice", "sys_resource", "sys_time",
	"sys_tty_config", "mknod", "lease", "audit_write", "audit_control",
	"setfcap", "mac_override", "mac_admin", "syslog", "wake_alarm",
	"block_suspend", "audit_read", "perfmon", "bpf", "checkpoint_restore",
};

int caps_read(struct caps_state *out, struct errbuf *err)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];
	memset(out, 0, sizeof *out);
	if (syscall(SYS_capget, &h, d) < 0) {
		errbuf_set(err, "capget: %s", strerror(errno));
		return -1;
	}
	out->effective = d[0].effective | (uint64_t)d[1].effective << 32;
	out->permitted = d[0].permitted | (uint64_t)d[1].permitted << 32;
	out->inheritable = d[0].inheritable | (uint64_t)d[1].inheritable << 32;
	for (int cap = 0; cap <= CAPS_MAX; cap++) {
		int b = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
		if (b < 0)
			break; /* past the kernel's last capability */
		if (b)
			out->bounding |= CAPS_BIT(cap);
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, cap, 0, 0) == 1)
			out->ambient |= CAPS_BIT(cap);
	}
	return 0;
}

int caps_set(uint64_t effective, uint64_t permitted, uint64_t inheritable,
	struct errbuf *err)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2] = {
		{ (uint32_t)effective, (uint32_t)permitted, (uint32_t)inheritable },
		{ (uint32_t)(effective >> 32), (uint32_t)(permitted >> 32),
		  (uint32_t)(inheritable >> 32) },
	};
	if (syscall(SYS_capset, &h, d) < 0) {
		errbuf_set(err, "capset: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* Drops every capability not in keep from the bounding set. */
static int drop_bounding(uint64_t keep, struct errbuf *err)
{
	for (int cap = 0; cap <= CAPS_MAX; cap++) {
		if (keep & CAPS_BIT(cap))
			continue;
		int b = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
		if (b < 0)
			break;
		if (b && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
			errbuf_set(err, "dropping cap_%s from the bounding set: %s",
				cap < (int)(sizeof cap_names / sizeof cap_names[0])
					? cap_names[cap] : "?", strerror(errno));
			return -1;
		}
	}
	return 0;
}

int caps_limit(uint64_t keep, struct errbuf *err)
{
	struct caps_state now;
	if (caps_read(&now, err) < 0 || drop_bounding(keep, err) < 0)
		return -1;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL) {
		errbuf_set(err, "clearing the ambient set: %s", strerror(errno));
		return -1;
	}
	uint64_t kept = now.permitted & keep;
	return caps_set(kept, kept, 0, err);
}

int caps_drop_all(struct errbuf *err)
{
	/* Securebits and the bounding set need CAP_SETPCAP: do them first. */
	if (prctl(PR_SET_SECUREBITS, CAPS_LOCKED_BITS, 0, 0, 0) < 0) {
		errbuf_set(err, "locking the securebits: %s", strerror(errno));
		return -1;
	}
	if (drop_bounding(0, err) < 0)
		return -1;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL) {
		errbuf_set(err, "clearing the ambient set: %s", strerror(errno));
		return -1;
	}
	if (caps_set(0, 0, 0, err) < 0)
		return -1;
	/* Confirm: read everything back. */
	struct caps_state s;
	if (caps_read(&s, err) < 0)
		return -1;
	if (s.effective || s.permitted || s.inheritable || s.bounding || s.ambient) {
		errbuf_set(err, "capabilities remain after dropping them all "
			"(eff %#llx prm %#llx inh %#llx bnd %#llx amb %#llx)",
			(unsigned long long)s.effective, (unsigned long long)s.permitted,
			(unsigned long long)s.inheritable, (unsigned long long)s.bounding,
			(unsigned long long)s.ambient);
		return -1;
	}
	int bits = prctl(PR_GET_SECUREBITS, 0, 0, 0, 0);
	if (bits < 0 || (bits & CAPS_LOCKED_BITS) != CAPS_LOCKED_BITS) {
		errbuf_set(err, "securebits are not locked (%#x)", bits);
		return -1;
	}
	return 0;
}

const char *caps_format(uint64_t mask, char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = '\0';
	for (int cap = 0; cap <= CAPS_MAX && used < len; cap++) {
		if (!(mask & CAPS_BIT(cap)))
			continue;
		int w;
		if (cap < (int)(sizeof cap_names / sizeof cap_names[0]))
			w = snprintf(buf + used, len - used, "%scap_%s", used ? "," : "",
				cap_names[cap]);
		else
			w = snprintf(buf + used, len - used, "%scap_%d", used ? "," : "", cap);
		if (w < 0)
			break;
		used += (size_t)w;
	}
	if (!used)
		snprintf(buf, len, "none");
	return buf;
}

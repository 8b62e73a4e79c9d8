#!/usr/bin/env bash
# install-deps.sh — install everything postern needs to build, demo and test
# on a fresh Debian 12 machine, and create the `postern` system user.
#
# Idempotent: when every package is already installed it does not touch apt
# at all (so it also works offline); set POSTERN_FORCE_APT=1 to run
# `apt-get update` and `apt-get install` anyway. Must run as root.
set -euo pipefail

# One package per line, grouped by why it is needed.
PACKAGES=(
	# build
	build-essential pkg-config
	libpcap-dev libsodium-dev libnftables-dev libsqlite3-dev libinih-dev
	libseccomp-dev
	# lease grants as prebuilt netlink batches (src/daemon/fwbatch.c)
	libnftnl-dev libmnl-dev
	# unit tests, sanitizers and libFuzzer (clang 14's runtime holds
	# libclang_rt.fuzzer and the ASan/UBSan runtimes; llvm brings
	# llvm-symbolizer so sanitizer reports show file:line)
	libcmocka-dev clang libclang-rt-14-dev llvm
	# demo and integration tests: namespaces, firewall, clients, capture,
	# replay with third-party tools, faked clocks
	nftables iproute2 netcat-openbsd tcpdump tcpreplay python3 python3-scapy
	faketime sqlite3 procps psmisc coreutils util-linux passwd jq
	# per-user hours in a named time zone (timezone = Europe/Berlin)
	tzdata
	# DNS knocks through a real recursive resolver (test_dns.sh runs its own
	# unbound in a namespace, in the foreground): the system service that
	# the package would start is stopped and disabled below
	unbound
	# third-party clients the tests knock with (DESIGN §10): ping, dig, hping3,
	# oathtool. Services (a resolver) are left out on purpose: on a
	# real host their packages would start daemons outside any namespace.
	iputils-ping bind9-dnsutils hping3 oathtool
	# port sequences (test_sequence.sh, test_syn.sh): nmap scans, and knockd
	# only for its `knock` client: its daemon is stopped and disabled below
	nmap knockd
)

die() { echo "install-deps: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "must run as root (it calls apt-get and useradd)"
command -v apt-get >/dev/null || die "apt-get not found: this script is for Debian 12"

# Prints the packages of PACKAGES that are not installed.
missing_packages() {
	local p status
	for p in "${PACKAGES[@]}"; do
		status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
		[ "$status" = installed ] || echo "$p"
	done
}

mapfile -t missing < <(missing_packages)
if [ "${#missing[@]}" -eq 0 ] && [ "${POSTERN_FORCE_APT:-0}" != 1 ]; then
	echo "install-deps: all ${#PACKAGES[@]} packages already installed"
else
	echo "install-deps: installing: ${missing[*]:-${PACKAGES[*]}}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq || die "apt-get update failed"
	apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >/dev/null \
		|| die "apt-get install failed (packages: ${PACKAGES[*]})"
	# Check, rather than trust the exit code, that every package is there.
	mapfile -t missing < <(missing_packages)
	[ "${#missing[@]}" -eq 0 ] || die "still missing after install: ${missing[*]}"
	echo "install-deps: done"
fi

# knockd is installed for the `knock` client only: never run its daemon
# (Debian ships START_KNOCKD=0; on systemd hosts disable the unit too).
if [ -d /run/systemd/system ] && systemctl is-enabled --quiet knockd.service 2>/dev/null; then
	systemctl disable --now knockd.service >/dev/null 2>&1 || true
fi

# unbound is installed for the tests' own resolver only: never as a service
# (on a real host it would answer on port 53 outside any namespace).
if [ -d /run/systemd/system ] && systemctl is-enabled --quiet unbound.service 2>/dev/null; then
	systemctl disable --now unbound.service >/dev/null 2>&1 || true
fi

# The capture child of posternd runs as this user (run_as = postern).
if ! getent passwd postern >/dev/null; then
	useradd --system --no-create-home --shell /usr/sbin/nologin postern \
		|| die "useradd postern failed"
	echo "install-deps: created system user postern"
fi

/* linkwatch — see linkwatch.h. */
#include "linkwatch.h"

#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config.h"

struct watched {
	char name[IF_NAMESIZE];
	unsigned index; /* 0 = absent */
	bool up;
};

struct linkwatch {
	int fd;
	struct watched links[CONFIG_MAX_IFACES];
	size_t n;
};

static void link_initial_state(struct watched *w)
{
	w->index = if_nametoindex(w->name);
	w->up = false;
	if (!w->index)
		return;
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return;
	memset(&ifr, 0, sizeof ifr);
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", w->name);
	if (ioctl(s, SIOCGIFFLAGS, &ifr) == 0)
		w->up = (ifr.ifr_flags & IFF_UP) != 0;
	close(s);
}

struct linkwatch *linkwatch_open(const char (*names)[IF_NAMESIZE], size_t n,
	struct errbuf *err)
{
	struct linkwatch *lw = calloc(1, sizeof *lw);
	if (!lw) {
		errbuf_set(err, "out of memory");
		return NULL;
	}
	lw->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = RTMGRP_LINK };
	if (lw->fd < 0 || bind(lw->fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		errbuf_set(err, "rtnetlink: %s", strerror(errno));
		linkwatch_close(lw);
		return NULL;
	}
	for (size_t i = 0; i < n && i < CONFIG_MAX_IFACES; i++) {
		snprintf(lw->links[i].name, IF_NAMESIZE, "%s", names[i]);
		link_initial_state(&lw->links[i]);
		lw->n++;
	}
	return lw;
}

void linkwatch_close(struct linkwatch *lw)
{
	if (!lw)
		return;
	if (lw->fd >= 0)
		close(lw->fd);
	free(lw);
}

int linkwatch_fd(const struct linkwatch *lw)
{
	return lw->fd;
}

static struct watched *find_link(struct linkwatch *lw, const char *name)
{
	for (size_t i = 0; i < lw->n; i++)
		if (!strncmp(lw->links[i].name, name, IF_NAMESIZE))
			return &lw->links[i];
	return NULL;
}

/* The IFLA_IFNAME attribute of a link message, or NULL. */
static const char *link_name(struct nlmsghdr *h, char buf[static IF_NAMESIZE])
{
	struct ifinfomsg *ifi = NLMSG_DATA(h);
	int len = (int)h->nlmsg_len - (int)NLMSG_LENGTH(sizeof *ifi);
	for (struct rtattr *a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type != IFLA_IFNAME)
			continue;
		size_t n = RTA_PAYLOAD(a) < IF_NAMESIZE ? RTA_PAYLOAD(a) : IF_NAMESIZE - 1;
		memcpy(buf, RTA_DATA(a), n);
		buf[n] = '\0';
		return buf;
	}
	return NULL;
}

static void on_link_message(struct linkwatch *lw, struct nlmsghdr *h,
	link_event_fn *fn, void *ctx)
{
	char name[IF_NAMESIZE];
	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct ifinfomsg)) || !link_name(h, name))
		return;
	struct watched *w = find_link(lw, name);
	if (!w)
		return;
	struct ifinfomsg *ifi = NLMSG_DATA(h);
	bool up = h->nlmsg_type == RTM_NEWLINK && (ifi->ifi_flags & IFF_UP);
	unsigned index = h->nlmsg_type == RTM_NEWLINK ? (unsigned)ifi->ifi_index : 0;
	if (up && !w->up)
		fn(ctx, index == w->index ? LINK_UP : LINK_NEW_INDEX, w->name);
	else if (!up && w->up)
		fn(ctx, LINK_DOWN, w->name);
	w->up = up;
	if (index)
		w->index = index;
}

void linkwatch_read(struct linkwatch *lw, link_event_fn *fn, void *ctx)
{
	char buf[16384] __attribute__((aligned(NLMSG_ALIGNTO)));
	for (;;) {
		ssize_t n = recv(lw->fd, buf, sizeof buf, 0);
		if (n <= 0)
			return; /* EAGAIN: drained; ENOBUFS: events lost, next ones still come */
		unsigned int len = (unsigned int)n;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, len);
		     h = NLMSG_NEXT(h, len))
			if (h->nlmsg_type == RTM_NEWLINK || h->nlmsg_type == RTM_DELLINK)
				on_link_message(lw, h, fn, ctx);
	}
}

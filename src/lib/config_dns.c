/* config_dns — the [daemon] keys of the DNS carrier (see dns_conf.h): one
 * setter each, the checks that span them, and their normalised print. */
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "config_int.h"

int cfg_set_dns(struct cfg_parse *p, const char *v)
{
	static const char *const names[] = { "off", "sniff", "authoritative" };
	for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
		if (strcasecmp(v, names[i]) == 0) {
			p->c->dns.mode = (enum dns_mode)i;
			return 0;
		}
	}
	cfg_error(p, p->line, "dns: '%s' is not off, sniff or authoritative", v);
	return -1;
}

int cfg_set_dns_zone(struct cfg_parse *p, const char *v)
{
	struct dns_conf *d = &p->c->dns;
	size_t n = strlen(v);
	if (n > 0 && v[n - 1] == '.')
		n--;
	/* A full knock takes 163 of the 253 characters a name may have. */
	if (n > DNSKNOCK_ZONE_MAX) {
		cfg_error(p, p->line, "dns_zone: '%s' is %zu characters; a knock "
			"fits only under a zone of at most %d", v, n, DNSKNOCK_ZONE_MAX);
		return -1;
	}
	if (!dnsname_from_text(v, &d->zone.zone)) {
		cfg_error(p, p->line, "dns_zone: bad domain name '%s' (labels of 1..63 "
			"of A-Z a-z 0-9 - _, joined with dots)", v);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		d->zone_text[i] = (char)(v[i] >= 'A' && v[i] <= 'Z' ? v[i] | 0x20 : v[i]);
	d->zone_text[n] = '\0';
	(void)dnsname_from_text(d->zone_text, &d->zone.zone);
	return 0;
}

int cfg_set_dns_answer(struct cfg_parse *p, const char *v)
{
	struct dnsmsg_zone *z = &p->c->dns.zone;
	bool word = strcasecmp(v, "nodata") == 0 || strcasecmp(v, "nxdomain") == 0;
	struct addr a;
	if (p->c->dns.answer_set && (word || z->mode != DNS_ANSWER_ADDRESS)) {
		cfg_error(p, p->line, "dns_answer: nodata or nxdomain stands alone; "
			"otherwise list at most one IPv4 and one IPv6 address");
		return -1;
	}
	p->c->dns.answer_set = true;
	if (word) {
		z->mode = strcasecmp(v, "nodata") == 0 ? DNS_ANSWER_NODATA : DNS_ANSWER_NXDOMAIN;
		return 0;
	}
	if (!addr_parse(v, &a)) {
		cfg_error(p, p->line, "dns_answer: '%s' is not nodata, nxdomain or "
			"an IPv4/IPv6 address", v);
		return -1;
	}
	struct addr *slot = a.family == AF_INET ? &z->a4 : &z->a6;
	if (slot->family) {
		cfg_error(p, p->line, "dns_answer: more than one IPv%c address",
			a.family == AF_INET ? '4' : '6');
		return -1;
	}
	*slot = a;
	z->mode = DNS_ANSWER_ADDRESS;
	return 0;
}

int cfg_set_dns_listen(struct cfg_parse *p, const char *v)
{
	struct dns_conf *d = &p->c->dns;
	struct addr a;
	bool any = strcmp(v, "any") == 0;
	if (any ? d->listen_set : d->listen_set && d->nlisten == 0) {
		cfg_error(p, p->line, "dns_listen: 'any' cannot be combined with "
			"addresses or repeated");
		return -1;
	}
	d->listen_set = true;
	if (any)
		return 0;
	if (!addr_parse(v, &a)) {
		cfg_error(p, p->line, "dns_listen: '%s' is not any or an IPv4/IPv6 "
			"address", v);
		return -1;
	}
	for (size_t i = 0; i < d->nlisten; i++) {
		if (addr_equal(&d->listen[i], &a)) {
			cfg_error(p, p->line, "dns_listen: %s listed twice", v);
			return -1;
		}
	}
	if (d->nlisten == DNS_LISTEN_MAX) {
		cfg_error(p, p->line, "dns_listen: more than %d addresses", DNS_LISTEN_MAX);
		return -1;
	}
	d->listen[d->nlisten++] = a;
	return 0;
}

int cfg_check_dns(struct cfg_parse *p)
{
	const struct dns_conf *d = &p->c->dns;
	const unsigned *line = p->daemon_keys;
	if (d->mode != DNS_OFF && !d->zone_text[0]) {
		cfg_error(p, line[DK_DNS], "dns = %s needs the knock sub-domain "
			"(add dns_zone = k.example.net)", d->mode == DNS_SNIFF ?
			"sniff" : "authoritative");
		return -1;
	}
	if (d->mode == DNS_OFF && d->zone_text[0]) {
		cfg_error(p, line[DK_DNS_ZONE], "dns_zone is set but dns = off "
			"(set dns = sniff or dns = authoritative)");
		return -1;
	}
	if (d->mode != DNS_AUTHORITATIVE && (d->answer_set || d->listen_set)) {
		cfg_error(p, line[DK_DNS_ANSWER] ? line[DK_DNS_ANSWER] : line[DK_DNS_LISTEN],
			"dns_answer and dns_listen need dns = authoritative "
			"(in sniff mode postern never answers)");
		return -1;
	}
	return 0;
}

void cfg_print_dns(const struct config *c, FILE *f)
{
	static const char *const modes[] = { "off", "sniff", "authoritative" };
	const struct dns_conf *d = &c->dns;
	char buf[ADDR_STRLEN];
	fprintf(f, "dns = %s\n", modes[d->mode]);
	if (d->mode == DNS_OFF)
		return;
	fprintf(f, "dns_zone = %s\n", d->zone_text);
	if (d->mode != DNS_AUTHORITATIVE)
		return;
	if (d->zone.mode == DNS_ANSWER_ADDRESS) {
		fprintf(f, "dns_answer = ");
		if (d->zone.a4.family)
			fprintf(f, "%s", addr_format(&d->zone.a4, buf));
		if (d->zone.a6.family)
			fprintf(f, "%s%s", d->zone.a4.family ? ", " : "",
				addr_format(&d->zone.a6, buf));
		fputc('\n', f);
	} else
		fprintf(f, "dns_answer = %s\n",
			d->zone.mode == DNS_ANSWER_NXDOMAIN ? "nxdomain" : "nodata");
	fprintf(f, "dns_listen = ");
	if (d->nlisten == 0)
		fprintf(f, "any");
	for (size_t i = 0; i < d->nlisten; i++)
		fprintf(f, "%s%s", i ? ", " : "", addr_format(&d->listen[i], buf));
	fputc('\n', f);
}

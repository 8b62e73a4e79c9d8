/* test_addr — addresses, prefixes, port specs and durations. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"

static void addr_parses_both_families(void **state)
{
	(void)state;
	struct addr a;
	char buf[ADDR_STRLEN];

	assert_true(addr_parse("192.0.2.1", &a));
	assert_int_equal(a.family, AF_INET);
	assert_int_equal(addr_len(&a), 4);
	assert_string_equal(addr_format(&a, buf), "192.0.2.1");
	static const uint8_t zero[12];
	assert_memory_equal(a.bytes + 4, zero, 12);

	assert_true(addr_parse("2001:DB8::1", &a));
	assert_int_equal(a.family, AF_INET6);
	assert_int_equal(addr_len(&a), 16);
	assert_string_equal(addr_format(&a, buf), "2001:db8::1");
}

static void addr_refuses_junk(void **state)
{
	(void)state;
	struct addr a;
	const char *bad[] = { "", "10.1", "10.0.0.256", "010.0.0.1", "10.0.0.1 ",
		" 10.0.0.1", "host.example", "fe80::1%eth0", "1:2:3", "10.0.0.1/32",
		"::ffff:1.2.3", "0x0a.0.0.1" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		assert_false(addr_parse(bad[i], &a));
	assert_false(addr_parse(NULL, &a));
}

static void addr_equal_and_unset(void **state)
{
	(void)state;
	struct addr a, b, unset = { 0 };
	char buf[ADDR_STRLEN];
	assert_true(addr_parse("10.0.0.1", &a));
	assert_true(addr_parse("10.0.0.1", &b));
	assert_true(addr_equal(&a, &b));
	assert_true(addr_parse("::ffff:10.0.0.1", &b));
	assert_false(addr_equal(&a, &b)); /* mapped v6 is not v4 */
	assert_int_equal(addr_len(&unset), 0);
	assert_string_equal(addr_format(&unset, buf), "?");
}

static void cidr_parses_and_formats(void **state)
{
	(void)state;
	struct cidr c;
	char buf[ADDR_STRLEN + 4];

	assert_true(cidr_parse("10.0.0.0/8", &c));
	assert_int_equal(c.prefix, 8);
	assert_string_equal(cidr_format(&c, buf), "10.0.0.0/8");
	assert_true(cidr_parse("192.0.2.7", &c));
	assert_int_equal(c.prefix, 32);
	assert_string_equal(cidr_format(&c, buf), "192.0.2.7/32");
	assert_true(cidr_parse("2001:db8::/32", &c));
	assert_int_equal(c.prefix, 32);
	assert_true(cidr_parse("2001:db8::1", &c));
	assert_int_equal(c.prefix, 128);
	assert_true(cidr_parse("0.0.0.0/0", &c));
	assert_true(cidr_parse("10.0.0.128/25", &c));
}

static void cidr_refuses_host_bits_and_junk(void **state)
{
	(void)state;
	struct cidr c;
	const char *bad[] = { "10.0.0.1/8", "10.0.0.1/31", "2001:db8::1/64",
		"10.0.0.0/33", "::/129", "10.0.0.0/", "/8", "10.0.0.0/08",
		"10.0.0.0/8x", "10.0.0.0/-1", "10.0.0.0/+8", "10.0.0.0/8/8", "",
		"10.0.0.0 /8" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		assert_false(cidr_parse(bad[i], &c));
}

static void cidr_contains_respects_prefix_and_family(void **state)
{
	(void)state;
	struct cidr c;
	struct addr a;

	assert_true(cidr_parse("10.0.0.128/25", &c));
	assert_true(addr_parse("10.0.0.200", &a));
	assert_true(cidr_contains(&c, &a));
	assert_true(addr_parse("10.0.0.127", &a));
	assert_false(cidr_contains(&c, &a));
	assert_true(addr_parse("::ffff:10.0.0.200", &a));
	assert_false(cidr_contains(&c, &a));

	assert_true(cidr_parse("2001:db8::/32", &c));
	assert_true(addr_parse("2001:db8:ffff::1", &a));
	assert_true(cidr_contains(&c, &a));
	assert_true(addr_parse("2001:db9::1", &a));
	assert_false(cidr_contains(&c, &a));

	assert_true(cidr_parse("0.0.0.0/0", &c));
	assert_true(addr_parse("203.0.113.9", &a));
	assert_true(cidr_contains(&c, &a));
}

static void portspec_parses(void **state)
{
	(void)state;
	struct portspec p, q;
	char buf[PORTSPEC_STRLEN];

	assert_true(portspec_parse("tcp/22", &p));
	assert_int_equal(p.proto, IPPROTO_TCP);
	assert_int_equal(p.port, 22);
	assert_true(portspec_parse("UDP/53", &q));
	assert_int_equal(q.proto, IPPROTO_UDP);
	assert_string_equal(portspec_format(&q, buf), "udp/53");
	assert_true(portspec_parse("Tcp/65535", &p));
	assert_string_equal(portspec_format(&p, buf), "tcp/65535");
	assert_false(portspec_equal(&p, &q));
	assert_true(portspec_parse("tcp/1", &q));
	assert_string_equal(proto_name(IPPROTO_ICMP), "?");
}

static void portspec_refuses_junk(void **state)
{
	(void)state;
	struct portspec p;
	const char *bad[] = { "tcp/0", "tcp/65536", "tcp/99999", "tcp/", "tcp",
		"sctp/22", "tcp/22 ", " tcp/22", "tcp/22x", "tcp/+22", "tcp/-1",
		"tcp/022", "tcp:22", "22", "tcp/4294967318", "" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		assert_false(portspec_parse(bad[i], &p));
}

static void duration_units(void **state)
{
	(void)state;
	uint32_t s;
	assert_true(duration_parse("90", 100000, &s));
	assert_int_equal(s, 90);
	assert_true(duration_parse("90s", 100000, &s));
	assert_int_equal(s, 90);
	assert_true(duration_parse("5m", 100000, &s));
	assert_int_equal(s, 300);
	assert_true(duration_parse("2h", 100000, &s));
	assert_int_equal(s, 7200);
	assert_true(duration_parse("1d", 100000, &s));
	assert_int_equal(s, 86400);
	assert_true(duration_parse("49710d", UINT32_MAX, &s));
	assert_int_equal(s, 49710u * 86400u);
}

static void duration_refuses_junk_and_overflow(void **state)
{
	(void)state;
	uint32_t s = 7;
	const char *bad[] = { "", "0", "0s", "s", "5x", "5 m", "5mm", "-5", "+5",
		"1.5h", "5M", "m5", "49711d", "4294967296", "99999999999",
		"999999999999999999999d" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		assert_false(duration_parse(bad[i], UINT32_MAX, &s));
	assert_false(duration_parse("601", 600, &s));
	assert_true(duration_parse("10m", 600, &s));
	assert_false(duration_parse("11m", 600, &s));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(addr_parses_both_families),
		cmocka_unit_test(addr_refuses_junk),
		cmocka_unit_test(addr_equal_and_unset),
		cmocka_unit_test(cidr_parses_and_formats),
		cmocka_unit_test(cidr_refuses_host_bits_and_junk),
		cmocka_unit_test(cidr_contains_respects_prefix_and_family),
		cmocka_unit_test(portspec_parses),
		cmocka_unit_test(portspec_refuses_junk),
		cmocka_unit_test(duration_units),
		cmocka_unit_test(duration_refuses_junk_and_overflow),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_http_limits.c — connections per peer and the body budget
 * (core/src/server/limits.c). */
#include <arpa/inet.h>
#include <netinet/in.h>

#include "check.h"
#include "server/limits.h"

static struct sockaddr_in v4(const char *ip)
{
	struct sockaddr_in a = {0};
	a.sin_family = AF_INET;
	inet_pton(AF_INET, ip, &a.sin_addr);
	return a;
}

static void test_a_peer_is_refused_at_its_limit_and_admitted_again_below_it(void)
{
	struct cairn_limits l;
	struct sockaddr_in a = v4("198.18.0.2"), b = v4("198.18.0.6");
	cairn_limits_init(&l, 2, 100);
	for (int i = 0; i < 2; i++) {
		CHECK(cairn_limits_admit(&l, (struct sockaddr *)&a));
		cairn_limits_count(&l, (struct sockaddr *)&a, 1);
	}
	CHECK(!cairn_limits_admit(&l, (struct sockaddr *)&a));
	CHECK(cairn_limits_admit(&l, (struct sockaddr *)&b)); /* another peer is not affected */
	cairn_limits_count(&l, (struct sockaddr *)&a, -1);
	CHECK(cairn_limits_admit(&l, (struct sockaddr *)&a));
	cairn_limits_count(&l, (struct sockaddr *)&a, -1);
	CHECK(l.npeers == 0); /* a peer with nothing open takes no entry */
	cairn_limits_clear(&l);
}

static void test_loopback_is_never_counted_against_the_per_peer_limit(void)
{
	struct cairn_limits l;
	struct sockaddr_in lo = v4("127.0.0.1");
	struct sockaddr_in6 lo6 = {0};
	lo6.sin6_family = AF_INET6;
	lo6.sin6_addr = in6addr_loopback;
	cairn_limits_init(&l, 1, 100);
	for (int i = 0; i < 10; i++) {
		CHECK(cairn_limits_admit(&l, (struct sockaddr *)&lo));
		CHECK(cairn_limits_admit(&l, (struct sockaddr *)&lo6));
		cairn_limits_count(&l, (struct sockaddr *)&lo, 1);
		cairn_limits_count(&l, (struct sockaddr *)&lo6, 1);
	}
	CHECK(l.npeers == 0);
	cairn_limits_clear(&l);
}

static void test_the_body_budget_refuses_past_it_and_frees_on_release(void)
{
	struct cairn_limits l;
	cairn_limits_init(&l, 1, 100);
	CHECK(cairn_limits_reserve(&l, 60) == 0);
	CHECK(cairn_limits_reserve(&l, 41) == -1);
	CHECK(l.held == 60); /* a refused reservation takes nothing */
	CHECK(cairn_limits_reserve(&l, 40) == 0);
	CHECK(cairn_limits_reserve(&l, 1) == -1);
	cairn_limits_release(&l, 60);
	CHECK(cairn_limits_reserve(&l, 60) == 0);
	cairn_limits_release(&l, 1000); /* never below zero */
	CHECK(l.held == 0);
	cairn_limits_clear(&l);
}

int main(void)
{
	test_a_peer_is_refused_at_its_limit_and_admitted_again_below_it();
	test_loopback_is_never_counted_against_the_per_peer_limit();
	test_the_body_budget_refuses_past_it_and_frees_on_release();
	CHECK_DONE();
}

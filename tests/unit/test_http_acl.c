/* /admin's access rules: loopback always, others only if whitelisted by IP
 * or CIDR (server/access.c's parsed list), for IPv4, IPv6 and IPv4-mapped IPv6 peers. */
#include <arpa/inet.h>
#include <netinet/in.h>

#include "check.h"
#include "server/access.h"
#include "server/http.h"
#include "server/peer.h"

static struct sockaddr_storage v4(const char *ip)
{
	struct sockaddr_storage ss = {0};
	struct sockaddr_in *s = (struct sockaddr_in *)&ss;
	s->sin_family = AF_INET;
	inet_pton(AF_INET, ip, &s->sin_addr);
	return ss;
}

static struct sockaddr_storage v6(const char *ip)
{
	struct sockaddr_storage ss = {0};
	struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;
	s->sin6_family = AF_INET6;
	inet_pton(AF_INET6, ip, &s->sin6_addr);
	return ss;
}

#define SA(x) ((const struct sockaddr *)&(x))

/* Matches against a parsed --whitelist; a list that does not parse admits no one. */
static int in_list(const struct sockaddr *sa, const char *list)
{
	struct cairn_ip_list *l = NULL;
	cairn_err err = {0};
	if (cairn_ip_list_parse(list, &l, &err) < 0)
		return 0;
	int hit = cairn_ip_list_match(l, sa);
	cairn_ip_list_free(l);
	return hit;
}

int main(void)
{
	struct sockaddr_storage lo = v4("127.0.0.1"), lo2 = v4("127.8.9.10"), lo6 = v6("::1"),
				mapped_lo = v6("::ffff:127.0.0.1"), lan = v4("10.1.2.3"),
				other = v4("192.168.7.1"), lan6 = v6("fd00::5"),
				mapped_lan = v6("::ffff:10.1.2.3");
	CHECK(cairn_peer_is_loopback(SA(lo)));
	CHECK(cairn_peer_is_loopback(SA(lo2)));
	CHECK(cairn_peer_is_loopback(SA(lo6)));
	CHECK(cairn_peer_is_loopback(SA(mapped_lo)));
	CHECK(!cairn_peer_is_loopback(SA(lan)));
	CHECK(!cairn_peer_is_loopback(SA(lan6)));
	CHECK(!cairn_peer_is_loopback(NULL));

	CHECK(in_list(SA(lan), "10.0.0.0/8"));
	CHECK(in_list(SA(lan), "192.168.0.1, 10.1.2.3"));
	CHECK(!in_list(SA(lan), "10.1.2.4"));
	CHECK(!in_list(SA(other), "10.0.0.0/8,172.16.0.0/12"));
	CHECK(in_list(SA(other), "192.168.0.0/16"));
	CHECK(in_list(SA(mapped_lan), "10.0.0.0/8"));
	CHECK(in_list(SA(lan6), "fd00::/8"));
	CHECK(!in_list(SA(lan6), "fe80::/10"));
	CHECK(!in_list(SA(lan), "garbage, 10.0.0.0/99"));
	CHECK(!in_list(SA(lan), ""));
	CHECK(!in_list(SA(lan), NULL));

	char host[64];
	int port;
	cairn_err err = {0};
	CHECK(cairn_split_hostport("localhost:6080", host, sizeof host, &port, &err) == 0);
	CHECK_STR(host, "127.0.0.1");
	CHECK(port == 6080);
	CHECK(cairn_split_hostport("[::1]:8080", host, sizeof host, &port, &err) == 0);
	CHECK_STR(host, "::1");
	CHECK(cairn_split_hostport("nohost", host, sizeof host, &port, &err) == -1);
	CHECK_CONTAINS(err.msg, "needs a port");
	CHECK(cairn_split_hostport("h:70000", host, sizeof host, &port, &err) == -1);
	CHECK_CONTAINS(err.msg, "port must be a number");
	CHECK_DONE();
}

/* --whitelist parses strictly: IPs, CIDRs and a:b ranges, IPv4 and IPv6;
 * every malformed entry is refused with an error naming it, and what parses
 * matches exactly the addresses it says. */
#include <arpa/inet.h>
#include <netinet/in.h>

#include "check.h"
#include "server/access.h"

static struct sockaddr_storage addr(const char *ip)
{
	struct sockaddr_storage ss = {0};
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, ip, &s4->sin_addr) == 1)
		s4->sin_family = AF_INET;
	else if (inet_pton(AF_INET6, ip, &s6->sin6_addr) == 1)
		s6->sin6_family = AF_INET6;
	return ss;
}

static int matches(const char *list, const char *ip)
{
	struct cairn_ip_list *l = NULL;
	cairn_err err = {0};
	struct sockaddr_storage ss = addr(ip);
	if (cairn_ip_list_parse(list, &l, &err) < 0) {
		fprintf(stderr, "unexpected parse error: %s\n", err.msg);
		return -1;
	}
	int hit = cairn_ip_list_match(l, (const struct sockaddr *)&ss);
	cairn_ip_list_free(l);
	return hit;
}

/* The list is refused and the error names entry. */
static void refused(const char *list, const char *entry)
{
	struct cairn_ip_list *l = NULL;
	cairn_err err = {0};
	CHECK(cairn_ip_list_parse(list, &l, &err) == -1);
	CHECK(l == NULL);
	CHECK_CONTAINS(err.msg, entry);
}

int main(void)
{
	static const char *const bad[][2] = {
	    {"10.0.0.0/", "\"10.0.0.0/\""},
	    {"/abc", "\"/abc\""},
	    {"10.0.0.1/33", "\"10.0.0.1/33\""},
	    {"1.2.3", "\"1.2.3\""},
	    {"1.2.3.4, 1.2.3", "\"1.2.3\""},
	    {"10.0.0.0/8,", "empty entry"},
	    {",10.0.0.1", "empty entry"},
	    {"10.0.0.1,,10.0.0.2", "empty entry"},
	    {"", "empty entry"},
	    {" ", "empty entry"},
	    {"10.0.0.0/-1", "\"10.0.0.0/-1\""},
	    {"10.0.0.0/8x", "\"10.0.0.0/8x\""},
	    {"10.0.0.0/ 8", "\"10.0.0.0/ 8\""},
	    {"10.0.0.0/0008", "\"10.0.0.0/0008\""},
	    {"fd00::/129", "\"fd00::/129\""},
	    {"garbage", "\"garbage\""},
	    {"localhost", "\"localhost\""},
	    {"10.0.0.9:10.0.0.1", "\"10.0.0.9:10.0.0.1\""},
	    {"10.0.0.1:", "\"10.0.0.1:\""},
	    {":10.0.0.1", "\":10.0.0.1\""},
	    {"10.0.0.1:fd00::1", "\"10.0.0.1:fd00::1\""},
	    {"[fd00::1]:", "\"[fd00::1]:\""},
	    {"[fd00::9]:[fd00::1]", "\"[fd00::9]:[fd00::1]\""},
	    {"[10.0.0.1]", "\"[10.0.0.1]\""},
	    {"[fd00::1", "\"[fd00::1\""},
	    {"fe80::1%eth0", "\"fe80::1%eth0\""},
	    {"256.0.0.1", "\"256.0.0.1\""},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		refused(bad[i][0], bad[i][1]);

	struct cairn_ip_list *l = NULL;
	cairn_err err = {0};
	CHECK(cairn_ip_list_parse(NULL, &l, &err) == 0 && l == NULL);
	CHECK(cairn_ip_list_parse(
		  " 10.0.0.1 , 192.168.0.0/16,10.1.0.1:10.1.0.9, fd00::/8, [::5]:[::9]", &l,
		  &err) == 0);
	CHECK(cairn_ip_list_len(l) == 5);
	cairn_ip_list_free(l);

	CHECK(matches("10.0.0.1", "10.0.0.1") == 1);
	CHECK(matches("10.0.0.1", "10.0.0.2") == 0);
	CHECK(matches("10.0.0.1", "::ffff:10.0.0.1") == 1);
	CHECK(matches("10.0.0.0/8", "10.255.255.255") == 1);
	CHECK(matches("10.0.0.0/8", "11.0.0.0") == 0);
	CHECK(matches("10.1.2.3/32", "10.1.2.3") == 1);
	CHECK(matches("0.0.0.0/0", "203.0.113.1") == 1);
	CHECK(matches("0.0.0.0/0", "fd00::1") == 0);
	CHECK(matches("10.0.0.5:10.0.0.9", "10.0.0.5") == 1);
	CHECK(matches("10.0.0.5:10.0.0.9", "10.0.0.9") == 1);
	CHECK(matches("10.0.0.5:10.0.0.9", "10.0.0.10") == 0);
	CHECK(matches("10.0.0.5:10.0.0.9", "10.0.0.4") == 0);
	CHECK(matches("10.0.0.250:10.0.1.3", "10.0.1.1") == 1);
	CHECK(matches("::1", "::1") == 1);
	CHECK(matches("[2001:db8::1]", "2001:db8::1") == 1);
	CHECK(matches("2001:db8::/32", "2001:db8:ffff::1") == 1);
	CHECK(matches("2001:db8::/32", "2001:db9::1") == 0);
	CHECK(matches("[2001:db8::1]/64", "2001:db8::ffff") == 1);
	CHECK(matches("[fd00::5]:[fd00::9]", "fd00::7") == 1);
	CHECK(matches("[fd00::5]:[fd00::9]", "fd00::a") == 0);
	CHECK(matches("198.18.0.2", "198.18.0.1") == 0);
	CHECK_DONE();
}

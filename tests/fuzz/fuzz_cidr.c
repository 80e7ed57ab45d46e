/* fuzz_cidr.c — a --whitelist value (server/access.c): parsed strictly;
 * a list that parses is matched against a few IPv4 and IPv6 peers. */
#include <arpa/inet.h>
#include <netinet/in.h>

#include "fuzz.h"
#include "server/access.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const v4[] = {"127.0.0.1", "10.1.2.3", "192.168.255.255", "0.0.0.0"};
	static const char *const v6[] = {"::1", "fe80::1", "2001:db8::ff", "::ffff:10.1.2.3"};
	char *s = fuzz_str(data, size);
	struct cairn_ip_list *l = NULL;
	cairn_err err = {0};
	if (!s)
		return 0;
	if (cairn_ip_list_parse(s, &l, &err) == 0 && l) {
		(void)cairn_ip_list_len(l);
		for (size_t i = 0; i < 4; i++) {
			struct sockaddr_in a4 = {.sin_family = AF_INET};
			struct sockaddr_in6 a6 = {.sin6_family = AF_INET6};
			inet_pton(AF_INET, v4[i], &a4.sin_addr);
			inet_pton(AF_INET6, v6[i], &a6.sin6_addr);
			(void)cairn_ip_list_match(l, (const struct sockaddr *)&a4);
			(void)cairn_ip_list_match(l, (const struct sockaddr *)&a6);
		}
	}
	cairn_ip_list_free(l);
	free(s);
	return 0;
}

/* access.c — the strict --whitelist, admin and member checks, and the
 * advertised address (see access.h for the syntax and the rules). */
#include "access.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "server/member_auth.h"
#include "server/peer.h"

struct ip_range {
	unsigned char lo[16], hi[16]; /* IPv4 as IPv4-mapped IPv6 */
};

struct cairn_ip_list {
	struct ip_range *r;
	size_t n;
};

static void map4(const struct in_addr *a, unsigned char out[16])
{
	memset(out, 0, 10);
	out[10] = out[11] = 0xff;
	memcpy(out + 12, a, 4);
}

/* One address: IPv4, IPv6, or [IPv6] when brackets is set. *v4 tells which. */
static int parse_addr(const char *s, size_t len, int brackets, unsigned char out[16], int *v4)
{
	char buf[64];
	if (brackets) {
		if (len < 2 || s[0] != '[' || s[len - 1] != ']')
			return -1;
		s++;
		len -= 2;
	}
	if (!len || len >= sizeof buf)
		return -1;
	memcpy(buf, s, len);
	buf[len] = 0;
	struct in_addr a4;
	if (!brackets && inet_pton(AF_INET, buf, &a4) == 1) {
		map4(&a4, out);
		*v4 = 1;
		return 0;
	}
	if (strchr(buf, '%') || inet_pton(AF_INET6, buf, out) != 1)
		return -1;
	*v4 = 0;
	return 0;
}

static int parse_entry(const char *e, size_t len, struct ip_range *r)
{
	int v4 = 0, v4b = 0;
	const char *slash = memchr(e, '/', len);
	if (slash) { /* CIDR: digits only after the slash, within the family's width */
		size_t al = (size_t)(slash - e), dl = len - al - 1;
		if (!dl || dl > 3)
			return -1;
		int bits = 0;
		for (size_t i = 0; i < dl; i++) {
			if (!isdigit((unsigned char)slash[1 + i]))
				return -1;
			bits = bits * 10 + (slash[1 + i] - '0');
		}
		if (parse_addr(e, al, al && e[0] == '[', r->lo, &v4) < 0)
			return -1;
		if (bits > (v4 ? 32 : 128))
			return -1;
		if (v4)
			bits += 96;
		memcpy(r->hi, r->lo, 16);
		for (int i = bits; i < 128; i++) {
			r->lo[i / 8] &= (unsigned char)~(0x80 >> (i % 8));
			r->hi[i / 8] |= (unsigned char)(0x80 >> (i % 8));
		}
		return 0;
	}
	if (e[0] == '[') { /* [v6] or [v6]:[v6] */
		const char *rb = memchr(e, ']', len);
		if (!rb)
			return -1;
		size_t first = (size_t)(rb - e) + 1;
		if (parse_addr(e, first, 1, r->lo, &v4) < 0)
			return -1;
		if (first == len) {
			memcpy(r->hi, r->lo, 16);
			return 0;
		}
		if (e[first] != ':' ||
		    parse_addr(e + first + 1, len - first - 1, 1, r->hi, &v4b) < 0)
			return -1;
		return memcmp(r->lo, r->hi, 16) <= 0 ? 0 : -1;
	}
	const char *colon = memchr(e, ':', len);
	if (colon && memchr(e, '.', len) &&
	    !memchr(colon + 1, ':', len - (size_t)(colon - e) - 1)) {
		/* a:b, both IPv4 */
		size_t al = (size_t)(colon - e);
		if (parse_addr(e, al, 0, r->lo, &v4) < 0 || !v4 ||
		    parse_addr(colon + 1, len - al - 1, 0, r->hi, &v4b) < 0 || !v4b)
			return -1;
		return memcmp(r->lo, r->hi, 16) <= 0 ? 0 : -1;
	}
	if (parse_addr(e, len, 0, r->lo, &v4) < 0)
		return -1;
	memcpy(r->hi, r->lo, 16);
	return 0;
}

int cairn_ip_list_parse(const char *s, struct cairn_ip_list **out, cairn_err *err)
{
	*out = NULL;
	if (!s)
		return 0;
	struct cairn_ip_list *l = calloc(1, sizeof *l);
	if (!l)
		return cairn_err_set(err, "out of memory");
	const char *p = s;
	for (;;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		const char *e = p;
		while (len && isspace((unsigned char)*e)) {
			e++;
			len--;
		}
		while (len && isspace((unsigned char)e[len - 1]))
			len--;
		struct ip_range r;
		if (!len) {
			cairn_ip_list_free(l);
			return cairn_err_set(err,
					     "--whitelist \"%s\" has an empty entry; give a comma "
					     "list of IPs, CIDRs (10.0.0.0/8) or ranges "
					     "(10.0.0.1:10.0.0.9, [::1]:[::ff])",
					     s);
		}
		if (parse_entry(e, len, &r) < 0) {
			cairn_ip_list_free(l);
			return cairn_err_set(err,
					     "--whitelist entry \"%.*s\" is not an IP, a CIDR "
					     "(10.0.0.0/8, 2001:db8::/32) or a range "
					     "(10.0.0.1:10.0.0.9, [::1]:[::ff]); fix or remove it",
					     (int)len, e);
		}
		struct ip_range *nr = realloc(l->r, (l->n + 1) * sizeof *nr);
		if (!nr) {
			cairn_ip_list_free(l);
			return cairn_err_set(err, "out of memory");
		}
		l->r = nr;
		l->r[l->n++] = r;
		if (!end)
			break;
		p = end + 1;
	}
	*out = l;
	return 0;
}

int cairn_ip_list_match(const struct cairn_ip_list *l, const struct sockaddr *sa)
{
	unsigned char a[16];
	if (!l || !sa)
		return 0;
	if (sa->sa_family == AF_INET)
		map4(&((const struct sockaddr_in *)sa)->sin_addr, a);
	else if (sa->sa_family == AF_INET6)
		memcpy(a, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
	else
		return 0;
	for (size_t i = 0; i < l->n; i++)
		if (memcmp(l->r[i].lo, a, 16) <= 0 && memcmp(a, l->r[i].hi, 16) <= 0)
			return 1;
	return 0;
}

size_t cairn_ip_list_len(const struct cairn_ip_list *l) { return l ? l->n : 0; }

void cairn_ip_list_free(struct cairn_ip_list *l)
{
	if (!l)
		return;
	free(l->r);
	free(l);
}

static const char *opt_or_null(const struct cairn_opts *o, const char *name)
{
	for (size_t i = 0; o->flags[i].name; i++)
		if (!strcmp(o->flags[i].name, name))
			return o->values[i];
	return NULL;
}

int cairn_access_init(struct cairn_access *a, const struct cairn_opts *o, cairn_err *err)
{
	memset(a, 0, sizeof *a);
	const char *tok = opt_or_null(o, "auth_token"), *file = opt_or_null(o, "auth_token_file");
	if (cairn_ip_list_parse(opt_or_null(o, "whitelist"), &a->whitelist, err) < 0)
		return -1;
	if (tok && *tok && file && *file) {
		cairn_access_clear(a);
		return cairn_err_set(err, "give --auth_token or --auth_token_file, not both");
	}
	if (file && *file) {
		if (cairn_secret_file_read(file, "auth_token_file", CAIRN_MEMBER_SECRET_MIN,
					   &a->token, err) < 0) {
			cairn_access_clear(a);
			return -1;
		}
	} else if (tok && *tok && !(a->token = strdup(tok))) {
		cairn_access_clear(a);
		return cairn_err_set(err, "out of memory");
	}
	return 0;
}

void cairn_access_clear(struct cairn_access *a)
{
	cairn_ip_list_free(a->whitelist);
	if (a->token)
		OPENSSL_cleanse(a->token, strlen(a->token));
	free(a->token);
	memset(a, 0, sizeof *a);
}

int cairn_access_token_ok(const struct cairn_access *a, const struct cairn_http_req *req)
{
	if (!a->token)
		return 1;
	const char *got = cairn_http_header(req, "X-Cairn-AuthToken");
	size_t n = strlen(a->token);
	return got && strlen(got) == n && CRYPTO_memcmp(got, a->token, n) == 0;
}

void cairn_access_peer_str(const struct sockaddr *sa, char *buf, size_t n)
{
	snprintf(buf, n, "?");
	if (sa && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, buf, (socklen_t)n);
	else if (sa && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, buf,
			  (socklen_t)n);
}

int cairn_access_is_admin(const struct cairn_access *a, const struct cairn_http_req *req,
			  int member_admits)
{
	if (member_admits && req->member)
		return 1;
	return (cairn_peer_is_loopback(req->peer) ||
		cairn_ip_list_match(a->whitelist, req->peer)) &&
	       cairn_access_token_ok(a, req);
}

int cairn_access_admin(const struct cairn_access *a, const struct cairn_http_req *req,
		       struct cairn_http_resp *resp, int member_admits)
{
	if (member_admits && req->member)
		return 1;
	if (!cairn_peer_is_loopback(req->peer) && !cairn_ip_list_match(a->whitelist, req->peer)) {
		cairn_http_error(resp, 403,
				 "%s is an admin operation and answers only this machine; add the "
				 "caller to --whitelist to allow it",
				 req->path);
		return 0;
	}
	if (!cairn_access_token_ok(a, req)) {
		cairn_http_error(
		    resp, 401,
		    "%s is an admin operation: missing or wrong X-Cairn-AuthToken header",
		    req->path);
		return 0;
	}
	return 1;
}

int cairn_access_member(const struct cairn_http_req *req, struct cairn_http_resp *resp)
{
	char peer[64];
	if (req->member)
		return 1;
	cairn_access_peer_str(req->peer, peer, sizeof peer);
	if (cairn_member_auth_enabled()) {
		const char *why = req->member_why ? req->member_why : "not a member";
		cairn_member_log_refusal(peer, req->path, why);
		cairn_http_error(resp, 401,
				 "%s is for members of the cluster only: %s; sign it with the "
				 "cluster secret (--cluster_secret_file)",
				 req->path, why);
	} else {
		cairn_member_log_refusal(peer, req->path, "not loopback and no cluster secret");
		cairn_http_error(resp, 403,
				 "%s answers only this machine: the cluster has no "
				 "--cluster_secret_file, so it is loopback-only",
				 req->path);
	}
	return 0;
}

static int parse_port(const char *s, int *port)
{
	char *end;
	if (!*s || !isdigit((unsigned char)*s))
		return -1;
	long p = strtol(s, &end, 10);
	if (*end || p < 1 || p > 65535)
		return -1;
	*port = (int)p;
	return 0;
}

int cairn_addr_advertised(const char *my, const char *http, char **out, cairn_err *err)
{
	char host[256];
	int port;
	*out = NULL;
	if (my) {
		const char *colon = strrchr(my, ':');
		unsigned char a6[16];
		if (!colon || parse_port(colon + 1, &port) < 0)
			return cairn_err_set(err,
					     "--my \"%s\" needs a port 1-65535 (host:port, or "
					     "[ipv6]:port)",
					     my);
		size_t hl = (size_t)(colon - my);
		if (my[0] == '[') {
			if (hl < 3 || my[hl - 1] != ']' || hl - 2 >= sizeof host)
				return cairn_err_set(err, "--my \"%s\": bad [ipv6]:port address",
						     my);
			memcpy(host, my + 1, hl - 2);
			host[hl - 2] = 0;
			static const unsigned char any[16];
			if (inet_pton(AF_INET6, host, a6) != 1)
				return cairn_err_set(err, "--my \"%s\": %s is not an IPv6 address",
						     my, host);
			if (!memcmp(a6, any, 16))
				return cairn_err_set(err,
						     "--my \"%s\" is a wildcard; give the address "
						     "other members reach this alpha at",
						     my);
		} else {
			if (!hl || hl >= sizeof host)
				return cairn_err_set(err, "--my \"%s\" needs a host (host:port)",
						     my);
			memcpy(host, my, hl);
			host[hl] = 0;
			if (strchr(host, ':'))
				return cairn_err_set(err,
						     "--my \"%s\": an IPv6 address must be in "
						     "brackets ([%s]:%d)",
						     my, host, port);
			if (!strcmp(host, "0.0.0.0"))
				return cairn_err_set(err,
						     "--my \"%s\" is a wildcard; give the address "
						     "other members reach this alpha at",
						     my);
			for (const char *c = host; *c; c++)
				if (!isalnum((unsigned char)*c) && *c != '.' && *c != '-' &&
				    *c != '_')
					return cairn_err_set(err, "--my \"%s\": bad host name", my);
		}
		if (!(*out = strdup(my)))
			return cairn_err_set(err, "out of memory");
		return 0;
	}
	if (cairn_split_hostport(http, host, sizeof host, &port, err) < 0)
		return -1;
	int wild = !*host || !strcmp(host, "0.0.0.0") || !strcmp(host, "::");
	int n;
	if (wild) {
		cairn_warn("--http %s listens on every address; advertising localhost:%d to the "
			   "cluster (set --my host:port to the address other members reach)",
			   http, port);
		n = asprintf(out, "localhost:%d", port);
	} else {
		n = asprintf(out, strchr(host, ':') ? "[%s]:%d" : "%s:%d", host, port);
	}
	if (n < 0) {
		*out = NULL;
		return cairn_err_set(err, "out of memory");
	}
	return 0;
}

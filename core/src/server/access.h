/* access.h — who may call what: the --whitelist (parsed strictly at start),
 * the admin token, members (server/member_auth.h), and the address an alpha
 * advertises to the cluster.
 *
 * --whitelist is a comma list of entries, each one of
 *   an IPv4 or IPv6 address          10.0.0.7, ::1, [2001:db8::1]
 *   a CIDR                           10.0.0.0/8, 2001:db8::/32
 *   an inclusive range (Dgraph's)    10.0.0.1:10.0.0.9, [2001:db8::1]:[2001:db8::ff]
 * (an IPv6 range has both ends in brackets, since a bare colon is part of
 * the address). IPv4 entries also match IPv4-mapped IPv6 peers. Anything
 * else, an empty entry included, is an error naming the entry.
 *
 * Admin: the peer is loopback or whitelisted, and X-Cairn-AuthToken equals
 * --auth_token (or the content of --auth_token_file) when one is set.
 * Member: req->member (a valid cluster MAC when --cluster_secret_file is
 * set; without a secret, the loopback is the cluster's trust boundary). */
#ifndef CAIRN_ACCESS_H
#define CAIRN_ACCESS_H
#include <cairn/plugin.h>
#include <sys/socket.h>

#include "config.h"
#include "server/http.h"

/* The flags (and ini keys) cairn_access_init and the cluster secret read;
 * ops names what an admin may do on that command. */
#define CAIRN_ACCESS_FLAGS(ops)                                                                    \
	{"whitelist", 0, NULL,                                                                     \
	 "comma list of IPs, CIDRs and a:b ranges allowed admin operations (" ops ")", 0},         \
	    {"auth_token", 0, NULL, "token required in X-Cairn-AuthToken for admin operations",    \
	     CAIRN_FLAG_SECRET},                                                                   \
	    {"auth_token_file", 0, NULL, "file holding the admin token (mode 600)", 0},            \
	{                                                                                          \
		"cluster_secret_file", 0, NULL,                                                    \
		    "file holding the cluster secret (mode 600, >= 16 bytes)", 0                   \
	}

struct cairn_ip_list;

/* Parses s (NULL: *out = NULL, no list). */
int cairn_ip_list_parse(const char *s, struct cairn_ip_list **out, cairn_err *err);
int cairn_ip_list_match(const struct cairn_ip_list *l, const struct sockaddr *sa);
size_t cairn_ip_list_len(const struct cairn_ip_list *l);
void cairn_ip_list_free(struct cairn_ip_list *l);

struct cairn_access {
	struct cairn_ip_list *whitelist;
	char *token; /* NULL: no token required */
};

/* From the options whitelist, auth_token and auth_token_file (any may be
 * absent from the table). */
int cairn_access_init(struct cairn_access *a, const struct cairn_opts *o, cairn_err *err);
void cairn_access_clear(struct cairn_access *a);

/* Is the X-Cairn-AuthToken header right (or no token set)? Constant time. */
int cairn_access_token_ok(const struct cairn_access *a, const struct cairn_http_req *req);
/* Is the caller an admin (no response set)? A member counts when member_admits. */
int cairn_access_is_admin(const struct cairn_access *a, const struct cairn_http_req *req,
			  int member_admits);
/* Admin operations: 1 if allowed; otherwise resp holds 403 or 401 and 0 is
 * returned. A member (req->member) is admitted too when member_admits. */
int cairn_access_admin(const struct cairn_access *a, const struct cairn_http_req *req,
		       struct cairn_http_resp *resp, int member_admits);
/* Internal endpoints: members only (401/403 otherwise, logged once per peer). */
int cairn_access_member(const struct cairn_http_req *req, struct cairn_http_resp *resp);

/* "198.18.0.1" or "::1" of a peer address. */
void cairn_access_peer_str(const struct sockaddr *sa, char *buf, size_t n);

/* The host:port an alpha registers with zero: --my when given (refused if a
 * wildcard, an unbracketed IPv6 address or without a good port), else the
 * --http address unless it is a wildcard, else localhost:PORT (with a
 * warning). *out is malloc'd. */
int cairn_addr_advertised(const char *my, const char *http, char **out, cairn_err *err);
#endif

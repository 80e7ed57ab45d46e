/* listener.h — a cluster member's HTTP settings from its options: the TLS
 * flags and files (checked at start-up, and the client's TLS set from them)
 * and the listener's limits. Sits above http.c, limits.c and tls.c, which
 * know nothing of options. */
#ifndef CAIRN_LISTENER_H
#define CAIRN_LISTENER_H
#include <cairn/plugin.h>

#include "config.h"
#include "server/http.h"

/* The listener's limits as flags (and ini keys), documented defaults; the
 * body budget's default is the caller's (alpha holds mutations, zero small
 * requests). */
#define CAIRN_HTTP_LIMIT_FLAGS(budget_mb)                                                          \
	{"max_conns", 0, "512", "open HTTP connections in all", 0},                                \
	    {"max_conns_per_peer", 0, "32", "open HTTP connections from one non-loopback address", \
	     0},                                                                                   \
	    {"idle_timeout", 0, "30",                                                              \
	     "seconds a connection may sit idle (not counting a request being answered)", 0},      \
	{                                                                                          \
		"body_budget_mb", 0, budget_mb,                                                    \
		    "MiB of request bodies held at once; past it a request is answered 503", 0     \
	}

/* At a member's start-up, before any call: checks --tls_cert, --tls_key,
 * --tls_ca and their files, sets this process's client TLS
 * (cairn_http_client_tls), and fills h's TLS files and limits. Returns 0,
 * or -1 with err naming the flag or file. */
int cairn_listener_setup(const struct cairn_opts *o, struct cairn_http_opts *h, cairn_err *err);
#endif

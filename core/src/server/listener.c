/* listener.c — a cluster member's HTTP settings from its options. */
#include "server/listener.h"

#include <stdint.h>
#include <stdlib.h>

#include "server/tls.h"

static int tls_setup(const struct cairn_opts *o, struct cairn_http_opts *h, cairn_err *err)
{
	const char *cert = cairn_opt(o, "tls_cert"), *key = cairn_opt(o, "tls_key"),
		   *ca = cairn_opt(o, "tls_ca");
	int on = cairn_tls_member_flags(cert, key, ca, err);
	if (on <= 0)
		return on;
	h->tls_cert = cert;
	h->tls_key = key;
	char *c = NULL, *k = NULL;
	if (cairn_tls_load_pair(cert, key, &c, &k, err) < 0)
		return -1;
	free(c);
	cairn_tls_free_pem(k);
	return cairn_http_client_tls(ca, err);
}

static int positive(const struct cairn_opts *o, const char *name, uint64_t max, uint64_t *v,
		    cairn_err *err)
{
	if (cairn_opt_u64(o, name, v, err) < 0)
		return -1;
	if (*v == 0 || *v > max)
		return cairn_err_set(err, "--%s must be a number from 1 to %llu", name,
				     (unsigned long long)max);
	return 0;
}

static int limits_setup(const struct cairn_opts *o, struct cairn_http_opts *h, cairn_err *err)
{
	uint64_t conns, per_peer, idle, budget;
	if (positive(o, "max_conns", 1u << 20, &conns, err) < 0 ||
	    positive(o, "max_conns_per_peer", 1u << 20, &per_peer, err) < 0 ||
	    positive(o, "idle_timeout", 86400, &idle, err) < 0 ||
	    positive(o, "body_budget_mb", 1u << 20, &budget, err) < 0)
		return -1;
	h->max_conns = (unsigned)conns;
	h->max_conns_per_peer = (unsigned)per_peer;
	h->idle_timeout_s = (unsigned)idle;
	h->body_budget = (size_t)budget << 20;
	return 0;
}

int cairn_listener_setup(const struct cairn_opts *o, struct cairn_http_opts *h, cairn_err *err)
{
	return tls_setup(o, h, err) < 0 || limits_setup(o, h, err) < 0 ? -1 : 0;
}

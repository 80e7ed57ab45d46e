/* limits.c — connections per peer and the body budget (see limits.h). */
#include "server/limits.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "server/http.h"

/* Entries only for addresses with a connection open, so there are never
 * more than the listener's connection limit: a scan is cheap. */
struct cairn_peer_count {
	unsigned char addr[16];
	unsigned n;
};

static int key(const struct sockaddr *sa, unsigned char addr[16])
{
	memset(addr, 0, 16);
	if (!sa)
		return -1;
	if (sa->sa_family == AF_INET) {
		addr[10] = addr[11] = 0xff;
		memcpy(addr + 12, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		memcpy(addr, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
		return 0;
	}
	return -1;
}

static struct cairn_peer_count *find(struct cairn_limits *l, const unsigned char addr[16])
{
	for (size_t i = 0; i < l->npeers; i++)
		if (!memcmp(l->peers[i].addr, addr, 16))
			return &l->peers[i];
	return NULL;
}

void cairn_limits_init(struct cairn_limits *l, unsigned per_peer, size_t budget)
{
	memset(l, 0, sizeof *l);
	pthread_mutex_init(&l->mu, NULL);
	l->per_peer = per_peer;
	l->budget = budget;
}

void cairn_limits_clear(struct cairn_limits *l)
{
	free(l->peers);
	pthread_mutex_destroy(&l->mu);
	memset(l, 0, sizeof *l);
}

int cairn_limits_admit(struct cairn_limits *l, const struct sockaddr *sa)
{
	unsigned char addr[16];
	if (cairn_http_peer_is_loopback(sa) || key(sa, addr) < 0)
		return 1;
	pthread_mutex_lock(&l->mu);
	const struct cairn_peer_count *p = find(l, addr);
	int ok = !p || p->n < l->per_peer;
	pthread_mutex_unlock(&l->mu);
	return ok;
}

void cairn_limits_count(struct cairn_limits *l, const struct sockaddr *sa, int delta)
{
	unsigned char addr[16];
	if (cairn_http_peer_is_loopback(sa) || key(sa, addr) < 0)
		return;
	pthread_mutex_lock(&l->mu);
	struct cairn_peer_count *p = find(l, addr);
	if (!p && delta > 0) {
		if (l->npeers == l->cap) {
			size_t nc = l->cap ? l->cap * 2 : 16;
			struct cairn_peer_count *np = realloc(l->peers, nc * sizeof *np);
			if (!np)
				goto out; /* uncounted: admitted more leniently, never refused */
			l->peers = np;
			l->cap = nc;
		}
		p = &l->peers[l->npeers++];
		memcpy(p->addr, addr, 16);
		p->n = 0;
	}
	if (!p)
		goto out;
	if (delta > 0)
		p->n++;
	else if (p->n > 0 && --p->n == 0)
		*p = l->peers[--l->npeers];
out:
	pthread_mutex_unlock(&l->mu);
}

int cairn_limits_reserve(struct cairn_limits *l, size_t n)
{
	pthread_mutex_lock(&l->mu);
	int ok = n <= l->budget - l->held;
	if (ok)
		l->held += n;
	pthread_mutex_unlock(&l->mu);
	return ok ? 0 : -1;
}

void cairn_limits_release(struct cairn_limits *l, size_t n)
{
	pthread_mutex_lock(&l->mu);
	l->held -= n < l->held ? n : l->held;
	pthread_mutex_unlock(&l->mu);
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

int cairn_http_limits_from_opts(const struct cairn_opts *o, struct cairn_http_opts *h,
				cairn_err *err)
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

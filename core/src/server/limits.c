/* limits.c — connections per peer and the body budget (see limits.h). */
#include "server/limits.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "server/peer.h"

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
	if (cairn_peer_is_loopback(sa) || key(sa, addr) < 0)
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
	if (cairn_peer_is_loopback(sa) || key(sa, addr) < 0)
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

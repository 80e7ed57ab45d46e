/* limits.h — what one listener lets its peers hold: open connections per
 * non-loopback address, and the bytes of request bodies held at once.
 * Thread-safe; server/http.c calls it from libmicrohttpd's callbacks. */
#ifndef CAIRN_LIMITS_H
#define CAIRN_LIMITS_H
#include <pthread.h>
#include <stddef.h>
#include <sys/socket.h>

struct cairn_peer_count;

struct cairn_limits {
	pthread_mutex_t mu;
	unsigned per_peer;		/* connections from one non-loopback address */
	struct cairn_peer_count *peers; /* addresses with a connection open */
	size_t npeers, cap;
	size_t budget, held; /* body bytes: allowed, reserved now */
};

void cairn_limits_init(struct cairn_limits *l, unsigned per_peer, size_t budget);
void cairn_limits_clear(struct cairn_limits *l);
/* May sa open one more connection? Loopback always may. */
int cairn_limits_admit(struct cairn_limits *l, const struct sockaddr *sa);
/* A connection from sa opened (delta 1) or closed (-1). */
void cairn_limits_count(struct cairn_limits *l, const struct sockaddr *sa, int delta);
/* Reserves n more body bytes: 0, or -1 (nothing reserved) past the budget. */
int cairn_limits_reserve(struct cairn_limits *l, size_t n);
void cairn_limits_release(struct cairn_limits *l, size_t n);
#endif

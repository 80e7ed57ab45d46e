/* peer.h — what kind of address a peer has: the one test the listener's
 * limits, the access checks and member authentication share. */
#ifndef CAIRN_PEER_H
#define CAIRN_PEER_H
#include <sys/socket.h>

/* Is the peer loopback (127.0.0.0/8, ::1, ::ffff:127.x)? NULL: no. */
int cairn_peer_is_loopback(const struct sockaddr *sa);
#endif

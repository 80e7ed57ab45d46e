/* member_auth.h — who is a member of the cluster: every call between members
 * (alpha->zero, alpha->alpha, restore->zero) carries an HMAC-SHA256 over the
 * request under a key derived from the shared cluster secret
 * (--cluster_secret_file), and secrets forwarded between members are sealed
 * with AES-256-GCM under a second derived key.
 *
 * Why HMAC and not mutual TLS: it needs no certificate authority, no
 * per-member certificates and no rotation tooling, and it works the same
 * whether or not the listeners run TLS (TLS is optional and configured per
 * listener). It authenticates the request (method, path and query, body
 * hash, time, nonce), not the connection, so a relay or proxy in between
 * cannot change what a member asked for. It does not hide the traffic: that
 * is TLS's job, and the few secrets that must cross (a backup's destination
 * credentials) are sealed on their own. See docs/SECURITY.md.
 *
 * Header: X-Cairn-Member: v1 <ts_ms> <nonce: 32 hex> <mac: 64 hex>, where
 * mac = HMAC-SHA256(K_mac, "cairn-member-v1\n" METHOD "\n" PATH?QUERY "\n"
 *                           hex(SHA-256(body)) "\n" ts_ms "\n" nonce)
 * K_mac = HMAC-SHA256(secret, "cairn member mac v1"),
 * K_seal = HMAC-SHA256(secret, "cairn member seal v1").
 * The receiver accepts ts within +-30 s of its clock, and each nonce once
 * (a bounded cache; a request older than the oldest nonce it had to forget
 * is refused as stale).
 *
 * The key set is process-wide, set once at start before any thread runs. */
#ifndef CAIRN_MEMBER_AUTH_H
#define CAIRN_MEMBER_AUTH_H
#include <cairn/plugin.h>
#include <stddef.h>
#include <stdint.h>

#define CAIRN_MEMBER_HEADER "X-Cairn-Member"
#define CAIRN_MEMBER_WINDOW_MS 30000
#define CAIRN_MEMBER_SECRET_MIN 16

/* Reads a secret file (cluster secret, auth token): it must exist, be a
 * regular file not readable by group or other, and hold at least min bytes
 * once one trailing newline is stripped. flag names the option in errors.
 * *out is malloc'd (NUL-terminated) and registered for scrubbing. */
int cairn_secret_file_read(const char *path, const char *flag, size_t min, char **out,
			   cairn_err *err);

/* Loads --cluster_secret_file and derives the keys. Call once, at start. */
int cairn_member_auth_load(const char *path, cairn_err *err);
/* Is a cluster secret configured? */
int cairn_member_auth_enabled(void);

/* The X-Cairn-Member header value for a request (target = path and query,
 * exactly as sent). Returns -1 if no secret is configured. */
int cairn_member_sign(const char *method, const char *target, const void *body, size_t len,
		      char *out, size_t outlen);
/* Checks a header value at time now_ms (wall clock). Returns 1 when valid
 * (and remembers its nonce), 0 with *reason otherwise. */
int cairn_member_verify(const char *method, const char *target, const void *body, size_t len,
			const char *header, int64_t now_ms, const char **reason);

/* Seals plain for one purpose (aad, e.g. "/internal/backup secretKey"):
 * "cairn-sealed:v1:" hex(nonce[12] ct tag[16]). malloc'd, NULL when no
 * secret is configured or out of memory. */
char *cairn_member_seal(const char *plain, const char *aad);
/* Does s look sealed? */
int cairn_member_is_sealed(const char *s);
/* Opens a sealed value; malloc'd plain text (registered for scrubbing) or NULL with err. */
char *cairn_member_open(const char *sealed, const char *aad, cairn_err *err);

/* Logs a refused member call once per peer address (and stops after a
 * bounded number of peers). */
void cairn_member_log_refusal(const char *peer, const char *path, const char *reason);
#endif

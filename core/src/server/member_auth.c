/* member_auth.c — the cluster secret, the request MAC between members, its
 * replay cache, and sealing forwarded secrets (see member_auth.h for the
 * wire form and why HMAC rather than mutual TLS). */
#include "member_auth.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

#define SEAL_PREFIX "cairn-sealed:v1:"
#define NONCE_LEN 16
#define CACHE_SLOTS 8192
#define MAX_LOGGED_PEERS 64

static unsigned char mac_key[32], seal_key[32];
static int have_keys;

struct seen {
	unsigned char nonce[NONCE_LEN];
	int64_t ts;
};

/* Nonces seen within the window, in arrival order; an evicted entry raises
 * the floor below which every request is refused, so forgetting one never
 * lets it be replayed. */
static struct {
	pthread_mutex_t mu;
	struct seen slot[CACHE_SLOTS];
	size_t next, used;
	int64_t floor;
} cache = {PTHREAD_MUTEX_INITIALIZER, {{{0}, 0}}, 0, 0, 0};

static void hex(const unsigned char *in, size_t n, char *out)
{
	static const char d[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = d[in[i] >> 4];
		out[2 * i + 1] = d[in[i] & 15];
	}
	out[2 * n] = 0;
}

static int unhex(const char *in, size_t n, unsigned char *out)
{
	for (size_t i = 0; i < n; i++) {
		int v = 0;
		for (int k = 0; k < 2; k++) {
			char c = in[2 * i + k];
			int x = c >= '0' && c <= '9'   ? c - '0'
				: c >= 'a' && c <= 'f' ? c - 'a' + 10
						       : -1;
			if (x < 0)
				return -1;
			v = v * 16 + x;
		}
		out[i] = (unsigned char)v;
	}
	return 0;
}

int cairn_secret_file_read(const char *path, const char *flag, size_t min, char **out,
			   cairn_err *err)
{
	struct stat st;
	char buf[4097];
	*out = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return cairn_err_set(err, "--%s %s: cannot open it (%s); give a file that exists",
				     flag, path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return cairn_err_set(err, "--%s %s is not a regular file", flag, path);
	}
	if (st.st_mode & 077) {
		close(fd);
		return cairn_err_set(err,
				     "--%s %s is readable by group or other (mode %03o); "
				     "chmod 600 it",
				     flag, path, (unsigned)(st.st_mode & 0777));
	}
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n < 0)
		return cairn_err_set(err, "--%s %s: cannot read it (%s)", flag, path,
				     strerror(errno));
	if ((size_t)n == sizeof buf - 1) {
		OPENSSL_cleanse(buf, sizeof buf);
		return cairn_err_set(err, "--%s %s is larger than %zu bytes", flag, path,
				     sizeof buf - 2);
	}
	size_t len = (size_t)n;
	if (len && buf[len - 1] == '\n')
		len--;
	if (len && buf[len - 1] == '\r')
		len--;
	buf[len] = 0;
	int rc = -1;
	if (!len)
		cairn_err_set(err, "--%s %s is empty; put the secret in it", flag, path);
	else if (len < min)
		cairn_err_set(err, "--%s %s holds %zu bytes; it needs at least %zu", flag, path,
			      len, min);
	else if (memchr(buf, 0, len) || memchr(buf, '\n', len))
		cairn_err_set(err, "--%s %s must hold one line of text", flag, path);
	else if (!(*out = strdup(buf)))
		cairn_err_set(err, "out of memory");
	else {
		cairn_add_secret(buf, len);
		rc = 0;
	}
	OPENSSL_cleanse(buf, sizeof buf);
	return rc;
}

static void derive(const char *secret, const char *label, unsigned char out[32])
{
	unsigned int n = 32;
	HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)label, strlen(label),
	     out, &n);
}

int cairn_member_auth_load(const char *path, cairn_err *err)
{
	char *secret = NULL;
	if (cairn_secret_file_read(path, "cluster_secret_file", CAIRN_MEMBER_SECRET_MIN, &secret,
				   err) < 0)
		return -1;
	derive(secret, "cairn member mac v1", mac_key);
	derive(secret, "cairn member seal v1", seal_key);
	OPENSSL_cleanse(secret, strlen(secret));
	free(secret);
	have_keys = 1;
	return 0;
}

int cairn_member_auth_enabled(void) { return have_keys; }

static void compute_mac(const char *method, const char *target, const void *body, size_t len,
			const char *ts, const char *nonce, char out[65])
{
	unsigned char bh[32], mac[32];
	char bhex[65];
	unsigned int n = sizeof mac;
	SHA256(body ? body : "", body ? len : 0, bh);
	hex(bh, 32, bhex);
	char *msg = NULL;
	int ml =
	    asprintf(&msg, "cairn-member-v1\n%s\n%s\n%s\n%s\n%s", method, target, bhex, ts, nonce);
	if (ml < 0) { /* an impossible MAC: the request is refused, never admitted */
		memset(out, 0, 65);
		return;
	}
	HMAC(EVP_sha256(), mac_key, sizeof mac_key, (const unsigned char *)msg, (size_t)ml, mac,
	     &n);
	free(msg);
	hex(mac, 32, out);
}

static int64_t wall_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

int cairn_member_sign(const char *method, const char *target, const void *body, size_t len,
		      char *out, size_t outlen)
{
	unsigned char nb[NONCE_LEN];
	char nonce[2 * NONCE_LEN + 1], ts[24], mac[65];
	if (!have_keys || RAND_bytes(nb, sizeof nb) != 1)
		return -1;
	hex(nb, sizeof nb, nonce);
	snprintf(ts, sizeof ts, "%lld", (long long)wall_ms());
	compute_mac(method, target, body, len, ts, nonce, mac);
	int w = snprintf(out, outlen, "v1 %s %s %s", ts, nonce, mac);
	return w < 0 || (size_t)w >= outlen ? -1 : 0;
}

/* Remembers nonce at ts; 0 if it was new, -1 if seen or older than the floor. */
static int remember(const unsigned char *nonce, int64_t ts, int64_t now)
{
	int rc = 0;
	pthread_mutex_lock(&cache.mu);
	if (ts <= cache.floor) {
		rc = -1;
		goto out;
	}
	for (size_t i = 0; i < cache.used; i++)
		if (cache.slot[i].ts >= now - CAIRN_MEMBER_WINDOW_MS &&
		    !memcmp(cache.slot[i].nonce, nonce, NONCE_LEN)) {
			rc = -1;
			goto out;
		}
	struct seen *s = &cache.slot[cache.next];
	if (cache.used == CACHE_SLOTS && s->ts > cache.floor)
		cache.floor = s->ts;
	memcpy(s->nonce, nonce, NONCE_LEN);
	s->ts = ts;
	cache.next = (cache.next + 1) % CACHE_SLOTS;
	if (cache.used < CACHE_SLOTS)
		cache.used++;
out:
	pthread_mutex_unlock(&cache.mu);
	return rc;
}

int cairn_member_verify(const char *method, const char *target, const void *body, size_t len,
			const char *header, int64_t now_ms, const char **reason)
{
	char ts[24], nonce[2 * NONCE_LEN + 1], mac[65], want[65];
	unsigned char nb[NONCE_LEN];
	if (!now_ms)
		now_ms = wall_ms();
	if (!have_keys) {
		*reason = "this process has no cluster secret";
		return 0;
	}
	if (!header) {
		*reason = "no " CAIRN_MEMBER_HEADER " header (not signed with the cluster secret)";
		return 0;
	}
	char extra;
	if (sscanf(header, "v1 %23[0-9] %32[0-9a-f] %64[0-9a-f]%c", ts, nonce, mac, &extra) != 3 ||
	    strlen(nonce) != 2 * NONCE_LEN || strlen(mac) != 64 ||
	    unhex(nonce, NONCE_LEN, nb) < 0) {
		*reason = "malformed " CAIRN_MEMBER_HEADER " header";
		return 0;
	}
	int64_t t = strtoll(ts, NULL, 10);
	if (t < now_ms - CAIRN_MEMBER_WINDOW_MS || t > now_ms + CAIRN_MEMBER_WINDOW_MS) {
		*reason = "stale or future timestamp (outside the 30 s window: check the clocks)";
		return 0;
	}
	compute_mac(method, target, body, len, ts, nonce, want);
	if (CRYPTO_memcmp(want, mac, 64) != 0) {
		*reason = "wrong MAC (not signed with this cluster's secret, or altered)";
		return 0;
	}
	if (remember(nb, t, now_ms) < 0) {
		*reason = "replayed request (nonce already used)";
		return 0;
	}
	return 1;
}

int cairn_member_is_sealed(const char *s)
{
	return s && !strncmp(s, SEAL_PREFIX, strlen(SEAL_PREFIX));
}

char *cairn_member_seal(const char *plain, const char *aad)
{
	unsigned char iv[12], tag[16];
	size_t n = strlen(plain);
	unsigned char *buf = malloc(12 + n + 16);
	char *out = NULL;
	int len = 0;
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	if (!have_keys || !buf || !c || RAND_bytes(iv, sizeof iv) != 1 ||
	    EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, seal_key, iv) != 1 ||
	    EVP_EncryptUpdate(c, NULL, &len, (const unsigned char *)aad, (int)strlen(aad)) != 1 ||
	    EVP_EncryptUpdate(c, buf + 12, &len, (const unsigned char *)plain, (int)n) != 1 ||
	    EVP_EncryptFinal_ex(c, buf + 12 + len, &len) != 1 ||
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, tag) != 1)
		goto out;
	memcpy(buf, iv, 12);
	memcpy(buf + 12 + n, tag, 16);
	out = malloc(strlen(SEAL_PREFIX) + 2 * (12 + n + 16) + 1);
	if (out) {
		strcpy(out, SEAL_PREFIX);
		hex(buf, 12 + n + 16, out + strlen(SEAL_PREFIX));
	}
out:
	EVP_CIPHER_CTX_free(c);
	if (buf)
		OPENSSL_cleanse(buf, 12 + n + 16);
	free(buf);
	return out;
}

char *cairn_member_open(const char *sealed, const char *aad, cairn_err *err)
{
	const char *h = sealed + strlen(SEAL_PREFIX);
	size_t hl = strlen(h), n;
	unsigned char *buf = NULL;
	char *plain = NULL;
	int len = 0, ok = 0;
	EVP_CIPHER_CTX *c = NULL;
	if (!have_keys) {
		cairn_err_set(err, "a sealed credential came but this alpha has no cluster secret; "
				   "give every member the same --cluster_secret_file");
		return NULL;
	}
	if (!cairn_member_is_sealed(sealed) || hl % 2 || hl < 2 * 28) {
		cairn_err_set(err, "a sealed credential is malformed");
		return NULL;
	}
	n = hl / 2 - 28;
	buf = malloc(hl / 2);
	plain = malloc(n + 1);
	c = EVP_CIPHER_CTX_new();
	if (!buf || !plain || !c || unhex(h, hl / 2, buf) < 0)
		goto out;
	if (EVP_DecryptInit_ex(c, EVP_aes_256_gcm(), NULL, seal_key, buf) != 1 ||
	    EVP_DecryptUpdate(c, NULL, &len, (const unsigned char *)aad, (int)strlen(aad)) != 1 ||
	    EVP_DecryptUpdate(c, (unsigned char *)plain, &len, buf + 12, (int)n) != 1 ||
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, 16, buf + 12 + n) != 1 ||
	    EVP_DecryptFinal_ex(c, (unsigned char *)plain + len, &len) != 1)
		goto out;
	plain[n] = 0;
	cairn_add_secret(plain, n);
	ok = 1;
out:
	EVP_CIPHER_CTX_free(c);
	free(buf);
	if (!ok) {
		if (plain)
			OPENSSL_cleanse(plain, n + 1);
		free(plain);
		cairn_err_set(err, "a sealed credential does not open with this cluster's secret; "
				   "give every member the same --cluster_secret_file");
		return NULL;
	}
	return plain;
}

void cairn_member_log_refusal(const char *peer, const char *path, const char *reason)
{
	static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
	static char logged[MAX_LOGGED_PEERS][64];
	static size_t nlogged;
	int first = 1, full = 0;
	pthread_mutex_lock(&mu);
	for (size_t i = 0; i < nlogged; i++)
		if (!strcmp(logged[i], peer))
			first = 0;
	if (first && nlogged < MAX_LOGGED_PEERS)
		snprintf(logged[nlogged++], sizeof logged[0], "%s", peer);
	else if (first)
		full = 1;
	pthread_mutex_unlock(&mu);
	if (first && !full)
		cairn_warn("refused a member call from %s to %s: %s (logged once per peer)", peer,
			   path, reason);
}

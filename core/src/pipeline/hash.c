/* hash.c — SHA-256 and HMAC-SHA256 over a byte stream (OpenSSL EVP). */
#include "pipeline/hash.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct hash {
	struct cairn_filter base;
	EVP_MD_CTX *sha;
	EVP_MAC_CTX *mac;
	uint64_t size;
	int final;
	struct cairn_obj_info info;
};

static void hex(const unsigned char *b, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
	out[2 * n] = 0;
}

static void hash_observe(struct cairn_filter *f, const unsigned char *p, size_t n)
{
	struct hash *h = (struct hash *)f;
	EVP_DigestUpdate(h->sha, p, n);
	if (h->mac)
		EVP_MAC_update(h->mac, p, n);
	h->size += n;
}

static void hash_free(struct cairn_filter *f)
{
	struct hash *h = (struct hash *)f;
	EVP_MD_CTX_free(h->sha);
	EVP_MAC_CTX_free(h->mac);
	free(h);
}

static const struct cairn_filter_ops hash_ops = {"sha256", NULL, hash_observe, hash_free};

int cairn_hash_new(const unsigned char *mac_key, size_t mac_key_len, struct cairn_filter **out,
		   cairn_err *err)
{
	struct hash *h = calloc(1, sizeof *h);
	if (!h)
		return cairn_err_set(err, "out of memory");
	h->base.ops = &hash_ops;
	h->sha = EVP_MD_CTX_new();
	if (!h->sha || !EVP_DigestInit_ex(h->sha, EVP_sha256(), NULL)) {
		hash_free(&h->base);
		return cairn_err_set(err, "cannot start sha256");
	}
	if (mac_key) {
		EVP_MAC *m = EVP_MAC_fetch(NULL, "HMAC", NULL);
		OSSL_PARAM params[] = {
		    OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0),
		    OSSL_PARAM_construct_end()};
		h->mac = m ? EVP_MAC_CTX_new(m) : NULL;
		EVP_MAC_free(m);
		if (!h->mac || !EVP_MAC_init(h->mac, mac_key, mac_key_len, params)) {
			hash_free(&h->base);
			return cairn_err_set(err, "cannot start HMAC-SHA256");
		}
	}
	*out = &h->base;
	return 0;
}

void cairn_hash_result(struct cairn_filter *f, struct cairn_obj_info *info)
{
	struct hash *h = (struct hash *)f;
	if (!h->final) {
		unsigned char d[32];
		unsigned int n = sizeof d;
		size_t ml = sizeof d;
		EVP_DigestFinal_ex(h->sha, d, &n);
		hex(d, 32, h->info.sha256);
		if (h->mac && EVP_MAC_final(h->mac, d, &ml, sizeof d))
			hex(d, 32, h->info.hmac);
		h->info.size = h->size;
		h->final = 1;
	}
	*info = h->info;
}

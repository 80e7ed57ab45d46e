/* keyset.c — deriving the MAC key and the key check (docs/FORMAT.md). */
#include "pipeline/keyset.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

static const char mac_label[] = "cairn backup object mac v1";
static const char check_label[] = "cairn backup key check v1";

static void hmac_once(const unsigned char *key, size_t klen, const void *msg, size_t mlen,
		      unsigned char out[32])
{
	size_t n = 32;
	EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, klen, msg, mlen, out, 32, &n);
}

void cairn_keyset_init(struct cairn_keyset *ks, const unsigned char *key, size_t len)
{
	memset(ks, 0, sizeof *ks);
	if (!len || len > sizeof ks->key)
		return;
	memcpy(ks->key, key, len);
	ks->key_len = len;
	hmac_once(key, len, mac_label, sizeof mac_label - 1, ks->mac_key);
}

void cairn_keyset_check(const struct cairn_keyset *ks, char out[33])
{
	unsigned char h[32];
	hmac_once(ks->key, ks->key_len, check_label, sizeof check_label - 1, h);
	for (int i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", h[i]);
	OPENSSL_cleanse(h, sizeof h);
}

const char *cairn_cipher_name(size_t key_len)
{
	return key_len == 16   ? "aes-128-ctr"
	       : key_len == 24 ? "aes-192-ctr"
	       : key_len == 32 ? "aes-256-ctr"
			       : "none";
}

size_t cairn_cipher_key_len(const char *name)
{
	return !strcmp(name, "aes-128-ctr")   ? 16
	       : !strcmp(name, "aes-192-ctr") ? 24
	       : !strcmp(name, "aes-256-ctr") ? 32
					      : 0;
}

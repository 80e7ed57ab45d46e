/* keyset.h — the key material a backup object's chains use: the AES key,
 * and a MAC key derived from it so the cipher key is never used twice. */
#ifndef CAIRN_PIPELINE_KEYSET_H
#define CAIRN_PIPELINE_KEYSET_H
#include <stddef.h>

struct cairn_keyset {
	unsigned char key[32];
	size_t key_len; /* 0: no encryption */
	unsigned char mac_key[32];
};
/* len 0: no encryption; else 16, 24 or 32 (cairn_key_load checks), any
 * other length also means no encryption. key is copied. */
void cairn_keyset_init(struct cairn_keyset *ks, const unsigned char *key, size_t len);
/* A short public fingerprint of the key ("key_check" in the manifest) so a
 * wrong key is reported as such before anything is read. 32 hex chars. */
void cairn_keyset_check(const struct cairn_keyset *ks, char out[33]);
/* "aes-256-ctr" for 32, ...; "none" for any other length. */
const char *cairn_cipher_name(size_t key_len);
/* The key length a cipher name takes (the inverse), 0 if unknown. */
size_t cairn_cipher_key_len(const char *name);
#endif

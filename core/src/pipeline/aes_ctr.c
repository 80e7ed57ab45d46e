/* aes_ctr.c — OpenSSL EVP AES-CTR with the IV carried in front of the
 * ciphertext. CTR is a stream cipher: n bytes in, n bytes out. */
#include "pipeline/aes_ctr.h"

#include <limits.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

struct aes {
	struct cairn_filter base;
	EVP_CIPHER_CTX *ctx;
	int encrypt;
	unsigned char key[32];
	size_t key_len;
	unsigned char iv[CAIRN_AES_IV_LEN];
	size_t iv_done; /* IV bytes written (encrypt) or collected (decrypt) */
};

static const EVP_CIPHER *cipher_for(size_t key_len)
{
	return key_len == 16   ? EVP_aes_128_ctr()
	       : key_len == 24 ? EVP_aes_192_ctr()
			       : EVP_aes_256_ctr();
}

static int start(struct aes *a, cairn_err *err)
{
	a->ctx = EVP_CIPHER_CTX_new();
	if (!a->ctx ||
	    !EVP_CipherInit_ex(a->ctx, cipher_for(a->key_len), NULL, a->key, a->iv, a->encrypt))
		return cairn_err_set(err, "cannot start AES-CTR");
	OPENSSL_cleanse(a->key, sizeof a->key);
	return 0;
}

static int aes_step(struct cairn_filter *f, const unsigned char *in, size_t in_len, size_t *used,
		    unsigned char *out, size_t cap, size_t *made, int finish, cairn_err *err)
{
	struct aes *a = (struct aes *)f;
	*used = *made = 0;
	if (a->iv_done < CAIRN_AES_IV_LEN) {
		size_t want = CAIRN_AES_IV_LEN - a->iv_done;
		if (a->encrypt) {
			size_t k = want < cap ? want : cap;
			memcpy(out, a->iv + a->iv_done, k);
			*made = k;
			a->iv_done += k;
			return 0;
		}
		if (!in_len)
			return finish ? cairn_err_setc(err, CAIRN_E_CORRUPT,
						       "truncated inside its 16-byte IV")
				      : 0;
		size_t k = want < in_len ? want : in_len;
		memcpy(a->iv + a->iv_done, in, k);
		*used = k;
		a->iv_done += k;
		if (a->iv_done == CAIRN_AES_IV_LEN && start(a, err) < 0)
			return -1;
		return 0;
	}
	size_t n = in_len < cap ? in_len : cap;
	if (n > INT_MAX)
		n = INT_MAX;
	if (!n)
		return finish ? 1 : 0;
	int outl = 0;
	if (!EVP_CipherUpdate(a->ctx, out, &outl, in, (int)n) || (size_t)outl != n)
		return cairn_err_set(err, a->encrypt ? "encryption failed" : "decryption failed");
	*used = *made = n;
	return 0;
}

static void aes_free(struct cairn_filter *f)
{
	struct aes *a = (struct aes *)f;
	EVP_CIPHER_CTX_free(a->ctx);
	OPENSSL_cleanse(a, sizeof *a);
	free(a);
}

static const struct cairn_filter_ops aes_ops = {"aes-ctr", aes_step, NULL, aes_free};

static int aes_new(const unsigned char *key, size_t key_len, int encrypt, struct aes **out,
		   cairn_err *err)
{
	if (key_len != 16 && key_len != 24 && key_len != 32)
		return cairn_err_set(err, "an AES key is 16, 24 or 32 bytes, not %zu", key_len);
	struct aes *a = calloc(1, sizeof *a);
	if (!a)
		return cairn_err_set(err, "out of memory");
	a->base.ops = &aes_ops;
	a->encrypt = encrypt;
	memcpy(a->key, key, key_len);
	a->key_len = key_len;
	*out = a;
	return 0;
}

int cairn_aes_ctr_encrypt_new(const unsigned char *key, size_t key_len,
			      const unsigned char iv[CAIRN_AES_IV_LEN], struct cairn_filter **out,
			      cairn_err *err)
{
	struct aes *a = NULL;
	if (aes_new(key, key_len, 1, &a, err) < 0)
		return -1;
	if (iv)
		memcpy(a->iv, iv, CAIRN_AES_IV_LEN);
	else if (RAND_bytes(a->iv, CAIRN_AES_IV_LEN) != 1) {
		aes_free(&a->base);
		return cairn_err_set(err, "cannot get random bytes for the IV");
	}
	if (start(a, err) < 0) {
		aes_free(&a->base);
		return -1;
	}
	*out = &a->base;
	return 0;
}

int cairn_aes_ctr_decrypt_new(const unsigned char *key, size_t key_len, struct cairn_filter **out,
			      cairn_err *err)
{
	struct aes *a = NULL;
	if (aes_new(key, key_len, 0, &a, err) < 0)
		return -1;
	*out = &a->base;
	return 0;
}

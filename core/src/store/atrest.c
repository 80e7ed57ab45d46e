/* atrest.c — encryption at rest of a postings directory (atrest.h,
 * docs/AT-REST.md). */
/* SHA256_Init and friends: the keyed tags are HMAC-SHA256 from contexts
 * keyed once (EVP would look the digest up and allocate on every call, and
 * every mutation and restore record computes one). */
#define OPENSSL_SUPPRESS_DEPRECATED
#include "store/atrest.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonfile.h"

#define NONCE_LEN 12
#define MAC_LEN 16
/* Counter blocks made per ECB call. */
#define CTR_BLOCKS 64
/* Predicate tags cached by name: a direct-mapped table. */
#define TAG_CACHE 512
#define TAG_CACHE_NAME 64

struct tag_entry {
	unsigned char plen; /* 0: empty */
	char name[TAG_CACHE_NAME];
	unsigned char tag[CAIRN_TAG_LEN];
};

struct cairn_atrest {
	unsigned char vkey[32];		/* AES-256-CTR: values and files */
	SHA256_CTX min, mout;		/* HMAC-SHA256 with the MAC key, keyed */
	unsigned char fp[CAIRN_FP_LEN]; /* public: recorded in the directory */
	SHA256_CTX hin, hout;		/* HMAC-SHA256 with the tag key, keyed */
	pthread_mutex_t mu;
	struct tag_entry cache[TAG_CACHE];
};

/* Nonces: a random 96-bit start drawn from the CSPRNG, then counted up,
 * drawn afresh every NONCE_DRAW values. Two sealers' runs overlap only if
 * their random starts land within NONCE_DRAW of each other (about 2^-75 a
 * pair): as unique as a random nonce per value, without the CSPRNG's cost
 * on every value. */
#define NONCE_DRAW (1u << 20)

struct cairn_sealer {
	EVP_CIPHER_CTX *ecb; /* AES-256 with the value key: CTR's keystream */
	const struct cairn_atrest *ar;
	unsigned char ctr[16 * CTR_BLOCKS], ks[16 * CTR_BLOCKS];
	unsigned char nonce[NONCE_LEN];
	uint32_t left; /* values before the next draw */
};

static int next_nonce(struct cairn_sealer *s, unsigned char out[NONCE_LEN])
{
	if (!s->left) {
		if (RAND_bytes(s->nonce, NONCE_LEN) != 1)
			return -1;
		s->left = NONCE_DRAW;
	} else {
		for (int i = NONCE_LEN - 1; i >= 0 && ++s->nonce[i] == 0; i--)
			;
	}
	s->left--;
	memcpy(out, s->nonce, NONCE_LEN);
	return 0;
}

static int hkdf(const unsigned char *key, size_t len, const char *label, unsigned char *out,
		size_t outlen)
{
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, NULL);
	static const unsigned char salt[] = "cairn postings at rest";
	int ok =
	    c && EVP_PKEY_derive_init(c) > 0 && EVP_PKEY_CTX_set_hkdf_md(c, EVP_sha256()) > 0 &&
	    EVP_PKEY_CTX_set1_hkdf_salt(c, salt, (int)sizeof salt - 1) > 0 &&
	    EVP_PKEY_CTX_set1_hkdf_key(c, key, (int)len) > 0 &&
	    EVP_PKEY_CTX_add1_hkdf_info(c, (const unsigned char *)label, (int)strlen(label)) > 0 &&
	    EVP_PKEY_derive(c, out, &outlen) > 0;
	EVP_PKEY_CTX_free(c);
	return ok ? 0 : -1;
}

/* HMAC-SHA256's inner and outer contexts with a 32-byte key absorbed. */
static void hmac_keyed(const unsigned char key[32], SHA256_CTX *in, SHA256_CTX *out)
{
	unsigned char pad[64];
	memset(pad, 0x36, sizeof pad);
	for (size_t i = 0; i < 32; i++)
		pad[i] ^= key[i];
	SHA256_Init(in);
	SHA256_Update(in, pad, sizeof pad);
	memset(pad, 0x5c, sizeof pad);
	for (size_t i = 0; i < 32; i++)
		pad[i] ^= key[i];
	SHA256_Init(out);
	SHA256_Update(out, pad, sizeof pad);
	OPENSSL_cleanse(pad, sizeof pad);
}

int cairn_atrest_new(const unsigned char *key, size_t len, struct cairn_atrest **out,
		     cairn_err *err)
{
	unsigned char tkey[32], mkey[32];
	*out = NULL;
	if (len != 16 && len != 24 && len != 32)
		return cairn_err_set(err, "an encryption key of %zu bytes; AES needs 16, 24 or 32",
				     len);
	struct cairn_atrest *ar = calloc(1, sizeof *ar);
	if (!ar)
		return cairn_err_set(err, "out of memory");
	if (hkdf(key, len, "cairn at-rest value key v1", ar->vkey, sizeof ar->vkey) < 0 ||
	    hkdf(key, len, "cairn at-rest tag key v1", tkey, sizeof tkey) < 0 ||
	    hkdf(key, len, "cairn at-rest mac key v1", mkey, sizeof mkey) < 0 ||
	    hkdf(key, len, "cairn at-rest key fingerprint v1", ar->fp, sizeof ar->fp) < 0) {
		OPENSSL_cleanse(ar, sizeof *ar);
		free(ar);
		return cairn_err_set(err, "cannot derive the at-rest keys (OpenSSL HKDF failed)");
	}
	hmac_keyed(tkey, &ar->hin, &ar->hout);
	hmac_keyed(mkey, &ar->min, &ar->mout);
	OPENSSL_cleanse(tkey, sizeof tkey);
	OPENSSL_cleanse(mkey, sizeof mkey);
	pthread_mutex_init(&ar->mu, NULL);
	*out = ar;
	return 0;
}

void cairn_atrest_free(struct cairn_atrest *ar)
{
	if (!ar)
		return;
	pthread_mutex_destroy(&ar->mu);
	OPENSSL_cleanse(ar, sizeof *ar);
	free(ar);
}

const unsigned char *cairn_atrest_fp(const struct cairn_atrest *ar) { return ar->fp; }

void cairn_atrest_fp_hex(const unsigned char fp[CAIRN_FP_LEN], char out[2 * CAIRN_FP_LEN + 1])
{
	for (size_t i = 0; i < CAIRN_FP_LEN; i++)
		snprintf(out + 2 * i, 3, "%02x", fp[i]);
}

/* HMAC-SHA256(tag key, domain || pre || data), truncated. */
static void mac2(const struct cairn_atrest *ar, unsigned char domain, const void *pre,
		 size_t prelen, const void *data, size_t len, unsigned char out[CAIRN_TAG_LEN])
{
	unsigned char inner[SHA256_DIGEST_LENGTH];
	SHA256_CTX c = ar->hin;
	SHA256_Update(&c, &domain, 1);
	if (prelen)
		SHA256_Update(&c, pre, prelen);
	SHA256_Update(&c, data, len);
	SHA256_Final(inner, &c);
	c = ar->hout;
	SHA256_Update(&c, inner, sizeof inner);
	SHA256_Final(inner, &c);
	memcpy(out, inner, CAIRN_TAG_LEN);
}

static void mac(const struct cairn_atrest *ar, unsigned char domain, const void *data, size_t len,
		unsigned char out[CAIRN_TAG_LEN])
{
	mac2(ar, domain, NULL, 0, data, len, out);
}

void cairn_atrest_obj_tag(const struct cairn_atrest *ar, const unsigned char *ptag_subj,
			  const void *obj, size_t olen, unsigned char out[CAIRN_TAG_LEN])
{
	mac2(ar, 'o', ptag_subj, CAIRN_TAG_LEN + 8, obj, olen, out);
}

void cairn_atrest_pred_tag(struct cairn_atrest *ar, const char *pred, size_t plen,
			   unsigned char out[CAIRN_TAG_LEN])
{
	if (plen == 0 || plen > TAG_CACHE_NAME) {
		mac(ar, 'p', pred, plen, out);
		return;
	}
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < plen; i++)
		h = (h ^ (unsigned char)pred[i]) * 16777619u;
	struct tag_entry *e = &ar->cache[h % TAG_CACHE];
	pthread_mutex_lock(&ar->mu);
	if (e->plen == plen && !memcmp(e->name, pred, plen)) {
		memcpy(out, e->tag, CAIRN_TAG_LEN);
		pthread_mutex_unlock(&ar->mu);
		return;
	}
	pthread_mutex_unlock(&ar->mu);
	mac(ar, 'p', pred, plen, out);
	pthread_mutex_lock(&ar->mu);
	e->plen = (unsigned char)plen;
	memcpy(e->name, pred, plen);
	memcpy(e->tag, out, CAIRN_TAG_LEN);
	pthread_mutex_unlock(&ar->mu);
}

struct cairn_sealer *cairn_sealer_new(const struct cairn_atrest *ar)
{
	struct cairn_sealer *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->ar = ar;
	s->ecb = EVP_CIPHER_CTX_new();
	if (!s->ecb || EVP_EncryptInit_ex(s->ecb, EVP_aes_256_ecb(), NULL, ar->vkey, NULL) != 1 ||
	    EVP_CIPHER_CTX_set_padding(s->ecb, 0) != 1) {
		cairn_sealer_free(s);
		return NULL;
	}
	return s;
}

void cairn_sealer_free(struct cairn_sealer *s)
{
	if (!s)
		return;
	EVP_CIPHER_CTX_free(s->ecb);
	OPENSSL_cleanse(s->ks, sizeof s->ks);
	free(s);
}

/* AES-256-CTR: out = in xor the keystream from byte off on, the counter
 * blocks nonce(12) be32(block), made through one ECB call per 64 blocks
 * (EVP's per-call cost, not AES, is what a short value pays). */
static int ctr_xor(struct cairn_sealer *s, const unsigned char *nonce, size_t off,
		   const unsigned char *in, unsigned char *out, size_t len)
{
	while (len) {
		size_t b0 = off / 16, skip = off % 16;
		size_t nb = (skip + len + 15) / 16;
		if (nb > CTR_BLOCKS)
			nb = CTR_BLOCKS;
		for (size_t i = 0; i < nb; i++) {
			uint32_t ctr = (uint32_t)(b0 + i);
			memcpy(s->ctr + 16 * i, nonce, NONCE_LEN);
			s->ctr[16 * i + 12] = (unsigned char)(ctr >> 24);
			s->ctr[16 * i + 13] = (unsigned char)(ctr >> 16);
			s->ctr[16 * i + 14] = (unsigned char)(ctr >> 8);
			s->ctr[16 * i + 15] = (unsigned char)ctr;
		}
		int n = 0;
		if (EVP_EncryptUpdate(s->ecb, s->ks, &n, s->ctr, (int)(16 * nb)) != 1 ||
		    n != (int)(16 * nb))
			return -1;
		size_t take = 16 * nb - skip;
		if (take > len)
			take = len;
		for (size_t i = 0; i < take; i++)
			out[i] = in[i] ^ s->ks[skip + i];
		in += take;
		out += take;
		off += take;
		len -= take;
	}
	return 0;
}

/* HMAC-SHA256(mac key, be64(aadlen) aad nonce ct), its first 16 bytes. */
static void seal_mac(const struct cairn_atrest *ar, const void *aad, size_t aadlen,
		     const unsigned char *nonce_ct, size_t ctlen, unsigned char out[MAC_LEN])
{
	unsigned char inner[SHA256_DIGEST_LENGTH], l8[8];
	SHA256_CTX c = ar->min;
	for (int i = 0; i < 8; i++)
		l8[i] = (unsigned char)((uint64_t)aadlen >> (56 - 8 * i));
	SHA256_Update(&c, l8, 8);
	if (aadlen)
		SHA256_Update(&c, aad, aadlen);
	SHA256_Update(&c, nonce_ct, NONCE_LEN + ctlen);
	SHA256_Final(inner, &c);
	c = ar->mout;
	SHA256_Update(&c, inner, sizeof inner);
	SHA256_Final(inner, &c);
	memcpy(out, inner, MAC_LEN);
}

int cairn_seal(struct cairn_sealer *s, const void *aad, size_t aadlen, const void *head,
	       size_t hlen, const void *body, size_t blen, unsigned char *out)
{
	unsigned char *ct = out + NONCE_LEN;
	if (hlen + blen > (size_t)1 << 30 || next_nonce(s, out) < 0 ||
	    (hlen && ctr_xor(s, out, 0, head, ct, hlen) < 0) ||
	    (blen && ctr_xor(s, out, hlen, body, ct + hlen, blen) < 0))
		return -1;
	seal_mac(s->ar, aad, aadlen, out, hlen + blen, ct + hlen + blen);
	return 0;
}

int cairn_unseal(struct cairn_sealer *s, const void *aad, size_t aadlen, const unsigned char *in,
		 size_t inlen, unsigned char *out)
{
	unsigned char mac[MAC_LEN];
	if (inlen < CAIRN_SEAL_OVER || inlen - CAIRN_SEAL_OVER > (size_t)1 << 30)
		return -1;
	size_t len = inlen - CAIRN_SEAL_OVER;
	seal_mac(s->ar, aad, aadlen, in, len, mac);
	if (CRYPTO_memcmp(mac, in + NONCE_LEN + len, MAC_LEN) != 0)
		return -1;
	return len ? ctr_xor(s, in, 0, in + NONCE_LEN, out, len) : 0;
}

/* A sealed file: this magic line, then nonce, ciphertext and tag. */
#define FILE_MAGIC "cairn-sealed v1\n"
#define FILE_MAGIC_LEN (sizeof FILE_MAGIC - 1)

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

int cairn_atrest_write_file(const struct cairn_atrest *ar, const char *path, const void *data,
			    size_t len, cairn_err *err)
{
	return cairn_atrest_write_file_as(ar, path, base_name(path), data, len, err);
}

int cairn_atrest_write_file_as(const struct cairn_atrest *ar, const char *path, const char *name,
			       const void *data, size_t len, cairn_err *err)
{
	if (!ar)
		return cairn_write_file_atomic(path, data, len, err);
	struct cairn_sealer *s = cairn_sealer_new(ar);
	unsigned char *buf = malloc(FILE_MAGIC_LEN + len + CAIRN_SEAL_OVER);
	int rc = -1;
	if (!s || !buf)
		cairn_err_set(err, "out of memory");
	else if (memcpy(buf, FILE_MAGIC, FILE_MAGIC_LEN),
		 cairn_seal(s, name, strlen(name), NULL, 0, data, len, buf + FILE_MAGIC_LEN) < 0)
		cairn_err_set(err, "cannot seal %s (OpenSSL failed)", path);
	else
		rc =
		    cairn_write_file_atomic(path, buf, FILE_MAGIC_LEN + len + CAIRN_SEAL_OVER, err);
	cairn_sealer_free(s);
	free(buf);
	return rc;
}

int cairn_atrest_read_file(const struct cairn_atrest *ar, const char *path, size_t max, char **data,
			   size_t *len, cairn_err *err)
{
	char *raw = NULL;
	size_t n = 0;
	*data = NULL;
	int got = cairn_read_file(path, max + FILE_MAGIC_LEN + CAIRN_SEAL_OVER, &raw, &n, err);
	if (got != 0)
		return got;
	int sealed = n >= FILE_MAGIC_LEN && !memcmp(raw, FILE_MAGIC, FILE_MAGIC_LEN);
	if (!ar && !sealed) {
		*data = raw;
		if (len)
			*len = n;
		return 0;
	}
	if (!ar || !sealed) {
		free(raw);
		return cairn_err_set(err,
				     ar ? "%s is not encrypted but this postings directory is; "
					  "remove it or restore the directory again"
					: "%s is encrypted at rest; start with the key it was "
					  "written with",
				     path);
	}
	size_t plen =
	    n >= FILE_MAGIC_LEN + CAIRN_SEAL_OVER ? n - FILE_MAGIC_LEN - CAIRN_SEAL_OVER : 0;
	struct cairn_sealer *s = cairn_sealer_new(ar);
	char *out = malloc(plen + 1);
	const char *name = base_name(path);
	int rc = -1;
	if (!out || !s)
		cairn_err_set(err, "out of memory");
	else if (n < FILE_MAGIC_LEN + CAIRN_SEAL_OVER ||
		 cairn_unseal(s, name, strlen(name), (unsigned char *)raw + FILE_MAGIC_LEN,
			      n - FILE_MAGIC_LEN, (unsigned char *)out) < 0)
		cairn_err_set(err, "%s is damaged or was written with another key", path);
	else {
		out[plen] = 0;
		*data = out;
		if (len)
			*len = plen;
		out = NULL;
		rc = 0;
	}
	cairn_sealer_free(s);
	free(out);
	free(raw);
	return rc;
}

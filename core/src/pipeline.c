/* pipeline.c — gzip, AES-CTR and hashing as one streaming chain, with
 * bounded buffers: a 20 GB backup never sits in memory. */
#include "pipeline.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define CHUNK (1u << 20)
#define GZIP_LEVEL 6

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
	if (!len)
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
		sprintf(out + 2 * i, "%02x", h[i]);
	OPENSSL_cleanse(h, sizeof h);
}

const char *cairn_cipher_name(size_t key_len)
{
	return key_len == 16 ? "aes-128-ctr" : key_len == 24 ? "aes-192-ctr" : key_len == 32 ? "aes-256-ctr" : "none";
}

static const EVP_CIPHER *cipher_for(size_t key_len)
{
	return key_len == 16 ? EVP_aes_128_ctr() : key_len == 24 ? EVP_aes_192_ctr() : EVP_aes_256_ctr();
}

static void hex(const unsigned char *b, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
	out[2 * n] = 0;
}

/* The hashing end shared by both directions. */
struct hasher {
	EVP_MD_CTX *sha;
	EVP_MAC_CTX *mac;
	uint64_t size;
};

static int hasher_init(struct hasher *h, const struct cairn_keyset *ks, cairn_err *err)
{
	memset(h, 0, sizeof *h);
	h->sha = EVP_MD_CTX_new();
	if (!h->sha || !EVP_DigestInit_ex(h->sha, EVP_sha256(), NULL))
		return cairn_err_set(err, "cannot start sha256");
	if (ks && ks->key_len) {
		EVP_MAC *m = EVP_MAC_fetch(NULL, "HMAC", NULL);
		OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
									(char *)"SHA256", 0),
				       OSSL_PARAM_construct_end()};
		h->mac = m ? EVP_MAC_CTX_new(m) : NULL;
		EVP_MAC_free(m);
		if (!h->mac || !EVP_MAC_init(h->mac, ks->mac_key, sizeof ks->mac_key, params))
			return cairn_err_set(err, "cannot start HMAC");
	}
	return 0;
}

static void hasher_update(struct hasher *h, const void *p, size_t n)
{
	EVP_DigestUpdate(h->sha, p, n);
	if (h->mac)
		EVP_MAC_update(h->mac, p, n);
	h->size += n;
}

static void hasher_final(struct hasher *h, struct cairn_obj_info *info)
{
	unsigned char d[32];
	unsigned int n = 32;
	EVP_DigestFinal_ex(h->sha, d, &n);
	hex(d, 32, info->sha256);
	info->hmac[0] = 0;
	if (h->mac) {
		size_t ml = 32;
		EVP_MAC_final(h->mac, d, &ml, sizeof d);
		hex(d, 32, info->hmac);
	}
	info->size = h->size;
}

static void hasher_free(struct hasher *h)
{
	EVP_MD_CTX_free(h->sha);
	EVP_MAC_CTX_free(h->mac);
	h->sha = NULL;
	h->mac = NULL;
}

struct cairn_obj_writer {
	struct cairn_store_loc *loc;
	struct cairn_writer *pw;
	z_stream z;
	int z_ok;
	EVP_CIPHER_CTX *aes;
	struct hasher h;
	unsigned char *zbuf, *cbuf;
};

/* Encrypts (if keyed), hashes and hands n compressed bytes to the plugin. */
static int emit(struct cairn_obj_writer *w, const unsigned char *p, size_t n, cairn_err *err)
{
	if (!n)
		return 0;
	if (w->aes) {
		int outl = 0;
		if (!EVP_EncryptUpdate(w->aes, w->cbuf, &outl, p, (int)n))
			return cairn_err_set(err, "encryption failed");
		p = w->cbuf;
		n = (size_t)outl;
	}
	hasher_update(&w->h, p, n);
	return w->loc->ops->write(w->pw, p, n, err);
}

static void writer_free(struct cairn_obj_writer *w)
{
	if (w->z_ok)
		deflateEnd(&w->z);
	EVP_CIPHER_CTX_free(w->aes);
	hasher_free(&w->h);
	free(w->zbuf);
	free(w->cbuf);
	free(w);
}

int cairn_objw_open(struct cairn_store_loc *loc, const char *name, const struct cairn_keyset *ks,
		    struct cairn_obj_writer **out, cairn_err *err)
{
	struct cairn_obj_writer *w = calloc(1, sizeof *w);
	if (!w)
		return cairn_err_set(err, "out of memory");
	w->loc = loc;
	w->zbuf = malloc(CHUNK);
	w->cbuf = malloc(CHUNK);
	if (!w->zbuf || !w->cbuf) {
		cairn_err_set(err, "out of memory");
		goto fail;
	}
	if (deflateInit2(&w->z, GZIP_LEVEL, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
		cairn_err_set(err, "cannot start gzip");
		goto fail;
	}
	w->z_ok = 1;
	if (hasher_init(&w->h, ks, err) < 0)
		goto fail;
	if (loc->ops->write_open(loc->st, name, &w->pw, err) < 0)
		goto fail;
	if (ks && ks->key_len) {
		unsigned char iv[16];
		if (RAND_bytes(iv, sizeof iv) != 1) {
			cairn_err_set(err, "cannot get random bytes for the IV");
			goto fail_pw;
		}
		w->aes = EVP_CIPHER_CTX_new();
		if (!w->aes || !EVP_EncryptInit_ex(w->aes, cipher_for(ks->key_len), NULL, ks->key, iv)) {
			cairn_err_set(err, "cannot start AES-CTR");
			goto fail_pw;
		}
		/* The IV goes first, in the clear, and is covered by the hashes. */
		hasher_update(&w->h, iv, sizeof iv);
		if (loc->ops->write(w->pw, iv, sizeof iv, err) < 0)
			goto fail_pw;
	}
	*out = w;
	return 0;
fail_pw:
	loc->ops->write_abort(w->pw);
fail:
	writer_free(w);
	return -1;
}

static int deflate_run(struct cairn_obj_writer *w, int flush, cairn_err *err)
{
	int zr;
	do {
		w->z.next_out = w->zbuf;
		w->z.avail_out = CHUNK;
		zr = deflate(&w->z, flush);
		if (zr == Z_STREAM_ERROR)
			return cairn_err_set(err, "gzip failed");
		if (emit(w, w->zbuf, CHUNK - w->z.avail_out, err) < 0)
			return -1;
	} while (w->z.avail_out == 0 || (flush == Z_FINISH && zr != Z_STREAM_END));
	return 0;
}

int cairn_objw_write(struct cairn_obj_writer *w, const void *buf, size_t len, cairn_err *err)
{
	w->z.next_in = (unsigned char *)buf;
	while (len) {
		size_t n = len > CHUNK ? CHUNK : len;
		w->z.next_in = (unsigned char *)buf;
		w->z.avail_in = (unsigned)n;
		if (deflate_run(w, Z_NO_FLUSH, err) < 0)
			return -1;
		buf = (const char *)buf + n;
		len -= n;
	}
	return 0;
}

int cairn_objw_commit(struct cairn_obj_writer *w, struct cairn_obj_info *info, cairn_err *err)
{
	w->z.avail_in = 0;
	if (deflate_run(w, Z_FINISH, err) < 0)
		goto fail;
	if (w->aes) {
		int outl = 0;
		if (!EVP_EncryptFinal_ex(w->aes, w->cbuf, &outl) ||
		    (outl && emit(w, w->cbuf, (size_t)outl, err) < 0))
			goto fail;
	}
	hasher_final(&w->h, info);
	struct cairn_writer *pw = w->pw;
	struct cairn_store_loc *loc = w->loc;
	writer_free(w);
	return loc->ops->write_commit(pw, err);
fail:
	cairn_objw_abort(w);
	return -1;
}

void cairn_objw_abort(struct cairn_obj_writer *w)
{
	if (!w)
		return;
	w->loc->ops->write_abort(w->pw);
	writer_free(w);
}

struct cairn_obj_reader {
	struct cairn_store_loc *loc;
	struct cairn_reader *pr;
	z_stream z;
	int z_ok, z_end, src_eof;
	EVP_CIPHER_CTX *aes;
	size_t iv_have;
	unsigned char iv[16];
	const struct cairn_keyset *ks;
	unsigned char *in;
	const char *name;
};

int cairn_objr_open(struct cairn_store_loc *loc, const char *name, const struct cairn_keyset *ks,
		    struct cairn_obj_reader **out, cairn_err *err)
{
	struct cairn_obj_reader *r = calloc(1, sizeof *r);
	if (!r)
		return cairn_err_set(err, "out of memory");
	r->loc = loc;
	r->ks = ks;
	r->name = name;
	r->in = malloc(CHUNK);
	if (!r->in || inflateInit2(&r->z, 15 + 16) != Z_OK) {
		free(r->in);
		free(r);
		return cairn_err_set(err, "cannot start gunzip");
	}
	r->z_ok = 1;
	if (loc->ops->read_open(loc->st, name, &r->pr, err) < 0) {
		cairn_objr_close(r);
		return -1;
	}
	*out = r;
	return 0;
}

/* Fills z.next_in with the next decrypted chunk. 0 at end of object. */
static ssize_t refill(struct cairn_obj_reader *r, cairn_err *err)
{
	for (;;) {
		ssize_t n = r->loc->ops->read(r->pr, r->in, CHUNK, err);
		if (n <= 0)
			return n;
		unsigned char *p = r->in;
		size_t len = (size_t)n;
		if (r->ks && r->ks->key_len) {
			if (r->iv_have < 16) {
				size_t take = 16 - r->iv_have < len ? 16 - r->iv_have : len;
				memcpy(r->iv + r->iv_have, p, take);
				r->iv_have += take;
				p += take;
				len -= take;
				if (r->iv_have < 16)
					continue;
				r->aes = EVP_CIPHER_CTX_new();
				if (!r->aes || !EVP_DecryptInit_ex(r->aes, cipher_for(r->ks->key_len), NULL,
								   r->ks->key, r->iv))
					return cairn_err_set(err, "cannot start AES-CTR");
			}
			if (!len)
				continue;
			int outl = 0;
			if (!EVP_DecryptUpdate(r->aes, p, &outl, p, (int)len))
				return cairn_err_set(err, "decryption failed");
		}
		r->z.next_in = p;
		r->z.avail_in = (unsigned)len;
		return (ssize_t)len;
	}
}

ssize_t cairn_objr_read(struct cairn_obj_reader *r, void *buf, size_t len, cairn_err *err)
{
	if (r->z_end || !len)
		return 0;
	r->z.next_out = buf;
	r->z.avail_out = (unsigned)(len > CHUNK ? CHUNK : len);
	unsigned want = r->z.avail_out;
	while (r->z.avail_out == want) {
		if (r->z.avail_in == 0 && !r->src_eof) {
			ssize_t n = refill(r, err);
			if (n < 0)
				return -1;
			if (n == 0)
				r->src_eof = 1;
		}
		if (r->z.avail_in == 0 && r->src_eof)
			return cairn_err_set(err, "object %s is truncated (the gzip stream ends early)",
					     r->name);
		int zr = inflate(&r->z, Z_NO_FLUSH);
		if (zr == Z_STREAM_END) {
			/* Another gzip member may follow (gzip -d reads those too). */
			if (r->z.avail_in == 0 && !r->src_eof) {
				ssize_t n = refill(r, err);
				if (n < 0)
					return -1;
				if (n == 0)
					r->src_eof = 1;
			}
			if (r->z.avail_in == 0) {
				r->z_end = 1;
				break;
			}
			inflateReset(&r->z);
		} else if (zr != Z_OK && zr != Z_BUF_ERROR) {
			return cairn_err_set(err, "object %s is not a valid gzip stream%s (%s)", r->name,
					     r->ks && r->ks->key_len ? " after decryption" : "",
					     r->z.msg ? r->z.msg : "corrupt data");
		}
	}
	return (ssize_t)(want - r->z.avail_out);
}

void cairn_objr_close(struct cairn_obj_reader *r)
{
	if (!r)
		return;
	if (r->pr)
		r->loc->ops->read_close(r->pr);
	if (r->z_ok)
		inflateEnd(&r->z);
	EVP_CIPHER_CTX_free(r->aes);
	free(r->in);
	free(r);
}

int cairn_obj_hash(struct cairn_store_loc *loc, const char *name, const struct cairn_keyset *ks,
		   struct cairn_obj_info *info, cairn_err *err)
{
	struct hasher h;
	struct cairn_reader *pr = NULL;
	unsigned char *buf = malloc(CHUNK);
	int rc = -1;
	if (!buf)
		return cairn_err_set(err, "out of memory");
	if (hasher_init(&h, ks, err) < 0)
		goto out;
	if (loc->ops->read_open(loc->st, name, &pr, err) < 0)
		goto out;
	for (;;) {
		ssize_t n = loc->ops->read(pr, buf, CHUNK, err);
		if (n < 0)
			goto out;
		if (n == 0)
			break;
		hasher_update(&h, buf, (size_t)n);
	}
	hasher_final(&h, info);
	rc = 0;
out:
	if (pr)
		loc->ops->read_close(pr);
	hasher_free(&h);
	free(buf);
	return rc;
}

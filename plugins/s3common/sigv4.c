/* sigv4.c — AWS Signature Version 4, written out by hand.
 *
 * Why not CURLOPT_AWS_SIGV4: the libcurl of Debian 12 (7.88) hashes only
 * CURLOPT_POSTFIELDS as the payload, so a PUT body sent from a read callback
 * is signed as if it were empty; it signs the query string as given (no
 * sorting or re-encoding) and leaves x-amz-content-sha256 to the caller, who
 * then has to make curl's idea of the canonical request agree with the
 * server's. Computing the signature ourselves is ~100 lines over OpenSSL,
 * testable against AWS's published examples, and the same on every libcurl.
 *
 * The canonical request, string to sign and key derivation follow
 * https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "s3.h"

static void hex(const unsigned char *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = 0;
}

void s3_sha256_hex(const void *data, size_t len, char out[S3_SHA256_HEX_LEN + 1])
{
	unsigned char md[32];
	unsigned int mdlen = 0;
	EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL);
	hex(md, 32, out);
}

static void hmac(const void *key, size_t keylen, const char *msg, unsigned char out[32])
{
	unsigned int outlen = 32;
	HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)msg, strlen(msg), out, &outlen);
}

static int unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == '.' || c == '~';
}

char *s3_uri_encode(const char *s, int keep_slash)
{
	size_t n = strlen(s);
	char *out = malloc(3 * n + 1), *p = out;
	if (!out)
		return NULL;
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		if (unreserved(*c) || (keep_slash && *c == '/')) {
			*p++ = (char)*c;
		} else {
			sprintf(p, "%%%02X", *c);
			p += 3;
		}
	}
	*p = 0;
	return out;
}

struct enc_param {
	char *k, *v;
};

static int cmp_param(const void *a, const void *b)
{
	const struct enc_param *x = a, *y = b;
	int c = strcmp(x->k, y->k);
	return c ? c : strcmp(x->v, y->v);
}

char *s3_canonical_query(const struct s3_param *params, size_t n)
{
	struct enc_param *e = calloc(n ? n : 1, sizeof *e);
	char *out = NULL;
	size_t total = 1;
	if (!e)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		e[i].k = s3_uri_encode(params[i].key, 0);
		e[i].v = s3_uri_encode(params[i].value ? params[i].value : "", 0);
		if (!e[i].k || !e[i].v)
			goto out;
		total += strlen(e[i].k) + strlen(e[i].v) + 2;
	}
	if (n > 1)
		qsort(e, n, sizeof *e, cmp_param);
	out = malloc(total);
	if (!out)
		goto out;
	out[0] = 0;
	for (size_t i = 0; i < n; i++) {
		if (i)
			strcat(out, "&");
		strcat(out, e[i].k);
		strcat(out, "=");
		strcat(out, e[i].v);
	}
out:
	for (size_t i = 0; i < n; i++) {
		free(e[i].k);
		free(e[i].v);
	}
	free(e);
	return out;
}

/* Appends to a growing buffer; returns -1 when out of memory. */
struct sbuf {
	char *s;
	size_t len, cap;
};

static int sb_add(struct sbuf *b, const char *s)
{
	size_t n = strlen(s);
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->cap ? b->cap * 2 : 512);
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = realloc(b->s, cap);
		if (!p)
			return -1;
		b->s = p;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n + 1);
	b->len += n;
	return 0;
}

int s3_sigv4_authorization(const struct s3_sign_input *in, char *out, size_t outsz)
{
	struct sbuf creq = {0}, signed_names = {0};
	char creq_hash[S3_SHA256_HEX_LEN + 1], date[9], scope[128], sig[65];
	char *sts = NULL, *key = NULL;
	unsigned char k1[32], k2[32], k3[32], k4[32], mac[32];
	int rc = -1, ok = 1;

	for (size_t i = 0; i < in->nheaders; i++) {
		ok &= !(i && sb_add(&signed_names, ";"));
		ok &= !sb_add(&signed_names, in->headers[i].name);
	}
	ok &= !sb_add(&creq, in->method) && !sb_add(&creq, "\n");
	ok &= !sb_add(&creq, in->canonical_uri) && !sb_add(&creq, "\n");
	ok &=
	    !sb_add(&creq, in->canonical_query ? in->canonical_query : "") && !sb_add(&creq, "\n");
	for (size_t i = 0; i < in->nheaders; i++) {
		ok &= !sb_add(&creq, in->headers[i].name) && !sb_add(&creq, ":");
		ok &= !sb_add(&creq, in->headers[i].value) && !sb_add(&creq, "\n");
	}
	ok &= !sb_add(&creq, "\n");
	ok &= !sb_add(&creq, signed_names.s ? signed_names.s : "") && !sb_add(&creq, "\n");
	ok &= !sb_add(&creq, in->payload_sha256);
	if (!ok)
		goto out;
	s3_sha256_hex(creq.s, creq.len, creq_hash);

	memcpy(date, in->amz_date, 8);
	date[8] = 0;
	if (snprintf(scope, sizeof scope, "%s/%s/%s/aws4_request", date, in->region, in->service) >=
	    (int)sizeof scope)
		goto out;
	if (asprintf(&sts, "AWS4-HMAC-SHA256\n%s\n%s\n%s", in->amz_date, scope, creq_hash) < 0) {
		sts = NULL;
		goto out;
	}
	if (asprintf(&key, "AWS4%s", in->secret_key) < 0) {
		key = NULL;
		goto out;
	}
	hmac(key, strlen(key), date, k1);
	hmac(k1, 32, in->region, k2);
	hmac(k2, 32, in->service, k3);
	hmac(k3, 32, "aws4_request", k4);
	hmac(k4, 32, sts, mac);
	hex(mac, 32, sig);
	if (snprintf(
		out, outsz, "AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s",
		in->access_key, scope, signed_names.s ? signed_names.s : "", sig) >= (int)outsz)
		goto out;
	rc = 0;
out:
	if (key) {
		OPENSSL_cleanse(key, strlen(key));
		free(key);
	}
	OPENSSL_cleanse(k1, sizeof k1);
	OPENSSL_cleanse(k4, sizeof k4);
	free(sts);
	free(creq.s);
	free(signed_names.s);
	return rc;
}

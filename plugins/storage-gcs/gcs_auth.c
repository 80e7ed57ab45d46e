/* gcs_auth.c — a Google service-account key turned into OAuth access tokens.
 *
 * The key file (GOOGLE_APPLICATION_CREDENTIALS or [gcs] credentials_file) is
 * Google's JSON: client_email, private_key (PEM), private_key_id, token_uri.
 * A token is got the way Google's clients get one: a JWT (RS256, claims iss,
 * scope, aud = token_uri, iat, exp) posted to token_uri with grant_type
 * urn:ietf:params:oauth:grant-type:jwt-bearer. One token serves every thread
 * of a handle; it is refreshed under the handle's lock before it expires. The
 * key, the assertion and every token are registered as secrets. */
#include "gcs.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define GCS_SCOPE "https://www.googleapis.com/auth/devstorage.read_write"
#define GCS_DEFAULT_TOKEN_URI "https://oauth2.googleapis.com/token"
#define KEY_FILE_MAX (64 * 1024)

/* Registers s and each of its lines (a PEM's base64 lines may be printed
 * one by one). */
static void secret_lines(const char *s)
{
	gcs_secret(s, strlen(s));
	for (const char *p = s; *p;) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (n >= 16 && strncmp(p, "-----", 5) != 0)
			gcs_secret(p, n);
		p += n + (e ? 1 : 0);
	}
}

static char *read_small_file(const char *path, cairn_err *err)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n;
	if (!f) {
		cairn_err_setc(err, errno == ENOENT ? CAIRN_E_NOTFOUND : CAIRN_E_PERMISSION,
			       "cannot read the google service-account key %s: %s; point "
			       "GOOGLE_APPLICATION_CREDENTIALS (or [gcs] credentials_file) at the "
			       "key's json file",
			       path, strerror(errno));
		return NULL;
	}
	buf = malloc(KEY_FILE_MAX + 1);
	if (!buf) {
		fclose(f);
		cairn_err_set(err, "out of memory");
		return NULL;
	}
	n = fread(buf, 1, KEY_FILE_MAX + 1, f);
	fclose(f);
	if (n > KEY_FILE_MAX) {
		OPENSSL_cleanse(buf, KEY_FILE_MAX + 1);
		free(buf);
		cairn_err_setc(err, CAIRN_E_AUTH,
			       "%s is larger than a google service-account key can be; point "
			       "GOOGLE_APPLICATION_CREDENTIALS at the key's json file",
			       path);
		return NULL;
	}
	buf[n] = 0;
	gcs_secret(buf, n);
	return buf;
}

static const char *jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) && v->valuestring[0] ? v->valuestring : NULL;
}

int gcs_auth_load(struct gcs_auth *a, const char *path, cairn_err *err)
{
	char *text = read_small_file(path, err);
	cJSON *j = NULL;
	BIO *bio = NULL;
	int rc = -1;
	const char *type, *email, *pem, *kid, *turi;
	if (!text)
		return -1;
	j = cJSON_Parse(text);
	if (!j || !cJSON_IsObject(j)) {
		cairn_err_setc(err, CAIRN_E_AUTH,
			       "%s is not a google service-account key (not json); download a json "
			       "key for the service account",
			       path);
		goto out;
	}
	type = jstr(j, "type");
	email = jstr(j, "client_email");
	pem = jstr(j, "private_key");
	kid = jstr(j, "private_key_id");
	turi = jstr(j, "token_uri");
	if (pem)
		secret_lines(pem);
	if (kid)
		gcs_secret(kid, strlen(kid));
	if (!type || strcmp(type, "service_account") != 0 || !email || !pem) {
		cairn_err_setc(err, CAIRN_E_AUTH,
			       "%s is not a google service-account key (it needs type "
			       "\"service_account\", client_email and private_key); create a json "
			       "key for a service account",
			       path);
		goto out;
	}
	bio = BIO_new_mem_buf(pem, -1);
	a->pkey = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
	if (!a->pkey || EVP_PKEY_base_id(a->pkey) != EVP_PKEY_RSA) {
		cairn_err_setc(
		    err, CAIRN_E_AUTH,
		    "the private_key of %s is not an rsa key in pem; download a new json "
		    "key for %s",
		    path, email);
		goto out;
	}
	a->email = strdup(email);
	a->key_id = strdup(kid ? kid : "");
	a->token_uri = strdup(turi ? turi : GCS_DEFAULT_TOKEN_URI);
	if (!a->email || !a->key_id || !a->token_uri) {
		cairn_err_set(err, "out of memory");
		goto out;
	}
	rc = 0;
out:
	BIO_free(bio);
	cJSON_Delete(j);
	OPENSSL_cleanse(text, strlen(text));
	free(text);
	return rc;
}

void gcs_auth_clear(struct gcs_auth *a)
{
	EVP_PKEY_free(a->pkey);
	free(a->email);
	free(a->key_id);
	free(a->token_uri);
	if (a->token) {
		OPENSSL_cleanse(a->token, strlen(a->token));
		free(a->token);
	}
	a->pkey = NULL;
	a->email = a->key_id = a->token_uri = a->token = NULL;
	a->token_refresh_at = 0;
}

/* base64url without padding, as JWS wants it. */
static char *b64url(const unsigned char *in, size_t n)
{
	char *out = malloc(4 * ((n + 2) / 3) + 1);
	int len;
	if (!out)
		return NULL;
	len = EVP_EncodeBlock((unsigned char *)out, in, (int)n);
	while (len > 0 && out[len - 1] == '=')
		len--;
	out[len] = 0;
	for (int i = 0; i < len; i++)
		out[i] = out[i] == '+' ? '-' : out[i] == '/' ? '_' : out[i];
	return out;
}

static char *make_jwt(struct gcs_auth *a, time_t now, cairn_err *err)
{
	cJSON *hdr = cJSON_CreateObject(), *cl = cJSON_CreateObject();
	char *hs = NULL, *cs = NULL, *h64 = NULL, *c64 = NULL, *sig64 = NULL, *input = NULL,
	     *jwt = NULL;
	unsigned char *sig = NULL;
	size_t siglen = 0;
	EVP_MD_CTX *md = NULL;
	if (!hdr || !cl)
		goto oom;
	cJSON_AddStringToObject(hdr, "alg", "RS256");
	cJSON_AddStringToObject(hdr, "typ", "JWT");
	if (a->key_id[0])
		cJSON_AddStringToObject(hdr, "kid", a->key_id);
	cJSON_AddStringToObject(cl, "iss", a->email);
	cJSON_AddStringToObject(cl, "scope", GCS_SCOPE);
	cJSON_AddStringToObject(cl, "aud", a->token_uri);
	cJSON_AddNumberToObject(cl, "iat", (double)now);
	cJSON_AddNumberToObject(cl, "exp", (double)(now + 3600));
	hs = cJSON_PrintUnformatted(hdr);
	cs = cJSON_PrintUnformatted(cl);
	if (!hs || !cs)
		goto oom;
	h64 = b64url((unsigned char *)hs, strlen(hs));
	c64 = b64url((unsigned char *)cs, strlen(cs));
	if (!h64 || !c64)
		goto oom;
	input = malloc(strlen(h64) + strlen(c64) + 2);
	if (!input)
		goto oom;
	sprintf(input, "%s.%s", h64, c64);
	md = EVP_MD_CTX_new();
	if (!md || EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, a->pkey) != 1 ||
	    EVP_DigestSign(md, NULL, &siglen, (unsigned char *)input, strlen(input)) != 1 ||
	    !(sig = malloc(siglen)) ||
	    EVP_DigestSign(md, sig, &siglen, (unsigned char *)input, strlen(input)) != 1) {
		cairn_err_setc(err, CAIRN_E_AUTH,
			       "cannot sign the oauth assertion with the key of %s; download a new "
			       "json key for the service account",
			       a->email);
		goto out;
	}
	sig64 = b64url(sig, siglen);
	if (!sig64)
		goto oom;
	jwt = malloc(strlen(input) + strlen(sig64) + 2);
	if (!jwt)
		goto oom;
	sprintf(jwt, "%s.%s", input, sig64);
	gcs_secret(jwt, strlen(jwt));
	gcs_secret(sig64, strlen(sig64));
	goto out;
oom:
	cairn_err_set(err, "out of memory");
out:
	EVP_MD_CTX_free(md);
	cJSON_Delete(hdr);
	cJSON_Delete(cl);
	free(hs);
	free(cs);
	free(h64);
	free(c64);
	free(sig64);
	free(sig);
	free(input);
	return jwt;
}

/* One exchange of a fresh assertion for a token; *retry says the failure
 * was transient. */
static int fetch_token(struct gcs_ctx *c, int *retry, cairn_err *err)
{
	struct gcs_auth *a = &c->auth;
	time_t now = time(NULL);
	char *jwt = make_jwt(a, now, err), *form = NULL;
	struct gcs_resp r = {0};
	struct gcs_req q = {0};
	cJSON *j = NULL;
	const char *tok;
	const cJSON *exp;
	int rc = -1;
	*retry = 0;
	if (!jwt)
		return -1;
	form = malloc(strlen(jwt) + 128);
	if (!form) {
		cairn_err_set(err, "out of memory");
		goto out;
	}
	sprintf(form,
		"grant_type=urn%%3Aietf%%3Aparams%%3Aoauth%%3Agrant-type%%3Ajwt-bearer&"
		"assertion=%s",
		jwt);
	gcs_secret(form, strlen(form));
	q.method = "POST";
	q.url = a->token_uri;
	q.body = form;
	q.body_len = strlen(form);
	q.content_type = "application/x-www-form-urlencoded";
	q.timeout = c->timeout < 30 ? c->timeout : 30;
	if (gcs_http(c, &q, &r, err) < 0) {
		*retry = 1;
		cairn_err_prefix(err, "cannot get an oauth token from %s", a->token_uri);
		goto out;
	}
	if (r.status == 429 || r.status >= 500) {
		*retry = 1;
		cairn_err_setc(err, CAIRN_E_TRANSIENT,
			       "the oauth token endpoint %s answered %ld; try again later",
			       a->token_uri, r.status);
		goto out;
	}
	j = r.body ? cJSON_ParseWithLength(r.body, r.len) : NULL;
	if (r.status != 200) {
		const char *e = j ? jstr(j, "error") : NULL,
			   *d = j ? jstr(j, "error_description") : NULL;
		char why[256];
		snprintf(why, sizeof why, "%s%s%s", e ? e : "no reason given", d ? ": " : "",
			 d ? d : "");
		gcs_printable(why);
		cairn_err_setc(
		    err, r.status == 403 ? CAIRN_E_PERMISSION : CAIRN_E_AUTH,
		    "google refused the service-account key of %s (token endpoint %s "
		    "answered %ld, %s); check that GOOGLE_APPLICATION_CREDENTIALS names a "
		    "current key of that account",
		    a->email, a->token_uri, r.status, why);
		goto out;
	}
	tok = j ? jstr(j, "access_token") : NULL;
	exp = j ? cJSON_GetObjectItemCaseSensitive(j, "expires_in") : NULL;
	if (!tok) {
		cairn_err_setc(
		    err, CAIRN_E_AUTH,
		    "the oauth token endpoint %s answered without an access_token; check "
		    "the key file's token_uri",
		    a->token_uri);
		goto out;
	}
	gcs_secret(tok, strlen(tok));
	if (a->token) {
		OPENSSL_cleanse(a->token, strlen(a->token));
		free(a->token);
	}
	a->token = strdup(tok);
	if (!a->token) {
		cairn_err_set(err, "out of memory");
		goto out;
	}
	{
		long ttl =
		    cJSON_IsNumber(exp) && exp->valuedouble > 0 ? (long)exp->valuedouble : 3600;
		/* Refresh with a margin: five minutes, or half a short lifetime. */
		long margin = ttl / 2 < 300 ? ttl / 2 : 300;
		a->token_refresh_at = now + ttl - margin;
	}
	rc = 0;
out:
	if (r.body)
		OPENSSL_cleanse(r.body, r.len);
	gcs_resp_free(&r);
	cJSON_Delete(j);
	if (form) {
		OPENSSL_cleanse(form, strlen(form));
		free(form);
	}
	OPENSSL_cleanse(jwt, strlen(jwt));
	free(jwt);
	return rc;
}

int gcs_token(struct gcs_ctx *c, char *out, size_t cap, int force, cairn_err *err)
{
	struct gcs_auth *a = &c->auth;
	int rc = 0;
	pthread_mutex_lock(&a->mu);
	if (force || !a->token || time(NULL) >= a->token_refresh_at) {
		int retry = 0;
		for (int i = 0; i <= c->retries; i++) {
			if (i)
				gcs_backoff(i);
			rc = fetch_token(c, &retry, err);
			if (rc == 0 || !retry)
				break;
		}
	}
	if (rc == 0) {
		if (strlen(a->token) + 1 > cap)
			rc = cairn_err_setc(err, CAIRN_E_AUTH,
					    "the oauth access token from %s is too long",
					    a->token_uri);
		else
			strcpy(out, a->token);
	}
	pthread_mutex_unlock(&a->mu);
	return rc;
}

/* Lives beside the token it needs, so that gcs_http.c never asks for one:
 * HTTP below, authentication above. */
int gcs_call(struct gcs_ctx *c, const struct gcs_req *q, struct gcs_resp *r, cairn_err *err)
{
	char token[4096];
	int refreshed = 0;
	for (int attempt = 1;; attempt++) {
		const char *t = NULL;
		if (q->auth && c->auth.pkey) {
			if (gcs_token(c, token, sizeof token, 0, err) < 0)
				return -1;
			t = token;
		}
		if (gcs_http_bearer(c, q, t, r, err) < 0) {
			if (attempt > c->retries || r->too_large)
				return -1;
		} else if (r->status == 401 && t && !refreshed) {
			/* A token revoked or expired early: get a new one, once. */
			refreshed = 1;
			gcs_resp_free(r);
			if (gcs_token(c, token, sizeof token, 1, err) < 0)
				return -1;
			attempt--;
			continue;
		} else if (!(r->status == 408 || r->status == 429 || r->status >= 500) ||
			   attempt > c->retries) {
			return 0;
		}
		gcs_resp_free(r);
		gcs_backoff(attempt);
	}
}

/* license.c — the signed license document (license.h): Ed25519 signing and
 * verification through OpenSSL's EVP interface, strict base64, strict
 * dates, and the vendor's built-in public key.
 *
 * The vendor keeps the private key of the built-in public key; it is not in
 * this repository. A vendor that ships its own build replaces the key below,
 * an operator may replace it at run time with --license_public_key. */
#include "license.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jsonfile.h"

#define FORMAT_NAME "cairn-license-1"
#define PAYLOAD_VERSION 1
#define SIG_LEN 64

static const char builtin_public_key[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MCowBQYDK2VwAyEAX2NNYwrNh/cnDL+IXYbgLUXIZta2l6L3xOxTPDReN5s=\n"
    "-----END PUBLIC KEY-----\n";

static EVP_PKEY *read_key(const char *path, int private, cairn_err *err)
{
	const char *what = private ? "private" : "public";
	EVP_PKEY *k = NULL;
	BIO *b = path ? BIO_new_file(path, "r")
		      : BIO_new_mem_buf(builtin_public_key, (int)sizeof builtin_public_key - 1);
	if (!b) {
		ERR_clear_error();
		cairn_err_set(err, "cannot open the %s key file %s: %m", what, path);
		return NULL;
	}
	k = private ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL)
		    : PEM_read_bio_PUBKEY(b, NULL, NULL, NULL);
	BIO_free(b);
	ERR_clear_error();
	if (!k) {
		cairn_err_set(err,
			      "%s is not a PEM %s key; make one with `openssl genpkey -algorithm "
			      "ed25519 -out KEY`%s",
			      path ? path : "the built-in key", what,
			      private ? "" : " and `openssl pkey -in KEY -pubout`");
		return NULL;
	}
	if (EVP_PKEY_get_id(k) != EVP_PKEY_ED25519) {
		cairn_err_set(err,
			      "%s is a %s key of type %s, not Ed25519; licenses are signed with "
			      "Ed25519 (`openssl genpkey -algorithm ed25519`)",
			      path ? path : "the built-in key", what,
			      OBJ_nid2sn(EVP_PKEY_get_id(k)));
		EVP_PKEY_free(k);
		return NULL;
	}
	return k;
}

EVP_PKEY *cairn_license_public_key(const char *path, cairn_err *err)
{
	return read_key(path, 0, err);
}

EVP_PKEY *cairn_license_private_key(const char *path, cairn_err *err)
{
	return read_key(path, 1, err);
}

int cairn_license_key_id(EVP_PKEY *key, char id[17], cairn_err *err)
{
	unsigned char raw[32], md[SHA256_DIGEST_LENGTH];
	size_t len = sizeof raw;
	if (EVP_PKEY_get_raw_public_key(key, raw, &len) != 1 || len != sizeof raw) {
		ERR_clear_error();
		return cairn_err_set(err, "cannot read the Ed25519 public key");
	}
	SHA256(raw, len, md);
	for (int i = 0; i < 8; i++)
		snprintf(id + 2 * i, 3, "%02x", md[i]);
	return 0;
}

/* Base64 (RFC 4648, standard alphabet, padded), strictly: no whitespace,
 * no stray padding. *out malloc'd and NUL-terminated. */
static int b64_value(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

static int b64_decode(const char *in, unsigned char **out, size_t *olen)
{
	size_t n = strlen(in), o = 0;
	if (n == 0 || n % 4)
		return -1;
	unsigned char *buf = malloc(n / 4 * 3 + 1);
	if (!buf)
		return -1;
	for (size_t i = 0; i < n; i += 4) {
		int v[4], pad = 0;
		for (int k = 0; k < 4; k++) {
			if (in[i + k] == '=' && i + 4 == n && k >= 2) {
				v[k] = 0;
				pad++;
				continue;
			}
			if (pad || (v[k] = b64_value((unsigned char)in[i + k])) < 0) {
				free(buf);
				return -1;
			}
		}
		if (pad == 1 && in[i + 2] == '=') { /* "x=y=" */
			free(buf);
			return -1;
		}
		uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 |
			     (uint32_t)v[3];
		buf[o++] = (unsigned char)(w >> 16);
		if (pad < 2)
			buf[o++] = (unsigned char)(w >> 8);
		if (pad < 1)
			buf[o++] = (unsigned char)w;
	}
	buf[o] = 0;
	*out = buf;
	*olen = o;
	return 0;
}

static char *b64_encode(const unsigned char *in, size_t len)
{
	char *out = malloc(4 * ((len + 2) / 3) + 1);
	if (out)
		EVP_EncodeBlock((unsigned char *)out, in, (int)len);
	return out;
}

void cairn_license_format_time(int64_t t, char *buf, size_t len)
{
	struct tm tm;
	time_t tt = (time_t)t;
	if (!gmtime_r(&tt, &tm) || !strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, len, "?");
}

/* n decimal digits at s, or -1. */
static int digits(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* YYYY-MM-DD at s, checked to be a real day. */
static int parse_day(const char *s, struct tm *tm)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int y = digits(s, 4), m = digits(s + 5, 2), d = digits(s + 8, 2);
	if (y < 1970 || s[4] != '-' || s[7] != '-' || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return -1;
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (m == 2 && d == 29 && !leap)
		return -1;
	memset(tm, 0, sizeof *tm);
	tm->tm_year = y - 1900;
	tm->tm_mon = m - 1;
	tm->tm_mday = d;
	return 0;
}

/* HH:MM:SS at s. */
static int parse_clock(const char *s, struct tm *tm)
{
	int h = digits(s, 2), mi = digits(s + 3, 2), se = digits(s + 6, 2);
	if (h < 0 || h > 23 || s[2] != ':' || mi < 0 || mi > 59 || s[5] != ':' || se < 0 || se > 59)
		return -1;
	tm->tm_hour = h;
	tm->tm_min = mi;
	tm->tm_sec = se;
	return 0;
}

/* Exactly YYYY-MM-DDTHH:MM:SSZ, as a license carries its dates. */
static int parse_utc(const char *s, int64_t *out)
{
	struct tm tm;
	if (strlen(s) != 20 || parse_day(s, &tm) < 0 || s[10] != 'T' ||
	    parse_clock(s + 11, &tm) < 0 || s[19] != 'Z')
		return -1;
	*out = (int64_t)timegm(&tm);
	return 0;
}

int cairn_license_parse_date(const char *s, int64_t *out, cairn_err *err)
{
	struct tm tm;
	size_t n = strlen(s);
	if (n == 10 && parse_day(s, &tm) == 0) {
		tm.tm_hour = 23;
		tm.tm_min = 59;
		tm.tm_sec = 59;
		*out = (int64_t)timegm(&tm);
		return 0;
	}
	if (n >= 20 && parse_day(s, &tm) == 0 && (s[10] == 'T' || s[10] == 't') &&
	    parse_clock(s + 11, &tm) == 0) {
		int64_t t = (int64_t)timegm(&tm);
		const char *z = s + 19;
		if ((z[0] == 'Z' || z[0] == 'z') && !z[1]) {
			*out = t;
			return 0;
		}
		int six = strlen(z) == 6, oh = six ? digits(z + 1, 2) : -1,
		    om = six ? digits(z + 4, 2) : -1;
		if ((z[0] == '+' || z[0] == '-') && oh >= 0 && oh <= 23 && z[3] == ':' && om >= 0 &&
		    om <= 59) {
			int64_t off = (int64_t)(oh * 3600 + om * 60);
			*out = z[0] == '+' ? t - off : t + off;
			return 0;
		}
	}
	return cairn_err_set(err,
			     "\"%.40s\" is not a date: give YYYY-MM-DD (the license then runs to "
			     "the end of that day, UTC) or RFC 3339 (2027-01-31T12:00:00Z)",
			     s);
}

/* A licensee's name: shown in /state and logs, so one printable line. */
static int user_ok(const char *u)
{
	size_t n = strlen(u);
	if (n == 0 || n > CAIRN_LICENSE_MAX_USER)
		return 0;
	for (; *u; u++)
		if ((unsigned char)*u < 0x20 || *u == 0x7f)
			return 0;
	return 1;
}

char *cairn_license_sign(EVP_PKEY *priv, const struct cairn_license *lic, cairn_err *err)
{
	char exp[32], iss[32], id[17];
	unsigned char sig[SIG_LEN];
	size_t siglen = sizeof sig;
	char *payload = NULL, *p64 = NULL, *s64 = NULL, *doc = NULL;
	cJSON *pj = cJSON_CreateObject(), *dj = NULL;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	if (!pj || !md)
		goto oom;
	if (!user_ok(lic->user) || lic->max_nodes > CAIRN_LICENSE_MAX_NODES) {
		cairn_err_set(err,
			      "a license needs a user of 1 to %d bytes without control characters "
			      "and max_nodes from 0 (no limit) to %d",
			      CAIRN_LICENSE_MAX_USER, CAIRN_LICENSE_MAX_NODES);
		goto out;
	}
	cairn_license_format_time(lic->expiry, exp, sizeof exp);
	cairn_license_format_time(lic->issued, iss, sizeof iss);
	cJSON_AddNumberToObject(pj, "version", PAYLOAD_VERSION);
	cJSON_AddStringToObject(pj, "user", lic->user);
	cairn_json_add_u64(pj, "max_nodes", lic->max_nodes);
	cJSON_AddStringToObject(pj, "expiry", exp);
	cJSON_AddStringToObject(pj, "issued", iss);
	if (!(payload = cJSON_PrintUnformatted(pj)))
		goto oom;
	if (EVP_DigestSignInit(md, NULL, NULL, NULL, priv) != 1 ||
	    EVP_DigestSign(md, sig, &siglen, (const unsigned char *)payload, strlen(payload)) !=
		1 ||
	    siglen != SIG_LEN) {
		ERR_clear_error();
		cairn_err_set(err, "cannot sign with this key; it must be an Ed25519 private key");
		goto out;
	}
	if (cairn_license_key_id(priv, id, err) < 0)
		goto out;
	if (!(p64 = b64_encode((const unsigned char *)payload, strlen(payload))) ||
	    !(s64 = b64_encode(sig, siglen)) || !(dj = cJSON_CreateObject()))
		goto oom;
	cJSON_AddStringToObject(dj, "format", FORMAT_NAME);
	cJSON_AddStringToObject(dj, "key_id", id);
	cJSON_AddStringToObject(dj, "payload", p64);
	cJSON_AddStringToObject(dj, "signature", s64);
	if (!(doc = cJSON_Print(dj)))
		goto oom;
	goto out;
oom:
	cairn_err_set(err, "out of memory");
out:
	EVP_MD_CTX_free(md);
	cJSON_Delete(pj);
	cJSON_Delete(dj);
	free(payload);
	free(p64);
	free(s64);
	return doc;
}

static const char *str_field(const cJSON *j, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, name);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The signed payload's fields, strictly. */
static int parse_payload(const char *payload, size_t len, struct cairn_license *out, cairn_err *err)
{
	const char *end = NULL;
	cJSON *j = cJSON_ParseWithLengthOpts(payload, len, &end, 0);
	const char *user = str_field(j, "user"), *exp = str_field(j, "expiry"),
		   *iss = str_field(j, "issued");
	const cJSON *ver = cJSON_GetObjectItemCaseSensitive(j, "version");
	cairn_err ferr = {0};
	int rc = -1;
	memset(out, 0, sizeof *out);
	if (!cJSON_IsObject(j) || end != payload + len)
		cairn_err_set(err, "the license's payload is not a JSON object");
	else if (!cJSON_IsNumber(ver) || ver->valuedouble != PAYLOAD_VERSION)
		cairn_err_set(err,
			      "the license's payload is not version %d; this cairn is too old "
			      "for it, or it is not a cairn license",
			      PAYLOAD_VERSION);
	else if (!user || !user_ok(user))
		cairn_err_set(err,
			      "the license's \"user\" must be a string of 1 to %d bytes without "
			      "control characters",
			      CAIRN_LICENSE_MAX_USER);
	else if (!cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(j, "max_nodes")) ||
		 cairn_json_get_u64(j, "max_nodes", &out->max_nodes, &ferr) < 0 ||
		 out->max_nodes > CAIRN_LICENSE_MAX_NODES)
		cairn_err_set(err,
			      "the license's \"max_nodes\" must be a whole number from 0 to %d",
			      CAIRN_LICENSE_MAX_NODES);
	else if (!exp || parse_utc(exp, &out->expiry) < 0 || !iss ||
		 parse_utc(iss, &out->issued) < 0)
		cairn_err_set(err, "the license's \"expiry\" and \"issued\" must be "
				   "YYYY-MM-DDTHH:MM:SSZ");
	else
		rc = 0;
	if (rc == 0)
		snprintf(out->user, sizeof out->user, "%s", user);
	cJSON_Delete(j);
	return rc;
}

int cairn_license_verify(const char *doc, size_t len, EVP_PKEY *pub, struct cairn_license *out,
			 cairn_err *err)
{
	unsigned char *payload = NULL, *sig = NULL;
	size_t plen = 0, slen = 0;
	char want[17];
	int rc = -1;
	cJSON *j = NULL;
	EVP_MD_CTX *md = NULL;
	memset(out, 0, sizeof *out);
	if (len > CAIRN_LICENSE_MAX_BYTES)
		return cairn_err_set(err,
				     "the license is %zu bytes, more than a license can be (%d)",
				     len, CAIRN_LICENSE_MAX_BYTES);
	j = cJSON_ParseWithLength(doc, len);
	const char *fmt = str_field(j, "format"), *kid = str_field(j, "key_id"),
		   *p64 = str_field(j, "payload"), *s64 = str_field(j, "signature");
	if (!cJSON_IsObject(j) || !fmt || strcmp(fmt, FORMAT_NAME) != 0 || !p64 || !s64) {
		cairn_err_set(err,
			      "the license is not a signed cairn license (a JSON object with "
			      "\"format\": \"" FORMAT_NAME "\", \"payload\" and \"signature\"); "
			      "sign one with `cairn license`");
		goto out;
	}
	if (b64_decode(p64, &payload, &plen) < 0) {
		cairn_err_set(err, "the license's payload is not base64");
		goto out;
	}
	if (b64_decode(s64, &sig, &slen) < 0 || slen != SIG_LEN) {
		cairn_err_set(err, "the license's signature is not a base64 Ed25519 signature");
		goto out;
	}
	if (cairn_license_key_id(pub, want, err) < 0)
		goto out;
	/* The key id is a hint for the message only: the signature decides. */
	if (kid && strcmp(kid, want) != 0) {
		cairn_err_set(err,
			      "the license is signed with another key (key id %.16s; zero trusts "
			      "key id %s): get a license signed by your vendor's key, or set "
			      "license_public_key to the key that signed it",
			      kid, want);
		goto out;
	}
	if (!(md = EVP_MD_CTX_new())) {
		cairn_err_set(err, "out of memory");
		goto out;
	}
	if (EVP_DigestVerifyInit(md, NULL, NULL, NULL, pub) != 1 ||
	    EVP_DigestVerify(md, sig, slen, payload, plen) != 1) {
		ERR_clear_error();
		cairn_err_set(err, "the license's signature does not match its payload: it was "
				   "altered after signing, or signed with another key");
		goto out;
	}
	rc = parse_payload((const char *)payload, plen, out, err);
out:
	EVP_MD_CTX_free(md);
	cJSON_Delete(j);
	free(payload);
	free(sig);
	return rc;
}

int cairn_license_accept(const char *doc, size_t len, EVP_PKEY *pub, int64_t now,
			 struct cairn_license *out, cairn_err *err)
{
	char when[32];
	if (cairn_license_verify(doc, len, pub, out, err) < 0)
		return -1;
	if (out->expiry <= now) {
		cairn_license_format_time(out->expiry, when, sizeof when);
		return cairn_err_set(err,
				     "the license of \"%s\" expired on %s; ask your vendor "
				     "for a new one",
				     out->user, when);
	}
	return 0;
}

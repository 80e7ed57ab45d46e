/* test_license.c — license.c: a signed license verifies; an altered, foreign,
 * expired, malformed or oversized one is refused with its reason. Keys are
 * throw-away pairs made here with `openssl genpkey`. */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "license.h"

static char dir[] = "/tmp/cairn-test-license-XXXXXX";

static void path(char *out, size_t len, const char *name)
{
	snprintf(out, len, "%s/%s", dir, name);
}

/* A new Ed25519 pair: NAME.pem (private) and NAME.pub (public). */
static void genkey(const char *name)
{
	char cmd[512];
	snprintf(cmd, sizeof cmd,
		 "openssl genpkey -algorithm ed25519 -out %s/%s.pem 2>/dev/null && "
		 "openssl pkey -in %s/%s.pem -pubout -out %s/%s.pub 2>/dev/null",
		 dir, name, dir, name, dir, name);
	if (system(cmd) != 0) {
		fprintf(stderr, "cannot run openssl genpkey\n");
		exit(1);
	}
}

static EVP_PKEY *key(const char *file, int private)
{
	char p[256];
	cairn_err err = {0};
	path(p, sizeof p, file);
	EVP_PKEY *k =
	    private ? cairn_license_private_key(p, &err) : cairn_license_public_key(p, &err);
	if (!k) {
		fprintf(stderr, "%s: %s\n", file, err.msg);
		exit(1);
	}
	return k;
}

/* A license file around any payload bytes, signed by priv: for payloads
 * cairn_license_sign would never make. */
static char *sign_raw(EVP_PKEY *priv, const char *payload)
{
	unsigned char sig[64];
	size_t siglen = sizeof sig, n = strlen(payload);
	char p64[4096], s64[128], *doc = malloc(8192);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_DigestSignInit(md, NULL, NULL, NULL, priv);
	EVP_DigestSign(md, sig, &siglen, (const unsigned char *)payload, n);
	EVP_MD_CTX_free(md);
	EVP_EncodeBlock((unsigned char *)p64, (const unsigned char *)payload, (int)n);
	EVP_EncodeBlock((unsigned char *)s64, sig, (int)siglen);
	snprintf(doc, 8192,
		 "{\"format\":\"cairn-license-1\",\"payload\":\"%s\",\"signature\":\"%s\"}", p64,
		 s64);
	return doc;
}

/* doc with the value of field ("payload" or "signature") replaced. */
static char *replace_field(const char *doc, const char *field, const char *value)
{
	char pat[64], *out = malloc(strlen(doc) + strlen(value) + 64);
	snprintf(pat, sizeof pat, "\"%s\":", field);
	const char *a = strstr(doc, pat);
	a = strchr(a + strlen(pat), '"') + 1;
	const char *b = strchr(a, '"');
	sprintf(out, "%.*s%s%s", (int)(a - doc), doc, value, b);
	return out;
}

static int refused(const char *doc, EVP_PKEY *pub, const char *reason)
{
	struct cairn_license l;
	cairn_err err = {0};
	int rc = cairn_license_accept(doc, strlen(doc), pub, (int64_t)time(NULL), &l, &err);
	if (rc == 0 || !strstr(err.msg, reason)) {
		fprintf(stderr, "want refusal \"%s\", got rc %d \"%s\"\n", reason, rc, err.msg);
		return 0;
	}
	return 1;
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	genkey("a");
	genkey("b");
	EVP_PKEY *apriv = key("a.pem", 1), *apub = key("a.pub", 0), *bpriv = key("b.pem", 1);
	cairn_err err = {0};
	int64_t now = (int64_t)time(NULL);
	struct cairn_license in = {.max_nodes = 3, .expiry = now + 86400, .issued = now}, out;
	snprintf(in.user, sizeof in.user, "Acme Corp");

	/* Round trip. */
	char *doc = cairn_license_sign(apriv, &in, &err);
	CHECK(doc != NULL);
	CHECK(cairn_license_accept(doc, strlen(doc), apub, now, &out, &err) == 0);
	CHECK_STR(out.user, "Acme Corp");
	CHECK(out.max_nodes == 3 && out.expiry == in.expiry && out.issued == in.issued);

	/* The built-in key is an Ed25519 key, and a throw-away key's license fails it. */
	EVP_PKEY *builtin = cairn_license_public_key(NULL, &err);
	CHECK(builtin != NULL);
	CHECK(refused(doc, builtin, "signed with another key"));

	/* Signed with another key: named by its key id, or by the signature alone. */
	char *foreign = cairn_license_sign(bpriv, &in, &err);
	CHECK(refused(foreign, apub, "signed with another key"));
	char *foreign_noid = sign_raw(bpriv, "{\"version\":1}");
	CHECK(refused(foreign_noid, apub, "signature does not match"));

	/* Tampered: the payload of another (self-signed) license under a's signature. */
	struct cairn_license more = in;
	more.max_nodes = 300;
	char *other = cairn_license_sign(bpriv, &more, &err);
	const char *op = strstr(other, "\"payload\":");
	char p64[2048];
	sscanf(strchr(op + 10, '"') + 1, "%2047[^\"]", p64);
	char *tampered = replace_field(doc, "payload", p64);
	CHECK(refused(tampered, apub, "altered after signing"));
	/* A flipped signature bit. */
	char *sig_flip = strdup(doc);
	char *s = strstr(sig_flip, "\"signature\":");
	s = strchr(s + 12, '"') + 1;
	*s = *s == 'A' ? 'B' : 'A';
	CHECK(refused(sig_flip, apub, "altered after signing"));

	/* Expired: verifies, is refused by accept with its date. */
	struct cairn_license old = in;
	old.expiry = now - 10;
	char *expired = cairn_license_sign(apriv, &old, &err);
	CHECK(cairn_license_verify(expired, strlen(expired), apub, &out, &err) == 0);
	CHECK(refused(expired, apub, "expired on"));

	/* Malformed. */
	CHECK(refused("not json", apub, "not a signed cairn license"));
	CHECK(refused("{\"user\":\"a\",\"expiry\":\"2099-01-01T00:00:00Z\"}", apub,
		      "not a signed cairn license"));
	CHECK(refused("[1,2]", apub, "not a signed cairn license"));
	char *b1 = replace_field(doc, "payload", "@@@@");
	CHECK(refused(b1, apub, "payload is not base64"));
	char *b2 = replace_field(doc, "payload", "eyJ");
	CHECK(refused(b2, apub, "payload is not base64"));
	char *b3 = replace_field(doc, "signature", "AAAA");
	CHECK(refused(b3, apub, "not a base64 Ed25519 signature"));
	char *b4 = replace_field(doc, "signature", "A=A=");
	CHECK(refused(b4, apub, "not a base64 Ed25519 signature"));
	char *fmt = strdup(doc);
	memcpy(strstr(fmt, "cairn-license-1"), "cairn-license-9", 15);
	CHECK(refused(fmt, apub, "not a signed cairn license"));
	/* Signed, but payloads cairn never makes. */
	static const struct {
		const char *payload, *reason;
	} bad[] = {
	    {"not json", "payload is not a JSON object"},
	    {"{\"version\":1,\"user\":\"a\"} trailing", "payload is not a JSON object"},
	    {"{\"version\":2,\"user\":\"a\",\"max_nodes\":1,\"expiry\":\"2099-01-01T00:00:00Z\","
	     "\"issued\":\"2020-01-01T00:00:00Z\"}",
	     "not version 1"},
	    {"{\"version\":1,\"user\":\"\",\"max_nodes\":1,\"expiry\":\"2099-01-01T00:00:00Z\","
	     "\"issued\":\"2020-01-01T00:00:00Z\"}",
	     "\"user\" must be"},
	    {"{\"version\":1,\"user\":\"a\\nb\",\"max_nodes\":1,\"expiry\":\"2099-01-01T00:00:"
	     "00Z\","
	     "\"issued\":\"2020-01-01T00:00:00Z\"}",
	     "\"user\" must be"},
	    {"{\"version\":1,\"user\":7,\"max_nodes\":1,\"expiry\":\"2099-01-01T00:00:00Z\","
	     "\"issued\":\"2020-01-01T00:00:00Z\"}",
	     "\"user\" must be"},
	    {"{\"version\":1,\"user\":\"a\",\"max_nodes\":1.5,\"expiry\":\"2099-01-01T00:00:00Z\","
	     "\"issued\":\"2020-01-01T00:00:00Z\"}",
	     "\"max_nodes\" must be"},
	    {"{\"version\":1,\"user\":\"a\",\"max_nodes\":-1,\"expiry\":\"2099-01-01T00:00:00Z\","
	     "\"issued\":\"2020-01-01T00:00:00Z\"}",
	     "\"max_nodes\" must be"},
	    {"{\"version\":1,\"user\":\"a\",\"max_nodes\":\"3\",\"expiry\":\"2099-01-01T00:00:"
	     "00Z\","
	     "\"issued\":\"2020-01-01T00:00:00Z\"}",
	     "\"max_nodes\" must be"},
	    {"{\"version\":1,\"user\":\"a\",\"max_nodes\":9007199254740993,\"expiry\":"
	     "\"2099-01-01T00:00:00Z\",\"issued\":\"2020-01-01T00:00:00Z\"}",
	     "\"max_nodes\" must be"},
	    {"{\"version\":1,\"user\":\"a\",\"max_nodes\":1,\"expiry\":\"2099-02-30T00:00:00Z\","
	     "\"issued\":\"2020-01-01T00:00:00Z\"}",
	     "\"expiry\" and \"issued\""},
	    {"{\"version\":1,\"user\":\"a\",\"max_nodes\":1,\"expiry\":\"2099-01-01\","
	     "\"issued\":\"2020-01-01T00:00:00Z\"}",
	     "\"expiry\" and \"issued\""},
	    {"{\"version\":1,\"user\":\"a\",\"max_nodes\":1,\"expiry\":\"2099-01-01T00:00:00Z\"}",
	     "\"expiry\" and \"issued\""},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char *d = sign_raw(apriv, bad[i].payload);
		CHECK(refused(d, apub, bad[i].reason));
		free(d);
	}
	/* A well-formed payload signed this way is accepted: the table's refusals are
	 * the payloads', not sign_raw's. */
	char *good =
	    sign_raw(apriv, "{\"version\":1,\"user\":\"a\",\"max_nodes\":0,\"expiry\":"
			    "\"2099-01-01T00:00:00Z\",\"issued\":\"2020-01-01T00:00:00Z\"}");
	CHECK(cairn_license_accept(good, strlen(good), apub, now, &out, &err) == 0);
	CHECK(out.max_nodes == 0 && out.expiry == 4070908800LL);

	/* Oversized: refused before it is parsed. */
	size_t big = CAIRN_LICENSE_MAX_BYTES + 1;
	char *huge = malloc(big + 1);
	memset(huge, ' ', big);
	memcpy(huge, doc, strlen(doc));
	huge[big] = 0;
	CHECK(refused(huge, apub, "more than a license can be"));

	/* Keys: the wrong half, the wrong type. */
	char p[256];
	path(p, sizeof p, "a.pem");
	CHECK(cairn_license_public_key(p, &err) == NULL);
	CHECK_CONTAINS(err.msg, "not a PEM public key");
	path(p, sizeof p, "a.pub");
	CHECK(cairn_license_private_key(p, &err) == NULL);
	CHECK_CONTAINS(err.msg, "not a PEM private key");
	char cmd[512];
	snprintf(cmd, sizeof cmd,
		 "openssl genpkey -algorithm ec -pkeyopt ec_paramgen_curve:P-256 -out %s/ec.pem "
		 "2>/dev/null",
		 dir);
	CHECK(system(cmd) == 0);
	path(p, sizeof p, "ec.pem");
	CHECK(cairn_license_private_key(p, &err) == NULL);
	CHECK_CONTAINS(err.msg, "not Ed25519");

	/* Dates. */
	int64_t t;
	CHECK(cairn_license_parse_date("2030-01-31", &t, &err) == 0 && t == 1896134399LL);
	CHECK(cairn_license_parse_date("2030-01-31T12:00:00Z", &t, &err) == 0 && t == 1896091200LL);
	CHECK(cairn_license_parse_date("2030-01-31T14:00:00+02:00", &t, &err) == 0 &&
	      t == 1896091200LL);
	CHECK(cairn_license_parse_date("2030-01-31T10:30:00-01:30", &t, &err) == 0 &&
	      t == 1896091200LL);
	CHECK(cairn_license_parse_date("2028-02-29", &t, &err) == 0);
	static const char *bad_dates[] = {"2030-02-29",
					  "2030-13-01",
					  "tomorrow",
					  "2030-01-31T25:00:00Z",
					  "2030-1-31",
					  "2030-01-31T12:00:00",
					  "2030-01-31T12:00:00+2",
					  "",
					  "2030-01-31x"};
	for (size_t i = 0; i < sizeof bad_dates / sizeof bad_dates[0]; i++) {
		CHECK(cairn_license_parse_date(bad_dates[i], &t, &err) < 0);
		CHECK_CONTAINS(err.msg, "is not a date");
	}

	free(doc);
	free(foreign);
	free(foreign_noid);
	free(other);
	free(tampered);
	free(sig_flip);
	free(expired);
	free(b1);
	free(b2);
	free(b3);
	free(b4);
	free(fmt);
	free(good);
	free(huge);
	EVP_PKEY_free(apriv);
	EVP_PKEY_free(apub);
	EVP_PKEY_free(bpriv);
	EVP_PKEY_free(builtin);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	CHECK_DONE();
}

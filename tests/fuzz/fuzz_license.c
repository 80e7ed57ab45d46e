/* fuzz_license.c — a license file (license.c). The first byte chooses:
 * odd, the rest is a license document verified against a fixed test key;
 * even, the rest is a payload, signed here with that key into a document,
 * so that the payload's parser (behind the signature) is reached too.
 * Either way the rest is also read as a `cairn license` date. */
#include <openssl/evp.h>
#include <stdio.h>

#include "fuzz.h"
#include "license.h"

static EVP_PKEY *priv, *pub;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	static const unsigned char seed[32] = "fuzz-fixed-ed25519-seed-0123456";
	unsigned char raw[32];
	size_t rawlen = sizeof raw;
	priv = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, sizeof seed);
	if (!priv || EVP_PKEY_get_raw_public_key(priv, raw, &rawlen) != 1)
		abort();
	pub = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, raw, rawlen);
	if (!pub)
		abort();
	return 0;
}

static char *b64(const unsigned char *p, size_t n)
{
	char *out = malloc(4 * ((n + 2) / 3) + 1);
	if (out)
		EVP_EncodeBlock((unsigned char *)out, p, (int)n);
	return out;
}

/* {"format": "cairn-license-1", "payload": ..., "signature": ...} */
static char *signed_doc(const uint8_t *payload, size_t n)
{
	unsigned char sig[64];
	size_t slen = sizeof sig;
	char *p64 = NULL, *s64 = NULL, *doc = NULL;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	if (md && EVP_DigestSignInit(md, NULL, NULL, NULL, priv) == 1 &&
	    EVP_DigestSign(md, sig, &slen, payload, n) == 1 && (p64 = b64(payload, n)) &&
	    (s64 = b64(sig, slen)) &&
	    asprintf(&doc,
		     "{\"format\": \"cairn-license-1\", \"payload\": \"%s\", \"signature\": "
		     "\"%s\"}",
		     p64, s64) < 0)
		doc = NULL;
	EVP_MD_CTX_free(md);
	free(p64);
	free(s64);
	return doc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cairn_license lic;
	cairn_err err = {0};
	int64_t t;
	if (size < 1)
		return 0;
	if (!priv)
		LLVMFuzzerInitialize(NULL, NULL);
	int as_doc = data[0] & 1;
	data++;
	size--;
	if (as_doc) {
		(void)cairn_license_accept((const char *)data, size, pub, 1700000000, &lic, &err);
	} else {
		char *doc = signed_doc(data, size);
		if (doc) {
			(void)cairn_license_verify(doc, strlen(doc), pub, &lic, &err);
			free(doc);
		}
	}
	char *s = fuzz_str(data, size);
	if (s) {
		(void)cairn_license_parse_date(s, &t, &err);
		free(s);
	}
	return 0;
}

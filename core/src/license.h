/* license.h — the signed license document: who may run backups, on how many
 * nodes, until when.
 *
 * A license file is a small JSON object (docs/LICENSE-FORMAT.md):
 *   {"format": "cairn-license-1", "key_id": "<16 hex>",
 *    "payload": "<base64 of the payload's JSON bytes>",
 *    "signature": "<base64 of the Ed25519 signature of those bytes>"}
 * The signature covers the payload's bytes exactly as decoded, so nothing
 * depends on how JSON is re-encoded. The payload is
 *   {"version": 1, "user": "...", "max_nodes": N, "expiry": "YYYY-MM-DDTHH:MM:SSZ",
 *    "issued": "YYYY-MM-DDTHH:MM:SSZ"}.
 * Zero verifies a license against a public key: the vendor's, built in, or
 * one given by --license_public_key. Everything is read as untrusted input:
 * bounded size, checked types, exact integers, the signature checked before
 * the payload is parsed. */
#ifndef CAIRN_LICENSE_H
#define CAIRN_LICENSE_H
#include <cairn/plugin.h>
#include <openssl/evp.h>
#include <stdint.h>

/* The largest license file read (a real one is a few hundred bytes). */
#define CAIRN_LICENSE_MAX_BYTES 16384
/* The longest licensee name, in bytes. */
#define CAIRN_LICENSE_MAX_USER 200
/* The largest max_nodes a license may carry (0: no limit). */
#define CAIRN_LICENSE_MAX_NODES 1000000

struct cairn_license {
	char user[CAIRN_LICENSE_MAX_USER + 1];
	uint64_t max_nodes; /* alphas the cluster may have; 0: no limit */
	int64_t expiry;	    /* seconds since the epoch, UTC */
	int64_t issued;
};

/* The public key zero trusts: the PEM file at path, or the vendor's built-in
 * key when path is NULL. Refused unless it is an Ed25519 public key. The
 * caller frees it with EVP_PKEY_free. */
EVP_PKEY *cairn_license_public_key(const char *path, cairn_err *err);
/* An Ed25519 private key from a PEM file (`openssl genpkey -algorithm ed25519`). */
EVP_PKEY *cairn_license_private_key(const char *path, cairn_err *err);
/* The key's id: the first 8 bytes of the SHA-256 of its raw public key, in
 * hex (17 bytes with the NUL). */
int cairn_license_key_id(EVP_PKEY *key, char id[17], cairn_err *err);

/* Signs lic with priv: a license file, malloc'd (the caller frees it), or
 * NULL with err. Does not judge the dates. */
char *cairn_license_sign(EVP_PKEY *priv, const struct cairn_license *lic, cairn_err *err);

/* Reads a license file of len bytes and checks its signature against pub:
 * 0 and *out, or -1 with the reason (malformed, signed with another key,
 * altered after signing). Does not look at the expiry. */
int cairn_license_verify(const char *doc, size_t len, EVP_PKEY *pub, struct cairn_license *out,
			 cairn_err *err);
/* cairn_license_verify, then refuses a license that has expired at now. */
int cairn_license_accept(const char *doc, size_t len, EVP_PKEY *pub, int64_t now,
			 struct cairn_license *out, cairn_err *err);

/* A date as `cairn license` takes it: YYYY-MM-DD (the end of that day,
 * 23:59:59 UTC) or RFC 3339 (YYYY-MM-DDTHH:MM:SS with Z or +HH:MM/-HH:MM). */
int cairn_license_parse_date(const char *s, int64_t *out, cairn_err *err);
/* t as YYYY-MM-DDTHH:MM:SSZ (buf of at least 21 bytes). */
void cairn_license_format_time(int64_t t, char *buf, size_t len);

/* The one message every refused backup gives: why, and how to apply a license. */
#define CAIRN_LICENSE_HOWTO                                                                        \
	"sign a license with `cairn license --key FILE --user U --expiry DATE` (your vendor "      \
	"does) and apply it with zero's POST /enterpriseLicense or `cairn zero "                   \
	"--enterprise_license FILE`; restore, lsbackup and verify keep working without one"
#endif

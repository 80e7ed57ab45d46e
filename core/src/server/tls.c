/* tls.c — checking --tls_cert, --tls_key and --tls_ca with OpenSSL before a
 * listener or a client uses them (libmicrohttpd's GnuTLS and libcurl would
 * only fail later, with less to say). */
#include "server/tls.h"

#include <errno.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "jsonfile.h"

/* PEM files are small; a larger one is not a certificate or a key. */
#define PEM_MAX (1u << 20)

int cairn_tls_member_flags(const char *cert, const char *key, const char *ca, cairn_err *err)
{
	int have_cert = cert && *cert, have_key = key && *key, have_ca = ca && *ca;
	if (!have_cert && !have_key && !have_ca)
		return 0;
	if (have_cert && !have_key)
		return cairn_err_set(err, "--tls_cert needs --tls_key, the certificate's "
					  "private key");
	if (have_key && !have_cert)
		return cairn_err_set(err, "--tls_key needs --tls_cert, the certificate it "
					  "belongs to");
	if (!have_ca)
		return cairn_err_set(err,
				     "--tls_cert needs --tls_ca: a member serving TLS "
				     "calls its peers over TLS and checks them against that CA");
	if (!have_cert)
		return cairn_err_set(err, "--tls_ca needs --tls_cert and --tls_key: its peers "
					  "call this member over TLS, so it must serve TLS too");
	return 1;
}

static int read_pem(const char *what, const char *file, char **out, cairn_err *err)
{
	*out = NULL;
	int r = cairn_read_file(file, PEM_MAX, out, NULL, err);
	if (r == 1)
		return cairn_err_set(err, "%s %s does not exist", what, file);
	if (r < 0)
		return cairn_err_prefix(err, "%s", what);
	return 0;
}

/* Never asks for a pass phrase: an encrypted key is an error, not a prompt. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

void cairn_tls_free_pem(char *pem)
{
	if (!pem)
		return;
	OPENSSL_cleanse(pem, strlen(pem));
	free(pem);
}

int cairn_tls_load_pair(const char *cert_file, const char *key_file, char **cert_pem,
			char **key_pem, cairn_err *err)
{
	char *c = NULL, *k = NULL;
	X509 *x = NULL;
	EVP_PKEY *pk = NULL;
	BIO *b = NULL;
	int rc = -1;
	*cert_pem = *key_pem = NULL;
	if (read_pem("certificate file", cert_file, &c, err) < 0 ||
	    read_pem("key file", key_file, &k, err) < 0)
		goto out;
	b = BIO_new_mem_buf(c, -1);
	x = b ? PEM_read_bio_X509(b, NULL, no_passphrase, NULL) : NULL;
	BIO_free(b);
	if (!x) {
		cairn_err_set(err,
			      "certificate file %s holds no PEM certificate (-----BEGIN "
			      "CERTIFICATE-----); give the server certificate first",
			      cert_file);
		goto out;
	}
	b = BIO_new_mem_buf(k, -1);
	pk = b ? PEM_read_bio_PrivateKey(b, NULL, no_passphrase, NULL) : NULL;
	BIO_free(b);
	if (!pk) {
		cairn_err_set(err,
			      "key file %s holds no unencrypted PEM private key; give the "
			      "key without a pass phrase (openssl pkey -in KEY -out KEY.plain)",
			      key_file);
		goto out;
	}
	if (X509_check_private_key(x, pk) != 1) {
		cairn_err_set(err,
			      "key file %s is not the private key of the certificate in %s; "
			      "give the key the certificate was made for",
			      key_file, cert_file);
		goto out;
	}
	*cert_pem = c;
	*key_pem = k;
	c = k = NULL;
	rc = 0;
out:
	ERR_clear_error();
	X509_free(x);
	EVP_PKEY_free(pk);
	free(c);
	cairn_tls_free_pem(k);
	return rc;
}

int cairn_tls_check_ca(const char *ca_file, cairn_err *err)
{
	char *c = NULL;
	if (read_pem("CA file", ca_file, &c, err) < 0)
		return -1;
	BIO *b = BIO_new_mem_buf(c, -1);
	X509 *x = b ? PEM_read_bio_X509(b, NULL, no_passphrase, NULL) : NULL;
	BIO_free(b);
	free(c);
	ERR_clear_error();
	if (!x)
		return cairn_err_set(err,
				     "CA file %s holds no PEM certificate (-----BEGIN "
				     "CERTIFICATE-----); give the CA certificate that signed the "
				     "members' certificates",
				     ca_file);
	X509_free(x);
	return 0;
}

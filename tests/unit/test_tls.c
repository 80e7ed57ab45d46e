/* --tls_cert, --tls_key and --tls_ca: which combinations a member accepts,
 * a certificate and its key checked at start-up (a key of another
 * certificate, an encrypted key, a file that is not PEM, a missing file),
 * the CA file, and the client's URL scheme following cairn_http_client_tls.
 * No error message holds key material. */
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "server/http.h"
#include "server/tls.h"

static char dir[512];

static const char *path(const char *name)
{
	static char p[4][600];
	static int i;
	i = (i + 1) % 4;
	snprintf(p[i], sizeof p[i], "%s/%s", dir, name);
	return p[i];
}

/* A self-signed certificate for key, written to name. */
static void write_cert(const char *name, EVP_PKEY *key)
{
	X509 *x = X509_new();
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
				   (const unsigned char *)"127.0.0.1", -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	X509_set_pubkey(x, key);
	X509_sign(x, key, EVP_sha256());
	FILE *f = fopen(path(name), "w");
	PEM_write_X509(f, x);
	fclose(f);
	X509_free(x);
}

static void write_key(const char *name, EVP_PKEY *key, const char *pass)
{
	FILE *f = fopen(path(name), "w");
	PEM_write_PrivateKey(f, key, pass ? EVP_aes_128_cbc() : NULL, (unsigned char *)pass,
			     pass ? (int)strlen(pass) : 0, NULL, NULL);
	fclose(f);
}

static void write_text(const char *name, const char *text)
{
	FILE *f = fopen(path(name), "w");
	fputs(text, f);
	fclose(f);
}

static void member_flags(void)
{
	cairn_err err = {0};
	CHECK(cairn_tls_member_flags(NULL, NULL, NULL, &err) == 0);
	CHECK(cairn_tls_member_flags("", "", "", &err) == 0);
	CHECK(cairn_tls_member_flags("c", "k", "ca", &err) == 1);
	CHECK(cairn_tls_member_flags("c", NULL, "ca", &err) == -1);
	CHECK_CONTAINS(err.msg, "--tls_cert needs --tls_key");
	CHECK(cairn_tls_member_flags(NULL, "k", "ca", &err) == -1);
	CHECK_CONTAINS(err.msg, "--tls_key needs --tls_cert");
	CHECK(cairn_tls_member_flags("c", "k", NULL, &err) == -1);
	CHECK_CONTAINS(err.msg, "--tls_cert needs --tls_ca");
	CHECK(cairn_tls_member_flags(NULL, NULL, "ca", &err) == -1);
	CHECK_CONTAINS(err.msg, "--tls_ca needs --tls_cert and --tls_key");
}

static void pairs(void)
{
	cairn_err err = {0};
	char *c = NULL, *k = NULL;
	CHECK(cairn_tls_load_pair(path("a.crt"), path("a.key"), &c, &k, &err) == 0);
	CHECK_CONTAINS(c, "-----BEGIN CERTIFICATE-----");
	CHECK_CONTAINS(k, "PRIVATE KEY-----");
	free(c);
	cairn_tls_free_pem(k);

	CHECK(cairn_tls_load_pair(path("a.crt"), path("b.key"), &c, &k, &err) == -1);
	CHECK_CONTAINS(err.msg, "is not the private key of the certificate in");
	CHECK_CONTAINS(err.msg, "b.key");
	CHECK(c == NULL && k == NULL);
	CHECK(!strstr(err.msg, "PRIVATE KEY"));

	CHECK(cairn_tls_load_pair(path("a.crt"), path("enc.key"), &c, &k, &err) == -1);
	CHECK_CONTAINS(err.msg, "holds no unencrypted PEM private key");

	CHECK(cairn_tls_load_pair(path("a.crt"), path("a.crt"), &c, &k, &err) == -1);
	CHECK_CONTAINS(err.msg, "holds no unencrypted PEM private key");

	CHECK(cairn_tls_load_pair(path("junk.pem"), path("a.key"), &c, &k, &err) == -1);
	CHECK_CONTAINS(err.msg, "junk.pem holds no PEM certificate");

	/* The certificate file given where the key should be, and vice versa. */
	CHECK(cairn_tls_load_pair(path("a.key"), path("a.crt"), &c, &k, &err) == -1);
	CHECK_CONTAINS(err.msg, "a.key holds no PEM certificate");
	CHECK(!strstr(err.msg, "PRIVATE KEY-----"));

	CHECK(cairn_tls_load_pair(path("none.crt"), path("a.key"), &c, &k, &err) == -1);
	CHECK_CONTAINS(err.msg, "certificate file");
	CHECK_CONTAINS(err.msg, "none.crt does not exist");
}

static void ca_and_client(void)
{
	cairn_err err = {0};
	char url[256];
	CHECK(cairn_tls_check_ca(path("a.crt"), &err) == 0);
	CHECK(cairn_tls_check_ca(path("a.key"), &err) == -1);
	CHECK_CONTAINS(err.msg, "holds no PEM certificate");
	CHECK(cairn_tls_check_ca(path("none.crt"), &err) == -1);
	CHECK_CONTAINS(err.msg, "CA file");

	CHECK(cairn_http_url(url, sizeof url, "127.0.0.1:1", "/health") == 0);
	CHECK_STR(url, "http://127.0.0.1:1/health");
	CHECK(cairn_http_client_tls(path("junk.pem"), &err) == -1);
	CHECK(cairn_http_url(url, sizeof url, "127.0.0.1:1", "/health") == 0);
	CHECK_STR(url, "http://127.0.0.1:1/health");
	CHECK(cairn_http_client_tls(path("a.crt"), &err) == 0);
	CHECK(cairn_http_url(url, sizeof url, "127.0.0.1:1", "/health") == 0);
	CHECK_STR(url, "https://127.0.0.1:1/health");
	CHECK(cairn_http_client_tls(NULL, &err) == 0);
	CHECK(cairn_http_url(url, sizeof url, "[::1]:2", "/state") == 0);
	CHECK_STR(url, "http://[::1]:2/state");
}

int main(void)
{
	snprintf(dir, sizeof dir, "%s/tls-%d", TEST_TMP, (int)getpid());
	mkdir(TEST_TMP, 0755);
	if (mkdir(dir, 0700) < 0) {
		perror(dir);
		return 1;
	}
	EVP_PKEY *a = EVP_EC_gen("P-256"), *b = EVP_EC_gen("P-256");
	write_cert("a.crt", a);
	write_key("a.key", a, NULL);
	write_key("b.key", b, NULL);
	write_key("enc.key", a, "pass phrase");
	write_text("junk.pem", "not a certificate\n");
	EVP_PKEY_free(a);
	EVP_PKEY_free(b);

	member_flags();
	pairs();
	ca_and_client();

	const char *names[] = {"a.crt", "a.key", "b.key", "enc.key", "junk.pem"};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		unlink(path(names[i]));
	rmdir(dir);
	CHECK_DONE();
}

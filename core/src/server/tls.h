/* tls.h — the PEM files behind --tls_cert, --tls_key and --tls_ca: which
 * combinations a command accepts, and checking the files with OpenSSL at
 * start-up, so that a wrong file is one clear error then and not a failed
 * handshake later. Messages name the files, never their contents. */
#ifndef CAIRN_TLS_H
#define CAIRN_TLS_H
#include <cairn/plugin.h>

/* A cluster member (zero, alpha) takes all three flags or none: with a
 * certificate it serves HTTPS, and with the CA it verifies the peers it
 * calls, which serve HTTPS too. Returns 1 when TLS is on, 0 when off, -1
 * with err naming what is missing. */
int cairn_tls_member_flags(const char *cert, const char *key, const char *ca, cairn_err *err);

/* Reads cert_file (PEM, the server certificate first, then any chain) and
 * key_file (an unencrypted PEM private key) and checks that the key is the
 * certificate's. On success *cert_pem and *key_pem are malloc'd PEM text;
 * free *key_pem with cairn_tls_free_pem (it is wiped first). */
int cairn_tls_load_pair(const char *cert_file, const char *key_file, char **cert_pem,
			char **key_pem, cairn_err *err);

/* Checks that ca_file is readable and holds at least one PEM certificate. */
int cairn_tls_check_ca(const char *ca_file, cairn_err *err);

/* The flags of a cluster member (zero, alpha); restore takes tls_ca alone. */
#define CAIRN_TLS_CA_FLAG                                                                          \
	{                                                                                          \
		"tls_ca", 0, NULL,                                                                 \
		    "PEM CA certificate: call peers over https and check them with it", 0          \
	}
#define CAIRN_TLS_FLAGS                                                                            \
	{"tls_cert", 0, NULL, "PEM certificate to serve https with (with --tls_key, --tls_ca)",    \
	 0},                                                                                       \
	    {"tls_key", 0, NULL, "PEM private key of --tls_cert (unencrypted)", 0},                \
	    CAIRN_TLS_CA_FLAG

/* Wipes and frees PEM text (NULL is fine). */
void cairn_tls_free_pem(char *pem);
#endif

/* vault_http.h — one HTTP exchange with Vault over libcurl, and the words for
 * what went wrong on the way (unreachable, TLS, not JSON, Vault's errors). */
#ifndef KEYS_VAULT_HTTP_H
#define KEYS_VAULT_HTTP_H
#include <stddef.h>

#include <cJSON.h>
#include <cairn/plugin.h>

struct vault_conn {
	const char *addr;      /* "https://vault:8200", no trailing '/' */
	const char *ns;	       /* X-Vault-Namespace, or NULL */
	const char *ca_file;   /* vault_ca_file, or NULL */
	const char *useragent; /* "cairn/0.1.0 keys-vault" */
};

/* A response. body may hold a token or a key: vault_resp_free wipes it. */
struct vault_resp {
	long status;
	char *body;
	size_t len, cap;
	cJSON *json; /* body parsed, or NULL if it is not JSON */
	char content_type[96];
};

/* method "GET" or "POST"; path is what follows /v1/; token and body may be
 * NULL. A transport failure (no HTTP status at all) returns -1 with err
 * saying why and what to do; any HTTP status returns 0. */
int vault_request(const struct vault_conn *c, const char *method, const char *path,
		  const char *token, const char *body, struct vault_resp *resp, cairn_err *err);
void vault_resp_free(struct vault_resp *resp);

/* " (vault: permission denied; invalid token)" from the response's "errors",
 * or "" if Vault gave none. Vault's multierror wrapping ("1 error occurred:
 * * x") is unwrapped to "x". */
void vault_says(const struct vault_resp *resp, char *out, size_t n);
/* Non-zero if one of the response's "errors" is exactly msg. */
int vault_has_error(const struct vault_resp *resp, const char *msg);
/* Sets err for a body that is not the JSON expected. */
int vault_malformed(const struct vault_conn *c, const char *method, const char *path,
		    const struct vault_resp *resp, const char *what, cairn_err *err);
#endif

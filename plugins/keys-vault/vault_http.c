/* vault_http.c — HTTP to Vault: certificate checks on, no redirects (a
 * redirect would carry X-Vault-Token to another host), and every buffer that
 * saw a token or a key wiped before it is freed. */
#include "vault_http.h"

#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#define VAULT_BODY_MAX (1u << 20)

static void wipe_free(void *p, size_t n)
{
	if (p) {
		explicit_bzero(p, n);
		free(p);
	}
}

/* Grows by copying so no stale copy of a secret is left in freed memory, as
 * realloc might. */
static size_t on_body(char *data, size_t size, size_t nmemb, void *ctx)
{
	struct vault_resp *r = ctx;
	size_t n = size * nmemb;
	if (r->len + n + 1 > r->cap) {
		size_t cap = r->cap ? r->cap : 4096;
		char *nb;
		while (cap < r->len + n + 1)
			cap *= 2;
		if (cap > VAULT_BODY_MAX)
			return 0;
		nb = malloc(cap);
		if (!nb)
			return 0;
		if (r->body)
			memcpy(nb, r->body, r->len);
		wipe_free(r->body, r->cap);
		r->body = nb;
		r->cap = cap;
	}
	memcpy(r->body + r->len, data, n);
	r->len += n;
	r->body[r->len] = 0;
	return n;
}

static void wipe_headers(struct curl_slist *h)
{
	for (struct curl_slist *p = h; p; p = p->next)
		explicit_bzero(p->data, strlen(p->data));
	curl_slist_free_all(h);
}

/* The line is built on the stack and wiped: it may hold the token. */
static int add_header(struct curl_slist **h, const char *name, const char *value)
{
	char line[1024];
	struct curl_slist *n;
	int len = snprintf(line, sizeof line, "%s: %s", name, value);
	n = len > 0 && (size_t)len < sizeof line ? curl_slist_append(*h, line) : NULL;
	explicit_bzero(line, sizeof line);
	if (!n)
		return -1;
	*h = n;
	return 0;
}

static int transport_error(const struct vault_conn *c, CURLcode rc, const char *detail,
			   cairn_err *err)
{
	const char *d = *detail ? detail : curl_easy_strerror(rc);
	int https = strncmp(c->addr, "https:", 6) == 0;

	switch (rc) {
	case CURLE_PEER_FAILED_VERIFICATION:
		if (c->ca_file)
			return cairn_err_set(
			    err,
			    "cannot verify the TLS certificate of vault at %s (%s); "
			    "check that vault_ca_file \"%s\" holds the CA that signed "
			    "it and that vault_addr uses a name the certificate lists",
			    c->addr, d, c->ca_file);
		return cairn_err_set(err,
				     "cannot verify the TLS certificate of vault at %s (%s); set "
				     "vault_ca_file to the CA certificate that signed it",
				     c->addr, d);
	case CURLE_SSL_CACERT_BADFILE:
		return cairn_err_set(err,
				     "cannot use vault_ca_file \"%s\" (%s); it must be a PEM file "
				     "of CA certificates",
				     c->ca_file ? c->ca_file : "", d);
	case CURLE_SSL_CONNECT_ERROR:
		return cairn_err_set(err,
				     "tls handshake with vault at %s failed (%s); check that vault "
				     "serves https there",
				     c->addr, d);
	case CURLE_URL_MALFORMAT:
		return cairn_err_set(err,
				     "vault_addr \"%s\" with vault_path makes no valid URL (%s); "
				     "check both",
				     c->addr, d);
	case CURLE_OPERATION_TIMEDOUT:
		return cairn_err_set(
		    err,
		    "vault at %s did not answer in time (%s); check vault_addr and "
		    "that vault is running",
		    c->addr, d);
	case CURLE_GOT_NOTHING:
		if (!https)
			return cairn_err_set(
			    err,
			    "cannot reach vault at %s (%s); if vault serves TLS, use "
			    "https:// in vault_addr",
			    c->addr, d);
		/* fall through */
	default:
		return cairn_err_set(err,
				     "cannot reach vault at %s (%s); check vault_addr and that "
				     "vault is running",
				     c->addr, d);
	}
}

int vault_request(const struct vault_conn *c, const char *method, const char *path,
		  const char *token, const char *body, struct vault_resp *resp, cairn_err *err)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *hdrs = NULL;
	char *url = NULL, *ctype = NULL;
	size_t n;
	int rc = -1;
	CURLcode cc;
	CURL *h;

	memset(resp, 0, sizeof *resp);
	h = curl_easy_init();
	n = strlen(c->addr) + strlen(path) + 8;
	url = malloc(n);
	if (!h || !url) {
		cairn_err_set(err, "out of memory talking to vault");
		goto out;
	}
	snprintf(url, n, "%s/v1/%s", c->addr, path);

	if (add_header(&hdrs, "X-Vault-Request", "true") < 0 ||
	    (body && add_header(&hdrs, "Content-Type", "application/json") < 0) ||
	    (c->ns && add_header(&hdrs, "X-Vault-Namespace", c->ns) < 0) ||
	    (token && add_header(&hdrs, "X-Vault-Token", token) < 0)) {
		cairn_err_set(err, "cannot build the request to vault (out of memory, or a "
				   "vault_namespace too long)");
		goto out;
	}

	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	if (c->ca_file)
		curl_easy_setopt(h, CURLOPT_CAINFO, c->ca_file);
	curl_easy_setopt(h, CURLOPT_USERAGENT, c->useragent);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, resp);
	if (body) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	}
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);

	cc = curl_easy_perform(h);
	if (cc == CURLE_WRITE_ERROR) {
		cairn_err_set(err,
			      "vault at %s sent an answer too big to be vault's (over %u bytes)",
			      c->addr, VAULT_BODY_MAX);
		goto out;
	}
	if (cc != CURLE_OK) {
		transport_error(c, cc, errbuf, err);
		goto out;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status);
	if (curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &ctype) == CURLE_OK && ctype)
		snprintf(resp->content_type, sizeof resp->content_type, "%s", ctype);
	if (resp->body)
		resp->json = cJSON_ParseWithLength(resp->body, resp->len);
	rc = 0;
out:
	if (rc)
		vault_resp_free(resp);
	wipe_headers(hdrs);
	free(url);
	if (h)
		curl_easy_cleanup(h);
	return rc;
}

/* cJSON keeps its own copies of every string; wipe them before freeing. */
static void wipe_json(cJSON *j)
{
	for (; j; j = j->next) {
		if (j->valuestring)
			explicit_bzero(j->valuestring, strlen(j->valuestring));
		wipe_json(j->child);
	}
}

void vault_resp_free(struct vault_resp *resp)
{
	if (resp->json) {
		wipe_json(resp->json);
		cJSON_Delete(resp->json);
	}
	wipe_free(resp->body, resp->cap);
	memset(resp, 0, sizeof *resp);
}

/* Appends one of Vault's error strings to out, flattening "1 error occurred:
 * \n\t* a\n\t* b\n\n" to "a; b". */
static void append_error(const char *s, char *out, size_t n)
{
	const char *p = s;
	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		const char *line = p;
		while (len && (*line == ' ' || *line == '\t' || *line == '*')) {
			line++;
			len--;
		}
		while (len &&
		       (line[len - 1] == ' ' || line[len - 1] == '\t' || line[len - 1] == '\r'))
			len--;
		if (len && !(len < 40 && strstr(line, "occurred:") && line[len - 1] == ':')) {
			size_t used = strlen(out);
			if (used + 2 < n) {
				if (used)
					strcat(out, "; ");
				used = strlen(out);
				snprintf(out + used, n - used, "%.*s", (int)len, line);
			}
		}
		p = eol ? eol + 1 : p + strlen(p);
	}
}

void vault_says(const struct vault_resp *resp, char *out, size_t n)
{
	char text[512] = "";
	cJSON *errs = resp->json ? cJSON_GetObjectItemCaseSensitive(resp->json, "errors") : NULL;
	cJSON *e;

	out[0] = 0;
	cJSON_ArrayForEach(e, errs)
	{
		if (cJSON_IsString(e))
			append_error(e->valuestring, text, sizeof text);
	}
	if (text[0])
		snprintf(out, n, " (vault: %s)", text);
}

int vault_has_error(const struct vault_resp *resp, const char *msg)
{
	cJSON *errs = resp->json ? cJSON_GetObjectItemCaseSensitive(resp->json, "errors") : NULL;
	cJSON *e;
	cJSON_ArrayForEach(e, errs)
	{
		char one[256] = "";
		if (!cJSON_IsString(e))
			continue;
		append_error(e->valuestring, one, sizeof one);
		if (strcmp(one, msg) == 0 || strstr(e->valuestring, msg))
			return 1;
	}
	return 0;
}

int vault_malformed(const struct vault_conn *c, const char *method, const char *path,
		    const struct vault_resp *resp, const char *what, cairn_err *err)
{
	/* Never quote the body: it may hold a token or a key. */
	if (!resp->json)
		return cairn_err_set(
		    err,
		    "vault at %s answered %s /v1/%s with a body that is not valid "
		    "JSON (HTTP %ld, %zu bytes%s%s); check that vault_addr points at "
		    "vault itself, not at a proxy or a web page",
		    c->addr, method, path, resp->status, resp->len,
		    resp->content_type[0] ? ", " : "", resp->content_type);
	return cairn_err_set(err,
			     "vault at %s answered %s /v1/%s with JSON that has no %s (HTTP %ld); "
			     "check that vault_addr points at vault itself",
			     c->addr, method, path, what, resp->status);
}

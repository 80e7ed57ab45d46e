/* gcs_http.c — one HTTP exchange with Cloud Storage or its token endpoint:
 * a deadline on every request, a small pool of curl handles per location
 * (kept connections), and the retry policy Google documents for its JSON API
 * (exponential backoff with jitter on 408, 429, 5xx and lost connections). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "gcs.h"

#define GCS_BODY_MAX (64u * 1024 * 1024)

const struct cairn_host *gcs_host;

void gcs_secret(const void *p, size_t n)
{
	if (n && gcs_host && gcs_host->add_secret)
		gcs_host->add_secret(p, n);
}

/* Keeps a server's text to one printable line. */
void gcs_printable(char *s)
{
	for (; *s; s++)
		if (!isprint((unsigned char)*s))
			*s = ' ';
}

void gcs_backoff(int attempt)
{
	long ms = 250L << (attempt < 5 ? attempt - 1 : 4); /* 250 ms .. 4 s */
	struct timespec ts;
	ms += rand() % (ms / 2 + 1);
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	nanosleep(&ts, NULL);
}

void gcs_resp_free(struct gcs_resp *r)
{
	free(r->body);
	r->body = NULL;
	r->len = r->cap = 0;
}

struct xfer {
	struct gcs_resp *r;
	size_t max;
};

static size_t on_body(char *p, size_t sz, size_t n, void *ud)
{
	struct xfer *x = ud;
	struct gcs_resp *r = x->r;
	size_t len = sz * n;
	if (r->len + len > x->max) {
		r->too_large = 1;
		return 0;
	}
	if (r->len + len + 1 > r->cap) {
		size_t cap = r->cap ? r->cap : 16384;
		char *nb;
		while (cap < r->len + len + 1)
			cap *= 2;
		if (cap > x->max + 1) /* a full read block, not twice one */
			cap = x->max + 1;
		nb = realloc(r->body, cap);
		if (!nb)
			return 0;
		r->body = nb;
		r->cap = cap;
	}
	memcpy(r->body + r->len, p, len);
	r->len += len;
	r->body[r->len] = 0;
	return len;
}

static void header_value(const char *line, size_t n, const char *name, char *out, size_t cap)
{
	size_t k = strlen(name), v;
	if (n <= k || strncasecmp(line, name, k) != 0 || line[k] != ':')
		return;
	line += k + 1;
	n -= k + 1;
	while (n && (*line == ' ' || *line == '\t'))
		line++, n--;
	while (n && (line[n - 1] == '\r' || line[n - 1] == '\n' || line[n - 1] == ' '))
		n--;
	v = n < cap - 1 ? n : cap - 1;
	memcpy(out, line, v);
	out[v] = 0;
}

static size_t on_header(char *p, size_t sz, size_t n, void *ud)
{
	struct gcs_resp *r = ((struct xfer *)ud)->r;
	size_t len = sz * n;
	header_value(p, len, "Location", r->location, sizeof r->location);
	header_value(p, len, "Range", r->range, sizeof r->range);
	header_value(p, len, "Content-Range", r->content_range, sizeof r->content_range);
	header_value(p, len, "x-goog-generation", r->generation, sizeof r->generation);
	return len;
}

static CURL *pool_get(struct gcs_ctx *c)
{
	CURL *h = NULL;
	pthread_mutex_lock(&c->pool_mu);
	if (c->npool)
		h = c->pool[--c->npool];
	pthread_mutex_unlock(&c->pool_mu);
	return h ? h : curl_easy_init();
}

static void pool_put(struct gcs_ctx *c, CURL *h)
{
	pthread_mutex_lock(&c->pool_mu);
	if (c->npool < GCS_POOL) {
		c->pool[c->npool++] = h;
		h = NULL;
	}
	pthread_mutex_unlock(&c->pool_mu);
	if (h)
		curl_easy_cleanup(h);
}

static int http_bearer(struct gcs_ctx *c, const struct gcs_req *q, const char *token,
		       struct gcs_resp *r, cairn_err *err)
{
	CURL *h = pool_get(c);
	struct curl_slist *l = NULL;
	struct xfer x = {r, q->max_body ? q->max_body : GCS_BODY_MAX};
	char line[4200], errbuf[CURL_ERROR_SIZE];
	CURLcode cc;
	int rc = -1;
	memset(r, 0, sizeof *r);
	if (!h)
		return cairn_err_set(err, "out of memory");
	if (token) {
		snprintf(line, sizeof line, "Authorization: Bearer %s", token);
		l = curl_slist_append(l, line);
	}
	if (q->content_type) {
		snprintf(line, sizeof line, "Content-Type: %s", q->content_type);
		l = curl_slist_append(l, line);
	}
	if (q->range) {
		snprintf(line, sizeof line, "Range: %s", q->range);
		l = curl_slist_append(l, line);
	}
	if (q->content_range) {
		snprintf(line, sizeof line, "Content-Range: %s", q->content_range);
		l = curl_slist_append(l, line);
	}
	l = curl_slist_append(l, "Expect:");
	curl_easy_reset(h);
	errbuf[0] = 0;
	curl_easy_setopt(h, CURLOPT_URL, q->url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, l);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_USERAGENT, "cairn-storage-gcs/1.0");
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 15L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, q->timeout > 0 ? q->timeout : c->timeout);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, c->stall);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	if (c->ca_file)
		curl_easy_setopt(h, CURLOPT_CAINFO, c->ca_file);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &x);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, &x);
	if (!strcmp(q->method, "GET")) {
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
	} else {
		if (strcmp(q->method, "POST") != 0)
			curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, q->method);
		if (strcmp(q->method, "DELETE") != 0 || q->body_len) {
			curl_easy_setopt(h, CURLOPT_POSTFIELDS,
					 q->body ? (const char *)q->body : "");
			curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)q->body_len);
		}
	}
	cc = curl_easy_perform(h);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
	if (cc == CURLE_OK) {
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
		rc = 0;
	} else if (r->too_large) {
		cairn_err_set(err, "%s answered more than %zu bytes; check the endpoint", q->url,
			      x.max);
	} else {
		char host[256] = "";
		const char *p = strstr(q->url, "://");
		size_t n = p ? strcspn(p + 3, "/?") : 0;
		if (p)
			snprintf(host, sizeof host, "%.*s", (int)n, p + 3);
		gcs_printable(errbuf);
		cairn_err_setc(err, CAIRN_E_TRANSIENT,
			       "no answer from %s (%s); check that it is up and reachable, or "
			       "raise [gcs] request_timeout",
			       host, errbuf[0] ? errbuf : curl_easy_strerror(cc));
	}
	curl_slist_free_all(l);
	pool_put(c, h); /* curl drops a connection that broke, keeps the handle */
	return rc;
}

int gcs_http(struct gcs_ctx *c, const struct gcs_req *q, struct gcs_resp *r, cairn_err *err)
{
	return http_bearer(c, q, NULL, r, err);
}

int gcs_http_bearer(struct gcs_ctx *c, const struct gcs_req *q, const char *token,
		    struct gcs_resp *r, cairn_err *err)
{
	return http_bearer(c, q, token, r, err);
}

/* s3_client.c — one S3 location and one request against it.
 *
 * Owns: turning a location URI plus request parameters, environment and ini
 * into an endpoint, a bucket, a key prefix and credentials; building signed
 * libcurl requests (path-style, or virtual-host style on amazonaws.com);
 * and running a request, retrying what s3_errors.c calls retryable with
 * exponential backoff and jitter. No secret ever enters a message or a log
 * line. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "s3.h"

/* Set once by the plugin's init, before any other call: the host table is
 * the only process-wide state here. */
static const struct cairn_host *g_host;
static const char *g_plugin = "storage-s3";

#define DEFAULT_RETRIES 5
#define DEFAULT_CONCURRENCY 3
#define DEFAULT_STALL_SECONDS 60

int s3_init(const struct cairn_host *host, const char *plugin_name, cairn_err *err)
{
	g_host = host;
	g_plugin = plugin_name;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return cairn_err_set(err, "%s: cannot initialise libcurl", plugin_name);
	return 0;
}

void s3_fini(void)
{
	curl_global_cleanup(); /* pairs with s3_init's curl_global_init */
	g_host = NULL;
}

void s3_log(int level, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	if (!g_host || !g_host->log)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	g_host->log(level, g_plugin, "%s", line);
}

static const char *config(const struct s3_loc *loc, const char *key)
{
	const char *v = NULL;
	if (g_host && g_host->config_get)
		v = g_host->config_get(loc->section, key);
	return v && *v ? v : NULL;
}

static const char *env(const char *name)
{
	const char *v = getenv(name);
	return v && *v ? v : NULL;
}

static void add_secret(const char *s)
{
	if (s && *s && g_host && g_host->add_secret)
		g_host->add_secret(s, strlen(s));
}

static char *xstrdup(const char *s) { return s ? strdup(s) : NULL; }

static void free_secret(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

void s3_loc_free(struct s3_loc *loc)
{
	if (!loc)
		return;
	for (int i = 0; i < loc->npool; i++)
		curl_easy_cleanup(loc->pool[i]);
	pthread_mutex_destroy(&loc->pool_mu);
	free(loc->display);
	free(loc->endpoint);
	free(loc->host_header);
	free(loc->base_url);
	free(loc->bucket);
	free(loc->prefix);
	free(loc->region);
	free(loc->ca_file);
	free(loc->access_key);
	free_secret(loc->secret_key);
	free_secret(loc->session_token);
	free(loc);
}

/* "true"/"false" and friends; -1 if neither. */
static int parse_bool(const char *v)
{
	if (!strcasecmp(v, "true") || !strcmp(v, "1") || !strcasecmp(v, "yes"))
		return 1;
	if (!strcasecmp(v, "false") || !strcmp(v, "0") || !strcasecmp(v, "no"))
		return 0;
	return -1;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

/* The region an AWS host name names: s3.us-west-2.amazonaws.com,
 * s3-us-west-2.amazonaws.com, s3.dualstack.eu-west-1.amazonaws.com. NULL for
 * the global s3.amazonaws.com and for hosts that are not AWS. malloc'd. */
char *s3_region_from_host(const char *host)
{
	const char *suffix = ends_with(host, ".amazonaws.com")	    ? ".amazonaws.com"
			     : ends_with(host, ".amazonaws.com.cn") ? ".amazonaws.com.cn"
								    : NULL;
	if (!suffix)
		return NULL;
	size_t n = strlen(host) - strlen(suffix);
	char *labels = strndup(host, n), *save = NULL, *out = NULL;
	if (!labels)
		return NULL;
	for (char *l = strtok_r(labels, ".", &save); l; l = strtok_r(NULL, ".", &save)) {
		if (!strcasecmp(l, "s3")) {
			char *next = strtok_r(NULL, ".", &save);
			while (next &&
			       (!strcasecmp(next, "dualstack") || !strcasecmp(next, "s3-fips")))
				next = strtok_r(NULL, ".", &save);
			if (next)
				out = strdup(next);
			break;
		}
		if (!strncasecmp(l, "s3-", 3)) {
			if (strcasecmp(l + 3, "external-1") && strcasecmp(l + 3, "fips"))
				out = strdup(l + 3);
			break;
		}
	}
	free(labels);
	return out;
}

static int split_path(struct s3_loc *loc, const struct cairn_uri *uri, cairn_err *err)
{
	const char *p = uri->path ? uri->path : "";
	while (*p == '/')
		p++;
	const char *slash = strchr(p, '/');
	size_t blen = slash ? (size_t)(slash - p) : strlen(p);
	if (blen == 0)
		return cairn_err_set(
		    err, "location %s names no bucket: write it as %s://%s/BUCKET[/PREFIX]",
		    uri->raw, uri->scheme, loc->flavor == S3_FLAVOR_AWS ? "HOST" : "HOST:PORT");
	loc->bucket = strndup(p, blen);
	const char *rest = slash ? slash : "";
	while (*rest == '/')
		rest++;
	size_t plen = strlen(rest);
	while (plen && rest[plen - 1] == '/')
		plen--;
	loc->prefix = malloc(plen + 2);
	if (!loc->bucket || !loc->prefix)
		return cairn_err_set(err, "out of memory");
	memcpy(loc->prefix, rest, plen);
	strcpy(loc->prefix + plen, plen ? "/" : "");
	for (const char *c = loc->bucket; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '.' ||
		      *c == '-' || *c == '_' || (*c >= 'A' && *c <= 'Z')))
			return cairn_err_set(
			    err,
			    "\"%s\" in location %s is not a valid bucket name: use lower-case "
			    "letters, digits, dots and hyphens",
			    loc->bucket, uri->raw);
	return 0;
}

static int set_credentials(struct s3_loc *loc, const struct cairn_kv *params, cairn_err *err)
{
	const char *ak = cairn_kv_get(params, "accessKey");
	const char *sk = cairn_kv_get(params, "secretKey");
	const char *tok = cairn_kv_get(params, "sessionToken");
	const char *anon = cairn_kv_get(params, "anonymous");
	const int aws = loc->flavor == S3_FLAVOR_AWS;

	if (ak && !*ak)
		ak = NULL;
	if (sk && !*sk)
		sk = NULL;
	if (tok && !*tok)
		tok = NULL;
	if (anon && *anon) {
		int b = parse_bool(anon);
		if (b < 0)
			return cairn_err_set(err, "anonymous must be true or false, not \"%s\"",
					     anon);
		if (b) {
			loc->anonymous = 1;
			return 0;
		}
	}
	if (ak || sk) {
		if (!ak || !sk)
			return cairn_err_set(
			    err, "%s given without %s: pass both accessKey and secretKey",
			    ak ? "accessKey" : "secretKey", ak ? "secretKey" : "accessKey");
		loc->access_src = "accessKey of the request";
		loc->secret_src = "secretKey of the request";
	} else {
		/* AWS_ACCESS_KEY_ID wins over AWS_ACCESS_KEY, as in the AWS tools. */
		const char *ak_name = !aws ? "MINIO_ACCESS_KEY"
				      : env("AWS_ACCESS_KEY_ID") || !env("AWS_ACCESS_KEY")
					  ? "AWS_ACCESS_KEY_ID"
					  : "AWS_ACCESS_KEY";
		const char *sk_name = !aws ? "MINIO_SECRET_KEY"
				      : env("AWS_SECRET_ACCESS_KEY") || !env("AWS_SECRET_KEY")
					  ? "AWS_SECRET_ACCESS_KEY"
					  : "AWS_SECRET_KEY";
		ak = env(ak_name);
		sk = env(sk_name);
		if (ak || sk) {
			if (!ak || !sk)
				return cairn_err_set(err, "%s is set but %s is not: set both",
						     ak ? ak_name : sk_name,
						     ak ? sk_name : ak_name);
			tok = aws ? env("AWS_SESSION_TOKEN") : NULL;
			loc->access_src = ak_name;
			loc->secret_src = sk_name;
		} else {
			ak = config(loc, "access_key");
			sk = config(loc, "secret_key");
			tok = config(loc, "session_token");
			if (ak || sk) {
				if (!ak || !sk)
					return cairn_err_set(err,
							     "section [%s] of the config file has "
							     "%s but not %s: set both",
							     loc->section,
							     ak ? "access_key" : "secret_key",
							     ak ? "secret_key" : "access_key");
				loc->access_src =
				    aws ? "access_key in section [s3] of the config file"
					: "access_key in section [minio] of the config file";
				loc->secret_src =
				    aws ? "secret_key in section [s3] of the config file"
					: "secret_key in section [minio] of the config file";
			}
		}
	}
	if (!ak)
		return cairn_err_set(
		    err,
		    "no credentials for %s: pass accessKey and secretKey, set %s and %s, "
		    "put access_key and secret_key in section [%s] of the config file, "
		    "or use anonymous for a public bucket",
		    loc->display, aws ? "AWS_ACCESS_KEY_ID" : "MINIO_ACCESS_KEY",
		    aws ? "AWS_SECRET_ACCESS_KEY" : "MINIO_SECRET_KEY", loc->section);
	add_secret(sk);
	add_secret(tok);
	loc->access_key = strdup(ak);
	loc->secret_key = strdup(sk);
	loc->session_token = xstrdup(tok);
	if (!loc->access_key || !loc->secret_key || (tok && !loc->session_token))
		return cairn_err_set(err, "out of memory");
	return 0;
}

static long config_long(const struct s3_loc *loc, const char *key, long def, long lo, long hi,
			cairn_err *err, int *bad)
{
	const char *v = config(loc, key);
	if (!v)
		return def;
	char *end;
	errno = 0;
	long n = strtol(v, &end, 10);
	if (errno || *end || n < lo || n > hi) {
		*bad = 1;
		cairn_err_set(err,
			      "%s in section [%s] of the config file must be a number from %ld to "
			      "%ld, not \"%s\"",
			      key, loc->section, lo, hi, v);
	}
	return n;
}

int s3_loc_open(enum s3_flavor flavor, const struct cairn_uri *uri, const struct cairn_kv *params,
		struct s3_loc **out, cairn_err *err)
{
	struct s3_loc *loc = calloc(1, sizeof *loc);
	const char *host, *v;
	char port[16] = "", *hostpart = NULL;
	int bad = 0;

	*out = NULL;
	if (!loc)
		return cairn_err_set(err, "out of memory");
	pthread_mutex_init(&loc->pool_mu, NULL);
	loc->flavor = flavor;
	loc->section = flavor == S3_FLAVOR_AWS ? "s3" : "minio";
	loc->secure = 1;

	for (const struct cairn_kv *q = uri->query; q && q->key; q++) {
		if (strcmp(q->key, "secure") && strcmp(q->key, "region")) {
			cairn_err_set(err,
				      "unknown parameter \"%s\" in location %s: the known ones are "
				      "secure and region",
				      q->key, uri->raw);
			goto fail;
		}
	}
	if ((v = cairn_kv_get(uri->query, "secure")) != NULL) {
		loc->secure = parse_bool(v);
		if (loc->secure < 0) {
			cairn_err_set(err,
				      "secure in location %s must be true or false, not \"%s\"",
				      uri->raw, v);
			goto fail;
		}
	}

	host = uri->host && *uri->host ? uri->host : NULL;
	if (!host && flavor == S3_FLAVOR_MINIO) {
		cairn_err_set(err,
			      "location %s names no host: write it as minio://HOST:PORT/BUCKET",
			      uri->raw);
		goto fail;
	}
	if (!host)
		host = "s3.amazonaws.com";
	if (uri->port)
		snprintf(port, sizeof port, ":%d", uri->port);
	if (asprintf(&hostpart, strchr(host, ':') ? "[%s]%s" : "%s%s", host, port) < 0) {
		hostpart = NULL;
		goto oom;
	}
	loc->endpoint = hostpart;
	hostpart = NULL;
	if (split_path(loc, uri, err))
		goto fail;

	/* Virtual-host style only where AWS wants it; a dotted bucket name would
	 * not match the *.s3.amazonaws.com certificate, so it stays path-style. */
	loc->virtual_host = flavor == S3_FLAVOR_AWS && ends_with(host, ".amazonaws.com") &&
			    !uri->port && !strchr(loc->bucket, '.');
	if (loc->virtual_host) {
		if (asprintf(&loc->host_header, "%s.%s", loc->bucket, loc->endpoint) < 0)
			loc->host_header = NULL;
	} else {
		loc->host_header = strdup(loc->endpoint);
	}
	if (!loc->host_header || asprintf(&loc->base_url, "%s://%s", loc->secure ? "https" : "http",
					  loc->host_header) < 0) {
		loc->base_url = NULL;
		goto oom;
	}
	size_t plen = strlen(loc->prefix);
	if (asprintf(&loc->display, "%s://%s/%s%s%.*s", uri->scheme, loc->endpoint, loc->bucket,
		     plen ? "/" : "", plen ? (int)plen - 1 : 0, loc->prefix) < 0) {
		loc->display = NULL;
		goto oom;
	}

	/* region= in the location, else what an AWS host name says, else the
	 * ini file's region (for endpoints whose name says nothing), else
	 * us-east-1. */
	if ((v = cairn_kv_get(uri->query, "region")) && *v)
		loc->region = strdup(v);
	else if (!(loc->region = s3_region_from_host(host)))
		loc->region = strdup((v = config(loc, "region")) ? v : "us-east-1");
	if (!loc->region)
		goto oom;

	if ((v = config(loc, "ca_file")) || (v = env("AWS_CA_BUNDLE"))) {
		if (access(v, R_OK) != 0) {
			cairn_err_set(err,
				      "cannot read the CA file \"%s\" (%s): fix ca_file in section "
				      "[%s] of the "
				      "config file or AWS_CA_BUNDLE",
				      v, strerror(errno), loc->section);
			goto fail;
		}
		if (!(loc->ca_file = strdup(v)))
			goto oom;
	}

	loc->max_attempts =
	    1 + (int)config_long(loc, "max_retries", DEFAULT_RETRIES, 0, 20, err, &bad);
	loc->part_concurrency =
	    (int)config_long(loc, "upload_concurrency", DEFAULT_CONCURRENCY, 1, 16, err, &bad);
	loc->stall_seconds =
	    config_long(loc, "stall_timeout", DEFAULT_STALL_SECONDS, 5, 3600, err, &bad);
	if (bad)
		goto fail;

	if (set_credentials(loc, params, err))
		goto fail;
	*out = loc;
	return 0;
oom:
	cairn_err_set(err, "out of memory");
fail:
	free(hostpart);
	s3_loc_free(loc);
	return -1;
}

CURL *s3_handle_get(struct s3_loc *loc)
{
	CURL *h = NULL;
	pthread_mutex_lock(&loc->pool_mu);
	if (loc->npool > 0)
		h = loc->pool[--loc->npool];
	pthread_mutex_unlock(&loc->pool_mu);
	return h ? h : curl_easy_init();
}

void s3_handle_put(struct s3_loc *loc, CURL *h)
{
	if (!h)
		return;
	/* Forget the last request's buffers and callbacks (they point into
	 * stack frames that are gone); connections and caches stay. */
	curl_easy_reset(h);
	pthread_mutex_lock(&loc->pool_mu);
	if (loc->npool < (int)(sizeof loc->pool / sizeof loc->pool[0])) {
		loc->pool[loc->npool++] = h;
		h = NULL;
	}
	pthread_mutex_unlock(&loc->pool_mu);
	if (h)
		curl_easy_cleanup(h);
}

void s3_resp_free(struct s3_resp *r)
{
	free(r->body);
	free(r->code);
	memset(r, 0, sizeof *r);
}

static int add_header(struct curl_slist **l, const char *fmt, ...) CAIRN_PRINTF(2, 3);
static int add_header(struct curl_slist **l, const char *fmt, ...)
{
	char line[2048];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (n < 0 || n >= (int)sizeof line)
		return -1;
	struct curl_slist *nl = curl_slist_append(*l, line);
	if (!nl)
		return -1;
	*l = nl;
	return 0;
}

int s3_setup_handle(struct s3_loc *loc, CURL *h, const struct s3_req *req, struct curl_slist **hdrs,
		    char *errbuf, cairn_err *err)
{
	char *enc_key = NULL, *path = NULL, *query = NULL, *url = NULL;
	char payload[S3_SHA256_HEX_LEN + 1], amz_date[17], auth[1024];
	struct curl_slist *l = NULL;
	int rc = -1, ok = 1;

	*hdrs = NULL;
	if (req->key && !(enc_key = s3_uri_encode(req->key, 1)))
		goto oom;
	if (loc->virtual_host)
		ok = asprintf(&path, "/%s", enc_key ? enc_key : "") >= 0;
	else
		ok = asprintf(&path, "/%s%s%s", loc->bucket, enc_key ? "/" : "",
			      enc_key ? enc_key : "") >= 0;
	if (!ok) {
		path = NULL;
		goto oom;
	}
	if (!(query = s3_canonical_query(req->query, req->nquery)))
		goto oom;
	if (asprintf(&url, "%s%s%s%s", loc->base_url, path, *query ? "?" : "", query) < 0) {
		url = NULL;
		goto oom;
	}

	if (req->body_sha256)
		snprintf(payload, sizeof payload, "%s", req->body_sha256);
	else if (req->body_len)
		s3_sha256_hex(req->body, req->body_len, payload);
	else
		strcpy(payload, S3_EMPTY_SHA256);
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(amz_date, sizeof amz_date, "%Y%m%dT%H%M%SZ", &tm);

	ok &= !add_header(&l, "Host: %s", loc->host_header);
	if (!loc->anonymous) {
		struct s3_header sh[4] = {
		    {"host", loc->host_header},
		    {"x-amz-content-sha256", payload},
		    {"x-amz-date", amz_date},
		    {"x-amz-security-token", loc->session_token},
		};
		struct s3_sign_input in = {
		    .method = req->method,
		    .canonical_uri = path,
		    .canonical_query = query,
		    .headers = sh,
		    .nheaders = loc->session_token ? 4 : 3,
		    .payload_sha256 = payload,
		    .amz_date = amz_date,
		    .region = loc->region,
		    .service = "s3",
		    .access_key = loc->access_key,
		    .secret_key = loc->secret_key,
		};
		if (s3_sigv4_authorization(&in, auth, sizeof auth))
			goto oom;
		ok &= !add_header(&l, "x-amz-content-sha256: %s", payload);
		ok &= !add_header(&l, "x-amz-date: %s", amz_date);
		if (loc->session_token)
			ok &= !add_header(&l, "x-amz-security-token: %s", loc->session_token);
		ok &= !add_header(&l, "Authorization: %s", auth);
		explicit_bzero(auth, sizeof auth);
	}
	if (req->range)
		ok &= !add_header(&l, "Range: %s", req->range);
	if (req->if_match)
		ok &= !add_header(&l, "If-Match: %s", req->if_match);
	/* Our own sizes are small enough that waiting for "100 Continue" only
	 * costs a round trip on every part. */
	ok &= !add_header(&l, "Expect:");
	if (!strcmp(req->method, "POST"))
		ok &= !add_header(&l, "Content-Type: application/xml");
	else if (!strcmp(req->method, "PUT"))
		ok &= !add_header(&l, "Content-Type: application/octet-stream");
	if (!ok)
		goto oom;

	curl_easy_reset(h);
	errbuf[0] = 0;
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, l);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_USERAGENT, "cairn-s3/" CAIRN_S3_VERSION);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 15L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, loc->stall_seconds);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	if (loc->ca_file)
		curl_easy_setopt(h, CURLOPT_CAINFO, loc->ca_file);
	if (!strcmp(req->method, "HEAD"))
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	else if (!strcmp(req->method, "DELETE"))
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "DELETE");
	else if (!strcmp(req->method, "POST")) {
		curl_easy_setopt(h, CURLOPT_POST, 1L);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body ? req->body : "");
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
	} else if (!strcmp(req->method, "PUT")) {
		curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)req->body_len);
	}
	*hdrs = l;
	l = NULL;
	rc = 0;
	goto out;
oom:
	cairn_err_set(err, "out of memory");
out:
	curl_slist_free_all(l);
	free(enc_key);
	free(path);
	free(query);
	free(url);
	return rc;
}

struct xfer {
	const struct s3_req *req;
	struct s3_resp *resp;
	size_t sent; /* bytes of the body handed to curl */
	size_t keep; /* body bytes to keep */
};

static size_t on_read(char *buf, size_t size, size_t n, void *ctx)
{
	struct xfer *x = ctx;
	size_t left = x->req->body_len - x->sent, k = size * n < left ? size * n : left;
	memcpy(buf, (const char *)x->req->body + x->sent, k);
	x->sent += k;
	return k;
}

static int on_seek(void *ctx, curl_off_t off, int origin)
{
	struct xfer *x = ctx;
	if (origin != SEEK_SET || off < 0 || (size_t)off > x->req->body_len)
		return CURL_SEEKFUNC_FAIL;
	x->sent = (size_t)off;
	return CURL_SEEKFUNC_OK;
}

static size_t on_write(char *data, size_t size, size_t n, void *ctx)
{
	struct xfer *x = ctx;
	struct s3_resp *r = x->resp;
	size_t k = size * n;
	if (r->body_len + k > x->keep)
		return k; /* keep the head of a huge answer, drop the rest */
	char *nb = realloc(r->body, r->body_len + k + 1);
	if (!nb)
		return 0;
	memcpy(nb + r->body_len, data, k);
	r->body = nb;
	r->body_len += k;
	r->body[r->body_len] = 0;
	return k;
}

/* Copies a header's value, trimmed, if the line is "name: value". */
static int header_value(const char *line, size_t len, const char *name, char *out, size_t outsz)
{
	size_t n = strlen(name);
	if (len <= n || strncasecmp(line, name, n) || line[n] != ':')
		return 0;
	const char *v = line + n + 1, *end = line + len;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
		end--;
	snprintf(out, outsz, "%.*s", (int)(end - v), v);
	return 1;
}

size_t s3_on_header(char *line, size_t size, size_t n, void *ctx)
{
	struct s3_resp *r = ctx;
	size_t len = size * n;
	char num[32];
	if (len >= 5 && !strncmp(line, "HTTP/", 5)) {
		/* A new response (after "100 Continue" or a retry): forget the old. */
		r->etag[0] = r->content_range[0] = 0;
		r->has_length = 0;
	} else if (header_value(line, len, "ETag", r->etag, sizeof r->etag)) {
	} else if (header_value(line, len, "Content-Range", r->content_range,
				sizeof r->content_range)) {
	} else if (header_value(line, len, "Content-Length", num, sizeof num)) {
		r->content_length = strtoull(num, NULL, 10);
		r->has_length = 1;
	}
	return len;
}

int s3_perform(struct s3_loc *loc, CURL *h, const struct s3_req *req, struct s3_resp *resp,
	       int check_body, const char *what, cairn_err *err)
{
	char errbuf[CURL_ERROR_SIZE];
	char *message = NULL;
	struct curl_slist *hdrs = NULL;
	memset(resp, 0, sizeof *resp);

	for (int attempt = 1;; attempt++) {
		struct xfer x = {req, resp, 0, req->max_response ? req->max_response : (16u << 20)};
		free(resp->body);
		free(resp->code);
		free(message);
		resp->body = resp->code = message = NULL;
		resp->body_len = 0;
		resp->status = 0;

		if (s3_setup_handle(loc, h, req, &hdrs, errbuf, err))
			return -1;
		curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
		curl_easy_setopt(h, CURLOPT_WRITEDATA, &x);
		curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, s3_on_header);
		curl_easy_setopt(h, CURLOPT_HEADERDATA, resp);
		if (!strcmp(req->method, "PUT")) {
			curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
			curl_easy_setopt(h, CURLOPT_READDATA, &x);
			curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, on_seek);
			curl_easy_setopt(h, CURLOPT_SEEKDATA, &x);
		}
		resp->curl_code = curl_easy_perform(h);
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status);
		curl_slist_free_all(hdrs);
		hdrs = NULL;

		int ok = resp->curl_code == CURLE_OK && resp->status >= 200 && resp->status < 300;
		if (!ok || check_body)
			s3_parse_error(resp->body, resp->body_len, &resp->code, &message);
		if (ok && !(check_body && resp->code)) {
			free(message);
			return 0;
		}
		if (attempt >= loc->max_attempts ||
		    !s3_retryable(resp->curl_code, resp->status, resp->code))
			break;
		s3_log(CAIRN_LOG_WARN, "%s: %s; retrying (attempt %d of %d)", what,
		       resp->curl_code != CURLE_OK
			   ? (errbuf[0] ? errbuf : curl_easy_strerror(resp->curl_code))
		       : resp->code ? resp->code
				    : "server error",
		       attempt + 1, loc->max_attempts);
		s3_backoff(attempt);
	}
	s3_describe_failure(loc, what, resp->curl_code, errbuf, resp->status, resp->code, message,
			    err);
	free(message);
	return -1;
}

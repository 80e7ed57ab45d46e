/* azure_client.c — one Azure Blob location and the requests made to it.
 *
 * Locations: azure://ACCOUNT/CONTAINER[/prefix] is
 * https://ACCOUNT.blob.core.windows.net; an authority with a port
 * (azure://127.0.0.1:10000/ACCOUNT/CONTAINER[/prefix]?secure=false) is the
 * endpoint itself and the account is the first path segment, the way
 * Azurite serves it.
 *
 * Credentials, first found wins: the request's accessKey/secretKey (account
 * and key) or its sessionToken (a SAS token); the environment (AZURE_STORAGE_ACCOUNT and
 * AZURE_STORAGE_KEY, AZURE_STORAGE_SAS_TOKEN, AZURE_STORAGE_CONNECTION_STRING);
 * the ini's [azure] account/key/sas/connection_string. Every secret is
 * registered with the host as soon as it is read.
 *
 * Shared Key: HMAC-SHA256 with the decoded account key over the string to
 * sign the Blob service defines (verb, the standard headers in their fixed
 * order, the x-ms-* headers sorted, then the canonicalized resource:
 * /account/path and each query parameter as "\nname:value", sorted). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ctype.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "azure.h"

const struct cairn_host *az_host;

void az_log(int level, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	if (!az_host || !az_host->log)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	az_host->log(level, "storage-azure", "%s", line);
}

static void secret(const char *s)
{
	if (!s || !*s || !az_host || !az_host->add_secret)
		return;
	size_t n = strlen(s);
	az_host->add_secret(s, n);
	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		n--;
	if (n)
		az_host->add_secret(s, n);
}

void az_b64(const unsigned char *in, size_t n, char *out)
{
	EVP_EncodeBlock((unsigned char *)out, in, (int)n);
}

/* Decodes standard base64 (whitespace around it ignored). -1 if invalid. */
static int b64_decode(const char *in, unsigned char *out, size_t outsz, size_t *outlen)
{
	size_t n = strlen(in);
	while (n && isspace((unsigned char)in[n - 1]))
		n--;
	while (n && isspace((unsigned char)*in)) {
		in++;
		n--;
	}
	if (n == 0 || n % 4 || n / 4 * 3 > outsz)
		return -1;
	int len = EVP_DecodeBlock(out, (const unsigned char *)in, (int)n);
	if (len < 0)
		return -1;
	if (in[n - 1] == '=')
		len--;
	if (in[n - 2] == '=')
		len--;
	*outlen = (size_t)len;
	return 0;
}

/* Percent-encodes s (RFC 3986 unreserved kept, '/' kept if keep_slash). */
static char *uri_encode(const char *s, int keep_slash)
{
	size_t n = strlen(s);
	char *out = malloc(n * 3 + 1), *p = out;
	if (!out)
		return NULL;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' ||
		    (keep_slash && c == '/'))
			*p++ = (char)c;
		else
			p += sprintf(p, "%%%02X", c);
	}
	*p = 0;
	return out;
}

static char *xstrdup(const char *s) { return s ? strdup(s) : NULL; }

/* ---- the location ------------------------------------------------------ */

struct creds {
	char *account, *key, *sas, *endpoint; /* malloc'd */
	char *protocol, *suffix;	      /* DefaultEndpointsProtocol, EndpointSuffix */
	const char *src;
};

/* A connection string: "DefaultEndpointsProtocol=http;AccountName=...;
 * AccountKey=...;BlobEndpoint=...;SharedAccessSignature=...". */
static void parse_conn_string(const char *cs, struct creds *c)
{
	char *copy = strdup(cs), *save = NULL;
	if (!copy)
		return;
	for (char *tok = strtok_r(copy, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
		char *eq = strchr(tok, '=');
		if (!eq)
			continue;
		*eq = 0;
		const char *k = tok, *v = eq + 1;
		if (!strcasecmp(k, "AccountName"))
			free(c->account), c->account = strdup(v);
		else if (!strcasecmp(k, "AccountKey"))
			free(c->key), c->key = strdup(v);
		else if (!strcasecmp(k, "SharedAccessSignature"))
			free(c->sas), c->sas = strdup(v);
		else if (!strcasecmp(k, "BlobEndpoint"))
			free(c->endpoint), c->endpoint = strdup(v);
		else if (!strcasecmp(k, "DefaultEndpointsProtocol"))
			free(c->protocol), c->protocol = strdup(v);
		else if (!strcasecmp(k, "EndpointSuffix"))
			free(c->suffix), c->suffix = strdup(v);
	}
	free(copy);
}

static const char *cfg(const char *key)
{
	return az_host && az_host->config_get ? az_host->config_get("azure", key) : NULL;
}

static const char *nonempty(const char *s) { return s && *s ? s : NULL; }

static void find_creds(const struct cairn_kv *params, struct creds *c)
{
	const char *a = nonempty(cairn_kv_get(params, "accessKey"));
	const char *k = nonempty(cairn_kv_get(params, "secretKey")), *s, *cs;
	if (a || k) {
		c->account = xstrdup(a);
		c->key = xstrdup(k);
		c->src = "the request's accessKey/secretKey";
		return;
	}
	/* A SAS token is a temporary credential: the mutation's sessionToken. */
	if ((s = nonempty(cairn_kv_get(params, "sas"))) ||
	    (s = nonempty(cairn_kv_get(params, "sessionToken")))) {
		c->sas = strdup(s);
		c->src = "the request's sessionToken (a SAS token)";
		return;
	}
	if ((k = nonempty(getenv("AZURE_STORAGE_KEY")))) {
		c->account = xstrdup(nonempty(getenv("AZURE_STORAGE_ACCOUNT")));
		c->key = strdup(k);
		c->src = "AZURE_STORAGE_ACCOUNT/AZURE_STORAGE_KEY";
		return;
	}
	if ((s = nonempty(getenv("AZURE_STORAGE_SAS_TOKEN")))) {
		c->sas = strdup(s);
		c->src = "AZURE_STORAGE_SAS_TOKEN";
		return;
	}
	if ((cs = nonempty(getenv("AZURE_STORAGE_CONNECTION_STRING")))) {
		parse_conn_string(cs, c);
		c->src = "AZURE_STORAGE_CONNECTION_STRING";
		return;
	}
	if ((k = nonempty(cfg("key")))) {
		c->account = xstrdup(nonempty(cfg("account")));
		c->key = strdup(k);
		c->src = "the ini's [azure] account/key";
		return;
	}
	if ((s = nonempty(cfg("sas")))) {
		c->sas = strdup(s);
		c->src = "the ini's [azure] sas";
		return;
	}
	if ((cs = nonempty(cfg("connection_string")))) {
		parse_conn_string(cs, c);
		c->src = "the ini's [azure] connection_string";
	}
}

static long cfg_long(const char *key, long def, long lo, long hi)
{
	const char *v = cfg(key);
	char *end;
	if (!v || !*v)
		return def;
	long n = strtol(v, &end, 10);
	return *end || n < lo || n > hi ? def : n;
}

int az_loc_open(const struct cairn_uri *uri, const struct cairn_kv *params, struct az_loc **out,
		cairn_err *err)
{
	struct creds c = {0};
	struct az_loc *loc = calloc(1, sizeof *loc);
	char *path = NULL;
	int rc = -1;
	if (!loc)
		return cairn_err_set(err, "out of memory");
	pthread_mutex_init(&loc->pool_mu, NULL);
	for (const struct cairn_kv *q = uri->query; q && q->key; q++) {
		if (strcmp(q->key, "secure")) {
			char port[16] = "";
			if (uri->port)
				snprintf(port, sizeof port, ":%d", uri->port);
			cairn_err_set(err,
				      "azure://%s%s%s: unknown query parameter \"%s\" (an azure:// "
				      "location takes only secure=false; give a SAS token in "
				      "AZURE_STORAGE_SAS_TOKEN or [azure] sas)",
				      uri->host, port, uri->path, q->key);
			az_loc_free(loc);
			return -1;
		}
	}
	const char *sec = cairn_kv_get(uri->query, "secure");
	loc->secure = !(sec && (!strcmp(sec, "false") || !strcmp(sec, "0")));
	/* Secrets first: nothing below may print them. */
	secret(cairn_kv_get(params, "secretKey"));
	secret(cairn_kv_get(params, "sas"));
	secret(cairn_kv_get(params, "sessionToken"));
	secret(getenv("AZURE_STORAGE_KEY"));
	secret(getenv("AZURE_STORAGE_SAS_TOKEN"));
	secret(getenv("AZURE_STORAGE_CONNECTION_STRING"));
	secret(cfg("key"));
	secret(cfg("sas"));
	secret(cfg("connection_string"));
	const char *anon = cairn_kv_get(params, "anonymous");
	if (!(anon && !strcmp(anon, "true")))
		find_creds(params, &c);
	secret(c.key);
	secret(c.sas);

	/* The path: [/account]/container[/prefix]. */
	if (!(path = strdup(uri->path[0] == '/' ? uri->path + 1 : uri->path)))
		goto oom;
	char *p = path, *seg;
	if (uri->port) {
		seg = strsep(&p, "/");
		if (!seg || !*seg) {
			cairn_err_set(err,
				      "%s names no account: with an endpoint (host:port) write "
				      "azure://host:port/<account>/<container>[/prefix]",
				      uri->raw);
			goto out;
		}
		loc->account = strdup(seg);
		loc->path_base = malloc(strlen(seg) + 2);
		if (loc->path_base)
			sprintf(loc->path_base, "/%s", seg);
		if (asprintf(&loc->base_url, "%s://%s:%d/%s", loc->secure ? "https" : "http",
			     uri->host, uri->port, seg) < 0)
			loc->base_url = NULL;
	} else {
		if (!*uri->host) {
			cairn_err_set(err,
				      "%s names no storage account: write "
				      "azure://<account>/<container>[/prefix]",
				      uri->raw);
			goto out;
		}
		loc->account = strdup(uri->host);
		loc->path_base = strdup("");
		if (c.endpoint && (!c.account || !strcmp(c.account, uri->host))) {
			/* A connection string's BlobEndpoint for this account. */
			size_t n = strlen(c.endpoint);
			while (n && c.endpoint[n - 1] == '/')
				n--;
			loc->base_url = strndup(c.endpoint, n);
			const char *after = strstr(loc->base_url, "://");
			const char *slash = after ? strchr(after + 3, '/') : NULL;
			free(loc->path_base);
			loc->path_base = strdup(slash ? slash : "");
			loc->secure = strncmp(loc->base_url, "http://", 7) != 0;
		} else {
			if (c.protocol && (!c.account || !strcmp(c.account, uri->host)))
				loc->secure = strcasecmp(c.protocol, "http") != 0;
			const char *suffix =
			    c.suffix && (!c.account || !strcmp(c.account, uri->host))
				? c.suffix
				: "core.windows.net";
			if (asprintf(&loc->base_url, "%s://%s.blob.%s",
				     loc->secure ? "https" : "http", uri->host, suffix) < 0)
				loc->base_url = NULL;
		}
	}
	seg = p ? strsep(&p, "/") : NULL;
	if (!seg || !*seg) {
		cairn_err_set(err, "%s names no container: write %s", uri->raw,
			      uri->port ? "azure://host:port/<account>/<container>[/prefix]"
					: "azure://<account>/<container>[/prefix]");
		goto out;
	}
	loc->container = strdup(seg);
	{
		const char *pre = p ? p : "";
		while (*pre == '/')
			pre++;
		size_t n = strlen(pre);
		while (n && pre[n - 1] == '/')
			n--;
		loc->prefix = malloc(n + 2);
		if (loc->prefix) {
			memcpy(loc->prefix, pre, n);
			strcpy(loc->prefix + n, n ? "/" : "");
		}
	}
	if (!loc->account || !loc->path_base || !loc->base_url || !loc->container || !loc->prefix)
		goto oom;
	if (uri->port) {
		if (asprintf(&loc->display, "azure://%s:%d/%s/%s%s%.*s", uri->host, uri->port,
			     loc->account, loc->container, *loc->prefix ? "/" : "",
			     (int)(strlen(loc->prefix) ? strlen(loc->prefix) - 1 : 0),
			     loc->prefix) < 0)
			goto oom;
	} else if (asprintf(&loc->display, "azure://%s/%s%s%.*s", loc->account, loc->container,
			    *loc->prefix ? "/" : "",
			    (int)(strlen(loc->prefix) ? strlen(loc->prefix) - 1 : 0),
			    loc->prefix) < 0) {
		goto oom;
	}

	/* Credentials. */
	loc->cred_src = c.src;
	if (c.key) {
		if (c.account && strcmp(c.account, loc->account)) {
			cairn_err_setc(err, CAIRN_E_AUTH,
				       "the key from %s is for storage account \"%s\" but %s is in "
				       "account \"%s\"; give that account's key",
				       c.src, c.account, loc->display, loc->account);
			goto out;
		}
		if (b64_decode(c.key, loc->key, sizeof loc->key, &loc->keylen) < 0) {
			cairn_err_setc(err, CAIRN_E_AUTH,
				       "the account key from %s is not base64; give the storage "
				       "account's access key as the portal shows it",
				       c.src);
			goto out;
		}
		if (az_host && az_host->add_secret)
			az_host->add_secret(loc->key, loc->keylen);
	} else if (c.sas) {
		const char *s = c.sas[0] == '?' ? c.sas + 1 : c.sas;
		if (!(loc->sas = strdup(s)))
			goto oom;
	}
	loc->ca_file = xstrdup(nonempty(cfg("ca_file")));
	loc->max_attempts = (int)cfg_long("max_attempts", 5, 1, 20);
	loc->blocks_in_flight = (int)cfg_long("blocks_in_flight", 4, 1, 16);
	loc->timeout_seconds = cfg_long("timeout_seconds", 300, 5, 86400);
	snprintf(loc->list_page, sizeof loc->list_page, "%ld",
		 cfg_long("list_page_size", 5000, 1, 5000));
	*out = loc;
	loc = NULL;
	rc = 0;
	goto out;
oom:
	cairn_err_set(err, "out of memory");
out:
	free(path);
	free(c.account);
	free(c.key);
	free(c.sas);
	free(c.endpoint);
	free(c.protocol);
	free(c.suffix);
	if (loc)
		az_loc_free(loc);
	return rc;
}

void az_loc_free(struct az_loc *loc)
{
	if (!loc)
		return;
	for (int i = 0; i < loc->npool; i++)
		curl_easy_cleanup(loc->pool[i]);
	pthread_mutex_destroy(&loc->pool_mu);
	free(loc->display);
	free(loc->base_url);
	free(loc->path_base);
	free(loc->account);
	free(loc->container);
	free(loc->prefix);
	free(loc->ca_file);
	if (loc->sas) {
		explicit_bzero(loc->sas, strlen(loc->sas));
		free(loc->sas);
	}
	explicit_bzero(loc->key, sizeof loc->key);
	free(loc);
}

static CURL *handle_get(struct az_loc *loc)
{
	CURL *h = NULL;
	pthread_mutex_lock(&loc->pool_mu);
	if (loc->npool)
		h = loc->pool[--loc->npool];
	pthread_mutex_unlock(&loc->pool_mu);
	return h ? h : curl_easy_init();
}

static void handle_put(struct az_loc *loc, CURL *h)
{
	if (!h)
		return;
	pthread_mutex_lock(&loc->pool_mu);
	if (loc->npool < (int)(sizeof loc->pool / sizeof loc->pool[0])) {
		loc->pool[loc->npool++] = h;
		h = NULL;
	}
	pthread_mutex_unlock(&loc->pool_mu);
	if (h)
		curl_easy_cleanup(h);
}

/* ---- XML --------------------------------------------------------------- */

static char *xml_decode(const char *s, size_t n)
{
	char *out = malloc(n + 1), *o = out;
	if (!out)
		return NULL;
	for (size_t i = 0; i < n;) {
		if (s[i] != '&') {
			*o++ = s[i++];
			continue;
		}
		static const struct {
			const char *ent;
			char c;
		} ents[] = {{"&amp;", '&'},
			    {"&lt;", '<'},
			    {"&gt;", '>'},
			    {"&quot;", '"'},
			    {"&apos;", '\''}};
		int done = 0;
		for (size_t e = 0; e < sizeof ents / sizeof ents[0] && !done; e++) {
			size_t el = strlen(ents[e].ent);
			if (i + el <= n && !memcmp(s + i, ents[e].ent, el)) {
				*o++ = ents[e].c;
				i += el;
				done = 1;
			}
		}
		if (!done && i + 3 < n && s[i + 1] == '#') {
			char *end;
			unsigned long cp = s[i + 2] == 'x' ? strtoul(s + i + 3, &end, 16)
							   : strtoul(s + i + 2, &end, 10);
			if (end < s + n && *end == ';') {
				if (cp < 0x80) {
					*o++ = (char)cp;
				} else if (cp < 0x800) {
					*o++ = (char)(0xC0 | (cp >> 6));
					*o++ = (char)(0x80 | (cp & 0x3F));
				} else {
					/* Wider code points never fit in fewer bytes than the
					 * entity. */
					*o++ = (char)(0xE0 | (cp >> 12));
					*o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
					*o++ = (char)(0x80 | (cp & 0x3F));
				}
				i = (size_t)(end - s) + 1;
				done = 1;
			}
		}
		if (!done)
			*o++ = s[i++];
	}
	*o = 0;
	return out;
}

const char *az_xml_block(const char *xml, const char *end, const char *tag, const char **inner,
			 const char **inner_end)
{
	size_t tl = strlen(tag);
	for (const char *p = xml; p && p < end; p++) {
		p = memchr(p, '<', (size_t)(end - p));
		if (!p)
			return NULL;
		if ((size_t)(end - p) > tl + 1 && !memcmp(p + 1, tag, tl) &&
		    (p[tl + 1] == '>' || p[tl + 1] == ' ' || p[tl + 1] == '/')) {
			const char *gt = memchr(p, '>', (size_t)(end - p));
			if (!gt)
				return NULL;
			if (gt[-1] == '/') { /* <Tag/> */
				*inner = *inner_end = gt;
				return gt + 1;
			}
			const char *q = gt + 1;
			for (;;) {
				q = memchr(q, '<', (size_t)(end - q));
				if (!q)
					return NULL;
				if ((size_t)(end - q) >= tl + 3 && q[1] == '/' &&
				    !memcmp(q + 2, tag, tl) && q[tl + 2] == '>') {
					*inner = gt + 1;
					*inner_end = q;
					return q + tl + 3;
				}
				q++;
			}
		}
	}
	return NULL;
}

char *az_xml_text(const char *xml, const char *end, const char *tag, const char **next)
{
	const char *in, *in_end;
	const char *after = az_xml_block(xml, end, tag, &in, &in_end);
	if (!after)
		return NULL;
	if (next)
		*next = after;
	return xml_decode(in, (size_t)(in_end - in));
}

/* ---- one request --------------------------------------------------------- */

void az_resp_free(struct az_resp *r)
{
	free(r->body);
	r->body = NULL;
}

static size_t on_body(char *data, size_t size, size_t n, void *ctx)
{
	struct az_resp *r = ctx;
	size_t len = size * n, max = r->max;
	long status = 0;
	if (r->h && curl_easy_getinfo(r->h, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK &&
	    (status < 200 || status >= 300) && max < ((size_t)64 << 10))
		max = (size_t)64 << 10; /* an error's body, whatever the success would hold */
	if (r->len + len > max) {
		r->overflow = 1;
		return 0;
	}
	if (r->len + len + 1 > r->cap) {
		size_t cap = r->cap ? r->cap : 64 << 10;
		while (cap < r->len + len + 1)
			cap *= 2;
		char *b = realloc(r->body, cap);
		if (!b)
			return 0;
		r->body = b;
		r->cap = cap;
	}
	memcpy(r->body + r->len, data, len);
	r->len += len;
	r->body[r->len] = 0;
	return len;
}

static size_t on_header(char *line, size_t size, size_t n, void *ctx)
{
	struct az_resp *r = ctx;
	size_t len = size * n;
	char buf[512];
	size_t l = len < sizeof buf - 1 ? len : sizeof buf - 1;
	memcpy(buf, line, l);
	buf[l] = 0;
	while (l && (buf[l - 1] == '\r' || buf[l - 1] == '\n' || buf[l - 1] == ' '))
		buf[--l] = 0;
	char *colon = strchr(buf, ':');
	if (!strncmp(buf, "HTTP/", 5)) {
		r->has_length = r->has_total = 0;
		r->etag[0] = r->error_code[0] = 0;
		return len;
	}
	if (!colon)
		return len;
	*colon = 0;
	char *v = colon + 1;
	while (*v == ' ')
		v++;
	if (!strcasecmp(buf, "content-length")) {
		r->content_length = strtoull(v, NULL, 10);
		r->has_length = 1;
	} else if (!strcasecmp(buf, "content-range")) {
		const char *slash = strchr(v, '/');
		if (slash && slash[1] != '*') {
			r->total = strtoull(slash + 1, NULL, 10);
			r->has_total = 1;
		}
	} else if (!strcasecmp(buf, "etag")) {
		snprintf(r->etag, sizeof r->etag, "%s", v);
	} else if (!strcasecmp(buf, "x-ms-error-code")) {
		snprintf(r->error_code, sizeof r->error_code, "%s", v);
	}
	return len;
}

static void http_date(char out[40])
{
	static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char *const mons[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	snprintf(out, 40, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday], tm.tm_mday,
		 mons[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* Appends to a growing string; sets *fail on out of memory. */
struct sb {
	char *s;
	size_t len, cap;
	int fail;
};
static void sb_add(struct sb *b, const char *s)
{
	size_t n = strlen(s);
	if (b->fail)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 512;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = realloc(b->s, cap);
		if (!p) {
			b->fail = 1;
			return;
		}
		b->s = p;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n + 1);
	b->len += n;
}

/* Builds the URL and, with a key, the Authorization header, for one
 * attempt (x-ms-date is new each time). */
static int build(struct az_loc *loc, const struct az_req *req, const char *date, struct sb *url,
		 char *auth, size_t authsz)
{
	struct sb path = {0}, query = {0};
	char *enc = NULL;
	int rc = -1;
	sb_add(&path, loc->path_base);
	sb_add(&path, "/");
	if (!(enc = uri_encode(loc->container, 0)))
		goto out;
	sb_add(&path, enc);
	free(enc);
	if (req->blob) {
		sb_add(&path, "/");
		if (!(enc = uri_encode(req->blob, 1)))
			goto out;
		sb_add(&path, enc);
		free(enc);
	}
	enc = NULL;
	for (size_t i = 0; i < req->nquery; i++) {
		sb_add(&query, i ? "&" : "?");
		char *k = uri_encode(req->query[i].key, 0), *v = uri_encode(req->query[i].value, 0);
		if (k && v) {
			sb_add(&query, k);
			sb_add(&query, "=");
			sb_add(&query, v);
		} else {
			query.fail = 1;
		}
		free(k);
		free(v);
	}
	if (loc->sas) {
		sb_add(&query, req->nquery ? "&" : "?");
		sb_add(&query, loc->sas);
	}
	/* base_url already holds path_base: add the rest of the path. */
	sb_add(url, loc->base_url);
	sb_add(url, path.s ? path.s + strlen(loc->path_base) : "");
	sb_add(url, query.s ? query.s : "");
	if (path.fail || query.fail || url->fail)
		goto out;
	auth[0] = 0;
	if (loc->keylen) {
		struct sb s = {0};
		char clen[32] = "", hdr[256];
		if (req->has_body && req->body_len)
			snprintf(clen, sizeof clen, "%zu", req->body_len);
		sb_add(&s, req->method);
		sb_add(&s, "\n\n\n"); /* Content-Encoding, Content-Language */
		sb_add(&s, clen);
		sb_add(&s, "\n\n"); /* Content-MD5 */
		sb_add(&s, req->has_body ? "application/octet-stream" : "");
		sb_add(&s, "\n\n\n"); /* Date, If-Modified-Since */
		sb_add(&s, req->if_match ? req->if_match : "");
		sb_add(&s, "\n\n\n\n"); /* If-None-Match, If-Unmodified-Since, Range */
		/* x-ms-* headers, sorted. */
		if (req->blob_type) {
			snprintf(hdr, sizeof hdr, "x-ms-blob-type:%s\n", req->blob_type);
			sb_add(&s, hdr);
		}
		snprintf(hdr, sizeof hdr, "x-ms-date:%s\n", date);
		sb_add(&s, hdr);
		if (req->x_ms_range) {
			snprintf(hdr, sizeof hdr, "x-ms-range:%s\n", req->x_ms_range);
			sb_add(&s, hdr);
		}
		sb_add(&s, "x-ms-version:" AZ_API_VERSION "\n");
		sb_add(&s, "/");
		sb_add(&s, loc->account);
		sb_add(&s, path.s);
		for (size_t i = 0; i < req->nquery; i++) {
			char lk[64];
			size_t j;
			for (j = 0; req->query[i].key[j] && j < sizeof lk - 1; j++)
				lk[j] = (char)tolower((unsigned char)req->query[i].key[j]);
			lk[j] = 0;
			sb_add(&s, "\n");
			sb_add(&s, lk);
			sb_add(&s, ":");
			sb_add(&s, req->query[i].value);
		}
		if (s.fail) {
			free(s.s);
			goto out;
		}
		unsigned char mac[32];
		unsigned int maclen = 0;
		HMAC(EVP_sha256(), loc->key, (int)loc->keylen, (const unsigned char *)s.s, s.len,
		     mac, &maclen);
		free(s.s);
		char sig[64];
		az_b64(mac, maclen, sig);
		snprintf(auth, authsz, "Authorization: SharedKey %s:%s", loc->account, sig);
	}
	rc = 0;
out:
	free(path.s);
	free(query.s);
	return rc;
}

static int retryable(CURLcode cc, long status)
{
	if (cc != CURLE_OK)
		return cc == CURLE_OPERATION_TIMEDOUT || cc == CURLE_COULDNT_CONNECT ||
		       cc == CURLE_SEND_ERROR || cc == CURLE_RECV_ERROR ||
		       cc == CURLE_GOT_NOTHING || cc == CURLE_PARTIAL_FILE ||
		       cc == CURLE_COULDNT_RESOLVE_HOST || cc == CURLE_HTTP2 ||
		       cc == CURLE_HTTP2_STREAM;
	return status >= 500 || status == 429 || status == 408;
}

static void backoff(int attempt)
{
	unsigned r = 0;
	if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r)
		r = 0;
	long ms = 200L << (attempt < 6 ? attempt - 1 : 5);
	if (ms > 5000)
		ms = 5000;
	ms = ms / 2 + (long)(r % (unsigned)(ms / 2 + 1));
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* A failed answer as a sentence with a code. */
static void describe(struct az_loc *loc, const char *what, struct az_resp *r, const char *curl_msg,
		     cairn_err *err)
{
	char *msg = NULL;
	if (r->body && r->len && !r->error_code[0]) {
		char *code = az_xml_text(r->body, r->body + r->len, "Code", NULL);
		if (code) {
			snprintf(r->error_code, sizeof r->error_code, "%s", code);
			free(code);
		}
	}
	if (r->body && r->len)
		msg = az_xml_text(r->body, r->body + r->len, "Message", NULL);
	if (msg) { /* the service's message: first line only (it adds a RequestId) */
		char *nl = strpbrk(msg, "\r\n");
		if (nl)
			*nl = 0;
	}
	const char *code = r->error_code;
	if (r->curl_code != CURLE_OK) {
		cairn_err_setc(
		    err,
		    r->curl_code == CURLE_OPERATION_TIMEDOUT || retryable(r->curl_code, 0)
			? CAIRN_E_TRANSIENT
			: CAIRN_E_OTHER,
		    "%s: %s (after %d tries); check that the endpoint is reachable%s", what,
		    curl_msg && *curl_msg ? curl_msg : curl_easy_strerror(r->curl_code),
		    loc->max_attempts,
		    loc->secure ? " and speaks https (add ?secure=false for plain http)" : "");
	} else if ((r->status == 401 || r->status == 403) && !loc->keylen && !loc->sas) {
		cairn_err_setc(
		    err, CAIRN_E_AUTH,
		    "%s: the request needs credentials (HTTP %ld%s%s): set "
		    "AZURE_STORAGE_ACCOUNT and AZURE_STORAGE_KEY, AZURE_STORAGE_SAS_TOKEN or "
		    "AZURE_STORAGE_CONNECTION_STRING, or [azure] in the ini",
		    what, r->status, *code ? " " : "", code);
	} else if (r->status == 403 && (!strcmp(code, "AuthenticationFailed") ||
					/* Azurite's answer to a bad signature */
					(!strcmp(code, "AuthorizationFailure") && msg &&
					 strstr(msg, "failed to authenticate")))) {
		cairn_err_setc(err, CAIRN_E_AUTH,
			       "%s: the storage account refused the request's signature (HTTP 403 "
			       "%s): the %s from %s is wrong for account \"%s\"; give a valid one",
			       what, code, loc->sas ? "SAS token" : "account key",
			       loc->cred_src ? loc->cred_src : "nowhere", loc->account);
	} else if (r->status == 401) {
		cairn_err_setc(err, CAIRN_E_AUTH,
			       "%s: the credentials from %s were refused (HTTP 401%s%s)", what,
			       loc->cred_src ? loc->cred_src : "nowhere", *code ? " " : "", code);
	} else if (r->status == 404 && !strcmp(code, "ContainerNotFound")) {
		cairn_err_setc(err, CAIRN_E_NOTFOUND,
			       "%s: container \"%s\" does not exist in storage account \"%s\"; "
			       "create it first",
			       what, loc->container, loc->account);
	} else if (r->status == 404) {
		cairn_err_setc(err, CAIRN_E_NOTFOUND, "%s: no such blob (HTTP 404%s%s)", what,
			       *code ? " " : "", code);
	} else if (r->status == 403) {
		cairn_err_setc(
		    err, CAIRN_E_PERMISSION,
		    "%s: access denied (HTTP 403%s%s%s%s); the credentials from %s may not "
		    "do this in container \"%s\"",
		    what, *code ? " " : "", code, msg ? ": " : "", msg ? msg : "",
		    loc->cred_src ? loc->cred_src : "nowhere (anonymous)", loc->container);
	} else {
		cairn_err_setc(err,
			       retryable(CURLE_OK, r->status) ? CAIRN_E_TRANSIENT : CAIRN_E_OTHER,
			       "%s: HTTP %ld%s%s%s%s%s", what, r->status, *code ? " " : "", code,
			       msg ? ": " : "", msg ? msg : "",
			       retryable(CURLE_OK, r->status) ? " (retried; try again later)" : "");
	}
	free(msg);
}

int az_perform(struct az_loc *loc, const struct az_req *req, struct az_resp *resp, const char *what,
	       cairn_err *err)
{
	CURL *h = handle_get(loc);
	char curl_msg[CURL_ERROR_SIZE];
	int rc = -1;
	memset(resp, 0, sizeof *resp);
	if (!h)
		return cairn_err_set(err, "%s: cannot create a curl handle", what);
	for (int attempt = 1;; attempt++) {
		char date[40], auth[256], hdr[300];
		struct sb url = {0};
		struct curl_slist *hdrs = NULL;
		free(resp->body);
		memset(resp, 0, sizeof *resp);
		resp->max = req->max_response ? req->max_response : (size_t)16 << 20;
		resp->h = h;
		http_date(date);
		if (build(loc, req, date, &url, auth, sizeof auth) < 0) {
			free(url.s);
			curl_easy_reset(h);
			handle_put(loc, h);
			return cairn_err_set(err, "out of memory");
		}
		curl_easy_reset(h);
		curl_msg[0] = 0;
		curl_easy_setopt(h, CURLOPT_URL, url.s);
		curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(h, CURLOPT_ERRORBUFFER, curl_msg);
		curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 15L);
		curl_easy_setopt(h, CURLOPT_TIMEOUT, loc->timeout_seconds);
		/* A transfer that moves nothing for 60 s is dead. */
		curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
		curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 60L);
		curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
		if (loc->ca_file)
			curl_easy_setopt(h, CURLOPT_CAINFO, loc->ca_file);
		curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
		curl_easy_setopt(h, CURLOPT_WRITEDATA, resp);
		curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
		curl_easy_setopt(h, CURLOPT_HEADERDATA, resp);
		if (!strcmp(req->method, "HEAD"))
			curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
		else if (strcmp(req->method, "GET"))
			curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req->method);
		if (req->has_body) {
			curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body ? req->body : "");
			curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
			hdrs = curl_slist_append(hdrs, "Content-Type: application/octet-stream");
		}
		hdrs = curl_slist_append(hdrs, "Expect:");
		snprintf(hdr, sizeof hdr, "x-ms-date: %s", date);
		hdrs = curl_slist_append(hdrs, hdr);
		hdrs = curl_slist_append(hdrs, "x-ms-version: " AZ_API_VERSION);
		if (req->blob_type) {
			snprintf(hdr, sizeof hdr, "x-ms-blob-type: %s", req->blob_type);
			hdrs = curl_slist_append(hdrs, hdr);
		}
		if (req->x_ms_range) {
			snprintf(hdr, sizeof hdr, "x-ms-range: %s", req->x_ms_range);
			hdrs = curl_slist_append(hdrs, hdr);
		}
		if (req->if_match) {
			snprintf(hdr, sizeof hdr, "If-Match: %s", req->if_match);
			hdrs = curl_slist_append(hdrs, hdr);
		}
		if (auth[0])
			hdrs = curl_slist_append(hdrs, auth);
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
		resp->curl_code = curl_easy_perform(h);
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status);
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
		curl_slist_free_all(hdrs);
		explicit_bzero(auth, sizeof auth);
		if (url.s && loc->sas)
			explicit_bzero(url.s, url.len);
		free(url.s);
		if (resp->curl_code == CURLE_WRITE_ERROR && resp->overflow) {
			cairn_err_set(err, "%s: the answer is larger than the %zu bytes expected",
				      what, resp->max);
			break;
		}
		if (resp->curl_code == CURLE_OK && resp->status >= 200 && resp->status < 300) {
			rc = 0;
			break;
		}
		if (attempt < loc->max_attempts && retryable(resp->curl_code, resp->status)) {
			az_log(CAIRN_LOG_DEBUG,
			       "%s: attempt %d failed (curl %d, HTTP %ld); retrying", what, attempt,
			       (int)resp->curl_code, resp->status);
			backoff(attempt);
			continue;
		}
		describe(loc, what, resp, curl_msg, err);
		break;
	}
	curl_easy_reset(h);
	handle_put(loc, h);
	return rc;
}

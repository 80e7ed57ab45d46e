/* storage_gcs.c — gs://<bucket>[/prefix] on Google Cloud Storage's JSON API.
 *
 * Writes stream through a resumable upload: chunks of a multiple of 256 KiB
 * are PUT to the session as they fill (a Content-Range with the total unknown, 308 Resume
 * Incomplete), the last one with the total size, so memory stays one chunk
 * per writer and the object appears only when the final chunk lands. An
 * object smaller than a chunk is one media upload at commit. Abort deletes
 * the session. Reads are ranged media GETs of a block at a time, pinned to
 * the generation the first block came from, so an object replaced while it
 * is read fails instead of mixing two versions.
 *
 * The endpoint is https://storage.googleapis.com unless ?endpoint=URL, env
 * STORAGE_EMULATOR_HOST (as Google's own clients read it) or [gcs] endpoint
 * says otherwise. Credentials: GOOGLE_APPLICATION_CREDENTIALS or [gcs]
 * credentials_file (gcs_auth.c); anonymous=true sends none. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gcs.h"

#define PLUGIN_NAME "storage-gcs"
#define GCS_ENDPOINT "https://storage.googleapis.com"
#define CHUNK_QUANTUM (256u * 1024)
#define CHUNK_DEFAULT (8u * 1024 * 1024)
#define READ_BLOCK (8u * 1024 * 1024)
#define LIST_PAGE 1000

struct cairn_storage {
	struct gcs_ctx c; /* first: what gcs_http.c and gcs_auth.c see */
	char *endpoint;	  /* no trailing '/' */
	char *bucket;
	char *prefix; /* "" or "a/b/" */
	size_t chunk;
};

struct cairn_writer {
	struct cairn_storage *st;
	char *name; /* full object name */
	char *buf;
	size_t len;
	uint64_t sent; /* bytes the session has persisted */
	char *session;
};

struct cairn_reader {
	struct cairn_storage *st;
	char *name;
	uint64_t pos, end; /* end: UINT64_MAX until known */
	char generation[32];
	char *buf;
	size_t len, off;
	int started;
};

static const char *cfg(const char *key)
{
	return gcs_host && gcs_host->config_get ? gcs_host->config_get("gcs", key) : NULL;
}

/* Percent-encodes everything but RFC 3986's unreserved characters, as the
 * JSON API wants an object name in a path segment ('/' too). */
static char *pct(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	char *out = malloc(3 * strlen(s) + 1), *o = out;
	if (!out)
		return NULL;
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' || ch == '_' || ch == '~') {
			*o++ = (char)ch;
		} else {
			*o++ = '%';
			*o++ = hex[ch >> 4];
			*o++ = hex[ch & 15];
		}
	}
	*o = 0;
	return out;
}

static char *xprintf(const char *fmt, ...) CAIRN_PRINTF(1, 2);
static char *xprintf(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

static int check_name(const char *name, cairn_err *err)
{
	const char *p = name;
	if (!name || !*name || *name == '/')
		return cairn_err_set(err, "object name \"%s\" is not a relative path",
				     name ? name : "");
	while (*p) {
		size_t n = strcspn(p, "/");
		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return cairn_err_set(err, "object name \"%s\" has an empty, . or .. part",
					     name);
		p += n;
		if (*p)
			p++;
	}
	return 0;
}

/* The message of Google's JSON error body ({"error":{"message":...}}). */
static void error_message(const struct gcs_resp *r, char *out, size_t cap)
{
	cJSON *j = r->body ? cJSON_ParseWithLength(r->body, r->len) : NULL;
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(j, "error"), *m;
	m = cJSON_IsObject(e) ? cJSON_GetObjectItemCaseSensitive(e, "message") : NULL;
	snprintf(out, cap, "%s", cJSON_IsString(m) ? m->valuestring : "");
	gcs_printable(out);
	cJSON_Delete(j);
}

static int bucket_missing(const struct gcs_resp *r)
{
	char m[256];
	error_message(r, m, sizeof m);
	return strcasestr(m, "bucket") != NULL && strcasestr(m, "no such object") == NULL;
}

/* One sentence and code for a JSON API answer that is not a success. */
static int status_err(struct cairn_storage *st, const struct gcs_resp *r, const char *what,
		      const char *name, cairn_err *err)
{
	char m[300];
	const char *who = st->c.auth.email ? st->c.auth.email : "anonymous requests";
	error_message(r, m, sizeof m);
	switch (r->status) {
	case 401:
		return cairn_err_setc(
		    err, CAIRN_E_AUTH,
		    "google cloud storage did not accept the credentials of %s to "
		    "%s gs://%s/%s (401 %s); check GOOGLE_APPLICATION_CREDENTIALS "
		    "or [gcs] credentials_file",
		    who, what, st->bucket, name, m);
	case 403:
		return cairn_err_setc(err, CAIRN_E_PERMISSION,
				      "%s may not %s gs://%s/%s (403 %s); grant it a role with "
				      "storage.objects permissions on bucket %s",
				      who, what, st->bucket, name, m, st->bucket);
	case 404:
		if (bucket_missing(r))
			return cairn_err_setc(
			    err, CAIRN_E_NOTFOUND,
			    "bucket %s does not exist (404 %s); create it or fix the "
			    "location gs://%s",
			    st->bucket, m, st->bucket);
		return cairn_err_setc(err, CAIRN_E_NOTFOUND, "no object gs://%s/%s", st->bucket,
				      name);
	default:
		return cairn_err_setc(err,
				      r->status == 408 || r->status == 429 || r->status >= 500
					  ? CAIRN_E_TRANSIENT
					  : CAIRN_E_OTHER,
				      "cannot %s gs://%s/%s: google cloud storage answered %ld%s%s",
				      what, st->bucket, name, r->status, m[0] ? " " : "", m);
	}
}

static char *object_url(struct cairn_storage *st, const char *full, const char *suffix)
{
	char *b = pct(st->bucket), *o = pct(full), *u = NULL;
	if (b && o)
		u = xprintf("%s/storage/v1/b/%s/o/%s%s", st->endpoint, b, o, suffix);
	free(b);
	free(o);
	return u;
}

static char *full_name(struct cairn_storage *st, const char *name)
{
	return xprintf("%s%s", st->prefix, name);
}

/* gcs_call, naming the object when it fails. */
static int call(struct cairn_storage *st, const struct gcs_req *q, struct gcs_resp *r,
		const char *what, const char *name, cairn_err *err)
{
	if (gcs_call(&st->c, q, r, err) == 0)
		return 0;
	cairn_err_prefix(err, "cannot %s gs://%s/%s", what, st->bucket, name);
	return -1;
}

/* ---- open and close ---- */

static void gcs_close(struct cairn_storage *st)
{
	if (!st)
		return;
	for (int i = 0; i < st->c.npool; i++)
		curl_easy_cleanup(st->c.pool[i]);
	gcs_auth_clear(&st->c.auth);
	pthread_mutex_destroy(&st->c.auth.mu);
	pthread_mutex_destroy(&st->c.pool_mu);
	free(st->c.ca_file);
	free(st->endpoint);
	free(st->bucket);
	free(st->prefix);
	free(st);
}

static long cfg_long(const char *key, long dflt, long lo, long hi)
{
	const char *v = cfg(key);
	char *end;
	long n;
	if (!v)
		return dflt;
	n = strtol(v, &end, 10);
	return *end || n < lo || n > hi ? dflt : n;
}

static int gcs_open(const struct cairn_uri *uri, const struct cairn_kv *params,
		    struct cairn_storage **out, cairn_err *err)
{
	struct cairn_storage *st = calloc(1, sizeof *st);
	const char *ep = cairn_kv_get(uri->query, "endpoint"), *creds, *anon;
	const char *path = uri->path;
	size_t plen;
	if (!st)
		return cairn_err_set(err, "out of memory");
	pthread_mutex_init(&st->c.auth.mu, NULL);
	pthread_mutex_init(&st->c.pool_mu, NULL);
	st->c.timeout = cfg_long("request_timeout", 300, 1, 86400);
	st->c.stall = cfg_long("stall_timeout", 60, 1, 3600);
	st->c.retries = (int)cfg_long("max_retries", 5, 0, 100);
	st->chunk = (size_t)cfg_long("chunk_mb", CHUNK_DEFAULT >> 20, 1, 1024) << 20;
	if (!uri->host || !uri->host[0] || uri->port) {
		cairn_err_set(
		    err,
		    "%s names no bucket; write gs://<bucket>[/prefix] (for a test server: "
		    "gs://<bucket>?endpoint=http://host:port)",
		    uri->raw);
		goto fail;
	}
	for (const struct cairn_kv *kv = uri->query; kv && kv->key; kv++)
		if (strcmp(kv->key, "endpoint") != 0 && strcmp(kv->key, "anonymous") != 0) {
			cairn_err_set(
			    err,
			    "%s: unknown parameter \"%s\" (a gs:// location takes endpoint "
			    "and anonymous)",
			    uri->raw, kv->key);
			goto fail;
		}
	st->bucket = strdup(uri->host);
	while (*path == '/')
		path++;
	plen = strlen(path);
	while (plen && path[plen - 1] == '/')
		plen--;
	st->prefix = plen ? xprintf("%.*s/", (int)plen, path) : strdup("");
	if (!ep)
		ep = getenv("STORAGE_EMULATOR_HOST");
	if (!ep || !*ep)
		ep = cfg("endpoint");
	if (!ep || !*ep)
		ep = GCS_ENDPOINT;
	st->endpoint = strstr(ep, "://") ? strdup(ep) : xprintf("http://%s", ep);
	if (!st->bucket || !st->prefix || !st->endpoint) {
		cairn_err_set(err, "out of memory");
		goto fail;
	}
	for (size_t n = strlen(st->endpoint); n && st->endpoint[n - 1] == '/'; n--)
		st->endpoint[n - 1] = 0;
	if (cfg("ca_file"))
		st->c.ca_file = strdup(cfg("ca_file"));

	anon = cairn_kv_get(params, "anonymous");
	if (!anon)
		anon = cairn_kv_get(uri->query, "anonymous");
	if (anon && !strcasecmp(anon, "true")) {
		*out = st;
		return 0;
	}
	creds = getenv("GOOGLE_APPLICATION_CREDENTIALS");
	if (!creds || !*creds)
		creds = cfg("credentials_file");
	if (!creds || !*creds) {
		cairn_err_setc(err, CAIRN_E_AUTH,
			       "no google service-account key for %s: set "
			       "GOOGLE_APPLICATION_CREDENTIALS (or [gcs] credentials_file) to the "
			       "key's json file, or anonymous=true for a public bucket",
			       uri->raw);
		goto fail;
	}
	if (gcs_auth_load(&st->c.auth, creds, err) < 0)
		goto fail;
	*out = st;
	return 0;
fail:
	gcs_close(st);
	return -1;
}

/* ---- stat, remove, list ---- */

static int gcs_stat(struct cairn_storage *st, const char *name, int *exists, uint64_t *size,
		    cairn_err *err)
{
	char *full = NULL, *url = NULL;
	struct gcs_resp r = {0};
	struct gcs_req q = {.method = "GET", .auth = 1};
	cJSON *j = NULL;
	const cJSON *sz;
	int rc = -1;
	*exists = 0;
	if (check_name(name, err) < 0)
		return -1;
	full = full_name(st, name);
	url = full ? object_url(st, full, "?fields=name%2Csize") : NULL;
	if (!url) {
		cairn_err_set(err, "out of memory");
		goto out;
	}
	q.url = url;
	if (call(st, &q, &r, "stat", full, err) < 0)
		goto out;
	if (r.status == 404 && !bucket_missing(&r)) {
		rc = 0;
		goto out;
	}
	if (r.status != 200) {
		status_err(st, &r, "stat", full, err);
		goto out;
	}
	j = cJSON_ParseWithLength(r.body ? r.body : "", r.len);
	sz = cJSON_GetObjectItemCaseSensitive(j, "size");
	if (!cJSON_IsString(sz)) {
		cairn_err_set(err, "gs://%s/%s: the object's metadata has no size", st->bucket,
			      full);
		goto out;
	}
	*size = strtoull(sz->valuestring, NULL, 10);
	*exists = 1;
	rc = 0;
out:
	cJSON_Delete(j);
	gcs_resp_free(&r);
	free(url);
	free(full);
	return rc;
}

static int gcs_remove(struct cairn_storage *st, const char *name, cairn_err *err)
{
	char *full = NULL, *url = NULL;
	struct gcs_resp r = {0};
	struct gcs_req q = {.method = "DELETE", .auth = 1};
	int rc = -1;
	if (check_name(name, err) < 0)
		return -1;
	full = full_name(st, name);
	url = full ? object_url(st, full, "") : NULL;
	if (!url) {
		cairn_err_set(err, "out of memory");
		goto out;
	}
	q.url = url;
	if (call(st, &q, &r, "remove", full, err) < 0)
		goto out;
	if (r.status == 204 || r.status == 200 || (r.status == 404 && !bucket_missing(&r)))
		rc = 0;
	else
		status_err(st, &r, "remove", full, err);
out:
	gcs_resp_free(&r);
	free(url);
	free(full);
	return rc;
}

static int gcs_list(struct cairn_storage *st, const char *prefix, cairn_list_cb cb, void *ctx,
		    cairn_err *err)
{
	char *full = full_name(st, prefix ? prefix : ""), *b = pct(st->bucket),
	     *p = full ? pct(full) : NULL, *page = NULL, *url = NULL;
	size_t skip = strlen(st->prefix);
	int rc = -1;
	if (!full || !b || !p) {
		cairn_err_set(err, "out of memory");
		goto out;
	}
	for (;;) {
		struct gcs_resp r = {0};
		struct gcs_req q = {.method = "GET", .auth = 1};
		cJSON *j, *items, *it, *next;
		int stop = 0;
		free(url);
		url = xprintf(
		    "%s/storage/v1/b/%s/o?prefix=%s&maxResults=%d&fields=items(name%%2Csize)"
		    "%%2CnextPageToken%s%s",
		    st->endpoint, b, p, LIST_PAGE, page ? "&pageToken=" : "", page ? page : "");
		if (!url) {
			cairn_err_set(err, "out of memory");
			goto out;
		}
		q.url = url;
		if (call(st, &q, &r, "list", full, err) < 0)
			goto out;
		if (r.status != 200) {
			status_err(st, &r, "list", full, err);
			gcs_resp_free(&r);
			goto out;
		}
		j = cJSON_ParseWithLength(r.body ? r.body : "", r.len);
		gcs_resp_free(&r);
		if (!j) {
			cairn_err_set(err,
				      "cannot list gs://%s/%s: the answer is not json; check the "
				      "endpoint",
				      st->bucket, full);
			goto out;
		}
		items = cJSON_GetObjectItemCaseSensitive(j, "items");
		cJSON_ArrayForEach(it, items)
		{
			const cJSON *n = cJSON_GetObjectItemCaseSensitive(it, "name");
			const cJSON *s = cJSON_GetObjectItemCaseSensitive(it, "size");
			int v;
			if (!cJSON_IsString(n) || !cJSON_IsString(s) ||
			    strncmp(n->valuestring, st->prefix, skip) != 0 || !n->valuestring[skip])
				continue;
			v = cb(ctx, n->valuestring + skip, strtoull(s->valuestring, NULL, 10), err);
			if (v < 0) {
				cJSON_Delete(j);
				goto out;
			}
			if (v > 0) {
				stop = 1;
				break;
			}
		}
		next = cJSON_GetObjectItemCaseSensitive(j, "nextPageToken");
		free(page);
		page = !stop && cJSON_IsString(next) && next->valuestring[0]
			   ? pct(next->valuestring)
			   : NULL;
		cJSON_Delete(j);
		if (!page) {
			rc = 0;
			goto out;
		}
	}
out:
	free(url);
	free(page);
	free(p);
	free(b);
	free(full);
	return rc;
}

/* ---- writing: a resumable upload session ---- */

static int gcs_write_open(struct cairn_storage *st, const char *name, struct cairn_writer **out,
			  cairn_err *err)
{
	struct cairn_writer *w;
	if (check_name(name, err) < 0)
		return -1;
	w = calloc(1, sizeof *w);
	if (!w || !(w->name = full_name(st, name)) || !(w->buf = malloc(st->chunk))) {
		if (w)
			free(w->name);
		free(w);
		return cairn_err_set(err, "out of memory");
	}
	w->st = st;
	*out = w;
	return 0;
}

static void writer_free(struct cairn_writer *w)
{
	free(w->session);
	free(w->buf);
	free(w->name);
	free(w);
}

static int start_session(struct cairn_writer *w, cairn_err *err)
{
	struct cairn_storage *st = w->st;
	char *b = pct(st->bucket), *o = pct(w->name), *url = NULL;
	struct gcs_resp r = {0};
	struct gcs_req q = {.method = "POST", .auth = 1, .content_type = "application/json"};
	char body[] = "{}";
	int rc = -1;
	url = b && o ? xprintf("%s/upload/storage/v1/b/%s/o?uploadType=resumable&name=%s",
			       st->endpoint, b, o)
		     : NULL;
	if (!url) {
		cairn_err_set(err, "out of memory");
		goto out;
	}
	q.url = url;
	q.body = body;
	q.body_len = 2;
	if (call(st, &q, &r, "write", w->name, err) < 0)
		goto out;
	if (r.status != 200 && r.status != 201) {
		status_err(st, &r, "write", w->name, err);
		goto out;
	}
	if (!r.location[0]) {
		cairn_err_set(err,
			      "cannot write gs://%s/%s: the resumable upload answer has no "
			      "Location; check the endpoint",
			      st->bucket, w->name);
		goto out;
	}
	w->session = strdup(r.location);
	rc = w->session ? 0 : cairn_err_set(err, "out of memory");
out:
	gcs_resp_free(&r);
	free(url);
	free(b);
	free(o);
	return rc;
}

/* What the session has persisted, from a 308's Range ("bytes=0-N"). */
static uint64_t persisted(const struct gcs_resp *r)
{
	const char *d = strchr(r->range, '-');
	return r->range[0] && d ? strtoull(d + 1, NULL, 10) + 1 : 0;
}

/* PUTs buf[0..len) at offset w->sent; final gives the total. On a lost
 * answer or a 5xx it asks the session what it has (Content-Range bytes
 * * / *) and sends the rest, as Google's resumable protocol describes. */
static int put_chunk(struct cairn_writer *w, int final, cairn_err *err)
{
	struct cairn_storage *st = w->st;
	uint64_t start = w->sent, total = w->sent + w->len;
	for (int attempt = 1;; attempt++) {
		struct gcs_resp r = {0};
		struct gcs_req q = {.method = "PUT", .url = w->session, .auth = 1};
		char cr[128];
		size_t off = (size_t)(w->sent - start);
		int got;
		if (off == w->len)
			snprintf(cr, sizeof cr, "bytes */%llu", (unsigned long long)total);
		else if (final)
			snprintf(cr, sizeof cr, "bytes %llu-%llu/%llu", (unsigned long long)w->sent,
				 (unsigned long long)(total - 1), (unsigned long long)total);
		else
			snprintf(cr, sizeof cr, "bytes %llu-%llu/*", (unsigned long long)w->sent,
				 (unsigned long long)(total - 1));
		q.content_range = cr;
		q.body = w->buf + off;
		q.body_len = w->len - off;
		q.content_type = "application/octet-stream";
		got = gcs_call(&st->c, &q, &r, err);
		if (got == 0 && final && (r.status == 200 || r.status == 201)) {
			gcs_resp_free(&r);
			w->sent = total;
			w->len = 0;
			return 0;
		}
		if (got == 0 && r.status == 308) {
			uint64_t have = persisted(&r);
			gcs_resp_free(&r);
			if (have >= total && !final) {
				w->sent = total;
				w->len = 0;
				return 0;
			}
			if (have < start || have > total)
				return cairn_err_set(
				    err,
				    "cannot write gs://%s/%s: the upload session "
				    "has %llu bytes where %llu..%llu were expected",
				    st->bucket, w->name, (unsigned long long)have,
				    (unsigned long long)start, (unsigned long long)total);
			if (have > w->sent)
				attempt = 0; /* progress: a fresh set of attempts */
			w->sent = have;
		} else if (got == 0 && r.status != 408 && r.status != 429 && r.status < 500) {
			status_err(st, &r, "write", w->name, err);
			gcs_resp_free(&r);
			return -1;
		} else {
			/* Lost or refused for now: ask the session what it has. */
			struct gcs_req s = {.method = "PUT", .url = w->session, .auth = 1};
			struct gcs_resp sr = {0};
			gcs_resp_free(&r);
			if (got < 0 && err && err->code != CAIRN_E_TRANSIENT)
				return -1; /* no token, say: trying again will not help */
			if (attempt > st->c.retries)
				return got < 0
					   ? -1
					   : cairn_err_setc(err, CAIRN_E_TRANSIENT,
							    "cannot write gs://%s/%s: the upload "
							    "kept failing; try again later",
							    st->bucket, w->name);
			gcs_backoff(attempt);
			s.content_range = "bytes */*";
			if (gcs_call(&st->c, &s, &sr, err) == 0 && sr.status == 308) {
				uint64_t have = persisted(&sr);
				if (have >= start && have <= total)
					w->sent = have;
			} else if (sr.status == 200 || sr.status == 201) {
				gcs_resp_free(&sr);
				w->sent = total;
				w->len = 0;
				return 0;
			}
			gcs_resp_free(&sr);
		}
	}
}

static int gcs_write(struct cairn_writer *w, const void *buf, size_t len, cairn_err *err)
{
	const char *p = buf;
	while (len) {
		size_t room = w->st->chunk - w->len, n = len < room ? len : room;
		if (room == 0) {
			/* A full chunk and more to come: it is not the last one. */
			if ((!w->session && start_session(w, err) < 0) || put_chunk(w, 0, err) < 0)
				return -1;
			continue;
		}
		memcpy(w->buf + w->len, p, n);
		w->len += n;
		p += n;
		len -= n;
	}
	return 0;
}

static int simple_upload(struct cairn_writer *w, cairn_err *err)
{
	struct cairn_storage *st = w->st;
	char *b = pct(st->bucket), *o = pct(w->name), *url = NULL;
	struct gcs_resp r = {0};
	struct gcs_req q = {
	    .method = "POST", .auth = 1, .content_type = "application/octet-stream"};
	int rc = -1;
	url = b && o ? xprintf("%s/upload/storage/v1/b/%s/o?uploadType=media&name=%s", st->endpoint,
			       b, o)
		     : NULL;
	if (!url) {
		cairn_err_set(err, "out of memory");
		goto out;
	}
	q.url = url;
	q.body = w->buf;
	q.body_len = w->len;
	if (call(st, &q, &r, "write", w->name, err) < 0)
		goto out;
	if (r.status != 200 && r.status != 201)
		status_err(st, &r, "write", w->name, err);
	else
		rc = 0;
out:
	gcs_resp_free(&r);
	free(url);
	free(b);
	free(o);
	return rc;
}

static void cancel_session(struct cairn_writer *w)
{
	struct gcs_resp r = {0};
	struct gcs_req q = {.method = "DELETE", .url = w->session, .auth = 1, .timeout = 60};
	cairn_err e = {{0}, 0};
	/* Google answers 499 to a cancelled session. */
	if (gcs_call(&w->st->c, &q, &r, &e) < 0 && gcs_host && gcs_host->log)
		gcs_host->log(CAIRN_LOG_WARN, PLUGIN_NAME,
			      "cannot cancel the upload of gs://%s/%s (%s); google drops an "
			      "unfinished session after a week",
			      w->st->bucket, w->name, e.msg);
	gcs_resp_free(&r);
}

static int gcs_write_commit(struct cairn_writer *w, cairn_err *err)
{
	int rc = w->session ? put_chunk(w, 1, err) : simple_upload(w, err);
	if (rc < 0 && w->session)
		cancel_session(w);
	writer_free(w);
	return rc;
}

static void gcs_write_abort(struct cairn_writer *w)
{
	if (w->session)
		cancel_session(w);
	writer_free(w);
}

/* ---- reading: ranged media GETs ---- */

static int fetch_block(struct cairn_reader *rd, cairn_err *err)
{
	struct cairn_storage *st = rd->st;
	uint64_t want = rd->end == UINT64_MAX ? READ_BLOCK : rd->end - rd->pos;
	struct gcs_resp r = {0};
	struct gcs_req q = {.method = "GET", .auth = 1};
	char range[96], suffix[96], *url;
	int rc = -1;
	if (want > READ_BLOCK)
		want = READ_BLOCK;
	free(rd->buf); /* read to its end: one block held at a time, not two */
	rd->buf = NULL;
	rd->len = rd->off = 0;
	if (rd->pos >= rd->end || want == 0) {
		rd->end = rd->pos;
		return 0;
	}
	snprintf(range, sizeof range, "bytes=%llu-%llu", (unsigned long long)rd->pos,
		 (unsigned long long)(rd->pos + want - 1));
	snprintf(suffix, sizeof suffix, "?alt=media%s%s", rd->generation[0] ? "&generation=" : "",
		 rd->generation);
	url = object_url(st, rd->name, suffix);
	if (!url)
		return cairn_err_set(err, "out of memory");
	q.url = url;
	q.range = range;
	q.max_body = READ_BLOCK;
	if (call(st, &q, &r, "read", rd->name, err) < 0)
		goto out;
	if (r.status == 416) { /* at or past the end */
		rd->end = rd->pos;
		rc = 0;
		goto out;
	}
	if (r.status == 404 && rd->started && !bucket_missing(&r)) {
		cairn_err_setc(err, CAIRN_E_NOTFOUND,
			       "gs://%s/%s was replaced or removed while it was read", st->bucket,
			       rd->name);
		goto out;
	}
	if (r.status != 206 && r.status != 200) {
		status_err(st, &r, "read", rd->name, err);
		goto out;
	}
	if (r.status == 200 && rd->pos > 0) {
		cairn_err_set(err,
			      "cannot read gs://%s/%s: the server ignored the Range header; "
			      "check the endpoint",
			      st->bucket, rd->name);
		goto out;
	}
	if (!rd->generation[0])
		snprintf(rd->generation, sizeof rd->generation, "%s", r.generation);
	{
		/* "bytes a-b/total" tells where the object ends. */
		const char *slash = strchr(r.content_range, '/');
		if (slash && slash[1] != '*') {
			uint64_t total = strtoull(slash + 1, NULL, 10);
			if (total < rd->end)
				rd->end = total;
		} else if (r.status == 200 && rd->pos + r.len < rd->end) {
			rd->end = rd->pos + r.len;
		}
	}
	if (r.len > want)
		r.len = (size_t)want;
	if (r.len == 0)
		rd->end = rd->pos;
	rd->buf = r.body;
	rd->len = r.len;
	r.body = NULL;
	rd->started = 1;
	rc = 0;
out:
	gcs_resp_free(&r);
	free(url);
	return rc;
}

static int gcs_read_open_range(struct cairn_storage *st, const char *name, uint64_t offset,
			       uint64_t length, struct cairn_reader **out, cairn_err *err)
{
	struct cairn_reader *rd;
	if (check_name(name, err) < 0)
		return -1;
	rd = calloc(1, sizeof *rd);
	if (!rd || !(rd->name = full_name(st, name))) {
		free(rd);
		return cairn_err_set(err, "out of memory");
	}
	rd->st = st;
	rd->pos = offset;
	rd->end = length ? offset + length : UINT64_MAX;
	if (length && rd->end < offset)
		rd->end = UINT64_MAX;
	/* The first block now: a missing object fails here, as NOTFOUND. A
	 * range past the end (416) still needs the object to exist. */
	if (fetch_block(rd, err) < 0)
		goto fail;
	if (!rd->started) {
		int exists = 0;
		uint64_t size;
		if (gcs_stat(st, name, &exists, &size, err) < 0)
			goto fail;
		if (!exists) {
			cairn_err_setc(err, CAIRN_E_NOTFOUND, "no object gs://%s/%s", st->bucket,
				       rd->name);
			goto fail;
		}
	}
	*out = rd;
	return 0;
fail:
	free(rd->buf);
	free(rd->name);
	free(rd);
	return -1;
}

static int gcs_read_open(struct cairn_storage *st, const char *name, struct cairn_reader **out,
			 cairn_err *err)
{
	return gcs_read_open_range(st, name, 0, 0, out, err);
}

static ssize_t gcs_read(struct cairn_reader *rd, void *buf, size_t len, cairn_err *err)
{
	size_t n;
	if (rd->off == rd->len) {
		if (rd->pos >= rd->end)
			return 0;
		if (fetch_block(rd, err) < 0)
			return -1;
		if (rd->len == 0)
			return 0;
	}
	n = rd->len - rd->off;
	if (n > len)
		n = len;
	memcpy(buf, rd->buf + rd->off, n);
	rd->off += n;
	rd->pos += n;
	return (ssize_t)n;
}

static void gcs_read_close(struct cairn_reader *rd)
{
	free(rd->buf);
	free(rd->name);
	free(rd);
}

/* ---- the plugin ---- */

static int gcs_init(const struct cairn_host *h, cairn_err *err)
{
	gcs_host = h;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return cairn_err_set(err, "cannot initialise libcurl");
	return 0;
}

static void gcs_fini(void) { curl_global_cleanup(); /* pairs with gcs_init's curl_global_init */ }

static const struct cairn_storage_ops ops = {
    .struct_size = sizeof(struct cairn_storage_ops),
    .open = gcs_open,
    .close = gcs_close,
    .list = gcs_list,
    .stat = gcs_stat,
    .remove = gcs_remove,
    .write_open = gcs_write_open,
    .write = gcs_write,
    .write_commit = gcs_write_commit,
    .write_abort = gcs_write_abort,
    .read_open = gcs_read_open,
    .read = gcs_read,
    .read_close = gcs_read_close,
    .features = CAIRN_STORAGE_RANGED_READ,
    .read_open_range = gcs_read_open_range,
};

static const char *const schemes[] = {"gs", NULL};

static const struct cairn_plugin plugin = {
    .abi_major = CAIRN_ABI_MAJOR,
    .abi_minor = CAIRN_ABI_MINOR,
    .struct_size = sizeof(struct cairn_plugin),
    .kind = CAIRN_PLUGIN_STORAGE,
    .name = PLUGIN_NAME,
    .version = "1.0.0",
    .schemes = schemes,
    .init = gcs_init,
    .ops = &ops,
    .fini = gcs_fini,
};

CAIRN_PLUGIN_DEFINE(plugin)

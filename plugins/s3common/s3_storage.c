/* s3_storage.c — the cairn_storage_ops of storage-s3 and storage-minio.
 *
 * The two differ only in their flavor (credential sources, ini section,
 * addressing), so both tables point at the same functions and each plugin's
 * descriptor picks its table. Object names are relative to the location's
 * key prefix: "s3://host/bucket/pre" + "x/manifest.json" is key
 * "pre/x/manifest.json". */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "s3.h"

struct cairn_storage {
	struct s3_loc *loc;
};

static int open_flavor(enum s3_flavor flavor, const struct cairn_uri *uri,
		       const struct cairn_kv *params, struct cairn_storage **out, cairn_err *err)
{
	struct cairn_storage *st = calloc(1, sizeof *st);
	*out = NULL;
	if (!st)
		return cairn_err_set(err, "out of memory");
	if (s3_loc_open(flavor, uri, params, &st->loc, err)) {
		free(st);
		return -1;
	}
	*out = st;
	return 0;
}

static int open_aws(const struct cairn_uri *uri, const struct cairn_kv *params,
		    struct cairn_storage **out, cairn_err *err)
{
	return open_flavor(S3_FLAVOR_AWS, uri, params, out, err);
}

static int open_minio(const struct cairn_uri *uri, const struct cairn_kv *params,
		      struct cairn_storage **out, cairn_err *err)
{
	return open_flavor(S3_FLAVOR_MINIO, uri, params, out, err);
}

static void st_close(struct cairn_storage *st)
{
	if (st) {
		s3_loc_free(st->loc);
		free(st);
	}
}

int s3_list_page(const char *prefix, const char *body, size_t len, cairn_list_cb cb, void *ctx,
		 char **token, const char *what, cairn_err *err)
{
	const char *end = body + len, *p = body, *inner, *inner_end;
	size_t plen = strlen(prefix);
	*token = NULL;
	if (!body || !s3_xml_block(body, end, "ListBucketResult", &inner, &inner_end))
		return cairn_err_set(err, "%s: the server's answer is not a bucket listing", what);
	while ((p = s3_xml_block(p, end, "Contents", &inner, &inner_end)) != NULL) {
		char *key = s3_xml_text(inner, inner_end, "Key", NULL);
		char *size = s3_xml_text(inner, inner_end, "Size", NULL);
		int r = 0;
		if (key && size && strncmp(key, prefix, plen) == 0 && key[plen])
			r = cb(ctx, key + plen, strtoull(size, NULL, 10), err);
		free(key);
		free(size);
		if (r < 0)
			return -1;
		if (r)
			return 1;
	}
	char *truncated = s3_xml_text(body, end, "IsTruncated", NULL);
	int more = truncated && !strcmp(truncated, "true");
	free(truncated);
	if (more) {
		*token = s3_xml_text(body, end, "NextContinuationToken", NULL);
		if (!*token || !**token) {
			free(*token);
			*token = NULL;
			return cairn_err_set(
			    err, "%s: the listing is truncated but has no continuation token",
			    what);
		}
	}
	return 0;
}

static int st_list(struct cairn_storage *st, const char *prefix, cairn_list_cb cb, void *ctx,
		   cairn_err *err)
{
	struct s3_loc *loc = st->loc;
	char *full = NULL, *token = NULL, what[1200];
	CURL *h = s3_handle_get(loc);
	int rc = -1;
	snprintf(what, sizeof what, "cannot list %s", loc->display);
	if (!h || asprintf(&full, "%s%s", loc->prefix, prefix ? prefix : "") < 0) {
		full = NULL;
		cairn_err_set(err, "out of memory");
		goto out;
	}
	for (;;) {
		struct s3_param q[3] = {
		    {"list-type", "2"}, {"prefix", full}, {"continuation-token", token}};
		struct s3_req req = {.method = "GET", .query = q, .nquery = token ? 3 : 2};
		struct s3_resp resp;
		if (s3_perform(loc, h, &req, &resp, 0, what, err)) {
			s3_resp_free(&resp);
			goto out;
		}
		free(token);
		int r =
		    s3_list_page(loc->prefix, resp.body, resp.body_len, cb, ctx, &token, what, err);
		s3_resp_free(&resp);
		if (r < 0)
			goto out;
		if (r > 0 || !token)
			break;
	}
	rc = 0;
out:
	free(token);
	free(full);
	s3_handle_put(loc, h);
	return rc;
}

/* HEAD answers errors without a body; a one-byte GET of the same key says
 * which error it was (NoSuchKey or NoSuchBucket, a bad secret or access
 * denied). Returns 1 if the object turned out to exist after all. */
static int explain_head(struct s3_loc *loc, CURL *h, const char *key, const char *what,
			int *missing, cairn_err *err)
{
	struct s3_req req = {
	    .method = "GET", .key = key, .range = "bytes=0-0", .max_response = 64 << 10};
	struct s3_resp resp;
	int rc = s3_perform(loc, h, &req, &resp, 0, what, err);
	*missing = rc != 0 && resp.code && !strcmp(resp.code, "NoSuchKey");
	s3_resp_free(&resp);
	return rc == 0;
}

static int st_stat(struct cairn_storage *st, const char *name, int *exists, uint64_t *size,
		   cairn_err *err)
{
	struct s3_loc *loc = st->loc;
	char *key = NULL, what[1200];
	struct s3_resp resp;
	CURL *h = s3_handle_get(loc);
	int rc = -1, missing = 0;
	*exists = 0;
	*size = 0;
	snprintf(what, sizeof what, "cannot look up \"%s\" in %s", name, loc->display);
	if (!h || asprintf(&key, "%s%s", loc->prefix, name) < 0) {
		key = NULL;
		cairn_err_set(err, "out of memory");
		goto out;
	}
	struct s3_req req = {.method = "HEAD", .key = key};
	if (s3_perform(loc, h, &req, &resp, 0, what, err) == 0) {
		*exists = 1;
		*size = resp.content_length;
		rc = 0;
	} else if (resp.curl_code == CURLE_OK && resp.status >= 400 && resp.status < 500) {
		cairn_err e;
		if (explain_head(loc, h, key, what, &missing, &e)) {
			/* Appeared between the two requests: a retry will see it. */
			cairn_err_set(
			    err, "%s: the object changed while it was looked up: try again", what);
		} else if (missing) {
			rc = 0;
		} else {
			*err = e;
		}
	}
	s3_resp_free(&resp);
out:
	free(key);
	s3_handle_put(loc, h);
	return rc;
}

static int st_remove(struct cairn_storage *st, const char *name, cairn_err *err)
{
	struct s3_loc *loc = st->loc;
	char *key = NULL, what[1200];
	struct s3_resp resp;
	CURL *h = s3_handle_get(loc);
	int rc = -1;
	snprintf(what, sizeof what, "cannot remove \"%s\" from %s", name, loc->display);
	if (!h || asprintf(&key, "%s%s", loc->prefix, name) < 0) {
		key = NULL;
		cairn_err_set(err, "out of memory");
		goto out;
	}
	struct s3_req req = {.method = "DELETE", .key = key};
	rc = s3_perform(loc, h, &req, &resp, 0, what, err);
	s3_resp_free(&resp);
out:
	free(key);
	s3_handle_put(loc, h);
	return rc;
}

static int st_write_open(struct cairn_storage *st, const char *name, struct cairn_writer **out,
			 cairn_err *err)
{
	return s3_writer_open(st->loc, name, (struct s3_writer **)out, err);
}

static int st_write(struct cairn_writer *w, const void *buf, size_t len, cairn_err *err)
{
	return s3_writer_write((struct s3_writer *)w, buf, len, err);
}

static int st_write_commit(struct cairn_writer *w, cairn_err *err)
{
	return s3_writer_commit((struct s3_writer *)w, err);
}

static void st_write_abort(struct cairn_writer *w) { s3_writer_abort((struct s3_writer *)w); }

static int st_read_open(struct cairn_storage *st, const char *name, struct cairn_reader **out,
			cairn_err *err)
{
	return s3_reader_open(st->loc, name, (struct s3_reader **)out, err);
}

static int st_read_open_range(struct cairn_storage *st, const char *name, uint64_t offset,
			      uint64_t length, struct cairn_reader **out, cairn_err *err)
{
	return s3_reader_open_range(st->loc, name, offset, length, (struct s3_reader **)out, err);
}

static ssize_t st_read(struct cairn_reader *r, void *buf, size_t len, cairn_err *err)
{
	return s3_reader_read((struct s3_reader *)r, buf, len, err);
}

static void st_read_close(struct cairn_reader *r) { s3_reader_close((struct s3_reader *)r); }

#define S3_OPS(open_fn)                                                                            \
	{                                                                                          \
		.struct_size = sizeof(struct cairn_storage_ops), .open = open_fn,                  \
		.close = st_close, .list = st_list, .stat = st_stat, .remove = st_remove,          \
		.write_open = st_write_open, .write = st_write, .write_commit = st_write_commit,   \
		.write_abort = st_write_abort, .read_open = st_read_open, .read = st_read,         \
		.read_close = st_read_close, .features = CAIRN_STORAGE_RANGED_READ,                \
		.read_open_range = st_read_open_range,                                             \
	}

const struct cairn_storage_ops s3_ops_aws = S3_OPS(open_aws);
const struct cairn_storage_ops s3_ops_minio = S3_OPS(open_minio);

int s3_plugin_init_aws(const struct cairn_host *host, cairn_err *err)
{
	return s3_init(host, "storage-s3", err);
}

int s3_plugin_init_minio(const struct cairn_host *host, cairn_err *err)
{
	return s3_init(host, "storage-minio", err);
}

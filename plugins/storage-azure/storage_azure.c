/* storage_azure.c — storage-azure: cairn's driver for Azure Blob Storage
 * (and Azurite), built from the installed SDK (<cairn/storage.h>) alone.
 *
 * Writes: block blobs. Bytes collect in a block buffer; an object that ends
 * before the first buffer fills goes up in one Put Blob. Otherwise each full
 * buffer is a Put Block, handed to a few worker threads so several blocks
 * are in flight, and write_commit sends Put Block List: only then does the
 * blob exist, whole. Blocks grow as a write goes on (8 MiB, doubling every
 * 4,096 blocks up to 256 MiB: 50,000 blocks hold terabytes) and fewer are
 * in flight as they grow, so memory stays at a few blocks. Block ids are
 * base64 of a per-writer random nonce and the block number, all of one
 * length, so two writers of one name never mix their blocks.
 *
 * Abort never commits: the uncommitted blocks are invisible (not listed,
 * not readable, HEAD answers 404) and the service discards them when the
 * blob is next committed or after a week. Azure has no call to drop them
 * sooner. One limit follows from the service: a Put Block List discards the
 * blob's other uncommitted blocks, so of two writers of one large name open
 * together, the later commit fails (InvalidBlockList) instead of winning;
 * the committed blob is whole either way. cairn names every object it
 * writes uniquely, so this does not arise in a backup.
 *
 * Reads: ranged GETs of 8 MiB (x-ms-range), each retried on its own, with
 * If-Match on the first answer's ETag so a blob replaced mid-read fails
 * instead of mixing two versions. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "azure.h"

#ifndef CAIRN_AZURE_VERSION
#define CAIRN_AZURE_VERSION "dev" /* built outside cairn's tree */
#endif

#define BLOCK_MIN ((size_t)8 << 20)
#define BLOCK_MAX ((size_t)256 << 20)
#define BLOCK_GROWTH_STEP 4096
#define MAX_BLOCKS 50000
#define INFLIGHT_BUDGET ((size_t)32 << 20)
#define MAX_WORKERS 16
#define READ_CHUNK ((size_t)8 << 20)

struct cairn_storage {
	struct az_loc *loc;
};

static int bad_name(const char *name, cairn_err *err)
{
	const char *p = name;
	if (!name || !*name || *name == '/')
		goto bad;
	for (;;) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);
		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			goto bad;
		if (!slash)
			return 0;
		p = slash + 1;
	}
bad:
	return cairn_err_set(err,
			     "invalid object name \"%s\": names are relative, '/'-separated, "
			     "without empty, \".\" or \"..\" parts",
			     name ? name : "");
}

static char *full_name(struct az_loc *loc, const char *name)
{
	char *s;
	return asprintf(&s, "%s%s", loc->prefix, name) < 0 ? NULL : s;
}

static int az_open(const struct cairn_uri *uri, const struct cairn_kv *params,
		   struct cairn_storage **out, cairn_err *err)
{
	struct cairn_storage *st = calloc(1, sizeof *st);
	if (!st)
		return cairn_err_set(err, "out of memory");
	if (az_loc_open(uri, params, &st->loc, err) < 0) {
		free(st);
		return -1;
	}
	*out = st;
	return 0;
}

static void az_close(struct cairn_storage *st)
{
	if (!st)
		return;
	az_loc_free(st->loc);
	free(st);
}

/* ---- stat, remove, list -------------------------------------------------- */

static int az_stat(struct cairn_storage *st, const char *name, int *exists, uint64_t *size,
		   cairn_err *err)
{
	struct az_loc *loc = st->loc;
	struct az_req req = {.method = "HEAD"};
	struct az_resp resp;
	char what[1200];
	if (bad_name(name, err))
		return -1;
	char *blob = full_name(loc, name);
	if (!blob)
		return cairn_err_set(err, "out of memory");
	req.blob = blob;
	snprintf(what, sizeof what, "cannot stat \"%s\" in %s", name, loc->display);
	int rc = az_perform(loc, &req, &resp, what, err);
	if (rc == 0) {
		*exists = 1;
		*size = resp.has_length ? resp.content_length : 0;
	} else if (resp.status == 404 && strcmp(resp.error_code, "ContainerNotFound")) {
		*exists = 0;
		*size = 0;
		rc = 0;
	}
	az_resp_free(&resp);
	free(blob);
	return rc;
}

static int az_remove(struct cairn_storage *st, const char *name, cairn_err *err)
{
	struct az_loc *loc = st->loc;
	struct az_req req = {.method = "DELETE"};
	struct az_resp resp;
	char what[1200];
	if (bad_name(name, err))
		return -1;
	char *blob = full_name(loc, name);
	if (!blob)
		return cairn_err_set(err, "out of memory");
	req.blob = blob;
	snprintf(what, sizeof what, "cannot remove \"%s\" from %s", name, loc->display);
	int rc = az_perform(loc, &req, &resp, what, err);
	if (rc < 0 && resp.status == 404 && strcmp(resp.error_code, "ContainerNotFound"))
		rc = 0; /* already gone, as S3's DeleteObject */
	az_resp_free(&resp);
	free(blob);
	return rc;
}

static int az_list(struct cairn_storage *st, const char *prefix, cairn_list_cb cb, void *ctx,
		   cairn_err *err)
{
	struct az_loc *loc = st->loc;
	char *full = full_name(loc, prefix ? prefix : ""), *marker = NULL;
	char what[1200];
	size_t plen = strlen(loc->prefix);
	int rc = -1;
	if (!full)
		return cairn_err_set(err, "out of memory");
	snprintf(what, sizeof what, "cannot list %s", loc->display);
	for (;;) {
		/* Sorted by name: the canonicalized resource wants them so. */
		struct az_param q[5];
		size_t n = 0;
		q[n++] = (struct az_param){"comp", "list"};
		if (marker && *marker)
			q[n++] = (struct az_param){"marker", marker};
		q[n++] = (struct az_param){"maxresults", loc->list_page};
		if (*full)
			q[n++] = (struct az_param){"prefix", full};
		q[n++] = (struct az_param){"restype", "container"};
		struct az_req req = {
		    .method = "GET", .query = q, .nquery = n, .max_response = (size_t)64 << 20};
		struct az_resp resp;
		if (az_perform(loc, &req, &resp, what, err) < 0) {
			az_resp_free(&resp);
			goto out;
		}
		const char *p = resp.body ? resp.body : "", *end = p + resp.len;
		const char *in, *in_end;
		int stop = 0;
		while (!stop && (p = az_xml_block(p, end, "Blob", &in, &in_end))) {
			char *name = az_xml_text(in, in_end, "Name", NULL);
			char *len = az_xml_text(in, in_end, "Content-Length", NULL);
			if (!name || !len) {
				free(name);
				free(len);
				az_resp_free(&resp);
				cairn_err_set(
				    err, "%s: a listed blob has no Name or Content-Length", what);
				goto out;
			}
			if (strlen(name) > plen && !strncmp(name, full, strlen(full))) {
				int r = cb(ctx, name + plen, strtoull(len, NULL, 10), err);
				if (r < 0) {
					free(name);
					free(len);
					az_resp_free(&resp);
					goto out;
				}
				stop = r > 0;
			}
			free(name);
			free(len);
		}
		free(marker);
		marker = resp.body
			     ? az_xml_text(resp.body, resp.body + resp.len, "NextMarker", NULL)
			     : NULL;
		az_resp_free(&resp);
		if (stop || !marker || !*marker)
			break;
	}
	rc = 0;
out:
	free(marker);
	free(full);
	return rc;
}

/* ---- reading ------------------------------------------------------------- */

struct cairn_reader {
	struct az_loc *loc;
	char *blob;
	char what[1200];
	uint64_t pos, end; /* end: UINT64_MAX until the blob's size is known */
	char *buf;	   /* the current chunk */
	size_t blen, boff;
	int eof;
	char etag[160];
};

/* Fetches the next chunk. 0, or -1 with err set. */
static int fetch(struct cairn_reader *r, cairn_err *err)
{
	char range[64];
	struct az_resp resp;
	free(r->buf);
	r->buf = NULL;
	r->blen = r->boff = 0;
	if (r->pos >= r->end) {
		r->eof = 1;
		return 0;
	}
	uint64_t want = r->end - r->pos < READ_CHUNK ? r->end - r->pos : READ_CHUNK;
	snprintf(range, sizeof range, "bytes=%llu-%llu", (unsigned long long)r->pos,
		 (unsigned long long)(r->pos + want - 1));
	struct az_req req = {.method = "GET",
			     .blob = r->blob,
			     .x_ms_range = range,
			     .if_match = r->etag[0] ? r->etag : NULL,
			     .max_response = (size_t)want + 1};
	if (az_perform(r->loc, &req, &resp, r->what, err) < 0) {
		int rc = -1;
		if (resp.status == 416) { /* the range starts at or past the end */
			r->eof = 1;
			rc = 0;
		} else if (resp.status == 412) {
			cairn_err_set(err,
				      "%s: the blob was replaced while it was read; read it again",
				      r->what);
		}
		az_resp_free(&resp);
		return rc;
	}
	if (!r->etag[0])
		snprintf(r->etag, sizeof r->etag, "%s", resp.etag);
	if (resp.has_total && resp.total < r->end)
		r->end = resp.total;
	if (resp.status == 200) /* the whole blob, no range taken */
		r->end = r->pos + resp.len;
	r->buf = resp.body;
	r->blen = resp.len;
	r->pos += resp.len;
	if (resp.len == 0)
		r->eof = 1;
	return 0;
}

static int az_read_open_range(struct cairn_storage *st, const char *name, uint64_t offset,
			      uint64_t length, struct cairn_reader **out, cairn_err *err)
{
	struct az_loc *loc = st->loc;
	if (bad_name(name, err))
		return -1;
	struct cairn_reader *r = calloc(1, sizeof *r);
	if (!r || !(r->blob = full_name(loc, name))) {
		free(r);
		return cairn_err_set(err, "out of memory");
	}
	r->loc = loc;
	r->pos = offset;
	r->end = length && offset + length > offset ? offset + length : UINT64_MAX;
	snprintf(r->what, sizeof r->what, "cannot read \"%s\" from %s", name, loc->display);
	/* The first chunk now: a missing blob fails here, with CAIRN_E_NOTFOUND. */
	if (fetch(r, err) < 0) {
		free(r->blob);
		free(r);
		return -1;
	}
	*out = r;
	return 0;
}

static int az_read_open(struct cairn_storage *st, const char *name, struct cairn_reader **out,
			cairn_err *err)
{
	return az_read_open_range(st, name, 0, 0, out, err);
}

static ssize_t az_read(struct cairn_reader *r, void *buf, size_t len, cairn_err *err)
{
	while (r->boff == r->blen) {
		if (r->eof)
			return 0;
		if (fetch(r, err) < 0)
			return -1;
	}
	size_t n = r->blen - r->boff < len ? r->blen - r->boff : len;
	memcpy(buf, r->buf + r->boff, n);
	r->boff += n;
	return (ssize_t)n;
}

static void az_read_close(struct cairn_reader *r)
{
	if (!r)
		return;
	free(r->buf);
	free(r->blob);
	free(r);
}

/* ---- writing ------------------------------------------------------------- */

struct block_job {
	struct block_job *next;
	int number;
	char *buf;
	size_t len;
};

struct cairn_writer {
	struct az_loc *loc;
	char *blob;
	char what[1200];
	char nonce[9];
	char *buf; /* the block being filled */
	size_t len, cap;
	int nblocks; /* handed to the workers */

	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct block_job *head, *tail;
	int inflight, stopping, failed;
	cairn_err first_err;
	pthread_t threads[MAX_WORKERS];
	int nthreads;
};

static size_t block_size(int n)
{
	size_t size = BLOCK_MIN;
	for (int step = (n - 1) / BLOCK_GROWTH_STEP; step > 0 && size < BLOCK_MAX; step--)
		size *= 2;
	return size;
}

static int inflight_limit(const struct cairn_writer *w, size_t block)
{
	size_t n = INFLIGHT_BUDGET / block;
	if (n < 1)
		n = 1;
	if (n > (size_t)w->loc->blocks_in_flight)
		n = (size_t)w->loc->blocks_in_flight;
	return (int)n;
}

/* Base64 of nonce ++ "%010d": 18 bytes, 24 characters, the same for every block. */
static void block_id(const struct cairn_writer *w, int number, char out[32])
{
	char raw[19];
	snprintf(raw, sizeof raw, "%s%010d", w->nonce, number);
	az_b64((const unsigned char *)raw, 18, out);
}

static int put_block(struct cairn_writer *w, struct block_job *job, cairn_err *err)
{
	char id[32], what[1300];
	struct az_resp resp;
	block_id(w, job->number, id);
	struct az_param q[] = {{"blockid", id}, {"comp", "block"}};
	struct az_req req = {.method = "PUT",
			     .blob = w->blob,
			     .query = q,
			     .nquery = 2,
			     .body = job->buf,
			     .body_len = job->len,
			     .has_body = 1,
			     .max_response = 64 << 10};
	snprintf(what, sizeof what, "%s (block %d)", w->what, job->number);
	int rc = az_perform(w->loc, &req, &resp, what, err);
	az_resp_free(&resp);
	return rc;
}

static void *worker(void *arg)
{
	struct cairn_writer *w = arg;
	for (;;) {
		pthread_mutex_lock(&w->mu);
		while (!w->head && !w->stopping)
			pthread_cond_wait(&w->cv, &w->mu);
		struct block_job *job = w->head;
		if (!job) {
			pthread_mutex_unlock(&w->mu);
			break;
		}
		w->head = job->next;
		if (!w->head)
			w->tail = NULL;
		int skip = w->failed;
		pthread_mutex_unlock(&w->mu);

		cairn_err e = {0};
		int rc = skip ? 0 : put_block(w, job, &e);
		free(job->buf);
		free(job);

		pthread_mutex_lock(&w->mu);
		if (rc < 0 && !w->failed) {
			w->failed = 1;
			w->first_err = e;
		}
		w->inflight--;
		pthread_cond_broadcast(&w->cv);
		pthread_mutex_unlock(&w->mu);
	}
	return NULL;
}

static void stop_workers(struct cairn_writer *w, int cancel)
{
	pthread_mutex_lock(&w->mu);
	w->stopping = 1;
	if (cancel && !w->failed) {
		w->failed = 1; /* the workers skip what is still queued */
		cairn_err_set(&w->first_err, "%s: aborted", w->what);
	}
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	for (int i = 0; i < w->nthreads; i++)
		pthread_join(w->threads[i], NULL);
	w->nthreads = 0;
}

/* Hands the full buffer to the workers, waiting while too many are in flight. */
static int hand_off(struct cairn_writer *w, cairn_err *err)
{
	if (w->nblocks >= MAX_BLOCKS)
		return cairn_err_set(err, "%s: the blob would need more than %d blocks", w->what,
				     MAX_BLOCKS);
	struct block_job *job = calloc(1, sizeof *job);
	if (!job)
		return cairn_err_set(err, "out of memory");
	int limit = inflight_limit(w, w->cap);
	pthread_mutex_lock(&w->mu);
	while (w->inflight >= limit && !w->failed)
		pthread_cond_wait(&w->cv, &w->mu);
	if (w->failed) {
		*err = w->first_err;
		pthread_mutex_unlock(&w->mu);
		free(job);
		return -1;
	}
	if (w->nthreads < limit) {
		if (pthread_create(&w->threads[w->nthreads], NULL, worker, w) == 0)
			w->nthreads++;
		else if (w->nthreads == 0) {
			pthread_mutex_unlock(&w->mu);
			free(job);
			return cairn_err_set(err, "%s: cannot start an upload thread", w->what);
		}
	}
	job->number = ++w->nblocks;
	job->buf = w->buf;
	job->len = w->len;
	if (w->tail)
		w->tail->next = job;
	else
		w->head = job;
	w->tail = job;
	w->inflight++;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	w->cap = block_size(w->nblocks + 1);
	w->len = 0;
	if (!(w->buf = malloc(w->cap)))
		return cairn_err_set(err, "out of memory");
	return 0;
}

static void writer_free(struct cairn_writer *w)
{
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	free(w->buf);
	free(w->blob);
	free(w);
}

static int az_write_open(struct cairn_storage *st, const char *name, struct cairn_writer **out,
			 cairn_err *err)
{
	struct az_loc *loc = st->loc;
	unsigned char rnd[4];
	if (bad_name(name, err))
		return -1;
	struct cairn_writer *w = calloc(1, sizeof *w);
	if (!w)
		return cairn_err_set(err, "out of memory");
	w->loc = loc;
	w->cap = block_size(1);
	if (!(w->blob = full_name(loc, name)) || !(w->buf = malloc(w->cap))) {
		free(w->blob);
		free(w);
		return cairn_err_set(err, "out of memory");
	}
	if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd) {
		free(w->buf);
		free(w->blob);
		free(w);
		return cairn_err_set(err, "cannot read random bytes for block ids");
	}
	snprintf(w->nonce, sizeof w->nonce, "%02x%02x%02x%02x", rnd[0], rnd[1], rnd[2], rnd[3]);
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	snprintf(w->what, sizeof w->what, "cannot upload \"%s\" to %s", name, loc->display);
	*out = w;
	return 0;
}

static int az_write(struct cairn_writer *w, const void *buf, size_t len, cairn_err *err)
{
	const char *p = buf;
	while (len) {
		size_t n = w->cap - w->len < len ? w->cap - w->len : len;
		memcpy(w->buf + w->len, p, n);
		w->len += n;
		p += n;
		len -= n;
		if (w->len == w->cap && hand_off(w, err) < 0)
			return -1;
	}
	return 0;
}

static int put_block_list(struct cairn_writer *w, cairn_err *err)
{
	static const char head[] = "<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList>";
	static const char tail[] = "</BlockList>";
	size_t cap = sizeof head + sizeof tail + (size_t)w->nblocks * 48;
	char *xml = malloc(cap), *p = xml;
	struct az_resp resp;
	if (!xml)
		return cairn_err_set(err, "out of memory");
	p += sprintf(p, "%s", head);
	for (int i = 1; i <= w->nblocks; i++) {
		char id[32];
		block_id(w, i, id);
		p += sprintf(p, "<Latest>%s</Latest>", id);
	}
	p += sprintf(p, "%s", tail);
	struct az_param q[] = {{"comp", "blocklist"}};
	struct az_req req = {.method = "PUT",
			     .blob = w->blob,
			     .query = q,
			     .nquery = 1,
			     .body = xml,
			     .body_len = (size_t)(p - xml),
			     .has_body = 1,
			     .max_response = 64 << 10};
	int rc = az_perform(w->loc, &req, &resp, w->what, err);
	az_resp_free(&resp);
	free(xml);
	return rc;
}

static int az_write_commit(struct cairn_writer *w, cairn_err *err)
{
	int rc;
	if (w->nblocks == 0) { /* small: one Put Blob */
		struct az_resp resp;
		struct az_req req = {.method = "PUT",
				     .blob = w->blob,
				     .blob_type = "BlockBlob",
				     .body = w->buf,
				     .body_len = w->len,
				     .has_body = 1,
				     .max_response = 64 << 10};
		rc = az_perform(w->loc, &req, &resp, w->what, err);
		az_resp_free(&resp);
		writer_free(w);
		return rc;
	}
	rc = w->len ? hand_off(w, err) : 0;
	if (rc == 0) {
		pthread_mutex_lock(&w->mu);
		while (w->inflight > 0)
			pthread_cond_wait(&w->cv, &w->mu);
		if (w->failed) {
			*err = w->first_err;
			rc = -1;
		}
		pthread_mutex_unlock(&w->mu);
	}
	stop_workers(w, rc < 0);
	if (rc == 0)
		rc = put_block_list(w, err);
	if (rc < 0)
		az_log(CAIRN_LOG_DEBUG,
		       "%s: not committed; its uncommitted blocks stay invisible and expire",
		       w->what);
	writer_free(w);
	return rc;
}

static void az_write_abort(struct cairn_writer *w)
{
	if (!w)
		return;
	stop_workers(w, 1);
	writer_free(w);
}

/* ---- the plugin ---------------------------------------------------------- */

static int az_init(const struct cairn_host *host, cairn_err *err)
{
	az_host = host;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return cairn_err_set(err, "cannot initialise libcurl");
	return 0;
}

static void az_fini(void) { curl_global_cleanup(); }

static const struct cairn_storage_ops ops = {
    .struct_size = sizeof(struct cairn_storage_ops),
    .open = az_open,
    .close = az_close,
    .list = az_list,
    .stat = az_stat,
    .remove = az_remove,
    .write_open = az_write_open,
    .write = az_write,
    .write_commit = az_write_commit,
    .write_abort = az_write_abort,
    .read_open = az_read_open,
    .read = az_read,
    .read_close = az_read_close,
    .features = CAIRN_STORAGE_RANGED_READ,
    .read_open_range = az_read_open_range,
};

static const char *const schemes[] = {"azure", NULL};

static const struct cairn_plugin plugin = {
    .abi_major = CAIRN_ABI_MAJOR,
    .abi_minor = CAIRN_ABI_MINOR,
    .struct_size = sizeof(struct cairn_plugin),
    .kind = CAIRN_PLUGIN_STORAGE,
    .name = "storage-azure",
    .version = CAIRN_AZURE_VERSION,
    .schemes = schemes,
    .init = az_init,
    .ops = &ops,
    .fini = az_fini,
};

CAIRN_PLUGIN_DEFINE(plugin)

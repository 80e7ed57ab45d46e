/* s3_upload.c — writing an object of unknown length.
 *
 * Bytes collect in a part buffer. An object that ends before the first
 * buffer fills goes up in one PUT. Otherwise a multipart upload starts and
 * each full buffer becomes a part, handed to a few worker threads that
 * upload parts concurrently, each signed with its real SHA-256. Parts grow as
 * the upload goes on (pgBackRest's idea) so 10,000 parts reach terabytes,
 * and the number of parts in flight shrinks as they grow, so memory stays
 * bounded: at most (in flight + 1) buffers. Any failure, and write_abort,
 * aborts the multipart upload, so nothing is left behind on the server. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "s3.h"

/* Parts double in size every PART_GROWTH_STEP parts, from 5 MiB to 512 MiB:
 * 10,000 parts hold about 3.4 TiB. */
#define PART_GROWTH_STEP 512
/* Bytes of part buffers in flight we aim to stay under; at least one part
 * is always in flight. */
#define INFLIGHT_BUDGET ((size_t)48 << 20)
#define MAX_WORKERS 16

size_t s3_part_size(int n)
{
	size_t size = S3_MIN_PART;
	for (int step = (n - 1) / PART_GROWTH_STEP; step > 0 && size < S3_MAX_PART; step--)
		size *= 2;
	return size < S3_MAX_PART ? size : S3_MAX_PART;
}

struct part_job {
	struct part_job *next;
	int number;
	char *buf;
	size_t len, cap;
};

struct s3_writer {
	struct s3_loc *loc;
	char *key;  /* the full object key */
	char *name; /* as the caller named it, for messages */
	char *what; /* "cannot upload \"name\" to s3://..." */
	char *buf;  /* the part being filled */
	size_t len, cap;
	char *upload_id;
	int nparts; /* parts handed to the workers */
	int broken; /* a failure was reported and the upload aborted */

	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct part_job *head, *tail;
	int inflight; /* queued or uploading */
	int stopping, cancel;
	pthread_t threads[MAX_WORKERS];
	int nthreads;
	char **etags; /* etags[n - 1] for part n */
	int netags;
	int failed;
	cairn_err first_err;
	struct part_job *spares; /* finished jobs whose buffers can be reused */
	int nspares;
};

static int inflight_limit(const struct s3_writer *w, size_t part)
{
	size_t n = INFLIGHT_BUDGET / part;
	if (n < 1)
		n = 1;
	if (n > (size_t)w->loc->part_concurrency)
		n = (size_t)w->loc->part_concurrency;
	return (int)n;
}

static int upload_part(struct s3_writer *w, CURL *h, struct part_job *job, char **etag,
		       cairn_err *err)
{
	char num[16], sha[S3_SHA256_HEX_LEN + 1], what[1200];
	struct s3_resp resp;
	snprintf(num, sizeof num, "%d", job->number);
	struct s3_param q[] = {{"partNumber", num}, {"uploadId", w->upload_id}};
	s3_sha256_hex(job->buf, job->len, sha);
	struct s3_req req = {.method = "PUT",
			     .key = w->key,
			     .query = q,
			     .nquery = 2,
			     .body = job->buf,
			     .body_len = job->len,
			     .body_sha256 = sha,
			     .max_response = 64 << 10};
	snprintf(what, sizeof what, "%s (part %d)", w->what, job->number);
	int rc = s3_perform(w->loc, h, &req, &resp, 0, what, err);
	if (rc == 0) {
		if (!resp.etag[0]) {
			rc = cairn_err_set(err, "%s: the server sent no ETag for the part", what);
		} else if (!(*etag = strdup(resp.etag))) {
			rc = cairn_err_set(err, "out of memory");
		}
	}
	s3_resp_free(&resp);
	return rc;
}

static int store_etag(struct s3_writer *w, int number, char *etag)
{
	if (number > w->netags) {
		int n = w->netags ? w->netags : 64;
		while (n < number)
			n *= 2;
		char **e = realloc(w->etags, (size_t)n * sizeof *e);
		if (!e)
			return -1;
		memset(e + w->netags, 0, (size_t)(n - w->netags) * sizeof *e);
		w->etags = e;
		w->netags = n;
	}
	w->etags[number - 1] = etag;
	return 0;
}

static void *worker(void *arg)
{
	struct s3_writer *w = arg;
	CURL *h = s3_handle_get(w->loc);
	for (;;) {
		pthread_mutex_lock(&w->mu);
		while (!w->head && !w->stopping)
			pthread_cond_wait(&w->cv, &w->mu);
		struct part_job *job = w->head;
		if (!job) {
			pthread_mutex_unlock(&w->mu);
			break;
		}
		w->head = job->next;
		if (!w->head)
			w->tail = NULL;
		int skip = w->failed || w->cancel;
		pthread_mutex_unlock(&w->mu);

		cairn_err e = {0};
		char *etag = NULL;
		int rc = 0;
		if (!skip && !h)
			rc = cairn_err_set(&e, "%s: cannot create a curl handle", w->what);
		else if (!skip)
			rc = upload_part(w, h, job, &etag, &e);

		pthread_mutex_lock(&w->mu);
		if (!skip && rc == 0 && store_etag(w, job->number, etag)) {
			free(etag);
			rc = cairn_err_set(&e, "out of memory");
		}
		if (!skip && rc != 0 && !w->failed) {
			w->failed = 1;
			w->first_err = e;
		}
		w->inflight--;
		if (w->nspares < w->loc->part_concurrency) {
			job->next = w->spares;
			w->spares = job;
			w->nspares++;
			job = NULL;
		}
		pthread_cond_broadcast(&w->cv);
		pthread_mutex_unlock(&w->mu);
		if (job) {
			free(job->buf);
			free(job);
		}
	}
	s3_handle_put(w->loc, h);
	return NULL;
}

static void stop_workers(struct s3_writer *w)
{
	pthread_mutex_lock(&w->mu);
	w->stopping = 1;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	for (int i = 0; i < w->nthreads; i++)
		pthread_join(w->threads[i], NULL);
	w->nthreads = 0;
}

static int start_upload(struct s3_writer *w, cairn_err *err)
{
	struct s3_param q[] = {{"uploads", ""}};
	struct s3_req req = {.method = "POST", .key = w->key, .query = q, .nquery = 1};
	struct s3_resp resp;
	CURL *h = s3_handle_get(w->loc);
	int rc = -1;
	if (!h)
		return cairn_err_set(err, "%s: cannot create a curl handle", w->what);
	if (s3_perform(w->loc, h, &req, &resp, 1, w->what, err) == 0) {
		w->upload_id = s3_xml_text(resp.body, resp.body + resp.body_len, "UploadId", NULL);
		if (w->upload_id && *w->upload_id)
			rc = 0;
		else
			cairn_err_set(
			    err, "%s: the server started a multipart upload but sent no UploadId",
			    w->what);
	}
	s3_resp_free(&resp);
	s3_handle_put(w->loc, h);
	if (rc)
		return rc;
	for (int i = 0; i < w->loc->part_concurrency && i < MAX_WORKERS; i++) {
		if (pthread_create(&w->threads[i], NULL, worker, w) != 0)
			break;
		w->nthreads++;
	}
	if (!w->nthreads)
		return cairn_err_set(err, "%s: cannot start upload threads", w->what);
	return 0;
}

static void abort_upload(struct s3_writer *w)
{
	char what[1200];
	cairn_err e;
	struct s3_resp resp = {0};
	if (!w->upload_id)
		return;
	struct s3_param q[] = {{"uploadId", w->upload_id}};
	struct s3_req req = {.method = "DELETE", .key = w->key, .query = q, .nquery = 1};
	CURL *h = s3_handle_get(w->loc);
	snprintf(what, sizeof what, "cannot abort the upload of \"%s\" to %s", w->name,
		 w->loc->display);
	if (!h || s3_perform(w->loc, h, &req, &resp, 0, what, &e) != 0) {
		if (resp.status == 404) /* NoSuchUpload: already gone */
			goto out;
		s3_log(CAIRN_LOG_WARN,
		       "%s; remove it with: aws s3api abort-multipart-upload --bucket %s --key "
		       "'%s' --upload-id '%s'",
		       h ? e.msg : what, w->loc->bucket, w->key, w->upload_id);
	}
out:
	s3_resp_free(&resp);
	s3_handle_put(w->loc, h);
	free(w->upload_id);
	w->upload_id = NULL;
}

/* Stops everything after a failure; the writer then only reports it. */
static int fail(struct s3_writer *w)
{
	if (w->broken)
		return -1;
	pthread_mutex_lock(&w->mu);
	w->cancel = 1;
	pthread_mutex_unlock(&w->mu);
	stop_workers(w);
	abort_upload(w);
	w->broken = 1;
	return -1;
}

static int report_failure(struct s3_writer *w, cairn_err *err)
{
	if (err)
		*err = w->first_err;
	return fail(w);
}

static int submit(struct s3_writer *w, cairn_err *err)
{
	if (!w->upload_id && start_upload(w, err)) {
		w->first_err = *err;
		return fail(w);
	}
	if (w->nparts >= S3_MAX_PARTS) {
		cairn_err_set(&w->first_err, "%s: the object is larger than S3 allows in %d parts",
			      w->what, S3_MAX_PARTS);
		return report_failure(w, err);
	}
	struct part_job *job = calloc(1, sizeof *job);
	if (!job) {
		cairn_err_set(&w->first_err, "out of memory");
		return report_failure(w, err);
	}
	job->number = ++w->nparts;
	job->buf = w->buf;
	job->len = w->len;
	job->cap = w->cap;
	w->buf = NULL;
	w->len = w->cap = 0;

	pthread_mutex_lock(&w->mu);
	int limit = inflight_limit(w, job->cap);
	while (w->inflight >= limit && !w->failed)
		pthread_cond_wait(&w->cv, &w->mu);
	if (w->failed) {
		pthread_mutex_unlock(&w->mu);
		free(job->buf);
		free(job);
		return report_failure(w, err);
	}
	if (w->tail)
		w->tail->next = job;
	else
		w->head = job;
	w->tail = job;
	w->inflight++;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	return 0;
}

/* A buffer for the next part: a finished part's, if large enough. */
static int next_buffer(struct s3_writer *w, cairn_err *err)
{
	size_t want = s3_part_size(w->nparts + 1);
	struct part_job *spare = NULL;
	pthread_mutex_lock(&w->mu);
	while (w->spares && !spare) {
		struct part_job *j = w->spares;
		w->spares = j->next;
		w->nspares--;
		if (j->cap >= want) {
			spare = j;
		} else {
			free(j->buf);
			free(j);
		}
	}
	pthread_mutex_unlock(&w->mu);
	if (spare) {
		w->buf = spare->buf;
		w->cap = spare->cap;
		free(spare);
	} else if (!(w->buf = malloc(want))) {
		return cairn_err_set(err, "out of memory for a %zu MiB upload buffer", want >> 20);
	} else {
		w->cap = want;
	}
	w->len = 0;
	return 0;
}

int s3_writer_open(struct s3_loc *loc, const char *name, struct s3_writer **out, cairn_err *err)
{
	struct s3_writer *w = calloc(1, sizeof *w);
	*out = NULL;
	if (!w)
		return cairn_err_set(err, "out of memory");
	w->loc = loc;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	if (asprintf(&w->key, "%s%s", loc->prefix, name) < 0)
		w->key = NULL;
	if (asprintf(&w->what, "cannot upload \"%s\" to %s", name, loc->display) < 0)
		w->what = NULL;
	w->name = strdup(name);
	if (!w->key || !w->what || !w->name) {
		s3_writer_abort(w);
		return cairn_err_set(err, "out of memory");
	}
	*out = w;
	return 0;
}

int s3_writer_write(struct s3_writer *w, const void *buf, size_t len, cairn_err *err)
{
	const char *p = buf;
	if (w->broken)
		return cairn_err_set(err, "%s", w->first_err.msg);
	pthread_mutex_lock(&w->mu);
	int failed = w->failed;
	pthread_mutex_unlock(&w->mu);
	if (failed)
		return report_failure(w, err);
	while (len) {
		if (!w->buf && next_buffer(w, err)) {
			w->first_err = *err;
			return fail(w);
		}
		if (w->len == w->cap) {
			if (submit(w, err))
				return -1;
			continue;
		}
		size_t k = w->cap - w->len < len ? w->cap - w->len : len;
		memcpy(w->buf + w->len, p, k);
		w->len += k;
		p += k;
		len -= k;
	}
	return 0;
}

static int put_whole(struct s3_writer *w, cairn_err *err)
{
	struct s3_req req = {.method = "PUT",
			     .key = w->key,
			     .body = w->buf,
			     .body_len = w->len,
			     .max_response = 64 << 10};
	struct s3_resp resp;
	CURL *h = s3_handle_get(w->loc);
	if (!h)
		return cairn_err_set(err, "%s: cannot create a curl handle", w->what);
	int rc = s3_perform(w->loc, h, &req, &resp, 0, w->what, err);
	s3_resp_free(&resp);
	s3_handle_put(w->loc, h);
	return rc;
}

static char *complete_body(struct s3_writer *w, cairn_err *err)
{
	size_t cap = 128 + (size_t)w->nparts * 256, len = 0;
	char *xml = malloc(cap);
	if (!xml) {
		cairn_err_set(err, "out of memory");
		return NULL;
	}
	len += (size_t)snprintf(xml, cap, "<CompleteMultipartUpload>");
	for (int i = 0; i < w->nparts; i++) {
		char *etag = i < w->netags && w->etags[i] ? s3_xml_escape(w->etags[i]) : NULL;
		if (!etag || strlen(etag) > 200) {
			free(etag);
			free(xml);
			cairn_err_set(err, "%s: part %d has no usable ETag", w->what, i + 1);
			return NULL;
		}
		len += (size_t)snprintf(xml + len, cap - len,
					"<Part><PartNumber>%d</PartNumber><ETag>%s</ETag></Part>",
					i + 1, etag);
		free(etag);
	}
	snprintf(xml + len, cap - len, "</CompleteMultipartUpload>");
	return xml;
}

static int complete_upload(struct s3_writer *w, cairn_err *err)
{
	char *xml = complete_body(w, err);
	if (!xml)
		return -1;
	struct s3_param q[] = {{"uploadId", w->upload_id}};
	struct s3_req req = {.method = "POST",
			     .key = w->key,
			     .query = q,
			     .nquery = 1,
			     .body = xml,
			     .body_len = strlen(xml)};
	struct s3_resp resp;
	CURL *h = s3_handle_get(w->loc);
	int rc = h ? s3_perform(w->loc, h, &req, &resp, 1, w->what, err)
		   : cairn_err_set(err, "%s: cannot create a curl handle", w->what);
	if (h)
		s3_resp_free(&resp);
	s3_handle_put(w->loc, h);
	free(xml);
	return rc;
}

static void writer_free(struct s3_writer *w)
{
	while (w->head) {
		struct part_job *j = w->head;
		w->head = j->next;
		free(j->buf);
		free(j);
	}
	while (w->spares) {
		struct part_job *j = w->spares;
		w->spares = j->next;
		free(j->buf);
		free(j);
	}
	for (int i = 0; i < w->netags; i++)
		free(w->etags[i]);
	free(w->etags);
	free(w->buf);
	free(w->upload_id);
	free(w->key);
	free(w->name);
	free(w->what);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	free(w);
}

int s3_writer_commit(struct s3_writer *w, cairn_err *err)
{
	int rc = -1;
	if (w->broken) {
		cairn_err_set(err, "%s", w->first_err.msg);
		goto out;
	}
	if (!w->upload_id) {
		rc = put_whole(w, err);
		goto out;
	}
	if (w->len && submit(w, err))
		goto out;
	pthread_mutex_lock(&w->mu);
	while (w->inflight > 0)
		pthread_cond_wait(&w->cv, &w->mu);
	int failed = w->failed;
	pthread_mutex_unlock(&w->mu);
	if (failed) {
		report_failure(w, err);
		goto out;
	}
	stop_workers(w);
	if (complete_upload(w, err)) {
		w->first_err = *err;
		fail(w);
		goto out;
	}
	free(w->upload_id);
	w->upload_id = NULL;
	rc = 0;
out:
	if (rc)
		fail(w);
	else
		stop_workers(w);
	writer_free(w);
	return rc;
}

void s3_writer_abort(struct s3_writer *w)
{
	if (!w)
		return;
	fail(w);
	writer_free(w);
}

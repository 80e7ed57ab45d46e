/* s3_read.c — reading an object as a stream.
 *
 * libcurl pushes bytes; the storage API pulls them. The reader drives one
 * easy handle through a multi handle, buffers at most about READ_HIGH_WATER
 * bytes and pauses the transfer when the caller is slower than the network.
 * A transfer that breaks part-way (reset, stall, 5xx) is resumed where it
 * stopped with a ranged GET pinned to the object's ETag (If-Match), so a
 * long restore survives a flaky link without starting over. A ranged reader
 * (read_open_range) is the same machine asking for bytes=OFFSET-LAST from
 * the start. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "s3.h"

#define READ_HIGH_WATER ((size_t)1 << 20)
#define ERROR_BODY_MAX ((size_t)64 << 10)

struct s3_reader {
	struct s3_loc *loc;
	char *key;
	char *what;
	CURLM *multi;
	CURL *easy;
	struct curl_slist *hdrs;
	char errbuf[CURL_ERROR_SIZE];
	struct s3_resp resp; /* headers of the current response; body = error body */
	int running;	     /* a transfer is attached to the multi handle */
	int done;	     /* ...and has finished */
	CURLcode result;
	int paused;
	char *buf; /* unread bytes: buf[off, len) */
	size_t off, len, cap;
	uint64_t delivered; /* object offset of the next byte to buffer */
	uint64_t end;	    /* one past the last byte wanted; 0: the object's end */
	uint64_t skip;	    /* bytes to drop: a resume the server answered with 200 */
	uint64_t total;	    /* object size, once known */
	int total_known;
	char etag[160];
	int attempt;	     /* of the current stretch without progress */
	uint64_t started_at; /* r->delivered when the transfer (re)started */
	int error_body;	     /* the current response is an error */
	int ranged;	     /* opened by s3_reader_open_range */
	int headers_seen;    /* the current response's headers were checked */
	cairn_err header_err;
	int header_failed;
};

/* The first bytes of a (re)started transfer: learn size and ETag, and check
 * that a resume landed where it should. */
static int check_headers(struct s3_reader *r, long status)
{
	r->headers_seen = 1;
	if (status == 206) {
		uint64_t start = 0, end = 0, total = 0;
		if (sscanf(r->resp.content_range, "bytes %" SCNu64 "-%" SCNu64 "/%" SCNu64, &start,
			   &end, &total) != 3 ||
		    start != r->delivered) {
			cairn_err_set(&r->header_err,
				      "%s: the server resumed at the wrong offset (%s)", r->what,
				      r->resp.content_range);
			return -1;
		}
		r->total = total;
		r->total_known = 1;
		if (!r->etag[0])
			snprintf(r->etag, sizeof r->etag, "%s", r->resp.etag);
		return 0;
	}
	/* 200: the whole object, even if we asked for a range. */
	r->skip = r->delivered;
	if (r->resp.has_length) {
		r->total = r->resp.content_length;
		r->total_known = 1;
	}
	if (!r->etag[0])
		snprintf(r->etag, sizeof r->etag, "%s", r->resp.etag);
	return 0;
}

static size_t on_data(char *data, size_t size, size_t n, void *ctx)
{
	struct s3_reader *r = ctx;
	size_t k = size * n;
	long status = 0;
	curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
	if (status < 200 || status >= 300) {
		r->error_body = 1;
		size_t room = ERROR_BODY_MAX - r->resp.body_len;
		size_t take = k < room ? k : room;
		char *nb = realloc(r->resp.body, r->resp.body_len + take + 1);
		if (!nb)
			return 0;
		memcpy(nb + r->resp.body_len, data, take);
		r->resp.body = nb;
		r->resp.body_len += take;
		nb[r->resp.body_len] = 0;
		return k;
	}
	if (!r->headers_seen && check_headers(r, status)) {
		r->header_failed = 1;
		return 0;
	}
	if (r->len - r->off >= READ_HIGH_WATER) {
		r->paused = 1;
		return CURL_WRITEFUNC_PAUSE; /* curl hands this chunk over again */
	}
	if (r->skip) {
		size_t drop = r->skip < k ? (size_t)r->skip : k;
		r->skip -= drop;
		data += drop;
		k -= drop;
		if (!k)
			return size * n;
	}
	if (r->end && r->delivered + k > r->end) /* a server that ignored the range */
		k = r->delivered >= r->end ? 0 : (size_t)(r->end - r->delivered);
	if (!k)
		return size * n;
	if (r->off && r->len + k > r->cap) {
		memmove(r->buf, r->buf + r->off, r->len - r->off);
		r->len -= r->off;
		r->off = 0;
	}
	if (r->len + k > r->cap) {
		size_t cap = r->cap ? r->cap : 256 << 10;
		while (cap < r->len + k)
			cap *= 2;
		char *nb = realloc(r->buf, cap);
		if (!nb)
			return 0;
		r->buf = nb;
		r->cap = cap;
	}
	memcpy(r->buf + r->len, data, k);
	r->len += k;
	r->delivered += k;
	return size * n;
}

static void detach(struct s3_reader *r)
{
	if (r->running) {
		curl_multi_remove_handle(r->multi, r->easy);
		r->running = 0;
	}
	curl_slist_free_all(r->hdrs);
	r->hdrs = NULL;
}

/* Starts (or resumes, from r->delivered) the GET. */
static int start(struct s3_reader *r, cairn_err *err)
{
	char range[64];
	struct s3_req req = {.method = "GET", .key = r->key};
	if (r->delivered || r->end) {
		if (r->end)
			snprintf(range, sizeof range, "bytes=%" PRIu64 "-%" PRIu64, r->delivered,
				 r->end - 1);
		else
			snprintf(range, sizeof range, "bytes=%" PRIu64 "-", r->delivered);
		req.range = range;
		req.if_match = r->etag[0] ? r->etag : NULL;
	}
	detach(r);
	s3_resp_free(&r->resp);
	r->started_at = r->delivered;
	r->done = r->paused = r->error_body = r->headers_seen = 0;
	r->result = CURLE_OK;
	if (s3_setup_handle(r->loc, r->easy, &req, &r->hdrs, r->errbuf, err))
		return -1;
	curl_easy_setopt(r->easy, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(r->easy, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(r->easy, CURLOPT_HEADERFUNCTION, s3_on_header);
	curl_easy_setopt(r->easy, CURLOPT_HEADERDATA, &r->resp);
	if (curl_multi_add_handle(r->multi, r->easy) != CURLM_OK)
		return cairn_err_set(err, "%s: cannot start the transfer", r->what);
	r->running = 1;
	return 0;
}

/* Moves the transfer on until there is data, it ends, or wait_ms passes. */
static void pump(struct s3_reader *r, int wait_ms)
{
	int still = 0;
	CURLMsg *m;
	int left;
	if (r->paused && r->len - r->off < READ_HIGH_WATER) {
		r->paused = 0;
		curl_easy_pause(r->easy, CURLPAUSE_CONT);
	}
	curl_multi_perform(r->multi, &still);
	while ((m = curl_multi_info_read(r->multi, &left)) != NULL) {
		if (m->msg == CURLMSG_DONE && m->easy_handle == r->easy) {
			r->done = 1;
			r->result = m->data.result;
		}
	}
	if (!r->done && r->off == r->len && !r->paused)
		curl_multi_poll(r->multi, NULL, 0, wait_ms, NULL);
}

/* After a transfer ended: 1 if the whole object was read, 0 if it was resumed
 * (call pump again), -1 on an error that retrying will not fix. */
static int finish(struct s3_reader *r, cairn_err *err)
{
	long status = 0;
	char *code = NULL, *message = NULL;
	int rc = -1;
	curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
	if (r->header_failed) {
		*err = r->header_err;
		return -1;
	}
	int ok = r->result == CURLE_OK && status >= 200 && status < 300;
	if (r->result == CURLE_OK && status == 416 && r->ranged)
		return 1; /* the range starts at or past the object's end: no bytes */
	if (ok && !r->headers_seen)
		check_headers(r, status); /* an empty body never reached on_data */
	if (ok &&
	    (!r->total_known || r->delivered >= r->total || (r->end && r->delivered >= r->end)))
		return 1;
	if (ok) /* the server closed early without an error: resume */
		r->result = CURLE_PARTIAL_FILE;
	if (r->delivered > r->started_at) /* it got somewhere: a fresh set of tries */
		r->attempt = 1;
	if (!ok || r->error_body)
		s3_parse_error(r->resp.body, r->resp.body_len, &code, &message);
	if (status == 412 || (code && !strcmp(code, "PreconditionFailed"))) {
		rc = cairn_err_set(
		    err, "%s: the object changed while it was being read: read it again", r->what);
	} else if (r->attempt < r->loc->max_attempts && s3_retryable(r->result, status, code)) {
		s3_log(CAIRN_LOG_WARN,
		       "%s: %s after %" PRIu64 " bytes; resuming (attempt %d of %d)", r->what,
		       r->result ? (r->errbuf[0] ? r->errbuf : curl_easy_strerror(r->result))
		       : code	 ? code
				 : "server error",
		       r->delivered, r->attempt + 1, r->loc->max_attempts);
		s3_backoff(r->attempt++);
		rc = start(r, err) ? -1 : 0;
	} else {
		s3_describe_failure(r->loc, r->what, r->result, r->errbuf, status, code, message,
				    err);
	}
	free(code);
	free(message);
	return rc;
}

int s3_reader_open(struct s3_loc *loc, const char *name, struct s3_reader **out, cairn_err *err)
{
	return s3_reader_open_range(loc, name, 0, 0, out, err);
}

int s3_reader_open_range(struct s3_loc *loc, const char *name, uint64_t offset, uint64_t length,
			 struct s3_reader **out, cairn_err *err)
{
	struct s3_reader *r = calloc(1, sizeof *r);
	*out = NULL;
	if (!r)
		return cairn_err_set(err, "out of memory");
	r->loc = loc;
	r->attempt = 1;
	r->ranged = offset || length;
	r->delivered = offset;
	r->end = length && offset + length > offset ? offset + length : 0;
	if (asprintf(&r->key, "%s%s", loc->prefix, name) < 0)
		r->key = NULL;
	if (asprintf(&r->what, "cannot read \"%s\" from %s", name, loc->display) < 0)
		r->what = NULL;
	r->multi = curl_multi_init();
	r->easy = s3_handle_get(loc);
	if (!r->key || !r->what || !r->multi || !r->easy) {
		s3_reader_close(r);
		return cairn_err_set(err, "out of memory");
	}
	if (start(r, err))
		goto fail;
	/* Wait for the answer's status so a missing object or bad credentials
	 * are reported by open, not by the first read. */
	for (;;) {
		long status = 0;
		pump(r, 1000);
		curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
		if (r->done) {
			int f = finish(r, err);
			if (f < 0)
				goto fail;
			if (f == 1)
				break;
			continue;
		}
		if (status >= 200 && status < 300)
			break;
	}
	*out = r;
	return 0;
fail:
	s3_reader_close(r);
	return -1;
}

ssize_t s3_reader_read(struct s3_reader *r, void *buf, size_t len, cairn_err *err)
{
	for (;;) {
		if (r->off < r->len) {
			size_t k = r->len - r->off < len ? r->len - r->off : len;
			memcpy(buf, r->buf + r->off, k);
			r->off += k;
			if (r->off == r->len)
				r->off = r->len = 0;
			return (ssize_t)k;
		}
		if (r->done) {
			int f = finish(r, err);
			if (f < 0)
				return -1;
			if (f == 1)
				return 0;
			continue;
		}
		pump(r, 1000);
	}
}

void s3_reader_close(struct s3_reader *r)
{
	if (!r)
		return;
	detach(r);
	if (r->multi)
		curl_multi_cleanup(r->multi);
	if (r->easy) {
		/* A transfer cut short leaves its connection unusable; a fresh
		 * handle costs less than finding that out. */
		if (!r->done)
			curl_easy_cleanup(r->easy);
		else
			s3_handle_put(r->loc, r->easy);
	}
	s3_resp_free(&r->resp);
	free(r->buf);
	free(r->key);
	free(r->what);
	free(r);
}

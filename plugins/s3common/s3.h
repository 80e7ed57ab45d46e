/* s3.h — the S3 client shared by storage-s3 and storage-minio (a static
 * library linked into each plugin; nothing here is exported from a plugin).
 *
 *   sigv4.c      AWS Signature Version 4 and the URI encoding it depends on
 *   s3_xml.c     the few XML elements S3 answers with (errors, listings)
 *   s3_client.c  a location: URI, credentials, TLS; one request with retries
 *   s3_errors.c  S3 and transport errors turned into sentences a person can
 *                act on; which of them are worth a retry
 *   s3_upload.c  streaming multipart upload of unknown length
 *   s3_read.c    streaming GET (whole or ranged) that resumes with a ranged GET
 *   s3_storage.c the cairn_storage_ops both plugins expose
 *
 * Concurrency: a location (struct s3_loc) is read-only after s3_loc_open
 * except its handle pool, which pool_mu guards, so several readers and
 * writers may use one location from different threads; one reader or
 * writer belongs to one thread at a time. */
#ifndef CAIRN_S3_H
#define CAIRN_S3_H

#include <cairn/storage.h>
#include <curl/curl.h>
#include <pthread.h>
#include <stdint.h>

enum s3_flavor {
	S3_FLAVOR_AWS,	 /* s3://: AWS_* environment, [s3] section, virtual-host on AWS */
	S3_FLAVOR_MINIO, /* minio://: MINIO_* environment, [minio] section, path-style */
};

/* ---- sigv4.c ---------------------------------------------------------- */

#define S3_SHA256_HEX_LEN 64
/* The SHA-256 of no bytes, the payload hash of GET, HEAD and DELETE. */
#define S3_EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

void s3_sha256_hex(const void *data, size_t len, char out[S3_SHA256_HEX_LEN + 1]);

/* Appends s percent-encoded the way SigV4 wants it (RFC 3986 unreserved
 * characters kept, upper-case hex), keeping '/' if keep_slash. Returns a
 * malloc'd string (prefix ++ encoded s) or NULL when out of memory. */
char *s3_uri_encode(const char *s, int keep_slash);

/* A query parameter before encoding; value "" is written "key=". */
struct s3_param {
	const char *key;
	const char *value;
};
/* The canonical query string: encoded, sorted by key then value. malloc'd. */
char *s3_canonical_query(const struct s3_param *params, size_t n);

/* A header that is signed: name in lower case, value trimmed. */
struct s3_header {
	const char *name;
	const char *value;
};
struct s3_sign_input {
	const char *method;
	const char *canonical_uri;	 /* encoded path, "/bucket/key" */
	const char *canonical_query;	 /* from s3_canonical_query, or "" */
	const struct s3_header *headers; /* sorted by name */
	size_t nheaders;
	const char *payload_sha256; /* hex */
	const char *amz_date;	    /* "20130524T000000Z" */
	const char *region;
	const char *service; /* "s3" */
	const char *access_key;
	const char *secret_key;
};
/* Fills out with the value of the Authorization header. Returns 0, or -1
 * when out of memory or out is too small. */
int s3_sigv4_authorization(const struct s3_sign_input *in, char *out, size_t outsz);

/* ---- s3_xml.c --------------------------------------------------------- */

/* The decoded text of the first <tag>...</tag> in [xml, end), or NULL.
 * *next (if given) is set just past the closing tag. malloc'd. */
char *s3_xml_text(const char *xml, const char *end, const char *tag, const char **next);
/* Finds the next <tag>...</tag> block at or after xml: *inner and *inner_end
 * delimit its content. Returns a pointer past the block, or NULL. */
const char *s3_xml_block(const char *xml, const char *end, const char *tag, const char **inner,
			 const char **inner_end);
/* Writes s with &, <, >, ", ' escaped into a malloc'd string. */
char *s3_xml_escape(const char *s);

/* ---- s3_client.c ------------------------------------------------------ */

struct s3_loc {
	enum s3_flavor flavor;
	const char *section; /* "s3" or "minio": ini section, env names, messages */
	char *display;	     /* "s3://host/bucket/prefix" for messages, no secrets */
	char *endpoint;	     /* "host:port" the user named */
	char *host_header;   /* what Host: says (bucket.host in virtual-host style) */
	char *base_url;	     /* "https://host:port" */
	char *bucket;
	char *prefix; /* key prefix inside the bucket: "" or ends with '/' */
	int virtual_host;
	int secure;
	char *region;
	char *ca_file;
	/* Credentials; all NULL when anonymous. */
	int anonymous;
	char *access_key;
	char *secret_key;
	char *session_token;
	const char *access_src; /* where they came from, to say what to fix */
	const char *secret_src;
	int max_attempts;     /* tries per request, >= 1 */
	int part_concurrency; /* parts uploaded at once by one writer */
	long stall_seconds;   /* a transfer moving no byte this long is retried */
	/* Idle curl handles, so connections are reused across requests. */
	pthread_mutex_t pool_mu;
	CURL *pool[16];
	int npool;
};

/* The region an AWS host name names (s3.us-west-2.amazonaws.com,
 * s3-us-west-2..., s3.dualstack.REGION...), or NULL. malloc'd. */
char *s3_region_from_host(const char *host);

/* Called from each plugin's init: keeps the host table for logging, config
 * and secrets; initialises libcurl. */
int s3_init(const struct cairn_host *host, const char *plugin_name, cairn_err *err);
/* Called from each plugin's fini (ABI 1.1): releases libcurl. */
void s3_fini(void);
void s3_log(int level, const char *fmt, ...) CAIRN_PRINTF(2, 3);

int s3_loc_open(enum s3_flavor flavor, const struct cairn_uri *uri, const struct cairn_kv *params,
		struct s3_loc **out, cairn_err *err);
void s3_loc_free(struct s3_loc *loc);

CURL *s3_handle_get(struct s3_loc *loc);
void s3_handle_put(struct s3_loc *loc, CURL *h);

struct s3_req {
	const char *method; /* GET HEAD PUT POST DELETE */
	const char *key;    /* full object key, or NULL for the bucket itself */
	const struct s3_param *query;
	size_t nquery;
	const char *range;    /* "bytes=0-" or NULL (not signed) */
	const char *if_match; /* ETag the object must still have, or NULL */
	const void *body;
	size_t body_len;
	const char *body_sha256; /* hex of body, or NULL to compute */
	size_t max_response;	 /* bytes of body kept; 0 = 16 MiB */
};

struct s3_resp {
	long status;	    /* last HTTP status, 0 if none */
	CURLcode curl_code; /* last transport result */
	char *body;	    /* response body (2xx or error), NUL-terminated */
	size_t body_len;
	char etag[160];
	char content_range[96];
	uint64_t content_length;
	int has_length;
	char *code; /* S3 error code, when the answer was an error */
};
void s3_resp_free(struct s3_resp *r);

/* Everything a request needs except the body transfer: URL, signed headers,
 * TLS options. Used by s3_perform and by the streaming reader. *hdrs is the
 * header list to free after the transfer. */
int s3_setup_handle(struct s3_loc *loc, CURL *h, const struct s3_req *req, struct curl_slist **hdrs,
		    char *errbuf, cairn_err *err);

/* CURLOPT_HEADERFUNCTION filling ETag, Content-Length, Content-Range of
 * the struct s3_resp given as its data. */
size_t s3_on_header(char *line, size_t size, size_t n, void *ctx);

/* Runs req with retries. Returns 0 on a 2xx answer (and, when check_body, a
 * body that is not an <Error>); -1 otherwise with resp->status, resp->code
 * and err set. what says what was being done ("cannot list ..."). */
int s3_perform(struct s3_loc *loc, CURL *h, const struct s3_req *req, struct s3_resp *resp,
	       int check_body, const char *what, cairn_err *err);

/* ---- s3_errors.c ------------------------------------------------------ */

/* Whether a failed attempt may be tried again. */
int s3_retryable(CURLcode cc, long status, const char *code);
/* Sleeps before retry number attempt (1-based): exponential, with jitter. */
void s3_backoff(int attempt);
/* err := what ++ ": " ++ a sentence for this failure. */
void s3_describe_failure(const struct s3_loc *loc, const char *what, CURLcode cc,
			 const char *curl_msg, long status, const char *code, const char *message,
			 cairn_err *err);
/* Parses an S3 <Error> body into its code and message (malloc'd, or NULL). */
void s3_parse_error(const char *body, size_t len, char **code, char **message);

/* ---- s3_upload.c ------------------------------------------------------ */

#define S3_MIN_PART ((size_t)5 << 20)
#define S3_MAX_PART ((size_t)512 << 20)
#define S3_MAX_PARTS 10000
/* The size of part number n (1-based) of an upload of unknown length. */
size_t s3_part_size(int n);

struct s3_writer;
int s3_writer_open(struct s3_loc *loc, const char *name, struct s3_writer **out, cairn_err *err);
int s3_writer_write(struct s3_writer *w, const void *buf, size_t len, cairn_err *err);
int s3_writer_commit(struct s3_writer *w, cairn_err *err);
void s3_writer_abort(struct s3_writer *w);

/* ---- s3_read.c -------------------------------------------------------- */

struct s3_reader;
int s3_reader_open(struct s3_loc *loc, const char *name, struct s3_reader **out, cairn_err *err);
/* length bytes from offset (length 0: to the end), by an HTTP Range GET. */
int s3_reader_open_range(struct s3_loc *loc, const char *name, uint64_t offset, uint64_t length,
			 struct s3_reader **out, cairn_err *err);
ssize_t s3_reader_read(struct s3_reader *r, void *buf, size_t len, cairn_err *err);
void s3_reader_close(struct s3_reader *r);

/* ---- s3_storage.c ----------------------------------------------------- */

/* One page of ListObjectsV2 (body, len bytes): calls cb for each key under
 * prefix (the location's, stripped); sets *token to the next page's
 * continuation token, or NULL after the last page. Returns 1 if cb asked to
 * stop, -1 on a bad page or when cb failed (err as cb set it). */
int s3_list_page(const char *prefix, const char *body, size_t len, cairn_list_cb cb, void *ctx,
		 char **token, const char *what, cairn_err *err);

/* The ops table of a flavor, and the init both plugins' descriptors use. */
extern const struct cairn_storage_ops s3_ops_aws;
extern const struct cairn_storage_ops s3_ops_minio;
int s3_plugin_init_aws(const struct cairn_host *host, cairn_err *err);
int s3_plugin_init_minio(const struct cairn_host *host, cairn_err *err);

#endif

/* gcs.h — storage-gcs's own pieces: the HTTP call with its deadline and
 * retries (gcs_http.c) and the service-account token (gcs_auth.c). Built only
 * from the installed SDK headers, libcurl, OpenSSL and cJSON. */
#ifndef GCS_H
#define GCS_H

#include <cairn/plugin.h>
#include <cairn/storage.h>
#include <curl/curl.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <time.h>

#define GCS_POOL 8

struct gcs_auth {
	pthread_mutex_t mu; /* guards token and token_refresh_at */
	EVP_PKEY *pkey;	    /* NULL: anonymous requests */
	char *email, *key_id, *token_uri;
	char *token;
	time_t token_refresh_at;
};

/* What a handle shares among its threads. */
struct gcs_ctx {
	struct gcs_auth auth;
	pthread_mutex_t pool_mu;
	CURL *pool[GCS_POOL];
	int npool;
	char *ca_file;
	long timeout; /* seconds, each request's deadline */
	long stall;   /* seconds without a byte before a request is given up */
	int retries;  /* tries after the first, for transient failures */
};

struct gcs_req {
	const char *method; /* GET, POST, PUT, DELETE */
	const char *url;
	const void *body;
	size_t body_len;
	const char *content_type;
	const char *range;	   /* "bytes=a-b" */
	const char *content_range; /* "bytes a-b/total" */
	int auth;		   /* send the bearer token */
	long timeout;		   /* overrides ctx->timeout when > 0 */
	size_t max_body;	   /* a larger answer is an error; 0: 64 MiB */
};

struct gcs_resp {
	long status;
	char *body;
	size_t len, cap;
	char location[4096];
	char range[128];
	char content_range[128];
	char generation[32];
	int too_large;
};

extern const struct cairn_host *gcs_host; /* set by init */

void gcs_secret(const void *p, size_t n);
void gcs_printable(char *s);
void gcs_backoff(int attempt);
void gcs_resp_free(struct gcs_resp *r);
/* One HTTP exchange. -1 (CAIRN_E_TRANSIENT) when no answer came; otherwise
 * 0 with r->status, whatever it is. */
int gcs_http(struct gcs_ctx *c, const struct gcs_req *q, struct gcs_resp *r, cairn_err *err);
/* The same with "Authorization: Bearer token" (token NULL: none). */
int gcs_http_bearer(struct gcs_ctx *c, const struct gcs_req *q, const char *token,
		    struct gcs_resp *r, cairn_err *err);
/* (gcs_auth.c) gcs_http with the bearer token, retrying 429, 5xx and lost answers with
 * backoff, and a 401 once with a fresh token. */
int gcs_call(struct gcs_ctx *c, const struct gcs_req *q, struct gcs_resp *r, cairn_err *err);

int gcs_auth_load(struct gcs_auth *a, const char *path, cairn_err *err);
void gcs_auth_clear(struct gcs_auth *a);
/* The current access token into out (refreshed first when due or force). */
int gcs_token(struct gcs_ctx *c, char *out, size_t cap, int force, cairn_err *err);

#endif

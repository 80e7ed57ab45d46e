/* azure.h — the Azure Blob Storage client inside storage-azure (nothing
 * here is exported from the plugin; only cairn_plugin_entry is).
 *
 *   azure_client.c  a location (URI, credentials, endpoint), Shared Key
 *                   signing, one request with retries and a deadline, the
 *                   service's errors as sentences with codes, the few XML
 *                   elements it answers with
 *   storage_azure.c the cairn_storage_ops: block-blob writer with blocks in
 *                   flight, chunked ranged reader, listing, stat, remove
 *
 * The plugin is built from the installed SDK alone: it includes <cairn/...>
 * and nothing of cairn's source tree (the build gives it no other path).
 *
 * Concurrency: a location is read-only after az_loc_open except its pool of
 * idle curl handles, which pool_mu guards. */
#ifndef CAIRN_AZURE_H
#define CAIRN_AZURE_H

#include <cairn/storage.h>
#include <curl/curl.h>
#include <pthread.h>
#include <stdint.h>

#define AZ_API_VERSION "2021-08-06"

struct az_loc {
	char *display;	 /* "azure://account/container/prefix", no secret */
	char *base_url;	 /* "https://account.blob.core.windows.net" or "http://h:p/account" */
	char *path_base; /* "" or "/account" (Azurite's path style) */
	char *account;
	char *container;
	char *prefix; /* "" or ends with '/' */
	int secure;
	char *ca_file;
	/* Credentials: a Shared Key (key/keylen), or a SAS (query string
	 * without '?'), or neither when anonymous. */
	unsigned char key[128];
	size_t keylen;
	char *sas;
	const char *cred_src; /* where they came from, to say what to fix */
	int max_attempts;
	int blocks_in_flight;
	char list_page[16];   /* maxresults of one List Blobs page */
	long timeout_seconds; /* the deadline of one HTTP request */
	pthread_mutex_t pool_mu;
	CURL *pool[16];
	int npool;
};

extern const struct cairn_host *az_host;
void az_log(int level, const char *fmt, ...) CAIRN_PRINTF(2, 3);

int az_loc_open(const struct cairn_uri *uri, const struct cairn_kv *params, struct az_loc **out,
		cairn_err *err);
void az_loc_free(struct az_loc *loc);

/* A query parameter (not yet encoded). */
struct az_param {
	const char *key;
	const char *value;
};

struct az_req {
	const char *method; /* GET HEAD PUT DELETE */
	const char *blob;   /* full blob name in the container, or NULL for the container */
	const struct az_param *query; /* sorted by key */
	size_t nquery;
	const char *x_ms_range; /* "bytes=0-99" or NULL */
	const char *if_match;	/* ETag or NULL */
	const char *blob_type;	/* x-ms-blob-type, or NULL */
	const void *body;
	size_t body_len;
	int has_body;	     /* send body (even of 0 bytes) */
	size_t max_response; /* bytes of body kept; 0 = 16 MiB */
};

struct az_resp {
	long status;
	CURLcode curl_code;
	char *body;
	size_t len, cap, max;
	int overflow;
	uint64_t content_length;
	int has_length;
	uint64_t total; /* from Content-Range "bytes a-b/total" */
	int has_total;
	char etag[160];
	char error_code[96]; /* x-ms-error-code or <Code> */
	CURL *h;	     /* the handle of the transfer under way */
};
void az_resp_free(struct az_resp *r);

/* Runs req with retries (5xx, 429, timeouts, resets, with backoff). 0 on a
 * 2xx answer; -1 otherwise with resp->status, resp->error_code and err set
 * to what ++ ": " ++ a sentence (with a code). */
int az_perform(struct az_loc *loc, const struct az_req *req, struct az_resp *resp, const char *what,
	       cairn_err *err);

/* XML: the decoded text of the first <tag>...</tag> in [xml, end), or NULL
 * (malloc'd); *next set past it. */
char *az_xml_text(const char *xml, const char *end, const char *tag, const char **next);
const char *az_xml_block(const char *xml, const char *end, const char *tag, const char **inner,
			 const char **inner_end);

/* Standard base64 of in into out (room for 4*((n+2)/3)+1). */
void az_b64(const unsigned char *in, size_t n, char *out);

#endif

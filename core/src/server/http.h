/* http.h — a thin request/response layer over libmicrohttpd. Handlers get
 * the whole body (bounded, and within a process-wide budget) and fill a
 * response; one thread per connection so a long backup request never blocks
 * /health or /mutate, with limits on connections in all and per peer. */
#ifndef CAIRN_HTTP_H
#define CAIRN_HTTP_H
#include <cairn/plugin.h>
#include <stddef.h>
#include <sys/socket.h>

struct MHD_Connection;

struct cairn_http_req {
	const char *method;
	const char *path;
	const char *body;
	size_t body_len;
	const struct sockaddr *peer;
	struct MHD_Connection *conn;
	/* A member of the cluster (server/member_auth.h): a valid request MAC
	 * when a cluster secret is set, else a loopback peer; member_why says
	 * why not. */
	int member;
	const char *member_why;
};

struct cairn_http_resp {
	int status;
	char *body; /* malloc'd; freed by the server */
	size_t body_len;
	const char *content_type;
	struct cairn_http_stream *stream; /* set by cairn_http_stream (stream.h): the body */
	char headers[640];		  /* more headers to send: "Name: value\n" lines */
};

typedef void (*cairn_http_handler)(void *ctx, const struct cairn_http_req *req,
				   struct cairn_http_resp *resp);

struct cairn_http_server;

/* How a listener is run. Zero fields take the defaults noted. */
struct cairn_http_opts {
	size_t max_body;		/* one request's body; 0: 16 MiB */
	const char *tls_cert, *tls_key; /* PEM files: serve HTTPS when both are set */
	const char *tls_ca;		/* unused here: see cairn_http_client_tls */
	unsigned max_conns;		/* open connections in all; 0: default */
	unsigned max_conns_per_peer;	/* from one non-loopback address; 0: default */
	unsigned idle_timeout_s;	/* close a connection idle this long; 0: default */
	size_t body_budget;		/* bodies held at once, all requests; 0: default */
};
/* The defaults: 512 connections, 32 from one non-loopback address (loopback
 * counts only towards the total), 30 s idle (counted only while the server
 * waits on the socket, never while a handler runs), 512 MiB of bodies. A
 * request whose body would pass the budget is answered 503 unread; one
 * larger than the budget itself, 413. */
#define CAIRN_HTTP_MAX_CONNS 512u
#define CAIRN_HTTP_MAX_CONNS_PER_PEER 32u
#define CAIRN_HTTP_IDLE_TIMEOUT_S 30u
#define CAIRN_HTTP_BODY_BUDGET ((size_t)512 << 20)

/* addr: "host:port" (host may be empty for all interfaces). */
struct cairn_http_server *cairn_http_start(const char *addr, cairn_http_handler h, void *ctx,
					   const struct cairn_http_opts *opts, cairn_err *err);
void cairn_http_stop(struct cairn_http_server *s);

const char *cairn_http_query(const struct cairn_http_req *req, const char *key);
const char *cairn_http_header(const struct cairn_http_req *req, const char *name);
/* Sets a response: body is copied. */
void cairn_http_reply(struct cairn_http_resp *resp, int status, const char *content_type,
		      const char *body);
/* Sets a JSON error response {"errors":[{"message":msg}]} (msg scrubbed). */
void cairn_http_error(struct cairn_http_resp *resp, int status, const char *fmt, ...)
    CAIRN_PRINTF(3, 4);

/* Client side (libcurl): one request with its own deadline. */
struct cairn_http_call {
	const char *method; /* "GET" or "POST" */
	const char *url;
	const char *content_type; /* NULL: none */
	const char *body;	  /* POST body, may be NULL */
	size_t body_len;
	const char *auth_token; /* sent as X-Cairn-AuthToken when set (not on internal
				 * calls when a cluster secret signs them) */
	long timeout_ms;	/* the whole request, connecting included; 0: 10 s */
	int internal;		/* a call between members: signed with the cluster secret */
	int *cancel;		/* set non-zero (atomically) by another thread: the call ends */
};
/* Performs the call; returns 0 with the HTTP status and the body (malloc'd,
 * NUL-terminated) whatever the status, or -1 when no answer came (refused,
 * timed out, reset: err->code CAIRN_E_TRANSIENT). */
int cairn_http_fetch(const struct cairn_http_call *call, long *status, char **out, size_t *out_len,
		     cairn_err *err);

/* This process's client TLS, set once at start-up before any call: with a
 * CA file (PEM) every URL is https and peers must present a certificate
 * signed by that CA for the address called; NULL: plain http. */
int cairn_http_client_tls(const char *ca_file, cairn_err *err);

/* url = scheme "://" addr path, the scheme being this process's client
 * scheme (http, or https once TLS is configured). Returns -1 if it does
 * not fit. */
int cairn_http_url(char *url, size_t n, const char *addr, const char *path);

/* "localhost:6080" -> "127.0.0.1", 6080; checks the port. */
int cairn_split_hostport(const char *addr, char *host, size_t hostlen, int *port, cairn_err *err);
#endif

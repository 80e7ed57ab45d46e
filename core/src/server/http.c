/* http.c — libmicrohttpd server glue and a libcurl client helper. */
#include "http.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "server/limits.h"
#include "server/member_auth.h"
#include "server/peer.h"
#include "server/stream.h"
#include "server/tls.h"

struct cairn_http_server {
	struct MHD_Daemon *d;
	cairn_http_handler h;
	void *ctx;
	size_t max_body;
	char *tls_cert, *tls_key; /* PEM text while the daemon runs */
	unsigned idle_timeout_s;
	struct cairn_limits limits;
};

struct conn_state {
	char *buf;
	size_t len, cap;
	size_t reserved; /* of the server's body budget */
	int too_big, over_budget;
	int started;
	char *target; /* the request target as sent (path and query): what a member signs */
};

/* Called with the raw request target before MHD splits off the query. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
	(void)cls;
	(void)conn;
	struct conn_state *cs = calloc(1, sizeof *cs);
	if (cs)
		cs->target = strdup(uri ? uri : "");
	return cs;
}

/* Who the peer is to the cluster (struct cairn_http_req's member). */
static void member_check(struct cairn_http_req *req, const struct conn_state *cs)
{
	if (!cairn_member_auth_enabled()) {
		req->member = cairn_peer_is_loopback(req->peer);
		req->member_why = req->member ? NULL : "not a loopback peer";
		return;
	}
	req->member =
	    cs->target &&
	    cairn_member_verify(req->method, cs->target, req->body, req->body_len,
				cairn_http_header(req, CAIRN_MEMBER_HEADER), 0, &req->member_why);
	if (!cs->target)
		req->member_why = "out of memory";
}

int cairn_split_hostport(const char *addr, char *host, size_t hostlen, int *port, cairn_err *err)
{
	const char *colon = strrchr(addr, ':');
	if (!colon)
		return cairn_err_set(err, "address \"%s\" needs a port (host:port)", addr);
	size_t hl = (size_t)(colon - addr);
	const char *h = addr;
	if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']') {
		h++;
		hl -= 2;
	}
	if (hl >= hostlen)
		return cairn_err_set(err, "address \"%s\": host name too long", addr);
	memcpy(host, h, hl);
	host[hl] = 0;
	char *end;
	long p = strtol(colon + 1, &end, 10);
	if (!colon[1] || *end || p < 0 || p > 65535)
		return cairn_err_set(err, "address \"%s\": port must be a number 0-65535", addr);
	*port = (int)p;
	if (!strcmp(host, "localhost"))
		snprintf(host, hostlen, "127.0.0.1");
	return 0;
}

/* Makes the body buffer's room at least need bytes, within the budget: the
 * whole Content-Length at once when the client sent one (one allocation, no
 * doubling), else doubling. Returns -1 past the budget. */
static int body_room(struct cairn_http_server *s, struct MHD_Connection *conn,
		     struct conn_state *cs, size_t need)
{
	size_t want = need * 2;
	const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
	if (cl) {
		unsigned long long n = strtoull(cl, NULL, 10);
		if (n + 1 >= need && n < s->max_body)
			want = (size_t)n + 1;
	}
	if (want > s->max_body + 1)
		want = s->max_body + 1 > need ? s->max_body + 1 : need;
	if (want <= cs->reserved)
		return 0;
	if (cairn_limits_reserve(&s->limits, want - cs->reserved) < 0)
		return -1;
	cs->reserved = want;
	return 0;
}

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	(void)pos;
	long n = cairn_stream_read(cls, buf, max);
	return n > 0	? (ssize_t)n
	       : n == 0 ? MHD_CONTENT_READER_END_OF_STREAM
			: MHD_CONTENT_READER_END_WITH_ERROR;
}

static void stream_free(void *cls) { cairn_stream_free(cls); }

/* resp.headers: "Name: value\n" lines. */
static void add_headers(struct MHD_Response *r, char *lines)
{
	char *line, *next, *colon;

	for (line = lines; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		colon = strchr(line, ':');
		if (!colon || colon == line)
			continue;
		*colon = '\0';
		MHD_add_response_header(r, line, colon + 1 + (colon[1] == ' '));
	}
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_size, void **con_cls)
{
	(void)version;
	struct cairn_http_server *s = cls;
	struct conn_state *cs = *con_cls;
	if (!cs || !cs->started) {
		if (!cs && !(cs = calloc(1, sizeof *cs)))
			return MHD_NO;
		cs->started = 1;
		*con_cls = cs;
		return MHD_YES;
	}
	if (*upload_size) {
		if (cs->too_big || cs->over_budget || cs->len + *upload_size > s->max_body) {
			cs->too_big |= !cs->over_budget;
		} else if (cs->len + *upload_size + 1 > cs->cap &&
			   body_room(s, conn, cs, cs->len + *upload_size + 1) < 0) {
			cs->over_budget = 1;
			free(cs->buf);
			cs->buf = NULL;
			cs->len = cs->cap = 0;
		} else {
			if (cs->len + *upload_size + 1 > cs->cap) {
				size_t nc = cs->reserved;
				char *nb = realloc(cs->buf, nc);
				if (!nb)
					return MHD_NO;
				cs->buf = nb;
				cs->cap = nc;
			}
			memcpy(cs->buf + cs->len, upload_data, *upload_size);
			cs->len += *upload_size;
			cs->buf[cs->len] = 0;
		}
		*upload_size = 0;
		return MHD_YES;
	}
	struct cairn_http_resp resp = {500, NULL, 0, "application/json", NULL, ""};
	if (cs->over_budget) {
		cairn_http_error(&resp, 503,
				 "the server holds as many request bodies as it may; retry later, "
				 "or send smaller batches");
	} else if (cs->too_big) {
		cairn_http_error(&resp, 413,
				 "request body is larger than %zu bytes; send it in parts",
				 s->max_body);
	} else {
		const union MHD_ConnectionInfo *ci =
		    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		struct cairn_http_req req = {
		    method, url, cs->buf ? cs->buf : "", cs->len, ci ? ci->client_addr : NULL, conn,
		    0,	    NULL};
		member_check(&req, cs);
		/* No idle timeout while the handler runs (a group backup answers
		 * after minutes); setting it again restarts the idle clock. */
		MHD_set_connection_option(conn, MHD_CONNECTION_OPTION_TIMEOUT, 0u);
		s->h(s->ctx, &req, &resp);
		MHD_set_connection_option(conn, MHD_CONNECTION_OPTION_TIMEOUT, s->idle_timeout_s);
	}
	/* The body is done with: its budget is free while the answer is sent. */
	free(cs->buf);
	cs->buf = NULL;
	cs->len = cs->cap = 0;
	cairn_limits_release(&s->limits, cs->reserved);
	cs->reserved = 0;
	struct MHD_Response *r;
	if (resp.stream) {
		r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024, stream_read,
						      resp.stream, stream_free);
		if (!r) {
			cairn_stream_free(resp.stream);
			return MHD_NO;
		}
	} else {
		if (!resp.body)
			cairn_http_reply(&resp, resp.status, "text/plain", "");
		r = MHD_create_response_from_buffer(resp.body_len, resp.body,
						    MHD_RESPMEM_MUST_FREE);
		if (!r) {
			free(resp.body);
			return MHD_NO;
		}
	}
	MHD_add_response_header(r, "Content-Type", resp.content_type);
	add_headers(r, resp.headers);
	enum MHD_Result ret = MHD_queue_response(conn, (unsigned)resp.status, r);
	MHD_destroy_response(r);
	return ret;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct cairn_http_server *s = cls;
	(void)conn;
	(void)toe;
	struct conn_state *cs = *con_cls;
	if (cs) {
		cairn_limits_release(&s->limits, cs->reserved);
		free(cs->buf);
		free(cs->target);
		free(cs);
		*con_cls = NULL;
	}
}

/* libmicrohttpd's own messages (a failed TLS handshake, a refused
 * connection) go through cairn's log, one scrubbed line each. */
static void CAIRN_PRINTF(2, 0) mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	(void)cls;
	vsnprintf(msg, sizeof msg, fmt, ap);
	msg[strcspn(msg, "\r\n")] = 0;
	cairn_log(CAIRN_LOG_WARN, "http", "%s", msg);
}

static void free_tls(struct cairn_http_server *s)
{
	free(s->tls_cert);
	cairn_tls_free_pem(s->tls_key);
	s->tls_cert = s->tls_key = NULL;
}

/* Connections per non-loopback peer: counted as they open and close,
 * checked before one is accepted. */
static enum MHD_Result on_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
	struct cairn_http_server *s = cls;
	(void)addrlen;
	return cairn_limits_admit(&s->limits, addr) ? MHD_YES : MHD_NO;
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
			  enum MHD_ConnectionNotificationCode toe)
{
	struct cairn_http_server *s = cls;
	(void)socket_context;
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci)
		cairn_limits_count(&s->limits, ci->client_addr,
				   toe == MHD_CONNECTION_NOTIFY_STARTED ? 1 : -1);
}

struct cairn_http_server *cairn_http_start(const char *addr, cairn_http_handler h, void *ctx,
					   const struct cairn_http_opts *opts, cairn_err *err)
{
	char host[256];
	int port;
	if (cairn_split_hostport(addr, host, sizeof host, &port, err) < 0)
		return NULL;
	struct cairn_http_server *s = calloc(1, sizeof *s);
	if (!s) {
		cairn_err_set(err, "out of memory");
		return NULL;
	}
	s->h = h;
	s->ctx = ctx;
	s->max_body = opts && opts->max_body ? opts->max_body : (16u << 20);
	s->idle_timeout_s =
	    opts && opts->idle_timeout_s ? opts->idle_timeout_s : CAIRN_HTTP_IDLE_TIMEOUT_S;
	unsigned max_conns = opts && opts->max_conns ? opts->max_conns : CAIRN_HTTP_MAX_CONNS;
	cairn_limits_init(&s->limits,
			  opts && opts->max_conns_per_peer ? opts->max_conns_per_peer
							   : CAIRN_HTTP_MAX_CONNS_PER_PEER,
			  opts && opts->body_budget ? opts->body_budget : CAIRN_HTTP_BODY_BUDGET);
	/* A body the budget could never hold is too big (413), not "retry later". */
	if (s->max_body >= s->limits.budget)
		s->max_body = s->limits.budget - 1;
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof ss);
	/* poll(), not select(): descriptors above 1024 must work. */
	unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
			 MHD_USE_POLL | MHD_USE_ERROR_LOG;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	if (!*host || !strcmp(host, "0.0.0.0")) {
		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = htonl(INADDR_ANY);
		sin->sin_port = htons((uint16_t)port);
	} else if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
	} else if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		flags |= MHD_USE_IPv6;
	} else {
		struct addrinfo hints = {0}, *ai = NULL;
		hints.ai_family = AF_INET;
		if (getaddrinfo(host, NULL, &hints, &ai) != 0 || !ai) {
			cairn_err_set(err, "cannot resolve listen address \"%s\"", host);
			goto fail;
		}
		memcpy(sin, ai->ai_addr, sizeof *sin);
		sin->sin_port = htons((uint16_t)port);
		freeaddrinfo(ai);
	}
	/* TLS: the files are checked here, so a wrong one stops the start. */
	struct MHD_OptionItem tls_opts[3] = {{MHD_OPTION_END, 0, NULL}};
	if (opts && (opts->tls_cert || opts->tls_key)) {
		if (!opts->tls_cert || !opts->tls_key) {
			cairn_err_set(err, "serving TLS needs both --tls_cert and --tls_key");
			goto fail;
		}
		if (!MHD_is_feature_supported(MHD_FEATURE_TLS)) {
			cairn_err_set(err, "this libmicrohttpd was built without TLS; install one "
					   "with GnuTLS or drop --tls_cert");
			goto fail;
		}
		if (cairn_tls_load_pair(opts->tls_cert, opts->tls_key, &s->tls_cert, &s->tls_key,
					err) < 0)
			goto fail;
		flags |= MHD_USE_TLS;
		tls_opts[0] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, s->tls_cert};
		tls_opts[1] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, s->tls_key};
		tls_opts[2] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
	}
	s->d = MHD_start_daemon(
	    flags, (uint16_t)port, on_accept, s, on_request, s, MHD_OPTION_EXTERNAL_LOGGER, mhd_log,
	    NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss, MHD_OPTION_NOTIFY_COMPLETED,
	    on_completed, s, MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
	    MHD_OPTION_URI_LOG_CALLBACK, on_uri, NULL, MHD_OPTION_CONNECTION_LIMIT, max_conns,
	    MHD_OPTION_CONNECTION_TIMEOUT, s->idle_timeout_s, MHD_OPTION_ARRAY, tls_opts,
	    MHD_OPTION_END);
	if (!s->d && s->tls_cert) {
		cairn_err_set(err,
			      "cannot serve TLS on %s with %s and %s: the port is in use or "
			      "GnuTLS refused the certificate or key",
			      addr, opts->tls_cert, opts->tls_key);
		goto fail;
	}
	if (!s->d) {
		cairn_err_set(err,
			      "cannot listen on %s: address in use or not available; "
			      "choose another with --http",
			      addr);
		goto fail;
	}
	return s;
fail:
	free_tls(s);
	cairn_limits_clear(&s->limits);
	free(s);
	return NULL;
}

void cairn_http_stop(struct cairn_http_server *s)
{
	if (!s)
		return;
	MHD_stop_daemon(s->d);
	free_tls(s);
	cairn_limits_clear(&s->limits);
	free(s);
}

const char *cairn_http_query(const struct cairn_http_req *req, const char *key)
{
	return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, key);
}

const char *cairn_http_header(const struct cairn_http_req *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

void cairn_http_reply(struct cairn_http_resp *resp, int status, const char *content_type,
		      const char *body)
{
	free(resp->body);
	resp->status = status;
	resp->content_type = content_type;
	resp->body = strdup(body);
	resp->body_len = resp->body ? strlen(resp->body) : 0;
}

void cairn_http_error(struct cairn_http_resp *resp, int status, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	cairn_scrub(msg);
	/* JSON-escape by hand: the message is one line of text. */
	char esc[4200], *w = esc;
	w += sprintf(w, "{\"errors\":[{\"message\":\"");
	for (const char *p = msg; *p && w < esc + sizeof esc - 16; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '"' || c == '\\')
			w += sprintf(w, "\\%c", c);
		else if (c < 0x20)
			w += sprintf(w, "\\u%04x", c);
		else
			*w++ = (char)c;
	}
	sprintf(w, "\"}]}\n");
	cairn_http_reply(resp, status, "application/json", esc);
}

/* The CA the client checks peers against: set once at start-up, before any
 * call (cairn_http_client_tls); NULL: plain HTTP. */
static char *client_ca;

int cairn_http_client_tls(const char *ca_file, cairn_err *err)
{
	free(client_ca);
	client_ca = NULL;
	if (!ca_file || !*ca_file)
		return 0;
	if (cairn_tls_check_ca(ca_file, err) < 0)
		return -1;
	client_ca = strdup(ca_file);
	return client_ca ? 0 : cairn_err_set(err, "out of memory");
}

int cairn_http_url(char *url, size_t n, const char *addr, const char *path)
{
	int w = snprintf(url, n, "%s://%s%s", client_ca ? "https" : "http", addr, path);
	return w < 0 || (size_t)w >= n ? -1 : 0;
}

struct fetch_buf {
	char *p;
	size_t len;
};

static size_t fetch_write(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct fetch_buf *b = ud;
	size_t n = size * nmemb;
	char *np = realloc(b->p, b->len + n + 1);
	if (!np)
		return 0;
	b->p = np;
	memcpy(b->p + b->len, ptr, n);
	b->len += n;
	b->p[b->len] = 0;
	return n;
}

/* TLS failures say which peer and what to check; the rest may pass. */
static void fetch_error(const char *url, CURLcode cc, const char *detail, cairn_err *err)
{
	switch (cc) {
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
		cairn_err_setc(err, CAIRN_E_AUTH,
			       "TLS with %s failed (%s): check that it serves TLS and that "
			       "--tls_ca holds the CA that signed its certificate for that address",
			       url, *detail ? detail : curl_easy_strerror(cc));
		return;
	case CURLE_GOT_NOTHING:
	case CURLE_RECV_ERROR:
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_UNSUPPORTED_PROTOCOL:
		if (!client_ca) {
			cairn_err_setc(err, CAIRN_E_TRANSIENT,
				       "%s: %s; if it serves TLS, give this command --tls_ca", url,
				       curl_easy_strerror(cc));
			return;
		}
		break;
	default:
		break;
	}
	cairn_err_setc(err, CAIRN_E_TRANSIENT, "%s: %s", url, curl_easy_strerror(cc));
}

static int fetch_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
			  curl_off_t ulnow)
{
	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return __atomic_load_n((int *)ud, __ATOMIC_ACQUIRE) != 0;
}

int cairn_http_fetch(const struct cairn_http_call *call, long *status, char **out, size_t *out_len,
		     cairn_err *err)
{
	CURL *c = curl_easy_init();
	struct curl_slist *hdrs = NULL;
	struct fetch_buf b = {NULL, 0};
	int rc = -1;
	if (!c)
		return cairn_err_set(err, "cannot start an HTTP client");
	long timeout_ms = call->timeout_ms > 0 ? call->timeout_ms : 10000;
	curl_easy_setopt(c, CURLOPT_URL, call->url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms < 10000 ? timeout_ms : 10000);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, fetch_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	if (call->cancel) {
		curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, fetch_progress);
		curl_easy_setopt(c, CURLOPT_XFERINFODATA, call->cancel);
		curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	}
	if (!strcmp(call->method, "POST")) {
		curl_easy_setopt(c, CURLOPT_POST, 1L);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, call->body ? call->body : "");
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)call->body_len);
	}
	if (call->content_type) {
		char h[256];
		snprintf(h, sizeof h, "Content-Type: %s", call->content_type);
		hdrs = curl_slist_append(hdrs, h);
	}
	if (call->internal && cairn_member_auth_enabled()) {
		/* A member proves itself with the MAC; the admin token stays home. */
		const char *target = strstr(call->url, "://");
		char h[200] = CAIRN_MEMBER_HEADER ": ";
		target = target ? strchr(target + 3, '/') : NULL;
		if (!target || cairn_member_sign(call->method, target, call->body, call->body_len,
						 h + strlen(h), sizeof h - strlen(h)) < 0) {
			cairn_err_set(err, "%s: cannot sign the call with the cluster secret",
				      call->url);
			goto out;
		}
		hdrs = curl_slist_append(hdrs, h);
	} else if (call->auth_token && *call->auth_token) {
		char *h = NULL;
		if (asprintf(&h, "X-Cairn-AuthToken: %s", call->auth_token) >= 0)
			hdrs = curl_slist_append(hdrs, h);
		free(h);
	}
	if (hdrs)
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	char errbuf[CURL_ERROR_SIZE] = "";
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	if (client_ca) {
		/* Only the cluster's CA: not the system's store. */
		curl_easy_setopt(c, CURLOPT_CAINFO, client_ca);
		curl_easy_setopt(c, CURLOPT_CAPATH, NULL);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	}
	CURLcode cc = curl_easy_perform(c);
	if (cc != CURLE_OK) {
		fetch_error(call->url, cc, errbuf, err);
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	*out = b.p ? b.p : strdup("");
	b.p = NULL;
	if (out_len)
		*out_len = strlen(*out);
	rc = 0;
out:
	free(b.p);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(c);
	return rc;
}

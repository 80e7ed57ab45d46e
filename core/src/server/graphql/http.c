/* http.c — GraphQL over HTTP for any executor (graphql.h has the rules):
 * decoding GET and POST requests (JSON, batches, application/graphql),
 * CORS preflights and origins, and the status of the answer. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "server/graphql/internal.h"

/* ---- one request ---- */

struct request {
	cJSON *owned; /* what query/variables point into, when parsed here */
	const char *query;
	size_t query_len;
	const cJSON *variables;
	const char *operation_name;
};

enum media { MEDIA_OTHER, MEDIA_JSON, MEDIA_GRAPHQL };

static enum media media_of(const char *ct)
{
	size_t n;

	if (!ct)
		return MEDIA_OTHER;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	n = strcspn(ct, "; \t");
	if (n == strlen("application/json") && !strncasecmp(ct, "application/json", n))
		return MEDIA_JSON;
	if (n == strlen("application/graphql") && !strncasecmp(ct, "application/graphql", n))
		return MEDIA_GRAPHQL;
	return MEDIA_OTHER;
}

static int only_space(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isspace((unsigned char)s[i]))
			return 0;
	return 1;
}

/* A body with no declared JSON type is JSON when it parses as an array, or
 * as an object with "query". */
static int looks_like_json_request(const char *body, size_t len)
{
	cJSON *j;
	int yes;

	while (len && isspace((unsigned char)*body)) {
		body++;
		len--;
	}
	if (!len || (*body != '{' && *body != '['))
		return 0;
	j = cJSON_ParseWithLength(body, len);
	yes =
	    cJSON_IsArray(j) || (cJSON_IsObject(j) && cJSON_GetObjectItemCaseSensitive(j, "query"));
	cJSON_Delete(j);
	return yes;
}

/* variables as sent: absent, null, an object, or a string holding one (or
 * empty). Parsed strings are kept in *owned. */
static int read_variables(const cJSON *vars, cJSON **owned, const cJSON **out, char *msg, size_t n)
{
	*out = NULL;
	if (!vars || cJSON_IsNull(vars))
		return 0;
	if (cJSON_IsString(vars) && vars->valuestring) {
		if (only_space(vars->valuestring, strlen(vars->valuestring)))
			return 0;
		*owned = cJSON_Parse(vars->valuestring);
		if (cJSON_IsNull(*owned))
			return 0;
		vars = *owned;
	}
	if (!cJSON_IsObject(vars)) {
		snprintf(msg, n,
			 "\"variables\" must be a JSON object of variable values (or a string "
			 "holding one)");
		return -1;
	}
	*out = vars;
	return 0;
}

/* One {"query", "variables", "operationName"} object. */
static int read_json_object(const cJSON *o, struct request *r, char *msg, size_t n)
{
	const cJSON *q, *opn;

	if (!cJSON_IsObject(o)) {
		snprintf(msg, n,
			 "the request body must be a JSON object like {\"query\": \"...\"}");
		return -1;
	}
	q = cJSON_GetObjectItemCaseSensitive(o, "query");
	if (!cJSON_IsString(q) || !q->valuestring) {
		snprintf(msg, n, "the request has no \"query\" string: send {\"query\": \"...\"}");
		return -1;
	}
	if (read_variables(cJSON_GetObjectItemCaseSensitive(o, "variables"), &r->owned,
			   &r->variables, msg, n))
		return -1;
	opn = cJSON_GetObjectItemCaseSensitive(o, "operationName");
	if (opn && !cJSON_IsNull(opn) && !cJSON_IsString(opn)) {
		snprintf(msg, n, "\"operationName\" must be a string naming an operation");
		return -1;
	}
	r->query = q->valuestring;
	r->query_len = strlen(q->valuestring);
	r->operation_name = cJSON_IsString(opn) ? opn->valuestring : NULL;
	return 0;
}

static cJSON *error_response(const char *msg)
{
	cJSON *errors = NULL, *resp;

	cairn_gql_add_error(&errors, msg, 0, 0, NULL);
	if (!errors || !(resp = cJSON_CreateObject())) {
		cJSON_Delete(errors);
		return NULL;
	}
	cJSON_AddItemToObject(resp, "errors", errors);
	return resp;
}

static cJSON *run(const struct cairn_gql_executor *ex, const struct request *r)
{
	return cairn_gql_execute(ex, r->query, r->query_len, r->operation_name, r->variables);
}

/* ---- answers ---- */

static void append_header(char *headers, size_t n, const char *name, const char *value)
{
	size_t used = strlen(headers);

	if (used < n)
		snprintf(headers + used, n - used, "%s: %s\n", name, value);
}

static void add_header(struct cairn_gql_http_resp *resp, const char *name, const char *value)
{
	append_header(resp->headers, sizeof resp->headers, name, value);
}

static int answer(struct cairn_gql_http_resp *resp, int status, cJSON *json)
{
	if (!json)
		return -1;
	resp->body = cJSON_PrintUnformatted(json);
	cJSON_Delete(json);
	resp->status = status;
	return resp->body ? 0 : -1;
}

static int answer_error(struct cairn_gql_http_resp *resp, int status, const char *msg)
{
	return answer(resp, status, error_response(msg));
}

/* ---- CORS ---- */

/* http(s)://localhost, 127.0.0.1 or [::1], with any port and nothing else. */
static int loopback_origin(const char *o)
{
	static const char *const hosts[] = {"localhost", "127.0.0.1", "[::1]"};
	size_t i, n;

	if (!strncasecmp(o, "http://", 7))
		o += 7;
	else if (!strncasecmp(o, "https://", 8))
		o += 8;
	else
		return 0;
	for (i = 0; i < sizeof hosts / sizeof hosts[0]; i++) {
		n = strlen(hosts[i]);
		if (strncasecmp(o, hosts[i], n))
			continue;
		o += n;
		if (*o == ':' && isdigit((unsigned char)o[1]))
			for (o++; isdigit((unsigned char)*o);)
				o++;
		return *o == '\0';
	}
	return 0;
}

int cairn_gql_origin_allowed(const char *origin, const char *cors_origins)
{
	const char *p = cors_origins, *end;
	size_t n, ol;

	if (!origin || !*origin)
		return 0;
	if (!p || only_space(p, strlen(p)))
		return loopback_origin(origin);
	ol = strlen(origin);
	while (*p) {
		while (*p == ' ' || *p == ',')
			p++;
		end = p + strcspn(p, ",");
		n = (size_t)(end - p);
		while (n && p[n - 1] == ' ')
			n--;
		if ((n == 1 && *p == '*') || (n == ol && !strncasecmp(p, origin, n)))
			return 1;
		p = end;
	}
	return 0;
}

int cairn_gql_cors_headers(const char *origin, const char *cors_origins, char *headers, size_t n)
{
	int star;

	if (!cairn_gql_origin_allowed(origin, cors_origins))
		return 0;
	/* "*" only when configured so; credentials are never allowed (no
	 * Access-Control-Allow-Credentials), so "*" never goes with them. */
	star = cors_origins && cairn_gql_origin_allowed("*", cors_origins);
	append_header(headers, n, "Access-Control-Allow-Origin", star ? "*" : origin);
	if (!star)
		append_header(headers, n, "Vary", "Origin");
	return 1;
}

/* The origin's answer headers; 0 when it may not call (or sent none). */
static int cors(const struct cairn_gql_http_req *req, struct cairn_gql_http_resp *resp)
{
	return cairn_gql_cors_headers(req->origin, req->cors_origins, resp->headers,
				      sizeof resp->headers);
}

static int preflight(const struct cairn_gql_http_req *req, struct cairn_gql_http_resp *resp)
{
	resp->status = 204;
	add_header(resp, "Allow", "GET, POST, OPTIONS");
	if (cors(req, resp)) {
		add_header(resp, "Access-Control-Allow-Methods", "GET, POST, OPTIONS");
		add_header(resp, "Access-Control-Allow-Headers", "Content-Type, X-Cairn-AuthToken");
		add_header(resp, "Access-Control-Max-Age", "600");
	}
	return 0;
}

/* ---- GET and POST ---- */

/* The operation a request would run is a mutation (or a subscription)?
 * Documents that do not parse or name no operation are left to execution,
 * which reports why. */
static int not_a_query(const struct request *r)
{
	struct cairn_gql_error err;
	struct cairn_gql_document *doc = cairn_gql_parse(r->query, r->query_len, &err);
	const struct cairn_gql_operation *op;
	int no;

	if (!doc)
		return 0;
	op = cairn_gql_operation(doc, r->operation_name, &err);
	no = op && op->type != CAIRN_GQL_QUERY;
	cairn_gql_free(doc);
	return no;
}

static int serve_get(const struct cairn_gql_executor *ex, const struct cairn_gql_http_req *req,
		     struct cairn_gql_http_resp *resp)
{
	struct request r = {0};
	cJSON *vars = NULL;
	char msg[256];
	int rc;

	if (!req->query || only_space(req->query, strlen(req->query)))
		return answer_error(resp, 400,
				    "GET /admin needs a query parameter: ?query={health{status}} "
				    "(URL-encoded), or POST the request");
	r.query = req->query;
	r.query_len = strlen(req->query);
	r.operation_name = req->operation_name && *req->operation_name ? req->operation_name : NULL;
	if (req->variables) {
		if (!(vars = cJSON_CreateString(req->variables)))
			return -1;
		if (read_variables(vars, &r.owned, &r.variables, msg, sizeof msg)) {
			cJSON_Delete(vars);
			cJSON_Delete(r.owned);
			return answer_error(resp, 400, msg);
		}
	}
	if (not_a_query(&r)) {
		add_header(resp, "Allow", "POST");
		rc = answer_error(resp, 405,
				  "mutations cannot be sent with GET (a link or a page could "
				  "run them): POST the request");
	} else {
		rc = answer(resp, 200, run(ex, &r));
	}
	cJSON_Delete(vars);
	cJSON_Delete(r.owned);
	return rc;
}

/* A JSON array of requests: an array of answers, in order. */
static int serve_batch(const struct cairn_gql_executor *ex, const cJSON *arr,
		       struct cairn_gql_http_resp *resp)
{
	struct request r[CAIRN_GQL_MAX_BATCH];
	int i, n = cJSON_GetArraySize(arr), rc = -1;
	char msg[256], full[320];
	cJSON *out;

	if (n == 0)
		return answer_error(resp, 400, "the batch is empty: send at least one request");
	if (n > CAIRN_GQL_MAX_BATCH) {
		snprintf(msg, sizeof msg,
			 "the batch holds %d requests, more than %d: send it in parts", n,
			 CAIRN_GQL_MAX_BATCH);
		return answer_error(resp, 400, msg);
	}
	memset(r, 0, sizeof r);
	/* every request well formed before any runs */
	for (i = 0; i < n; i++)
		if (read_json_object(cJSON_GetArrayItem(arr, i), &r[i], msg, sizeof msg)) {
			snprintf(full, sizeof full, "request %d of the batch: %s", i + 1, msg);
			rc = answer_error(resp, 400, full);
			goto out;
		}
	if (!(out = cJSON_CreateArray()))
		goto out;
	for (i = 0; i < n; i++)
		cJSON_AddItemToArray(out, run(ex, &r[i]));
	rc = answer(resp, 200, out);
out:
	for (i = 0; i < n; i++)
		cJSON_Delete(r[i].owned);
	return rc;
}

static int serve_post(const struct cairn_gql_executor *ex, const struct cairn_gql_http_req *req,
		      struct cairn_gql_http_resp *resp)
{
	const char *body = req->body ? req->body : "", *end = NULL;
	size_t len = req->body ? req->len : 0;
	enum media m = media_of(req->content_type);
	struct request r = {0};
	cJSON *json;
	char msg[256];
	int rc;

	if (only_space(body, len))
		return answer_error(resp, 400, "the request body is empty: send a GraphQL query");
	if (m == MEDIA_OTHER)
		m = looks_like_json_request(body, len) ? MEDIA_JSON : MEDIA_GRAPHQL;
	if (m == MEDIA_GRAPHQL) {
		r.query = body;
		r.query_len = len;
		return answer(resp, 200, run(ex, &r));
	}
	json = cJSON_ParseWithLengthOpts(body, len, &end, 0);
	if (!json || !only_space(end, len - (size_t)(end - body))) {
		cJSON_Delete(json);
		return answer_error(resp, 400,
				    "the request body is not valid JSON: send {\"query\": \"...\"} "
				    "as application/json, or the query itself as "
				    "application/graphql");
	}
	if (cJSON_IsArray(json))
		rc = serve_batch(ex, json, resp);
	else if (read_json_object(json, &r, msg, sizeof msg))
		rc = answer_error(resp, 400, msg);
	else
		rc = answer(resp, 200, run(ex, &r));
	cJSON_Delete(r.owned);
	cJSON_Delete(json);
	return rc;
}

int cairn_gql_http_serve(const struct cairn_gql_executor *ex, const struct cairn_gql_http_req *req,
			 struct cairn_gql_http_resp *resp)
{
	const char *m = req->method ? req->method : "";
	char msg[256];

	memset(resp, 0, sizeof *resp);
	resp->status = 500;
	if (!strcmp(m, "OPTIONS"))
		return preflight(req, resp);
	if (req->origin && *req->origin && !cors(req, resp)) {
		snprintf(msg, sizeof msg,
			 "pages at origin %.80s may not call this endpoint: add the origin to "
			 "--cors_origins",
			 req->origin);
		return answer_error(resp, 403, msg);
	}
	if (!strcmp(m, "GET"))
		return serve_get(ex, req, resp);
	if (!strcmp(m, "POST"))
		return serve_post(ex, req, resp);
	add_header(resp, "Allow", "GET, POST, OPTIONS");
	return answer_error(resp, 405, "send GraphQL requests with POST (or queries with GET)");
}

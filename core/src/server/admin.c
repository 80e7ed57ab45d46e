/* admin.c — POST /admin: decodes the GraphQL-over-HTTP request, and holds
 * the admin schema and its resolver table, which the engine's executor
 * (graphql/execute.c) dispatches through. Resolvers call the alpha's ops and
 * hand back plain JSON for their type; the executor shapes the answer to
 * exactly what was selected.
 *
 * A new admin field is a row in the schema tables, a resolver, and a row in
 * admin_resolvers below. */
#include "server/admin.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "server/graphql/graphql.h"

#define SECRET_MIN_LEN 4 /* shorter values would blank out ordinary words */

static const struct cairn_gql_field_def backup_input_fields[] = {
    {"destination", "String!", NULL, 0}, {"accessKey", "String", NULL, 0},
    {"secretKey", "String", NULL, 0},	 {"sessionToken", "String", NULL, 0},
    {"anonymous", "Boolean", NULL, 0},	 {"forceFull", "Boolean", NULL, 0},
    {"compression", "String", NULL, 0},
};
static const struct cairn_gql_field_def backup_args[] = {{"input", "BackupInput!", NULL, 0}};
static const struct cairn_gql_field_def mutation_fields[] = {
    {"backup", "BackupPayload", backup_args, 1}};
static const struct cairn_gql_field_def payload_fields[] = {{"response", "Response", NULL, 0},
							    {"taskId", "String", NULL, 0}};
static const struct cairn_gql_field_def response_fields[] = {{"code", "String", NULL, 0},
							     {"message", "String", NULL, 0}};
static const struct cairn_gql_field_def query_fields[] = {{"health", "[NodeState]", NULL, 0}};
static const struct cairn_gql_field_def node_fields[] = {
    {"instance", "String", NULL, 0},	  {"address", "String", NULL, 0},
    {"status", "String", NULL, 0},	  {"group", "String", NULL, 0},
    {"version", "String", NULL, 0},	  {"uptime", "Int", NULL, 0},
    {"lastEcho", "Int", NULL, 0},	  {"ongoing", "[String]", NULL, 0},
    {"ee_features", "[String]", NULL, 0},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const struct cairn_gql_type_def admin_types[] = {
    {"Query", CAIRN_GQL_OBJECT_TYPE, query_fields, COUNT(query_fields)},
    {"Mutation", CAIRN_GQL_OBJECT_TYPE, mutation_fields, COUNT(mutation_fields)},
    {"BackupPayload", CAIRN_GQL_OBJECT_TYPE, payload_fields, COUNT(payload_fields)},
    {"Response", CAIRN_GQL_OBJECT_TYPE, response_fields, COUNT(response_fields)},
    {"NodeState", CAIRN_GQL_OBJECT_TYPE, node_fields, COUNT(node_fields)},
    {"BackupInput", CAIRN_GQL_INPUT_TYPE, backup_input_fields, COUNT(backup_input_fields)},
};

/* Introspection's descriptions (graphql.h: struct cairn_gql_doc). */
static const struct cairn_gql_doc admin_docs[] = {
    {"Query", "health", "The state of this node, as Dgraph's health query answers it.", NULL},
    {"Mutation", "backup",
     "Backs the whole cluster up to a destination: a full backup, or an incremental one when "
     "the destination holds a series already.",
     NULL},
    {"BackupInput", NULL, "Where a backup goes and how.", NULL},
    {"BackupInput", "destination",
     "/abs/path, file:///abs/path, s3://host/bucket[/prefix] or minio://host:port/bucket "
     "(?secure=false for plain HTTP).",
     NULL},
    {"BackupInput", "accessKey", "Object store access key (else the environment).", NULL},
    {"BackupInput", "secretKey", "Object store secret key (else the environment).", NULL},
    {"BackupInput", "sessionToken", "Temporary credentials' session token.", NULL},
    {"BackupInput", "anonymous", "Send no credentials (a public bucket).", NULL},
    {"BackupInput", "forceFull", "Start a new series with a full backup.", NULL},
    {"BackupInput", "compression", "gzip (default) or zstd.", NULL},
    {"NodeState", NULL, "One node of the cluster.", NULL},
    {"NodeState", "uptime", "Seconds since the node started.", NULL},
    {"NodeState", "lastEcho", "Unix time the node was last heard from.", NULL},
    {"NodeState", "ongoing", "Operations running now (opBackup).", NULL},
    {"NodeState", "ee_features", "Enterprise features this node offers.", NULL},
};

static const struct cairn_gql_schema admin_schema = {
    admin_types, COUNT(admin_types), "Query", "Mutation", admin_docs, COUNT(admin_docs)};

/* ---- the HTTP request ---- */

struct request {
	cJSON *json;
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

static int looks_like_json_request(const char *body, size_t len)
{
	cJSON *j;
	int yes;

	while (len && isspace((unsigned char)*body)) {
		body++;
		len--;
	}
	if (!len || *body != '{')
		return 0;
	j = cJSON_ParseWithLength(body, len);
	yes = cJSON_IsObject(j) && cJSON_GetObjectItemCaseSensitive(j, "query");
	cJSON_Delete(j);
	return yes;
}

static int read_json_request(const char *body, size_t len, struct request *r, char *msg, size_t n)
{
	const char *end = NULL;
	const cJSON *q, *vars, *opn;

	r->json = cJSON_ParseWithLengthOpts(body, len, &end, 0);
	if (!r->json || !only_space(end, len - (size_t)(end - body))) {
		snprintf(msg, n,
			 "the request body is not valid JSON: send {\"query\": \"...\"} as "
			 "application/json, or the query itself as application/graphql");
		return -1;
	}
	if (!cJSON_IsObject(r->json)) {
		snprintf(msg, n,
			 "the request body must be a JSON object like {\"query\": \"...\"}");
		return -1;
	}
	q = cJSON_GetObjectItemCaseSensitive(r->json, "query");
	if (!cJSON_IsString(q) || !q->valuestring) {
		snprintf(msg, n, "the request has no \"query\" string: send {\"query\": \"...\"}");
		return -1;
	}
	vars = cJSON_GetObjectItemCaseSensitive(r->json, "variables");
	if (vars && !cJSON_IsNull(vars) && !cJSON_IsObject(vars)) {
		snprintf(msg, n, "\"variables\" must be a JSON object of variable values");
		return -1;
	}
	opn = cJSON_GetObjectItemCaseSensitive(r->json, "operationName");
	if (opn && !cJSON_IsNull(opn) && !cJSON_IsString(opn)) {
		snprintf(msg, n, "\"operationName\" must be a string naming an operation");
		return -1;
	}
	r->query = q->valuestring;
	r->query_len = strlen(q->valuestring);
	r->variables = cJSON_IsObject(vars) ? vars : NULL;
	r->operation_name = cJSON_IsString(opn) ? opn->valuestring : NULL;
	return 0;
}

static int read_request(const char *content_type, const char *body, size_t len, struct request *r,
			char *msg, size_t n)
{
	enum media m = media_of(content_type);

	if (!body) {
		body = "";
		len = 0;
	}
	if (only_space(body, len)) {
		snprintf(msg, n, "the request body is empty: send a GraphQL query");
		return -1;
	}
	if (m == MEDIA_OTHER)
		m = looks_like_json_request(body, len) ? MEDIA_JSON : MEDIA_GRAPHQL;
	if (m == MEDIA_JSON)
		return read_json_request(body, len, r, msg, n);
	r->query = body;
	r->query_len = len;
	return 0;
}

static void append(char *out, size_t cap, size_t *used, const char *s, size_t n)
{
	if (*used + 1 >= cap)
		return;
	if (n > cap - 1 - *used)
		n = cap - 1 - *used;
	memcpy(out + *used, s, n);
	*used += n;
	out[*used] = '\0';
}

/* A resolver's message must not carry a credential back to the caller. */
static void scrub(char *msg, size_t cap, const char *secret)
{
	char out[sizeof((cairn_err *)0)->msg];
	const char *p = msg, *hit;
	size_t sl, used = 0;

	if (!secret || (sl = strlen(secret)) < SECRET_MIN_LEN || !strstr(msg, secret))
		return;
	out[0] = '\0';
	while ((hit = strstr(p, secret))) {
		append(out, sizeof out, &used, p, (size_t)(hit - p));
		append(out, sizeof out, &used, "[redacted]", 10);
		p = hit + sl;
	}
	append(out, sizeof out, &used, p, strlen(p));
	used = used < cap - 1 ? used : cap - 1;
	memcpy(msg, out, used);
	msg[used] = '\0';
}

static const char *input_string(const cJSON *input, const char *name)
{
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(input, name);

	return cJSON_IsString(s) ? s->valuestring : NULL;
}

/* BackupInput fields that hold credentials: a resolver's message must not
 * carry them back to the caller. */
static const char *const backup_secret_fields[] = {"accessKey", "secretKey", "sessionToken"};

/* Mutation.backup: runs the backup through the alpha, answers a BackupPayload. */
static int resolve_backup(const struct cairn_gql_resolve *r, cJSON **out, cairn_err *err)
{
	const struct cairn_admin_ops *ops = r->ctx;
	const cJSON *input = cJSON_GetObjectItemCaseSensitive(r->args, "input");
	cJSON *payload, *resp;
	char *task = NULL;
	size_t i;

	if (!ops->backup) {
		return cairn_err_set(err, "backups are not available on this server");
	}
	if (ops->backup(ops->ctx, r->args, &task, err)) {
		free(task);
		err->msg[sizeof err->msg - 1] = '\0';
		for (i = 0; i < COUNT(backup_secret_fields); i++)
			scrub(err->msg, sizeof err->msg,
			      input_string(input, backup_secret_fields[i]));
		if (!err->msg[0])
			cairn_err_set(err, "backup failed");
		return -1;
	}
	payload = cJSON_CreateObject();
	if (!payload || !(resp = cJSON_AddObjectToObject(payload, "response"))) {
		cJSON_Delete(payload);
		free(task);
		return 0; /* out of memory: null */
	}
	cJSON_AddStringToObject(resp, "code", "Success");
	cJSON_AddStringToObject(resp, "message", "Backup completed.");
	if (task)
		cJSON_AddStringToObject(payload, "taskId", task);
	else
		cJSON_AddNullToObject(payload, "taskId");
	free(task);
	*out = payload;
	return 0;
}

/* Query.health: this node's NodeState, as a list of one. */
static int resolve_health(const struct cairn_gql_resolve *r, cJSON **out, cairn_err *err)
{
	const struct cairn_admin_ops *ops = r->ctx;
	cJSON *list, *node;

	if (!ops->health) {
		return cairn_err_set(err, "health is not available on this server");
	}
	if (!(list = cJSON_CreateArray()) || !(node = cJSON_CreateObject())) {
		cJSON_Delete(list);
		return 0;
	}
	cJSON_AddItemToArray(list, node);
	ops->health(ops->ctx, node);
	*out = list;
	return 0;
}

static const struct cairn_gql_resolver admin_resolvers[] = {
    {"Query", "health", resolve_health},
    {"Mutation", "backup", resolve_backup},
};

char *cairn_admin_execute(const struct cairn_admin_ops *ops, const char *content_type,
			  const char *body, size_t len, int *http_status)
{
	struct cairn_admin_ops o = {0};
	struct cairn_gql_executor ex = {&admin_schema, admin_resolvers, COUNT(admin_resolvers), &o};
	struct request req;
	cJSON *resp = NULL, *errors = NULL;
	char msg[256];
	char *out = NULL;
	int status = 200;

	if (ops)
		o = *ops;
	memset(&req, 0, sizeof req);
	if (read_request(content_type, body, len, &req, msg, sizeof msg)) {
		status = 400;
		cairn_gql_add_error(&errors, msg, 0, 0, NULL);
		if (errors && (resp = cJSON_CreateObject()))
			cJSON_AddItemToObject(resp, "errors", errors);
		else
			cJSON_Delete(errors);
	} else {
		resp = cairn_gql_execute(&ex, req.query, req.query_len, req.operation_name,
					 req.variables);
	}
	if (resp)
		out = cJSON_PrintUnformatted(resp);
	cJSON_Delete(resp);
	cJSON_Delete(req.json);
	*http_status = out ? status : 500;
	return out;
}

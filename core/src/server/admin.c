/* admin.c — POST /admin: decodes the GraphQL-over-HTTP request, and holds
 * the admin schema and its resolver table, which the engine's executor
 * (graphql/execute.c) dispatches through. Resolvers call the alpha's ops and
 * hand back plain JSON for their type; the executor shapes the answer to
 * exactly what was selected.
 *
 * A new admin field is a row in the schema tables, a resolver, and a row in
 * admin_resolvers below. */
#include "server/admin.h"

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
static const struct cairn_gql_field_def export_input_fields[] = {
    {"format", "String", NULL, 0},	 {"destination", "String!", NULL, 0},
    {"accessKey", "String", NULL, 0},	 {"secretKey", "String", NULL, 0},
    {"sessionToken", "String", NULL, 0}, {"anonymous", "Boolean", NULL, 0},
};
static const struct cairn_gql_field_def export_args[] = {{"input", "ExportInput!", NULL, 0}};
static const struct cairn_gql_field_def export_payload_fields[] = {
    {"response", "Response", NULL, 0},
    {"exportedFiles", "[String]", NULL, 0},
    {"taskId", "String", NULL, 0},
};
static const struct cairn_gql_field_def mutation_fields[] = {
    {"backup", "BackupPayload", backup_args, 1},
    {"export", "ExportPayload", export_args, 1},
};
static const struct cairn_gql_field_def payload_fields[] = {{"response", "Response", NULL, 0},
							    {"taskId", "String", NULL, 0}};
static const struct cairn_gql_field_def response_fields[] = {{"code", "String", NULL, 0},
							     {"message", "String", NULL, 0}};
static const struct cairn_gql_field_def query_fields[] = {{"health", "[NodeState]", NULL, 0}};
static const struct cairn_gql_field_def node_fields[] = {
    {"instance", "String", NULL, 0},   {"address", "String", NULL, 0},
    {"status", "String", NULL, 0},     {"group", "String", NULL, 0},
    {"version", "String", NULL, 0},    {"uptime", "Int", NULL, 0},
    {"lastEcho", "Int", NULL, 0},      {"ongoing", "[String]", NULL, 0},
    {"indexing", "[String]", NULL, 0}, {"ee_features", "[String]", NULL, 0},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const struct cairn_gql_type_def admin_types[] = {
    {"Query", CAIRN_GQL_OBJECT_TYPE, query_fields, COUNT(query_fields)},
    {"Mutation", CAIRN_GQL_OBJECT_TYPE, mutation_fields, COUNT(mutation_fields)},
    {"BackupPayload", CAIRN_GQL_OBJECT_TYPE, payload_fields, COUNT(payload_fields)},
    {"Response", CAIRN_GQL_OBJECT_TYPE, response_fields, COUNT(response_fields)},
    {"NodeState", CAIRN_GQL_OBJECT_TYPE, node_fields, COUNT(node_fields)},
    {"BackupInput", CAIRN_GQL_INPUT_TYPE, backup_input_fields, COUNT(backup_input_fields)},
    {"ExportPayload", CAIRN_GQL_OBJECT_TYPE, export_payload_fields, COUNT(export_payload_fields)},
    {"ExportInput", CAIRN_GQL_INPUT_TYPE, export_input_fields, COUNT(export_input_fields)},
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
    {"Mutation", "export",
     "Exports the whole cluster at one read timestamp to a destination: one gzip file per "
     "group and export.json, written last, in a folder export.YYYYMMDD.HHMMSS.mmm.",
     NULL},
    {"ExportInput", NULL, "Where an export goes and in which format.", NULL},
    {"ExportInput", "format", "rdf (default: N-Quads, as /export) or json (Dgraph's form).", NULL},
    {"ExportInput", "destination",
     "/abs/path, file:///abs/path, s3://host/bucket[/prefix] or minio://host:port/bucket "
     "(?secure=false for plain HTTP).",
     NULL},
    {"ExportInput", "accessKey", "Object store access key (else the environment).", NULL},
    {"ExportInput", "secretKey", "Object store secret key (else the environment).", NULL},
    {"ExportInput", "sessionToken", "Temporary credentials' session token.", NULL},
    {"ExportInput", "anonymous", "Send no credentials (a public bucket).", NULL},
    {"ExportPayload", "exportedFiles",
     "The files written, relative to the destination, the manifest last.", NULL},
    {"ExportPayload", "taskId", "The export's task id (null: it ran to the end).", NULL},
    {"NodeState", NULL, "One node of the cluster.", NULL},
    {"NodeState", "uptime", "Seconds since the node started.", NULL},
    {"NodeState", "lastEcho", "Unix time the node was last heard from.", NULL},
    {"NodeState", "ongoing", "Operations running now (opBackup).", NULL},
    {"NodeState", "indexing", "Predicates being indexed now (none: cairn keeps no indexes).", NULL},
    {"NodeState", "ee_features", "Enterprise features this node offers.", NULL},
};

static const struct cairn_gql_schema admin_schema = {
    admin_types, COUNT(admin_types), "Query", "Mutation", admin_docs, COUNT(admin_docs)};

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

/* Mutation.export: runs the export through the alpha, answers an ExportPayload. */
static int resolve_export(const struct cairn_gql_resolve *r, cJSON **out, cairn_err *err)
{
	const struct cairn_admin_ops *ops = r->ctx;
	const cJSON *input = cJSON_GetObjectItemCaseSensitive(r->args, "input");
	cJSON *payload, *resp, *files = NULL;
	char *message = NULL;

	if (!ops->export)
		return cairn_err_set(err, "exports are not available on this server");
	if (ops->export(ops->ctx, r->args, &message, &files, err)) {
		err->msg[sizeof err->msg - 1] = '\0';
		for (size_t i = 0; i < COUNT(backup_secret_fields); i++)
			scrub(err->msg, sizeof err->msg,
			      input_string(input, backup_secret_fields[i]));
		if (!err->msg[0])
			cairn_err_set(err, "export failed");
		return -1;
	}
	payload = cJSON_CreateObject();
	if (!payload || !(resp = cJSON_AddObjectToObject(payload, "response"))) {
		cJSON_Delete(payload);
		cJSON_Delete(files);
		free(message);
		return 0; /* out of memory: null */
	}
	cJSON_AddStringToObject(resp, "code", "Success");
	cJSON_AddStringToObject(resp, "message", message ? message : "Export completed.");
	cJSON_AddItemToObject(payload, "exportedFiles", files ? files : cJSON_CreateArray());
	cJSON_AddNullToObject(payload, "taskId");
	free(message);
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
    {"Mutation", "export", resolve_export},
};

int cairn_admin_serve(const struct cairn_admin_ops *ops, const struct cairn_gql_http_req *req,
		      struct cairn_gql_http_resp *resp)
{
	struct cairn_admin_ops o = {0};
	struct cairn_gql_executor ex = {&admin_schema, admin_resolvers, COUNT(admin_resolvers), &o};

	if (ops)
		o = *ops;
	return cairn_gql_http_serve(&ex, req, resp);
}

char *cairn_admin_execute(const struct cairn_admin_ops *ops, const char *content_type,
			  const char *body, size_t len, int *http_status)
{
	struct cairn_gql_http_req req = {0};
	struct cairn_gql_http_resp resp;

	req.method = "POST";
	req.content_type = content_type;
	req.body = body;
	req.len = len;
	if (cairn_admin_serve(ops, &req, &resp) || !resp.body) {
		free(resp.body);
		*http_status = 500;
		return NULL;
	}
	*http_status = resp.status;
	return resp.body;
}

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
    {"compression", "String", NULL, 0},	 {"async", "Boolean", NULL, 0},
};
static const struct cairn_gql_field_def backup_args[] = {{"input", "BackupInput!", NULL, 0}};
static const struct cairn_gql_field_def restore_input_fields[] = {
    {"location", "String!", NULL, 0},
    {"backupId", "String", NULL, 0},
    {"backupNum", "Int", NULL, 0},
    {"toTs", "Int", NULL, 0},
    {"toTime", "String", NULL, 0},
    {"encryptionKeyFile", "String", NULL, 0},
    {"vaultAddr", "String", NULL, 0},
    {"vaultRoleIDFile", "String", NULL, 0},
    {"vaultSecretIDFile", "String", NULL, 0},
    {"vaultPath", "String", NULL, 0},
    {"vaultField", "String", NULL, 0},
    {"vaultFormat", "String", NULL, 0},
    {"accessKey", "String", NULL, 0},
    {"secretKey", "String", NULL, 0},
    {"sessionToken", "String", NULL, 0},
    {"anonymous", "Boolean", NULL, 0},
    {"async", "Boolean", NULL, 0},
};
static const struct cairn_gql_field_def restore_args[] = {{"input", "RestoreInput!", NULL, 0}};
static const struct cairn_gql_field_def restore_payload_fields[] = {
    {"code", "String", NULL, 0}, {"message", "String", NULL, 0}, {"taskId", "String", NULL, 0}};
static const struct cairn_gql_field_def export_input_fields[] = {
    {"format", "String", NULL, 0},	 {"destination", "String!", NULL, 0},
    {"accessKey", "String", NULL, 0},	 {"secretKey", "String", NULL, 0},
    {"sessionToken", "String", NULL, 0}, {"anonymous", "Boolean", NULL, 0},
    {"async", "Boolean", NULL, 0},
};
static const struct cairn_gql_field_def export_args[] = {{"input", "ExportInput!", NULL, 0}};
static const struct cairn_gql_field_def export_payload_fields[] = {
    {"response", "Response", NULL, 0},
    {"exportedFiles", "[String]", NULL, 0},
    {"taskId", "String", NULL, 0},
};
static const struct cairn_gql_field_def mutation_fields[] = {
    {"backup", "BackupPayload", backup_args, 1},
    {"restore", "RestorePayload", restore_args, 1},
    {"export", "ExportPayload", export_args, 1},
};
static const struct cairn_gql_field_def payload_fields[] = {{"response", "Response", NULL, 0},
							    {"taskId", "String", NULL, 0}};
static const struct cairn_gql_field_def response_fields[] = {{"code", "String", NULL, 0},
							     {"message", "String", NULL, 0}};
static const struct cairn_gql_field_def task_args[] = {{"input", "TaskInput!", NULL, 0}};
static const struct cairn_gql_field_def list_backups_args[] = {
    {"input", "ListBackupsInput!", NULL, 0}};
static const struct cairn_gql_field_def query_fields[] = {
    {"health", "[NodeState]", NULL, 0},
    {"task", "TaskPayload", task_args, 1},
    {"listBackups", "[Manifest]", list_backups_args, 1},
};
static const struct cairn_gql_field_def task_input_fields[] = {{"id", "String!", NULL, 0}};
static const struct cairn_gql_field_def task_payload_fields[] = {
    {"status", "TaskStatus", NULL, 0}, {"lastUpdated", "String", NULL, 0},
    {"kind", "TaskKind", NULL, 0},     {"bytes", "Int", NULL, 0},
    {"objects", "Int", NULL, 0},       {"error", "String", NULL, 0},
};
static const struct cairn_gql_field_def task_status_values[] = {
    {"Queued", NULL, NULL, 0},
    {"Running", NULL, NULL, 0},
    {"Failed", NULL, NULL, 0},
    {"Success", NULL, NULL, 0},
};
static const struct cairn_gql_field_def task_kind_values[] = {
    {"Backup", NULL, NULL, 0}, {"Restore", NULL, NULL, 0}, {"Export", NULL, NULL, 0}};
static const struct cairn_gql_field_def list_backups_input_fields[] = {
    {"location", "String!", NULL, 0},  {"accessKey", "String", NULL, 0},
    {"secretKey", "String", NULL, 0},  {"sessionToken", "String", NULL, 0},
    {"anonymous", "Boolean", NULL, 0},
};
static const struct cairn_gql_field_def manifest_fields[] = {
    {"backupId", "String", NULL, 0},   {"backupNum", "Int", NULL, 0},
    {"encrypted", "Boolean", NULL, 0}, {"path", "String", NULL, 0},
    {"since", "Int", NULL, 0},	       {"readTs", "Int", NULL, 0},
    {"type", "String", NULL, 0},       {"groups", "[BackupGroup]", NULL, 0},
};
static const struct cairn_gql_field_def backup_group_fields[] = {
    {"groupId", "Int", NULL, 0}, {"predicates", "[String]", NULL, 0}};
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
    {"RestoreInput", CAIRN_GQL_INPUT_TYPE, restore_input_fields, COUNT(restore_input_fields)},
    {"RestorePayload", CAIRN_GQL_OBJECT_TYPE, restore_payload_fields,
     COUNT(restore_payload_fields)},
    {"TaskInput", CAIRN_GQL_INPUT_TYPE, task_input_fields, COUNT(task_input_fields)},
    {"TaskPayload", CAIRN_GQL_OBJECT_TYPE, task_payload_fields, COUNT(task_payload_fields)},
    {"TaskStatus", CAIRN_GQL_ENUM_TYPE, task_status_values, COUNT(task_status_values)},
    {"TaskKind", CAIRN_GQL_ENUM_TYPE, task_kind_values, COUNT(task_kind_values)},
    {"ListBackupsInput", CAIRN_GQL_INPUT_TYPE, list_backups_input_fields,
     COUNT(list_backups_input_fields)},
    {"Manifest", CAIRN_GQL_OBJECT_TYPE, manifest_fields, COUNT(manifest_fields)},
    {"BackupGroup", CAIRN_GQL_OBJECT_TYPE, backup_group_fields, COUNT(backup_group_fields)},
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
    {"Mutation", "restore",
     "Restores a backup series into the running cluster: every group builds its part beside "
     "its live data and swaps it in only when all groups have; writes are refused meanwhile.",
     NULL},
    {"RestoreInput", NULL, "Which backups to restore and how to read them.", NULL},
    {"RestoreInput", "location", "Where the backups are (a directory or URI).", NULL},
    {"RestoreInput", "backupId", "The series to restore (default: the newest backup's).", NULL},
    {"RestoreInput", "backupNum", "Restore the series up to this backup (default: all).", NULL},
    {"RestoreInput", "toTs",
     "Restore the cluster as it was at this commit timestamp: the newest series (or backupId's) "
     "whose restorable range holds it, its commits after toTs left out.",
     NULL},
    {"RestoreInput", "toTime",
     "Restore the cluster as it was at this UTC time (RFC 3339, 2026-11-30T14:01:00Z): the last "
     "commit at or before it, by the commit times the backups record.",
     NULL},
    {"RestoreInput", "encryptionKeyFile",
     "The key's file on the alpha (default: the alpha's own key).", NULL},
    {"RestoreInput", "vaultAddr", "Vault's address, to read the key from Vault.", NULL},
    {"RestoreInput", "vaultRoleIDFile", "File on the alpha holding the Vault role-id.", NULL},
    {"RestoreInput", "vaultSecretIDFile", "File on the alpha holding the Vault secret-id.", NULL},
    {"RestoreInput", "vaultPath", "Vault KV path of the key.", NULL},
    {"RestoreInput", "vaultField", "Field of the Vault secret that holds the key.", NULL},
    {"RestoreInput", "vaultFormat", "base64 or raw.", NULL},
    {"RestoreInput", "accessKey", "Object store access key (else the environment).", NULL},
    {"RestoreInput", "secretKey", "Object store secret key (else the environment).", NULL},
    {"RestoreInput", "sessionToken", "Temporary credentials' session token.", NULL},
    {"RestoreInput", "anonymous", "Send no credentials (a public bucket).", NULL},
    {"RestorePayload", NULL, "The restore's outcome.", NULL},
    {"RestoreInput", "async",
     "Answer at once with the queued task's id (poll it with the task query) instead of when "
     "the restore has finished (the default).",
     NULL},
    {"RestorePayload", "taskId", "The restore's task (see the task query).", NULL},
    {"ExportInput", "async",
     "Answer at once with the queued task's id (poll it with the task query) instead of when "
     "the export has finished (the default).",
     NULL},
    {"BackupInput", "async",
     "Answer at once with the queued task's id (poll it with the task query) instead of when "
     "the backup has finished (the default).",
     NULL},
    {"Query", "task",
     "A backup, restore or export task of this alpha: its state, progress and error. Kept "
     "across restarts for the last 64 finished tasks.",
     NULL},
    {"TaskInput", "id", "The taskId a mutation answered (0x and 16 hex digits).", NULL},
    {"TaskPayload", NULL, "One admin task: they run one at a time, in the order asked.", NULL},
    {"TaskPayload", "lastUpdated", "When the status last changed (RFC 3339, UTC).", NULL},
    {"TaskPayload", "bytes", "Bytes written (a backup's stored objects) so far.", NULL},
    {"TaskPayload", "objects", "Objects written so far (a backup: one per group).", NULL},
    {"TaskPayload", "error", "Why a Failed task failed.", NULL},
    {"TaskStatus", NULL, "Queued, Running, then Failed or Success.", NULL},
    {"TaskKind", NULL, "What a task does.", NULL},
    {"Query", "listBackups",
     "The backups at a location, as cairn lsbackup lists them; a location without any is an "
     "error.",
     NULL},
    {"ListBackupsInput", "location", "Where the backups are: a path or URI, as a destination.",
     NULL},
    {"ListBackupsInput", "accessKey", "Object store access key (else the environment).", NULL},
    {"ListBackupsInput", "secretKey", "Object store secret key (else the environment).", NULL},
    {"ListBackupsInput", "sessionToken", "Temporary credentials' session token.", NULL},
    {"ListBackupsInput", "anonymous", "Send no credentials (a public bucket).", NULL},
    {"Manifest", NULL, "One backup, from its manifest.json.", NULL},
    {"Manifest", "path", "The backup's folder at the location.", NULL},
    {"Manifest", "since", "Read timestamp of the previous backup of the series (0: full).", NULL},
    {"Manifest", "readTs", "The timestamp the backup reads the data at.", NULL},
    {"Manifest", "type", "full or incremental.", NULL},
    {"BackupGroup", NULL, "One group's part of a backup: its predicates.", NULL},
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
    {"NodeState", "ongoing", "Tasks running now (opBackup, opRestore, opExport).", NULL},
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

/* A resolver's failure: its message without the input's credentials (the
 * same fields in every input that has them), or what failed if it had none.
 * Returns -1. */
static int failed(cairn_err *err, const cJSON *input, const char *what)
{
	err->msg[sizeof err->msg - 1] = '\0';
	for (size_t i = 0; i < COUNT(backup_secret_fields); i++)
		scrub(err->msg, sizeof err->msg, input_string(input, backup_secret_fields[i]));
	if (!err->msg[0])
		cairn_err_set(err, "%s", what);
	return -1;
}

/* Mutation.backup: runs the backup through the alpha, answers a BackupPayload. */
static int resolve_backup(const struct cairn_gql_resolve *r, cJSON **out, cairn_err *err)
{
	const struct cairn_admin_ops *ops = r->ctx;
	const cJSON *input = cJSON_GetObjectItemCaseSensitive(r->args, "input");
	cJSON *payload, *resp;
	char *task = NULL;

	if (!ops->backup) {
		return cairn_err_set(err, "backups are not available on this server");
	}
	if (ops->backup(ops->ctx, r->args, &task, err)) {
		free(task);
		return failed(err, input, "backup failed");
	}
	payload = cJSON_CreateObject();
	if (!payload || !(resp = cJSON_AddObjectToObject(payload, "response"))) {
		cJSON_Delete(payload);
		free(task);
		return 0; /* out of memory: null */
	}
	cJSON_AddStringToObject(resp, "code", "Success");
	cJSON_AddStringToObject(resp, "message",
				cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(input, "async"))
				    ? "Backup queued."
				    : "Backup completed.");
	if (task)
		cJSON_AddStringToObject(payload, "taskId", task);
	else
		cJSON_AddNullToObject(payload, "taskId");
	free(task);
	*out = payload;
	return 0;
}

/* Mutation.restore: the online restore through the alpha, answers a
 * RestorePayload. */
static int resolve_restore(const struct cairn_gql_resolve *r, cJSON **out, cairn_err *err)
{
	const struct cairn_admin_ops *ops = r->ctx;
	const cJSON *input = cJSON_GetObjectItemCaseSensitive(r->args, "input");
	char *message = NULL, *task = NULL;
	cJSON *payload;

	if (!ops->restore)
		return cairn_err_set(err, "restore is not available on this server");
	if (ops->restore(ops->ctx, r->args, &message, &task, err)) {
		free(message);
		free(task);
		return failed(err, input, "restore failed");
	}
	if (!(payload = cJSON_CreateObject())) {
		free(message);
		free(task);
		return 0;
	}
	cJSON_AddStringToObject(payload, "code", "Success");
	cJSON_AddStringToObject(payload, "message", message ? message : "Restore completed.");
	if (task)
		cJSON_AddStringToObject(payload, "taskId", task);
	else
		cJSON_AddNullToObject(payload, "taskId");
	free(message);
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
	char *message = NULL, *task = NULL;

	if (!ops->export)
		return cairn_err_set(err, "exports are not available on this server");
	if (ops->export(ops->ctx, r->args, &message, &files, &task, err)) {
		free(task);
		return failed(err, input, "export failed");
	}
	payload = cJSON_CreateObject();
	if (!payload || !(resp = cJSON_AddObjectToObject(payload, "response"))) {
		cJSON_Delete(payload);
		cJSON_Delete(files);
		free(message);
		free(task);
		return 0; /* out of memory: null */
	}
	cJSON_AddStringToObject(resp, "code", "Success");
	cJSON_AddStringToObject(resp, "message", message ? message : "Export completed.");
	cJSON_AddItemToObject(payload, "exportedFiles", files ? files : cJSON_CreateArray());
	if (task)
		cJSON_AddStringToObject(payload, "taskId", task);
	else
		cJSON_AddNullToObject(payload, "taskId");
	free(message);
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

/* Query.task: the TaskPayload, or an error naming why there is none. */
static int resolve_task(const struct cairn_gql_resolve *r, cJSON **out, cairn_err *err)
{
	const struct cairn_admin_ops *ops = r->ctx;
	const char *id = input_string(cJSON_GetObjectItemCaseSensitive(r->args, "input"), "id");

	if (!ops->task)
		return cairn_err_set(err, "tasks are not available on this server");
	if (!id || !(*out = ops->task(ops->ctx, id)))
		return cairn_err_set(err,
				     "no task with this id on this alpha: ids are those a backup, "
				     "restore or export mutation answered here, and the last 64 "
				     "finished tasks are kept");
	return 0;
}

/* Query.listBackups: the location's manifests. */
static int resolve_list_backups(const struct cairn_gql_resolve *r, cJSON **out, cairn_err *err)
{
	const struct cairn_admin_ops *ops = r->ctx;
	const cJSON *input = cJSON_GetObjectItemCaseSensitive(r->args, "input");

	if (!ops->list_backups)
		return cairn_err_set(err, "listBackups is not available on this server");
	if (ops->list_backups(ops->ctx, input, out, err)) {
		return failed(err, input, "listing the backups failed");
	}
	return 0;
}

static const struct cairn_gql_resolver admin_resolvers[] = {
    {"Query", "health", resolve_health},
    {"Query", "task", resolve_task},
    {"Query", "listBackups", resolve_list_backups},
    {"Mutation", "backup", resolve_backup},
    {"Mutation", "restore", resolve_restore},
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

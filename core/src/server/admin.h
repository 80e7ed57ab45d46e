/* admin.h — the /admin GraphQL endpoint: request decoding, the admin schema,
 * and its resolver table, run by the GraphQL engine against ops the alpha
 * supplies.
 *
 *   type Mutation { backup(input: BackupInput!): BackupPayload,
 *                   restore(input: RestoreInput!): RestorePayload,
 *                   export(input: ExportInput!): ExportPayload }
 *   input RestoreInput { location: String!, backupId: String, backupNum: Int,
 *                        encryptionKeyFile, vaultAddr, vaultRoleIDFile,
 *                        vaultSecretIDFile, vaultPath, vaultField,
 *                        vaultFormat, accessKey, secretKey, sessionToken:
 *                        String, anonymous: Boolean, async: Boolean }
 *   type RestorePayload { code: String, message: String, taskId: String }
 *   type Query    { health: [NodeState], task(input: TaskInput!): TaskPayload,
 *                   listBackups(input: ListBackupsInput!): [Manifest] }
 *   input BackupInput { destination: String!, accessKey: String,
 *                       secretKey: String, sessionToken: String,
 *                       anonymous: Boolean, forceFull: Boolean,
 *                       compression: String, async: Boolean }
 *   input TaskInput { id: String! }
 *   type TaskPayload { status: TaskStatus, lastUpdated: String,
 *                      kind: TaskKind, bytes: Int, objects: Int, error: String }
 *   enum TaskStatus { Queued, Running, Failed, Success }
 *   enum TaskKind { Backup, Restore, Export }
 *   input ListBackupsInput { location: String!, accessKey: String,
 *                            secretKey: String, sessionToken: String,
 *                            anonymous: Boolean }
 *   type Manifest { backupId: String, backupNum: Int, encrypted: Boolean,
 *                   path: String, since: Int, readTs: Int, type: String,
 *                   groups: [BackupGroup] }
 *   type BackupGroup { groupId: Int, predicates: [String] }
 *   type BackupPayload { response: Response, taskId: String }
 *   input ExportInput { format: String, destination: String!,
 *                       accessKey: String, secretKey: String,
 *                       sessionToken: String, anonymous: Boolean,
 *                       async: Boolean }
 *   type ExportPayload { response: Response, exportedFiles: [String],
 *                        taskId: String }
 *   type Response { code: String, message: String }
 *   type NodeState { instance: String, address: String, status: String,
 *                    group: String, version: String, uptime: Int,
 *                    lastEcho: Int, ongoing: [String], indexing: [String],
 *                    ee_features: [String] }
 *
 * plus __typename on every object type, and __schema / __type(name:) on
 * Query: introspection generated from these same tables (graphql/introspect.c). */
#ifndef CAIRN_ADMIN_H
#define CAIRN_ADMIN_H

#include <stddef.h>

#include <cairn/plugin.h>
#include <cjson/cJSON.h>

#include "server/graphql/graphql.h"

/* What the alpha does for the admin schema's fields. A callback left NULL
 * makes its field answer "not available on this server". */
struct cairn_admin_ops {
	void *ctx;
	/* Mutation.backup. args holds the field's coerced arguments, as the
	 * schema spells them: {"input": {"destination": "...", "accessKey": ...}}
	 * with only the BackupInput fields that were given (strings and
	 * booleans, already type-checked); the caller turns them into its own
	 * request. Returns 0 and sets *task_id (malloc'd, may stay NULL) when
	 * the backup is complete; -1 with a person-readable message in err
	 * otherwise (credentials from the input are blanked out of it). */
	int (*backup)(void *ctx, const cJSON *args, char **task_id, cairn_err *err);
	/* Fills node_state with instance, address, status, group, version,
	 * uptime, lastEcho, ongoing, indexing and ee_features. */
	void (*health)(void *ctx, cJSON *node_state);
	/* Mutation.restore: args {"input": {RestoreInput fields given}}. Returns
	 * 0 when the restore is complete (or queued, with async), *message
	 * (malloc'd, may stay NULL) saying what was restored and *task_id
	 * (malloc'd, may stay NULL) its task; -1 with a person-readable message in err
	 * (credentials blanked out of it). */
	int (*restore)(void *ctx, const cJSON *args, char **message, char **task_id,
		       cairn_err *err);
	/* Query.task: the task as a TaskPayload (taskId, status, kind,
	 * lastUpdated, bytes, objects, error; alpha/tasks.h), the caller's to
	 * free; NULL when there is no such task. */
	cJSON *(*task)(void *ctx, const char *id);
	/* Query.listBackups: input is the coerced ListBackupsInput ({"location",
	 * "accessKey", "secretKey", "sessionToken", "anonymous"} as given).
	 * Returns 0 and sets *manifests (a [Manifest] array, the caller's), or
	 * -1 with a person-readable message (credentials are blanked out of it). */
	int (*list_backups)(void *ctx, const cJSON *input, cJSON **manifests, cairn_err *err);
	/* Mutation.export: args as for backup, with the ExportInput fields
	 * given. Returns 0 with *message (a one-line summary, malloc'd) and
	 * *files (a JSON array of the files written, relative to the
	 * destination) when the export and its manifest are written; -1 with
	 * a person-readable message in err otherwise. *task_id (malloc'd, may
	 * stay NULL): its task; with async: true the answer comes once it is
	 * queued, without files. */
	int (*export)(void *ctx, const cJSON *args, char **message, cJSON **files, char **task_id,
		      cairn_err *err);
};

/* Serves one /admin request over HTTP (GET, POST, batches, CORS
 * preflights: cairn_gql_http_serve in graphql/graphql.h). Returns 0, or -1
 * when out of memory; resp->body is the caller's to free. */
int cairn_admin_serve(const struct cairn_admin_ops *ops, const struct cairn_gql_http_req *req,
		      struct cairn_gql_http_resp *resp);

/* Runs one POST /admin request (cairn_admin_serve without an origin).
 * application/json carries {"query", "variables", "operationName"} or an
 * array of them; application/graphql carries the query. With no or another
 * content type (curl -d sends form-urlencoded) the body is sniffed: JSON
 * with "query" (or an array) is a JSON request, anything else a raw query.
 * Returns the response body (malloc'd JSON; NULL only when out of
 * memory) and sets *http_status: 200 for every GraphQL result, errors
 * included; 400 when the body is not a GraphQL request at all (bad JSON, no
 * "query" string, an empty body). Resolvers run only when the whole document
 * is valid. Secret values never appear in an error. */
char *cairn_admin_execute(const struct cairn_admin_ops *ops, const char *content_type,
			  const char *body, size_t len, int *http_status);

#endif

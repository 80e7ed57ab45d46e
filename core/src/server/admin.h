/* admin.h — the /admin GraphQL endpoint: request decoding, the admin schema,
 * and its resolver table, run by the GraphQL engine against ops the alpha
 * supplies.
 *
 *   type Query    { health: [NodeState] }
 *   type Mutation { backup(input: BackupInput!): BackupPayload
 *                   export(input: ExportInput!): ExportPayload }
 *   input BackupInput { destination: String!, accessKey: String,
 *                       secretKey: String, sessionToken: String,
 *                       anonymous: Boolean, forceFull: Boolean }
 *   type BackupPayload { response: Response, taskId: String }
 *   input ExportInput { format: String, destination: String!,
 *                       accessKey: String, secretKey: String,
 *                       sessionToken: String, anonymous: Boolean }
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
	/* Mutation.export: args as for backup, with the ExportInput fields
	 * given. Returns 0 with *message (a one-line summary, malloc'd) and
	 * *files (a JSON array of the files written, relative to the
	 * destination) when the export and its manifest are written; -1 with
	 * a person-readable message in err otherwise. */
	int (*export)(void *ctx, const cJSON *args, char **message, cJSON **files, cairn_err *err);
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

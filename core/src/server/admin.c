/* admin.c — POST /admin: decodes the GraphQL-over-HTTP request, validates
 * the document against the admin schema, runs backup and health through the
 * alpha's resolvers, and shapes the answer to exactly what was selected.
 *
 * Resolvers produce plain JSON for their whole type (a BackupPayload, a list
 * of NodeState); completion then walks the selection (aliases, fragments,
 * @skip/@include, __typename) over that JSON, so resolvers never see the
 * query and the response never holds a field nobody asked for. */
#include "server/admin.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "server/graphql.h"

#define ADMIN_ERR_MAX 1024
#define SECRET_MIN_LEN 4 /* shorter values would blank out ordinary words */

static const struct cairn_gql_field_def backup_input_fields[] = {
    {"destination", "String!", NULL, 0}, {"accessKey", "String", NULL, 0},
    {"secretKey", "String", NULL, 0},	 {"sessionToken", "String", NULL, 0},
    {"anonymous", "Boolean", NULL, 0},	 {"forceFull", "Boolean", NULL, 0},
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
    {"instance", "String", NULL, 0}, {"address", "String", NULL, 0}, {"status", "String", NULL, 0},
    {"version", "String", NULL, 0},  {"uptime", "Int", NULL, 0},
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

static const struct cairn_gql_schema admin_schema = {admin_types, COUNT(admin_types), "Query",
						     "Mutation"};

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

/* ---- execution ---- */

struct exec {
	const struct cairn_admin_ops *ops;
	const struct cairn_gql_document *doc;
	const cJSON *vars;
	cJSON *errors;
};

static void add_error(struct exec *x, const char *msg, int line, int col, const cJSON *path)
{
	cJSON *e = cJSON_CreateObject(), *locs, *loc;

	if (!e)
		return;
	if (!x->errors)
		x->errors = cJSON_CreateArray();
	cJSON_AddStringToObject(e, "message", msg);
	if (line > 0) {
		locs = cJSON_AddArrayToObject(e, "locations");
		loc = cJSON_CreateObject();
		cJSON_AddNumberToObject(loc, "line", line);
		cJSON_AddNumberToObject(loc, "column", col);
		cJSON_AddItemToArray(locs, loc);
	}
	if (path)
		cJSON_AddItemToObject(e, "path", cJSON_Duplicate(path, 1));
	if (!x->errors || !cJSON_AddItemToArray(x->errors, e))
		cJSON_Delete(e);
}

static void path_push(cJSON *path, cJSON *item) { cJSON_AddItemToArray(path, item); }

static void path_pop(cJSON *path) { cJSON_DeleteItemFromArray(path, cJSON_GetArraySize(path) - 1); }

static cJSON *complete_value(struct exec *x, const char *type, size_t n, const cJSON *src,
			     const struct cairn_gql_field_group *g, cJSON *path);

static cJSON *complete_scalar(const char *named, const cJSON *src)
{
	if ((!strcmp(named, "String") || !strcmp(named, "ID")) && cJSON_IsString(src))
		return cJSON_CreateString(src->valuestring);
	if ((!strcmp(named, "Int") || !strcmp(named, "Float")) && cJSON_IsNumber(src))
		return cJSON_CreateNumber(src->valuedouble);
	if (!strcmp(named, "Boolean") && cJSON_IsBool(src))
		return cJSON_CreateBool(cJSON_IsTrue(src));
	return cJSON_CreateNull();
}

/* The selected fields of one object, in selection order, under their
 * response names; the sub-selections of every field in g are merged. */
static cJSON *complete_object(struct exec *x, const struct cairn_gql_type_def *td, const cJSON *src,
			      const struct cairn_gql_field_group *g, cJSON *path)
{
	const struct cairn_gql_selection_set **sets = NULL;
	struct cairn_gql_fields f = {0};
	struct cairn_gql_error err;
	cJSON *obj = NULL, *res = NULL;
	size_t i, n = 0;

	sets = malloc((g->n ? g->n : 1) * sizeof *sets);
	if (!sets)
		goto out;
	for (i = 0; i < g->n; i++)
		if (g->fields[i]->sel.n)
			sets[n++] = &g->fields[i]->sel;
	if (cairn_gql_collect_fields(x->doc, td->name, sets, n, x->vars, &f, &err)) {
		add_error(x, err.message, err.line, err.col, path);
		res = cJSON_CreateNull();
		goto out;
	}
	if (!(obj = cJSON_CreateObject()))
		goto out;
	for (i = 0; i < f.n; i++) {
		const struct cairn_gql_field_group *sg = &f.groups[i];
		const struct cairn_gql_field_def *fd = cairn_gql_type_field(td, sg->name);
		cJSON *val;
		path_push(path, cJSON_CreateString(sg->key));
		if (!strcmp(sg->name, "__typename"))
			val = cJSON_CreateString(td->name);
		else if (fd)
			val = complete_value(x, fd->type, strlen(fd->type),
					     cJSON_GetObjectItemCaseSensitive(src, sg->name), sg,
					     path);
		else
			val = cJSON_CreateNull();
		path_pop(path);
		if (!val || !cJSON_AddItemToObject(obj, sg->key, val)) {
			cJSON_Delete(val);
			goto out;
		}
	}
	res = obj;
	obj = NULL;
out:
	free(sets);
	cairn_gql_fields_free(&f);
	cJSON_Delete(obj);
	return res;
}

static cJSON *complete_list(struct exec *x, const char *item, size_t n, const cJSON *src,
			    const struct cairn_gql_field_group *g, cJSON *path)
{
	cJSON *arr, *val;
	const cJSON *el;
	int i = 0;

	if (!cJSON_IsArray(src))
		return cJSON_CreateNull();
	if (!(arr = cJSON_CreateArray()))
		return NULL;
	cJSON_ArrayForEach(el, src)
	{
		path_push(path, cJSON_CreateNumber(i++));
		val = complete_value(x, item, n, el, g, path);
		path_pop(path);
		if (!val || !cJSON_AddItemToArray(arr, val)) {
			cJSON_Delete(val);
			cJSON_Delete(arr);
			return NULL;
		}
	}
	return arr;
}

/* The spec's CompleteValue over resolver JSON, for a type written in GraphQL
 * syntax (n bytes of type). */
static cJSON *complete_value(struct exec *x, const char *type, size_t n, const cJSON *src,
			     const struct cairn_gql_field_group *g, cJSON *path)
{
	const struct cairn_gql_type_def *td;
	char named[64];

	if (n && type[n - 1] == '!')
		n--;
	if (!src || cJSON_IsNull(src))
		return cJSON_CreateNull();
	if (n >= 2 && type[0] == '[')
		return complete_list(x, type + 1, n - 2, src, g, path);
	snprintf(named, sizeof named, "%.*s", (int)n, type);
	td = cairn_gql_schema_type(&admin_schema, named);
	if (td && td->kind == CAIRN_GQL_OBJECT_TYPE)
		return complete_object(x, td, src, g, path);
	return complete_scalar(named, src);
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
	char out[ADMIN_ERR_MAX];
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
	snprintf(msg, cap, "%s", out);
}

static const char *input_string(const cJSON *input, const char *name)
{
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(input, name);

	return cJSON_IsString(s) ? s->valuestring : NULL;
}

static cJSON *resolve_backup(struct exec *x, const struct cairn_gql_field_def *fd,
			     const struct cairn_gql_field_group *g, cJSON *path)
{
	struct cairn_gql_error gerr;
	struct cairn_backup_input in;
	cJSON *args = NULL, *src = NULL, *resp, *res = NULL;
	const cJSON *input;
	char err[ADMIN_ERR_MAX] = "";
	char *task = NULL;

	if (cairn_gql_coerce_arguments(&admin_schema, fd, g->fields[0], x->vars, &args, &gerr)) {
		add_error(x, gerr.message, gerr.line, gerr.col, path);
		goto out;
	}
	input = cJSON_GetObjectItemCaseSensitive(args, "input");
	memset(&in, 0, sizeof in);
	in.destination = input_string(input, "destination");
	in.access_key = input_string(input, "accessKey");
	in.secret_key = input_string(input, "secretKey");
	in.session_token = input_string(input, "sessionToken");
	in.anonymous = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(input, "anonymous"));
	in.force_full = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(input, "forceFull"));
	if (!x->ops || !x->ops->backup) {
		add_error(x, "backups are not available on this server", 0, 0, path);
		goto out;
	}
	if (x->ops->backup(x->ops->ctx, &in, &task, err, sizeof err)) {
		err[sizeof err - 1] = '\0';
		scrub(err, sizeof err, in.access_key);
		scrub(err, sizeof err, in.secret_key);
		scrub(err, sizeof err, in.session_token);
		add_error(x, err[0] ? err : "backup failed", 0, 0, path);
		goto out;
	}
	if (!(src = cJSON_CreateObject()) || !(resp = cJSON_AddObjectToObject(src, "response")))
		goto out;
	cJSON_AddStringToObject(resp, "code", "Success");
	cJSON_AddStringToObject(resp, "message", "Backup completed.");
	if (task)
		cJSON_AddStringToObject(src, "taskId", task);
	else
		cJSON_AddNullToObject(src, "taskId");
	res = complete_value(x, fd->type, strlen(fd->type), src, g, path);
out:
	cJSON_Delete(args);
	cJSON_Delete(src);
	free(task);
	return res ? res : cJSON_CreateNull();
}

static cJSON *resolve_health(struct exec *x, const struct cairn_gql_field_def *fd,
			     const struct cairn_gql_field_group *g, cJSON *path)
{
	cJSON *list = NULL, *node, *res = NULL;

	if (!x->ops || !x->ops->health) {
		add_error(x, "health is not available on this server", 0, 0, path);
		goto out;
	}
	if (!(list = cJSON_CreateArray()) || !(node = cJSON_CreateObject()))
		goto out;
	cJSON_AddItemToArray(list, node);
	x->ops->health(x->ops->ctx, node);
	res = complete_value(x, fd->type, strlen(fd->type), list, g, path);
out:
	cJSON_Delete(list);
	return res ? res : cJSON_CreateNull();
}

static cJSON *execute_operation(struct exec *x, const struct cairn_gql_operation *op)
{
	const struct cairn_gql_type_def *td = cairn_gql_schema_type(
	    &admin_schema,
	    op->type == CAIRN_GQL_MUTATION ? admin_schema.mutation_type : admin_schema.query_type);
	const struct cairn_gql_selection_set *set = &op->sel;
	struct cairn_gql_fields f = {0};
	struct cairn_gql_error err;
	cJSON *data = NULL, *path = NULL, *res = NULL;
	size_t i;

	if (cairn_gql_collect_fields(x->doc, td->name, &set, 1, x->vars, &f, &err)) {
		add_error(x, err.message, err.line, err.col, NULL);
		res = cJSON_CreateNull();
		goto out;
	}
	if (!(data = cJSON_CreateObject()) || !(path = cJSON_CreateArray()))
		goto out;
	/* one field after another: mutations must run serially */
	for (i = 0; i < f.n; i++) {
		const struct cairn_gql_field_group *g = &f.groups[i];
		const struct cairn_gql_field_def *fd = cairn_gql_type_field(td, g->name);
		cJSON *val;
		path_push(path, cJSON_CreateString(g->key));
		if (!strcmp(g->name, "__typename"))
			val = cJSON_CreateString(td->name);
		else if (fd && !strcmp(g->name, "backup"))
			val = resolve_backup(x, fd, g, path);
		else if (fd && !strcmp(g->name, "health"))
			val = resolve_health(x, fd, g, path);
		else
			val = cJSON_CreateNull();
		path_pop(path);
		if (!val || !cJSON_AddItemToObject(data, g->key, val)) {
			cJSON_Delete(val);
			goto out;
		}
	}
	res = data;
	data = NULL;
out:
	cairn_gql_fields_free(&f);
	cJSON_Delete(data);
	cJSON_Delete(path);
	return res;
}

char *cairn_admin_execute(const struct cairn_admin_ops *ops, const char *content_type,
			  const char *body, size_t len, int *http_status)
{
	struct request req;
	struct exec x;
	struct cairn_gql_error gerr;
	struct cairn_gql_document *doc = NULL;
	const struct cairn_gql_operation *op = NULL;
	cJSON *resp = NULL, *vars = NULL, *data = NULL;
	char msg[256];
	char *out = NULL;
	int status = 200;

	memset(&req, 0, sizeof req);
	memset(&x, 0, sizeof x);
	memset(&gerr, 0, sizeof gerr);
	x.ops = ops;
	if (read_request(content_type, body, len, &req, msg, sizeof msg)) {
		status = 400;
		add_error(&x, msg, 0, 0, NULL);
	} else if (!(doc = cairn_gql_parse(req.query, req.query_len, &gerr)) ||
		   cairn_gql_validate(&admin_schema, doc, &gerr) ||
		   !(op = cairn_gql_operation(doc, req.operation_name, &gerr)) ||
		   cairn_gql_coerce_variables(&admin_schema, op, req.variables, &vars, &gerr)) {
		/* a request error: nothing ran */
		add_error(&x, gerr.message, gerr.line, gerr.col, NULL);
		data = cJSON_CreateNull();
	} else {
		x.doc = doc;
		x.vars = vars;
		if (!(data = execute_operation(&x, op)))
			goto out;
	}
	if (!(resp = cJSON_CreateObject()))
		goto out;
	if (x.errors) {
		cJSON_AddItemToObject(resp, "errors", x.errors);
		x.errors = NULL;
	}
	if (data) {
		cJSON_AddItemToObject(resp, "data", data);
		data = NULL;
	}
	out = cJSON_PrintUnformatted(resp);
out:
	cJSON_Delete(resp);
	cJSON_Delete(data);
	cJSON_Delete(x.errors);
	cJSON_Delete(vars);
	cJSON_Delete(req.json);
	cairn_gql_free(doc);
	*http_status = out ? status : 500;
	return out;
}

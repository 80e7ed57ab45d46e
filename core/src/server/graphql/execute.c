/* execute.c — running a validated operation through the caller's resolver
 * table (collect.c picks the operation and collects its fields).
 *
 * A resolver produces plain JSON for its field's whole type; completion then
 * walks the selection (aliases, fragments, @skip/@include, __typename) over
 * that JSON, so resolvers never see the query and the response never holds
 * a field nobody asked for. A field without a resolver row takes its
 * parent's JSON member of the same name. Fields run one after another, as
 * mutations must. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/graphql/internal.h"

/* ---- execution ---- */

struct exec {
	const struct cairn_gql_executor *ex;
	const struct cairn_gql_document *doc;
	const cJSON *vars;
	cJSON *errors;
};

static void path_push(cJSON *path, cJSON *item) { cJSON_AddItemToArray(path, item); }

static void path_pop(cJSON *path) { cJSON_DeleteItemFromArray(path, cJSON_GetArraySize(path) - 1); }

static const struct cairn_gql_resolver *resolver_of(const struct cairn_gql_executor *ex,
						    const char *type, const char *field)
{
	size_t i;

	for (i = 0; i < ex->nresolvers; i++)
		if (!strcmp(ex->resolvers[i].type, type) && !strcmp(ex->resolvers[i].field, field))
			return &ex->resolvers[i];
	return gql_intro_resolver(type, field);
}

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

/* One field through its resolver row: arguments coerced, the resolver run,
 * its JSON completed. A failure is a field error and null. */
static cJSON *resolve_field(struct exec *x, const struct cairn_gql_resolver *row,
			    const struct cairn_gql_type_def *td,
			    const struct cairn_gql_field_def *fd, const cJSON *parent,
			    const struct cairn_gql_field_group *g, cJSON *path)
{
	struct cairn_gql_resolve r = {x->ex->ctx, td, fd, parent, NULL, x->ex->schema};
	struct cairn_gql_error gerr;
	cJSON *args = NULL, *src = NULL, *res = NULL;
	cairn_err err = {0};

	if (cairn_gql_coerce_arguments(x->ex->schema, fd, g->fields[0], x->vars, &args, &gerr)) {
		cairn_gql_add_error(&x->errors, gerr.message, gerr.line, gerr.col, path);
		goto out;
	}
	r.args = args;
	if (row->resolve(&r, &src, &err)) {
		err.msg[sizeof err.msg - 1] = '\0';
		if (!err.msg[0])
			cairn_err_set(&err, "field \"%s\" could not be resolved", fd->name);
		cairn_gql_add_error(&x->errors, err.msg, 0, 0, path);
		goto out;
	}
	res = complete_value(x, fd->type, strlen(fd->type), src, g, path);
out:
	cJSON_Delete(args);
	cJSON_Delete(src);
	return res ? res : cJSON_CreateNull();
}

/* The selected fields of one object (src; NULL on a root type), in selection
 * order, under their response names; the selection sets are merged. */
static cJSON *complete_fields(struct exec *x, const struct cairn_gql_type_def *td, const cJSON *src,
			      const struct cairn_gql_selection_set *const *sets, size_t nsets,
			      cJSON *path)
{
	struct cairn_gql_fields f = {0};
	struct cairn_gql_error err;
	cJSON *obj = NULL, *res = NULL;
	size_t i;

	if (cairn_gql_collect_fields(x->doc, td->name, sets, nsets, x->vars, &f, &err)) {
		cairn_gql_add_error(&x->errors, err.message, err.line, err.col,
				    cJSON_GetArraySize(path) ? path : NULL);
		res = cJSON_CreateNull();
		goto out;
	}
	if (!(obj = cJSON_CreateObject()))
		goto out;
	for (i = 0; i < f.n; i++) {
		const struct cairn_gql_field_group *sg = &f.groups[i];
		const struct cairn_gql_field_def *fd = cairn_gql_type_field(td, sg->name);
		const struct cairn_gql_resolver *row;
		if (!fd)
			fd = gql_meta_field(x->ex->schema, td, sg->name);
		row = fd ? resolver_of(x->ex, td->name, fd->name) : NULL;
		cJSON *val;
		path_push(path, cJSON_CreateString(sg->key));
		if (!strcmp(sg->name, "__typename"))
			val = cJSON_CreateString(td->name);
		else if (row)
			val = resolve_field(x, row, td, fd, src, sg, path);
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
	cairn_gql_fields_clear(&f);
	cJSON_Delete(obj);
	return res;
}

/* An object-typed field: the sub-selections of every field in g, merged. */
static cJSON *complete_object(struct exec *x, const struct cairn_gql_type_def *td, const cJSON *src,
			      const struct cairn_gql_field_group *g, cJSON *path)
{
	const struct cairn_gql_selection_set **sets;
	cJSON *res;
	size_t i, n = 0;

	sets = malloc((g->n ? g->n : 1) * sizeof *sets);
	if (!sets)
		return NULL;
	for (i = 0; i < g->n; i++)
		if (g->fields[i]->sel.n)
			sets[n++] = &g->fields[i]->sel;
	res = complete_fields(x, td, src, sets, n, path);
	free(sets);
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
	td = cairn_gql_schema_type(x->ex->schema, named);
	if (td && td->kind == CAIRN_GQL_OBJECT_TYPE)
		return complete_object(x, td, src, g, path);
	if (td && td->kind == CAIRN_GQL_ENUM_TYPE)
		return cJSON_IsString(src) && cairn_gql_type_field(td, src->valuestring)
			   ? cJSON_CreateString(src->valuestring)
			   : cJSON_CreateNull();
	return complete_scalar(named, src);
}

static cJSON *execute_operation(struct exec *x, const struct cairn_gql_operation *op)
{
	const struct cairn_gql_schema *schema = x->ex->schema;
	const struct cairn_gql_type_def *td = cairn_gql_schema_type(
	    schema, op->type == CAIRN_GQL_MUTATION ? schema->mutation_type : schema->query_type);
	const struct cairn_gql_selection_set *set = &op->sel;
	cJSON *path = cJSON_CreateArray(), *data = NULL;

	if (path)
		data = complete_fields(x, td, NULL, &set, 1, path);
	cJSON_Delete(path);
	return data;
}

cJSON *cairn_gql_execute(const struct cairn_gql_executor *ex, const char *query, size_t len,
			 const char *operation_name, const cJSON *variables)
{
	struct exec x = {ex, NULL, NULL, NULL};
	struct cairn_gql_error gerr;
	struct cairn_gql_document *doc = NULL;
	const struct cairn_gql_operation *op = NULL;
	cJSON *resp = NULL, *vars = NULL, *data = NULL;

	memset(&gerr, 0, sizeof gerr);
	if (!(doc = cairn_gql_parse(query, len, &gerr)) ||
	    cairn_gql_validate(ex->schema, doc, &gerr) ||
	    !(op = cairn_gql_operation(doc, operation_name, &gerr)) ||
	    cairn_gql_coerce_variables(ex->schema, op, variables, &vars, &gerr)) {
		/* a request error: nothing ran */
		cairn_gql_add_error(&x.errors, gerr.message, gerr.line, gerr.col, NULL);
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
out:
	cJSON_Delete(data);
	cJSON_Delete(x.errors);
	cJSON_Delete(vars);
	cairn_gql_free(doc);
	return resp;
}

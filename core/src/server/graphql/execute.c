/* execute.c — running a validated operation: GetOperation, CollectFields
 * (fragments expanded, @skip/@include applied), and execution through the
 * caller's resolver table.
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

/* ---- CollectFields ---- */

/* Whether @skip/@include let a selection through, given the variables. */
static int included(const struct cairn_gql_directive *dirs, size_t n, const cJSON *vars, int *yes,
		    struct cairn_gql_error *err)
{
	struct coerce k = {NULL, 0, NULL, NULL, vars, err};
	char what[64];
	size_t i;

	*yes = 1;
	for (i = 0; i < n; i++) {
		int skip = !strcmp(dirs[i].name, "skip");
		const struct cairn_gql_arg *a;
		cJSON *b = NULL;
		int val;
		if (!skip && strcmp(dirs[i].name, "include"))
			continue;
		snprintf(what, sizeof what, "argument \"if\" of @%s", dirs[i].name);
		a = gql_find_arg(dirs[i].args, dirs[i].nargs, "if");
		if (!a)
			return gql_set_err(err, dirs[i].line, dirs[i].col, "%s is required", what);
		if (gql_coerce_literal(&k, tref_of("Boolean!"), &a->value, what, &b))
			return -1;
		if (!b)
			return gql_set_err(err, a->line, a->col, "%s has no value", what);
		val = cJSON_IsTrue(b);
		cJSON_Delete(b);
		if (skip == val)
			*yes = 0;
	}
	return 0;
}

struct collector {
	const struct cairn_gql_document *doc;
	const cJSON *vars;
	int ignore_directives; /* validation: every field that could be asked for */
	unsigned char *visited;
	struct name_index keys;
	struct cairn_gql_fields *out;
	struct cairn_gql_error *err;
	int depth;
};

/* Arrays here grow to the next power of two, so a count is also a capacity. */
static void *grow_pow2(void *arr, size_t n, size_t size)
{
	if (n & (n - 1))
		return arr;
	return realloc(arr, (n ? 2 * n : 1) * size);
}

static int add_field(struct collector *cl, const struct cairn_gql_selection *sel)
{
	const char *key = sel->alias ? sel->alias : sel->name;
	const size_t *at = gql_nix_get(&cl->keys, key);
	struct cairn_gql_field_group *g;
	void *na;

	if (at) {
		g = &cl->out->groups[*at];
	} else {
		na = grow_pow2(cl->out->groups, cl->out->n, sizeof *cl->out->groups);
		if (!na)
			return gql_no_memory(cl->err);
		cl->out->groups = na;
		if (gql_nix_put(&cl->keys, key, cl->out->n))
			return gql_no_memory(cl->err);
		g = &cl->out->groups[cl->out->n++];
		memset(g, 0, sizeof *g);
		g->key = key;
		g->name = sel->name;
	}
	na = grow_pow2((void *)g->fields, g->n, sizeof *g->fields);
	if (!na)
		return gql_no_memory(cl->err);
	g->fields = na;
	g->fields[g->n++] = sel;
	return 0;
}

static int collect_set(struct collector *cl, const char *type,
		       const struct cairn_gql_selection_set *set)
{
	const struct cairn_gql_fragment *f;
	size_t i;
	int yes = 1;

	if (++cl->depth > GQL_MAX_VALIDATE_DEPTH)
		return gql_set_err(cl->err, set->items[0].line, set->items[0].col,
				   "fragments nest too deeply");
	for (i = 0; i < set->n; i++) {
		const struct cairn_gql_selection *sel = &set->items[i];
		if (!cl->ignore_directives &&
		    included(sel->directives, sel->ndirectives, cl->vars, &yes, cl->err))
			return -1;
		if (!cl->ignore_directives && !yes)
			continue;
		switch (sel->kind) {
		case CAIRN_GQL_FIELD:
			if (add_field(cl, sel))
				return -1;
			break;
		case CAIRN_GQL_FRAGMENT_SPREAD:
			f = gql_find_fragment(cl->doc, sel->name);
			if (!f || cl->visited[f - cl->doc->frags])
				break;
			cl->visited[f - cl->doc->frags] = 1;
			if (type && strcmp(f->type_condition, type))
				break;
			if (collect_set(cl, type, &f->sel))
				return -1;
			break;
		case CAIRN_GQL_INLINE_FRAGMENT:
			if (type && sel->type_condition && strcmp(sel->type_condition, type))
				break;
			if (collect_set(cl, type, &sel->sel))
				return -1;
			break;
		}
	}
	cl->depth--;
	return 0;
}

void cairn_gql_fields_free(struct cairn_gql_fields *fields)
{
	size_t i;

	if (!fields)
		return;
	for (i = 0; i < fields->n; i++)
		free((void *)fields->groups[i].fields);
	free(fields->groups);
	memset(fields, 0, sizeof *fields);
}

int gql_collect(const struct cairn_gql_document *doc, const char *type,
		const struct cairn_gql_selection_set *const *sets, size_t nsets, const cJSON *vars,
		int ignore_directives, struct cairn_gql_fields *out, struct cairn_gql_error *err)
{
	struct collector cl;
	size_t i;
	int rc = -1;

	memset(out, 0, sizeof *out);
	memset(&cl, 0, sizeof cl);
	cl.doc = doc;
	cl.vars = vars;
	cl.ignore_directives = ignore_directives;
	cl.out = out;
	cl.err = err;
	cl.visited = calloc(doc->nfrags + 1, 1);
	if (!cl.visited) {
		gql_no_memory(err);
		goto out;
	}
	for (i = 0; i < nsets; i++)
		if (sets[i]->n && collect_set(&cl, type, sets[i]))
			goto out;
	rc = 0;
out:
	free(cl.visited);
	gql_nix_free(&cl.keys);
	if (rc)
		cairn_gql_fields_free(out);
	return rc;
}

int cairn_gql_collect_fields(const struct cairn_gql_document *doc, const char *type_name,
			     const struct cairn_gql_selection_set *const *sets, size_t nsets,
			     const cJSON *vars, struct cairn_gql_fields *out,
			     struct cairn_gql_error *err)
{
	return gql_collect(doc, type_name, sets, nsets, vars, 0, out, err);
}

/* ---- GetOperation ---- */

const struct cairn_gql_operation *cairn_gql_operation(const struct cairn_gql_document *doc,
						      const char *name, struct cairn_gql_error *err)
{
	size_t i;

	if (!doc->nops) {
		gql_set_err(err, 0, 0,
			    "the document contains no operation: send a query or a mutation");
		return NULL;
	}
	if (name && *name) {
		for (i = 0; i < doc->nops; i++)
			if (doc->ops[i].name && !strcmp(doc->ops[i].name, name))
				return &doc->ops[i];
		gql_set_err(err, 0, 0, "there is no operation named \"%.100s\" in the document",
			    name);
		return NULL;
	}
	if (doc->nops > 1) {
		gql_set_err(err, 0, 0,
			    "the document has %zu operations: say which one to run with "
			    "operationName",
			    doc->nops);
		return NULL;
	}
	return &doc->ops[0];
}

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
	return NULL;
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
	struct cairn_gql_resolve r = {x->ex->ctx, td, fd, parent, NULL};
	struct cairn_gql_error gerr;
	cJSON *args = NULL, *src = NULL, *res = NULL;
	char err[CAIRN_GQL_RESOLVER_ERR_MAX] = "";

	if (cairn_gql_coerce_arguments(x->ex->schema, fd, g->fields[0], x->vars, &args, &gerr)) {
		cairn_gql_add_error(&x->errors, gerr.message, gerr.line, gerr.col, path);
		goto out;
	}
	r.args = args;
	if (row->resolve(&r, &src, err, sizeof err)) {
		err[sizeof err - 1] = '\0';
		if (!err[0])
			snprintf(err, sizeof err, "field \"%s\" could not be resolved", fd->name);
		cairn_gql_add_error(&x->errors, err, 0, 0, path);
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
		const struct cairn_gql_resolver *row =
		    fd ? resolver_of(x->ex, td->name, fd->name) : NULL;
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
	cairn_gql_fields_free(&f);
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

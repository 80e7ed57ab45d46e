/* collect.c — GetOperation and CollectFields: which operation of a document
 * runs, and which fields a selection set selects (fragments expanded,
 * @skip/@include applied, same response names merged). Shared by
 * validation (which checks the merged fields) and execution. */
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

void cairn_gql_fields_clear(struct cairn_gql_fields *fields)
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
	gql_nix_clear(&cl.keys);
	if (rc)
		cairn_gql_fields_clear(out);
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

/* validate.c — every rule of the spec's validation section that cairn's
 * schema description can express: operations, variables, fields and
 * arguments, values, fragments (including cycles), directives, and fields
 * that share a response name. Walks that follow fragment spreads are capped
 * at GQL_MAX_VALIDATE_DEPTH. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/graphql/internal.h"

enum dir_loc {
	LOC_QUERY,
	LOC_MUTATION,
	LOC_SUBSCRIPTION,
	LOC_FIELD,
	LOC_FRAGMENT_DEFINITION,
	LOC_FRAGMENT_SPREAD,
	LOC_INLINE_FRAGMENT,
	LOC_VARIABLE_DEFINITION
};

static const char *const dir_loc_names[] = {"a query",
					    "a mutation",
					    "a subscription",
					    "a field",
					    "a fragment definition",
					    "a fragment spread",
					    "an inline fragment",
					    "a variable definition"};

struct vctx {
	const struct cairn_gql_schema *schema;
	const struct cairn_gql_document *doc;
	const struct cairn_gql_operation *op;
	unsigned char *frag_seen; /* validated within this operation */
	unsigned char *frag_used; /* spread by some operation */
	unsigned char *var_used;
	struct cairn_gql_error *err;
	int depth;
};

static int check_value(struct vctx *v, struct tref t, const struct cairn_gql_value *val,
		       const char *what)
{
	struct coerce k = {v->schema, 1, v->op, v->var_used, NULL, v->err};
	cJSON *unused = NULL;

	return gql_coerce_literal(&k, t, val, what, &unused);
}

static int check_directives(struct vctx *v, const struct cairn_gql_directive *dirs, size_t n,
			    enum dir_loc loc)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		const struct cairn_gql_directive *d = &dirs[i];
		const struct cairn_gql_arg *a;
		char what[64];
		int failed;
		if (strcmp(d->name, "skip") && strcmp(d->name, "include"))
			return gql_set_err(v->err, d->line, d->col,
					   "unknown directive \"@%s\": only @skip and @include are "
					   "supported",
					   d->name);
		if (loc != LOC_FIELD && loc != LOC_FRAGMENT_SPREAD && loc != LOC_INLINE_FRAGMENT)
			return gql_set_err(v->err, d->line, d->col,
					   "directive \"@%s\" cannot be used on %s", d->name,
					   dir_loc_names[loc]);
		for (j = 0; j < i; j++)
			if (!strcmp(dirs[j].name, d->name))
				return gql_set_err(v->err, d->line, d->col,
						   "directive \"@%s\" is given twice here",
						   d->name);
		if ((a = gql_duplicate_arg(d->args, d->nargs, v->err, &failed)) || failed)
			return a ? gql_set_err(v->err, a->line, a->col,
					       "argument \"%s\" is given twice", a->name)
				 : -1;
		for (j = 0; j < d->nargs; j++)
			if (strcmp(d->args[j].name, "if"))
				return gql_set_err(v->err, d->args[j].line, d->args[j].col,
						   "unknown argument \"%s\" on directive \"@%s\" "
						   "(arguments: if)",
						   d->args[j].name, d->name);
		snprintf(what, sizeof what, "argument \"if\" of @%s", d->name);
		a = gql_find_arg(d->args, d->nargs, "if");
		if (!a)
			return gql_set_err(v->err, d->line, d->col, "%s is required", what);
		if (check_value(v, tref_of("Boolean!"), &a->value, what))
			return -1;
	}
	return 0;
}

static int check_set(struct vctx *v, const struct cairn_gql_type_def *td,
		     const struct cairn_gql_selection_set *set);

/* __typename: on every object type, a String without arguments. */
static int check_typename(struct vctx *v, const struct cairn_gql_selection *sel)
{
	if (sel->nargs)
		return gql_set_err(
		    v->err, sel->args[0].line, sel->args[0].col,
		    "unknown argument \"%s\" on field \"__typename\" (it takes none)",
		    sel->args[0].name);
	if (sel->sel.n)
		return gql_set_err(
		    v->err, sel->line, sel->col,
		    "field \"__typename\" is a String and cannot have a selection of "
		    "subfields");
	return 0;
}

/* Arguments given once each, known to the field, required ones present, and
 * every value of its argument's type. */
static int check_field_args(struct vctx *v, const struct cairn_gql_field_def *fd,
			    const struct cairn_gql_selection *sel)
{
	const struct cairn_gql_arg *a;
	char names[256], what[256];
	size_t i;
	int failed;

	if ((a = gql_duplicate_arg(sel->args, sel->nargs, v->err, &failed)) || failed)
		return a ? gql_set_err(v->err, a->line, a->col, "argument \"%s\" is given twice",
				       a->name)
			 : -1;
	for (i = 0; i < sel->nargs; i++) {
		a = &sel->args[i];
		if (gql_find_def(fd->args, fd->nargs, a->name))
			continue;
		if (!fd->nargs)
			return gql_set_err(
			    v->err, a->line, a->col,
			    "unknown argument \"%s\" on field \"%s\" (it takes none)", a->name,
			    fd->name);
		gql_names_list(fd->args, fd->nargs, names, sizeof names);
		return gql_set_err(v->err, a->line, a->col,
				   "unknown argument \"%s\" on field \"%s\" (arguments: %s)",
				   a->name, fd->name, names);
	}
	for (i = 0; i < fd->nargs; i++) {
		struct tref t = tref_of(fd->args[i].type);
		a = gql_find_arg(sel->args, sel->nargs, fd->args[i].name);
		snprintf(what, sizeof what, "argument \"%s\" of field \"%s\"", fd->args[i].name,
			 fd->name);
		if (!a) {
			if (t_nonnull(t))
				return gql_set_err(v->err, sel->line, sel->col, "%s is required",
						   what);
			continue;
		}
		if (check_value(v, t, &a->value, what))
			return -1;
	}
	return 0;
}

static int check_field(struct vctx *v, const struct cairn_gql_type_def *td,
		       const struct cairn_gql_selection *sel)
{
	const struct cairn_gql_field_def *fd;
	const struct cairn_gql_type_def *otd;
	struct tref named;
	char names[256];

	if (!strcmp(sel->name, "__typename"))
		return check_typename(v, sel);
	fd = cairn_gql_type_field(td, sel->name);
	if (!fd)
		fd = gql_meta_field(v->schema, td, sel->name);
	if (!fd) {
		gql_names_list(td->fields, td->nfields, names, sizeof names);
		return gql_set_err(v->err, sel->line, sel->col,
				   "unknown field \"%s\" on type %s (fields: %s)", sel->name,
				   td->name, names);
	}
	if (check_field_args(v, fd, sel))
		return -1;
	named = t_named(tref_of(fd->type));
	otd = gql_schema_type_n(v->schema, named);
	if (gql_scalar_of(named) || (otd && otd->kind == CAIRN_GQL_ENUM_TYPE)) {
		if (sel->sel.n)
			return gql_set_err(v->err, sel->line, sel->col,
					   "field \"%s\" is %s %.*s and cannot have a selection of "
					   "subfields",
					   fd->name, gql_article(named.s, named.n), (int)named.n,
					   named.s);
		return 0;
	}
	if (!otd || otd->kind != CAIRN_GQL_OBJECT_TYPE || !otd->nfields)
		return gql_set_err(v->err, sel->line, sel->col,
				   "field \"%s\" has type %.*s, which the schema does not define",
				   fd->name, (int)named.n, named.s);
	if (!sel->sel.n)
		return gql_set_err(
		    v->err, sel->line, sel->col,
		    "field \"%s\" of type %s must have a selection of subfields, like "
		    "%s { %s }",
		    fd->name, otd->name, fd->name, otd->fields[0].name);
	return check_set(v, otd, &sel->sel);
}

static const struct cairn_gql_type_def *condition_type(struct vctx *v, const char *cond, int line,
						       int col, const char *what)
{
	const struct cairn_gql_type_def *td = cairn_gql_schema_type(v->schema, cond);

	if (!td)
		gql_set_err(v->err, line, col, "%s is on unknown type \"%s\"", what, cond);
	else if (td->kind != CAIRN_GQL_OBJECT_TYPE)
		gql_set_err(v->err, line, col, "%s cannot be on input type %s", what, cond);
	else
		return td;
	return NULL;
}

static int check_selection(struct vctx *v, const struct cairn_gql_type_def *td,
			   const struct cairn_gql_selection *sel)
{
	const struct cairn_gql_type_def *ctd;
	const struct cairn_gql_fragment *f;
	size_t fi;

	switch (sel->kind) {
	case CAIRN_GQL_FIELD:
		if (check_directives(v, sel->directives, sel->ndirectives, LOC_FIELD))
			return -1;
		return check_field(v, td, sel);
	case CAIRN_GQL_FRAGMENT_SPREAD:
		if (check_directives(v, sel->directives, sel->ndirectives, LOC_FRAGMENT_SPREAD))
			return -1;
		f = gql_find_fragment(v->doc, sel->name);
		if (!f)
			return gql_set_err(v->err, sel->line, sel->col, "unknown fragment \"%s\"",
					   sel->name);
		if (strcmp(f->type_condition, td->name))
			return gql_set_err(
			    v->err, sel->line, sel->col,
			    "fragment \"%s\" is on %s and cannot be spread inside %s", f->name,
			    f->type_condition, td->name);
		fi = (size_t)(f - v->doc->frags);
		v->frag_used[fi] = 1;
		if (v->frag_seen[fi])
			return 0;
		v->frag_seen[fi] = 1;
		return check_set(v, td, &f->sel);
	case CAIRN_GQL_INLINE_FRAGMENT:
		if (check_directives(v, sel->directives, sel->ndirectives, LOC_INLINE_FRAGMENT))
			return -1;
		if (sel->type_condition) {
			ctd = condition_type(v, sel->type_condition, sel->line, sel->col,
					     "an inline fragment");
			if (!ctd)
				return -1;
			if (ctd != td)
				return gql_set_err(
				    v->err, sel->line, sel->col,
				    "an inline fragment on %s cannot be used inside %s", ctd->name,
				    td->name);
		}
		return check_set(v, td, &sel->sel);
	}
	return 0;
}

static int check_set(struct vctx *v, const struct cairn_gql_type_def *td,
		     const struct cairn_gql_selection_set *set)
{
	size_t i;

	if (++v->depth > GQL_MAX_VALIDATE_DEPTH)
		return gql_set_err(v->err, set->items[0].line, set->items[0].col,
				   "the query nests too deeply (more than %d levels, counting "
				   "fragments)",
				   GQL_MAX_VALIDATE_DEPTH);
	for (i = 0; i < set->n; i++)
		if (check_selection(v, td, &set->items[i]))
			return -1;
	v->depth--;
	return 0;
}

static int values_equal(const struct cairn_gql_value *a, const struct cairn_gql_value *b);

static int args_equal(const struct cairn_gql_arg *a, size_t na, const struct cairn_gql_arg *b,
		      size_t nb)
{
	size_t i;

	if (na != nb)
		return 0;
	for (i = 0; i < na; i++) {
		const struct cairn_gql_arg *o = gql_find_arg(b, nb, a[i].name);
		if (!o || !values_equal(&a[i].value, &o->value))
			return 0;
	}
	return 1;
}

static int values_equal(const struct cairn_gql_value *a, const struct cairn_gql_value *b)
{
	size_t i;

	if (a->kind != b->kind)
		return 0;
	switch (a->kind) {
	case CAIRN_GQL_NULL:
		return 1;
	case CAIRN_GQL_BOOLEAN:
		return a->boolean == b->boolean;
	case CAIRN_GQL_LIST:
		if (a->nitems != b->nitems)
			return 0;
		for (i = 0; i < a->nitems; i++)
			if (!values_equal(&a->items[i], &b->items[i]))
				return 0;
		return 1;
	case CAIRN_GQL_OBJECT:
		return args_equal(a->fields, a->nfields, b->fields, b->nfields);
	default:
		return !strcmp(a->text, b->text);
	}
}

/* The fields of one response name are one field with the same arguments. */
static int check_group_agrees(struct vctx *v, const struct cairn_gql_field_group *g)
{
	const struct cairn_gql_selection *first = g->fields[0];
	size_t j;

	for (j = 1; j < g->n; j++) {
		const struct cairn_gql_selection *o = g->fields[j];
		if (strcmp(first->name, o->name))
			return gql_set_err(
			    v->err, o->line, o->col,
			    "fields \"%s\" and \"%s\" both answer as \"%s\": give one "
			    "of them another alias",
			    first->name, o->name, g->key);
		if (!args_equal(first->args, first->nargs, o->args, o->nargs))
			return gql_set_err(
			    v->err, o->line, o->col,
			    "field \"%s\" is asked for twice as \"%s\" with different "
			    "arguments: give one of them an alias",
			    o->name, g->key);
	}
	return 0;
}

/* Fields that answer under one response name must be the same field with the
 * same arguments, and so on down their merged sub-selections. */
static int check_merge(struct vctx *v, const struct cairn_gql_type_def *td,
		       const struct cairn_gql_selection_set *const *sets, size_t nsets, int depth)
{
	struct cairn_gql_fields f = {0};
	const struct cairn_gql_selection_set **subs = NULL;
	size_t i, j, nsubs;
	int rc = -1;

	if (depth > GQL_MAX_VALIDATE_DEPTH) {
		gql_set_err(v->err, 0, 0, "the query nests too deeply");
		goto out;
	}
	if (gql_collect(v->doc, td->name, sets, nsets, NULL, 1, &f, v->err))
		goto out;
	for (i = 0; i < f.n; i++) {
		const struct cairn_gql_field_group *g = &f.groups[i];
		const struct cairn_gql_field_def *fd;
		const struct cairn_gql_type_def *otd;
		if (check_group_agrees(v, g))
			goto out;
		fd = cairn_gql_type_field(td, g->name);
		if (!fd)
			fd = gql_meta_field(v->schema, td, g->name);
		otd = fd ? gql_schema_type_n(v->schema, t_named(tref_of(fd->type))) : NULL;
		if (!otd || otd->kind != CAIRN_GQL_OBJECT_TYPE)
			continue;
		free(subs);
		subs = malloc(g->n * sizeof *subs);
		if (!subs) {
			gql_no_memory(v->err);
			goto out;
		}
		for (j = 0, nsubs = 0; j < g->n; j++)
			if (g->fields[j]->sel.n)
				subs[nsubs++] = &g->fields[j]->sel;
		if (nsubs && check_merge(v, otd, subs, nsubs, depth + 1))
			goto out;
	}
	rc = 0;
out:
	free(subs);
	cairn_gql_fields_clear(&f);
	return rc;
}

static int check_operation_names(struct vctx *v)
{
	struct name_index ix = {0};
	size_t i;
	int rc = -1;

	for (i = 0; i < v->doc->nops; i++) {
		const struct cairn_gql_operation *op = &v->doc->ops[i];
		if (!op->name) {
			if (v->doc->nops > 1) {
				gql_set_err(
				    v->err, op->line, op->col,
				    "an anonymous operation must be the only operation in the "
				    "document: give each operation a name");
				goto out;
			}
			continue;
		}
		if (gql_nix_get(&ix, op->name)) {
			gql_set_err(v->err, op->line, op->col,
				    "there are two operations named \"%s\"", op->name);
			goto out;
		}
		if (gql_nix_put(&ix, op->name, i)) {
			gql_no_memory(v->err);
			goto out;
		}
	}
	rc = 0;
out:
	gql_nix_clear(&ix);
	return rc;
}

static int check_fragment_defs(struct vctx *v)
{
	size_t i;

	for (i = 0; i < v->doc->nfrags; i++) {
		const struct cairn_gql_fragment *f = &v->doc->frags[i];
		char what[96];
		if (gql_find_fragment(v->doc, f->name) != f)
			return gql_set_err(v->err, f->line, f->col,
					   "there are two fragments named \"%s\"", f->name);
		snprintf(what, sizeof what, "fragment \"%s\"", f->name);
		if (!condition_type(v, f->type_condition, f->line, f->col, what))
			return -1;
		if (check_directives(v, f->directives, f->ndirectives, LOC_FRAGMENT_DEFINITION))
			return -1;
	}
	return 0;
}

struct cycle_walk {
	struct vctx *v;
	unsigned char *state; /* 0 unseen, 1 on the path, 2 done */
	size_t *path;
	size_t depth;
};

static int cycle_visit(struct cycle_walk *w, size_t fi);

static int cycle_set(struct cycle_walk *w, const struct cairn_gql_selection_set *set)
{
	const struct cairn_gql_document *doc = w->v->doc;
	size_t i, k;

	for (i = 0; i < set->n; i++) {
		const struct cairn_gql_selection *sel = &set->items[i];
		const struct cairn_gql_fragment *f;
		size_t fi, used = 0;
		char chain[256];
		if (sel->kind != CAIRN_GQL_FRAGMENT_SPREAD) {
			if (cycle_set(w, &sel->sel))
				return -1;
			continue;
		}
		f = gql_find_fragment(doc, sel->name);
		if (!f)
			return gql_set_err(w->v->err, sel->line, sel->col,
					   "unknown fragment \"%s\"", sel->name);
		fi = (size_t)(f - doc->frags);
		if (w->state[fi] == 2)
			continue;
		if (w->state[fi] == 0) {
			if (cycle_visit(w, fi))
				return -1;
			continue;
		}
		for (k = 0; k < w->depth && w->path[k] != fi; k++)
			;
		chain[0] = '\0';
		for (; k < w->depth && used < sizeof chain; k++) {
			int m = snprintf(chain + used, sizeof chain - used, "%s -> ",
					 doc->frags[w->path[k]].name);
			if (m < 0)
				break;
			used += (size_t)m;
		}
		return gql_set_err(w->v->err, sel->line, sel->col,
				   "fragment \"%s\" spreads itself (%s%s): fragments cannot form a "
				   "cycle",
				   f->name, chain, f->name);
	}
	return 0;
}

static int cycle_visit(struct cycle_walk *w, size_t fi)
{
	const struct cairn_gql_fragment *f = &w->v->doc->frags[fi];

	if (w->depth >= GQL_MAX_VALIDATE_DEPTH)
		return gql_set_err(w->v->err, f->line, f->col, "fragments nest too deeply");
	w->state[fi] = 1;
	w->path[w->depth++] = fi;
	if (cycle_set(w, &f->sel))
		return -1;
	w->depth--;
	w->state[fi] = 2;
	return 0;
}

static int check_fragment_cycles(struct vctx *v)
{
	struct cycle_walk w = {v, NULL, NULL, 0};
	size_t i;
	int rc = -1;

	w.state = calloc(v->doc->nfrags + 1, 1);
	w.path = calloc(GQL_MAX_VALIDATE_DEPTH + 1, sizeof *w.path);
	if (!w.state || !w.path) {
		gql_no_memory(v->err);
		goto out;
	}
	for (i = 0; i < v->doc->nfrags; i++)
		if (!w.state[i] && cycle_visit(&w, i))
			goto out;
	rc = 0;
out:
	free(w.state);
	free(w.path);
	return rc;
}

static int check_variable_defs(struct vctx *v, const struct cairn_gql_operation *op)
{
	size_t i, j;

	for (i = 0; i < op->nvars; i++) {
		const struct cairn_gql_variable_def *d = &op->vars[i];
		struct tref named = t_named(tref_of(d->type));
		const struct cairn_gql_type_def *td = gql_schema_type_n(v->schema, named);
		char what[128];
		for (j = 0; j < i; j++)
			if (!strcmp(op->vars[j].name, d->name))
				return gql_set_err(v->err, d->line, d->col,
						   "variable \"$%s\" is defined twice", d->name);
		if (!gql_scalar_of(named) && !td)
			return gql_set_err(v->err, d->line, d->col,
					   "variable \"$%s\" has unknown type \"%.*s\"", d->name,
					   (int)named.n, named.s);
		if (!gql_scalar_of(named) && td->kind != CAIRN_GQL_INPUT_TYPE)
			return gql_set_err(
			    v->err, d->line, d->col,
			    "variable \"$%s\" cannot be of type %s: it is an output type", d->name,
			    td->name);
		snprintf(what, sizeof what, "the default value of variable \"$%s\"", d->name);
		if (d->default_value && check_value(v, tref_of(d->type), d->default_value, what))
			return -1;
		if (check_directives(v, d->directives, d->ndirectives, LOC_VARIABLE_DEFINITION))
			return -1;
	}
	return 0;
}

static int check_operation(struct vctx *v, const struct cairn_gql_operation *op)
{
	static const char *const kinds[] = {"queries", "mutations", "subscriptions"};
	const char *root = op->type == CAIRN_GQL_QUERY	    ? v->schema->query_type
			   : op->type == CAIRN_GQL_MUTATION ? v->schema->mutation_type
							    : NULL;
	const struct cairn_gql_type_def *td = cairn_gql_schema_type(v->schema, root);
	const struct cairn_gql_selection_set *set = &op->sel;
	size_t i;
	int rc = -1;

	v->op = op;
	v->depth = 0;
	memset(v->frag_seen, 0, v->doc->nfrags + 1);
	v->var_used = calloc(op->nvars + 1, 1);
	if (!v->var_used) {
		gql_no_memory(v->err);
		goto out;
	}
	if (!td) {
		gql_set_err(
		    v->err, op->line, op->col, "%s are not supported here%s", kinds[op->type],
		    op->type == CAIRN_GQL_SUBSCRIPTION ? ": use a query or a mutation" : "");
		goto out;
	}
	if (check_directives(v, op->directives, op->ndirectives,
			     op->type == CAIRN_GQL_QUERY ? LOC_QUERY : LOC_MUTATION) ||
	    check_variable_defs(v, op) || check_set(v, td, &op->sel))
		goto out;
	for (i = 0; i < op->nvars; i++) {
		if (!v->var_used[i]) {
			gql_set_err(v->err, op->vars[i].line, op->vars[i].col,
				    "variable \"$%s\" is never used%s%s%s", op->vars[i].name,
				    op->name ? " in operation \"" : "", op->name ? op->name : "",
				    op->name ? "\"" : "");
			goto out;
		}
	}
	if (check_merge(v, td, &set, 1, 0))
		goto out;
	rc = 0;
out:
	free(v->var_used);
	v->var_used = NULL;
	return rc;
}

int cairn_gql_validate(const struct cairn_gql_schema *schema, const struct cairn_gql_document *doc,
		       struct cairn_gql_error *err)
{
	struct vctx v;
	size_t i;
	int rc = -1;

	if (err)
		memset(err, 0, sizeof *err);
	memset(&v, 0, sizeof v);
	v.schema = schema;
	v.doc = doc;
	v.err = err;
	v.frag_seen = calloc(doc->nfrags + 1, 1);
	v.frag_used = calloc(doc->nfrags + 1, 1);
	if (!v.frag_seen || !v.frag_used) {
		gql_no_memory(err);
		goto out;
	}
	if (check_operation_names(&v) || check_fragment_defs(&v) || check_fragment_cycles(&v))
		goto out;
	for (i = 0; i < doc->nops; i++)
		if (check_operation(&v, &doc->ops[i]))
			goto out;
	for (i = 0; i < doc->nfrags; i++) {
		if (!v.frag_used[i]) {
			gql_set_err(err, doc->frags[i].line, doc->frags[i].col,
				    "fragment \"%s\" is never used", doc->frags[i].name);
			goto out;
		}
	}
	rc = 0;
out:
	free(v.frag_seen);
	free(v.frag_used);
	return rc;
}

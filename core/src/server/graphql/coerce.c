/* coerce.c — input coercion (the spec's CoerceVariableValues and
 * CoerceArgumentValues): literals and variables' JSON values become JSON of
 * their declared type, with defaults applied and required values present.
 * Validation runs the same walk over literals without producing output, so
 * the two can never disagree. Messages name the location, never the value. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/graphql/internal.h"

static int put(struct coerce *k, cJSON **out, cJSON *j)
{
	if (!j)
		return gql_no_memory(k->err);
	*out = j;
	return 0;
}

static int use_variable(struct coerce *k, struct tref t, const struct cairn_gql_value *v,
			const char *what, cJSON **out)
{
	const struct cairn_gql_variable_def *d = NULL;
	const cJSON *val;
	struct tref vt, lt = t;
	size_t i;

	if (!k->validate) {
		val = k->vars ? cJSON_GetObjectItemCaseSensitive(k->vars, v->text) : NULL;
		if (!val)
			return 0; /* no value: the caller treats it as not given */
		if (cJSON_IsNull(val) && t_nonnull(t))
			return gql_set_err(k->err, v->line, v->col, "%s must not be null", what);
		return put(k, out, cJSON_Duplicate(val, 1));
	}
	for (i = 0; k->op && i < k->op->nvars && !d; i++)
		if (!strcmp(k->op->vars[i].name, v->text))
			d = &k->op->vars[i];
	if (!d) {
		if (k->op && k->op->name)
			return gql_set_err(k->err, v->line, v->col,
					   "variable \"$%s\" is not defined by operation \"%s\"",
					   v->text, k->op->name);
		return gql_set_err(k->err, v->line, v->col, "variable \"$%s\" is not defined",
				   v->text);
	}
	k->var_used[d - k->op->vars] = 1;
	vt = tref_of(d->type);
	if (t_nonnull(lt) && !t_nonnull(vt) && d->default_value &&
	    d->default_value->kind != CAIRN_GQL_NULL)
		lt = t_nullable(lt);
	if (!gql_types_compatible(vt, lt))
		return gql_set_err(
		    k->err, v->line, v->col,
		    "variable \"$%s\" of type %s cannot be used for %s, which expects "
		    "%.*s",
		    v->text, d->type, what, (int)t.n, t.s);
	return 0;
}

static int coerce_list_literal(struct coerce *k, struct tref t, const struct cairn_gql_value *v,
			       const char *what, cJSON **out)
{
	struct tref it = t_item(t);
	const struct cairn_gql_value *items = v;
	size_t n = 1, i;
	cJSON *arr = NULL, *item = NULL;
	int rc = -1;

	if (v->kind == CAIRN_GQL_LIST) {
		items = v->items;
		n = v->nitems;
	}
	if (!k->validate && !(arr = cJSON_CreateArray())) {
		gql_no_memory(k->err);
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (gql_coerce_literal(k, it, &items[i], what, &item))
			goto out;
		if (k->validate)
			continue;
		if (!item) {
			/* a variable with no value in a list is null */
			if (t_nonnull(it)) {
				gql_set_err(k->err, items[i].line, items[i].col,
					    "%s must not be null", what);
				goto out;
			}
			if (!(item = cJSON_CreateNull())) {
				gql_no_memory(k->err);
				goto out;
			}
		}
		cJSON_AddItemToArray(arr, item);
		item = NULL;
	}
	*out = arr;
	arr = NULL;
	rc = 0;
out:
	cJSON_Delete(arr);
	cJSON_Delete(item);
	return rc;
}

static int coerce_scalar_literal(struct coerce *k, enum scalar sk, struct tref named,
				 const struct cairn_gql_value *v, const char *what, cJSON **out)
{
	long long x;
	double d;

	switch (sk) {
	case S_INT:
		if (v->kind != CAIRN_GQL_INT)
			break;
		errno = 0;
		x = strtoll(v->text, NULL, 10);
		if (errno || x < INT32_MIN || x > INT32_MAX)
			return gql_set_err(k->err, v->line, v->col,
					   "%s must be an Int between -2147483648 and 2147483647",
					   what);
		return k->validate ? 0 : put(k, out, cJSON_CreateNumber((double)x));
	case S_FLOAT:
		if (v->kind != CAIRN_GQL_INT && v->kind != CAIRN_GQL_FLOAT)
			break;
		d = strtod(v->text, NULL);
		if (!isfinite(d))
			return gql_set_err(k->err, v->line, v->col, "%s must be a finite Float",
					   what);
		return k->validate ? 0 : put(k, out, cJSON_CreateNumber(d));
	case S_STRING:
		if (v->kind != CAIRN_GQL_STRING)
			break;
		return k->validate ? 0 : put(k, out, cJSON_CreateString(v->text));
	case S_BOOLEAN:
		if (v->kind != CAIRN_GQL_BOOLEAN)
			break;
		return k->validate ? 0 : put(k, out, cJSON_CreateBool(v->boolean));
	case S_ID:
		if (v->kind != CAIRN_GQL_STRING && v->kind != CAIRN_GQL_INT)
			break;
		return k->validate ? 0 : put(k, out, cJSON_CreateString(v->text));
	case S_NONE:
		break;
	}
	return gql_set_err(k->err, v->line, v->col, "%s must be %s %.*s", what,
			   gql_article(named.s, named.n), (int)named.n, named.s);
}

/* An input object literal: an object, each field given once and known. */
static int check_object_shape(struct coerce *k, const struct cairn_gql_type_def *td,
			      const struct cairn_gql_value *v, const char *what)
{
	const struct cairn_gql_arg *a;
	char names[256];
	size_t i;
	int failed;

	if (v->kind != CAIRN_GQL_OBJECT)
		return gql_set_err(k->err, v->line, v->col, "%s must be %s %s", what,
				   gql_article(td->name, strlen(td->name)), td->name);
	if ((a = gql_duplicate_arg(v->fields, v->nfields, k->err, &failed)) || failed)
		return a ? gql_set_err(k->err, a->line, a->col, "field \"%s\" is given twice in %s",
				       a->name, td->name)
			 : -1;
	for (i = 0; i < v->nfields; i++) {
		if (!cairn_gql_type_field(td, v->fields[i].name)) {
			gql_names_list(td->fields, td->nfields, names, sizeof names);
			return gql_set_err(k->err, v->fields[i].line, v->fields[i].col,
					   "unknown field \"%s\" in %s (fields: %s)",
					   v->fields[i].name, td->name, names);
		}
	}
	return 0;
}

static int coerce_object_literal(struct coerce *k, const struct cairn_gql_type_def *td,
				 const struct cairn_gql_value *v, const char *what, cJSON **out)
{
	const struct cairn_gql_arg *a;
	cJSON *obj = NULL, *fv = NULL;
	char sub[256];
	size_t i;
	int rc = -1;

	if (check_object_shape(k, td, v, what))
		goto out;
	if (!k->validate && !(obj = cJSON_CreateObject())) {
		gql_no_memory(k->err);
		goto out;
	}
	for (i = 0; i < td->nfields; i++) {
		const struct cairn_gql_field_def *fd = &td->fields[i];
		struct tref ft = tref_of(fd->type);
		a = gql_find_arg(v->fields, v->nfields, fd->name);
		snprintf(sub, sizeof sub, "argument \"%s\" of %s", fd->name, td->name);
		if (a && gql_coerce_literal(k, ft, &a->value, sub, &fv))
			goto out;
		if (k->validate && a)
			continue;
		if (!fv) {
			if (t_nonnull(ft)) {
				gql_set_err(k->err, a ? a->line : v->line, a ? a->col : v->col,
					    "%s is required", sub);
				goto out;
			}
			continue;
		}
		cJSON_AddItemToObject(obj, fd->name, fv);
		fv = NULL;
	}
	*out = obj;
	obj = NULL;
	rc = 0;
out:
	cJSON_Delete(obj);
	cJSON_Delete(fv);
	return rc;
}

int gql_coerce_literal(struct coerce *k, struct tref t, const struct cairn_gql_value *v,
		       const char *what, cJSON **out)
{
	const struct cairn_gql_type_def *td;
	struct tref named;
	enum scalar sk;

	*out = NULL;
	if (v->kind == CAIRN_GQL_VARIABLE)
		return use_variable(k, t, v, what, out);
	if (v->kind == CAIRN_GQL_NULL) {
		if (t_nonnull(t))
			return gql_set_err(k->err, v->line, v->col, "%s must not be null", what);
		return k->validate ? 0 : put(k, out, cJSON_CreateNull());
	}
	t = t_nullable(t);
	if (t_list(t))
		return coerce_list_literal(k, t, v, what, out);
	named = t;
	sk = gql_scalar_of(named);
	if (sk)
		return coerce_scalar_literal(k, sk, named, v, what, out);
	td = gql_schema_type_n(k->schema, named);
	if (!td || td->kind != CAIRN_GQL_INPUT_TYPE)
		return gql_set_err(k->err, v->line, v->col,
				   "%s has type %.*s, which is not an input type", what,
				   (int)named.n, named.s);
	return coerce_object_literal(k, td, v, what, out);
}

static int coerce_json(struct coerce *k, struct tref t, const cJSON *j, const char *what,
		       cJSON **out);

static int coerce_json_list(struct coerce *k, struct tref t, const cJSON *j, const char *what,
			    cJSON **out)
{
	struct tref it = t_item(t);
	cJSON *arr = NULL, *item = NULL;
	const cJSON *el;
	int rc = -1;

	if (!(arr = cJSON_CreateArray())) {
		gql_no_memory(k->err);
		goto out;
	}
	if (!cJSON_IsArray(j)) {
		if (coerce_json(k, it, j, what, &item))
			goto out;
		cJSON_AddItemToArray(arr, item);
		item = NULL;
	} else {
		cJSON_ArrayForEach(el, j)
		{
			if (coerce_json(k, it, el, what, &item))
				goto out;
			cJSON_AddItemToArray(arr, item);
			item = NULL;
		}
	}
	*out = arr;
	arr = NULL;
	rc = 0;
out:
	cJSON_Delete(arr);
	return rc;
}

static int coerce_json_object(struct coerce *k, const struct cairn_gql_type_def *td, const cJSON *j,
			      const char *what, cJSON **out)
{
	cJSON *obj = NULL, *fv = NULL;
	const cJSON *el;
	char sub[256], names[256];
	size_t i;
	int rc = -1;

	if (!cJSON_IsObject(j)) {
		gql_set_err(k->err, 0, 0, "%s must be %s %s", what,
			    gql_article(td->name, strlen(td->name)), td->name);
		goto out;
	}
	cJSON_ArrayForEach(el, j)
	{
		if (!cairn_gql_type_field(td, el->string)) {
			gql_names_list(td->fields, td->nfields, names, sizeof names);
			gql_set_err(k->err, 0, 0, "unknown field \"%.64s\" in %s (fields: %s)",
				    el->string, td->name, names);
			goto out;
		}
	}
	if (!(obj = cJSON_CreateObject())) {
		gql_no_memory(k->err);
		goto out;
	}
	for (i = 0; i < td->nfields; i++) {
		const struct cairn_gql_field_def *fd = &td->fields[i];
		struct tref ft = tref_of(fd->type);
		el = cJSON_GetObjectItemCaseSensitive(j, fd->name);
		snprintf(sub, sizeof sub, "argument \"%s\" of %s", fd->name, td->name);
		if (!el) {
			if (t_nonnull(ft)) {
				gql_set_err(k->err, 0, 0, "%s is required", sub);
				goto out;
			}
			continue;
		}
		if (coerce_json(k, ft, el, sub, &fv))
			goto out;
		cJSON_AddItemToObject(obj, fd->name, fv);
		fv = NULL;
	}
	*out = obj;
	obj = NULL;
	rc = 0;
out:
	cJSON_Delete(obj);
	return rc;
}

static int json_int(const cJSON *j, double *d)
{
	if (!cJSON_IsNumber(j))
		return 0;
	*d = j->valuedouble;
	return isfinite(*d) && floor(*d) == *d;
}

/* Input coercion of a JSON value (a variable's value) to type t. */
static int coerce_json(struct coerce *k, struct tref t, const cJSON *j, const char *what,
		       cJSON **out)
{
	const struct cairn_gql_type_def *td;
	struct tref named;
	char buf[32];
	double d;

	*out = NULL;
	if (!j || cJSON_IsNull(j)) {
		if (t_nonnull(t))
			return gql_set_err(k->err, 0, 0, "%s must not be null", what);
		return put(k, out, cJSON_CreateNull());
	}
	t = t_nullable(t);
	if (t_list(t))
		return coerce_json_list(k, t, j, what, out);
	named = t;
	switch (gql_scalar_of(named)) {
	case S_INT:
		if (json_int(j, &d) && d >= INT32_MIN && d <= INT32_MAX)
			return put(k, out, cJSON_CreateNumber(d));
		break;
	case S_FLOAT:
		if (cJSON_IsNumber(j) && isfinite(j->valuedouble))
			return put(k, out, cJSON_CreateNumber(j->valuedouble));
		break;
	case S_STRING:
		if (cJSON_IsString(j))
			return put(k, out, cJSON_CreateString(j->valuestring));
		break;
	case S_BOOLEAN:
		if (cJSON_IsBool(j))
			return put(k, out, cJSON_CreateBool(cJSON_IsTrue(j)));
		break;
	case S_ID:
		if (cJSON_IsString(j))
			return put(k, out, cJSON_CreateString(j->valuestring));
		if (json_int(j, &d) && fabs(d) < 9007199254740992.0) {
			snprintf(buf, sizeof buf, "%.0f", d);
			return put(k, out, cJSON_CreateString(buf));
		}
		break;
	case S_NONE:
		td = gql_schema_type_n(k->schema, named);
		if (!td || td->kind != CAIRN_GQL_INPUT_TYPE)
			return gql_set_err(k->err, 0, 0,
					   "%s has type %.*s, which is not an input type", what,
					   (int)named.n, named.s);
		return coerce_json_object(k, td, j, what, out);
	}
	return gql_set_err(k->err, 0, 0, "%s must be %s %.*s", what, gql_article(named.s, named.n),
			   (int)named.n, named.s);
}

/* A variable's value is wrong somewhere inside: say which variable, and
 * point at its definition. */
static void locate_variable_error(struct cairn_gql_error *err,
				  const struct cairn_gql_variable_def *d, const char *what)
{
	char inner[sizeof err->message];

	if (!err)
		return;
	memcpy(inner, err->message, sizeof inner);
	if (!strncmp(inner, what, strlen(what)))
		gql_set_err(err, d->line, d->col, "%s", inner);
	else
		gql_set_err(err, d->line, d->col, "%s: %s", what, inner);
}

int cairn_gql_coerce_variables(const struct cairn_gql_schema *schema,
			       const struct cairn_gql_operation *op, const cJSON *variables,
			       cJSON **out, struct cairn_gql_error *err)
{
	struct coerce k = {schema, 0, op, NULL, NULL, err};
	cJSON *res = NULL, *val = NULL;
	char what[160];
	size_t i;
	int rc = -1;

	*out = NULL;
	if (variables && !cJSON_IsNull(variables) && !cJSON_IsObject(variables)) {
		gql_set_err(err, 0, 0, "variables must be a JSON object");
		goto out;
	}
	if (!(res = cJSON_CreateObject())) {
		gql_no_memory(err);
		goto out;
	}
	for (i = 0; i < op->nvars; i++) {
		const struct cairn_gql_variable_def *d = &op->vars[i];
		const cJSON *given = cJSON_IsObject(variables)
					 ? cJSON_GetObjectItemCaseSensitive(variables, d->name)
					 : NULL;
		struct tref t = tref_of(d->type);
		snprintf(what, sizeof what, "variable \"$%s\"", d->name);
		if (!given && d->default_value) {
			if (gql_coerce_literal(&k, t, d->default_value, what, &val))
				goto out;
		} else if (t_nonnull(t) && (!given || cJSON_IsNull(given))) {
			gql_set_err(err, d->line, d->col,
				    given ? "variable \"$%s\" of type %s must not be null"
					  : "variable \"$%s\" of required type %s was not provided",
				    d->name, d->type);
			goto out;
		} else if (!given) {
			continue;
		} else if (coerce_json(&k, t, given, what, &val)) {
			locate_variable_error(err, d, what);
			goto out;
		}
		cJSON_AddItemToObject(res, d->name, val);
		val = NULL;
	}
	*out = res;
	res = NULL;
	rc = 0;
out:
	cJSON_Delete(res);
	cJSON_Delete(val);
	return rc;
}

int cairn_gql_coerce_value(const struct cairn_gql_schema *schema, const char *type,
			   const struct cairn_gql_value *value, const cJSON *vars, const char *what,
			   cJSON **out, struct cairn_gql_error *err)
{
	struct coerce k = {schema, 0, NULL, NULL, vars, err};

	return gql_coerce_literal(&k, tref_of(type), value, what ? what : "value", out);
}

int cairn_gql_coerce_arguments(const struct cairn_gql_schema *schema,
			       const struct cairn_gql_field_def *def,
			       const struct cairn_gql_selection *field, const cJSON *vars,
			       cJSON **out, struct cairn_gql_error *err)
{
	struct coerce k = {schema, 0, NULL, NULL, vars, err};
	cJSON *res = NULL, *val = NULL;
	char what[256];
	size_t i;
	int rc = -1;

	*out = NULL;
	if (!(res = cJSON_CreateObject())) {
		gql_no_memory(err);
		goto out;
	}
	for (i = 0; i < def->nargs; i++) {
		const struct cairn_gql_field_def *ad = &def->args[i];
		const struct cairn_gql_arg *a = gql_find_arg(field->args, field->nargs, ad->name);
		struct tref t = tref_of(ad->type);
		snprintf(what, sizeof what, "argument \"%s\" of field \"%s\"", ad->name, def->name);
		if (a && gql_coerce_literal(&k, t, &a->value, what, &val))
			goto out;
		if (!val) {
			if (t_nonnull(t)) {
				gql_set_err(err, a ? a->line : field->line, a ? a->col : field->col,
					    "%s is required", what);
				goto out;
			}
			continue;
		}
		cJSON_AddItemToObject(res, ad->name, val);
		val = NULL;
	}
	*out = res;
	res = NULL;
	rc = 0;
out:
	cJSON_Delete(res);
	cJSON_Delete(val);
	return rc;
}

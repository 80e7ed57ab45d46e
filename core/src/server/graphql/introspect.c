/* introspect.c — introspection (spec, section 4): the types __Schema, __Type,
 * __Field, __InputValue, __EnumValue, __Directive and their two enums,
 * __schema and __type(name:) on the query type, and built-in resolvers for
 * them. Every answer is generated from the caller's cairn_gql_schema, the one
 * the validator and executor use, so what a client learns is what runs.
 *
 * A __Type travels as the JSON {"t": "<type as written>"} ("[NodeState]!");
 * its fields are resolved from that text when selected, so ofType chains and
 * nested fields selections build only what was asked. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/graphql/internal.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct cairn_gql_field_def name_arg[] = {{"name", "String!", NULL, 0}};

static const struct cairn_gql_doc intro_docs[] = {
    {"__Schema", NULL, "What this GraphQL server supports: its types, root types and directives.",
     NULL},
    {"__Schema", "types", "Every type this server knows.", NULL},
    {"__Schema", "subscriptionType", "Subscriptions are not supported: null.", NULL},
    {"__Type", NULL,
     "A type: named (scalar, object, enum, input object), or a list or non-null wrapper "
     "around another (ofType).",
     NULL},
    {"__Field", NULL, "A field of an object type, with its arguments.", NULL},
    {"__InputValue", NULL, "An argument, or a field of an input object type.", NULL},
    {"__EnumValue", NULL, "One value of an enum type.", NULL},
    {"__Directive", NULL, "A directive the server understands, and where it may be written.", NULL},
    {"__TypeKind", NULL, "What kind of type a __Type is.", NULL},
    {"__DirectiveLocation", NULL, "Where a directive may be written.", NULL},
    {"__Type", "fields(includeDeprecated)", "List deprecated ones too (default: false).", NULL},
    {"__Type", "enumValues(includeDeprecated)", "List deprecated ones too (default: false).", NULL},
    {"__Type", "inputFields(includeDeprecated)", "List deprecated ones too (default: false).",
     NULL},
    {"Query", "__schema", "This server's schema.", NULL},
    {"Query", "__type", "The named type, or null when there is none.", NULL},
    {"Query", "__type(name)", "The type's name.", NULL},
};

/* The doc row for type and field (NULL: the type), from the schema's table,
 * else introspection's own. */
static const struct cairn_gql_doc *doc_of(const struct cairn_gql_schema *schema, const char *type,
					  const char *field)
{
	const struct cairn_gql_doc *tabs[2] = {schema ? schema->docs : NULL, intro_docs};
	size_t ns[2] = {schema ? schema->ndocs : 0, N(intro_docs)}, t, i;

	for (t = 0; t < 2; t++)
		for (i = 0; tabs[t] && i < ns[t]; i++) {
			const struct cairn_gql_doc *d = &tabs[t][i];
			if (!strcmp(d->type, type) &&
			    (field ? d->field && !strcmp(d->field, field) : !d->field))
				return d;
		}
	return NULL;
}

static const struct cairn_gql_field_def meta_fields[] = {
    {"__schema", "__Schema!", NULL, 0},
    {"__type", "__Type", name_arg, 1},
};

const struct cairn_gql_field_def *gql_meta_field(const struct cairn_gql_schema *schema,
						 const struct cairn_gql_type_def *td,
						 const char *name)
{
	if (!td || !schema || !schema->query_type || strcmp(td->name, schema->query_type))
		return NULL;
	return gql_find_def(meta_fields, N(meta_fields), name);
}

/* ---- the answers ---- */

static const char *const scalar_names[] = {"Int", "Float", "String", "Boolean", "ID"};
static const char *const scalar_docs[] = {
    "A signed whole number (the answers here may exceed 32 bits).",
    "A double-precision floating-point number.",
    "UTF-8 text.",
    "true or false.",
    "A unique identifier, written as a string.",
};

/* {"t": the n bytes of type}. */
static cJSON *type_ref(const char *t, size_t n)
{
	char buf[256];
	cJSON *o = cJSON_CreateObject();

	snprintf(buf, sizeof buf, "%.*s", (int)n, t);
	if (o && !cJSON_AddStringToObject(o, "t", buf)) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static void add_opt_string(cJSON *o, const char *key, const char *s)
{
	if (s)
		cJSON_AddStringToObject(o, key, s);
	else
		cJSON_AddNullToObject(o, key);
}

enum def_kind { D_FIELD, D_INPUT, D_ENUM };

/* One definition as a __Field, __InputValue or __EnumValue; its docs under
 * owner and the name (or "field(arg)" for an argument). */
static cJSON *def_json(const struct cairn_gql_schema *schema, const char *owner, const char *field,
		       const struct cairn_gql_field_def *d, enum def_kind k)
{
	char key[160];
	const struct cairn_gql_doc *doc;
	cJSON *o = cJSON_CreateObject(), *args;
	size_t i;

	if (!o)
		return NULL;
	if (field)
		snprintf(key, sizeof key, "%s(%s)", field, d->name);
	else
		snprintf(key, sizeof key, "%s", d->name);
	doc = doc_of(schema, owner, key);
	cJSON_AddStringToObject(o, "name", d->name);
	add_opt_string(o, "description", doc ? doc->description : NULL);
	if (k != D_ENUM)
		cJSON_AddItemToObject(o, "type", type_ref(d->type, strlen(d->type)));
	if (k == D_INPUT)
		cJSON_AddNullToObject(o, "defaultValue");
	if (k == D_FIELD && (args = cJSON_AddArrayToObject(o, "args")))
		for (i = 0; i < d->nargs; i++)
			cJSON_AddItemToArray(
			    args, def_json(schema, owner, d->name, &d->args[i], D_INPUT));
	cJSON_AddBoolToObject(o, "isDeprecated", doc && doc->deprecated);
	add_opt_string(o, "deprecationReason", doc ? doc->deprecated : NULL);
	return o;
}

static int deprecated(const struct cairn_gql_schema *schema, const char *owner,
		      const struct cairn_gql_field_def *d)
{
	const struct cairn_gql_doc *doc = doc_of(schema, owner, d->name);

	return doc && doc->deprecated;
}

static cJSON *defs_json(const struct cairn_gql_schema *schema, const struct cairn_gql_type_def *td,
			enum def_kind k, const cJSON *args)
{
	int all = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(args, "includeDeprecated"));
	cJSON *list = cJSON_CreateArray();
	size_t i;

	for (i = 0; list && i < td->nfields; i++)
		if (all || !deprecated(schema, td->name, &td->fields[i]))
			cJSON_AddItemToArray(list,
					     def_json(schema, td->name, NULL, &td->fields[i], k));
	return list;
}

static cJSON *directive(const char *name, const char *doc, const char *const *locs, size_t nlocs,
			const struct cairn_gql_field_def *arg)
{
	cJSON *o = cJSON_CreateObject(), *l, *args;
	size_t i;

	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "name", name);
	cJSON_AddStringToObject(o, "description", doc);
	cJSON_AddBoolToObject(o, "isRepeatable", 0);
	if ((l = cJSON_AddArrayToObject(o, "locations")))
		for (i = 0; i < nlocs; i++)
			cJSON_AddItemToArray(l, cJSON_CreateString(locs[i]));
	if ((args = cJSON_AddArrayToObject(o, "args"))) {
		cJSON *a = def_json(NULL, "", NULL, arg, D_INPUT);
		if (a && !strcmp(name, "deprecated"))
			cJSON_ReplaceItemInObjectCaseSensitive(
			    a, "defaultValue", cJSON_CreateString("\"No longer supported\""));
		cJSON_AddItemToArray(args, a);
	}
	return o;
}

static cJSON *directives_json(void)
{
	static const char *const exec_locs[] = {"FIELD", "FRAGMENT_SPREAD", "INLINE_FRAGMENT"};
	static const char *const dep_locs[] = {"FIELD_DEFINITION", "ARGUMENT_DEFINITION",
					       "INPUT_FIELD_DEFINITION", "ENUM_VALUE"};
	static const struct cairn_gql_field_def if_arg[] = {{"if", "Boolean!", NULL, 0},
							    {"if", "Boolean!", NULL, 0},
							    {"reason", "String", NULL, 0}};
	cJSON *list = cJSON_CreateArray();

	if (!list)
		return NULL;
	cJSON_AddItemToArray(list, directive("include",
					     "Directs the executor to include this field or "
					     "fragment only when the `if` argument is true.",
					     exec_locs, N(exec_locs), &if_arg[0]));
	cJSON_AddItemToArray(list,
			     directive("skip",
				       "Directs the executor to skip this field or fragment when "
				       "the `if` argument is true.",
				       exec_locs, N(exec_locs), &if_arg[1]));
	cJSON_AddItemToArray(list, directive("deprecated",
					     "Marks an element of this schema as no longer "
					     "supported.",
					     dep_locs, N(dep_locs), &if_arg[2]));
	return list;
}

static cJSON *root_ref(const char *name)
{
	return name ? type_ref(name, strlen(name)) : cJSON_CreateNull();
}

/* Query.__schema */
static int resolve_schema(const struct cairn_gql_resolve *r, cJSON **out, cairn_err *err)
{
	const struct cairn_gql_schema *s = r->schema;
	cJSON *o = cJSON_CreateObject(), *types;
	size_t i;

	(void)err;
	if (!o)
		return 0;
	cJSON_AddNullToObject(o, "description");
	cJSON_AddItemToObject(o, "queryType", root_ref(s->query_type));
	cJSON_AddItemToObject(o, "mutationType", root_ref(s->mutation_type));
	cJSON_AddNullToObject(o, "subscriptionType");
	if ((types = cJSON_AddArrayToObject(o, "types"))) {
		for (i = 0; i < s->ntypes; i++)
			cJSON_AddItemToArray(types, root_ref(s->types[i].name));
		for (i = 0; i < N(scalar_names); i++)
			cJSON_AddItemToArray(types, root_ref(scalar_names[i]));
		size_t n_intro;
		const struct cairn_gql_type_def *intro = gql_intro_types(&n_intro);
		for (i = 0; i < n_intro; i++)
			cJSON_AddItemToArray(types, root_ref(intro[i].name));
	}
	cJSON_AddItemToObject(o, "directives", directives_json());
	*out = o;
	return 0;
}

/* Query.__type(name:) */
static int resolve_type(const struct cairn_gql_resolve *r, cJSON **out, cairn_err *err)
{
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(r->args, "name");
	struct tref t;

	(void)err;
	if (!cJSON_IsString(name))
		return 0;
	t = tref_of(name->valuestring);
	if (gql_scalar_of(t) || gql_schema_type_n(r->schema, t))
		*out = type_ref(t.s, t.n);
	return 0;
}

/* The parent __Type's text. */
static struct tref parent_type(const struct cairn_gql_resolve *r)
{
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(r->parent, "t");

	return cJSON_IsString(t) ? tref_of(t->valuestring) : (struct tref){"", 0};
}

/* The parent's named type definition, when it is one (not a wrapper). */
static const struct cairn_gql_type_def *parent_def(const struct cairn_gql_resolve *r)
{
	struct tref t = parent_type(r);

	if (t_nonnull(t) || t_list(t))
		return NULL;
	return gql_schema_type_n(r->schema, t);
}

static const char *kind_of(const struct cairn_gql_resolve *r)
{
	struct tref t = parent_type(r);
	const struct cairn_gql_type_def *td;

	if (t_nonnull(t))
		return "NON_NULL";
	if (t_list(t))
		return "LIST";
	if (gql_scalar_of(t))
		return "SCALAR";
	if (!(td = gql_schema_type_n(r->schema, t)))
		return NULL;
	return td->kind == CAIRN_GQL_OBJECT_TYPE  ? "OBJECT"
	       : td->kind == CAIRN_GQL_INPUT_TYPE ? "INPUT_OBJECT"
						  : "ENUM";
}

static int resolve_kind(const struct cairn_gql_resolve *r, cJSON **out, cairn_err *err)
{
	const char *k = kind_of(r);

	(void)err;
	if (k)
		*out = cJSON_CreateString(k);
	return 0;
}

static int resolve_name(const struct cairn_gql_resolve *r, cJSON **out, cairn_err *err)
{
	struct tref t = parent_type(r);
	char buf[256];

	(void)err;
	if (t.n && !t_nonnull(t) && !t_list(t)) {
		snprintf(buf, sizeof buf, "%.*s", (int)t.n, t.s);
		*out = cJSON_CreateString(buf);
	}
	return 0;
}

static int resolve_description(const struct cairn_gql_resolve *r, cJSON **out, cairn_err *err)
{
	const struct cairn_gql_type_def *td = parent_def(r);
	enum scalar sc = gql_scalar_of(parent_type(r));
	const struct cairn_gql_doc *doc;

	(void)err;
	if (sc && !t_nonnull(parent_type(r)))
		*out = cJSON_CreateString(scalar_docs[sc - 1]);
	else if (td && (doc = doc_of(r->schema, td->name, NULL)) && doc->description)
		*out = cJSON_CreateString(doc->description);
	return 0;
}

static int resolve_fields(const struct cairn_gql_resolve *r, cJSON **out, cairn_err *err)
{
	const struct cairn_gql_type_def *td = parent_def(r);

	(void)err;
	if (td && td->kind == CAIRN_GQL_OBJECT_TYPE)
		*out = defs_json(r->schema, td, D_FIELD, r->args);
	return 0;
}

static int resolve_input_fields(const struct cairn_gql_resolve *r, cJSON **out, cairn_err *err)
{
	const struct cairn_gql_type_def *td = parent_def(r);

	(void)err;
	if (td && td->kind == CAIRN_GQL_INPUT_TYPE)
		*out = defs_json(r->schema, td, D_INPUT, r->args);
	return 0;
}

static int resolve_enum_values(const struct cairn_gql_resolve *r, cJSON **out, cairn_err *err)
{
	const struct cairn_gql_type_def *td = parent_def(r);

	(void)err;
	if (td && td->kind == CAIRN_GQL_ENUM_TYPE)
		*out = defs_json(r->schema, td, D_ENUM, r->args);
	return 0;
}

/* Objects implement no interfaces here: []; other kinds: null. */
static int resolve_interfaces(const struct cairn_gql_resolve *r, cJSON **out, cairn_err *err)
{
	const struct cairn_gql_type_def *td = parent_def(r);

	(void)err;
	if (td && td->kind == CAIRN_GQL_OBJECT_TYPE)
		*out = cJSON_CreateArray();
	return 0;
}

static int resolve_of_type(const struct cairn_gql_resolve *r, cJSON **out, cairn_err *err)
{
	struct tref t = parent_type(r);

	(void)err;
	if (t_nonnull(t))
		t = t_nullable(t);
	else if (t_list(t))
		t = t_item(t);
	else
		return 0;
	*out = type_ref(t.s, t.n);
	return 0;
}

static int resolve_is_one_of(const struct cairn_gql_resolve *r, cJSON **out, cairn_err *err)
{
	const struct cairn_gql_type_def *td = parent_def(r);

	(void)err;
	if (td && td->kind == CAIRN_GQL_INPUT_TYPE)
		*out = cJSON_CreateFalse();
	return 0;
}

/* Fields with no answer here (possibleTypes, specifiedByURL): null. */
static int resolve_null(const struct cairn_gql_resolve *r, cJSON **out, cairn_err *err)
{
	(void)r;
	(void)out;
	(void)err;
	return 0;
}

static const struct cairn_gql_resolver meta_resolvers[] = {
    {"", "__schema", resolve_schema},
    {"", "__type", resolve_type},
};

static const struct cairn_gql_resolver intro_resolvers[] = {
    {"__Type", "kind", resolve_kind},
    {"__Type", "name", resolve_name},
    {"__Type", "description", resolve_description},
    {"__Type", "specifiedByURL", resolve_null},
    {"__Type", "fields", resolve_fields},
    {"__Type", "interfaces", resolve_interfaces},
    {"__Type", "possibleTypes", resolve_null},
    {"__Type", "enumValues", resolve_enum_values},
    {"__Type", "inputFields", resolve_input_fields},
    {"__Type", "ofType", resolve_of_type},
    {"__Type", "isOneOf", resolve_is_one_of},
};

const struct cairn_gql_resolver *gql_intro_resolver(const char *type, const char *field)
{
	size_t i;

	if (!strncmp(field, "__", 2)) {
		for (i = 0; i < N(meta_resolvers); i++)
			if (!strcmp(meta_resolvers[i].field, field))
				return &meta_resolvers[i];
		return NULL;
	}
	for (i = 0; i < N(intro_resolvers); i++)
		if (!strcmp(intro_resolvers[i].type, type) &&
		    !strcmp(intro_resolvers[i].field, field))
			return &intro_resolvers[i];
	return NULL;
}

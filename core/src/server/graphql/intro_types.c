/* intro_types.c — the introspection system's own types as data (spec,
 * section 4.2): __Schema, __Type, __Field, __InputValue, __EnumValue,
 * __Directive, __TypeKind and __DirectiveLocation. Looked up beside a
 * schema's types (schema.c); answered by introspect.c. */
#include <string.h>

#include "server/graphql/internal.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- the introspection types ---- */

static const struct cairn_gql_field_def include_deprecated[] = {
    {"includeDeprecated", "Boolean", NULL, 0}};

static const struct cairn_gql_field_def schema_fields[] = {
    {"description", "String", NULL, 0},	     {"types", "[__Type!]!", NULL, 0},
    {"queryType", "__Type!", NULL, 0},	     {"mutationType", "__Type", NULL, 0},
    {"subscriptionType", "__Type", NULL, 0}, {"directives", "[__Directive!]!", NULL, 0},
};
static const struct cairn_gql_field_def type_fields[] = {
    {"kind", "__TypeKind!", NULL, 0},
    {"name", "String", NULL, 0},
    {"description", "String", NULL, 0},
    {"specifiedByURL", "String", NULL, 0},
    {"fields", "[__Field!]", include_deprecated, 1},
    {"interfaces", "[__Type!]", NULL, 0},
    {"possibleTypes", "[__Type!]", NULL, 0},
    {"enumValues", "[__EnumValue!]", include_deprecated, 1},
    {"inputFields", "[__InputValue!]", include_deprecated, 1},
    {"ofType", "__Type", NULL, 0},
    {"isOneOf", "Boolean", NULL, 0},
};
static const struct cairn_gql_field_def field_fields[] = {
    {"name", "String!", NULL, 0},
    {"description", "String", NULL, 0},
    {"args", "[__InputValue!]!", include_deprecated, 1},
    {"type", "__Type!", NULL, 0},
    {"isDeprecated", "Boolean!", NULL, 0},
    {"deprecationReason", "String", NULL, 0},
};
static const struct cairn_gql_field_def input_value_fields[] = {
    {"name", "String!", NULL, 0},	   {"description", "String", NULL, 0},
    {"type", "__Type!", NULL, 0},	   {"defaultValue", "String", NULL, 0},
    {"isDeprecated", "Boolean!", NULL, 0}, {"deprecationReason", "String", NULL, 0},
};
static const struct cairn_gql_field_def enum_value_fields[] = {
    {"name", "String!", NULL, 0},
    {"description", "String", NULL, 0},
    {"isDeprecated", "Boolean!", NULL, 0},
    {"deprecationReason", "String", NULL, 0},
};
static const struct cairn_gql_field_def directive_fields[] = {
    {"name", "String!", NULL, 0},
    {"description", "String", NULL, 0},
    {"isRepeatable", "Boolean!", NULL, 0},
    {"locations", "[__DirectiveLocation!]!", NULL, 0},
    {"args", "[__InputValue!]!", include_deprecated, 1},
};

#define VALUE(name)                                                                                \
	{                                                                                          \
		name, NULL, NULL, 0                                                                \
	}
static const struct cairn_gql_field_def type_kinds[] = {
    VALUE("SCALAR"), VALUE("OBJECT"),	    VALUE("INTERFACE"), VALUE("UNION"),
    VALUE("ENUM"),   VALUE("INPUT_OBJECT"), VALUE("LIST"),	VALUE("NON_NULL"),
};
static const struct cairn_gql_field_def directive_locations[] = {
    VALUE("QUERY"),
    VALUE("MUTATION"),
    VALUE("SUBSCRIPTION"),
    VALUE("FIELD"),
    VALUE("FRAGMENT_DEFINITION"),
    VALUE("FRAGMENT_SPREAD"),
    VALUE("INLINE_FRAGMENT"),
    VALUE("VARIABLE_DEFINITION"),
    VALUE("SCHEMA"),
    VALUE("SCALAR"),
    VALUE("OBJECT"),
    VALUE("FIELD_DEFINITION"),
    VALUE("ARGUMENT_DEFINITION"),
    VALUE("INTERFACE"),
    VALUE("UNION"),
    VALUE("ENUM"),
    VALUE("ENUM_VALUE"),
    VALUE("INPUT_OBJECT"),
    VALUE("INPUT_FIELD_DEFINITION"),
};

static const struct cairn_gql_type_def intro_types[] = {
    {"__Schema", CAIRN_GQL_OBJECT_TYPE, schema_fields, N(schema_fields)},
    {"__Type", CAIRN_GQL_OBJECT_TYPE, type_fields, N(type_fields)},
    {"__Field", CAIRN_GQL_OBJECT_TYPE, field_fields, N(field_fields)},
    {"__InputValue", CAIRN_GQL_OBJECT_TYPE, input_value_fields, N(input_value_fields)},
    {"__EnumValue", CAIRN_GQL_OBJECT_TYPE, enum_value_fields, N(enum_value_fields)},
    {"__Directive", CAIRN_GQL_OBJECT_TYPE, directive_fields, N(directive_fields)},
    {"__TypeKind", CAIRN_GQL_ENUM_TYPE, type_kinds, N(type_kinds)},
    {"__DirectiveLocation", CAIRN_GQL_ENUM_TYPE, directive_locations, N(directive_locations)},
};

const struct cairn_gql_type_def *gql_intro_type(struct tref name)
{
	size_t i;

	if (name.n < 2 || name.s[0] != '_' || name.s[1] != '_')
		return NULL;
	for (i = 0; i < N(intro_types); i++)
		if (t_same(tref_of(intro_types[i].name), name))
			return &intro_types[i];
	return NULL;
}

const struct cairn_gql_type_def *gql_intro_types(size_t *n)
{
	*n = N(intro_types);
	return intro_types;
}

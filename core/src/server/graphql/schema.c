/* schema.c — the schema description (graphql.h) and the type text the other
 * steps read: named types, built-in scalars, lookups of types and fields,
 * and the spec's AreTypesCompatible. */
#include <stdio.h>
#include <string.h>

#include "server/graphql/internal.h"

enum scalar gql_scalar_of(struct tref named)
{
	static const char *const names[] = {"Int", "Float", "String", "Boolean", "ID"};
	size_t i;

	for (i = 0; i < 5; i++)
		if (t_same(named, tref_of(names[i])))
			return (enum scalar)(i + 1);
	return S_NONE;
}

const struct cairn_gql_type_def *gql_schema_type_n(const struct cairn_gql_schema *schema,
						   struct tref name)
{
	size_t i;

	for (i = 0; schema && i < schema->ntypes; i++)
		if (t_same(tref_of(schema->types[i].name), name))
			return &schema->types[i];
	return gql_intro_type(name);
}

const struct cairn_gql_type_def *cairn_gql_schema_type(const struct cairn_gql_schema *schema,
						       const char *name)
{
	return name ? gql_schema_type_n(schema, tref_of(name)) : NULL;
}

const struct cairn_gql_field_def *gql_find_def(const struct cairn_gql_field_def *defs, size_t n,
					       const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(defs[i].name, name))
			return &defs[i];
	return NULL;
}

const struct cairn_gql_field_def *cairn_gql_type_field(const struct cairn_gql_type_def *type,
						       const char *name)
{
	return type ? gql_find_def(type->fields, type->nfields, name) : NULL;
}

const char *cairn_gql_named_type(const char *type, char *buf, size_t n)
{
	struct tref t = t_named(tref_of(type));

	snprintf(buf, n, "%.*s", (int)t.n, t.s);
	return buf;
}

/* The spec's AreTypesCompatible(variableType, locationType). */
int gql_types_compatible(struct tref var, struct tref loc)
{
	if (t_nonnull(loc))
		return t_nonnull(var) && gql_types_compatible(t_nullable(var), t_nullable(loc));
	if (t_nonnull(var))
		return gql_types_compatible(t_nullable(var), loc);
	if (t_list(loc))
		return t_list(var) && gql_types_compatible(t_item(var), t_item(loc));
	return !t_list(var) && t_same(var, loc);
}

void gql_names_list(const struct cairn_gql_field_def *f, size_t n, char *buf, size_t len)
{
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < n && used < len; i++) {
		int k = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", f[i].name);
		if (k < 0)
			break;
		used += (size_t)k;
	}
}

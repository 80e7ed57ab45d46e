/* test_introspect.c — introspection (introspect.c) answered from the same
 * schema description validation and execution use. */
#include "fixture.h"

static int runs;

static int resolve_echo(const struct cairn_gql_resolve *r, cJSON **out, cairn_err *err)
{
	(void)r;
	(void)err;
	runs++;
	*out = cJSON_CreateString("e");
	return 0;
}

static const struct cairn_gql_resolver rows[] = {{"Query", "echo", resolve_echo}};

static char *run(const struct cairn_gql_schema *s, const char *q)
{
	struct cairn_gql_executor ex = {s, rows, N(rows), NULL};
	cJSON *resp = cairn_gql_execute(&ex, q, strlen(q), NULL, NULL);
	char *out = cJSON_PrintUnformatted(resp);

	cJSON_Delete(resp);
	return out;
}

#define EXPECT(q, want)                                                                            \
	do {                                                                                       \
		char *out_ = run(&schema, q);                                                      \
		CHECK_STR(out_, want);                                                             \
		free(out_);                                                                        \
	} while (0)

static void test_schema_names_its_root_types(void)
{
	EXPECT("{ __schema { queryType { name kind } mutationType { name } subscriptionType { name "
	       "} } }",
	       "{\"data\":{\"__schema\":{\"queryType\":{\"name\":\"Query\",\"kind\":\"OBJECT\"},"
	       "\"mutationType\":{\"name\":\"Mutation\"},\"subscriptionType\":null}}}");
}

static void test_types_lists_the_schema_scalars_and_introspection_types(void)
{
	char *out = run(&schema, "{ __schema { types { name kind } } }");
	const char *want[] = {
	    "{\"name\":\"Query\",\"kind\":\"OBJECT\"}",
	    "{\"name\":\"Filter\",\"kind\":\"INPUT_OBJECT\"}",
	    "{\"name\":\"String\",\"kind\":\"SCALAR\"}",
	    "{\"name\":\"ID\",\"kind\":\"SCALAR\"}",
	    "{\"name\":\"__Type\",\"kind\":\"OBJECT\"}",
	    "{\"name\":\"__TypeKind\",\"kind\":\"ENUM\"}",
	    "{\"name\":\"__DirectiveLocation\",\"kind\":\"ENUM\"}",
	};
	size_t i;

	for (i = 0; i < N(want); i++)
		CHECK_CONTAINS(out, want[i]);
	free(out);
}

static void test_type_wrappers_unwrap_through_of_type(void)
{
	EXPECT(
	    "{ __type(name: \"Filter\") { kind name inputFields { name type { kind name ofType "
	    "{ kind name ofType { kind name } } } } } }",
	    "{\"data\":{\"__type\":{\"kind\":\"INPUT_OBJECT\",\"name\":\"Filter\","
	    "\"inputFields\":[{\"name\":\"name\",\"type\":{\"kind\":\"NON_NULL\",\"name\":null,"
	    "\"ofType\":{\"kind\":\"SCALAR\",\"name\":\"String\",\"ofType\":null}}},"
	    "{\"name\":\"tags\",\"type\":{\"kind\":\"LIST\",\"name\":null,\"ofType\":{\"kind\":"
	    "\"SCALAR\",\"name\":\"String\",\"ofType\":null}}},{\"name\":\"nested\",\"type\":{"
	    "\"kind\":\"INPUT_OBJECT\",\"name\":\"Filter\",\"ofType\":null}},{\"name\":"
	    "\"secret\",\"type\":{\"kind\":\"SCALAR\",\"name\":\"String\",\"ofType\":null}}]}}}");
}

static void test_fields_carry_their_args_and_not_the_meta_fields(void)
{
	char *out =
	    run(&schema, "{ __type(name: \"Query\") { fields { name args { name type { "
			 "kind ofType { name } } } } interfaces { name } enumValues { name } "
			 "inputFields { name } } }");

	CHECK_CONTAINS(out, "{\"name\":\"node\",\"args\":[{\"name\":\"id\",\"type\":{\"kind\":"
			    "\"NON_NULL\",\"ofType\":{\"name\":\"ID\"}}}]}");
	CHECK_CONTAINS(out, "\"interfaces\":[],\"enumValues\":null,\"inputFields\":null");
	CHECK(out && !strstr(out, "__schema") && !strstr(out, "\"__type\"}"));
	free(out);
}

static void test_unknown_type_is_null_and_name_is_required(void)
{
	EXPECT("{ __type(name: \"Nope\") { name } }", "{\"data\":{\"__type\":null}}");
	EXPECT("{ __type { name } }",
	       "{\"errors\":[{\"message\":\"argument \\\"name\\\" of field \\\"__type\\\" is "
	       "required\",\"locations\":[{\"line\":1,\"column\":3}]}],\"data\":null}");
}

static void test_meta_fields_exist_only_on_the_query_type(void)
{
	char *out = run(&schema, "mutation { __schema { types { name } } }");

	CHECK_CONTAINS(out, "unknown field \\\"__schema\\\" on type Mutation");
	free(out);
}

static void test_enums_are_leaves_with_their_values(void)
{
	char *out = run(&schema, "{ __type(name: \"__TypeKind\") { kind enumValues { name "
				 "isDeprecated } } }");

	CHECK_CONTAINS(out, "{\"data\":{\"__type\":{\"kind\":\"ENUM\",\"enumValues\":[{\"name\":"
			    "\"SCALAR\",\"isDeprecated\":false},");
	CHECK_CONTAINS(out, "{\"name\":\"NON_NULL\",\"isDeprecated\":false}]}}}");
	free(out);
	out = run(&schema, "{ __type(name: \"Query\") { kind { name } } }");
	CHECK_CONTAINS(out, "cannot have a selection of subfields");
	free(out);
}

static void test_docs_give_descriptions_and_deprecations(void)
{
	static const struct cairn_gql_doc docs[] = {
	    {"Node", NULL, "A node.", NULL},
	    {"Node", "name", "Its name.", "use id"},
	    {"Query", "node(id)", "Which node.", NULL},
	};
	struct cairn_gql_schema s = schema;
	char *out;

	s.docs = docs;
	s.ndocs = N(docs);
	out = run(&s, "{ t: __type(name: \"Node\") { description fields { name } } "
		      "a: __type(name: \"Node\") { fields(includeDeprecated: true) { name "
		      "description isDeprecated deprecationReason } } "
		      "q: __type(name: \"Query\") { fields { name args { name description } } } }");
	CHECK_CONTAINS(out, "\"t\":{\"description\":\"A node.\",\"fields\":[{\"name\":\"id\"},{"
			    "\"name\":\"friends\"}]}");
	CHECK_CONTAINS(out, "{\"name\":\"name\",\"description\":\"Its name.\",\"isDeprecated\":"
			    "true,\"deprecationReason\":\"use id\"}");
	CHECK_CONTAINS(out, "{\"name\":\"node\",\"args\":[{\"name\":\"id\",\"description\":"
			    "\"Which node.\"}]}");
	free(out);
}

static void test_typename_fragments_and_directives_work_on_introspection(void)
{
	EXPECT(
	    "query { __schema { __typename queryType { ...T } directives { name } } } fragment T "
	    "on __Type { __typename name }",
	    "{\"data\":{\"__schema\":{\"__typename\":\"__Schema\",\"queryType\":{\"__typename\":"
	    "\"__Type\",\"name\":\"Query\"},\"directives\":[{\"name\":\"include\"},{\"name\":"
	    "\"skip\"},{\"name\":\"deprecated\"}]}}}");
}

static void test_introspection_runs_no_resolver_of_the_schema(void)
{
	char *out;

	runs = 0;
	out = run(&schema, "{ __schema { types { name fields { name } } } }");
	CHECK(runs == 0 && out && !strstr(out, "errors"));
	free(out);
}

int main(void)
{
	test_schema_names_its_root_types();
	test_types_lists_the_schema_scalars_and_introspection_types();
	test_type_wrappers_unwrap_through_of_type();
	test_fields_carry_their_args_and_not_the_meta_fields();
	test_unknown_type_is_null_and_name_is_required();
	test_meta_fields_exist_only_on_the_query_type();
	test_enums_are_leaves_with_their_values();
	test_docs_give_descriptions_and_deprecations();
	test_typename_fragments_and_directives_work_on_introspection();
	test_introspection_runs_no_resolver_of_the_schema();
	CHECK_DONE();
}

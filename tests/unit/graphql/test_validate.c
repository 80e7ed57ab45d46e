/* test_validate.c — validation against the fixture schema, and the schema
 * lookups it rests on. */
#include "fixture.h"

/* ---- validation ---- */

static void test_fields_and_arguments_are_checked_against_the_schema(void)
{
	struct cairn_gql_document *doc;

	doc = PARSE_VALID("{ node(id: \"1\") { id name friends(first: 2) { name } __typename } "
			  "__typename }");
	cairn_gql_free(doc);
	INVALID("{ nod(id: 1) { id } }", 1, 3,
		"unknown field \"nod\" on type Query (fields: node, "
		"nodes, echo, need)");
	INVALID("{ node(id: 1) {\n  nam } }", 2, 3, "unknown field \"nam\" on type Node");
	INVALID("{ node(id: 1, idd: 2) { id } }", 1, 15,
		"unknown argument \"idd\" on field \"node\" (arguments: id)");
	INVALID("{ node(id: 1) { name(x: 1) } }", 1, 22,
		"unknown argument \"x\" on field \"name\" "
		"(it takes none)");
	INVALID("{ node(id: 1, id: 2) { id } }", 1, 15, "argument \"id\" is given twice");
	INVALID("{ node { id } }", 1, 3, "argument \"id\" of field \"node\" is required");
	INVALID("{ node(id: null) { id } }", 1, 12,
		"argument \"id\" of field \"node\" must not be null");
	INVALID("{ node(id: 1) }", 1, 3,
		"field \"node\" of type Node must have a selection of "
		"subfields, like node { id }");
	INVALID("{ echo { x } }", 1, 3, "field \"echo\" is a String and cannot have a selection");
	INVALID("{ __typename { x } }", 1, 3, "cannot have a selection");
	INVALID("{ __typename(a: 1) }", 1, 14, "unknown argument \"a\" on field \"__typename\"");
	INVALID("mutation { node(id: 1) { id } }", 1, 12,
		"unknown field \"node\" on type Mutation");
}

static void test_argument_values_must_have_the_right_type(void)
{
	cairn_gql_free(PARSE_VALID("{ echo(s: \"x\", f: 1, b: true, i: -2147483648, list: 3, in: "
				   "{name: \"n\", tags: \"one\", nested: {name: \"m\"}}) "
				   "x: echo(f: 1.5e-3, list: [1, null, 3], s: null) }"));
	INVALID("{ echo(i: \"x\") }", 1, 11, "argument \"i\" of field \"echo\" must be an Int");
	INVALID("{ echo(i: 1.5) }", 1, 11, "must be an Int");
	INVALID("{ echo(i: 2147483648) }", 1, 11, "between -2147483648 and 2147483647");
	INVALID("{ echo(f: \"1\") }", 1, 11, "argument \"f\" of field \"echo\" must be a Float");
	INVALID("{ echo(b: \"yes\") }", 1, 11,
		"argument \"b\" of field \"echo\" must be a Boolean");
	INVALID("{ echo(b: TRUE) }", 1, 11, "must be a Boolean");
	INVALID("{ echo(s: 1) }", 1, 11, "argument \"s\" of field \"echo\" must be a String");
	INVALID("{ node(id: 1.5) { id } }", 1, 12,
		"argument \"id\" of field \"node\" must be an ID");
	INVALID("{ echo(list: [1, \"2\"]) }", 1, 18,
		"argument \"list\" of field \"echo\" must be an Int");
	INVALID("{ echo(in: \"x\") }", 1, 12, "argument \"in\" of field \"echo\" must be a Filter");
	INVALID("{ echo(in: {tags: []}) }", 1, 12, "argument \"name\" of Filter is required");
	INVALID("{ echo(in: {name: null}) }", 1, 19,
		"argument \"name\" of Filter must not be null");
	INVALID("{ echo(in: {name: \"a\", nested: {name: 1}}) }", 1, 39,
		"argument \"name\" of Filter must be a String");
	INVALID("{ echo(in: {name: \"a\", colour: 1}) }", 1, 24,
		"unknown field \"colour\" in Filter (fields: name, tags, nested, secret)");
	INVALID("{ echo(in: {name: \"a\", name: \"b\"}) }", 1, 24,
		"field \"name\" is given twice in Filter");
}

static void test_type_errors_never_echo_the_value(void)
{
	struct cairn_gql_error err;
	struct cairn_gql_document *doc =
	    parse("{ echo(in: {name: \"a\", secret: 8675309}) x: echo(s: HUNTER2) }", &err);

	CHECK(doc != NULL);
	if (!doc)
		return;
	CHECK(cairn_gql_validate(&schema, doc, &err) == -1);
	CHECK_STR(err.message, "argument \"secret\" of Filter must be a String");
	cairn_gql_free(doc);
	doc = parse("{ echo(s: HUNTER2) }", &err);
	CHECK(cairn_gql_validate(&schema, doc, &err) == -1);
	CHECK_STR(err.message, "argument \"s\" of field \"echo\" must be a String");
	cairn_gql_free(doc);
}

static void test_fragments_are_checked(void)
{
	cairn_gql_free(PARSE_VALID("query { ...A node(id: 1) { ...N } }\n"
				   "fragment A on Query { echo ...B }\n"
				   "fragment B on Query { need(x: 1) ... on Query { echo } }\n"
				   "fragment N on Node { id friends { ...N2 } }\n"
				   "fragment N2 on Node { name }"));
	INVALID("{ ...Nope }", 1, 3, "unknown fragment \"Nope\"");
	INVALID("{ echo }\nfragment F on Query { echo }", 2, 1, "fragment \"F\" is never used");
	INVALID("{ ...A }\nfragment A on Query { ...B }\nfragment B on Query { echo ...A }", 3, 28,
		"fragment \"A\" spreads itself (A -> B -> A)");
	INVALID("{ ...A }\nfragment A on Query { node(id: 1) { ...A } }", 2, 37,
		"fragment \"A\" spreads itself (A -> A)");
	INVALID("{ ...A }\nfragment A on Query { ...A }", 2, 23, "fragments cannot form a cycle");
	INVALID("{ ...N }\nfragment N on Node { id }", 1, 3,
		"fragment \"N\" is on Node and cannot be spread inside Query");
	INVALID("{ ...N }\nfragment N on Nope { id }", 2, 1, "fragment \"N\" is on unknown type");
	INVALID("{ ...N }\nfragment N on Filter { id }", 2, 1, "cannot be on input type Filter");
	INVALID("{ ... on Node { id } }", 1, 3,
		"an inline fragment on Node cannot be used inside "
		"Query");
	INVALID("{ ... on Zork { id } }", 1, 3, "unknown type \"Zork\"");
	INVALID("{ ...F }\nfragment F on Query { echo }\nfragment F on Query { need(x: 1) }", 3, 1,
		"there are two fragments named \"F\"");
}

static void test_operations_are_checked(void)
{
	cairn_gql_free(PARSE_VALID("query A { echo } query B { echo } mutation C { rename(id: 1, "
				   "name: \"x\") { id } }"));
	INVALID("{ echo } { echo }", 1, 1, "an anonymous operation must be the only operation");
	INVALID("query A { echo } { echo }", 1, 18, "anonymous operation must be the only");
	INVALID("query A { echo }\nquery A { echo }", 2, 1, "there are two operations named \"A\"");
	INVALID("subscription S { echo }", 1, 1, "subscriptions are not supported");
}

static void test_variables_are_checked(void)
{
	cairn_gql_free(
	    PARSE_VALID("query($i: Int!, $s: String = \"d\", $f: Filter, $l: [Int], $n: Int = 3) { "
			"echo(i: $i, s: $s, in: $f, list: $l) need(x: $n) x: echo(list: [$i]) }"));
	INVALID("query { echo(i: $i) }", 1, 17, "variable \"$i\" is not defined");
	INVALID("query Q { echo(i: $i) }", 1, 19,
		"variable \"$i\" is not defined by operation \"Q\"");
	INVALID("query Q($i: Int) { echo }", 1, 9,
		"variable \"$i\" is never used in operation \"Q\"");
	INVALID("query($i: Int, $i: Int) { echo(i: $i) }", 1, 16,
		"variable \"$i\" is defined twice");
	INVALID("query($i: Zork) { echo }", 1, 7, "variable \"$i\" has unknown type \"Zork\"");
	INVALID("query($i: [Node]) { echo }", 1, 7, "cannot be of type Node: it is an output type");
	INVALID("query($i: Int) { need(x: $i) }", 1, 26,
		"variable \"$i\" of type Int cannot be used for argument \"x\" of field \"need\", "
		"which expects Int!");
	INVALID("query($i: String) { echo(i: $i) }", 1, 29, "of type String cannot be used");
	INVALID("query($i: Int) { echo(list: $i) }", 1, 29, "which expects [Int]");
	INVALID("query($i: Int = \"x\") { echo(i: $i) }", 1, 17,
		"the default value of variable \"$i\" must be an Int");
	INVALID("query($i: Int! = null) { echo(i: $i) }", 1, 18, "must not be null");
	INVALID("query($i: Int @skip(if: true)) { echo(i: $i) }", 1, 15,
		"directive \"@skip\" cannot be used on a variable definition");
	/* variables used only inside a fragment count as used */
	cairn_gql_free(PARSE_VALID("query($i: Int) { ...F }\nfragment F on Query { echo(i: $i) }"));
	INVALID("query A($i: Int) { ...F }\nquery B { ...F }\nfragment F on Query { echo(i: $i) }",
		3, 31, "variable \"$i\" is not defined by operation \"B\"");
}

static void test_directives_are_checked(void)
{
	cairn_gql_free(
	    PARSE_VALID("query($b: Boolean!) { echo @skip(if: $b) @include(if: true) "
			"...F @include(if: false) ... @skip(if: false) { need(x: 1) } }\n"
			"fragment F on Query { echo }"));
	INVALID("{ echo @deprecated }", 1, 8,
		"unknown directive \"@deprecated\": only @skip and "
		"@include are supported");
	INVALID("query @skip(if: true) { echo }", 1, 7, "cannot be used on a query");
	INVALID("{ echo @skip }", 1, 8, "argument \"if\" of @skip is required");
	INVALID("{ echo @skip(if: \"yes\") }", 1, 18, "argument \"if\" of @skip must be a Boolean");
	INVALID("{ echo @skip(iff: true) }", 1, 14,
		"unknown argument \"iff\" on directive \"@skip\"");
	INVALID("{ echo @skip(if: true) @skip(if: false) }", 1, 24, "given twice");
	INVALID("query($b: Boolean) { echo @include(if: $b) }", 1, 40,
		"of type Boolean cannot be used for argument \"if\" of @include");
	INVALID("{ ...F }\nfragment F on Query @skip(if: true) { echo }", 2, 21,
		"cannot be used on a fragment definition");
}

static void test_fields_sharing_a_response_name_must_agree(void)
{
	cairn_gql_free(PARSE_VALID("{ echo(i: 1) echo(i: 1) ...F node(id: 1) { id } node(id: 1) "
				   "{ name } }\nfragment F on Query { echo(i: 1) }"));
	INVALID("{ a: echo b: need(x: 1) a: need(x: 1) }", 1, 25,
		"fields \"echo\" and \"need\" both answer as \"a\"");
	INVALID("{ echo(i: 1) echo(i: 2) }", 1, 14,
		"field \"echo\" is asked for twice as \"echo\" with different arguments");
	INVALID("{ ...F echo(s: \"x\") }\nfragment F on Query { echo }", 1, 8,
		"with different arguments");
	/* conflicts are found in merged sub-selections too */
	INVALID("{ node(id: 1) { x: id } node(id: 1) { x: name } }", 1, 39,
		"fields \"id\" and \"name\" both answer as \"x\"");
}

static void test_schema_helpers(void)
{
	char buf[32];

	CHECK(cairn_gql_schema_type(&schema, "Node") == &types[1]);
	CHECK(cairn_gql_schema_type(&schema, "Nope") == NULL);
	CHECK(cairn_gql_type_field(&types[1], "friends") == &node_fields[2]);
	CHECK(cairn_gql_type_field(&types[1], "x") == NULL);
	CHECK_STR(cairn_gql_named_type("[[Node!]]!", buf, sizeof buf), "Node");
	CHECK_STR(cairn_gql_named_type("String", buf, sizeof buf), "String");
}

static void test_a_large_flat_document_is_handled(void)
{
	/* many aliases, arguments and fragments: nothing quadratic */
	size_t n = 20000, cap = n * 80 + 64, used = 0, i;
	char *src = malloc(cap);
	struct cairn_gql_document *doc;

	if (!src)
		return;
	used += (size_t)snprintf(src + used, cap - used, "{");
	for (i = 0; i < n; i++)
		used += (size_t)snprintf(src + used, cap - used, " a%zu: echo(i: %zu) ...F%zu", i,
					 i, i);
	used += (size_t)snprintf(src + used, cap - used, " }");
	for (i = 0; i < n; i++)
		used += (size_t)snprintf(src + used, cap - used,
					 "\nfragment F%zu on Query { b%zu: "
					 "echo }",
					 i, i);
	doc = PARSE_VALID(src);
	CHECK(doc && doc->nfrags == n);
	cairn_gql_free(doc);
	free(src);
}

int main(void)
{
	test_fields_and_arguments_are_checked_against_the_schema();
	test_argument_values_must_have_the_right_type();
	test_type_errors_never_echo_the_value();
	test_fragments_are_checked();
	test_operations_are_checked();
	test_variables_are_checked();
	test_directives_are_checked();
	test_fields_sharing_a_response_name_must_agree();
	test_schema_helpers();
	test_a_large_flat_document_is_handled();
	CHECK_DONE();
}

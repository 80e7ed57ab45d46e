/* test_graphql.c — the GraphQL lexer, parser, validation and execution
 * helpers, against a small schema made for the purpose. */
#include "check.h"
#include "server/graphql/graphql.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct cairn_gql_field_def filter_fields[] = {
    {"name", "String!", NULL, 0},
    {"tags", "[String]", NULL, 0},
    {"nested", "Filter", NULL, 0},
    {"secret", "String", NULL, 0},
};
static const struct cairn_gql_field_def node_args[] = {{"id", "ID!", NULL, 0}};
static const struct cairn_gql_field_def nodes_args[] = {{"first", "Int", NULL, 0},
							{"ids", "[ID!]", NULL, 0}};
static const struct cairn_gql_field_def echo_args[] = {
    {"s", "String", NULL, 0}, {"f", "Float", NULL, 0},	 {"b", "Boolean", NULL, 0},
    {"i", "Int", NULL, 0},    {"in", "Filter", NULL, 0}, {"list", "[Int]", NULL, 0},
};
static const struct cairn_gql_field_def need_args[] = {{"x", "Int!", NULL, 0}};
static const struct cairn_gql_field_def query_fields[] = {
    {"node", "Node", node_args, N(node_args)},
    {"nodes", "[Node]", nodes_args, N(nodes_args)},
    {"echo", "String", echo_args, N(echo_args)},
    {"need", "Int", need_args, N(need_args)},
};
static const struct cairn_gql_field_def friends_args[] = {{"first", "Int", NULL, 0}};
static const struct cairn_gql_field_def node_fields[] = {
    {"id", "ID", NULL, 0},
    {"name", "String", NULL, 0},
    {"friends", "[Node]", friends_args, N(friends_args)},
};
static const struct cairn_gql_field_def rename_args[] = {{"id", "ID!", NULL, 0},
							 {"name", "String!", NULL, 0}};
static const struct cairn_gql_field_def mutation_fields[] = {
    {"rename", "Node", rename_args, N(rename_args)}};
static const struct cairn_gql_type_def types[] = {
    {"Query", CAIRN_GQL_OBJECT_TYPE, query_fields, N(query_fields)},
    {"Node", CAIRN_GQL_OBJECT_TYPE, node_fields, N(node_fields)},
    {"Mutation", CAIRN_GQL_OBJECT_TYPE, mutation_fields, N(mutation_fields)},
    {"Filter", CAIRN_GQL_INPUT_TYPE, filter_fields, N(filter_fields)},
};
static const struct cairn_gql_schema schema = {types, N(types), "Query", "Mutation"};

static struct cairn_gql_document *parse(const char *src, struct cairn_gql_error *err)
{
	return cairn_gql_parse(src, strlen(src), err);
}

static struct cairn_gql_document *parse_valid(int at, const char *src)
{
	struct cairn_gql_error err;
	struct cairn_gql_document *doc = parse(src, &err);

	check_count++;
	if (!doc || cairn_gql_validate(&schema, doc, &err)) {
		fprintf(stderr, "%s:%d: %s\n  failed at %d:%d: %s\n", __FILE__, at, src, err.line,
			err.col, err.message);
		check_failures++;
		cairn_gql_free(doc);
		return NULL;
	}
	return doc;
}

#define PARSE_VALID(src) parse_valid(__LINE__, src)

static void report(int at, const char *src, const char *stage, const struct cairn_gql_error *err,
		   int line, int col, const char *what)
{
	check_count++;
	if (err->line != line || err->col != col || !strstr(err->message, what)) {
		fprintf(stderr, "%s:%d: %s\n  %s error %d:%d \"%s\"\n  want %d:%d \"...%s...\"\n",
			__FILE__, at, src, stage, err->line, err->col, err->message, line, col,
			what);
		check_failures++;
	}
}

static void expect_syntax_error(int at, const char *src, size_t len, int line, int col,
				const char *what)
{
	struct cairn_gql_error err;
	struct cairn_gql_document *doc = cairn_gql_parse(src, len, &err);

	CHECK(doc == NULL);
	cairn_gql_free(doc);
	report(at, src, "syntax", &err, line, col, what);
}

#define SYNTAX_ERROR(src, line, col, what)                                                         \
	expect_syntax_error(__LINE__, src, strlen(src), line, col, what)

static void expect_invalid(int at, const char *src, int line, int col, const char *what)
{
	struct cairn_gql_error err;
	struct cairn_gql_document *doc = parse(src, &err);

	check_count++;
	if (!doc) {
		fprintf(stderr, "%s:%d: %s\n  does not parse: %s\n", __FILE__, at, src,
			err.message);
		check_failures++;
		return;
	}
	CHECK(cairn_gql_validate(&schema, doc, &err) == -1);
	report(at, src, "validation", &err, line, col, what);
	cairn_gql_free(doc);
}

#define INVALID(src, line, col, what) expect_invalid(__LINE__, src, line, col, what)

/* ---- parsing ---- */

static void test_shorthand_query_parses_as_an_anonymous_query(void)
{
	struct cairn_gql_error err;
	struct cairn_gql_document *doc = parse("{ node(id: 1) { name } }", &err);

	CHECK(doc != NULL);
	if (!doc)
		return;
	CHECK(doc->nops == 1 && doc->nfrags == 0);
	CHECK(doc->ops[0].type == CAIRN_GQL_QUERY);
	CHECK(doc->ops[0].name == NULL);
	CHECK(doc->ops[0].sel.n == 1);
	CHECK_STR(doc->ops[0].sel.items[0].name, "node");
	CHECK(doc->ops[0].sel.items[0].nargs == 1);
	CHECK(doc->ops[0].sel.items[0].args[0].value.kind == CAIRN_GQL_INT);
	CHECK_STR(doc->ops[0].sel.items[0].args[0].value.text, "1");
	CHECK(doc->ops[0].sel.items[0].sel.n == 1);
	cairn_gql_free(doc);
}

static void test_ignored_tokens_are_skipped_and_lines_counted(void)
{
	struct cairn_gql_error err;
	/* BOM, commas, comments, CRLF and lone CR line ends */
	const char *src = "\xEF\xBB\xBF# comment, with {braces}\r\n"
			  "query Q,,, {\r  a: node(id: \"1\",) , { name }\n"
			  "\t\xEF\xBB\xBF b: node(id: 2) { id } }";
	struct cairn_gql_document *doc = parse(src, &err);

	CHECK(doc != NULL);
	if (!doc)
		return;
	CHECK_STR(doc->ops[0].name, "Q");
	CHECK(doc->ops[0].line == 2 && doc->ops[0].col == 1);
	CHECK(doc->ops[0].sel.n == 2);
	CHECK_STR(doc->ops[0].sel.items[0].alias, "a");
	CHECK(doc->ops[0].sel.items[0].line == 3 && doc->ops[0].sel.items[0].col == 3);
	CHECK(doc->ops[0].sel.items[1].line == 4 && doc->ops[0].sel.items[1].col == 4);
	cairn_gql_free(doc);
}

static void test_every_kind_of_value_parses(void)
{
	struct cairn_gql_error err;
	const char *src = "query($v: Int) { echo(a: $v, b: -12, c: 1.5e3, d: \"s\", e: true, "
			  "f: false, g: null, h: RED, i: [1, [2]], j: {k: {l: \"m\"}, n: []}) }";
	struct cairn_gql_document *doc = parse(src, &err);
	const struct cairn_gql_arg *a;

	CHECK(doc != NULL);
	if (!doc)
		return;
	a = doc->ops[0].sel.items[0].args;
	CHECK(doc->ops[0].sel.items[0].nargs == 10);
	CHECK(a[0].value.kind == CAIRN_GQL_VARIABLE);
	CHECK_STR(a[0].value.text, "v");
	CHECK(a[1].value.kind == CAIRN_GQL_INT);
	CHECK_STR(a[1].value.text, "-12");
	CHECK(a[2].value.kind == CAIRN_GQL_FLOAT);
	CHECK_STR(a[2].value.text, "1.5e3");
	CHECK(a[3].value.kind == CAIRN_GQL_STRING);
	CHECK_STR(a[3].value.text, "s");
	CHECK(a[4].value.kind == CAIRN_GQL_BOOLEAN && a[4].value.boolean == 1);
	CHECK(a[5].value.kind == CAIRN_GQL_BOOLEAN && a[5].value.boolean == 0);
	CHECK(a[6].value.kind == CAIRN_GQL_NULL);
	CHECK(a[7].value.kind == CAIRN_GQL_ENUM);
	CHECK_STR(a[7].value.text, "RED");
	CHECK(a[8].value.kind == CAIRN_GQL_LIST && a[8].value.nitems == 2);
	CHECK(a[8].value.items[1].kind == CAIRN_GQL_LIST && a[8].value.items[1].nitems == 1);
	CHECK(a[9].value.kind == CAIRN_GQL_OBJECT && a[9].value.nfields == 2);
	CHECK_STR(a[9].value.fields[0].name, "k");
	CHECK_STR(a[9].value.fields[0].value.fields[0].value.text, "m");
	CHECK(a[9].value.fields[1].value.kind == CAIRN_GQL_LIST);
	CHECK(a[9].value.fields[1].value.nitems == 0);
	cairn_gql_free(doc);
}

static const char *first_string_arg(struct cairn_gql_document *doc)
{
	return doc ? doc->ops[0].sel.items[0].args[0].value.text : NULL;
}

static void test_strings_decode_escapes_and_block_strings_dedent(void)
{
	struct cairn_gql_error err;
	struct cairn_gql_document *doc;

	doc = parse("{ echo(s: \"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t \\u00e9 \\u{1F600} "
		    "\\uD83D\\uDE00 \xc3\xa9\") }",
		    &err);
	CHECK_STR(first_string_arg(doc), "q\" b\\ s/ \b\f\n\r\t \xc3\xa9 \xf0\x9f\x98\x80 "
					 "\xf0\x9f\x98\x80 \xc3\xa9");
	cairn_gql_free(doc);

	/* the spec's example: common indent and blank first/last lines go */
	doc = parse("{ echo(s: \"\"\"\n    Hello,\n      World!\n\n    Yours,\n      GraphQL.\n  "
		    "\"\"\") }",
		    &err);
	CHECK_STR(first_string_arg(doc), "Hello,\n  World!\n\nYours,\n  GraphQL.");
	cairn_gql_free(doc);

	doc = parse("{ echo(s: \"\"\"  first line kept \\n \\\"\"\" \" \"\"\r\n  x\"\"\") }", &err);
	CHECK_STR(first_string_arg(doc), "  first line kept \\n \"\"\" \" \"\"\nx");
	cairn_gql_free(doc);

	doc = parse("{ echo(s: \"\"\"\"\"\") }", &err);
	CHECK_STR(first_string_arg(doc), "");
	cairn_gql_free(doc);
}

static void test_variable_definitions_keep_canonical_types_and_defaults(void)
{
	struct cairn_gql_error err;
	struct cairn_gql_document *doc =
	    parse("query Q($a: Int, $b: [String!]!, $c: [[ID]!] = [[1]], $d: Filter = {name: "
		  "\"x\"}) { echo }",
		  &err);

	CHECK(doc != NULL);
	if (!doc)
		return;
	CHECK(doc->ops[0].nvars == 4);
	CHECK_STR(doc->ops[0].vars[0].type, "Int");
	CHECK_STR(doc->ops[0].vars[1].type, "[String!]!");
	CHECK_STR(doc->ops[0].vars[2].type, "[[ID]!]");
	CHECK(doc->ops[0].vars[0].default_value == NULL);
	CHECK(doc->ops[0].vars[2].default_value != NULL);
	CHECK(doc->ops[0].vars[3].default_value->kind == CAIRN_GQL_OBJECT);
	CHECK(doc->ops[0].vars[1].line == 1 && doc->ops[0].vars[1].col == 18);
	cairn_gql_free(doc);
}

static void test_fragments_and_directives_parse(void)
{
	struct cairn_gql_error err;
	struct cairn_gql_document *doc =
	    parse("query { ...F @include(if: true) ... on Query @skip(if: false) { echo } ... { "
		  "echo } }\nfragment F on Query @x { echo }",
		  &err);
	const struct cairn_gql_selection *s;

	CHECK(doc != NULL);
	if (!doc)
		return;
	CHECK(doc->nfrags == 1);
	CHECK_STR(doc->frags[0].name, "F");
	CHECK_STR(doc->frags[0].type_condition, "Query");
	CHECK(doc->frags[0].ndirectives == 1);
	s = doc->ops[0].sel.items;
	CHECK(s[0].kind == CAIRN_GQL_FRAGMENT_SPREAD);
	CHECK_STR(s[0].name, "F");
	CHECK(s[0].ndirectives == 1);
	CHECK_STR(s[0].directives[0].name, "include");
	CHECK(s[1].kind == CAIRN_GQL_INLINE_FRAGMENT);
	CHECK_STR(s[1].type_condition, "Query");
	CHECK(s[2].kind == CAIRN_GQL_INLINE_FRAGMENT && s[2].type_condition == NULL);
	cairn_gql_free(doc);
}

static void test_syntax_errors_name_line_and_column(void)
{
	SYNTAX_ERROR("{ echo(s: \"abc) }", 1, 11, "unterminated string");
	SYNTAX_ERROR("{ echo(s: \"\"\"abc) }", 1, 11, "unterminated block string");
	SYNTAX_ERROR("{ echo(s: \"a\\qb\") }", 1, 13, "invalid escape \\q");
	SYNTAX_ERROR("{ echo(s: \"\\uD800\") }", 1, 12, "high surrogate");
	SYNTAX_ERROR("{ echo(s: \"\\uDC00\") }", 1, 12, "lone low surrogate");
	SYNTAX_ERROR("{ echo(s: \"\\u{110000}\") }", 1, 12, "not a valid Unicode scalar");
	SYNTAX_ERROR("{ echo(s: \"\\u00\") }", 1, 12, "four hex digits");
	SYNTAX_ERROR("{ echo(s: \"\\u0000\") }", 1, 12, "\\u0000");
	SYNTAX_ERROR("{ echo(i: 0x1) }", 1, 12, "invalid number");
	SYNTAX_ERROR("{ echo(i: 007) }", 1, 12, "cannot start with 0");
	SYNTAX_ERROR("{ echo(i: 1.) }", 1, 13, "expected a digit after '.'");
	SYNTAX_ERROR("{ echo(i: 1e) }", 1, 13, "exponent");
	SYNTAX_ERROR("{ echo(i: -) }", 1, 12, "expected a digit after '-'");
	SYNTAX_ERROR("{ echo(i: 1.5.2) }", 1, 14, "invalid number");
	SYNTAX_ERROR("{ echo ? }", 1, 8, "unexpected character '?'");
	SYNTAX_ERROR("{ echo \xe2\x82\xac }", 1, 8, "unexpected character U+20AC");
	SYNTAX_ERROR("{ ..F }", 1, 3, "'...'");
	SYNTAX_ERROR("{ echo\n", 2, 1, "expected '}' to close the selection set, found the end");
	SYNTAX_ERROR("{ }", 1, 3, "selection set cannot be empty");
	SYNTAX_ERROR("query Q() { echo }", 1, 9, "expected a variable definition");
	SYNTAX_ERROR("query Q($a: Int = $b) { echo }", 1, 19,
		     "default value cannot use a variable");
	SYNTAX_ERROR("query Q($a Int) { echo }", 1, 12, "expected ':' and a type");
	SYNTAX_ERROR("query Q($a: [Int) { echo }", 1, 17, "expected ']'");
	SYNTAX_ERROR("fragment on on Query { echo }", 1, 10, "cannot be named \"on\"");
	SYNTAX_ERROR("fragment F Query { echo }", 1, 12, "expected \"on\" and a type");
	SYNTAX_ERROR("type Query { a: Int }", 1, 1, "type system definitions are not allowed");
	SYNTAX_ERROR("\"desc\" type Query { a: Int }", 1, 1, "type system definitions");
	SYNTAX_ERROR("hello { echo }", 1, 1, "expected query, mutation, subscription");
	SYNTAX_ERROR("", 1, 1, "the document is empty");
	SYNTAX_ERROR("  # only a comment\n", 2, 1, "the document is empty");
	SYNTAX_ERROR("{ echo(s: ) }", 1, 11, "expected a value, found \")\"");
	SYNTAX_ERROR("{ echo() }", 1, 8, "expected an argument name");
	SYNTAX_ERROR("{ a: }", 1, 6, "expected a field name after the alias");
	SYNTAX_ERROR("{ echo @ }", 1, 10, "expected a directive name");
	SYNTAX_ERROR("{ ... on { echo } }", 1, 10, "expected a type name after \"on\"");
	SYNTAX_ERROR("{ echo(in: {name \"x\"}) }", 1, 18, "expected ':' after the field name");
	SYNTAX_ERROR("{ echo(list: [1, 2) }", 1, 19, "expected a value");
	SYNTAX_ERROR("{ echo(list: [1, 2", 1, 19, "expected ']' to close the list");
	SYNTAX_ERROR("query { echo } }", 1, 16, "expected query, mutation");
	/* invalid UTF-8 is found before any token */
	SYNTAX_ERROR("{ echo }\n  \xff", 2, 3, "not valid UTF-8");
	SYNTAX_ERROR("{ echo(s: \"\xed\xa0\x80\") }", 1, 12, "not valid UTF-8");
}

static void test_a_nul_byte_is_not_part_of_the_language(void)
{
	expect_syntax_error(__LINE__, "{ echo \0 }", 10, 1, 8, "U+0000");
	expect_syntax_error(__LINE__, "{ echo(s: \"a\0\") }", 17, 1, 13, "NUL");
}

static void test_deep_nesting_is_refused_not_overflowed(void)
{
	char src[4096];
	size_t i, n = 0;

	for (i = 0; i < 200; i++)
		src[n++] = '[';
	src[n] = '\0';
	{
		char doc[4200];
		snprintf(doc, sizeof doc, "{ echo(list: %s", src);
		SYNTAX_ERROR(doc, 1, 77, "nests too deeply");
	}
}

static void test_syntax_errors_never_quote_string_or_number_values(void)
{
	struct cairn_gql_error err;
	struct cairn_gql_document *doc =
	    parse("mutation { rename(id: \"s3cr3t-value\" \"an0ther-s3cret\") }", &err);

	CHECK(doc == NULL);
	CHECK_CONTAINS(err.message, "found a string");
	CHECK(!strstr(err.message, "s3cr3t") && !strstr(err.message, "an0ther"));
	doc = parse("mutation { rename(id: 982734987234 123456789) }", &err);
	CHECK(doc == NULL);
	CHECK(!strstr(err.message, "982734987234") && !strstr(err.message, "123456789"));
}

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

/* ---- operations, variables, arguments, fields ---- */

static void test_the_operation_is_chosen_by_name(void)
{
	struct cairn_gql_error err;
	struct cairn_gql_document *doc = PARSE_VALID("query A { echo } query B { need(x: 1) }");
	const struct cairn_gql_operation *op;

	if (!doc)
		return;
	CHECK(cairn_gql_operation(doc, NULL, &err) == NULL);
	CHECK_STR(err.message, "the document has 2 operations: say which one to run with "
			       "operationName");
	CHECK(cairn_gql_operation(doc, "", &err) == NULL);
	op = cairn_gql_operation(doc, "B", &err);
	CHECK(op == &doc->ops[1]);
	CHECK(cairn_gql_operation(doc, "C", &err) == NULL);
	CHECK_STR(err.message, "there is no operation named \"C\" in the document");
	cairn_gql_free(doc);
	doc = PARSE_VALID("{ echo }");
	if (doc)
		CHECK(cairn_gql_operation(doc, NULL, &err) == &doc->ops[0]);
	cairn_gql_free(doc);
}

static char *coerced_variables(const char *src, const char *vars_json, struct cairn_gql_error *err)
{
	struct cairn_gql_document *doc = parse(src, err);
	cJSON *vars = vars_json ? cJSON_Parse(vars_json) : NULL, *out = NULL;
	char *s = NULL;

	if (doc && !cairn_gql_validate(&schema, doc, err) &&
	    !cairn_gql_coerce_variables(&schema, &doc->ops[0], vars, &out, err))
		s = cJSON_PrintUnformatted(out);
	cJSON_Delete(out);
	cJSON_Delete(vars);
	cairn_gql_free(doc);
	return s;
}

static void test_variables_are_coerced_with_defaults(void)
{
	const char *src =
	    "query($i: Int!, $s: String = \"d\", $f: Filter, $l: [Int], $n: Int = 3, "
	    "$id: ID = 5, $o: Float) { echo(i: $i, s: $s, in: $f, list: $l, f: $o) need(x: "
	    "$n) node(id: $id) { id } }";
	struct cairn_gql_error err;
	char *s;

	s = coerced_variables(src,
			      "{\"i\": 7, \"f\": {\"name\": \"a\", \"tags\": \"t\"}, \"l\": 5, "
			      "\"id\": 123, \"o\": 2, \"unknown\": 1}",
			      &err);
	CHECK_STR(s,
		  "{\"i\":7,\"s\":\"d\",\"f\":{\"name\":\"a\",\"tags\":[\"t\"]},\"l\":[5],\"n\":3,"
		  "\"id\":\"123\",\"o\":2}");
	free(s);
	/* explicit null beats the default; absent nullable stays absent */
	s = coerced_variables(src, "{\"i\": 1, \"s\": null}", &err);
	CHECK_STR(s, "{\"i\":1,\"s\":null,\"n\":3,\"id\":\"5\"}");
	free(s);

	CHECK(coerced_variables(src, "{}", &err) == NULL);
	CHECK_STR(err.message, "variable \"$i\" of required type Int! was not provided");
	CHECK(err.line == 1 && err.col == 7);
	CHECK(coerced_variables(src, NULL, &err) == NULL);
	CHECK_CONTAINS(err.message, "was not provided");
	CHECK(coerced_variables(src, "{\"i\": null}", &err) == NULL);
	CHECK_STR(err.message, "variable \"$i\" of type Int! must not be null");
	CHECK(coerced_variables(src, "{\"i\": 1.5}", &err) == NULL);
	CHECK_STR(err.message, "variable \"$i\" must be an Int");
	CHECK(coerced_variables(src, "{\"i\": 4294967296}", &err) == NULL);
	CHECK_STR(err.message, "variable \"$i\" must be an Int");
	CHECK(coerced_variables(src, "{\"i\": 1, \"f\": {\"tags\": []}}", &err) == NULL);
	CHECK_STR(err.message, "variable \"$f\": argument \"name\" of Filter is required");
	CHECK(err.line == 1 && err.col == 35);
	CHECK(coerced_variables(src, "{\"i\": 1, \"f\": {\"name\": \"a\", \"x\": 1}}", &err) ==
	      NULL);
	CHECK_CONTAINS(err.message, "unknown field \"x\" in Filter");
	CHECK(coerced_variables(src, "{\"i\": 1, \"l\": [1, \"2\"]}", &err) == NULL);
	CHECK_STR(err.message, "variable \"$l\" must be an Int");
	CHECK(coerced_variables(src, "{\"i\": 1, \"o\": \"1\"}", &err) == NULL);
	CHECK_STR(err.message, "variable \"$o\" must be a Float");
}

static void test_variable_type_errors_never_echo_the_value(void)
{
	const char *src = "query($f: Filter) { echo(in: $f) }";
	struct cairn_gql_error err;

	CHECK(coerced_variables(src, "{\"f\": {\"name\": \"a\", \"secret\": 86753099}}", &err) ==
	      NULL);
	CHECK_STR(err.message, "variable \"$f\": argument \"secret\" of Filter must be a String");
	CHECK(coerced_variables(src, "{\"f\": {\"name\": \"a\", \"secret\": [\"AKIA-SECRET\"]}}",
				&err) == NULL);
	CHECK(!strstr(err.message, "AKIA"));
	CHECK(coerced_variables(src, "{\"f\": \"AKIA-SECRET\"}", &err) == NULL);
	CHECK_STR(err.message, "variable \"$f\" must be a Filter");
}

static void test_values_and_arguments_are_coerced_with_variables(void)
{
	struct cairn_gql_error err;
	struct cairn_gql_document *doc = PARSE_VALID(
	    "query($s: String, $n: Int, $t: String) { echo(in: {name: \"a\", tags: [$t, \"u\"], "
	    "secret: $s}, i: $n, list: [1, 2]) }");
	cJSON *vars = cJSON_Parse("{\"s\": \"k\", \"n\": 4}"), *out = NULL;
	const struct cairn_gql_selection *f;
	char *s;

	if (!doc)
		goto out;
	f = &doc->ops[0].sel.items[0];
	CHECK(cairn_gql_coerce_value(&schema, "Filter", &f->args[0].value, vars, "in", &out,
				     &err) == 0);
	s = cJSON_PrintUnformatted(out);
	/* $t has no value: null inside a list */
	CHECK_STR(s, "{\"name\":\"a\",\"tags\":[null,\"u\"],\"secret\":\"k\"}");
	free(s);
	cJSON_Delete(out);
	out = NULL;
	CHECK(cairn_gql_coerce_arguments(&schema, &query_fields[2], f, vars, &out, &err) == 0);
	s = cJSON_PrintUnformatted(out);
	CHECK_STR(s, "{\"i\":4,\"in\":{\"name\":\"a\",\"tags\":[null,\"u\"],\"secret\":\"k\"},"
		     "\"list\":[1,2]}");
	free(s);
	cJSON_Delete(out);
	out = NULL;
	/* a variable with no value is as if the argument were not given */
	cJSON_DeleteItemFromObject(vars, "n");
	CHECK(cairn_gql_coerce_value(&schema, "Int", &f->args[1].value, vars, "i", &out, &err) ==
	      0);
	CHECK(out == NULL);
	CHECK(cairn_gql_coerce_arguments(&schema, &query_fields[2], f, vars, &out, &err) == 0);
	CHECK(cJSON_GetObjectItem(out, "i") == NULL);
	cJSON_Delete(out);
	out = NULL;
	CHECK(cairn_gql_coerce_value(&schema, "Int!", &f->args[1].value, vars, "argument \"x\"",
				     &out, &err) == 0);
	CHECK(out == NULL);
out:
	cJSON_Delete(out);
	cJSON_Delete(vars);
	cairn_gql_free(doc);
}

static void test_required_arguments_fed_by_missing_variables_fail(void)
{
	struct cairn_gql_error err;
	/* valid: $n has a default, so it may feed Int! */
	struct cairn_gql_document *doc = PARSE_VALID("query($n: Int = 1) { need(x: $n) }");
	cJSON *vars = cJSON_Parse("{\"n\": null}"), *coerced = NULL, *out = NULL;

	if (!doc)
		goto out;
	CHECK(cairn_gql_coerce_variables(&schema, &doc->ops[0], vars, &coerced, &err) == 0);
	CHECK(cairn_gql_coerce_arguments(&schema, &query_fields[3], &doc->ops[0].sel.items[0],
					 coerced, &out, &err) == -1);
	CHECK_STR(err.message, "argument \"x\" of field \"need\" must not be null");
	CHECK(err.line == 1 && err.col == 30);
	CHECK(out == NULL);
out:
	cJSON_Delete(coerced);
	cJSON_Delete(vars);
	cairn_gql_free(doc);
}

static char *collected_keys(const char *src, const char *vars_json)
{
	struct cairn_gql_error err;
	struct cairn_gql_document *doc = PARSE_VALID(src);
	cJSON *vars = vars_json ? cJSON_Parse(vars_json) : NULL, *coerced = NULL;
	struct cairn_gql_fields f = {0};
	const struct cairn_gql_selection_set *set;
	char buf[512] = "", *s = NULL;
	size_t i, used = 0;

	if (!doc || cairn_gql_coerce_variables(&schema, &doc->ops[0], vars, &coerced, &err))
		goto out;
	set = &doc->ops[0].sel;
	if (cairn_gql_collect_fields(doc, "Query", &set, 1, coerced, &f, &err)) {
		snprintf(buf, sizeof buf, "error: %.400s", err.message);
	} else {
		for (i = 0; i < f.n; i++)
			used += (size_t)snprintf(buf + used, sizeof buf - used, "%s%s=%s*%zu",
						 i ? " " : "", f.groups[i].key, f.groups[i].name,
						 f.groups[i].n);
	}
	s = strdup(buf);
out:
	cairn_gql_fields_free(&f);
	cJSON_Delete(coerced);
	cJSON_Delete(vars);
	cairn_gql_free(doc);
	return s;
}

static void test_collect_fields_expands_fragments_and_honours_skip_and_include(void)
{
	char *s;

	s = collected_keys(
	    "query { a: echo ...F b: need(x: 1) ... on Query { c: echo a: echo } ... "
	    "{ echo } }\nfragment F on Query { d: echo b: need(x: 1) }",
	    NULL);
	CHECK_STR(s, "a=echo*2 d=echo*1 b=need*2 c=echo*1 echo=echo*1");
	free(s);
	s = collected_keys(
	    "query($yes: Boolean!, $no: Boolean = false) { a: echo @skip(if: $yes) "
	    "b: echo @include(if: $yes) c: echo @include(if: $no) d: echo @skip(if: "
	    "$no) @include(if: false) ...F @skip(if: $no) ... @include(if: $no) { f: "
	    "echo } }\nfragment F on Query { e: echo }",
	    "{\"yes\": true}");
	CHECK_STR(s, "b=echo*1 e=echo*1");
	free(s);
	/* a fragment spread twice is collected once */
	s = collected_keys("{ ...F ...F }\nfragment F on Query { echo }", NULL);
	CHECK_STR(s, "echo=echo*1");
	free(s);
}

static void test_collect_fields_merges_sub_selections_of_one_response_name(void)
{
	struct cairn_gql_error err;
	struct cairn_gql_document *doc =
	    PARSE_VALID("{ node(id: 1) { id } node(id: 1) { name id } }");
	struct cairn_gql_fields root = {0}, sub = {0};
	const struct cairn_gql_selection_set *set, *sets[2];

	if (!doc)
		return;
	set = &doc->ops[0].sel;
	CHECK(cairn_gql_collect_fields(doc, "Query", &set, 1, NULL, &root, &err) == 0);
	CHECK(root.n == 1 && root.groups[0].n == 2);
	if (root.n == 1 && root.groups[0].n == 2) {
		sets[0] = &root.groups[0].fields[0]->sel;
		sets[1] = &root.groups[0].fields[1]->sel;
		CHECK(cairn_gql_collect_fields(doc, "Node", sets, 2, NULL, &sub, &err) == 0);
		CHECK(sub.n == 2);
		if (sub.n == 2) {
			CHECK_STR(sub.groups[0].key, "id");
			CHECK(sub.groups[0].n == 2);
			CHECK_STR(sub.groups[1].key, "name");
		}
	}
	cairn_gql_fields_free(&sub);
	cairn_gql_fields_free(&root);
	cairn_gql_free(doc);
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
	test_shorthand_query_parses_as_an_anonymous_query();
	test_ignored_tokens_are_skipped_and_lines_counted();
	test_every_kind_of_value_parses();
	test_strings_decode_escapes_and_block_strings_dedent();
	test_variable_definitions_keep_canonical_types_and_defaults();
	test_fragments_and_directives_parse();
	test_syntax_errors_name_line_and_column();
	test_a_nul_byte_is_not_part_of_the_language();
	test_deep_nesting_is_refused_not_overflowed();
	test_syntax_errors_never_quote_string_or_number_values();
	test_fields_and_arguments_are_checked_against_the_schema();
	test_argument_values_must_have_the_right_type();
	test_type_errors_never_echo_the_value();
	test_fragments_are_checked();
	test_operations_are_checked();
	test_variables_are_checked();
	test_directives_are_checked();
	test_fields_sharing_a_response_name_must_agree();
	test_the_operation_is_chosen_by_name();
	test_variables_are_coerced_with_defaults();
	test_variable_type_errors_never_echo_the_value();
	test_values_and_arguments_are_coerced_with_variables();
	test_required_arguments_fed_by_missing_variables_fail();
	test_collect_fields_expands_fragments_and_honours_skip_and_include();
	test_collect_fields_merges_sub_selections_of_one_response_name();
	test_schema_helpers();
	test_a_large_flat_document_is_handled();
	CHECK_DONE();
}

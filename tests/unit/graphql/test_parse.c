/* test_parse.c — the GraphQL lexer and parser: tokens, values, strings,
 * types, line and column in errors, and limits on hostile input. */
#include "fixture.h"

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
	CHECK_DONE();
}

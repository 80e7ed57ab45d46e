/* test_rdf.c — the RDF mutation parser and the canonical object text. */
#include <stdint.h>

#include "check.h"
#include "rdf.h"

/* The tests compare messages as strings: the parser's cairn_err, copied out. */
static void copy_msg(char *err, size_t errlen, const cairn_err *e)
{
	size_t n = strlen(e->msg);
	if (!err || !errlen)
		return;
	if (n >= errlen)
		n = errlen - 1;
	memcpy(err, e->msg, n);
	err[n] = 0;
}

static int parse(const char *body, struct cairn_rdf_mutation *m, char *err, size_t errlen)
{
	cairn_err e = {0};
	int rc = cairn_rdf_parse(body, strlen(body), m, &e);
	copy_msg(err, errlen, &e);
	return rc;
}

static int parse_object_text(const char *text, struct cairn_rdf_term *t, char *err, size_t errlen)
{
	cairn_err e = {0};
	int rc = cairn_rdf_parse_object_text(text, t, &e);
	copy_msg(err, errlen, &e);
	return rc;
}

/* The body must fail with an error that starts with where ("line L column
 * C: ") and says what. */
static void expect_error(int at, const char *body, const char *where, const char *what)
{
	struct cairn_rdf_mutation m;
	char err[512] = "";
	int rc = parse(body, &m, err, sizeof err);

	check_count++;
	if (rc != -1 || strncmp(err, where, strlen(where)) || !strstr(err, what)) {
		fprintf(stderr, "%s:%d: body %s\n  got rc=%d err \"%s\"\n  want \"%s...%s...\"\n",
			__FILE__, at, body, rc, err, where, what);
		check_failures++;
	}
	CHECK(m.nset == 0 && m.ndel == 0 && !m.set && !m.del);
	cairn_rdf_clear(&m);
}

#define EXPECT_ERROR(body, where, what) expect_error(__LINE__, body, where, what)

static void test_set_and_delete_blocks_parse_into_quads(void)
{
	const char *body = "{ set { _:a <name> \"Alice\" . _:a <friend> _:b . <0x2> <age> "
			   "\"30\"^^<xs:int> . }\n"
			   "  delete { <0x2> <age> * . <0x3> <name> \"Bob\"@en . } }";
	struct cairn_rdf_mutation m;
	char err[256] = "";

	CHECK(parse(body, &m, err, sizeof err) == 0);
	CHECK_STR(err, "");
	CHECK(m.nset == 3);
	CHECK(m.ndel == 2);
	if (m.nset == 3 && m.ndel == 2) {
		CHECK(m.set[0].s.kind == CAIRN_RDF_BLANK);
		CHECK_STR(m.set[0].s.blank, "a");
		CHECK_STR(m.set[0].pred, "name");
		CHECK(m.set[0].o.kind == CAIRN_RDF_LITERAL);
		CHECK_STR(m.set[0].o.value, "Alice");
		CHECK(m.set[0].o.lang == NULL && m.set[0].o.type == NULL);
		CHECK(m.set[0].line == 1 && m.set[0].col == 9);
		CHECK(m.set[1].o.kind == CAIRN_RDF_BLANK);
		CHECK_STR(m.set[1].o.blank, "b");
		CHECK(m.set[2].s.kind == CAIRN_RDF_UID && m.set[2].s.uid == 2);
		CHECK_STR(m.set[2].o.value, "30");
		CHECK_STR(m.set[2].o.type, "xs:int");
		CHECK(m.del[0].o.kind == CAIRN_RDF_STAR);
		CHECK(m.del[0].line == 2 && m.del[0].col == 12);
		CHECK(m.del[1].s.uid == 3);
		CHECK_STR(m.del[1].o.value, "Bob");
		CHECK_STR(m.del[1].o.lang, "en");
	}
	cairn_rdf_clear(&m);
	CHECK(m.set == NULL && m.nset == 0);
}

static void test_bare_nquads_are_a_set(void)
{
	struct cairn_rdf_mutation m;
	char err[256] = "";

	CHECK(parse("<0x1> <name> \"a\" .\n<0x1> <knows> <0x2> .\n", &m, err, sizeof err) == 0);
	CHECK(m.nset == 2 && m.ndel == 0);
	if (m.nset == 2) {
		CHECK(m.set[1].o.kind == CAIRN_RDF_UID && m.set[1].o.uid == 2);
		CHECK(m.set[1].line == 2 && m.set[1].col == 1);
	}
	cairn_rdf_clear(&m);
}

static void test_single_blocks_in_any_order(void)
{
	struct cairn_rdf_mutation m;
	char err[256] = "";

	CHECK(parse("{ delete { <0x1> <p> * . } }", &m, err, sizeof err) == 0);
	CHECK(m.nset == 0 && m.ndel == 1);
	cairn_rdf_clear(&m);
	CHECK(parse("{ set { <0x1> <p> \"x\" . } }", &m, err, sizeof err) == 0);
	CHECK(m.nset == 1 && m.ndel == 0);
	cairn_rdf_clear(&m);
	CHECK(parse("{ delete { <0x1> <p> * . } set { <0x1> <p> \"y\" . } }", &m, err,
		    sizeof err) == 0);
	CHECK(m.nset == 1 && m.ndel == 1);
	cairn_rdf_clear(&m);
	CHECK(parse("{ set { } }", &m, err, sizeof err) == 0);
	CHECK(m.nset == 0 && m.ndel == 0);
	cairn_rdf_clear(&m);
	CHECK(parse("", &m, err, sizeof err) == 0);
	CHECK(m.nset == 0);
	cairn_rdf_clear(&m);
}

static void test_comments_end_at_the_line_but_not_inside_strings_or_iris(void)
{
	struct cairn_rdf_mutation m;
	char err[256] = "";
	const char *body = "# a mutation\n{ set { # the set\n"
			   "<0x1> <http://x.org/a#b> \"not # a comment\" . # trailing\n"
			   "} } # done";

	CHECK(parse(body, &m, err, sizeof err) == 0);
	CHECK(m.nset == 1);
	if (m.nset == 1) {
		CHECK_STR(m.set[0].pred, "http://x.org/a#b");
		CHECK_STR(m.set[0].o.value, "not # a comment");
		CHECK(m.set[0].line == 3);
	}
	cairn_rdf_clear(&m);
}

static void test_literal_escapes_are_decoded(void)
{
	struct cairn_rdf_mutation m;
	char err[256] = "";
	const char *body = "<0x1> <p> \"q\\\" b\\\\ n\\n r\\r t\\t b\\b f\\f s\\' "
			   "u\\u00e9 U\\U0001F600 pair\\uD83D\\uDE00 raw\xc3\xa9\" .";

	CHECK(parse(body, &m, err, sizeof err) == 0);
	CHECK_STR(err, "");
	if (m.nset == 1)
		CHECK_STR(m.set[0].o.value, "q\" b\\ n\n r\r t\t b\b f\f s' u\xc3\xa9 "
					    "U\xf0\x9f\x98\x80 pair\xf0\x9f\x98\x80 raw\xc3\xa9");
	cairn_rdf_clear(&m);
}

static void test_blank_node_names_stop_before_the_final_dot(void)
{
	struct cairn_rdf_mutation m;
	char err[256] = "";

	CHECK(parse("_:a.b <p> _:c-d_e.", &m, err, sizeof err) == 0);
	CHECK(m.nset == 1);
	if (m.nset == 1) {
		CHECK_STR(m.set[0].s.blank, "a.b");
		CHECK_STR(m.set[0].o.blank, "c-d_e");
	}
	cairn_rdf_clear(&m);
}

static void test_uids_are_hex_up_to_64_bits(void)
{
	struct cairn_rdf_mutation m;
	char err[256] = "";

	CHECK(parse("<0X1F> <p> <0xffffffffffffffff> . <0x000000000000000000001> <p> * .", &m, err,
		    sizeof err) == -1); /* star in set */
	cairn_rdf_clear(&m);
	CHECK(parse("<0X1F> <p> <0xffffffffffffffff> . <0x000000000000000000001> <p> \"x\" .", &m,
		    err, sizeof err) == 0);
	if (m.nset == 2) {
		CHECK(m.set[0].s.uid == 0x1f);
		CHECK(m.set[0].o.uid == UINT64_MAX);
		CHECK(m.set[1].s.uid == 1);
	}
	cairn_rdf_clear(&m);
}

static void test_term_errors_name_line_and_column(void)
{
	EXPECT_ERROR("<0x0> <p> \"x\" .", "line 1 column 1: ", "uid 0 is not valid");
	EXPECT_ERROR("\n  <123> <p> \"x\" .", "line 2 column 3: ", "not a uid: write uids in hex");
	EXPECT_ERROR("<0x10000000000000000> <p> \"x\" .",
		     "line 1 column 1: ", "does not fit in 64 bits");
	EXPECT_ERROR("<0xzz> <p> \"x\" .", "line 1 column 1: ", "not a valid uid");
	EXPECT_ERROR("<alice> <p> \"x\" .", "line 1 column 1: ", "must be a uid like <0x1>");
	EXPECT_ERROR("<0x1> <p> <bob> .", "line 1 column 11: ", "object <bob> is not a uid");
	EXPECT_ERROR("\"x\" <p> \"y\" .", "line 1 column 1: ", "literal cannot be a subject");
	EXPECT_ERROR("* <p> \"y\" .", "line 1 column 1: ", "'*' cannot be a subject");
	EXPECT_ERROR("{ delete { <0x1> * * . } }",
		     "line 1 column 18: ", "'*' cannot be a predicate");
	EXPECT_ERROR("<0x1> <p> * .",
		     "line 1 column 11: ", "'*' can only be the object of a delete");
	EXPECT_ERROR("{ set { <0x1> <p> * . } }",
		     "line 1 column 19: ", "only be the object of a delete");
	EXPECT_ERROR("<0x1> _:p \"x\" .", "line 1 column 7: ", "blank node cannot be a predicate");
	EXPECT_ERROR("<0x1> <> \"x\" .", "line 1 column 7: ", "predicate <> is empty");
	EXPECT_ERROR("<0x1> <na me> \"x\" .", "line 1 column 10: ", "invalid character a space");
	EXPECT_ERROR("<0x1> <a{b> \"x\" .", "line 1 column 9: ", "invalid character '{'");
	EXPECT_ERROR("<0x1> <name \"x\" .", "line 1 column 12: ", "invalid character a space");
	EXPECT_ERROR("<0x1> <name", "line 1 column 7: ", "missing '>'");
	EXPECT_ERROR("_: <p> \"x\" .", "line 1 column 1: ", "no name after");
	EXPECT_ERROR("<0x1> <p> 42 .", "line 1 column 11: ", "expected an object");
	EXPECT_ERROR("<0x1> <p>", "line 1 column 10: ", "expected an object, found the end");
}

static void test_long_predicates_are_refused(void)
{
	char body[400];

	snprintf(body, sizeof body, "<0x1> <%0256d> \"x\" .", 0);
	EXPECT_ERROR(body, "line 1 column 7: ", "the limit is 255");
	snprintf(body, sizeof body, "<0x1> <%0255d> \"x\" .", 0);
	{
		struct cairn_rdf_mutation m;
		char err[256];
		CHECK(parse(body, &m, err, sizeof err) == 0);
		cairn_rdf_clear(&m);
	}
}

static void test_literal_errors_point_at_the_offending_character(void)
{
	EXPECT_ERROR("<0x1> <p> \"abc .\n", "line 1 column 11: ", "string literal is not closed");
	EXPECT_ERROR("<0x1> <p> \"a\\qb\" .", "line 1 column 13: ", "invalid escape \\q");
	EXPECT_ERROR("<0x1> <p> \"a\\u12G4\" .", "line 1 column 13: ", "4 hex digits");
	EXPECT_ERROR("<0x1> <p> \"a\\u0000\" .", "line 1 column 13: ", "NUL character");
	EXPECT_ERROR("<0x1> <p> \"a\\uD800\" .", "line 1 column 13: ", "no valid code point");
	EXPECT_ERROR("<0x1> <p> \"a\\U00110000\" .", "line 1 column 13: ", "no valid code point");
	EXPECT_ERROR("<0x1> <p> \"\xc3\xa9\xff\" .", "line 1 column 13: ", "invalid UTF-8");
	EXPECT_ERROR("<0x1> <p> \"\xc0\xaf\" .", "line 1 column 12: ", "invalid UTF-8");
	EXPECT_ERROR("<0x1> <p> \"x\"@en^^<t> .",
		     "line 1 column 17: ", "both a language tag and a type");
	EXPECT_ERROR("<0x1> <p> \"x\"^^<t>@en .",
		     "line 1 column 19: ", "both a language tag and a type");
	EXPECT_ERROR("<0x1> <p> \"x\"@1 .", "line 1 column 14: ", "must start with a letter");
	EXPECT_ERROR("<0x1> <p> \"x\"@en- .",
		     "line 1 column 18: ", "after '-' in the language tag");
	EXPECT_ERROR("<0x1> <p> \"x\"^<t> .", "line 1 column 14: ", "expected ^^<type>");
	EXPECT_ERROR("<0x1> <p> \"x\"^^<> .", "line 1 column 16: ", "datatype IRI is empty");
}

static void test_statement_errors_name_line_and_column(void)
{
	EXPECT_ERROR("<0x1> <p> \"x\"", "line 1 column 14: ", "expected '.' after object");
	EXPECT_ERROR("<0x1> <p> \"x\"\n<0x2> <p> \"y\" .",
		     "line 2 column 1: ", "expected '.' after object");
	EXPECT_ERROR("<0x1> <p> \"x\" <graph> .", "line 1 column 15: ", "labels are not supported");
	EXPECT_ERROR("<0x1> <p> \"x\" _:g .", "line 1 column 15: ", "labels are not supported");
	EXPECT_ERROR("<0x1> <p> \"x\" ; ", "line 1 column 15: ", "expected '.' after object");
	/* columns count characters, not bytes */
	EXPECT_ERROR("<0x1> <p> \"\xc3\xa9t\xc3\xa9\" <g> .",
		     "line 1 column 17: ", "labels are not supported");
	EXPECT_ERROR(
	    "{ set {\n  <0x1> <p> \"a\" .\n  <0x1> <p> \"b\" .\n  <0x1> <p> \"c\" <g> . } }",
	    "line 4 column 17: ", "labels are not supported");
}

static void test_block_errors_name_line_and_column(void)
{
	EXPECT_ERROR("{ set { <0x1> <p> \"x\" . } set { } }",
		     "line 1 column 27: ", "set block appears twice");
	EXPECT_ERROR("{ delete { } delete { } }",
		     "line 1 column 14: ", "delete block appears twice");
	EXPECT_ERROR("{ upsert { } }", "line 1 column 3: ", "unknown block \"upsert\"");
	EXPECT_ERROR("{ <0x1> <p> \"x\" . }", "line 1 column 3: ", "expected \"set {\"");
	EXPECT_ERROR("{ set <0x1> }", "line 1 column 7: ", "expected '{' after set");
	EXPECT_ERROR("{ set {\n <0x1> <p> \"x\" .\n", "line 3 column 1: ",
		     "missing '}' to close the set block opened at line 1 column 7");
	EXPECT_ERROR("{ set { } ", "line 1 column 11: ",
		     "missing '}' to close the mutation opened at line 1 column 1");
	EXPECT_ERROR("{ set { } } extra", "line 1 column 13: ", "unexpected text after the '}'");
	EXPECT_ERROR("<0x1> <p> \"x\" . }", "line 1 column 17: ", "expected a subject");
}

static void test_object_text_is_canonical(void)
{
	struct cairn_rdf_term t = {0};
	char *s;

	t.kind = CAIRN_RDF_UID;
	t.uid = 0x2A;
	s = cairn_rdf_object_text(&t);
	CHECK_STR(s, "<0x2a>");
	free(s);

	t.kind = CAIRN_RDF_LITERAL;
	t.value = "Alice";
	t.lang = "en";
	s = cairn_rdf_object_text(&t);
	CHECK_STR(s, "\"Alice\"@en");
	free(s);

	t.lang = NULL;
	t.value = "30";
	t.type = "xs:int";
	s = cairn_rdf_object_text(&t);
	CHECK_STR(s, "\"30\"^^<xs:int>");
	free(s);

	t.type = NULL;
	t.value = "a\"b\\c\nd\re\tf\x01g\x1fh\x7f\xc3\xa9";
	s = cairn_rdf_object_text(&t);
	CHECK_STR(s, "\"a\\\"b\\\\c\\nd\\re\\tf\\u0001g\\u001Fh\x7f\xc3\xa9\"");
	free(s);

	t.kind = CAIRN_RDF_BLANK;
	t.blank = "a";
	CHECK(cairn_rdf_object_text(&t) == NULL);
	t.kind = CAIRN_RDF_STAR;
	CHECK(cairn_rdf_object_text(&t) == NULL);
}

static void roundtrip(const char *value, const char *lang, const char *type)
{
	struct cairn_rdf_term t = {0}, back;
	char err[256] = "", *s, *again;

	t.kind = CAIRN_RDF_LITERAL;
	t.value = (char *)value;
	t.lang = (char *)lang;
	t.type = (char *)type;
	s = cairn_rdf_object_text(&t);
	CHECK(s != NULL);
	if (!s)
		return;
	CHECK(parse_object_text(s, &back, err, sizeof err) == 0);
	CHECK_STR(err, "");
	CHECK(back.kind == CAIRN_RDF_LITERAL);
	CHECK_STR(back.value, value);
	CHECK((lang == NULL && back.lang == NULL) ||
	      (lang && back.lang && !strcmp(lang, back.lang)));
	CHECK((type == NULL && back.type == NULL) ||
	      (type && back.type && !strcmp(type, back.type)));
	again = cairn_rdf_object_text(&back);
	CHECK_STR(again, s); /* canonical text is a fixed point */
	free(again);
	free(s);
	cairn_rdf_term_clear(&back);
	CHECK(back.value == NULL);
}

static void test_object_text_round_trips_awkward_strings(void)
{
	char controls[40];
	int i;

	for (i = 1; i < 32; i++)
		controls[i - 1] = (char)i;
	controls[31] = '\0';
	roundtrip("", NULL, NULL);
	roundtrip("\"", NULL, NULL);
	roundtrip("\\", NULL, NULL);
	roundtrip("\\\"", NULL, NULL);
	roundtrip("\"quoted\" and \\back\\slashed\\", "en", NULL);
	roundtrip("line1\nline2\r\nline3\n", NULL, "xs:string");
	roundtrip("tab\there", NULL, NULL);
	roundtrip("\\u0041 is not an escape here", NULL, NULL);
	roundtrip("caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80 \xe2\x80\xa8", "fr-CA",
		  NULL);
	roundtrip(controls, NULL, NULL);
	roundtrip("del \x7f and . ^^ @ < > # { }", NULL, "xs:int");
}

static void test_object_text_parse_rejects_what_is_not_one_object(void)
{
	struct cairn_rdf_term t;
	char err[256] = "";

	CHECK(parse_object_text("<0x2a>", &t, err, sizeof err) == 0);
	CHECK(t.kind == CAIRN_RDF_UID && t.uid == 42);
	cairn_rdf_term_clear(&t);
	CHECK(parse_object_text("_:a", &t, err, sizeof err) == -1);
	CHECK_CONTAINS(err, "line 1 column 1: expected a uid");
	CHECK(t.blank == NULL);
	CHECK(parse_object_text("*", &t, err, sizeof err) == -1);
	CHECK(parse_object_text("", &t, err, sizeof err) == -1);
	CHECK_CONTAINS(err, "found the end of input");
	CHECK(parse_object_text("\"x\" .", &t, err, sizeof err) == -1);
	CHECK_CONTAINS(err, "line 1 column 4: unexpected text after the object");
	CHECK(t.value == NULL);
	CHECK(parse_object_text("\"x", &t, err, sizeof err) == -1);
	CHECK_CONTAINS(err, "not closed");
}

static char *big_body(size_t n, int one_line, size_t *len)
{
	size_t cap = n * 64 + 64, used = 0, i;
	char *b = malloc(cap);

	if (!b)
		return NULL;
	used += (size_t)sprintf(b + used, "{ set {%s", one_line ? " " : "\n");
	for (i = 0; i < n; i++)
		used += (size_t)sprintf(b + used, "_:n%zu <name> \"node %zu \\u00e9\"@en .%s", i, i,
					one_line ? " " : "\n");
	used += (size_t)sprintf(b + used, "} }");
	*len = used;
	return b;
}

static void test_a_100000_quad_body_parses_whole(void)
{
	struct cairn_rdf_mutation m;
	cairn_err err = {0};
	size_t len;
	char *body = big_body(100000, 0, &len);
	CHECK(body && len > 3000000);
	if (!body)
		return;
	CHECK(cairn_rdf_parse(body, len, &m, &err) == 0);
	CHECK(m.nset == 100000);
	if (m.nset == 100000) {
		CHECK_STR(m.set[99999].s.blank, "n99999");
		CHECK_STR(m.set[99999].o.value, "node 99999 \xc3\xa9");
		CHECK(m.set[99999].line == 100001);
	}
	cairn_rdf_clear(&m);
	free(body);

	/* all on one line, with an error at its far end: columns must not cost
	 * a rescan of the line */
	body = big_body(100000, 1, &len);
	if (!body)
		return;
	memcpy(body + len - 3, "*}}", 3);
	CHECK(cairn_rdf_parse(body, len, &m, &err) == -1);
	CHECK_CONTAINS(err.msg, "line 1 column ");
	CHECK_CONTAINS(err.msg, "'*' cannot be a subject");
	free(body);
}

static void test_parse_error_leaves_nothing_behind(void)
{
	struct cairn_rdf_mutation m;
	char err[8];

	/* a short error buffer truncates but stays terminated */
	CHECK(parse("<0x1> <p> \"x\" .\n<0x0> <p> \"y\" .", &m, err, sizeof err) == -1);
	CHECK(strlen(err) < sizeof err);
	CHECK(m.set == NULL && m.nset == 0);
	CHECK(parse("<0x1> <p> \"x\" .", &m, NULL, 0) == 0);
	cairn_rdf_clear(&m);
	cairn_rdf_clear(&m); /* twice is harmless */
}

int main(void)
{
	test_set_and_delete_blocks_parse_into_quads();
	test_bare_nquads_are_a_set();
	test_single_blocks_in_any_order();
	test_comments_end_at_the_line_but_not_inside_strings_or_iris();
	test_literal_escapes_are_decoded();
	test_blank_node_names_stop_before_the_final_dot();
	test_uids_are_hex_up_to_64_bits();
	test_term_errors_name_line_and_column();
	test_long_predicates_are_refused();
	test_literal_errors_point_at_the_offending_character();
	test_statement_errors_name_line_and_column();
	test_block_errors_name_line_and_column();
	test_object_text_is_canonical();
	test_object_text_round_trips_awkward_strings();
	test_object_text_parse_rejects_what_is_not_one_object();
	test_a_100000_quad_body_parses_whole();
	test_parse_error_leaves_nothing_behind();
	CHECK_DONE();
}

/* test_coerce.c — input coercion of variables, values and arguments. */
#include "fixture.h"

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

int main(void)
{
	test_variables_are_coerced_with_defaults();
	test_variable_type_errors_never_echo_the_value();
	test_values_and_arguments_are_coerced_with_variables();
	test_required_arguments_fed_by_missing_variables_fail();
	CHECK_DONE();
}

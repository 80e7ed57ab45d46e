/* test_execute.c — GetOperation, CollectFields, and ExecuteRequest through
 * a resolver table. */
#include "fixture.h"

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
	cairn_gql_fields_clear(&f);
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
	cairn_gql_fields_clear(&sub);
	cairn_gql_fields_clear(&root);
	cairn_gql_free(doc);
}

/* ---- ExecuteRequest through a resolver table ---- */

struct world {
	int calls;
	char log[128];	     /* the resolvers that ran, in order */
	const char *fail_on; /* Node.friends fails on the node with this id */
	const char *fail_msg;
};

static void note(struct world *w, const char *what)
{
	size_t n = strlen(w->log);

	w->calls++;
	snprintf(w->log + n, sizeof w->log - n, "%s%s", n ? "," : "", what);
}

static cJSON *make_node(const char *id)
{
	cJSON *node = cJSON_CreateObject();
	char name[64];

	snprintf(name, sizeof name, "n%.32s", id);
	cJSON_AddStringToObject(node, "id", id);
	cJSON_AddStringToObject(node, "name", name);
	cJSON_AddStringToObject(node, "unselected", "never in an answer");
	return node;
}

static int resolve_node(const struct cairn_gql_resolve *r, cJSON **out, cairn_err *err)
{
	const cJSON *id = cJSON_GetObjectItem(r->args, "id");

	(void)err;
	note(r->ctx, "node");
	*out = make_node(id->valuestring);
	return 0;
}

/* Two friends, named after the parent: the resolver sees its parent's JSON. */
static int resolve_friends(const struct cairn_gql_resolve *r, cJSON **out, cairn_err *err)
{
	struct world *w = r->ctx;
	const char *id = cJSON_GetObjectItem(r->parent, "id")->valuestring;
	const cJSON *first = cJSON_GetObjectItem(r->args, "first");
	int i, count = cJSON_IsNumber(first) ? first->valueint : 2;
	char fid[64];

	note(w, "friends");
	if (w->fail_on && !strcmp(id, w->fail_on)) {
		cairn_err_set(err, "%s", w->fail_msg);
		return -1;
	}
	*out = cJSON_CreateArray();
	for (i = 1; i <= count; i++) {
		snprintf(fid, sizeof fid, "%.32s-%d", id, i);
		cJSON_AddItemToArray(*out, make_node(fid));
	}
	return 0;
}

/* The coerced arguments, as a string. */
static int resolve_echo(const struct cairn_gql_resolve *r, cJSON **out, cairn_err *err)
{
	char *s = cJSON_PrintUnformatted(r->args);

	(void)err;
	note(r->ctx, "echo");
	*out = cJSON_CreateString(s);
	free(s);
	return 0;
}

static int resolve_rename(const struct cairn_gql_resolve *r, cJSON **out, cairn_err *err)
{
	char what[64];

	(void)err;
	snprintf(what, sizeof what, "rename %.32s",
		 cJSON_GetObjectItem(r->args, "id")->valuestring);
	note(r->ctx, what);
	*out = make_node(cJSON_GetObjectItem(r->args, "id")->valuestring);
	cJSON_ReplaceItemInObject(
	    *out, "name", cJSON_CreateString(cJSON_GetObjectItem(r->args, "name")->valuestring));
	return 0;
}

static const struct cairn_gql_resolver resolvers[] = {
    {"Query", "node", resolve_node},
    {"Query", "echo", resolve_echo},
    {"Node", "friends", resolve_friends},
    {"Mutation", "rename", resolve_rename},
};

/* Runs query with variables (JSON text or NULL); returns the response text. */
static char *execute(struct world *w, const char *query, const char *vars_json,
		     const char *operation)
{
	struct cairn_gql_executor ex = {&schema, resolvers, N(resolvers), w};
	cJSON *vars = vars_json ? cJSON_Parse(vars_json) : NULL;
	cJSON *resp = cairn_gql_execute(&ex, query, strlen(query), operation, vars);
	char *out = resp ? cJSON_PrintUnformatted(resp) : NULL;

	cJSON_Delete(resp);
	cJSON_Delete(vars);
	return out;
}

static void test_fields_are_dispatched_through_the_resolver_table(void)
{
	struct world w = {0};
	char *out = execute(&w, "{ node(id: 7) { id name friends(first: 2) { id } } }", NULL, NULL);

	CHECK_STR(out, "{\"data\":{\"node\":{\"id\":\"7\",\"name\":\"n7\",\"friends\":[{\"id\":"
		       "\"7-1\"},{\"id\":\"7-2\"}]}}}");
	CHECK_STR(w.log, "node,friends");
	free(out);
	/* a row runs once per object it is asked of */
	memset(&w, 0, sizeof w);
	out = execute(&w, "{ node(id: 1) { friends(first: 2) { name friends(first: 1) { id } } } }",
		      NULL, NULL);
	CHECK_STR(out, "{\"data\":{\"node\":{\"friends\":[{\"name\":\"n1-1\",\"friends\":[{\"id\":"
		       "\"1-1-1\"}]},{\"name\":\"n1-2\",\"friends\":[{\"id\":\"1-2-1\"}]}]}}}");
	CHECK_STR(w.log, "node,friends,friends,friends");
	free(out);
}

static void test_a_field_without_a_row_is_its_parents_member_or_null(void)
{
	struct world w = {0};
	char *out = execute(&w, "{ nodes { id } need(x: 1) __typename }", NULL, NULL);

	CHECK_STR(out, "{\"data\":{\"nodes\":null,\"need\":null,\"__typename\":\"Query\"}}");
	CHECK(w.calls == 0);
	free(out);
	out = execute(&w, "{ node(id: 3) { nick: name __typename } }", NULL, NULL);
	CHECK_STR(out, "{\"data\":{\"node\":{\"nick\":\"n3\",\"__typename\":\"Node\"}}}");
	free(out);
}

static void test_arguments_reach_the_resolver_coerced_with_variables(void)
{
	struct world w = {0};
	const char *q = "query($s: String = \"dflt\", $ids: [Int]) { echo(s: $s, i: 3, list: $ids, "
			"in: {name: \"x\", tags: \"one\"}) }";
	char *out = execute(&w, q, NULL, NULL);

	CHECK_STR(out, "{\"data\":{\"echo\":\"{\\\"s\\\":\\\"dflt\\\",\\\"i\\\":3,\\\"in\\\":{"
		       "\\\"name\\\":\\\"x\\\",\\\"tags\\\":[\\\"one\\\"]}}\"}}");
	free(out);
	out = execute(&w, q, "{\"s\": \"given\", \"ids\": 5}", NULL);
	CHECK_STR(out, "{\"data\":{\"echo\":\"{\\\"s\\\":\\\"given\\\",\\\"i\\\":3,\\\"in\\\":{"
		       "\\\"name\\\":\\\"x\\\",\\\"tags\\\":[\\\"one\\\"]},\\\"list\\\":[5]}\"}}");
	free(out);
}

static void test_a_failing_resolver_is_a_field_error_at_its_path(void)
{
	struct world w = {.fail_on = "1-2", .fail_msg = "node 1-2 is unreachable"};
	char *out =
	    execute(&w, "{ node(id: 1) { friends { id friends(first: 1) { id } } } }", NULL, NULL);

	CHECK_STR(out,
		  "{\"errors\":[{\"message\":\"node 1-2 is unreachable\",\"path\":[\"node\","
		  "\"friends\",1,\"friends\"]}],\"data\":{\"node\":{\"friends\":[{\"id\":\"1-1\","
		  "\"friends\":[{\"id\":\"1-1-1\"}]},{\"id\":\"1-2\",\"friends\":null}]}}}");
	free(out);
	/* a resolver that says nothing still gives a message */
	w.fail_on = "2";
	w.fail_msg = "";
	out = execute(&w, "{ node(id: 2) { f: friends { id } } }", NULL, NULL);
	CHECK_STR(out, "{\"errors\":[{\"message\":\"field \\\"friends\\\" could not be "
		       "resolved\",\"path\":[\"node\",\"f\"]}],\"data\":{\"node\":{\"f\":null}}}");
	free(out);
}

static void test_mutation_fields_run_one_after_another(void)
{
	struct world w = {0};
	char *out = execute(&w,
			    "mutation { b: rename(id: 2, name: \"two\") { name } a: rename(id: 1, "
			    "name: \"one\") { id name } }",
			    NULL, NULL);

	CHECK_STR(out,
		  "{\"data\":{\"b\":{\"name\":\"two\"},\"a\":{\"id\":\"1\",\"name\":\"one\"}}}");
	CHECK_STR(w.log, "rename 2,rename 1");
	free(out);
}

static void test_a_request_error_runs_no_resolver(void)
{
	struct world w = {0};
	char *out = execute(&w, "{ node(id: 1) { id } echo(i: \"x\") }", NULL, NULL);

	CHECK_STR(out, "{\"errors\":[{\"message\":\"argument \\\"i\\\" of field \\\"echo\\\" must "
		       "be an Int\",\"locations\":[{\"line\":1,\"column\":30}]}],\"data\":null}");
	free(out);
	out = execute(&w, "query A { node(id: 1) { id } } query B { echo }", NULL, "C");
	CHECK_CONTAINS(out, "there is no operation named \\\"C\\\"");
	CHECK_CONTAINS(out, "\"data\":null");
	free(out);
	out = execute(&w, "query($x: Int!) { need(x: $x) }", "{}", NULL);
	CHECK_CONTAINS(out, "variable \\\"$x\\\" of required type Int! was not provided");
	free(out);
	CHECK(w.calls == 0);
	out = execute(&w, "query A { node(id: 1) { id } } query B { echo }", NULL, "B");
	CHECK_STR(out, "{\"data\":{\"echo\":\"{}\"}}");
	CHECK_STR(w.log, "echo");
	free(out);
}

int main(void)
{
	test_the_operation_is_chosen_by_name();
	test_collect_fields_expands_fragments_and_honours_skip_and_include();
	test_collect_fields_merges_sub_selections_of_one_response_name();
	test_fields_are_dispatched_through_the_resolver_table();
	test_a_field_without_a_row_is_its_parents_member_or_null();
	test_arguments_reach_the_resolver_coerced_with_variables();
	test_a_failing_resolver_is_a_field_error_at_its_path();
	test_mutation_fields_run_one_after_another();
	test_a_request_error_runs_no_resolver();
	CHECK_DONE();
}

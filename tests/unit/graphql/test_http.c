/* test_http.c — GraphQL over HTTP (http.c): GET, POST bodies, variables as a
 * string, batches, and CORS (preflights, allowed and refused origins). */
#include "fixture.h"

static int runs;

static int resolve_echo(const struct cairn_gql_resolve *r, cJSON **out, cairn_err *err)
{
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(r->args, "s");

	(void)err;
	runs++;
	*out = cJSON_CreateString(cJSON_IsString(s) ? s->valuestring : "e");
	return 0;
}

static int resolve_rename(const struct cairn_gql_resolve *r, cJSON **out, cairn_err *err)
{
	(void)r;
	(void)err;
	runs++;
	*out = cJSON_Parse("{\"id\": \"1\"}");
	return 0;
}

static const struct cairn_gql_resolver rows[] = {{"Query", "echo", resolve_echo},
						 {"Mutation", "rename", resolve_rename}};

static struct cairn_gql_http_resp resp;

/* Serves req; resp holds the answer until the next call. */
static int serve(struct cairn_gql_http_req req)
{
	struct cairn_gql_executor ex = {&schema, rows, N(rows), NULL};

	free(resp.body);
	runs = 0;
	CHECK(cairn_gql_http_serve(&ex, &req, &resp) == 0);
	return resp.status;
}

static struct cairn_gql_http_req get(const char *q, const char *vars, const char *op)
{
	struct cairn_gql_http_req r = {0};

	r.method = "GET";
	r.query = q;
	r.variables = vars;
	r.operation_name = op;
	return r;
}

static struct cairn_gql_http_req post(const char *ct, const char *body)
{
	struct cairn_gql_http_req r = {0};

	r.method = "POST";
	r.content_type = ct;
	r.body = body;
	r.len = strlen(body);
	return r;
}

static void test_get_runs_queries_with_variables_and_operation_name(void)
{
	CHECK(serve(get("{ echo }", NULL, NULL)) == 200);
	CHECK_STR(resp.body, "{\"data\":{\"echo\":\"e\"}}");
	CHECK(serve(get("query A($s: String) { echo(s: $s) } query B { b: echo }", "{\"s\":\"v\"}",
			"A")) == 200);
	CHECK_STR(resp.body, "{\"data\":{\"echo\":\"v\"}}");
	CHECK(serve(get("{ echo }", "", "")) == 200);
	CHECK_STR(resp.body, "{\"data\":{\"echo\":\"e\"}}");
}

static void test_get_refuses_mutations_with_405_and_runs_nothing(void)
{
	CHECK(serve(get("mutation { rename(id: 1, name: \"x\") { id } }", NULL, NULL)) == 405);
	CHECK(runs == 0);
	CHECK_CONTAINS(resp.headers, "Allow: POST\n");
	CHECK_CONTAINS(resp.body, "mutations cannot be sent with GET");
	/* the query of a document that also holds a mutation is fine */
	CHECK(serve(get("query Q { echo } mutation M { rename(id: 1, name: \"x\") { id } }", NULL,
			"Q")) == 200);
	CHECK(serve(get("query Q { echo } mutation M { rename(id: 1, name: \"x\") { id } }", NULL,
			"M")) == 405);
	CHECK(runs == 0);
}

static void test_get_without_a_query_or_with_bad_variables_is_400(void)
{
	CHECK(serve(get(NULL, NULL, NULL)) == 400);
	CHECK_CONTAINS(resp.body, "needs a query parameter");
	CHECK(serve(get("{ echo }", "[1]", NULL)) == 400);
	CHECK_CONTAINS(resp.body, "\\\"variables\\\" must be a JSON object");
}

static void test_post_takes_variables_as_an_object_or_a_json_string(void)
{
	const char *q = "{\"query\": \"query($s: String) { echo(s: $s) }\", \"variables\": ";
	char body[256];

	snprintf(body, sizeof body, "%s{\"s\": \"obj\"}}", q);
	CHECK(serve(post("application/json", body)) == 200);
	CHECK_STR(resp.body, "{\"data\":{\"echo\":\"obj\"}}");
	snprintf(body, sizeof body, "%s\"{\\\"s\\\": \\\"str\\\"}\"}", q);
	CHECK(serve(post("application/json", body)) == 200);
	CHECK_STR(resp.body, "{\"data\":{\"echo\":\"str\"}}");
	CHECK(serve(post("application/graphql", "{ echo }")) == 200);
	CHECK_STR(resp.body, "{\"data\":{\"echo\":\"e\"}}");
}

static void test_a_batch_is_answered_in_order(void)
{
	CHECK(serve(post("application/json",
			 "[{\"query\": \"{ echo(s: \\\"1\\\") }\"}, {\"query\": \"{ nope }\"}, "
			 "{\"query\": \"mutation { rename(id: 1, name: \\\"x\\\") { id } }\"}]")) ==
	      200);
	CHECK_STR(
	    resp.body,
	    "[{\"data\":{\"echo\":\"1\"}},{\"errors\":[{\"message\":\"unknown field \\\"nope\\\" "
	    "on type Query (fields: node, nodes, echo, need)\",\"locations\":[{\"line\":1,"
	    "\"column\":3}]}],\"data\":null},{\"data\":{\"rename\":{\"id\":\"1\"}}}]");
	CHECK(runs == 2);
	/* sniffed as JSON without a content type, too */
	CHECK(serve(post(NULL, "[{\"query\": \"{ echo }\"}]")) == 200);
	CHECK_STR(resp.body, "[{\"data\":{\"echo\":\"e\"}}]");
}

static void test_a_bad_empty_or_oversized_batch_runs_nothing(void)
{
	char body[4096];
	size_t used = 0;
	int i;

	CHECK(serve(post("application/json", "[{\"query\": \"{ echo }\"}, {\"q\": 1}]")) == 400);
	CHECK(runs == 0);
	CHECK_CONTAINS(resp.body, "request 2 of the batch: the request has no");
	CHECK(serve(post("application/json", "[]")) == 400);
	CHECK_CONTAINS(resp.body, "the batch is empty");
	used += (size_t)snprintf(body, sizeof body, "[");
	for (i = 0; i <= CAIRN_GQL_MAX_BATCH; i++)
		used += (size_t)snprintf(body + used, sizeof body - used,
					 "%s{\"query\": \"{ echo }\"}", i ? "," : "");
	snprintf(body + used, sizeof body - used, "]");
	CHECK(serve(post("application/json", body)) == 400);
	CHECK(runs == 0);
	CHECK_CONTAINS(resp.body, "more than 32: send it in parts");
}

static void test_a_preflight_answers_allowed_origins_and_runs_nothing(void)
{
	struct cairn_gql_http_req r = {0};

	r.method = "OPTIONS";
	r.origin = "http://localhost:3000";
	CHECK(serve(r) == 204);
	CHECK(resp.body == NULL && runs == 0);
	CHECK_STR(resp.headers, "Allow: GET, POST, OPTIONS\n"
				"Access-Control-Allow-Origin: http://localhost:3000\n"
				"Vary: Origin\n"
				"Access-Control-Allow-Methods: GET, POST, OPTIONS\n"
				"Access-Control-Allow-Headers: Content-Type, X-Cairn-AuthToken\n"
				"Access-Control-Max-Age: 600\n");
	r.origin = "https://evil.example";
	CHECK(serve(r) == 204);
	CHECK_STR(resp.headers, "Allow: GET, POST, OPTIONS\n");
}

static void test_a_request_from_a_refused_origin_gets_403_and_runs_nothing(void)
{
	struct cairn_gql_http_req r =
	    post("text/plain", "mutation { rename(id: 1, name: \"x\") { id } }");

	r.origin = "https://evil.example";
	CHECK(serve(r) == 403);
	CHECK(runs == 0);
	CHECK_CONTAINS(resp.body,
		       "pages at origin https://evil.example may not call this endpoint: "
		       "add the origin to --cors_origins");
	CHECK(!strstr(resp.headers, "Access-Control"));
	r.origin = "http://127.0.0.1:5173";
	CHECK(serve(r) == 200 && runs == 1);
	CHECK_STR(resp.headers,
		  "Access-Control-Allow-Origin: http://127.0.0.1:5173\nVary: Origin\n");
}

static void test_configured_origins_replace_loopback_and_star_has_no_credentials(void)
{
	struct cairn_gql_http_req r = get("{ echo }", NULL, NULL);

	r.cors_origins = " https://ui.example.com:8443 , https://other.example";
	r.origin = "https://ui.example.com:8443";
	CHECK(serve(r) == 200);
	CHECK_STR(resp.headers,
		  "Access-Control-Allow-Origin: https://ui.example.com:8443\nVary: Origin\n");
	r.origin = "http://localhost:3000";
	CHECK(serve(r) == 403);
	r.cors_origins = "*";
	CHECK(serve(r) == 200);
	CHECK_STR(resp.headers, "Access-Control-Allow-Origin: *\n");
	CHECK(!strstr(resp.headers, "Credentials"));
}

static void test_loopback_origins_are_exactly_loopback_pages(void)
{
	CHECK(cairn_gql_origin_allowed("http://localhost", NULL));
	CHECK(cairn_gql_origin_allowed("https://localhost:8443", ""));
	CHECK(cairn_gql_origin_allowed("http://127.0.0.1:8000", NULL));
	CHECK(cairn_gql_origin_allowed("http://[::1]:3000", NULL));
	CHECK(!cairn_gql_origin_allowed("http://localhost.evil.com", NULL));
	CHECK(!cairn_gql_origin_allowed("http://localhost:3000/x", NULL));
	CHECK(!cairn_gql_origin_allowed("http://127.0.0.1.nip.io", NULL));
	CHECK(!cairn_gql_origin_allowed("null", NULL));
	CHECK(!cairn_gql_origin_allowed("file://", NULL));
	CHECK(!cairn_gql_origin_allowed(NULL, NULL));
}

static void test_other_methods_get_405(void)
{
	struct cairn_gql_http_req r = post("application/json", "{\"query\": \"{ echo }\"}");

	r.method = "PUT";
	CHECK(serve(r) == 405 && runs == 0);
	CHECK_CONTAINS(resp.headers, "Allow: GET, POST, OPTIONS\n");
}

int main(void)
{
	test_get_runs_queries_with_variables_and_operation_name();
	test_get_refuses_mutations_with_405_and_runs_nothing();
	test_get_without_a_query_or_with_bad_variables_is_400();
	test_post_takes_variables_as_an_object_or_a_json_string();
	test_a_batch_is_answered_in_order();
	test_a_bad_empty_or_oversized_batch_runs_nothing();
	test_a_preflight_answers_allowed_origins_and_runs_nothing();
	test_a_request_from_a_refused_origin_gets_403_and_runs_nothing();
	test_configured_origins_replace_loopback_and_star_has_no_credentials();
	test_loopback_origins_are_exactly_loopback_pages();
	test_other_methods_get_405();
	free(resp.body);
	CHECK_DONE();
}

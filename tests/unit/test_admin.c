/* test_admin.c — POST /admin: request decoding, validation before any
 * resolver runs, response shape, errors, and secrets kept out of errors. */
#include "check.h"
#include "server/admin.h"

struct fake {
	int backups;
	int fail;	      /* the next backups fail */
	const char *fail_msg; /* with this message */
	const char *task;     /* task id handed back on success */
	char dest[256], access[64], secret[64], token[64];
	int has_access, has_secret, has_token;
	int anonymous, force_full;
	char args[512]; /* the arguments as the backup op got them */
};

static void copy(char *dst, size_t n, const char *src, int *has)
{
	*has = src != NULL;
	snprintf(dst, n, "%s", src ? src : "");
}

/* A BackupInput string field of the resolver's arguments, or NULL. */
static const char *input_str(const cJSON *args, const char *name)
{
	const cJSON *v = cJSON_GetObjectItem(cJSON_GetObjectItem(args, "input"), name);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int input_flag(const cJSON *args, const char *name)
{
	return cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(args, "input"), name));
}

static int fake_backup(void *ctx, const cJSON *args, char **task_id, cairn_err *err)
{
	struct fake *f = ctx;
	char *s;
	int has_dest;

	f->backups++;
	snprintf(f->args, sizeof f->args, "%s", (s = cJSON_PrintUnformatted(args)) ? s : "");
	free(s);
	copy(f->dest, sizeof f->dest, input_str(args, "destination"), &has_dest);
	copy(f->access, sizeof f->access, input_str(args, "accessKey"), &f->has_access);
	copy(f->secret, sizeof f->secret, input_str(args, "secretKey"), &f->has_secret);
	copy(f->token, sizeof f->token, input_str(args, "sessionToken"), &f->has_token);
	f->anonymous = input_flag(args, "anonymous");
	f->force_full = input_flag(args, "forceFull");
	if (f->fail) {
		cairn_err_set(err, "%s", f->fail_msg);
		return -1;
	}
	if (f->task)
		*task_id = strdup(f->task);
	return 0;
}

static void fake_health(void *ctx, cJSON *node)
{
	(void)ctx;
	cJSON_AddStringToObject(node, "instance", "alpha");
	cJSON_AddStringToObject(node, "address", "localhost:8080");
	cJSON_AddStringToObject(node, "status", "healthy");
	cJSON_AddStringToObject(node, "version", "0.1.0");
	cJSON_AddNumberToObject(node, "uptime", 42);
}

static char *run(struct fake *f, const char *content_type, const char *body, int *status)
{
	struct cairn_admin_ops ops = {.ctx = f, .backup = fake_backup, .health = fake_health};

	*status = -1;
	return cairn_admin_execute(&ops, content_type, body, strlen(body), status);
}

/* Wraps a query as a JSON request body. */
static char *json_request(const char *query, const char *variables, const char *operation)
{
	cJSON *o = cJSON_CreateObject();
	char *s;

	cJSON_AddStringToObject(o, "query", query);
	if (variables)
		cJSON_AddItemToObject(o, "variables", cJSON_Parse(variables));
	if (operation)
		cJSON_AddStringToObject(o, "operationName", operation);
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

static char *run_json(struct fake *f, const char *query, const char *variables,
		      const char *operation, int *status)
{
	char *body = json_request(query, variables, operation);
	char *out = run(f, "application/json", body, status);

	free(body);
	return out;
}

#define DEST "{destination: \\\"/tmp/b\\\"}"

static void test_a_backup_mutation_answers_with_the_selected_fields(void)
{
	struct fake f = {0};
	int status;
	char *out = run(&f, "application/json",
			"{\"query\": \"mutation { backup(input: " DEST
			") { response { code message } taskId } }\"}",
			&status);

	CHECK(status == 200);
	CHECK_STR(out, "{\"data\":{\"backup\":{\"response\":{\"code\":\"Success\",\"message\":"
		       "\"Backup completed.\"},\"taskId\":null}}}");
	CHECK(f.backups == 1);
	CHECK_STR(f.dest, "/tmp/b");
	CHECK(!f.has_access && !f.has_secret && !f.has_token);
	CHECK(f.anonymous == 0 && f.force_full == 0);
	free(out);
}

static void test_aliases_order_and_typename_follow_the_selection(void)
{
	struct fake f = {.task = "t-1"};
	int status;
	char *out =
	    run_json(&f,
		     "mutation { b: backup(input: {destination: \"/x\"}) { taskId r: response "
		     "{ message code __typename } __typename } }",
		     NULL, NULL, &status);

	CHECK(status == 200);
	CHECK_STR(out, "{\"data\":{\"b\":{\"taskId\":\"t-1\",\"r\":{\"message\":\"Backup "
		       "completed.\",\"code\":\"Success\",\"__typename\":\"Response\"},"
		       "\"__typename\":\"BackupPayload\"}}}");
	free(out);
	out = run_json(&f, "mutation { __typename }", NULL, NULL, &status);
	CHECK_STR(out, "{\"data\":{\"__typename\":\"Mutation\"}}");
	CHECK(f.backups == 1);
	free(out);
}

static void test_every_backup_input_field_reaches_the_resolver(void)
{
	struct fake f = {0};
	int status;
	char *out = run_json(&f,
			     "mutation { backup(input: {destination: "
			     "\"minio://127.0.0.1:9000/bucket?secure=false\", accessKey: \"AK\", "
			     "secretKey: \"SK\", sessionToken: \"ST\", anonymous: true, forceFull: "
			     "true}) { response { code } } }",
			     NULL, NULL, &status);

	CHECK_STR(out, "{\"data\":{\"backup\":{\"response\":{\"code\":\"Success\"}}}}");
	CHECK_STR(f.dest, "minio://127.0.0.1:9000/bucket?secure=false");
	CHECK_STR(f.access, "AK");
	CHECK_STR(f.secret, "SK");
	CHECK_STR(f.token, "ST");
	CHECK(f.anonymous == 1 && f.force_full == 1);
	free(out);
}

static void test_the_backup_op_gets_the_coerced_arguments_as_given(void)
{
	struct fake f = {0};
	int status;
	char *out =
	    run_json(&f,
		     "mutation($k: String) { backup(input: {forceFull: true, accessKey: $k, "
		     "destination: \"/x\"}) { taskId } }",
		     "{\"k\": \"AK\"}", NULL, &status);

	CHECK_STR(out, "{\"data\":{\"backup\":{\"taskId\":null}}}");
	/* schema order, only what was given, variables already substituted */
	CHECK_STR(f.args, "{\"input\":{\"destination\":\"/x\",\"accessKey\":\"AK\","
			  "\"forceFull\":true}}");
	free(out);
	out = run_json(
	    &f, "mutation { backup(input: {destination: \"/y\", anonymous: null}) { taskId } }",
	    NULL, NULL, &status);
	CHECK_STR(f.args, "{\"input\":{\"destination\":\"/y\",\"anonymous\":null}}");
	CHECK(f.anonymous == 0);
	free(out);
}

static void test_content_types_and_sniffing(void)
{
	struct fake f = {0};
	const char *want = "{\"data\":{\"backup\":{\"taskId\":null}}}";
	const char *raw = "mutation { backup(input: {destination: \"/x\"}) { taskId } }";
	char *json = json_request(raw, NULL, NULL);
	int status;
	char *out;

	out = run(&f, "application/graphql", raw, &status);
	CHECK(status == 200);
	CHECK_STR(out, want);
	free(out);
	out = run(&f, "Application/JSON; charset=utf-8", json, &status);
	CHECK_STR(out, want);
	free(out);
	out = run(&f, NULL, json, &status);
	CHECK_STR(out, want);
	free(out);
	out = run(&f, NULL, raw, &status);
	CHECK_STR(out, want);
	free(out);
	/* curl -d sends form-urlencoded; the body still says what it is */
	out = run(&f, "application/x-www-form-urlencoded", json, &status);
	CHECK_STR(out, want);
	free(out);
	out = run(&f, "application/x-www-form-urlencoded", "{ health { status } }", &status);
	CHECK_STR(out, "{\"data\":{\"health\":[{\"status\":\"healthy\"}]}}");
	free(out);
	CHECK(f.backups == 5);
	free(json);
}

static void test_variables_feed_arguments_with_defaults(void)
{
	struct fake f = {0};
	int status;
	char *out;

	out = run_json(&f,
		       "mutation($d: String!, $full: Boolean = true) { backup(input: {destination: "
		       "$d, forceFull: $full}) { taskId } }",
		       "{\"d\": \"/from/var\"}", NULL, &status);
	CHECK_STR(out, "{\"data\":{\"backup\":{\"taskId\":null}}}");
	CHECK_STR(f.dest, "/from/var");
	CHECK(f.force_full == 1);
	free(out);
	out = run_json(
	    &f, "mutation Go($in: BackupInput!) { backup(input: $in) { response { code } } }",
	    "{\"in\": {\"destination\": \"/whole\", \"secretKey\": \"S3\", \"anonymous\": "
	    "true}}",
	    "Go", &status);
	CHECK_STR(out, "{\"data\":{\"backup\":{\"response\":{\"code\":\"Success\"}}}}");
	CHECK_STR(f.dest, "/whole");
	CHECK_STR(f.secret, "S3");
	CHECK(f.anonymous == 1 && f.force_full == 0);
	free(out);
	CHECK(f.backups == 2);

	out = run_json(&f, "mutation($d: String!) { backup(input: {destination: $d}) { taskId } }",
		       "{}", NULL, &status);
	CHECK(status == 200);
	CHECK_STR(out, "{\"errors\":[{\"message\":\"variable \\\"$d\\\" of required type String! "
		       "was not provided\",\"locations\":[{\"line\":1,\"column\":10}]}],\"data\":"
		       "null}");
	CHECK(f.backups == 2);
	free(out);
}

static void test_the_operation_is_chosen_by_operation_name(void)
{
	struct fake f = {0};
	const char *doc = "query H { health { status } }\n"
			  "mutation B { backup(input: {destination: \"/x\"}) { taskId } }";
	int status;
	char *out;

	out = run_json(&f, doc, NULL, "B", &status);
	CHECK_STR(out, "{\"data\":{\"backup\":{\"taskId\":null}}}");
	CHECK(f.backups == 1);
	free(out);
	out = run_json(&f, doc, NULL, "H", &status);
	CHECK_STR(out, "{\"data\":{\"health\":[{\"status\":\"healthy\"}]}}");
	free(out);
	out = run_json(&f, doc, NULL, NULL, &status);
	CHECK(status == 200);
	CHECK_STR(out,
		  "{\"errors\":[{\"message\":\"the document has 2 operations: say which one to "
		  "run with operationName\"}],\"data\":null}");
	free(out);
	out = run_json(&f, doc, NULL, "Nope", &status);
	CHECK_CONTAINS(out, "there is no operation named \\\"Nope\\\"");
	free(out);
	CHECK(f.backups == 1);
}

static void test_health_answers_the_selected_node_fields(void)
{
	struct fake f = {0};
	int status;
	char *out;

	out = run_json(&f, "{ health { uptime instance status version address } }", NULL, NULL,
		       &status);
	CHECK(status == 200);
	CHECK_STR(out, "{\"data\":{\"health\":[{\"uptime\":42,\"instance\":\"alpha\",\"status\":"
		       "\"healthy\",\"version\":\"0.1.0\",\"address\":\"localhost:8080\"}]}}");
	free(out);
	out = run_json(&f, "query { __typename h: health { __typename s: status } }", NULL, NULL,
		       &status);
	CHECK_STR(out, "{\"data\":{\"__typename\":\"Query\",\"h\":[{\"__typename\":\"NodeState\","
		       "\"s\":\"healthy\"}]}}");
	free(out);
}

static void test_fragments_and_directives_shape_the_answer(void)
{
	struct fake f = {.task = "t"};
	int status;
	char *out;

	out = run_json(&f,
		       "mutation { backup(input: {destination: \"/x\"}) { ...P } }\n"
		       "fragment P on BackupPayload { response { ...R } ... on BackupPayload { "
		       "taskId } }\nfragment R on Response { code }",
		       NULL, NULL, &status);
	CHECK_STR(out,
		  "{\"data\":{\"backup\":{\"response\":{\"code\":\"Success\"},\"taskId\":\"t\"}}}");
	free(out);
	out = run_json(&f,
		       "mutation($s: Boolean!) { backup(input: {destination: \"/x\"}) { taskId "
		       "@skip(if: $s) response @include(if: $s) { code } } }",
		       "{\"s\": true}", NULL, &status);
	CHECK_STR(out, "{\"data\":{\"backup\":{\"response\":{\"code\":\"Success\"}}}}");
	free(out);
	CHECK(f.backups == 2);
	/* a skipped backup never runs */
	out = run_json(
	    &f, "mutation { backup(input: {destination: \"/x\"}) @skip(if: true) { taskId } }",
	    NULL, NULL, &status);
	CHECK_STR(out, "{\"data\":{}}");
	CHECK(f.backups == 2);
	free(out);
}

/* The request must be refused with an error containing what, located at
 * line:col, and without calling the resolver. */
static void expect_request_error(int at, const char *query, const char *variables, int line,
				 int col, const char *what)
{
	struct fake f = {0};
	int status;
	char *out = run_json(&f, query, variables, NULL, &status);
	cJSON *j = cJSON_Parse(out ? out : "");
	const cJSON *e = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "errors"), 0);
	const cJSON *loc = cJSON_GetArrayItem(cJSON_GetObjectItem(e, "locations"), 0);
	const cJSON *msg = cJSON_GetObjectItem(e, "message");
	int got_line = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(loc, "line"));
	int got_col = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(loc, "column"));

	check_count++;
	if (status != 200 || f.backups || !cJSON_IsNull(cJSON_GetObjectItem(j, "data")) ||
	    !cJSON_IsString(msg) || !strstr(msg->valuestring, what) ||
	    (line && (got_line != line || got_col != col))) {
		fprintf(stderr, "%s:%d: %s\n  got %d %s (resolver ran %d times)\n  want %d:%d %s\n",
			__FILE__, at, query, status, out ? out : "(null)", f.backups, line, col,
			what);
		check_failures++;
	}
	cJSON_Delete(j);
	free(out);
}

#define REQUEST_ERROR(q, vars, line, col, what)                                                    \
	expect_request_error(__LINE__, q, vars, line, col, what)

static void test_invalid_documents_are_refused_before_any_resolver_runs(void)
{
	struct fake f = {0};
	int status;
	char *out = run_json(&f, "mutation { backup(input: {destination: \"/x\"}) { nope } }", NULL,
			     NULL, &status);

	CHECK_STR(out,
		  "{\"errors\":[{\"message\":\"unknown field \\\"nope\\\" on type BackupPayload "
		  "(fields: response, taskId)\",\"locations\":[{\"line\":1,\"column\":49}]}],"
		  "\"data\":null}");
	CHECK(f.backups == 0);
	free(out);

	REQUEST_ERROR("mutation { backup(input: {destination: \"/x\"}, force: true) { taskId } }",
		      NULL, 1, 47,
		      "unknown argument \"force\" on field \"backup\" (arguments: input)");
	REQUEST_ERROR("mutation { backup { taskId } }", NULL, 1, 12,
		      "argument \"input\" of field \"backup\" is required");
	REQUEST_ERROR("mutation { backup(input: {}) { taskId } }", NULL, 1, 26,
		      "argument \"destination\" of BackupInput is required");
	REQUEST_ERROR(
	    "mutation { backup(input: {destination: \"/x\", forceFull: \"yes\"}) { taskId "
	    "} }",
	    NULL, 1, 57, "argument \"forceFull\" of BackupInput must be a Boolean");
	REQUEST_ERROR("mutation { backup(input: {destination: 5}) { taskId } }", NULL, 1, 40,
		      "argument \"destination\" of BackupInput must be a String");
	REQUEST_ERROR("mutation { backup(input: {destination: \"/x\", bucket: \"b\"}) { taskId } }",
		      NULL, 1, 46, "unknown field \"bucket\" in BackupInput");
	REQUEST_ERROR("mutation { backup(input: {destination: \"/x\"}) }", NULL, 1, 12,
		      "field \"backup\" of type BackupPayload must have a selection of subfields");
	REQUEST_ERROR("mutation { backup(input: {destination: \"/x\"}) { response } }", NULL, 1, 49,
		      "field \"response\" of type Response must have a selection of subfields");
	REQUEST_ERROR("mutation { backup(input: {destination: \"/x\"}) { taskId { id } } }", NULL,
		      1, 49,
		      "field \"taskId\" is a String and cannot have a selection of subfields");
	REQUEST_ERROR("{ backup(input: {destination: \"/x\"}) { taskId } }", NULL, 1, 3,
		      "unknown field \"backup\" on type Query (fields: health)");
	REQUEST_ERROR("subscription { health { status } }", NULL, 1, 1,
		      "subscriptions are not supported");
	REQUEST_ERROR("mutation { backup(input: {destination: \"/x\"}) { taskId }", NULL, 1, 57,
		      "expected '}'");
	REQUEST_ERROR("mutation { backup(input: {destination: \"/x\"}) { taskId @defer } }", NULL,
		      1, 56, "unknown directive \"@defer\"");
	REQUEST_ERROR(
	    "mutation($f: Boolean) { backup(input: {destination: \"/x\", forceFull: $f}) { "
	    "taskId } }",
	    "{\"f\": \"yes\"}", 1, 10, "variable \"$f\" must be a Boolean");
	REQUEST_ERROR(
	    "mutation { a: backup(input: {destination: \"/x\"}) { taskId } a: backup(input: "
	    "{destination: \"/y\"}) { taskId } }",
	    NULL, 1, 61, "with different arguments");
}

static void test_secrets_never_come_back_in_an_error(void)
{
	struct fake f = {.fail = 1,
			 .fail_msg = "access denied for key AKIAEXAMPLEKEY with secret "
				     "wJalrXUtnFEMI/K7MDENG (token FwoGZXIvYXdzEJr)"};
	int status;
	char *out;

	out = run_json(
	    &f,
	    "mutation { backup(input: {destination: \"/x\", secretKey: 86753099}) { taskId "
	    "} }",
	    NULL, NULL, &status);
	CHECK_CONTAINS(out, "argument \\\"secretKey\\\" of BackupInput must be a String\"");
	CHECK(!strstr(out, "86753099"));
	free(out);
	out =
	    run_json(&f,
		     "mutation($k: String) { backup(input: {destination: \"/x\", accessKey: $k}) { "
		     "taskId } }",
		     "{\"k\": [\"AKIA-SECRET-IN-A-LIST\"]}", NULL, &status);
	CHECK_CONTAINS(out, "must be a String");
	CHECK(!strstr(out, "AKIA"));
	free(out);
	out = run_json(&f,
		       "mutation { backup(input: {destination: \"/x\", sessionToken: \"tok-1\" "
		       "\"tok-2-SECRET\"}) { taskId } }",
		       NULL, NULL, &status);
	CHECK_CONTAINS(out, "found a string");
	CHECK(!strstr(out, "tok-"));
	free(out);
	CHECK(f.backups == 0);
	/* a resolver that quotes a credential gets it blanked out */
	out = run_json(
	    &f,
	    "mutation { backup(input: {destination: \"/x\", accessKey: \"AKIAEXAMPLEKEY\", "
	    "secretKey: \"wJalrXUtnFEMI/K7MDENG\", sessionToken: \"FwoGZXIvYXdzEJr\"}) { "
	    "taskId } }",
	    NULL, NULL, &status);
	CHECK(f.backups == 1);
	CHECK_STR(out,
		  "{\"errors\":[{\"message\":\"access denied for key [redacted] with secret "
		  "[redacted] (token [redacted])\",\"path\":[\"backup\"]}],\"data\":{\"backup\":"
		  "null}}");
	free(out);
}

static void test_a_failing_resolver_gives_a_field_error_and_null(void)
{
	struct fake f = {.fail = 1,
			 .fail_msg = "cannot reach minio at 127.0.0.1:9000: connection refused"};
	int status;
	char *out;

	out = run_json(&f,
		       "mutation { backup(input: {destination: \"minio://127.0.0.1:9000/b\"}) { "
		       "response { code message } } }",
		       NULL, NULL, &status);
	CHECK(status == 200);
	CHECK_STR(out, "{\"errors\":[{\"message\":\"cannot reach minio at 127.0.0.1:9000: "
		       "connection refused\",\"path\":[\"backup\"]}],\"data\":{\"backup\":null}}");
	free(out);
	f.fail_msg = "";
	out = run_json(&f, "mutation { nightly: backup(input: {destination: \"/x\"}) { taskId } }",
		       NULL, NULL, &status);
	CHECK_STR(out, "{\"errors\":[{\"message\":\"backup failed\",\"path\":[\"nightly\"]}],"
		       "\"data\":{\"nightly\":null}}");
	free(out);
}

static int fail_second(void *ctx, const cJSON *args, char **task_id, cairn_err *err)
{
	int *calls = ctx;

	(void)task_id;
	if (++*calls == 2) {
		cairn_err_set(err, "second destination %s is full", input_str(args, "destination"));
		return -1;
	}
	return 0;
}

static void test_several_backups_run_in_order_and_fail_alone(void)
{
	int calls = 0, status;
	struct cairn_admin_ops ops = {.ctx = &calls, .backup = fail_second};
	const char *q =
	    "mutation { first: backup(input: {destination: \"/a\"}) { response { code } } "
	    "second: backup(input: {destination: \"/b\"}) { response { code } } "
	    "third: backup(input: {destination: \"/c\"}) { taskId } }";
	char *out = cairn_admin_execute(&ops, "application/graphql", q, strlen(q), &status);

	CHECK(calls == 3);
	CHECK_STR(out, "{\"errors\":[{\"message\":\"second destination /b is full\",\"path\":"
		       "[\"second\"]}],\"data\":{\"first\":{\"response\":{\"code\":\"Success\"}},"
		       "\"second\":null,\"third\":{\"taskId\":null}}}");
	free(out);
	/* no health resolver: a field error, not a crash */
	q = "{ health { status } }";
	out = cairn_admin_execute(&ops, "application/graphql", q, strlen(q), &status);
	CHECK_STR(out, "{\"errors\":[{\"message\":\"health is not available on this server\","
		       "\"path\":[\"health\"]}],\"data\":{\"health\":null}}");
	free(out);
}

static void expect_bad_request(int at, const char *content_type, const char *body, const char *what)
{
	struct fake f = {0};
	int status;
	char *out = run(&f, content_type, body, &status);

	check_count++;
	if (status != 400 || !out || !strstr(out, what) || strstr(out, "\"data\"") ||
	    strncmp(out, "{\"errors\":[{\"message\":", 22)) {
		fprintf(stderr, "%s:%d: %s\n  got %d %s\n  want 400 ...%s...\n", __FILE__, at, body,
			status, out ? out : "(null)", what);
		check_failures++;
	}
	free(out);
}

#define BAD_REQUEST(ct, body, what) expect_bad_request(__LINE__, ct, body, what)

static void test_bodies_that_are_not_graphql_requests_get_400(void)
{
	BAD_REQUEST("application/json", "{\"query\": ", "not valid JSON");
	BAD_REQUEST("application/json", "{\"query\": \"{ health { status } }\"} trailing",
		    "not valid JSON");
	BAD_REQUEST("application/json", "[1, 2]", "must be a JSON object");
	BAD_REQUEST("application/json", "{\"q\": \"{ health { status } }\"}",
		    "no \\\"query\\\" string");
	BAD_REQUEST("application/json", "{\"query\": 5}", "no \\\"query\\\" string");
	BAD_REQUEST("application/json",
		    "{\"query\": \"{ health { status } }\", \"variables\": \"[1]\"}",
		    "\\\"variables\\\" must be a JSON object");
	BAD_REQUEST("application/json",
		    "{\"query\": \"{ health { status } }\", \"operationName\": 5}",
		    "\\\"operationName\\\" must be a string");
	BAD_REQUEST("application/graphql", "  \n", "the request body is empty");
	BAD_REQUEST(NULL, "", "the request body is empty");
}

static void test_null_variables_and_operation_name_are_absent(void)
{
	struct fake f = {0};
	int status;
	char *out = run(&f, "application/json",
			"{\"query\": \"{ health { status } }\", \"variables\": null, "
			"\"operationName\": null}",
			&status);

	CHECK(status == 200);
	CHECK_STR(out, "{\"data\":{\"health\":[{\"status\":\"healthy\"}]}}");
	free(out);
}

static void test_graphql_syntax_errors_are_graphql_results(void)
{
	struct fake f = {0};
	int status;
	char *out =
	    run(&f, "application/graphql", "mutation {\n  backup(input: {destination: ", &status);

	CHECK(status == 200);
	CHECK_STR(out, "{\"errors\":[{\"message\":\"expected a value, found the end of the "
		       "document\",\"locations\":[{\"line\":2,\"column\":31}]}],\"data\":null}");
	free(out);
}

int main(void)
{
	test_a_backup_mutation_answers_with_the_selected_fields();
	test_aliases_order_and_typename_follow_the_selection();
	test_every_backup_input_field_reaches_the_resolver();
	test_the_backup_op_gets_the_coerced_arguments_as_given();
	test_content_types_and_sniffing();
	test_variables_feed_arguments_with_defaults();
	test_the_operation_is_chosen_by_operation_name();
	test_health_answers_the_selected_node_fields();
	test_fragments_and_directives_shape_the_answer();
	test_invalid_documents_are_refused_before_any_resolver_runs();
	test_secrets_never_come_back_in_an_error();
	test_a_failing_resolver_gives_a_field_error_and_null();
	test_several_backups_run_in_order_and_fail_alone();
	test_bodies_that_are_not_graphql_requests_get_400();
	test_null_variables_and_operation_name_are_absent();
	test_graphql_syntax_errors_are_graphql_results();
	CHECK_DONE();
}

/* test_admin_export.c — Mutation.export in the /admin schema: the
 * ExportInput fields reach the op as given, the ExportPayload carries the
 * message, the files and the taskId, a failing export is one field error
 * with no credential in it, and a server without the op says so. */
#include "check.h"
#include "server/admin.h"

struct fake {
	int calls, fail;
	char args[512];
};

static int fake_export(void *ctx, const cJSON *args, char **message, cJSON **files, char **task_id,
		       cairn_err *err)
{
	struct fake *f = ctx;
	char *s = cJSON_PrintUnformatted(args);
	f->calls++;
	snprintf(f->args, sizeof f->args, "%s", s ? s : "");
	free(s);
	if (f->fail)
		return cairn_err_set(err, "cannot write: key AKIAEXPORTKEY secret s3cr3t-EXPORT");
	*message = strdup("Export completed: export.20261201.000000.000 (2 group(s), read_ts 9).");
	*files = cJSON_CreateArray();
	cJSON_AddItemToArray(*files, cJSON_CreateString("export.X/g01.rdf.gz"));
	cJSON_AddItemToArray(*files, cJSON_CreateString("export.X/export.json"));
	*task_id = strdup("0x00112233445566ff");
	return 0;
}

static char *run(struct fake *f, const char *query, int with_op)
{
	struct cairn_admin_ops ops = {.ctx = f, .export = with_op ? fake_export : NULL};
	int status = -1;
	char *out = cairn_admin_execute(&ops, "application/graphql", query, strlen(query), &status);
	CHECK(status == 200);
	return out;
}

static void test_an_export_answers_its_payload(void)
{
	struct fake f = {0};
	char *out = run(&f,
			"mutation { export(input: {format: \"json\", destination: \"/tmp/e\", "
			"anonymous: true}) { response { code message } exportedFiles taskId } }",
			1);
	CHECK_STR(out, "{\"data\":{\"export\":{\"response\":{\"code\":\"Success\",\"message\":"
		       "\"Export completed: export.20261201.000000.000 (2 group(s), read_ts "
		       "9).\"},\"exportedFiles\":[\"export.X/g01.rdf.gz\",\"export.X/"
		       "export.json\"],\"taskId\":\"0x00112233445566ff\"}}}");
	CHECK_STR(f.args, "{\"input\":{\"format\":\"json\",\"destination\":\"/tmp/e\","
			  "\"anonymous\":true}}");
	free(out);
}

static void test_a_failed_export_is_one_error_without_credentials(void)
{
	struct fake f = {.fail = 1};
	char *out = run(&f,
			"mutation { export(input: {destination: \"s3:///b\", accessKey: "
			"\"AKIAEXPORTKEY\", secretKey: \"s3cr3t-EXPORT\"}) { exportedFiles } }",
			1);
	CHECK_CONTAINS(out, "\"export\":null");
	CHECK_CONTAINS(out, "cannot write: key [redacted] secret [redacted]");
	CHECK(!strstr(out, "AKIAEXPORTKEY") && !strstr(out, "s3cr3t"));
	free(out);
}

static void test_export_needs_a_destination_and_an_op(void)
{
	struct fake f = {0};
	char *out = run(&f, "mutation { export(input: {format: \"rdf\"}) { taskId } }", 1);
	CHECK_CONTAINS(out, "destination");
	CHECK(f.calls == 0);
	free(out);
	out = run(&f, "mutation { export(input: {destination: \"/x\"}) { taskId } }", 0);
	CHECK_CONTAINS(out, "exports are not available on this server");
	free(out);
}

int main(void)
{
	test_an_export_answers_its_payload();
	test_a_failed_export_is_one_error_without_credentials();
	test_export_needs_a_destination_and_an_op();
	CHECK_DONE();
}

/* fuzz_graphql.c — a GraphQL request to /admin (server/graphql/): the
 * document parsed (lex.c, parse.c) and validated against the admin schema
 * through the whole executor (validate.c, coerce.c, collect.c, execute.c,
 * introspect.c) with no resolvers, as cairn_admin_execute runs it. The
 * first byte chooses how the body is sent: application/json (a request
 * object or a batch), application/graphql, or sniffed; with bit 2 it is a
 * GET (bit 3: OPTIONS, bit 4: any origin allowed) through
 * cairn_admin_serve (graphql/http.c), the rest split at NULs into query,
 * variables, operationName and Origin. */
#include "fuzz.h"
#include "server/admin.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const ctypes[] = {"application/json", "application/graphql", NULL,
					     "application/x-www-form-urlencoded"};
	static const struct cairn_admin_ops ops = {0};
	struct cairn_gql_error gerr;
	if (size < 1)
		return 0;
	if (data[0] & 4) {
		/* GET (or OPTIONS): the rest is query, variables, operationName
		 * and Origin, separated by NULs, as URL parameters and header. */
		char *s = fuzz_str(data + 1, size - 1), *part[4] = {NULL, NULL, NULL, NULL};
		if (!s)
			return 0;
		for (size_t i = 0, at = 0; i < 4 && at <= size - 1; i++) {
			part[i] = s + at;
			at += strlen(s + at) + 1;
		}
		struct cairn_gql_http_req req = {.method = (data[0] & 8) ? "OPTIONS" : "GET",
						 .query = part[0],
						 .variables = part[1],
						 .operation_name = part[2],
						 .origin = part[3],
						 .cors_origins = (data[0] & 16) ? "*" : NULL};
		struct cairn_gql_http_resp resp;
		memset(&resp, 0, sizeof resp);
		(void)cairn_admin_serve(&ops, &req, &resp);
		free(resp.body);
		free(s);
	} else {
		int status = 0;
		char *out = cairn_admin_execute(&ops, ctypes[data[0] & 3], (const char *)data + 1,
						size - 1, &status);
		free(out);
	}
	/* The parser alone, on the whole input. */
	memset(&gerr, 0, sizeof gerr);
	struct cairn_gql_document *doc = cairn_gql_parse((const char *)data, size, &gerr);
	cairn_gql_free(doc);
	return 0;
}

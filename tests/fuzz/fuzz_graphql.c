/* fuzz_graphql.c — a GraphQL request to /admin (server/graphql/): the
 * document parsed (lex.c, parse.c) and validated against the admin schema
 * through the whole executor (validate.c, coerce.c, collect.c, execute.c,
 * introspect.c) with no resolvers, as cairn_admin_execute runs it. The
 * first byte chooses how the body is sent: application/json (a request
 * object or a batch), application/graphql, or sniffed. */
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
	const char *ct = ctypes[data[0] & 3];
	int status = 0;
	char *out = cairn_admin_execute(&ops, ct, (const char *)data + 1, size - 1, &status);
	free(out);
	/* The parser alone, on the whole input. */
	memset(&gerr, 0, sizeof gerr);
	struct cairn_gql_document *doc = cairn_gql_parse((const char *)data, size, &gerr);
	cairn_gql_free(doc);
	return 0;
}

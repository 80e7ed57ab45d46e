/* fixture.h — what the GraphQL engine's tests share: a small schema made
 * for the purpose (Query, Node, Mutation, the Filter input) and helpers that
 * parse, validate and report where a check failed. */
#ifndef CAIRN_TEST_GQL_FIXTURE_H
#define CAIRN_TEST_GQL_FIXTURE_H
#include "check.h"

/* Each test file uses some of these. */
#define FIXTURE static __attribute__((unused))

#include "server/graphql/graphql.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

FIXTURE const struct cairn_gql_field_def filter_fields[] = {
    {"name", "String!", NULL, 0},
    {"tags", "[String]", NULL, 0},
    {"nested", "Filter", NULL, 0},
    {"secret", "String", NULL, 0},
};
FIXTURE const struct cairn_gql_field_def node_args[] = {{"id", "ID!", NULL, 0}};
FIXTURE const struct cairn_gql_field_def nodes_args[] = {{"first", "Int", NULL, 0},
							 {"ids", "[ID!]", NULL, 0}};
FIXTURE const struct cairn_gql_field_def echo_args[] = {
    {"s", "String", NULL, 0}, {"f", "Float", NULL, 0},	 {"b", "Boolean", NULL, 0},
    {"i", "Int", NULL, 0},    {"in", "Filter", NULL, 0}, {"list", "[Int]", NULL, 0},
};
FIXTURE const struct cairn_gql_field_def need_args[] = {{"x", "Int!", NULL, 0}};
FIXTURE const struct cairn_gql_field_def query_fields[] = {
    {"node", "Node", node_args, N(node_args)},
    {"nodes", "[Node]", nodes_args, N(nodes_args)},
    {"echo", "String", echo_args, N(echo_args)},
    {"need", "Int", need_args, N(need_args)},
};
FIXTURE const struct cairn_gql_field_def friends_args[] = {{"first", "Int", NULL, 0}};
FIXTURE const struct cairn_gql_field_def node_fields[] = {
    {"id", "ID", NULL, 0},
    {"name", "String", NULL, 0},
    {"friends", "[Node]", friends_args, N(friends_args)},
};
FIXTURE const struct cairn_gql_field_def rename_args[] = {{"id", "ID!", NULL, 0},
							  {"name", "String!", NULL, 0}};
FIXTURE const struct cairn_gql_field_def mutation_fields[] = {
    {"rename", "Node", rename_args, N(rename_args)}};
FIXTURE const struct cairn_gql_type_def types[] = {
    {"Query", CAIRN_GQL_OBJECT_TYPE, query_fields, N(query_fields)},
    {"Node", CAIRN_GQL_OBJECT_TYPE, node_fields, N(node_fields)},
    {"Mutation", CAIRN_GQL_OBJECT_TYPE, mutation_fields, N(mutation_fields)},
    {"Filter", CAIRN_GQL_INPUT_TYPE, filter_fields, N(filter_fields)},
};
FIXTURE const struct cairn_gql_schema schema = {types, N(types), "Query", "Mutation", NULL, 0};

FIXTURE struct cairn_gql_document *parse(const char *src, struct cairn_gql_error *err)
{
	return cairn_gql_parse(src, strlen(src), err);
}

FIXTURE struct cairn_gql_document *parse_valid(int at, const char *src)
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

FIXTURE void report(int at, const char *src, const char *stage, const struct cairn_gql_error *err,
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

FIXTURE void expect_syntax_error(int at, const char *src, size_t len, int line, int col,
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

FIXTURE void expect_invalid(int at, const char *src, int line, int col, const char *what)
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

#endif

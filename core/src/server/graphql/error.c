/* error.c — the engine's error record (a message and where in the document)
 * and the entries of a GraphQL response's "errors" array. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "server/graphql/internal.h"

int gql_set_err(struct cairn_gql_error *e, int line, int col, const char *fmt, ...)
{
	va_list ap;

	if (e) {
		e->line = line;
		e->col = col;
		va_start(ap, fmt);
		vsnprintf(e->message, sizeof e->message, fmt, ap);
		va_end(ap);
	}
	return -1;
}

int gql_no_memory(struct cairn_gql_error *e) { return gql_set_err(e, 0, 0, "out of memory"); }

const char *gql_article(const char *name, size_t n)
{
	return n && strchr("AEIOU", name[0]) ? "an" : "a";
}

void cairn_gql_add_error(cJSON **errors, const char *message, int line, int col, const cJSON *path)
{
	cJSON *e = cJSON_CreateObject(), *locs, *loc;

	if (!e)
		return;
	if (!*errors)
		*errors = cJSON_CreateArray();
	cJSON_AddStringToObject(e, "message", message);
	if (line > 0) {
		locs = cJSON_AddArrayToObject(e, "locations");
		loc = cJSON_CreateObject();
		cJSON_AddNumberToObject(loc, "line", line);
		cJSON_AddNumberToObject(loc, "column", col);
		cJSON_AddItemToArray(locs, loc);
	}
	if (path)
		cJSON_AddItemToObject(e, "path", cJSON_Duplicate(path, 1));
	if (!*errors || !cJSON_AddItemToArray(*errors, e))
		cJSON_Delete(e);
}

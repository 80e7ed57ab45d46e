/* restored.c — restore.json in a restored postings directory (restored.h).
 * Numbers are written as decimal strings: exact at any 64-bit value. */
#include "store/restored.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonfile.h"
#include "store/atrest.h"

#define RESTORED_FILE "restore.json"
#define RESTORED_MAX (64u << 20)

void cairn_restored_clear(struct cairn_restored *r)
{
	for (size_t i = 0; i < r->npreds; i++)
		free(r->preds[i]);
	free(r->preds);
	memset(r, 0, sizeof *r);
}

static int add_u64_string(cJSON *o, const char *name, uint64_t v)
{
	char buf[24];
	snprintf(buf, sizeof buf, "%llu", (unsigned long long)v);
	return cJSON_AddStringToObject(o, name, buf) ? 0 : -1;
}

int cairn_restored_write(const char *dir, const struct cairn_atrest *ar,
			 const struct cairn_restored *r, cairn_err *err)
{
	char *path = NULL, *text = NULL;
	int rc = -1;
	cJSON *o = cJSON_CreateObject(), *preds = cJSON_AddArrayToObject(o, "predicates");
	if (!preds || add_u64_string(o, "read_ts", r->read_ts) < 0 ||
	    add_u64_string(o, "max_uid", r->max_uid) < 0 ||
	    (r->marked_ts && add_u64_string(o, "marked_ts", r->marked_ts) < 0))
		goto oom;
	for (size_t i = 0; i < r->npreds; i++) {
		cJSON *s = cJSON_CreateString(r->preds[i]);
		if (!s)
			goto oom;
		cJSON_AddItemToArray(preds, s);
	}
	if (!(text = cJSON_PrintUnformatted(o)) || asprintf(&path, "%s/" RESTORED_FILE, dir) < 0) {
		path = NULL;
		goto oom;
	}
	rc = cairn_atrest_write_file(ar, path, text, strlen(text), err);
	goto out;
oom:
	cairn_err_set(err, "out of memory");
out:
	cJSON_Delete(o);
	free(text);
	free(path);
	return rc;
}

static int parse_u64_string(const cJSON *o, const char *name, uint64_t *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	char *end;
	if (!cJSON_IsString(v) || !*v->valuestring || *v->valuestring == '-')
		return -1;
	errno = 0;
	unsigned long long x = strtoull(v->valuestring, &end, 10);
	if (*end || errno)
		return -1;
	*out = x;
	return 0;
}

int cairn_restored_read(const char *dir, const struct cairn_atrest *ar, struct cairn_restored *r,
			cairn_err *err)
{
	char *path = NULL, *text = NULL;
	cJSON *o = NULL;
	int rc = -1;
	memset(r, 0, sizeof *r);
	if (asprintf(&path, "%s/" RESTORED_FILE, dir) < 0)
		return cairn_err_set(err, "out of memory");
	int got = cairn_atrest_read_file(ar, path, RESTORED_MAX, &text, NULL, err);
	if (got != 0) {
		rc = got;
		goto out;
	}
	o = cJSON_Parse(text);
	const cJSON *preds = cJSON_GetObjectItemCaseSensitive(o, "predicates"), *p;
	if (!cJSON_IsObject(o) || parse_u64_string(o, "read_ts", &r->read_ts) < 0 ||
	    parse_u64_string(o, "max_uid", &r->max_uid) < 0 || !cJSON_IsArray(preds) ||
	    (cJSON_GetObjectItemCaseSensitive(o, "marked_ts") &&
	     parse_u64_string(o, "marked_ts", &r->marked_ts) < 0))
		goto bad;
	int n = cJSON_GetArraySize(preds);
	if (n > 0 && !(r->preds = calloc((size_t)n, sizeof *r->preds))) {
		cairn_err_set(err, "out of memory");
		goto fail;
	}
	cJSON_ArrayForEach(p, preds)
	{
		if (!cJSON_IsString(p) || !*p->valuestring)
			goto bad;
		if (!(r->preds[r->npreds++] = strdup(p->valuestring))) {
			cairn_err_set(err, "out of memory");
			goto fail;
		}
	}
	rc = 0;
	goto out;
bad:
	cairn_err_set(err,
		      "%s is not valid restore metadata; restore the backup again into a new "
		      "directory",
		      path);
fail:
	cairn_restored_clear(r);
out:
	cJSON_Delete(o);
	free(text);
	free(path);
	return rc;
}

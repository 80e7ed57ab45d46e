/* listbackups.c — the listBackups query: the backups at a location, read
 * as `cairn lsbackup` reads them (restore/common.h: cairn_backups_load),
 * with the credentials the query carries (else the environment, as for a
 * backup's destination: backup/group.h), answered as Dgraph's [Manifest]. */
#include <stdlib.h>
#include <string.h>

#include "alpha/alpha.h"
#include "backup/backup.h"
#include "backup/group.h"
#include "backup/series.h"
#include "plugin/location.h"
#include "restore/common.h"

struct group_ref {
	long id;
	const cJSON *preds;
};

static int cmp_group(const void *a, const void *b)
{
	const struct group_ref *x = a, *y = b;
	return (x->id > y->id) - (x->id < y->id);
}

/* {"1": ["a", "b"], ...} as [{"groupId": 1, "predicates": ["a", "b"]}],
 * by group id. */
static cJSON *groups_json(const cJSON *groups)
{
	size_t n = (size_t)cJSON_GetArraySize(groups), i = 0;
	struct group_ref *refs = calloc(n ? n : 1, sizeof *refs);
	cJSON *arr = cJSON_CreateArray(), *g;
	if (!refs || !arr) {
		free(refs);
		cJSON_Delete(arr);
		return NULL;
	}
	cJSON_ArrayForEach(g, groups)
	{
		if (i < n) {
			refs[i].id = strtol(g->string ? g->string : "0", NULL, 10);
			refs[i++].preds = g;
		}
	}
	if (i > 1)
		qsort(refs, i, sizeof *refs, cmp_group);
	for (size_t k = 0; k < i; k++) {
		cJSON *bg = cJSON_CreateObject();
		if (!bg)
			break;
		cJSON_AddNumberToObject(bg, "groupId", (double)refs[k].id);
		cJSON_AddItemToObject(bg, "predicates", cJSON_Duplicate(refs[k].preds, 1));
		cJSON_AddItemToArray(arr, bg);
	}
	free(refs);
	return arr;
}

/* One manifest as a Manifest. GraphQL Ints are completed from doubles:
 * timestamps are exact below 2^53. */
static cJSON *manifest_json(const struct cairn_manifest *m)
{
	cJSON *j = cJSON_CreateObject();
	if (!j)
		return NULL;
	cJSON_AddStringToObject(j, "backupId", m->backup_id);
	cJSON_AddNumberToObject(j, "backupNum", (double)m->backup_num);
	cJSON_AddBoolToObject(j, "encrypted", m->encrypted);
	cJSON_AddStringToObject(j, "path", m->dir);
	cJSON_AddNumberToObject(j, "since", (double)m->since);
	cJSON_AddNumberToObject(j, "readTs", (double)m->read_ts);
	cJSON_AddStringToObject(j, "type", m->full ? "full" : "incremental");
	cJSON_AddItemToObject(j, "groups", groups_json(m->groups));
	return j;
}

static const char *str_field(const cJSON *input, const char *name)
{
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(input, name);
	return cJSON_IsString(s) ? s->valuestring : NULL;
}

int cairn_alpha_list_backups(struct cairn_alpha *a, const cJSON *input, cJSON **out, cairn_err *err)
{
	struct cairn_backup_request req = {0};
	struct cairn_store_loc loc = {0};
	struct cairn_backup_set set = {0};
	int rc = -1;
	(void)a;
	*out = NULL;
	req.destination = str_field(input, "location");
	req.access_key = str_field(input, "accessKey");
	req.secret_key = str_field(input, "secretKey");
	req.session_token = str_field(input, "sessionToken");
	req.anonymous = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(input, "anonymous"));
	if (!req.destination || !*req.destination)
		return cairn_err_set(err,
				     "give the backup location in listBackups' \"location\" (a "
				     "directory or URI such as "
				     "s3://s3.us-west-2.amazonaws.com/bucket)");
	if (cairn_backup_open_destination(&req, &loc, err) < 0 ||
	    cairn_backups_load(&loc, &set, "listBackups' \"location\"", err) < 0)
		goto out;
	cJSON *arr = cJSON_CreateArray();
	for (size_t i = 0; arr && i < set.n; i++)
		cJSON_AddItemToArray(arr, manifest_json(&set.m[i]));
	if (!arr) {
		cairn_err_set(err, "out of memory");
		goto out;
	}
	*out = arr;
	rc = 0;
out:
	cairn_series_clear(&set);
	cairn_location_close(&loc);
	return rc;
}

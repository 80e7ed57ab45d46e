/* lsbackup.c — `cairn lsbackup`: the backups at a location, as a table or
 * JSON (the same fields). Reads manifests only. A location without backups
 * is an error (exit 1), so a mistyped -l is not an empty listing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backup/series.h"
#include "commands.h"
#include "format/committimes.h"
#include "jsonfile.h"
#include "log.h"
#include "restore/common.h"

static const struct cairn_flag ls_flags[] = {
    {"location", 'l', NULL, "where the backups are (directory or URI)", 0},
    {"json", 0, "false", "print JSON", CAIRN_FLAG_BOOL},
    {"plugin_dir", 0, NULL, "directory of *.so plugins", 0},
    CAIRN_READ_FLAGS,
    {NULL, 0, NULL, NULL, 0},
};

static uint64_t total_size(const struct cairn_manifest *m)
{
	uint64_t s = 0;
	for (size_t i = 0; i < m->nobjs; i++)
		s += m->objs[i].size;
	return s;
}

/* The restorable range of m's series, NULL if the series is broken. */
static const struct cairn_series_range *range_of(const struct cairn_series_range *r, size_t nr,
						 const struct cairn_manifest *m)
{
	for (size_t i = 0; i < nr; i++)
		if (!strcmp(r[i].backup_id, m->backup_id))
			return &r[i];
	return NULL;
}

int cairn_cmd_lsbackup(int argc, char **argv)
{
	struct cairn_opts o;
	cairn_err err = {0};
	struct cairn_store_loc loc = {0};
	struct cairn_backup_set set = {0};
	int rc = -1, any_encrypted = 0;
	struct cairn_series_range *ranges = NULL;
	size_t nr = 0;
	cairn_log_set_name("lsbackup");
	int pr =
	    cairn_opts_parse("lsbackup", "-l LOCATION [--json]", ls_flags, argc, argv, &o, &err);
	if (pr != 0) {
		rc = pr > 0 ? 0 : -1;
		goto out;
	}
	if (cairn_backups_open(&o, &loc, &set, NULL, &err) < 0 ||
	    cairn_series_ranges(&set, &ranges, &nr, &err) < 0)
		goto out;
	if (cairn_opt_bool(&o, "json") == 1) {
		cJSON *arr = cJSON_CreateArray();
		for (size_t i = 0; i < set.n; i++) {
			const struct cairn_manifest *m = &set.m[i];
			cJSON *j = cJSON_CreateObject();
			cJSON_AddStringToObject(j, "path", m->dir);
			cJSON_AddStringToObject(j, "type", m->full ? "full" : "incremental");
			cJSON_AddStringToObject(j, "backup_id", m->backup_id);
			cairn_json_add_u64(j, "backup_num", m->backup_num);
			cairn_json_add_u64(j, "since", m->since);
			cairn_json_add_u64(j, "read_ts", m->read_ts);
			cJSON_AddBoolToObject(j, "encrypted", m->encrypted);
			cJSON_AddItemToObject(j, "groups", cJSON_Duplicate(m->groups, 1));
			cairn_json_add_u64(j, "max_uid", m->max_uid);
			cairn_json_add_u64(j, "size", total_size(m));
			cJSON_AddStringToObject(j, "created", m->created);
			const struct cairn_series_range *r = range_of(ranges, nr, m);
			if (r) { /* the series' restorable range (restore --to_ts) */
				cairn_json_add_u64(j, "series_from_ts", r->from_ts);
				cairn_json_add_u64(j, "series_to_ts", r->to_ts);
			}
			if (r && r->has_times) { /* restore --to_time */
				char t[32];
				cairn_ms_rfc3339(r->from_ms, t);
				cJSON_AddStringToObject(j, "series_from_time", t);
				cairn_ms_rfc3339(r->to_ms, t);
				cJSON_AddStringToObject(j, "series_to_time", t);
			}
			cJSON_AddItemToArray(arr, j);
		}
		char *s = cJSON_Print(arr);
		cJSON_Delete(arr);
		printf("%s\n", s ? s : "[]");
		free(s);
	} else {
		printf("%-28s %-11s %-24s %4s %10s %10s %-9s %12s\n", "PATH", "TYPE", "BACKUP_ID",
		       "NUM", "SINCE", "READ_TS", "ENCRYPTED", "BYTES");
		for (size_t i = 0; i < set.n; i++) {
			const struct cairn_manifest *m = &set.m[i];
			printf("%-28s %-11s %-24s %4llu %10llu %10llu %-9s %12llu\n", m->dir,
			       m->full ? "full" : "incremental", m->backup_id,
			       (unsigned long long)m->backup_num, (unsigned long long)m->since,
			       (unsigned long long)m->read_ts, m->encrypted ? "yes" : "no",
			       (unsigned long long)total_size(m));
			if (m->encrypted)
				any_encrypted = 1;
		}
		printf("\n%-24s %4s %21s  %s\n", "SERIES", "NUM", "RESTORABLE_TS",
		       "RESTORABLE_TIME");
		for (size_t i = 0; i < nr; i++) {
			char from[32] = "-", to[32] = "";
			if (ranges[i].has_times) {
				cairn_ms_rfc3339(ranges[i].from_ms, from);
				cairn_ms_rfc3339(ranges[i].to_ms, to);
			}
			printf("%-24s %4zu %10llu..%-10llu  %s%s%s\n", ranges[i].backup_id,
			       ranges[i].n, (unsigned long long)ranges[i].from_ts,
			       (unsigned long long)ranges[i].to_ts, from, to[0] ? ".." : "", to);
		}
		if (any_encrypted && cairn_opt_bool(&o, "quiet") != 1)
			printf(
			    "Encrypted backups are listed as their manifests say: without the key "
			    "their MACs cannot be checked (cairn verify with the key does).\n");
	}
	rc = 0;
out:
	if (rc < 0 && err.msg[0])
		cairn_print_error(err.msg);
	free(ranges);
	cairn_series_clear(&set);
	cairn_location_close(&loc);
	cairn_opts_clear(&o);
	return rc < 0 ? 1 : 0;
}

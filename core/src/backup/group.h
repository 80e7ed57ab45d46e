/* group.h — one group's object of a backup, written from a snapshot of its
 * store, and the wire form in which a coordinating alpha asks another group's
 * alpha for it (POST /internal/backup) and gets its description back. */
#ifndef CAIRN_BACKUP_GROUP_H
#define CAIRN_BACKUP_GROUP_H
#include <cjson/cJSON.h>

#include "backup/backup.h"
#include "format/manifest.h"
#include "plugin/location.h"

/* The part of a backup one group writes. */
struct cairn_group_job {
	const char *dir; /* the backup's folder at the destination */
	int full;
	uint64_t since, read_ts;
	int comp; /* enum cairn_compression: the request's, the same for every group */
};

/* What a group's part produced: its object and what the manifest says of it. */
struct cairn_group_result {
	uint32_t group;
	struct cairn_manifest_obj obj;
	cJSON *preds, *drops; /* arrays of predicate names and drop operations */
	uint64_t max_uid;
	int encrypted;
	char key_check[33];
};
void cairn_group_result_clear(struct cairn_group_result *r);

/* A request's compression name (NULL: gzip) as enum cairn_compression; -1
 * naming it if it is neither gzip nor zstd. */
int cairn_compression_parse(const char *name, int *comp, cairn_err *err);

/* Opens the request's destination with the credentials it carries (registered
 * as secrets); what it does not carry the plugin takes from the environment. */
int cairn_backup_open_destination(const struct cairn_backup_request *req,
				  struct cairn_store_loc *loc, cairn_err *err);

/* Writes src's group object for job into loc: every version at read_ts (full)
 * or every change in (since, read_ts] (incremental). */
int cairn_group_backup_write(const struct cairn_backup_source *src, struct cairn_store_loc *loc,
			     const struct cairn_group_job *job, struct cairn_group_result *res,
			     cairn_err *err);

/* The request body for another group's alpha (it carries the credentials:
 * sent only to a member, never logged). malloc'd, NULL when out of memory. */
char *cairn_group_job_to_json(const struct cairn_backup_request *req,
			      const struct cairn_group_job *job);
/* A request's destination and credentials into j, the credentials sealed
 * under the cluster secret (when there is one) and bound to the internal
 * endpoint path they are sent to; cairn_backup_request_open opens them in
 * place (opened[] keeps the plain texts for the caller to cleanse and
 * free). Shared by /internal/backup and /internal/export. */
int cairn_backup_request_seal(cJSON *j, const struct cairn_backup_request *req, const char *path);
int cairn_backup_request_open(struct cairn_backup_request *req, const char *path, char *opened[3],
			      cairn_err *err);
/* Reads a group's answer. */
int cairn_group_result_from_json(const cJSON *j, struct cairn_group_result *r, cairn_err *err);

/* Serves POST /internal/backup: writes src's object for a backup another
 * alpha coordinates. Returns the JSON answer (malloc'd) or NULL with err. */
char *cairn_group_backup_serve(const struct cairn_backup_source *src, const char *body, size_t len,
			       cairn_err *err);
#endif

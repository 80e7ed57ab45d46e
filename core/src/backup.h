/* backup.h — one online backup of this alpha's group to a location. */
#ifndef CAIRN_BACKUP_H
#define CAIRN_BACKUP_H
#include <stddef.h>

#include "alpha.h"

/* One backup request; a field not given is NULL (strings) or 0 (flags). */
struct cairn_backup_request {
	const char *destination;
	const char *access_key;
	const char *secret_key;
	const char *session_token;
	int anonymous;
	int force_full;
};

/* Runs a backup: full, or incremental on the newest complete backup at the
 * destination. Returns 0 when the manifest is durable; -1 with a message a
 * person can act on (and no manifest written). */
int cairn_backup_run(struct cairn_alpha *a, const struct cairn_backup_request *in, char **task_id,
		     char *err, size_t errlen);
/* Writes this alpha's group object for a backup another alpha coordinates
 * (POST /internal/backup). Returns the JSON answer (malloc'd) or NULL with err. */
char *cairn_backup_remote(struct cairn_alpha *a, const char *body, size_t len, cairn_err *err);
#endif

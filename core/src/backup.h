/* backup.h — one online backup of this alpha's group to a location. */
#ifndef CAIRN_BACKUP_H
#define CAIRN_BACKUP_H
#include <stddef.h>

#include "alpha.h"
#include "server/admin.h"

/* Runs a backup: full, or incremental on the newest complete backup at the
 * destination. Returns 0 when the manifest is durable; -1 with a message a
 * person can act on (and no manifest written). */
int cairn_backup_run(struct cairn_alpha *a, const struct cairn_backup_input *in, char **task_id,
		     char *err, size_t errlen);
#endif

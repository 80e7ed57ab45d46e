/* common.h — what restore, verify and lsbackup share: loading the plugins
 * and the key, opening the location, reading its backups, and checking a
 * key against a series before any object is read. */
#ifndef CAIRN_RESTORE_COMMON_H
#define CAIRN_RESTORE_COMMON_H
#include "backup/series.h"
#include "config.h"
#include "pipeline/keyset.h"

/* From the parsed flags: plugins (--plugin_dir), the key (ks NULL: no key
 * wanted; unkeyed if none is configured), the location (-l, required) and
 * every backup in it. */
int cairn_backups_open(struct cairn_opts *o, struct cairn_store_loc *loc,
		       struct cairn_backup_set *set, struct cairn_keyset *ks, cairn_err *err);
/* The key against the series' first manifest: present if the series is
 * encrypted, of the cipher's length, and matching its key_check. */
int cairn_series_check_key(const struct cairn_manifest *first, const struct cairn_keyset *ks,
			   cairn_err *err);
#endif

/* common.h — what restore, verify and lsbackup share: loading the plugins
 * and the key, opening the location, reading its backups, and checking a
 * key against a series before any object is read. */
#ifndef CAIRN_RESTORE_COMMON_H
#define CAIRN_RESTORE_COMMON_H
#include "backup/series.h"
#include "config.h"
#include "pipeline/keyset.h"

/* The flags every command reading a location takes: --anonymous (a public
 * bucket: no credentials, no signing; passed to the storage plugin as the
 * "anonymous" parameter) and --quiet (errors and warnings only: no info
 * logs, and the command's progress lines are not printed). */
#define CAIRN_READ_FLAGS                                                                           \
	{"anonymous", 0, "false", "read a public bucket without credentials", CAIRN_FLAG_BOOL},    \
	{                                                                                          \
		"quiet", 'q', "false", "print errors and warnings only", CAIRN_FLAG_BOOL           \
	}

/* From the parsed flags: plugins (--plugin_dir), the key (ks NULL: no key
 * wanted; unkeyed if none is configured), the location (-l, required) and
 * every backup in it. A location without any backup folder (missing, empty,
 * or holding no cairn.* folder with a manifest.json) is an error: a mistyped
 * -l must not look like an empty location. With --quiet, info logs are
 * off. */
int cairn_backups_open(struct cairn_opts *o, struct cairn_store_loc *loc,
		       struct cairn_backup_set *set, struct cairn_keyset *ks, cairn_err *err);
/* Every backup in an opened location (loc), refusing one without any as
 * above; what names where the location was given ("-l/--location"). */
int cairn_backups_load(struct cairn_store_loc *loc, struct cairn_backup_set *set, const char *what,
		       cairn_err *err);
/* --quiet for a command whose stdout is progress (restore, verify, prune's
 * lines stay: they are its result): stdout goes to /dev/null. */
void cairn_quiet_stdout(const struct cairn_opts *o);
/* The key against a chain of one series: present if the series is
 * encrypted, of the cipher's length, matching the first manifest's
 * key_check; then every manifest's MAC, so that nothing a manifest says is
 * used before it is known to be what the backup wrote. */
int cairn_series_check_key(const struct cairn_manifest *const *chain, size_t n,
			   const struct cairn_keyset *ks, cairn_err *err);
#endif

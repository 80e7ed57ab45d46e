/* series.h — which backups at a location form a chain.
 * A series is one full backup (backup_num 1) and the incrementals on it,
 * all with its backup_id; each incremental's since is the previous read_ts. */
#ifndef CAIRN_SERIES_H
#define CAIRN_SERIES_H
#include "format/manifest.h"
#include "plugin/location.h"

struct cairn_backup_set {
	struct cairn_manifest *m; /* valid manifests, by read_ts, then folder name (time) */
	size_t n;
	char **bad; /* folders whose manifest.json is unreadable or invalid, sorted */
	size_t nbad;
};

/* Reads every <folder>/manifest.json at the location. A folder without a
 * manifest is an interrupted backup and is not a backup at all. A manifest
 * that cannot be read or fails validation is reported (one warning naming
 * the folder and why) and skipped, so it blocks no other series; its folder
 * is kept in set->bad. A transient read error fails the load: skipping a
 * manifest only because the storage hiccuped could restore an older backup. */
int cairn_series_load(struct cairn_store_loc *loc, struct cairn_backup_set *set, cairn_err *err);
void cairn_series_clear(struct cairn_backup_set *set);
/* The newest backup (highest read_ts), or NULL. */
const struct cairn_manifest *cairn_series_latest(const struct cairn_backup_set *set);
/* The newest backup (highest read_ts) whose cluster_epoch is epoch; NULL if
 * none. epoch NULL: cairn_series_latest. */
const struct cairn_manifest *cairn_series_latest_of(const struct cairn_backup_set *set,
						    const char *epoch);
/* The chain 1..N of series backup_id (NULL: the newest backup's series),
 * stopping at backup_num upto (0: all). Checks one full, no gaps, no
 * duplicates, since == previous read_ts, encryption the same throughout.
 * Without backup_id, refuses when a folder newer than the newest readable
 * backup has an unreadable manifest (it may be the real newest backup).
 * *chain points into set. */
int cairn_series_chain(const struct cairn_backup_set *set, const char *backup_id, uint64_t upto,
		       const struct cairn_manifest ***chain, size_t *n, cairn_err *err);
/* A series' restorable range: a full backup holds only the state at its
 * read_ts and each incremental every commit in (since, read_ts], so the
 * series can be restored to any ts in [from_ts, to_ts] (its full's read_ts
 * to its last read_ts). */
struct cairn_series_range {
	const char *backup_id; /* points into the set */
	const char *dir;       /* the full backup's folder (its creation time) */
	uint64_t from_ts, to_ts;
	size_t n; /* backups in the chain */
	/* When every object of the chain records its commit times: the times
	 * (unix ms) restore --to_time accepts, from the full backup's snapshot
	 * to the series' last recorded commit. */
	int has_times;
	uint64_t from_ms, to_ms;
};
/* Every series of the set whose chain is whole (cairn_series_chain), oldest
 * full first (by folder name); a broken series is left out. *out is freed by
 * the caller. */
int cairn_series_ranges(const struct cairn_backup_set *set, struct cairn_series_range **out,
			size_t *n, cairn_err *err);
/* The chain that restores the cluster as it was at to_ts: of series
 * backup_id (NULL: the newest series whose range holds to_ts), up to the
 * first backup whose read_ts is at or past to_ts (no later object need be
 * read). Refuses a to_ts outside the series (or every series), naming the
 * ranges there are. *chain points into set. */
int cairn_series_chain_at(const struct cairn_backup_set *set, const char *backup_id, uint64_t to_ts,
			  const struct cairn_manifest ***chain, size_t *n, cairn_err *err);
/* The ts that restores the cluster as it was at wall-clock time ms (unix
 * ms): in series backup_id (NULL: the newest series whose time range holds
 * ms), the last commit at or before ms by the commit times its backups
 * record, or the full backup's read_ts if none is later. *id points into
 * set. Refuses a time outside every series, and series without commit
 * times, naming their ts ranges. */
int cairn_series_ts_at_time(const struct cairn_backup_set *set, const char *backup_id, uint64_t ms,
			    uint64_t *to_ts, const char **id, cairn_err *err);
/* Plans the next backup of a cluster at read_ts: an incremental on the newest
 * backup at the location of the cluster's epoch (zero's; NULL: any) (its
 * backup_id, backup_num + 1, since = its read_ts), or a new series (full, backup_num 1, a new
 * backup_id) when there is none or force_full, or when a folder newer than the newest backup has an
 * unreadable manifest: that may have been the newest backup of the series,
 * and an incremental on the one before it would fork the series (a warning
 * names the folder). key_check is the key's fingerprint, "" without
 * encryption. Refuses an incremental that would mix encrypted and plain
 * backups or two keys, or that would go back in time. Sets m's full, since,
 * read_ts, backup_num, backup_id, encrypted and key_check. */
int cairn_series_plan_next(const struct cairn_backup_set *set, int force_full, uint64_t read_ts,
			   const char *epoch, const char *key_check, struct cairn_manifest *m,
			   cairn_err *err);
#endif

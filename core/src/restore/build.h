/* build.h — one group's store rebuilt from a backup chain into a fresh
 * directory: the part of a restore that `cairn restore` (restore.c, every
 * group into p<N>) and the alpha's online restore (alpha/restore.c, its own
 * group beside the live postings directory) share. */
#ifndef CAIRN_RESTORE_BUILD_H
#define CAIRN_RESTORE_BUILD_H
#include <stddef.h>
#include <stdint.h>

#include "format/manifest.h"
#include "pipeline/keyset.h"
#include "plugin/location.h"

struct cairn_atrest;

/* What has been read so far (may be NULL): relaxed atomic adds, one per
 * object applied, so another thread may read it. Same layout as
 * struct cairn_task_progress. */
struct cairn_build_progress {
	uint64_t bytes, objects;
};

/* Builds group's store in dir (removed first if it exists) from every backup
 * of the chain, each object read once and checked as it is applied; synced
 * once at the end; then group_id and restore.json (the restore version, max
 * uid and the group's predicates: store/restored.h). On failure dir may hold
 * a partial store: the caller removes it. */
int cairn_restore_build_group(struct cairn_store_loc *loc,
			      const struct cairn_manifest *const *chain, size_t n,
			      const struct cairn_keyset *ks, uint32_t group, const char *dir,
			      struct cairn_build_progress *p, cairn_err *err);

/* The same restoring the cluster as it was at commit to_ts, the store
 * encrypted at rest under rest (store/atrest.h; NULL: plain) (0: at the
 * chain's last read_ts, as above): only records committed at or before
 * to_ts are applied (the chain ends with the first backup at or past it:
 * cairn_series_chain_at), and restore.json gets read_ts to_ts and max_uid
 * the highest uid of the applied records, which is also put in *max_uid
 * (may be NULL). */
int cairn_restore_build_group_at(struct cairn_store_loc *loc,
				 const struct cairn_manifest *const *chain, size_t n,
				 const struct cairn_keyset *ks, struct cairn_atrest *rest,
				 uint32_t group, const char *dir, uint64_t to_ts,
				 struct cairn_build_progress *p, uint64_t *max_uid, cairn_err *err);

/* The highest uid any backup of the chain holds. */
uint64_t cairn_chain_max_uid(const struct cairn_manifest *const *chain, size_t n);

/* rm -rf path (no symlink followed). */
void cairn_rm_rf(const char *path);
#endif
